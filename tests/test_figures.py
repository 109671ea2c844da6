# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The figures the clerk and the customer read.

- Hours are hours: every total, note and measure that says "hours" counts the
  work sold by time only. Travel (kilometres) and parts are counted in their
  own unit, and quantities in different units are never added up.
- Work Analysis adds amounts in the company's currency, converted at the rate
  of the work's date (as Odoo's sales analysis does) and labelled with that
  currency; the amount in the ticket's currency stays on the work line.
- Internal work (Not Billed) is never "to invoice", in any total.
- A ticket still open shows "To Invoice Once Closed": invoicing skips it
  until it is closed.
- The Billing State offers only what a user may choose: Billable or not.
"""

from datetime import date

from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestFigures(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        km = cls.env.ref("uom.product_uom_km")
        cls.travel = cls._new_product("Travel", 0.5, km)
        cls.disk = cls._new_product("Replacement disk", 120.0, type="consu")
        cls.WorkLine = cls.env["helpdesk.ticket.work.line"]

    def _mixed_ticket(self, partner=None, **values):
        """4 hours of support, 36 km of travel and one disk."""
        return self._create_ticket(
            partner or self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 4.0),
                (date(2026, 3, 2), self.travel, 36.0),
                (date(2026, 3, 2), self.disk, 1.0),
            ],
            **values,
        )

    def _sum(self, lines, measure, groupby="commercial_partner_id"):
        """What Work Analysis shows: ``measure`` summed per ``groupby``."""
        return dict(
            self.WorkLine._read_group(
                [("id", "in", lines.ids)], [groupby], [f"{measure}:sum"]
            )
        )

    def _measures(self, user=None):
        """The measures Work Analysis opens with, for ``user`` (the clerk)."""
        WorkLine = self.WorkLine.with_user(user or self.clerk)
        arch = WorkLine.get_views([(False, "pivot")])
        pivot = etree.fromstring(arch["views"]["pivot"]["arch"])
        return pivot.xpath("//field[@type='measure']/@name")

    def test_kilometres_and_parts_are_not_hours(self):
        ticket = self._mixed_ticket()
        self.assertEqual(ticket.work_hours_total, 4.0)
        self._invoice(ticket)
        [note] = ticket.message_ids.filtered(
            lambda message: "Billed on" in (message.body or "")
        )
        self.assertIn(": 4.00 hours, 1.00 Units, 36.00 km.", note.body)
        lines = ticket.work_line_ids
        self.assertEqual(self._sum(lines, "hours_invoiced"), {self.rossi: 4.0})
        self.assertEqual(self._sum(lines, "hours_to_invoice"), {self.rossi: 0.0})
        self.assertEqual(
            lines.mapped("qty_invoiced"), [4.0, 36.0, 1.0], "in their own unit"
        )

    def test_quantities_in_different_units_are_not_added_up(self):
        """No list, pivot or group adds hours, kilometres and parts together."""
        fields = self.WorkLine.fields_get(
            ["quantity", "qty_invoiced", "qty_to_invoice", "hours_invoiced"],
            ["aggregator"],
        )
        self.assertEqual(
            {name: field.get("aggregator") for name, field in fields.items()},
            {
                "quantity": None,
                "qty_invoiced": None,
                "qty_to_invoice": None,
                "hours_invoiced": "sum",
            },
        )
        views = [
            self.WorkLine.with_user(self.clerk).get_views([(False, "list")]),
            self.env["helpdesk.ticket"]
            .with_user(self.clerk)
            .get_views([(False, "form")]),
        ]
        for views_data in views:
            for view in views_data["views"].values():
                arch = etree.fromstring(view["arch"])
                for name in ("quantity", "qty_invoiced", "qty_to_invoice"):
                    for node in arch.xpath(f"//list//field[@name='{name}']"):
                        self.assertFalse(node.get("sum"), name)

    def test_chatter_counts_each_unit_when_billed_work_is_released(self):
        ticket = self._mixed_ticket()
        invoice = self._invoice(ticket)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request(self.clerk)
        [note] = ticket.message_ids.filtered(
            lambda message: "no longer billed" in (message.body or "")
        )
        self.assertIn(
            "4.00 hours, 1.00 Units, 36.00 km are no longer billed", note.body
        )

    def test_analysis_adds_amounts_in_the_company_currency(self):
        chf = self._activate_currency("CHF", {"2026-03-01": 2.0, "2026-03-10": 4.0})
        in_chf = self._create_ticket(self.verdi, [], currency_id=chf.id)
        in_chf.work_line_ids = [
            Command.create(
                {"date": day, "product_id": self.support.id, "quantity": 1.0}
            )
            for day in (date(2026, 3, 2), date(2026, 3, 12))
        ]
        in_usd = self._create_ticket(
            self.verdi, [(date(2026, 3, 2), self.support, 1.0)]
        )
        self.assertEqual(in_usd.currency_id, self.company.currency_id)
        # 100 and 200 CHF for 50 USD of work: each at the rate of its day.
        self.assertEqual(in_chf.work_line_ids.mapped("price_subtotal"), [100.0, 200.0])
        self.assertEqual(in_chf.work_line_ids.mapped("company_amount"), [50.0, 50.0])
        lines = (in_chf + in_usd).work_line_ids
        self.assertEqual(self._sum(lines, "company_amount"), {self.verdi: 150.0})
        self.assertEqual(
            self._sum(lines, "company_amount_to_invoice"), {self.verdi: 150.0}
        )
        # The ticket's currency is never added to another one.
        fields = self.WorkLine.with_user(self.clerk).fields_get(
            ["price_subtotal", "company_amount", "company_amount_to_invoice"],
            ["aggregator", "string"],
        )
        self.assertIsNone(fields["price_subtotal"].get("aggregator"))
        currency = self.company.currency_id.name
        self.assertEqual(
            fields["company_amount"]["string"],
            f"Amount in Company Currency ({currency})",
        )
        self.assertEqual(
            fields["company_amount_to_invoice"]["string"],
            f"Amount to Invoice in Company Currency ({currency})",
        )
        self._invoice(in_chf + in_usd)
        self.assertEqual(
            self._sum(lines, "company_amount_to_invoice"), {self.verdi: 0.0}
        )
        self.assertEqual(self._sum(lines, "company_amount"), {self.verdi: 150.0})

    def test_internal_work_is_never_to_invoice(self):
        ticket = self._create_ticket(
            self.bianchi_luca,
            [
                (date(2026, 3, 2), self.support, 3.0),
                (date(2026, 3, 3), self.support, 1.0),
            ],
        )
        internal = ticket.work_line_ids[1]
        internal.billing_type = "not_billed"
        self.assertEqual(ticket.work_hours_total, 3.0)
        lines = ticket.work_line_ids
        self.assertEqual(self._sum(lines, "hours_to_invoice"), {self.bianchi: 3.0})
        self.assertEqual(
            self._sum(lines, "company_amount_to_invoice"), {self.bianchi: 150.0}
        )
        self._invoice(ticket)
        # Everything billable is billed: nothing left, 3 hours billed.
        self.assertEqual(self._sum(lines, "hours_to_invoice"), {self.bianchi: 0.0})
        self.assertEqual(self._sum(lines, "hours_invoiced"), {self.bianchi: 3.0})
        self.assertEqual(ticket.work_hours_total, 0.0)

    def test_analysis_opens_on_what_is_left_to_invoice_per_customer(self):
        self.assertEqual(
            self._measures(), ["company_amount_to_invoice", "hours_to_invoice"]
        )
        # A helpdesk manager who does not invoice: the hours, not the amounts.
        manager = self._new_user(
            "hdi-figures-manager", "helpdesk_mgmt.group_helpdesk_manager"
        )
        self.assertEqual(self._measures(manager), ["hours_to_invoice"])
        arch = self.WorkLine.with_user(self.clerk).get_views([(False, "pivot")])
        pivot = etree.fromstring(arch["views"]["pivot"]["arch"])
        self.assertEqual(
            pivot.xpath("//field[@type='row']/@name"), ["commercial_partner_id"]
        )

    def test_open_ticket_is_to_invoice_once_closed(self):
        """The badge says what invoicing will do: skip an open ticket."""
        ticket = self._mixed_ticket(stage=self.stage_new)
        self.assertEqual(ticket.billing_state, "to_invoice")
        self.assertEqual(ticket.billing_state_detail, "to_invoice_once_closed")
        ticket.stage_id = self.stage_closed
        self.assertEqual(ticket.billing_state_detail, "to_invoice")

    def test_billing_state_offers_only_what_a_user_may_choose(self):
        """The form offers Billable; the state follows from the invoices."""
        ticket = self._mixed_ticket()
        with Form(ticket.with_user(self.clerk)) as form:
            with self.assertRaises(AssertionError):
                form.billing_state = "invoiced"
            form.billable = False
        self.assertEqual(ticket.billing_state, "no")
        help_text = ticket.fields_get(["billing_state"], ["help"])["billing_state"]
        self.assertIn("cannot be chosen by hand", help_text["help"])
