# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Prepaid hours used up by invoicing.

Time-based billable work of a customer with an active block that covers the
service on the work's date is covered first, the block that expires first
used first, the work in the order it was done: the covered hours go on the
invoice at zero, "Covered by prepaid block PHB/…", linked to the block; the
hours past it on a normal line, at the block's overage price if it has one.
Rounding and minimums apply to the work first; no-charge and internal work
never use a block. Each invoice ends with a recap of its blocks. Cancelling
or crediting the invoice gives the hours back.
"""

from datetime import date

from lxml import html

from odoo.tests import new_test_user, tagged

from .common import HelpdeskInvoicingCommon
from .queue_job_helpers import trap_jobs


@tagged("post_install", "-at_install")
class TestPrepaidInvoicing(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Block = cls.env["helpdesk.prepaid.block"]
        cls.manager = new_test_user(
            cls.env,
            login="hdi-prepaid-manager",
            groups="helpdesk_mgmt.group_helpdesk_manager",
        )

    def _billed(self, invoice):
        """``[(quantity, price, block), ...]`` of the invoice's product lines."""
        return [
            (line.quantity, line.price_unit, line.helpdesk_prepaid_block_id)
            for line in self._product_lines(invoice)
        ]

    @staticmethod
    def _notes(invoice):
        return invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "line_note"
        ).mapped("name")

    def test_work_covered_by_the_block(self):
        block = self._new_block(10.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 4.0)]
        )
        invoice = self._invoice(ticket)
        self.assertEqual(self._billed(invoice), [(4.0, 0.0, block)])
        self.assertEqual(invoice.amount_untaxed, 0.0)
        self.assertIn(
            f"\nCovered by prepaid block {block.name}",
            self._product_lines(invoice).name,
        )
        self.assertEqual((block.hours_used, block.hours_remaining), (4.0, 6.0))
        line = ticket.work_line_ids
        self.assertEqual((line.qty_invoiced, line.hours_prepaid), (4.0, 4.0))
        self.assertEqual(ticket.billing_state, "invoiced")
        self.assertEqual(
            self._notes(invoice),
            [
                f"Prepaid hours {block.name}: 10.00 hours bought, 0.00 used before "
                "this invoice, 4.00 on it, 6.00 left."
            ],
        )

    def test_hours_past_the_block_at_the_overage_price(self):
        block = self._new_block(10.0, overage_price_unit=60.0)
        ticket = self._create_ticket(
            self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 8.0),
                (date(2026, 3, 3), self.support, 4.0),
            ],
        )
        invoice = self._invoice(ticket)
        no_block = self.Block
        self.assertEqual(
            self._billed(invoice),
            [(8.0, 0.0, block), (2.0, 0.0, block), (2.0, 60.0, no_block)],
        )
        self.assertEqual(invoice.amount_untaxed, 120.0)
        self.assertEqual(block.state, "exhausted")
        self.assertTrue(
            self._notes(invoice)[0].endswith("2.00 hours past the block are billed.")
        )
        # The next work, with the block used up: at the overage price still.
        later = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 9), self.support, 1.0)]
        )
        self.assertEqual(self._billed(self._invoice(later)), [(1.0, 60.0, no_block)])

    def test_without_overage_price_the_normal_price(self):
        self._new_block(1.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 3.0)]
        )
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.amount_untaxed, 100.0)

    def test_one_batch_never_covers_an_hour_twice(self):
        """Two tickets in one batch share the block's hours in the order the
        work was done; the first to expire is used first."""
        later_block = self._new_block(10.0)
        first_block = self._new_block(3.0, date_end=date(2027, 1, 31))
        first = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 6.0)]
        )
        second = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 3), self.support, 9.0)]
        )
        invoice = self._invoice(first | second, group_by_partner=True)
        self.assertEqual(
            self._billed(invoice),
            [
                (3.0, 0.0, first_block),
                (3.0, 0.0, later_block),
                (7.0, 0.0, later_block),
                (2.0, 50.0, self.Block),
            ],
        )
        self.assertEqual(first_block.hours_used, 3.0)
        self.assertEqual(later_block.hours_used, 10.0)
        self.assertEqual(len(self._notes(invoice)), 2)

    def test_rounding_and_minimum_first(self):
        block = self._new_block(10.0)
        self.support.helpdesk_minimum_hours = 1.0
        ticket = self._create_ticket(self.rossi_mario)
        self.env["helpdesk.ticket.work.line"].create(
            {
                "ticket_id": ticket.id,
                "date": date(2026, 3, 2),
                "product_id": self.support.id,
                "hours_worked": 0.25,
            }
        )
        self.assertEqual(ticket.work_line_ids.quantity, 1.0)
        self._invoice(ticket)
        self.assertEqual(block.hours_used, 1.0)

    def test_what_a_block_never_covers(self):
        """No-charge and internal work, parts, another service, work before
        the block or of another customer."""
        block = self._new_block(10.0, product_ids=[(6, 0, self.onsite.ids)])
        disk = self._new_product("Replacement disk", 120.0)
        ticket = self._create_ticket(
            self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 1.0),
                (date(2026, 3, 2), disk, 1.0),
                (date(2026, 2, 27), self.onsite, 1.0),
            ],
        )
        self._log_work(
            ticket,
            date(2026, 3, 3),
            1.0,
            product_id=self.onsite.id,
            billing_type="no_charge",
        )
        self._log_work(
            ticket,
            date(2026, 3, 3),
            1.0,
            product_id=self.onsite.id,
            billing_type="not_billed",
        )
        other = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 2), self.onsite, 1.0)]
        )
        self._invoice(ticket | other)
        self.assertEqual(block.hours_used, 0.0)
        covered = self._log_work(
            ticket, date(2026, 3, 4), 2.0, product_id=self.onsite.id
        )
        self._invoice(ticket)
        self.assertEqual(block.hours_used, 2.0)
        self.assertEqual(covered.hours_prepaid, 2.0)

    def test_cancel_and_credit_give_the_hours_back(self):
        block = self._new_block(10.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 4.0)]
        )
        invoice = self._invoice(ticket)
        invoice.button_cancel()
        self.assertEqual(block.hours_used, 0.0)
        again = self._invoice(ticket)
        self.assertEqual(block.hours_used, 4.0)
        again.action_post()
        self._reverse(again).action_post()
        self.assertEqual(block.hours_used, 0.0)
        self.assertEqual(ticket.work_line_ids.qty_to_invoice, 4.0)
        self.assertEqual(ticket.work_line_ids.hours_prepaid, 0.0)
        self._invoice(ticket)
        self.assertEqual(block.hours_used, 4.0)

    def test_after_hours_work_covered_business_hours_first(self):
        """Covered hours come out of the business hours first; surcharged
        hours past the block are billed at their rate."""
        self.company.resource_calendar_id = self.env["resource.calendar"].create(
            {"name": "Standard 40 hours (UTC)", "tz": "UTC"}
        )
        self.support.helpdesk_after_hours_factor = 1.5
        block = self._new_block(2.0)
        ticket = self._create_ticket(self.rossi_mario)
        self._log_work(ticket, date(2026, 3, 2), 2.5, time_start=16.0, time_end=18.5)
        invoice = self._invoice(ticket)
        self.assertEqual(
            [
                (
                    line.quantity,
                    line.price_unit,
                    line.helpdesk_rate,
                    line.helpdesk_prepaid_block_id,
                )
                for line in self._product_lines(invoice)
            ],
            [
                (1.0, 0.0, False, block),
                (1.0, 0.0, "after_hours", block),
                (0.5, 75.0, "after_hours", self.Block),
            ],
        )
        self.assertEqual(ticket.work_line_ids.qty_invoiced, 2.5)

    def test_grouped_work_lines(self):
        block = self._new_block(5.0)
        ticket = self._create_ticket(
            self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 2.0),
                (date(2026, 3, 3), self.support, 2.0),
                (date(2026, 3, 4), self.support, 2.0),
                (date(2026, 3, 5), self.support, 1.0),
            ],
        )
        invoice = self._invoice(ticket, group_work_lines=True)
        self.assertEqual(
            sorted(self._billed(invoice), key=lambda row: (row[1], row[0])),
            [
                (1.0, 0.0, block),
                (4.0, 0.0, block),
                (1.0, 50.0, self.Block),
                (1.0, 50.0, self.Block),
            ],
        )
        lines = ticket.work_line_ids
        self.assertEqual(lines.mapped("qty_invoiced"), [2.0, 2.0, 2.0, 1.0])
        self.assertEqual(lines.mapped("hours_prepaid"), [2.0, 2.0, 1.0, 0.0])

    def test_preview_shows_the_prepaid_hours(self):
        self._new_block(3.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 5.0)]
        )
        wizard, previews = self._preview(ticket)
        rows = wizard._prepare_preview_rows(
            wizard._get_invoice_previews(ticket.with_user(self.clerk))
        )
        self.assertEqual((rows[0]["hours"], rows[0]["hours_prepaid"]), (5.0, 3.0))
        invoice = self._invoice(ticket)
        self.assertEqual(previews.amount_total, invoice.amount_total)
        self.assertEqual(previews.amount_untaxed, 100.0)

    def test_background_run_uses_the_block(self):
        block = self._new_block(10.0)
        tickets = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 6.0)]
        ) | self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 3), self.support, 6.0)]
        )
        with trap_jobs() as trap:
            self.env["helpdesk.ticket.invoice.run"].with_user(self.clerk)._start(
                tickets.with_user(self.clerk)
            )
        for job in trap.enqueued_jobs:
            job.perform()
        self.env.flush_all()
        self.assertEqual(block.hours_used, 10.0)
        self.assertEqual(sum(tickets.work_line_ids.mapped("hours_prepaid")), 10.0)
        self.assertEqual(sum(tickets.invoice_ids.mapped("amount_untaxed")), 100.0)

    def test_unpaid_sold_block_waits_for_payment(self):
        """With Prepaid Hours Once Paid, a block sold by an unpaid invoice
        covers nothing yet."""
        self.company.helpdesk_prepaid_paid_only = True
        block = self._sell_prepaid_block(self.rossi)
        self.assertEqual(block.hours, 10.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 2.0)]
        )
        self.assertEqual(self._invoice(ticket).amount_untaxed, 100.0)
        self.assertEqual(block.hours_used, 0.0)

    def test_intervention_report_shows_the_block(self):
        block = self._new_block(10.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 4.0)]
        )
        self._invoice(ticket)
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.technician)
            ._render_qweb_pdf("helpdesk_mgmt_invoicing.report_intervention", ticket.ids)
        )
        rows = html.fromstring(content).xpath("//div[@name='prepaid_hours']")
        self.assertEqual(
            [" ".join("".join(row.itertext()).split()) for row in rows],
            [
                f"Prepaid hours block {block.name}: 4.00 hours used by this "
                "intervention, 6.00 hours left."
            ],
        )

    def test_second_credit_note_gives_no_hours_back(self):
        """A second credit note of the same invoice gives back money only:
        the block's hours are given back once."""
        block = self._new_block(10.0)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 4.0)]
        )
        invoice = self._invoice(ticket)
        invoice.action_post()
        self._reverse(invoice).action_post()
        self.assertEqual(block.hours_used, 0.0)
        second = self._reverse(invoice)
        self.assertFalse(second.invoice_line_ids.helpdesk_prepaid_block_id)
        second.action_post()
        self.assertEqual(block.hours_used, 0.0)
