# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What is billed follows the invoices, whatever accounting does.

A work line's billed hours are the hours on the customer invoices that bill
it and are not cancelled, minus those on credit notes that are not cancelled,
as Odoo's sale derives the invoiced quantity of an order line. Deleting the
invoice proposal, cancelling the invoice, crediting it, removing one of its
lines: the work is to invoice again, and the ticket too. Resetting a
cancelled invoice to draft, or anything else that would bill the same hours
twice, is refused. Each ticket's chatter says what happened.
"""

from datetime import date

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

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

    def _credit_note(self, invoice, modify=False, end_request=True):
        """Reverse ``invoice`` with the standard wizard, as the billing clerk."""
        moves = self._reverse(invoice, modify=modify)
        if end_request:
            self._end_request()
        return moves

    @staticmethod
    def _link(invoice):
        """The link that names ``invoice`` in a chatter note."""
        # As the chatter stores it: its sanitizer writes no-break spaces as
        # entities.
        reference = invoice._get_helpdesk_reference().replace("\xa0", "&nbsp;")
        return (
            f'<a href="#" data-oe-model="account.move" data-oe-id="{invoice.id}">'
            f"{reference}</a>"
        )

    def _notes(self, ticket, text):
        return ticket.message_ids.filtered(lambda m: text in (m.body or ""))

    def _assert_to_invoice_again(self, ticket, reason):
        """No hour of the ticket is billed, the ticket is To Invoice, and its
        chatter says why.

        :param str reason: the start of the reason, as the note reads it
            (an invoice is a link named by ``_get_helpdesk_reference``)
        """
        self.assertEqual(ticket.work_line_ids.mapped("qty_invoiced"), [0.0] * 3)
        self.assertEqual(ticket.work_line_ids.mapped("qty_to_invoice"), [2.0, 3.0, 1.5])
        self.assertFalse(ticket.work_line_ids.invoice_line_id)
        self.assertEqual(ticket.billing_state, "to_invoice")
        note = self._notes(ticket, "are no longer billed")
        self.assertEqual(len(note), 1)
        self.assertIn("6.50 hours are no longer billed: " + reason, note.body)
        self.assertNotIn("Draft Invoice", note.body)
        self.assertIn("The ticket is To Invoice again.", note.body)

    def test_billed_hours_follow_the_invoice(self):
        invoice = self._invoice(self.ticket)
        self.assertEqual(self.ticket.billing_state, "invoiced")
        for work_line in self.ticket.work_line_ids:
            self.assertEqual(work_line.qty_invoiced, work_line.quantity)
            self.assertEqual(work_line.qty_to_invoice, 0.0)
            self.assertEqual(work_line.invoice_line_ids, work_line.invoice_line_id)
            self.assertEqual(work_line.invoice_id, invoice)
        note = self._notes(self.ticket, "Billed on")
        self.assertIn(f'data-oe-id="{invoice.id}"', note.body)
        self.assertIn("6.50 hours", note.body)

    def test_deleting_the_proposal_releases_the_work(self):
        invoice = self._invoice(self.ticket)
        invoice.with_user(self.clerk).unlink()
        self._end_request()
        self._assert_to_invoice_again(
            self.ticket, "the invoice lines that billed it were deleted"
        )
        self.assertFalse(self.ticket.invoice_ids)
        # The work is billed again, on a new invoice.
        again = self._invoice(self.ticket)
        self.assertEqual(len(self._product_lines(again)), 3)
        self.assertEqual(self.ticket.invoice_ids, again)

    def test_cancelling_a_draft_invoice(self):
        invoice = self._invoice(self.ticket)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        self.assertEqual(invoice.state, "cancel")
        self._assert_to_invoice_again(self.ticket, self._link(invoice))
        note = self._notes(self.ticket, "are no longer billed")
        # The draft never had a number: its customer, when it was made, its total.
        made = fields.Datetime.context_timestamp(invoice, invoice.create_date)
        self.assertIn(
            f">draft invoice of {made:%m/%d/%Y %H:%M} for Rossi Impianti S.r.l. "
            "($&nbsp;477.25)</a> was cancelled",
            note.body,
        )
        # The cancelled invoice stays in the ticket's history.
        self.assertEqual(self.ticket.invoice_ids, invoice)
        self.assertEqual(invoice.helpdesk_ticket_ids, self.ticket)

    def test_cancelling_a_posted_invoice(self):
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        self.assertEqual(invoice.state, "cancel")
        self._assert_to_invoice_again(
            self.ticket,
            f'<a href="#" data-oe-model="account.move" data-oe-id="{invoice.id}">'
            f"invoice {invoice.name}</a> was cancelled",
        )

    def test_full_credit_note(self):
        """A credit note for the whole invoice credits all the work, as soon as
        it is made (a draft counts, as in sale)."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._credit_note(invoice)
        self.assertEqual(credit_note.state, "draft")
        # The credit note bills the same work lines, negatively.
        self.assertEqual(
            self._product_lines(credit_note).helpdesk_work_line_ids,
            self.ticket.work_line_ids,
        )
        self._assert_to_invoice_again(
            self.ticket, f"{self._link(credit_note)} credits it"
        )
        self.assertIn(">draft credit note of ", self._link(credit_note))
        self.assertEqual(self.ticket.invoice_ids, invoice + credit_note)

        credit_note.with_user(self.clerk).action_post()
        self._end_request()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        # Billed again, on a new invoice: net of the credit note, once.
        again = self._invoice(self.ticket)
        self.assertEqual(self.ticket.work_line_ids.invoice_id, again)
        self.assertEqual(
            self.ticket.work_line_ids.mapped("qty_invoiced"), [2.0, 3.0, 1.5]
        )
        self.assertEqual(self.ticket.billing_state, "invoiced")

    def test_reverse_and_create_a_new_draft(self):
        """Reverse and create invoice: the new draft bills the work instead."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        new_draft = self._credit_note(invoice, modify=True).filtered(
            lambda move: move.move_type == "out_invoice"
        )
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(new_draft.state, "draft")
        self.assertEqual(self.ticket.work_line_ids.invoice_id, new_draft)
        self.assertEqual(self.ticket.billing_state, "invoiced")
        self.assertEqual(self.ticket.work_line_ids.mapped("qty_to_invoice"), [0.0] * 3)

    def test_partial_credit_note_gives_back_hours(self):
        """Half an hour credited: that half hour is to invoice again."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        # The clerk edits the credit note's lines before saving it.
        credit_note = self._credit_note(invoice, end_request=False)
        lines = self._product_lines(credit_note)
        credit_note.write(
            {
                "invoice_line_ids": [Command.update(lines[0].id, {"quantity": 0.5})]
                + [Command.delete(line.id) for line in lines[1:]]
            }
        )
        credit_note.with_user(self.clerk).action_post()
        self._end_request()
        self.assertEqual(invoice.payment_state, "partial")
        credited = lines[0].helpdesk_work_line_ids
        self.assertEqual(credited.qty_invoiced, 1.5)
        self.assertEqual(credited.qty_to_invoice, 0.5)
        # Still billed on the invoice, for the rest.
        self.assertEqual(credited.invoice_id, invoice)
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        note = self._notes(self.ticket, "are no longer billed")
        self.assertIn(
            f"0.50 hours are no longer billed: {self._link(credit_note)} credits it",
            note.body,
        )
        self.assertIn(f">credit note {credit_note.name}</a>", note.body)

        again = self._invoice(self.ticket)
        self.assertEqual(self._product_lines(again).quantity, 0.5)
        self.assertEqual(self._product_lines(again).helpdesk_work_line_ids, credited)
        self.assertEqual(credited.qty_invoiced, 2.0)
        self.assertEqual(self.ticket.billing_state, "invoiced")

    def test_removing_invoice_lines(self):
        """One line removed from the draft: its work is to invoice again, and so
        is the ticket."""
        invoice = self._invoice(self.ticket)
        onsite_line = self._product_lines(invoice).filtered(
            lambda line: line.product_id == self.onsite
        )
        onsite_work = onsite_line.helpdesk_work_line_ids
        invoice.with_user(self.clerk).write(
            {"invoice_line_ids": [Command.delete(onsite_line.id)]}
        )
        self._end_request()
        self.assertEqual(onsite_work.qty_to_invoice, 3.0)
        self.assertFalse(onsite_work.invoice_line_id)
        self.assertEqual((self.ticket.work_line_ids - onsite_work).invoice_id, invoice)
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        note = self._notes(self.ticket, "are no longer billed")
        self.assertIn(
            "3.00 hours are no longer billed: the invoice lines that billed it were "
            "deleted",
            note.body,
        )
        # The next invoice bills that work only.
        again = self._invoice(self.ticket)
        self.assertEqual(self._product_lines(again).helpdesk_work_line_ids, onsite_work)

    def test_grouped_invoice_reopens_each_ticket(self):
        other = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 9), self.support, 1.0)]
        )
        invoice = self._invoice(self.ticket + other, group_by_partner=True)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        self._assert_to_invoice_again(
            self.ticket, f"{self._link(invoice)} was cancelled"
        )
        self.assertEqual(other.billing_state, "to_invoice")
        self.assertTrue(self._notes(other, "1.00 hours are no longer billed"))

    def test_work_added_after_invoicing(self):
        """New work brings an invoiced ticket back to To Invoice by itself."""
        first = self._invoice(self.ticket)
        extra = self._log_work(self.ticket, date(2026, 3, 20), 1.0)
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        second = self._invoice(self.ticket)
        self.assertEqual(self._product_lines(second).helpdesk_work_line_ids, extra)
        self.assertEqual(self.ticket.billing_state, "invoiced")
        # Cancelling the second invoice: the first one still bills the rest.
        second.with_user(self.clerk).button_cancel()
        self.assertEqual(extra.qty_to_invoice, 1.0)
        self.assertEqual((self.ticket.work_line_ids - extra).invoice_id, first)
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        self.assertEqual(self.ticket.invoice_ids, first + second)

    def test_not_billable_stays_not_billable(self):
        invoice = self._invoice(self.ticket)
        self.ticket.billing_state = "no"
        self.assertEqual(self.ticket.billing_state, "no")
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        self.assertEqual(self.ticket.work_line_ids.mapped("qty_invoiced"), [0.0] * 3)
        self.assertEqual(self.ticket.billing_state, "no")
        note = self._notes(self.ticket, "are no longer billed")
        self.assertNotIn("To Invoice again", note.body)
        # Billable again: the derived state comes back.
        self.ticket.billing_state = "to_invoice"
        self.assertTrue(self.ticket.billable)
        self.assertEqual(self.ticket.billing_state, "to_invoice")

    def test_billing_state_written_by_hand_is_a_choice(self):
        """Writing "Invoiced" on a ticket with work left does not bill it."""
        self.ticket.billing_state = "invoiced"
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        self._invoice(self.ticket)
        self.ticket.billing_state = "to_invoice"
        self.assertEqual(self.ticket.billing_state, "invoiced")

    def test_accountant_without_helpdesk_rights(self):
        """Whoever may cancel the invoice releases its work, helpdesk user or not."""
        accountant = self._new_user("hdi-accountant", "account.group_account_invoice")
        invoice = self._invoice(self.ticket)
        invoice.with_user(accountant).button_cancel()
        self._end_request(accountant)
        self._assert_to_invoice_again(
            self.ticket, f"{self._link(invoice)} was cancelled"
        )
        note = self._notes(self.ticket, "are no longer billed")
        self.assertEqual(note.author_id, accountant.partner_id)

    # ------------------------------------------------------------------
    # The guard: the same hours are never billed twice
    # ------------------------------------------------------------------

    def test_reset_to_draft_would_bill_twice(self):
        """Invoice, cancel, invoice again, reset the cancelled one to draft:
        refused, naming the ticket, the work's date and the invoice."""
        first = self._invoice(self.ticket)
        first.with_user(self.clerk).button_cancel()
        second = self._invoice(self.ticket)
        with self.assertRaises(UserError) as error:
            first.with_user(self.clerk).button_draft()
            self.env.flush_all()
        message = str(error.exception)
        self.assertIn(self.ticket.display_name, message)
        self.assertIn("the work of 03/02/2026 would be billed twice", message)
        self.assertIn(f"already billed on {second._get_helpdesk_reference()}", message)
        self.assertNotIn("Draft Invoice", message)
        self.env.invalidate_all()
        self.assertEqual(first.state, "cancel")
        self.assertEqual(self.ticket.work_line_ids.invoice_id, second)

    def test_reset_to_draft_of_a_cancelled_invoice_bills_again(self):
        """With nothing else billing the work, a cancelled invoice reset to
        draft simply bills it again."""
        invoice = self._invoice(self.ticket)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        invoice.with_user(self.clerk).button_draft()
        self._end_request()
        self.assertEqual(self.ticket.billing_state, "invoiced")
        self.assertEqual(self.ticket.work_line_ids.invoice_id, invoice)
        self.assertEqual(len(self._notes(self.ticket, "Billed on")), 2)

    def test_credit_note_deleted_after_billing_again(self):
        """Deleting the credit note of work billed again would bill it twice."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._credit_note(invoice)
        self._invoice(self.ticket)
        with self.assertRaises(UserError) as error:
            credit_note.with_user(self.clerk).unlink()
            self.env.flush_all()
        self.assertIn("would be billed twice", str(error.exception))
        self.env.invalidate_all()
        self.assertTrue(credit_note.exists())

    def test_invoice_line_raised_beyond_the_work(self):
        """The clerk may lower hours on a draft, not bill more than the work."""
        invoice = self._invoice(self.ticket)
        line = self._product_lines(invoice)[0]
        with self.assertRaises(UserError):
            invoice.write(
                {"invoice_line_ids": [Command.update(line.id, {"quantity": 9})]}
            )
            self.env.flush_all()
        self.env.invalidate_all()
        invoice.write({"invoice_line_ids": [Command.update(line.id, {"quantity": 1})]})
        self.assertEqual(line.helpdesk_work_line_ids.qty_to_invoice, 1.0)

    def test_invoice_cancelled_after_its_credit_note(self):
        """An invoice cannot be cancelled while its credit note credits its
        work: the credit note would take back hours nothing bills (0 <= billed
        on every work line). Cancel the credit note first."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._credit_note(invoice)
        credit_note.with_user(self.clerk).action_post()
        with self.assertRaises(UserError) as error:
            invoice.with_user(self.clerk).button_cancel()
            self.env.flush_all()
        self.assertIn(
            f"{self.ticket.display_name}: the work of 03/02/2026 would be credited "
            f"more than it is billed: credit note {credit_note.name} credits it "
            "already.",
            str(error.exception),
        )
        self.env.invalidate_all()
        self.assertEqual(invoice.state, "posted")
        work_lines = self.ticket.work_line_ids
        self.assertEqual(work_lines.mapped("qty_invoiced"), [0.0, 0.0, 0.0])
        self.assertEqual(self.ticket.billing_state, "to_invoice")

    # ------------------------------------------------------------------
    # Invoices and tickets find each other
    # ------------------------------------------------------------------

    def test_invoices_searchable_by_ticket(self):
        other = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 9), self.support, 1.0)]
        )
        invoice = self._invoice(self.ticket)
        other_invoice = self._invoice(other)
        Move = self.env["account.move"].with_user(self.clerk)
        self.assertEqual(
            Move.search([("helpdesk_ticket_ids", "in", self.ticket.ids)]), invoice
        )
        self.assertEqual(
            Move.search([("helpdesk_ticket_ids", "=", other.id)]), other_invoice
        )
        self.assertEqual(
            Move.search(
                [
                    ("helpdesk_ticket_ids", "!=", False),
                    ("id", "in", (invoice + other_invoice).ids),
                ]
            ),
            invoice + other_invoice,
        )

    def test_release_costs_the_same_for_more_tickets(self):
        """Cancelling an invoice of six tickets costs what one of two does."""

        def cancel_queries(customer, count):
            tickets = self.env["helpdesk.ticket"].browse()
            for day in range(1, count + 1):
                tickets |= self._create_ticket(
                    customer, [(date(2026, 3, day), self.support, 1.0)]
                )
            invoice = self._invoice(tickets, group_by_partner=True)
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            invoice.with_user(self.clerk).button_cancel()
            self._end_request()
            queries = self.cr.sql_log_count - before
            self.assertEqual(set(tickets.mapped("billing_state")), {"to_invoice"})
            return queries

        cancel_queries(self.verdi, 1)  # warms the caches
        two = cancel_queries(self.bianchi_luca, 2)
        six = cancel_queries(self.rossi_anna, 6)
        self.assertEqual(six, two)
