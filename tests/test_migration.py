# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Upgrading a database made with the previous version.

Version 18.0.1.1.0 renamed the work line's stored billed quantities to sale's
names (``migrations/18.0.1.1.0``). This test installs the previous version
(18.0.1.0.0, taken from the repository's history with ``git archive``) in a
database of its own, bills work there with that code, upgrades the database
with the checkout, and checks that every billed quantity stayed where it was,
under its new name.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tools import config

from .test_wheel import CHECKOUT, MODULE, run

# The last commit of version 18.0.1.0.0 (before the renames).
PREVIOUS_VERSION = "6b447a997d7eb4ba751efc4c97dc91e9c76336f8"

# Run by ``odoo-bin shell`` with the previous version's code: a customer, a
# service sold by the hour, two closed tickets of two work lines, one of
# them invoiced and its invoice posted, one work line credited in part.
BILL_WITH_PREVIOUS_VERSION = """
customer = env["res.partner"].create({"name": "Rossi Impianti", "is_company": True})
service = env["product.product"].create({
    "name": "Assistenza tecnica",
    "type": "service",
    "uom_id": env.ref("uom.product_uom_hour").id,
    "uom_po_id": env.ref("uom.product_uom_hour").id,
    "list_price": 50.0,
})
closed = env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
tickets = env["helpdesk.ticket"]
for name in ("Caldaia", "Condizionatore"):
    tickets |= env["helpdesk.ticket"].create({
        "name": name,
        "description": name,
        "partner_id": customer.id,
        "work_line_ids": [
            (0, 0, {"product_id": service.id, "date": day, "hours_worked": hours})
            for day, hours in (("2026-11-02", 3.0), ("2026-11-03", 1.5))
        ],
    })
tickets.stage_id = closed
invoice = tickets[0]._create_invoices()
invoice.action_post()
reversal = env["account.move.reversal"].with_context(
    active_model="account.move", active_ids=invoice.ids
).create({"journal_id": invoice.journal_id.id, "date": "2026-11-30"})
credit_note = env["account.move"].browse(reversal.refund_moves()["res_id"])
credit_note.invoice_line_ids.filtered(lambda l: l.quantity == 3.0).quantity = 1.0
credit_note.invoice_line_ids.filtered(lambda l: l.quantity == 1.5).unlink()
credit_note.action_post()
env.cr.commit()
"""

BILLED_QUANTITIES = (
    "SELECT t.name, l.hours_worked, {billed}, {to_invoice} "
    "FROM helpdesk_ticket_work_line l JOIN helpdesk_ticket t ON t.id = l.ticket_id "
    "ORDER BY l.id"
)


@tagged("post_install", "-at_install", "hdi_slow")
class TestMigration(BaseCase):
    def test_upgrade_keeps_the_billed_quantities_under_their_new_names(self):
        tmp = Path(tempfile.mkdtemp(prefix="hdi_migration_"))
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        previous = tmp / "addons" / MODULE
        previous.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", PREVIOUS_VERSION],
            cwd=CHECKOUT,
            stdout=subprocess.PIPE,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", previous], input=archive, check=True)
        # The configured addons path, less the folder that holds the checkout.
        others = [
            path
            for path in config["addons_path"].split(",")
            if not Path(path, MODULE).exists()
        ]
        checkout = [
            path
            for path in config["addons_path"].split(",")
            if Path(path, MODULE).exists()
        ]
        db = f"{config['db_name']}_upgrade"
        odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
        rcfile = ["-c", config.rcfile] if config.rcfile else []
        common = [*rcfile, "-d", db, "--data-dir", tmp / "data"]
        run(["dropdb", "--if-exists", db])
        self.addCleanup(run, ["dropdb", "--if-exists", db])

        def odoo_bin_run(addons, *args, **kwargs):
            return run(
                [sys.executable, odoo_bin, *args, *common]
                + ["--addons-path", ",".join(map(str, addons)), "--log-level=warn"],
                **kwargs,
            )

        odoo_bin_run(
            [*others, tmp / "addons"],
            "-i",
            MODULE,
            "--without-demo=all",
            "--stop-after-init",
        )
        odoo_bin_run(
            [*others, tmp / "addons"],
            "shell",
            "--no-http",
            input=BILL_WITH_PREVIOUS_VERSION,
        )
        before = self._billed_quantities(db, "quantity_invoiced", "quantity_to_invoice")
        self.assertEqual(
            before,
            [
                ("Caldaia", 3.0, 2.0, 1.0),
                ("Caldaia", 1.5, 1.5, 0.0),
                ("Condizionatore", 3.0, 0.0, 3.0),
                ("Condizionatore", 1.5, 0.0, 1.5),
            ],
            "The previous version did not bill the work as this test expects.",
        )

        odoo_bin_run([*others, *checkout], "-u", MODULE, "--stop-after-init")

        after = self._billed_quantities(db, "qty_invoiced", "qty_to_invoice")
        self.assertEqual(after, before)
        columns = self._psql(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'helpdesk_ticket_work_line'",
        )
        fields = self._psql(
            db,
            "SELECT name FROM ir_model_fields "
            "WHERE model = 'helpdesk.ticket.work.line'",
        )
        for names in (columns, fields):
            self.assertIn("qty_invoiced", names)
            self.assertIn("qty_to_invoice", names)
            self.assertNotIn("quantity_invoiced", names)
            self.assertNotIn("quantity_to_invoice", names)
        (version,) = self._psql(
            db, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'"
        )
        manifest = odoo.modules.module.get_manifest(MODULE)
        self.assertEqual(version, manifest["version"])

    def _psql(self, db, query):
        """The rows of ``query`` in ``db``, each a string."""
        return run(["psql", "-d", db, "-tAc", query]).split()

    def _billed_quantities(self, db, billed, to_invoice):
        """``[(ticket, hours worked, billed, to invoice)]`` of every work line
        of ``db``, read from these columns."""
        rows = run(
            ["psql", "-d", db, "-tA", "-F", "|", "-c"]
            + [BILLED_QUANTITIES.format(billed=billed, to_invoice=to_invoice)]
        )
        return [
            (name, float(worked), float(qty_billed), float(qty_left))
            for name, worked, qty_billed, qty_left in (
                row.split("|") for row in rows.splitlines() if row
            )
        ]
