# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""When an invoice no longer bills the work: the tickets come back.

The work lines billed by an invoice are released when the invoice proposal
is deleted, when the invoice is cancelled, when a credit note reverses it in
full, or when one of its lines is removed. A released work line can be
invoiced again. A ticket goes back to To Invoice when none of its work lines
is left on an invoice, and its chatter says what happened.
"""

from datetime import date

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestLifecycle(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.rossi_mario, cls._standard_lines())

    def _post(self, invoice):
        invoice.invoice_date = date(2026, 3, 31)
        invoice.with_user(self.clerk).action_post()
        self.assertEqual(invoice.state, "posted")

    def _credit_note(self, invoice, modify=False):
        """Reverse ``invoice`` with the standard wizard, as the billing clerk."""
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

    def _release_notes(self, ticket):
        return ticket.message_ids.filtered(
            lambda m: "no longer invoiced" in (m.body or "")
        )

    def _assert_released(self, ticket, expected_note):
        """Every work line of the ticket is free, the ticket is To Invoice."""
        self.assertFalse(ticket.work_line_ids.invoice_line_id)
        self.assertFalse(ticket.invoice_ids)
        self.assertEqual(ticket.billing_state, "to_invoice")
        note = self._release_notes(ticket)
        self.assertEqual(len(note), 1)
        self.assertIn(expected_note, note.body)
        self.assertIn("The ticket is To Invoice again.", note.body)

    def test_deleting_the_proposal_releases_the_work(self):
        invoice = self._invoice(self.ticket)
        name = invoice.display_name
        invoice.with_user(self.clerk).unlink()
        self._assert_released(
            self.ticket, f"Invoice {name} was deleted: its work lines on this ticket"
        )
        # The work is billed again, on a new invoice.
        again = self._invoice(self.ticket)
        self.assertEqual(len(self._product_lines(again)), 3)
        self.assertEqual(self.ticket.invoice_ids, again)

    def test_cancelling_a_draft_invoice(self):
        invoice = self._invoice(self.ticket)
        invoice.with_user(self.clerk).button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self._assert_released(self.ticket, "was cancelled")
        # The note links the cancelled invoice.
        self.assertIn(
            f'data-oe-id="{invoice.id}"', self._release_notes(self.ticket).body
        )
        self.assertFalse(invoice.helpdesk_ticket_ids)
        # The cancelled invoice says it no longer bills the work.
        invoice_note = invoice.message_ids.filtered(
            lambda m: "are released and can be invoiced again" in (m.body or "")
        )
        self.assertIn(f'data-oe-id="{self.ticket.id}"', invoice_note.body)
        self.assertIn("even if reset to draft", invoice_note.body)

    def test_cancelling_a_posted_invoice(self):
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        invoice.with_user(self.clerk).button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self._assert_released(self.ticket, "was cancelled")

    def test_full_credit_note(self):
        """A credit note for the whole invoice releases the work once posted."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._credit_note(invoice)
        self.assertEqual(credit_note.state, "draft")
        # Drafted only: the customer still owes the invoice.
        self.assertEqual(self.ticket.billing_state, "invoiced")
        self.assertTrue(all(self.ticket.work_line_ids.mapped("invoice_line_id")))

        credit_note.with_user(self.clerk).action_post()
        self.assertEqual(invoice.payment_state, "reversed")
        self._assert_released(self.ticket, "was fully reversed by a credit note")
        self.assertFalse(credit_note.invoice_line_ids.helpdesk_work_line_ids)
        self.assertTrue(
            invoice.message_ids.filtered(
                lambda m: "are released and can be invoiced again" in (m.body or "")
            )
        )

    def test_reverse_and_create_a_new_draft(self):
        """Reverse and create invoice: the work is free at once."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        self._credit_note(invoice, modify=True)
        self.assertEqual(invoice.payment_state, "reversed")
        self._assert_released(self.ticket, "was fully reversed by a credit note")

    def test_partial_credit_note_keeps_the_work_billed(self):
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._credit_note(invoice)
        line = self._product_lines(credit_note)[0]
        credit_note.write(
            {"invoice_line_ids": [Command.update(line.id, {"quantity": 0.5})]}
        )
        credit_note.with_user(self.clerk).action_post()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(self.ticket.billing_state, "invoiced")
        self.assertEqual(self.ticket.invoice_ids, invoice)
        self.assertFalse(self._release_notes(self.ticket))

    def test_removing_invoice_lines(self):
        """One line removed: its work is free, the ticket stays Invoiced until
        none of its work is left on the invoice."""
        invoice = self._invoice(self.ticket)
        onsite_line = self._product_lines(invoice).filtered(
            lambda line: line.product_id == self.onsite
        )
        onsite_work = onsite_line.helpdesk_work_line_ids
        invoice.with_user(self.clerk).write(
            {"invoice_line_ids": [Command.delete(onsite_line.id)]}
        )
        self.assertFalse(onsite_work.invoice_line_id)
        self.assertEqual((self.ticket.work_line_ids - onsite_work).invoice_id, invoice)
        self.assertEqual(self.ticket.billing_state, "invoiced")
        note = self._release_notes(self.ticket)
        self.assertIn("Lines were removed from invoice", note.body)
        self.assertIn("The ticket stays Invoiced", note.body)

        invoice.with_user(self.clerk).write(
            {
                "invoice_line_ids": [
                    Command.delete(line.id) for line in self._product_lines(invoice)
                ]
            }
        )
        self.assertFalse(self.ticket.work_line_ids.invoice_line_id)
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        self.assertEqual(len(self._release_notes(self.ticket)), 2)

    def test_grouped_invoice_reopens_each_ticket(self):
        other = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 9), self.support, 1.0)]
        )
        invoice = self._invoice(self.ticket + other, group_by_partner=True)
        invoice.with_user(self.clerk).button_cancel()
        for ticket in self.ticket + other:
            self._assert_released(ticket, "was cancelled")

    def test_ticket_on_two_invoices(self):
        """Cancelling the second invoice: the first one still bills the ticket."""
        first = self._invoice(self.ticket)
        extra = self.env["helpdesk.ticket.work.line"].create(
            {
                "ticket_id": self.ticket.id,
                "date": date(2026, 3, 20),
                "product_id": self.support.id,
                "quantity": 1.0,
            }
        )
        self.ticket.billing_state = "to_invoice"
        second = self._invoice(self.ticket)
        second.with_user(self.clerk).button_cancel()
        self.assertFalse(extra.invoice_line_id)
        self.assertEqual(self.ticket.invoice_ids, first)
        self.assertEqual(self.ticket.billing_state, "invoiced")
        self.assertIn(
            "The ticket stays Invoiced", self._release_notes(self.ticket).body
        )

    def test_not_billable_stays_not_billable(self):
        invoice = self._invoice(self.ticket)
        self.ticket.billing_state = "no"
        invoice.with_user(self.clerk).button_cancel()
        self.assertFalse(self.ticket.work_line_ids.invoice_line_id)
        self.assertEqual(self.ticket.billing_state, "no")
        note = self._release_notes(self.ticket)
        self.assertNotIn("To Invoice again", note.body)
        self.assertNotIn("stays Invoiced", note.body)

    def test_accountant_without_helpdesk_rights(self):
        """Whoever may cancel the invoice releases its work, helpdesk user or not."""
        accountant = new_test_user(
            self.env, login="hdi-accountant", groups="account.group_account_invoice"
        )
        invoice = self._invoice(self.ticket)
        invoice.with_user(accountant).button_cancel()
        self._assert_released(self.ticket, "was cancelled")
        note = self._release_notes(self.ticket)
        self.assertEqual(note.author_id, accountant.partner_id)

    def test_release_is_one_batch(self):
        """Releasing the work of six tickets costs what releasing two does."""

        def release_queries(customer, count):
            tickets = self.env["helpdesk.ticket"].browse()
            for day in range(1, count + 1):
                tickets |= self._create_ticket(
                    customer, [(date(2026, 3, day), self.support, 1.0)]
                )
            self._invoice(tickets, group_by_partner=True)
            work_line_ids = tickets.work_line_ids.ids
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.env["helpdesk.ticket.work.line"].browse(
                work_line_ids
            )._release_from_invoices("cancelled")
            self.env.flush_all()
            queries = self.cr.sql_log_count - before
            self.assertEqual(set(tickets.mapped("billing_state")), {"to_invoice"})
            return queries

        release_queries(self.verdi, 1)  # warms the caches
        two = release_queries(self.bianchi_luca, 2)
        six = release_queries(self.rossi_anna, 6)
        self.assertEqual(six, two)
