# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Which tickets can be invoiced, and what the clerk is told about the others."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestEligibility(HelpdeskInvoicingCommon):
    def _assert_refused(self, ticket, expected):
        """The ticket alone cannot be invoiced, and the error says why."""
        invoices_before = self.env["account.move"].search_count([])
        links_before = ticket.work_line_ids.mapped("invoice_line_id")
        state_before = ticket.billing_state
        with self.assertRaises(UserError) as error:
            self._invoice(ticket)
        self.assertIn(ticket.display_name, str(error.exception))
        self.assertIn(expected, str(error.exception))
        self.assertEqual(self.env["account.move"].search_count([]), invoices_before)
        self.assertEqual(ticket.work_line_ids.mapped("invoice_line_id"), links_before)
        self.assertEqual(ticket.billing_state, state_before)

    def test_open_ticket(self):
        ticket = self._create_ticket(
            self.rossi_mario, self._standard_lines(), stage=self.stage_new
        )
        self._assert_refused(ticket, "is not closed")

    def test_not_billable_ticket(self):
        ticket = self._create_ticket(
            self.rossi_mario, self._standard_lines(), billing_state="no"
        )
        # What the form offers (the Billing State itself is read-only).
        self._assert_refused(
            ticket, "is marked Not Billable: tick Billable on the ticket"
        )

    def test_already_invoiced_ticket(self):
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self._invoice(ticket)
        self._assert_refused(ticket, "is already invoiced")

    def test_ticket_without_customer(self):
        ticket = self._create_ticket(False, self._standard_lines())
        self._assert_refused(ticket, "has no customer")

    def test_ticket_without_work_lines(self):
        ticket = self._create_ticket(self.rossi_mario, [])
        self._assert_refused(ticket, "has no work line left to invoice")

    def test_work_line_without_service(self):
        ticket = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 1.0), (date(2026, 3, 3), False, 1.0)],
        )
        self._assert_refused(ticket, "the work line of 03/03/2026 has no service")

    def test_work_line_without_hours(self):
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 0.0)]
        )
        self._assert_refused(
            ticket, "the work line of 03/02/2026 has no hours to invoice"
        )

    def test_hours_below_the_precision_are_none(self):
        # The rules compare the hours with zero as stored: rounded to the
        # precision of the hours (2 digits), 0.004 h is no hours at all.
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        self.assertEqual(digits, 2)
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 0.004)]
        )
        line = ticket.work_line_ids
        self.assertEqual(line.quantity, 0.0)
        self.assertTrue(line._is_unfinished())
        self.assertFalse(line._has_hours_to_invoice())
        self._assert_refused(
            ticket, "the work line of 03/02/2026 has no hours to invoice"
        )

    def test_archived_customer(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        self.bianchi.action_archive()
        self._assert_refused(ticket, "is archived")

    def test_archived_service(self):
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self.onsite.action_archive()
        self._assert_refused(ticket, "the product On-site Intervention is archived")

    def test_service_not_sellable(self):
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self.onsite.sale_ok = False
        self._assert_refused(ticket, "On-site Intervention cannot be sold")

    def test_mixed_selection_skips_and_reports(self):
        """Eligible tickets are invoiced; the others are left exactly as they were."""
        good = self._create_ticket(self.rossi_mario, self._standard_lines())
        still_open = self._create_ticket(
            self.rossi_anna, self._standard_lines(), stage=self.stage_new
        )
        not_billable = self._create_ticket(
            self.bianchi_luca, self._standard_lines(), billing_state="no"
        )
        invoices = self._invoice(good + still_open + not_billable)
        self.assertEqual(invoices.helpdesk_ticket_ids, good)
        self.assertEqual(good.billing_state, "invoiced")
        self.assertEqual(still_open.billing_state, "to_invoice")
        self.assertEqual(not_billable.billing_state, "no")
        self.assertFalse((still_open + not_billable).work_line_ids.invoice_line_id)

    def test_all_ineligible_lists_every_ticket(self):
        still_open = self._create_ticket(
            self.rossi_anna, self._standard_lines(), stage=self.stage_new
        )
        no_lines = self._create_ticket(self.bianchi_luca, [])
        with self.assertRaises(UserError) as error:
            self._invoice(still_open + no_lines)
        message = str(error.exception)
        self.assertIn("There is nothing to invoice", message)
        self.assertIn(f"{still_open.display_name} is not closed", message)
        self.assertIn(f"{no_lines.display_name} has no work line left", message)
