# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The pop-up shows the invoices it will make, and they are the ones it makes.

Before confirming, the pop-up lists each invoice proposal — its customer, its
tickets, how many lines, the hours to invoice, the untaxed amount, the tax
and the total — with the totals below. It builds them with the code that
makes the invoices (the same values, taxes computed by Odoo as on an invoice
not saved yet, nothing created), so what it shows is what confirming makes,
whatever the options, also for tickets whose work was billed, released and
billed again, or that got new work after being invoiced.
"""

from datetime import date

from odoo import Command
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon

OPTIONS = [
    {"group_by_partner": False, "group_work_lines": False},
    {"group_by_partner": False, "group_work_lines": True},
    {"group_by_partner": True, "group_work_lines": False},
    {"group_by_partner": True, "group_work_lines": True},
]


@tagged("post_install", "-at_install")
class TestPreview(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_selection_tickets()
        cls.clerk.groups_id += cls.env.ref("base.group_multi_currency")

    def _wizard_form(self, tickets=None, **options):
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        context = {}
        if tickets is not None:
            context = {"active_model": "helpdesk.ticket", "active_ids": tickets.ids}
        form = Form(Wizard.with_context(**context))
        for option, value in options.items():
            setattr(form, option, value)
        return form

    def _rows(self, form):
        """The proposals the pop-up shows, as the clerk reads them."""
        return [
            {
                "customer": self.env["res.partner"].browse(row["partner_id"]),
                "tickets": row["ticket_numbers"],
                "lines": row["line_count"],
                "hours": row["hours"],
                "untaxed": row["amount_untaxed"],
                "tax": row["amount_tax"],
                "total": row["amount_total"],
                "currency": self.env["res.currency"].browse(row["currency_id"]),
            }
            for row in form.preview_ids._records
        ]

    def _made(self, invoices):
        """The same, read on the invoices made."""
        return [
            {
                "customer": invoice.commercial_partner_id,
                "tickets": ", ".join(
                    invoice.helpdesk_ticket_ids.sorted("number").mapped("number")
                ),
                "lines": len(self._product_lines(invoice)),
                "hours": sum(self._product_lines(invoice).mapped("quantity")),
                "untaxed": invoice.amount_untaxed,
                "tax": invoice.amount_tax,
                "total": invoice.amount_total,
                "currency": invoice.currency_id,
            }
            for invoice in invoices.sorted("id")
        ]

    def _assert_preview_is_result(self, tickets, **options):
        """Preview, confirm, and compare row by row, then the totals.

        :return: ``(the rows previewed, the invoices made)``
        """
        form = self._wizard_form(tickets, **options)
        previewed = self._rows(form)
        totals = (
            form.hours_total,
            form.amount_untaxed,
            form.amount_tax,
            form.amount_total,
        )
        action = form.save().action_create_invoices()
        self._end_request(self.clerk)
        next_action = action["params"]["next"]
        invoices = self.env["account.move"].browse(
            next_action.get("res_id") or next_action["domain"][0][2]
        )
        self.assertTrue(invoices)
        self.assertEqual(previewed, self._made(invoices))
        self.assertEqual(form.invoice_count, len(invoices))
        self.assertEqual(form.currency_id, invoices.currency_id)
        self.assertEqual(
            totals,
            (
                sum(self._product_lines(invoices).mapped("quantity")),
                sum(invoices.mapped("amount_untaxed")),
                sum(invoices.mapped("amount_tax")),
                sum(invoices.mapped("amount_total")),
            ),
        )
        return previewed, invoices

    def _release_and_add_work(self):
        """Tickets with a history: rossi_1 invoiced, its invoice cancelled (the
        work released) and one more hour logged; bianchi_1 invoiced, posted,
        and half an hour logged since."""
        released = self._invoice(self.rossi_1)
        released.with_user(self.clerk).button_cancel()
        billed = self._invoice(self.bianchi_1)
        billed.invoice_date = date(2026, 3, 31)
        billed.with_user(self.clerk).action_post()
        self.env["helpdesk.ticket.work.line"].create(
            [
                {
                    "ticket_id": self.rossi_1.id,
                    "date": date(2026, 3, 12),
                    "product_id": self.support.id,
                    "quantity": 1.0,
                },
                {
                    "ticket_id": self.bianchi_1.id,
                    "date": date(2026, 3, 13),
                    "product_id": self.onsite.id,
                    "quantity": 0.5,
                },
            ]
        )
        self._end_request()
        return released, billed

    def test_preview_is_the_result_in_every_mode(self):
        """The four combinations of the options, each previewed then made."""
        tickets = self.rossi_1 + self.rossi_2 + self.bianchi_1 + self.still_open
        expected_counts = [3, 3, 2, 2]
        expected_lines = [7, 5, 7, 5]
        for options, count, lines in zip(
            OPTIONS, expected_counts, expected_lines, strict=True
        ):
            with self.subTest(**options), self.env.cr.savepoint() as savepoint:
                rows, invoices = self._assert_preview_is_result(tickets, **options)
                self.assertEqual(len(invoices), count)
                self.assertEqual(sum(row["lines"] for row in rows), lines)
                savepoint.rollback()
                self.env.invalidate_all()

    def test_preview_is_the_result_with_released_and_added_work(self):
        """Work billed then released, and work added after invoicing: the
        preview bills what is left, as the invoices do, in every mode."""
        self._release_and_add_work()
        tickets = self.rossi_1 + self.rossi_2 + self.bianchi_1
        for options in OPTIONS:
            with self.subTest(**options), self.env.cr.savepoint() as savepoint:
                _rows, invoices = self._assert_preview_is_result(tickets, **options)
                # bianchi_1 bills only its new half hour of on-site work.
                bianchi = invoices.filtered(
                    lambda move: move.commercial_partner_id == self.bianchi
                )
                self.assertEqual(self._product_lines(bianchi).quantity, 0.5)
                self.assertEqual(bianchi.amount_untaxed, 40.0)
                savepoint.rollback()
                self.env.invalidate_all()

    def test_preview_does_not_count_billed_hours(self):
        """The case of the issue: a ticket invoiced, given one more hour of
        work and back to To Invoice: the preview says 1.00 hour and 50.00,
        as the invoice it makes."""
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 2.5)]
        )
        self._invoice(ticket)
        ticket.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 3),
                    "product_id": self.support.id,
                    "quantity": 1.0,
                }
            )
        ]
        self._end_request()
        self.assertEqual(ticket.billing_state, "to_invoice")
        [row], invoice = self._assert_preview_is_result(ticket)
        self.assertEqual((row["hours"], row["untaxed"]), (1.0, 50.0))
        self.assertEqual((row["tax"], row["total"]), (7.5, 57.5))
        self.assertEqual(self._product_lines(invoice).quantity, 1.0)
        self.assertEqual(invoice.amount_untaxed, 50.0)

    def test_options_change_the_proposals(self):
        """Group work lines changes the line counts; Group tickets by
        customer lists one row per invoice, holding its tickets."""
        tickets = self.rossi_1 + self.rossi_2 + self.bianchi_1
        form = self._wizard_form(tickets)
        self.assertEqual([row["lines"] for row in self._rows(form)], [3, 1, 3])
        form.group_work_lines = True
        self.assertEqual([row["lines"] for row in self._rows(form)], [2, 1, 2])
        form.group_by_partner = True
        rows = self._rows(form)
        self.assertEqual(
            [(row["customer"], row["tickets"], row["lines"]) for row in rows],
            [
                (self.rossi, f"{self.rossi_1.number}, {self.rossi_2.number}", 3),
                (self.bianchi, self.bianchi_1.number, 2),
            ],
        )
        self.assertEqual(form.invoice_count, 2)

    def test_totals_below_the_proposals(self):
        """Hours, untaxed amount, tax and total of all the proposals."""
        form = self._wizard_form(self.rossi_1 + self.rossi_2 + self.bianchi_1)
        # 2 + 1.5 hours of support (50.00) and 3 on site (80.00) twice, plus
        # one hour of support: 415.00 + 415.00 + 50.00, taxed at 15 %.
        self.assertEqual(form.hours_total, 14.0)
        self.assertEqual(form.amount_untaxed, 880.0)
        self.assertEqual(form.amount_tax, 132.0)
        self.assertEqual(form.amount_total, 1012.0)
        self.assertEqual(form.currency_id, self.company.currency_id)

    def test_several_currencies_no_total_amount(self):
        """Proposals in several currencies: each row in its own, no sum."""
        other = self.setup_other_currency("EUR")
        self.rossi_2.currency_id = other
        form = self._wizard_form(self.rossi_1 + self.rossi_2)
        self.assertEqual(
            [row["currency"] for row in self._rows(form)],
            [self.company.currency_id, other],
        )
        self.assertFalse(form.currency_id)
        self.assertEqual(form.amount_total, 0.0)
        self.assertEqual(form.hours_total, 7.5)

    def test_nothing_selected_says_so(self):
        """No selection: every ticket ready to invoice in the user's
        companies, and the pop-up says so."""
        form = self._wizard_form()
        ready = self.env["helpdesk.ticket"].search(
            [("ready_to_invoice", "=", True), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(
            form.selection_message,
            f"No ticket selected: all {len(ready)} tickets ready to invoice in "
            f"{self.company.name}.",
        )
        self.assertFalse(self._wizard_form(self.rossi_1).selection_message)

    def test_preview_creates_nothing(self):
        """Opening the pop-up and changing its options makes no invoice, and
        links no work line to anything."""
        moves_before = self.env["account.move"].search_count([])
        form = self._wizard_form(self.rossi_1 + self.bianchi_1)
        form.group_work_lines = True
        form.group_by_partner = True
        self.assertEqual(len(form.preview_ids), 2)
        self.env.flush_all()
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        work = (self.rossi_1 + self.bianchi_1).work_line_ids
        self.assertFalse(work.sudo().invoice_line_ids)
        self.assertEqual(set(work.mapped("qty_invoiced")), {0.0})
