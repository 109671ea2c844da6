# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In the browser: the customer signs in the portal, and on the tablet.

The tours (static/tests/tours/helpdesk_ticket_sign_tour.esm.js) open the
ticket's page as the customer's portal user, check its work, draw a
signature in portal's dialog and download the signed report; and, in the
back office, click **Sign Report** on the ticket's form as the technician.
"""

from odoo.tests import tagged

from .test_portal_sign import PortalSignCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestSignTour(PortalSignCommon):
    def test_portal_sign(self):
        self.start_tour(
            f"/my/ticket/{self.ticket.id}",
            "helpdesk_mgmt_invoicing_portal_sign_tour",
            login=self.portal_rossi.login,
        )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.intervention_signed_by, "Mario Rossi")
        self.assertTrue(self.ticket.intervention_signature)
        message = self.ticket.message_ids.filtered(
            lambda m: "Intervention report signed by Mario Rossi" in m.body
        )
        self.assertEqual(message.author_id, self.portal_rossi.partner_id)
        self.assertEqual(len(message.attachment_ids), 1)

    def test_sign_report_on_the_tablet(self):
        self.ticket.name = "Tour: sign on the tablet"
        self.start_tour(
            f"/odoo/helpdesk-tickets/{self.ticket.id}",
            "helpdesk_mgmt_invoicing_sign_report_tour",
            login=self.technician.login,
        )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.intervention_signed_by, "Mario Rossi")
        self.assertTrue(self.ticket.intervention_signature)
        self.assertEqual(
            self.ticket.message_ids[0].author_id, self.technician.partner_id
        )
