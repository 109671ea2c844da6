# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In the browser: the billing clerk invoices closed tickets from the ticket list.

The tour (static/tests/tours/helpdesk_ticket_invoice_tour.esm.js) runs in
headless Chromium. Odoo skips a browser test when Chromium or websocket-client
is missing; the test command counts such a skip as a failure.
"""

from datetime import date

from odoo.tests import HttpCase, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestTour(HelpdeskInvoicingCommon, HttpCase):
    def test_group_tickets_by_customer_in_the_browser(self):
        """Three closed tickets of two customers, grouped: two draft invoices."""
        printer, workstation, vpn = self._create_tour_tickets()
        still_open = self._create_ticket(
            self.bianchi_luca,
            [(date(2026, 3, 11), self.support, 1.0)],
            stage=self.stage_new,
            name="Tour: still open",
        )

        self._run_tour("helpdesk_mgmt_invoicing_tour")

        invoices = (printer + workstation + vpn).invoice_ids
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(invoices.commercial_partner_id, self.rossi + self.bianchi)
        self.assertEqual(printer.invoice_ids, workstation.invoice_ids)
        self.assertEqual(invoices.create_uid, self.clerk)
        self.assertEqual(
            (printer + workstation + vpn).mapped("billing_state"), ["invoiced"] * 3
        )
        self.assertFalse(still_open.invoice_ids)
        self.assertEqual(still_open.billing_state, "to_invoice")
