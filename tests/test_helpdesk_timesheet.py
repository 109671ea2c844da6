# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Next to OCA's ``helpdesk_mgmt_timesheet``: both install in one database.

``helpdesk_mgmt_timesheet`` logs time on tickets as timesheets (``hr_timesheet``
analytic lines, for HR and analytic accounting); this add-on logs work lines to
bill (prices, rounding, parts, invoices). A firm may want both: this test
installs the two in a fresh database of its own (never the test database,
which stays without ``hr_timesheet`` and ``project``), then checks that the
ticket's views load with both, that no field name on a model is declared by
both sides, and that their menus are distinct; the database is dropped at the
end. ``helpdesk_mgmt_timesheet`` and the add-ons it depends on are pinned in
``requirements-dev.txt``, which the project's set-up installs.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tools import config

from .test_wheel import run

OURS = "helpdesk_mgmt_invoicing"
# OCA's timesheets on tickets, with the OCA add-ons it brings along.
THEIRS = ("helpdesk_mgmt_timesheet", "helpdesk_mgmt_project")

# Run with ``odoo-bin shell`` in the database of both: prints, as one line of
# JSON, what the test compares.
INSPECT = """
import json

ours, theirs = {ours!r}, {theirs!r}
admin = env(user=env.ref("base.user_admin"))


def records(model, modules):
    data = env["ir.model.data"].search(
        [("model", "=", model), ("module", "in", list(modules))]
    )
    return env[model].browse(data.mapped("res_id")).exists()


def fields(modules):
    found = records("ir.model.fields", modules)
    return sorted({{(f.model, f.name) for f in found}})


def menus(modules):
    found = records("ir.ui.menu", modules)
    return sorted({{(m.parent_id.complete_name or "", m.name) for m in found}})


views = admin["helpdesk.ticket"].get_views(
    [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")]
)
states = dict(
    env["ir.module.module"]
    .search([("name", "in", [ours, *theirs])])
    .mapped(lambda m: (m.name, m.state))
)
found = {{
    "states": states,
    "ours": fields([ours]),
    "theirs": fields(theirs),
    "our_menus": menus([ours]),
    "their_menus": menus(theirs),
    "form": views["views"]["form"]["arch"],
}}
print("HDI_INSPECT " + json.dumps(found))
"""


@tagged("post_install", "-at_install", "hdi_slow")
class TestNextToHelpdeskTimesheet(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tmp = Path(tempfile.mkdtemp(prefix="hdi_timesheet_"))
        cls.addClassCleanup(shutil.rmtree, tmp, ignore_errors=True)
        db = f"{config['db_name']}_timesheet"
        odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
        # The same database server and options as this run, when from a file.
        options = ["-c", config.rcfile] if config.rcfile else []
        options += ["-d", db, "--data-dir", tmp, "--log-level=warn"]
        run(["dropdb", "--if-exists", db])
        cls.addClassCleanup(run, ["dropdb", "--if-exists", db])
        run(
            [sys.executable, odoo_bin, *options]
            + ["-i", ",".join([OURS, THEIRS[0]])]
            + ["--without-demo=all", "--stop-after-init"]
        )
        output = run(
            [sys.executable, odoo_bin, "shell", *options, "--no-http"],
            input=INSPECT.format(ours=OURS, theirs=THEIRS),
        )
        [line] = [
            line for line in output.splitlines() if line.startswith("HDI_INSPECT ")
        ]
        cls.found = json.loads(line.removeprefix("HDI_INSPECT "))

    def test_both_install(self):
        self.assertEqual(
            self.found["states"],
            dict.fromkeys([OURS, *THEIRS], "installed"),
        )

    def test_no_field_declared_by_both(self):
        """No model gets a field of the same name from each side: on the
        ticket, our work lines and billing next to their timesheets."""
        ours = {tuple(field) for field in self.found["ours"]}
        theirs = {tuple(field) for field in self.found["theirs"]}
        self.assertIn(("helpdesk.ticket", "work_line_ids"), ours)
        self.assertIn(("helpdesk.ticket", "timesheet_ids"), theirs)
        self.assertFalse(ours & theirs)

    def test_the_ticket_form_shows_both(self):
        """The ticket's form, as the administrator opens it, holds our work
        lines and their timesheets."""
        form = self.found["form"]
        self.assertIn('name="work_line_ids"', form)
        self.assertIn('name="timesheet_ids"', form)

    def test_menus_are_distinct(self):
        """No menu of ours has the name of one of theirs under the same parent."""
        ours = {tuple(menu) for menu in self.found["our_menus"]}
        theirs = {tuple(menu) for menu in self.found["their_menus"]}
        self.assertTrue(ours)
        self.assertIn(("Helpdesk", "Timesheets"), theirs)
        self.assertFalse(ours & theirs)
