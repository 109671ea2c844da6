# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Disputes, and invoicing only what the customer signed.

From the ticket's page in the portal the customer can **Dispute the Work**
with a comment. The ticket shows a *Disputed* badge, its team leader (or its
assignee) gets an activity, and invoicing skips it ("disputed by the
customer on ...") until someone clicks **Resolve Dispute** on the ticket and
says how it was resolved.

With the company's setting *Invoice Signed Work Only* (off by default), a
ticket whose intervention report the customer has not signed is skipped:
"intervention report not signed".
"""

import re

from odoo.tests import Form, HttpCase, tagged

from .test_portal_sign import PortalSignCommon


class DisputeCommon(PortalSignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Printers", "user_id": cls.technician.id}
        )
        cls.ticket.team_id = cls.team


@tagged("post_install", "-at_install")
class TestPortalDispute(DisputeCommon):
    def _dispute(self, comment, access_token=None, ticket_id=None):
        """Send the page's Dispute the Work form."""
        url = f"/my/ticket/{self.ticket.id}"
        if access_token:
            url += f"?access_token={access_token}"
        page = self.url_open(url).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        data = {
            "csrf_token": csrf.group(1) if csrf else "",
            "comment": comment,
            "access_token": access_token or "",
        }
        return self.url_open(
            f"/my/ticket/{ticket_id or self.ticket.id}/dispute", data=data
        )

    def _assert_not_disputed(self):
        self.ticket.invalidate_recordset()
        self.assertFalse(self.ticket.work_disputed_on)
        self.assertFalse(self.ticket.activity_ids)

    def test_customer_disputes(self):
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        response = self._dispute("Only one hour on 2 March, not two.")
        self.assertIn("message=dispute_ok", response.url)
        self.assertIn("Disputed on", response.text)
        self.assertIn("Your dispute was sent", response.text)
        self.assertNotIn("modal_work_dispute", response.text)
        ticket = self.ticket
        ticket.invalidate_recordset()
        self.assertTrue(ticket.work_disputed_on)
        self.assertEqual(
            ticket.work_dispute_comment, "Only one hour on 2 March, not two."
        )
        [activity] = ticket.activity_ids
        self.assertEqual(activity.user_id, self.technician)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("helpdesk_mgmt_invoicing.mail_activity_type_work_dispute"),
        )
        message = ticket.message_ids.filtered(lambda m: "Work disputed by" in m.body)
        self.assertEqual(message.author_id, self.portal_rossi.partner_id)
        # Disputed once: the second is refused and changes nothing.
        disputed_on = ticket.work_disputed_on
        response = self.url_open(
            f"/my/ticket/{ticket.id}/dispute",
            data={
                "csrf_token": re.search(
                    r'name="csrf_token" value="([^"]+)"',
                    self.url_open(f"/my/ticket/{ticket.id}").text,
                ).group(1),
                "comment": "And another thing",
            },
        )
        self.assertIn("is already disputed", response.text)
        ticket.invalidate_recordset()
        self.assertEqual(ticket.work_disputed_on, disputed_on)
        self.assertEqual(len(ticket.activity_ids), 1)

    def test_empty_comment(self):
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        response = self._dispute("   ")
        self.assertIn("the comment is missing", response.text)
        self._assert_not_disputed()

    def test_who_may_not_dispute(self):
        # Anonymous without the token.
        response = self._dispute("Wrong")
        self.assertNotIn("dispute_ok", response.url)
        self._assert_not_disputed()
        # Another customer's portal user.
        self.authenticate("hdi-portal-bianchi", "hdi-portal-bianchi")
        response = self._dispute("Wrong")
        self.assertNotIn("dispute_ok", response.url)
        self._assert_not_disputed()

    def test_anonymous_with_the_token(self):
        token = self.ticket._portal_ensure_token()
        response = self._dispute("Wrong hours", access_token=token)
        self.assertIn("dispute_ok", response.url)
        self.ticket.invalidate_recordset()
        self.assertTrue(self.ticket.work_disputed_on)
        message = self.ticket.message_ids.filtered(
            lambda m: "Work disputed by" in m.body
        )
        self.assertEqual(message.author_id, self.rossi_mario)


@tagged("post_install", "-at_install")
class TestDisputeInvoicing(DisputeCommon):
    def _skipped(self, ticket):
        _eligible, issues = ticket.with_user(self.clerk)._split_invoiceable()
        return issues.get(ticket, "")

    def test_disputed_ticket_waits_for_the_resolution(self):
        # As the portal's route does (the customer has no email here).
        self.ticket.sudo()._dispute_work("Wrong hours", self.rossi_mario)
        self.assertIn("disputed by the customer on", self._skipped(self.ticket))
        self.assertIn(self.ticket.display_name, self._skipped(self.ticket))
        # The technician resolves it, with a note.
        action = self.ticket.with_user(self.technician).action_resolve_work_dispute()
        with Form.from_action(self.env(user=self.technician), action) as wizard:
            self.assertEqual(wizard.work_dispute_comment, "Wrong hours")
            wizard.note = "Explained the travel time on the phone"
        wizard.record.action_resolve()
        self.assertFalse(self.ticket.work_disputed_on)
        self.assertFalse(self.ticket.activity_ids)
        self.assertIn(
            "Explained the travel time on the phone", self.ticket.message_ids[0].body
        )
        self.assertFalse(self._skipped(self.ticket))
        self.assertTrue(self._invoice(self.ticket))

    def test_signed_work_only(self):
        # Off by default: the unsigned report is no reason to wait.
        self.assertFalse(self.company.helpdesk_invoice_signed_only)
        self.assertFalse(self._skipped(self.ticket))
        self.company.helpdesk_invoice_signed_only = True
        self.assertIn("intervention report not signed", self._skipped(self.ticket))
        self.ticket.with_user(self.technician)._sign_intervention_report(
            "Mario Rossi", self.signature
        )
        self.assertFalse(self._skipped(self.ticket))
        self.assertTrue(self._invoice(self.ticket))


@tagged("post_install", "-at_install")
class TestSettings(HttpCase):
    def test_settings_are_off_by_default(self):
        company = self.env["res.company"].create({"name": "Nuova S.r.l."})
        self.assertFalse(company.helpdesk_portal_show_prices)
        self.assertFalse(company.helpdesk_invoice_signed_only)
        self.assertEqual(company.helpdesk_signature_reminder_days, 0)
