# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Signing in the back office, and asking the customer to sign.

**Sign Report** on the ticket opens the signature dialog for the customer
standing next to the technician (a tablet): their name and drawn signature
are kept exactly as when they sign in the portal. **Send for Signature**
opens the mail composer with the template *Helpdesk: Intervention Report to
Sign*, which sends the customer the link to the ticket's page, and the
report. If the company sets *Signature Reminder (Days)* (0, none, by
default), a daily scheduled action reminds the customers of the reports
still unsigned after that many days, once.
"""

from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .test_sign_report import SignedReportCommon


@tagged("post_install", "-at_install")
class TestSignBackOffice(SignedReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rossi_mario.email = "mario.rossi@example.com"

    def test_sign_report_on_the_tablet(self):
        ticket = self.ticket.with_user(self.technician)
        action = ticket.action_sign_intervention_report()
        with Form.from_action(self.env(user=self.technician), action) as wizard:
            self.assertEqual(wizard.name, "Mario Rossi")
            wizard.name = "Mario Rossi (site manager)"
            wizard.signature = self.signature
        wizard.record.action_sign()
        self.assertEqual(
            self.ticket.intervention_signed_by, "Mario Rossi (site manager)"
        )
        self.assertTrue(self.ticket.intervention_signature)
        self.assertIn(
            "Intervention report signed by Mario Rossi (site manager)",
            self.ticket.message_ids[0].body,
        )
        with self.assertRaisesRegex(UserError, "already signed"):
            ticket.action_sign_intervention_report()

    def test_sign_report_without_signature(self):
        action = self.ticket.with_user(
            self.technician
        ).action_sign_intervention_report()
        wizard = (
            self.env["helpdesk.ticket.sign"]
            .with_user(self.technician)
            .with_context(**action["context"])
            .create({})
        )
        with self.assertRaisesRegex(UserError, "Draw the signature"):
            wizard.action_sign()
        self.assertFalse(self.ticket.intervention_signed_on)

    def test_portal_user_may_not_use_the_pop_up(self):
        portal = new_test_user(
            self.env, login="hdi-bo-portal", groups="base.group_portal"
        )
        portal.partner_id.parent_id = self.rossi
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.sign"].with_user(portal).create(
                {"ticket_id": self.ticket.id, "name": "Me", "signature": self.signature}
            )

    def test_send_for_signature(self):
        action = self.ticket.with_user(self.technician).action_send_for_signature()
        with Form.from_action(self.env(user=self.technician), action) as composer:
            self.assertIn(self.ticket.number, composer.subject)
            self.assertIn(self.ticket.access_token, composer.body)
        composer.record.action_send_mail()
        self.assertTrue(self.ticket.intervention_sign_requested_on)
        message = self.ticket.message_ids[0]
        self.assertIn("to sign", message.subject)
        self.assertIn(self.rossi_mario, message.partner_ids)
        self.assertTrue(message.attachment_ids)

    def test_reminder(self):
        Ticket = self.env["helpdesk.ticket"]
        sent = fields.Datetime.now() - timedelta(days=4)
        self.ticket.intervention_sign_requested_on = sent
        signed = self.ticket.copy({"name": "Already signed"})
        signed.work_line_ids = self.ticket.work_line_ids.copy()
        signed.with_user(self.technician)._sign_intervention_report(
            "Mario Rossi", self.signature
        )
        signed.intervention_sign_requested_on = sent
        reminders = self.env["mail.message"].search_count(
            [("subject", "ilike", "Reminder")]
        )
        # Off by default: no reminder.
        Ticket._cron_remind_intervention_signature()
        self.assertFalse(self.ticket.intervention_sign_reminded_on)
        self.company.helpdesk_signature_reminder_days = 5
        Ticket._cron_remind_intervention_signature()
        self.assertFalse(self.ticket.intervention_sign_reminded_on)
        self.company.helpdesk_signature_reminder_days = 3
        Ticket._cron_remind_intervention_signature()
        self.assertTrue(self.ticket.intervention_sign_reminded_on)
        self.assertFalse(signed.intervention_sign_reminded_on)
        self.assertIn("Reminder", self.ticket.message_ids[0].subject)
        # Once per request.
        Ticket._cron_remind_intervention_signature()
        self.assertEqual(
            self.env["mail.message"].search_count([("subject", "ilike", "Reminder")]),
            reminders + 1,
        )
        self.assertIsInstance(self.ticket.intervention_sign_reminded_on, datetime)

    def test_other_company_technician(self):
        """A technician of another company reaches neither the ticket nor
        its pop-ups."""
        other = self.env["res.company"].create({"name": "Altra Sede S.r.l."})
        technician = new_test_user(
            self.env,
            login="hdi-bo-other-technician",
            groups="helpdesk_mgmt.group_helpdesk_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        with self.assertRaises(AccessError):
            self.ticket.with_user(technician).action_sign_intervention_report()
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.sign"].with_user(technician).create(
                {"ticket_id": self.ticket.id, "name": "Me", "signature": self.signature}
            )
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.dispute.resolve"].with_user(technician).create(
                {"ticket_id": self.ticket.id, "note": "Done"}
            )

    def test_send_for_signature_in_italian(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms(
            ["helpdesk_mgmt_invoicing"], ["it_IT"], overwrite=True
        )
        (self.rossi | self.rossi.child_ids).lang = "it_IT"
        action = self.ticket.with_user(self.technician).action_send_for_signature()
        with Form.from_action(self.env(user=self.technician), action) as composer:
            self.assertIn("rapportino d'intervento", composer.subject)
            self.assertIn("Firma il rapportino d'intervento", composer.body)
