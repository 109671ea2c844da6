# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The signed intervention report.

Once the customer has signed (in the portal, or on the technician's tablet
with **Sign Report**), the report prints the signer's name, the date and the
drawn signature in the customer's box, and the signed PDF stays in the
ticket's chatter. What was signed is what is billed: work added, changed or
removed afterwards puts the report back to *To Sign*, and the chatter says
so; internal work (Not Billed), which the report does not list, and
invoicing the work do not.
"""

import io
from datetime import date

from lxml import html
from pypdf import PdfReader

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import HelpdeskInvoicingCommon
from .test_portal_sign import png_signature

REPORT = "helpdesk_mgmt_invoicing.report_intervention"


class SignedReportCommon(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            cls.rossi_mario,
            [(date(2026, 3, 2), cls.support, 2.0), (date(2026, 3, 3), cls.onsite, 1.0)],
            name="Printer offline",
        )
        cls.internal = cls.env["helpdesk.ticket.work.line"].create(
            {
                "ticket_id": cls.ticket.id,
                "date": date(2026, 3, 3),
                "product_id": cls.support.id,
                "quantity": 1.0,
                "billing_type": "not_billed",
                "name": "Our own test bench",
            }
        )
        cls.signature = png_signature()

    def _sign(self, ticket=None):
        """The technician's tablet: the customer signs in the back office."""
        ticket = (ticket or self.ticket).with_user(self.technician)
        return ticket._sign_intervention_report("Mario Rossi", self.signature)


@tagged("post_install", "-at_install")
class TestSignedReport(SignedReportCommon):
    def _customer_box(self):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, self.ticket.ids
        )
        root = html.fromstring(content)
        [box] = root.xpath("//div[@name='signature_customer']")
        return box

    def test_report_prints_the_signature(self):
        box = self._customer_box()
        self.assertNotIn("Mario Rossi", box.text_content())
        self.assertFalse(box.xpath(".//img"))
        self._sign()
        box = self._customer_box()
        self.assertIn("Mario Rossi", box.text_content())
        [signed_on] = box.xpath(".//div[@name='signed_on']")
        self.assertTrue(signed_on.text_content().strip())
        [image] = box.xpath(".//img[@name='customer_signature']")
        self.assertTrue(image.get("src").startswith("data:image/png;base64,"))

    def test_signed_on_the_tablet(self):
        self._sign()
        ticket = self.ticket
        self.assertEqual(ticket.intervention_signed_by, "Mario Rossi")
        self.assertEqual(ticket.intervention_sign_state, "signed")
        message = ticket.message_ids.filtered(
            lambda m: "Intervention report signed by Mario Rossi" in m.body
        )
        self.assertEqual(message.author_id, self.technician.partner_id)
        self.assertEqual(len(message.attachment_ids), 1)
        with self.assertRaisesRegex(UserError, "already signed by Mario Rossi"):
            self._sign()

    def test_changed_work_is_to_sign_again(self):
        line = self.ticket.work_line_ids.filtered(
            lambda work: work.product_id == self.support
        )
        changes = {
            "changed": lambda: line.with_user(self.technician).write({"quantity": 3.0}),
            "added": lambda: self.env["helpdesk.ticket.work.line"]
            .with_user(self.technician)
            .create(
                {
                    "ticket_id": self.ticket.id,
                    "date": date(2026, 3, 6),
                    "product_id": self.support.id,
                    "quantity": 1.0,
                }
            ),
            "removed": lambda: line.with_user(self.technician).unlink(),
        }
        for change, act in changes.items():
            with self.subTest(change=change):
                self._sign()
                act()
                self.assertEqual(self.ticket.intervention_sign_state, "to_sign")
                self.assertFalse(self.ticket.intervention_signed_by)
                self.assertFalse(self.ticket.intervention_signature)
                self.assertIn(
                    "The work changed after Mario Rossi signed",
                    self.ticket.message_ids[0].body,
                )

    def test_internal_work_and_invoicing_keep_the_signature(self):
        self._sign()
        self.internal.with_user(self.technician).write({"quantity": 4.0})
        self.env["helpdesk.ticket.work.line"].with_user(self.technician).create(
            {
                "ticket_id": self.ticket.id,
                "date": date(2026, 3, 6),
                "product_id": self.support.id,
                "quantity": 1.0,
                "billing_type": "not_billed",
            }
        )
        self.assertEqual(self.ticket.intervention_sign_state, "signed")
        invoice = self._invoice(self.ticket)
        self.assertTrue(invoice)
        invoice.action_post()
        self.assertEqual(self.ticket.intervention_sign_state, "signed")
        self.assertEqual(self.ticket.intervention_signed_by, "Mario Rossi")

    def test_copy_is_not_signed(self):
        self._sign()
        self.assertFalse(self.ticket.copy().intervention_signed_on)


@tagged("post_install", "-at_install", "hdi_slow")
class TestSignedReportPdf(SignedReportCommon, HttpCase):
    def test_signed_pdf_in_the_chatter(self):
        """The PDF printed by wkhtmltopdf, attached to the ticket, names the
        signer (its text read with pypdf, as a customer's PDF reader would)."""
        ticket = self.ticket.with_context(force_report_rendering=True)
        self._sign(ticket)
        message = self.ticket.message_ids.filtered(
            lambda m: "Intervention report signed by" in m.body
        )
        [attachment] = message.attachment_ids
        self.assertEqual(attachment.res_model, "helpdesk.ticket")
        self.assertEqual(attachment.res_id, self.ticket.id)
        self.assertTrue(attachment.raw.startswith(b"%PDF-"))
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(attachment.raw)).pages
        )
        text = " ".join(text.split())
        self.assertIn("Customer's signature Name: Mario Rossi", text)
