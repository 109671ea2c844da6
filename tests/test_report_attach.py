# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Intervention reports sent with the invoice.

Tick **Attach intervention reports** in the pop-up: each invoice made gets the
intervention report (PDF) of every ticket it bills, as an attachment of the
invoice. Odoo's **Send & Print** proposes them in the mail, next to the
invoice's own PDF, and sends them with it; the clerk may still leave one out
of a mail. Background runs call the same method as the pop-up
(``account.move._attach_helpdesk_intervention_reports``).
"""

from datetime import date

from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestAttachInterventionReports(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rossi_invoice.email = "amministrazione@rossi.example.com"
        cls.printer = cls._create_ticket(
            cls.rossi_mario, cls._standard_lines(), name="Printer offline"
        )
        cls.workstation = cls._create_ticket(
            cls.rossi_anna,
            [(date(2026, 3, 9), cls.onsite, 2.0)],
            name="New workstation",
        )
        cls.vpn = cls._create_ticket(
            cls.bianchi_luca,
            [(date(2026, 3, 10), cls.support, 1.5)],
            name="VPN drops",
        )
        cls.tickets = cls.printer + cls.workstation + cls.vpn

    def _create_with_pop_up(self, **options):
        """Tick the options in the pop-up as the billing clerk, and confirm."""
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        context = {"active_model": "helpdesk.ticket", "active_ids": self.tickets.ids}
        form = Form(Wizard.with_context(**context))
        for name, value in options.items():
            setattr(form, name, value)
        action = form.save().action_create_invoices()
        return self.env["account.move"].search(action["params"]["next"]["domain"])

    def _invoice_of(self, invoices, ticket):
        return invoices.filtered(lambda invoice: ticket in invoice.helpdesk_ticket_ids)

    def _report_name(self, ticket):
        return f"Intervention Report - {ticket.number}.pdf"

    def test_each_invoice_gets_the_reports_of_its_tickets(self):
        """Grouped by customer: Rossi's invoice carries the reports of its two
        tickets, Bianchi's the report of its one."""
        invoices = self._create_with_pop_up(
            group_by_partner=True, attach_intervention_reports=True
        )
        rossi = self._invoice_of(invoices, self.printer)
        bianchi = self._invoice_of(invoices, self.vpn)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(
            sorted(rossi.helpdesk_report_attachment_ids.mapped("name")),
            sorted(
                [self._report_name(self.printer), self._report_name(self.workstation)]
            ),
        )
        self.assertEqual(
            bianchi.helpdesk_report_attachment_ids.mapped("name"),
            [self._report_name(self.vpn)],
        )
        for invoice in invoices:
            attachments = invoice.helpdesk_report_attachment_ids
            # Attached to the invoice: listed in its chatter's attachments.
            self.assertEqual(set(attachments.mapped("res_model")), {"account.move"})
            self.assertEqual(set(attachments.mapped("res_id")), {invoice.id})
            self.assertEqual(set(attachments.mapped("mimetype")), {"application/pdf"})
        # Each file is its own ticket's report (HTML in tests, see test_report.py).
        [vpn_report] = bianchi.helpdesk_report_attachment_ids.mapped("raw")
        self.assertIn("Intervention Report</span>", vpn_report.decode())
        self.assertIn(self.vpn.number, vpn_report.decode())
        self.assertNotIn(self.printer.number, vpn_report.decode())

    def test_unticked_nothing_is_attached(self):
        invoices = self._create_with_pop_up()
        self.assertEqual(len(invoices), 3)
        self.assertFalse(invoices.helpdesk_report_attachment_ids)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "in", invoices.ids)]
            )
        )

    def test_attaching_again_replaces_the_reports(self):
        """Attaching again (after the work lines' descriptions changed, say)
        leaves one up-to-date report per ticket."""
        invoice = self.printer.with_user(self.clerk)._create_invoices(
            attach_intervention_reports=True
        )
        first = invoice.helpdesk_report_attachment_ids
        self.printer.work_line_ids[0].name = "Toner replaced, drum cleaned"
        second = invoice._attach_helpdesk_intervention_reports()
        self.assertEqual(invoice.helpdesk_report_attachment_ids, second)
        self.assertEqual(second.mapped("name"), [self._report_name(self.printer)])
        self.assertFalse(first.exists())
        self.assertIn("Toner replaced, drum cleaned", second.raw.decode())

    def test_send_and_print_sends_them_with_the_invoice(self):
        """The posted invoice's Send & Print proposes the reports in its mail,
        and the mail sent carries them."""
        invoice = self.printer.with_user(self.clerk)._create_invoices(
            attach_intervention_reports=True
        )
        invoice.with_user(self.clerk).action_post()
        action = invoice.with_user(self.clerk).action_send_and_print()
        wizard = Form.from_action(self.env(user=self.clerk), action).save()
        proposed = {
            attachment["id"]: attachment["name"]
            for attachment in wizard.mail_attachments_widget
        }
        report = invoice.helpdesk_report_attachment_ids
        self.assertEqual(proposed.get(report.id), self._report_name(self.printer))

        wizard.action_send_and_print()
        [message] = invoice.message_ids.filtered(
            lambda message: message.message_type == "comment"
        )
        self.assertEqual(message.partner_ids, self.rossi_invoice)
        self.assertIn(
            self._report_name(self.printer), message.attachment_ids.mapped("name")
        )
        # The invoice's own PDF goes too.
        self.assertIn(
            invoice._get_invoice_report_filename(),
            message.attachment_ids.mapped("name"),
        )
