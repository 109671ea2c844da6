# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's side of a ticket's work, in the portal.

On their ticket's page (``/my/ticket/<id>``, or with the ticket's access
token from an email, without an account) customers see the work of the
intervention report: date, technician, description, hours (or quantity),
"No charge" where the work is free. Internal work (Not Billed) never shows,
nor prices unless the company's setting *Show Work Prices in the Portal* is
on. They download the report's PDF and sign it: **Sign the Intervention
Report** opens portal's signature dialog (a name and a drawn signature), as a
quotation's *Accept & Sign* does; the signature is kept on the ticket and the
signed report is posted in its chatter.

The tests speak to the server as a browser would: a portal user of the
ticket's customer, one of another customer, and an anonymous visitor with and
without the token.
"""

import base64
import io
from datetime import date

from PIL import Image

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import HelpdeskInvoicingCommon


def png_signature(size=(120, 40)):
    """A drawn signature as the signature pad sends it: a base64 PNG."""
    image = Image.new("RGB", size, "white")
    for x in range(10, size[0] - 10):
        image.putpixel((x, size[1] // 2 + (x % 7) - 3), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class PortalSignCommon(HelpdeskInvoicingCommon, HttpCase):
    """A closed ticket of Rossi with billable, no-charge and internal work;
    a portal user of Rossi and one of Bianchi."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.rossi_mario, name="Printer offline")
        cls.ticket.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 2),
                    "product_id": cls.support.id,
                    "quantity": 2.0,
                    "price_unit": 57.0,
                    "name": "Replaced the toner",
                }
            ),
            Command.create(
                {
                    "date": date(2026, 3, 3),
                    "product_id": cls.support.id,
                    "quantity": 0.5,
                    "billing_type": "no_charge",
                    "name": "Checked the paper feed",
                }
            ),
            Command.create(
                {
                    "date": date(2026, 3, 3),
                    "product_id": cls.support.id,
                    "quantity": 1.0,
                    "billing_type": "not_billed",
                    "name": "Rebuilt our own test bench",
                }
            ),
        ]
        cls.portal_rossi = new_test_user(
            cls.env, login="hdi-portal-rossi", groups="base.group_portal"
        )
        cls.portal_rossi.partner_id.parent_id = cls.rossi
        cls.portal_bianchi = new_test_user(
            cls.env, login="hdi-portal-bianchi", groups="base.group_portal"
        )
        cls.portal_bianchi.partner_id.parent_id = cls.bianchi
        cls.signature = png_signature()

    def _sign(self, ticket=None, **params):
        """POST /my/ticket/<id>/sign as the signature dialog does."""
        ticket = ticket or self.ticket
        params.setdefault("name", "Mario Rossi")
        params.setdefault("signature", self.signature)
        ticket_id = params.pop("ticket_id", ticket.id)
        return self.make_jsonrpc_request(f"/my/ticket/{ticket_id}/sign", params)

    def _assert_not_signed(self, ticket=None):
        ticket = ticket or self.ticket
        ticket.invalidate_recordset()
        self.assertFalse(ticket.intervention_signed_on)
        self.assertFalse(ticket.intervention_signed_by)
        self.assertFalse(ticket.intervention_signature)
        self.assertEqual(ticket.intervention_sign_state, "to_sign")
        self.assertNotIn(
            "Intervention report signed", "".join(ticket.message_ids.mapped("body"))
        )


@tagged("post_install", "-at_install")
class TestPortalWork(PortalSignCommon):
    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_customer_sees_the_work_without_internal_work_nor_prices(self):
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        response = self._page(f"/my/ticket/{self.ticket.id}")
        self.assertIn("Replaced the toner", response.text)
        self.assertIn("Checked the paper feed", response.text)
        self.assertIn("No charge", response.text)
        self.assertNotIn("Rebuilt our own test bench", response.text)
        self.assertNotIn("57.00", response.text)
        self.assertIn("Sign the Intervention Report", response.text)

    def test_prices_shown_when_the_company_says_so(self):
        self.company.helpdesk_portal_show_prices = True
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        response = self._page(f"/my/ticket/{self.ticket.id}")
        self.assertIn("57.00", response.text)
        self.assertIn("114.00", response.text)
        self.assertNotIn("Rebuilt our own test bench", response.text)

    def test_other_customer_sees_nothing(self):
        self.authenticate("hdi-portal-bianchi", "hdi-portal-bianchi")
        response = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertNotIn("Replaced the toner", response.text)
        response = self.url_open(f"/my/ticket/{self.ticket.id}/report")
        self.assertNotIn(b"Replaced the toner", response.content)

    def test_anonymous_with_token_sees_the_work(self):
        token = self.ticket._portal_ensure_token()
        response = self._page(f"/my/ticket/{self.ticket.id}?access_token={token}")
        self.assertIn("Replaced the toner", response.text)
        self.assertNotIn("Rebuilt our own test bench", response.text)
        response = self.url_open(f"/my/ticket/{self.ticket.id}?access_token=wrong")
        self.assertNotIn("Replaced the toner", response.text)
        response = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertNotIn("Replaced the toner", response.text)

    def test_report_download(self):
        """The back office's report (HTML in tests, as every Odoo report)."""
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        response = self._page(f"/my/ticket/{self.ticket.id}/report?download=true")
        self.assertIn(b"Intervention Report", response.content)
        self.assertIn(b"Replaced the toner", response.content)
        self.assertNotIn(b"Rebuilt our own test bench", response.content)


@tagged("post_install", "-at_install")
class TestPortalSign(PortalSignCommon):
    def test_customer_signs(self):
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        result = self._sign(name="  Mario Rossi ")
        self.assertNotIn("error", result)
        self.assertTrue(result["force_refresh"])
        self.assertIn("message=sign_ok", result["redirect_url"])
        ticket = self.ticket
        ticket.invalidate_recordset()
        self.assertEqual(ticket.intervention_signed_by, "Mario Rossi")
        self.assertTrue(ticket.intervention_signed_on)
        self.assertTrue(ticket.intervention_signature)
        self.assertEqual(ticket.intervention_sign_state, "signed")
        message = ticket.message_ids.filtered(
            lambda m: "Intervention report signed by Mario Rossi" in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.portal_rossi.partner_id)
        self.assertEqual(
            message.attachment_ids.mapped("name"),
            [f"Intervention Report - {ticket.number}.pdf"],
        )
        # The page thanks the customer, says who signed; the dialog is gone.
        response = self.url_open(result["redirect_url"])
        self.assertIn("Thank you: the intervention report is signed", response.text)
        self.assertIn("Signed by Mario Rossi", response.text)
        self.assertNotIn("modal_intervention_sign", response.text)
        # Signing twice: refused, the first signature stays.
        result = self._sign(name="Anna Rossi")
        self.assertIn("already signed by Mario Rossi", result["error"])
        ticket.invalidate_recordset()
        self.assertEqual(ticket.intervention_signed_by, "Mario Rossi")

    def test_anonymous_signs_with_the_token(self):
        token = self.ticket._portal_ensure_token()
        result = self._sign(access_token=token)
        self.assertNotIn("error", result)
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.intervention_signed_by, "Mario Rossi")
        message = self.ticket.message_ids.filtered(
            lambda m: "Intervention report signed" in m.body
        )
        # Without an account, the ticket's contact signs.
        self.assertEqual(message.author_id, self.rossi_mario)

    def test_token_in_the_query_string(self):
        """As the signature dialog posts it: the token in the URL."""
        token = self.ticket._portal_ensure_token()
        result = self.make_jsonrpc_request(
            f"/my/ticket/{self.ticket.id}/sign?access_token={token}",
            {"name": "Mario Rossi", "signature": self.signature},
        )
        self.assertNotIn("error", result)

    def test_who_may_not_sign(self):
        denied = "This ticket does not exist or is not yours"
        # Anonymous, without a token or with a wrong one.
        self.assertIn(denied, self._sign()["error"])
        self.assertIn(denied, self._sign(access_token="wrong")["error"])
        self._assert_not_signed()
        # Another customer's portal user.
        self.authenticate("hdi-portal-bianchi", "hdi-portal-bianchi")
        self.assertIn(denied, self._sign()["error"])
        self._assert_not_signed()
        # A forged ticket id.
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        self.assertIn(denied, self._sign(ticket_id=self.ticket.id + 100000)["error"])
        self._assert_not_signed()

    def test_bad_input(self):
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        cases = {
            "Type the name of the person signing": {"name": "   "},
            "Draw the signature": {"signature": ""},
            "is not an image": {
                "signature": base64.b64encode(b"<svg>not a png</svg>").decode()
            },
            "is too large": {
                "signature": base64.b64encode(b"\x89PNG" + b"0" * 600_000).decode()
            },
        }
        for message, params in cases.items():
            with self.subTest(message):
                result = self._sign(**params)
                self.assertIn(message, result["error"])
                self.assertIn(self.ticket.display_name, result["error"])
                self._assert_not_signed()
        result = self._sign(signature="not base64 at all!")
        self.assertIn("is not an image", result["error"])
        self._assert_not_signed()

    def test_nothing_to_sign(self):
        internal = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 9), self.support, 1.0)],
            name="Internal only",
        )
        internal.work_line_ids.billing_type = "not_billed"
        self.authenticate("hdi-portal-rossi", "hdi-portal-rossi")
        result = self._sign(internal)
        self.assertIn("nothing to sign", result["error"])
        internal.invalidate_recordset()
        self.assertFalse(internal.intervention_signed_on)
        self.assertEqual(internal.intervention_sign_state, "no_work")
