# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.models import ir_actions_report as base_report


class HelpdeskInvoicingCommon(AccountTestInvoicingCommon):
    """Customers, services, stages and a ticket factory.

    Nothing here relies on demo data: the company gets Odoo's generic chart of
    accounts from ``AccountTestInvoicingCommon``.
    """

    @classmethod
    def get_default_groups(cls):
        # The set-up user also creates tickets, as a helpdesk manager would.
        return super().get_default_groups() | cls.env.ref(
            "helpdesk_mgmt.group_helpdesk_manager"
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.stage_closed = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        Partner = cls.env["res.partner"]
        # A customer company with two contacts and a separate invoice address.
        cls.rossi = Partner.create(
            {"name": "Rossi Impianti S.r.l.", "is_company": True}
        )
        cls.rossi_mario, cls.rossi_anna, cls.rossi_invoice = Partner.create(
            [
                {"name": "Mario Rossi", "parent_id": cls.rossi.id},
                {"name": "Anna Rossi", "parent_id": cls.rossi.id},
                {
                    "name": "Rossi Amministrazione",
                    "parent_id": cls.rossi.id,
                    "type": "invoice",
                },
            ]
        )
        # A second customer company, with no invoice address of its own.
        cls.bianchi = Partner.create(
            {"name": "Bianchi Servizi S.p.A.", "is_company": True}
        )
        cls.bianchi_luca = Partner.create(
            {"name": "Luca Bianchi", "parent_id": cls.bianchi.id}
        )
        # A private person with no company.
        cls.verdi = Partner.create({"name": "Giulia Verdi"})

        hour = cls.env.ref("uom.product_uom_hour")
        # Services sold by the hour: their work lines bill the hours worked.
        taxes = [Command.set(cls.tax_sale_a.ids)]
        cls.support = cls._new_product("Hourly Support", 50.0, hour, taxes_id=taxes)
        cls.onsite = cls._new_product(
            "On-site Intervention", 80.0, hour, taxes_id=taxes
        )
        # A technician: logs work on every ticket, may not invoice.
        cls.technician = new_test_user(
            cls.env,
            login="hdi-technician",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        # The billing clerk: sees every ticket, may create customer invoices.
        cls.clerk = new_test_user(
            cls.env,
            login="hdi-clerk",
            groups="helpdesk_mgmt.group_helpdesk_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _activate_italian(cls, *modules):
        """What an administrator does in Settings > Languages: activate
        Italian, then load the Italian terms of the add-on (``i18n/it.po``),
        after those of ``modules`` (``uom``: Odoo's units, "Ore")."""
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            [*modules, "helpdesk_mgmt_invoicing"], ["it_IT"], overwrite=True
        )

    @classmethod
    def _new_product(cls, name, list_price, uom=None, **values):
        """A product that can be sold at ``list_price``: a service unless
        ``values`` say another type, sold in ``uom`` when given."""
        if uom:
            values.update(uom_id=uom.id, uom_po_id=uom.id)
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "sale_ok": True,
                "list_price": list_price,
                **values,
            }
        )

    @classmethod
    def _new_user(cls, login, groups):
        """Another user, with ``groups`` (their XML ids, comma-separated)."""
        return new_test_user(cls.env, login=login, groups=groups)

    @classmethod
    def _new_clerk(cls, login, company=None):
        """Another billing clerk, working in ``company`` only (by default the
        test company)."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups="helpdesk_mgmt.group_helpdesk_user,account.group_account_invoice",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _create_ticket(cls, partner, lines=(), stage=None, **values):
        """A ticket with work lines.

        :param lines: tuples ``(date, product, hours)`` or
            ``(date, product, hours, price_unit)``
        """
        work_lines = []
        for line in lines:
            vals = {
                "date": line[0],
                "product_id": line[1].id if line[1] else False,
                "quantity": line[2],
                "name": f"Work on {line[0]}",
            }
            if len(line) > 3:
                vals["price_unit"] = line[3]
            work_lines.append(Command.create(vals))
        return cls.env["helpdesk.ticket"].create(
            {
                "name": values.pop(
                    "name", f"Ticket of {partner.name}" if partner else "Ticket"
                ),
                "description": "Printer out of order",
                "partner_id": partner.id if partner else False,
                "stage_id": (stage or cls.stage_closed).id,
                "work_line_ids": work_lines,
                **values,
            }
        )

    @classmethod
    def _standard_lines(cls):
        """Two support sessions on different days and one on-site visit."""
        return [
            (date(2026, 3, 2), cls.support, 2.0),
            (date(2026, 3, 5), cls.support, 1.5),
            (date(2026, 3, 4), cls.onsite, 3.0),
        ]

    @classmethod
    def _create_selection_tickets(cls):
        """The clerk's usual selection: two closed tickets of Rossi (one of
        each contact), one of Bianchi, and Bianchi's ticket still open, as
        ``rossi_1``, ``rossi_2``, ``bianchi_1`` and ``still_open``."""
        cls.rossi_1 = cls._create_ticket(cls.rossi_mario, cls._standard_lines())
        cls.rossi_2 = cls._create_ticket(
            cls.rossi_anna, [(date(2026, 3, 9), cls.support, 1.0)]
        )
        cls.bianchi_1 = cls._create_ticket(cls.bianchi_luca, cls._standard_lines())
        cls.still_open = cls._create_ticket(
            cls.bianchi_luca, cls._standard_lines(), stage=cls.stage_new
        )

    def _create_tour_tickets(self):
        """The closed tickets the browser tours select by name: the printer
        and the workstation of Rossi, the VPN of Bianchi.

        :return: ``(printer, workstation, vpn)``
        """
        printer = self._create_ticket(
            self.rossi_mario, self._standard_lines(), name="Tour: printer offline"
        )
        workstation = self._create_ticket(
            self.rossi_anna,
            [(date(2026, 3, 9), self.onsite, 2.0)],
            name="Tour: new workstation",
        )
        vpn = self._create_ticket(
            self.bianchi_luca,
            [(date(2026, 3, 10), self.support, 1.5)],
            name="Tour: VPN drops",
        )
        return printer, workstation, vpn

    def _log_work(self, ticket, day, quantity, **values):
        """One more work line on ``ticket``: ``quantity`` hours of Hourly
        Support on ``day``, unless ``values`` say otherwise."""
        return self.env["helpdesk.ticket.work.line"].create(
            {
                "ticket_id": ticket.id,
                "date": day,
                "product_id": self.support.id,
                "quantity": quantity,
                **values,
            }
        )

    def _new_block(self, hours=10.0, partner=None, confirm=True, **values):
        """A prepaid hours block of Rossi entered by hand by the test class's
        ``manager`` (a helpdesk manager), confirmed unless ``confirm`` is
        false; returned in the test's environment."""
        block = (
            self.env["helpdesk.prepaid.block"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": (partner or self.rossi).id,
                    "hours": hours,
                    "date_start": date(2026, 3, 1),
                    **values,
                }
            )
        )
        if confirm:
            block.action_confirm()
        return block.with_user(self.env.user)

    def _sell_prepaid_block(self, partner, hours=10.0):
        """Post an invoice of a product that sells blocks of ``hours`` to
        ``partner``: the prepaid hours block it makes, active."""
        product = self._new_product(
            f"Prepaid Support {hours:g} h", 45.0 * hours, helpdesk_prepaid_hours=hours
        )
        sale = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date(2026, 3, 1),
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "quantity": 1.0})
                ],
            }
        )
        sale.action_post()
        return self.env["helpdesk.prepaid.block"].search(
            [("sale_line_id.move_id", "=", sale.id)]
        )

    def _run_tour(self, tour, url="/odoo/helpdesk-tickets", user=None):
        """The browser tour ``tour`` from ``url`` (the ticket list), logged
        in as ``user`` (the billing clerk); for ``HttpCase`` tests."""
        self.start_tour(url, tour, login=(user or self.clerk).login)

    def _activate_currency(self, code, rates):
        """Odoo's currency ``code``, active, with ``rates``
        (``{date string: rate against the company's currency}``)."""
        currency = self.env.ref(f"base.{code}")
        currency.active = True
        self.env["res.currency.rate"].create(
            [
                {"name": day, "rate": rate, "currency_id": currency.id}
                for day, rate in rates.items()
            ]
        )
        return currency

    def _invoice(self, tickets, **options):
        """Run the business method as the billing clerk, to the end of the
        request (the chatter notes are written when it commits)."""
        invoices = tickets.with_user(self.clerk)._create_invoices(**options)
        self._end_request(self.clerk)
        return invoices

    def _preview(self, tickets, **options):
        """The invoices the pop-up would make of these eligible tickets with
        these options, built in memory by the pop-up as the billing clerk."""
        wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk).new(options)
        previews = wizard._get_invoice_previews(tickets.with_user(self.clerk))
        return wizard, wizard.env["account.move"].concat(*(m for _v, m in previews))

    def _e_invoice_warnings(self, tickets, **options):
        """What the pop-up warns about the e-invoices of these tickets."""
        wizard, moves = self._preview(tickets, **options)
        return wizard._get_e_invoice_warnings(moves)

    def _end_request(self, user=None):
        """What the end of a request runs before it commits: pending writes,
        then the hooks that write the chatter notes (as ``user``)."""
        env = self.env(user=user) if user else self.env
        env.flush_all()
        env.cr.precommit.run()

    def _reverse(self, invoice, modify=False):
        """Credit ``invoice`` with Odoo's reversal wizard, as the billing clerk
        (``modify``: "Reverse and create invoice")."""
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.clerk)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "date": date(2026, 4, 2),
                    "journal_id": invoice.journal_id.id,
                    "reason": "Billed twice",
                }
            )
        )
        wizard.modify_moves() if modify else wizard.refund_moves()
        return wizard.new_move_ids

    @staticmethod
    def _product_lines(invoice):
        return invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )

    @staticmethod
    def _section_lines(invoice):
        return invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "line_section"
        )


def count_wkhtmltopdf_runs(binary=None):
    """A patch that counts wkhtmltopdf's runs and lets them run, with
    ``binary`` (a missing or failing one) in place of wkhtmltopdf if given.

    :return: ``(runs, patch)``: ``runs`` gets the number of input documents
        of each run made while the patch is active
    """
    runs = []
    run = base_report.IrActionsReport._run_wkhtmltopdf

    def counting(report, bodies, *args, **kwargs):
        runs.append(len(bodies))
        if not binary:
            return run(report, bodies, *args, **kwargs)
        with patch.object(base_report, "_get_wkhtmltopdf_bin", lambda: binary):
            return run(report, bodies, *args, **kwargs)

    return runs, patch.object(base_report.IrActionsReport, "_run_wkhtmltopdf", counting)
