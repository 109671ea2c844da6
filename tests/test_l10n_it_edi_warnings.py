# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Italy: before the clerk confirms, the pop-up says what the e-invoice of a
customer would be refused for.

The checks are ``l10n_it_edi``'s own, those Send & Print runs before it makes
a FatturaPA XML: they run on the invoices the pop-up would make, built in
memory only. The invoice proposals are made all the same.

Run by ``make test`` on a database with ``l10n_it`` and ``l10n_it_edi``.
"""

from datetime import date

from odoo.tests import Form, tagged

from .common_l10n_it import HelpdeskInvoicingItalyCommon

VAT_MISSING = "Partner(s) should have a VAT number or Codice Fiscale."
ADDRESS_MISSING = (
    "Partner(s) should have a complete address, verify their Street, City, "
    "Zipcode and Country."
)


@tagged("post_install", "-at_install")
class TestEInvoiceWarnings(HelpdeskInvoicingItalyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Bianchi Servizi: an Italian company whose VAT number nobody asked for.
        cls.bianchi.write(
            {
                "country_id": cls.env.ref("base.it").id,
                "street": "Via Manzoni 8",
                "zip": "20121",
                "city": "Milano",
            }
        )

    def _warnings(self, tickets, **options):
        return self._e_invoice_warnings(tickets, **options)

    def test_complete_customers_get_no_warning(self):
        """A company with VAT number and recipient code, a contact person of
        it, a private person with her fiscal code: nothing to complete."""
        tickets = self._create_ticket(
            self.rossi_mario, self._standard_lines()
        ) + self._create_ticket(self.verdi, self._standard_lines())
        self.assertEqual(self._warnings(tickets), {})

    def test_missing_vat_number_or_fiscal_code(self):
        """The warning names the customer and what to fill in."""
        tickets = self._create_ticket(
            self.bianchi_luca, self._standard_lines()
        ) + self._create_ticket(self.rossi_mario, self._standard_lines())
        self.assertEqual(self._warnings(tickets), {self.bianchi: [VAT_MISSING]})

    def test_missing_address(self):
        self.rossi.street = False
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self.assertEqual(self._warnings(ticket), {self.rossi: [ADDRESS_MISSING]})

    def test_warnings_follow_the_invoices_the_options_make(self):
        """A private person without an address may get a simplified invoice,
        up to 400 euros: one small invoice per ticket passes; grouped by
        customer, the invoice is larger and needs her address."""
        self.verdi.write({"street": False, "zip": False, "city": False})
        tickets = self._create_ticket(
            self.verdi, [(date(2026, 3, 2), self.onsite, 3.0)]
        ) + self._create_ticket(self.verdi, [(date(2026, 3, 9), self.onsite, 2.0)])

        self.assertEqual(self._warnings(tickets), {})
        self.assertEqual(
            self._warnings(tickets, group_by_partner=True),
            {self.verdi: [ADDRESS_MISSING]},
        )

    def test_public_administration_needs_the_ordering_document(self):
        """A public administration's e-invoice names the document that
        ordered the work: the clerk fills it in on the invoice."""
        ticket = self._create_ticket(self.comune, self._standard_lines())
        warnings = self._warnings(ticket)
        self.assertEqual(list(warnings), [self.comune])
        self.assertIn("Origin Document Type", warnings[self.comune][0])

    def test_no_recipient_code_nor_pec_is_not_a_refusal(self):
        """Without recipient code or PEC the e-invoice is not refused: its
        recipient code is 0000000, and the SdI delivers it to the customer's
        reserved area of the Tax Agency's site. Odoo checks nothing there, so
        the pop-up says nothing either."""
        self.rossi.write({"l10n_it_pa_index": False, "l10n_it_pec_email": False})
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self.assertEqual(self._warnings(ticket), {})

        invoice = self._invoice(ticket)
        invoice.invoice_date = date(2026, 3, 31)
        self._send_and_print(invoice)
        xml = self._fatturapa(invoice)
        self.assertEqual(xml.findtext(".//CodiceDestinatario"), "0000000")
        self.assertIsNone(xml.find(".//PECDestinatario"))

    def test_nothing_is_created_nor_linked(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        Move = self.env["account.move"]
        moves_before = Move.search_count([])
        lines_before = self.env["account.move.line"].search_count([])

        self.assertTrue(self._warnings(ticket, group_work_lines=True))

        self.env.flush_all()
        self.assertEqual(Move.search_count([]), moves_before)
        self.assertEqual(self.env["account.move.line"].search_count([]), lines_before)
        self.assertFalse(ticket.work_line_ids.invoice_line_id)
        self.assertEqual(ticket.billing_state, "to_invoice")

    def test_the_pop_up_warns_and_still_invoices(self):
        """The pop-up lists the warnings per customer; confirming makes every
        invoice proposal all the same."""
        tickets = self._create_ticket(
            self.bianchi_luca, self._standard_lines()
        ) + self._create_ticket(self.rossi_mario, self._standard_lines())
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        context = {"active_model": "helpdesk.ticket", "active_ids": tickets.ids}
        wizard_form = Form(Wizard.with_context(**context))
        warnings = wizard_form.e_invoice_warnings
        self.assertIn("Bianchi Servizi S.p.A.", warnings)
        self.assertIn("VAT number or Codice Fiscale", warnings)
        self.assertNotIn("Rossi", warnings)

        action = wizard_form.save().action_create_invoices()
        invoices = self.env["account.move"].search(action["params"]["next"]["domain"])
        self.assertEqual(invoices.commercial_partner_id, self.bianchi + self.rossi)
