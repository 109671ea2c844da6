# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""E-invoicing warnings in the pop-up, whatever the country.

Before the clerk confirms, the pop-up asks Send & Print what it would warn
about for the invoices it is going to make: the checks a localisation runs on
its e-invoices (``test_l10n_it_edi_warnings.py`` shows Italy's). Without a
localisation that checks anything, there is nothing to say, and no error.
"""

from unittest.mock import patch

from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestEInvoiceWarningsAnyCountry(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tickets = cls._create_ticket(
            cls.rossi_mario, cls._standard_lines()
        ) + cls._create_ticket(cls.bianchi_luca, cls._standard_lines())

    def _wizard_form(self, tickets):
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        context = {"active_model": "helpdesk.ticket", "active_ids": tickets.ids}
        return Form(Wizard.with_context(**context))

    def test_no_localisation_no_warning(self):
        """No e-invoicing localisation: no warning, in any mode."""
        form = self._wizard_form(self.tickets)
        self.assertFalse(form.e_invoice_warnings)
        form.group_by_partner = True
        form.group_work_lines = True
        self.assertFalse(form.e_invoice_warnings)
        self.assertEqual(form.invoice_count, 2)

    def test_a_localisation_alert_names_its_customer(self):
        """What a localisation's Send & Print alerts say reaches the pop-up,
        with the name of the customer it is about; its information messages
        and what concerns e-mail sending do not."""
        seen = []

        def _get_alerts(send, moves, moves_data):
            seen.append(moves_data)
            alerts = {
                "l10n_xx_info": {
                    "level": "info",
                    "message": "Did you know about our e-invoicing network?",
                }
            }
            if not moves.commercial_partner_id.vat:
                alerts["l10n_xx_partner_vat_missing"] = {
                    "message": "Partner(s) should have a VAT number.",
                    "action_text": "View Partner(s)",
                    "action": moves.commercial_partner_id._get_records_action(),
                }
            return alerts

        self.rossi.vat = "IT02468130154"
        AccountMoveSend = self.registry["account.move.send"]
        with patch.object(AccountMoveSend, "_get_alerts", _get_alerts):
            warnings = self._e_invoice_warnings(self.tickets)
            form = self._wizard_form(self.tickets)

        self.assertEqual(
            warnings, {self.bianchi: ["Partner(s) should have a VAT number."]}
        )
        self.assertIn(
            "<strong>Bianchi Servizi S.p.A.</strong>: Partner(s) should have a "
            "VAT number.",
            form.e_invoice_warnings,
        )
        self.assertNotIn("network", form.e_invoice_warnings)
        for moves_data in seen:
            for settings in moves_data.values():
                self.assertNotIn("email", settings["sending_methods"])

    def test_an_alert_about_the_settings_names_no_customer(self):
        """An alert that opens the settings, not a customer, is said once."""

        def _get_alerts(send, moves, moves_data):
            return {
                "l10n_xx_settings": {
                    "message": "Register your company for e-invoicing.",
                    "action": {"type": "ir.actions.act_url", "url": "/odoo/settings"},
                }
            }

        AccountMoveSend = self.registry["account.move.send"]
        with patch.object(AccountMoveSend, "_get_alerts", _get_alerts):
            form = self._wizard_form(self.tickets)
        self.assertEqual(
            form.e_invoice_warnings,
            "<ul><li>Register your company for e-invoicing.</li></ul>",
        )

    def test_the_invoices_in_memory_have_the_amounts_of_the_real_ones(self):
        """The checks read the invoices the pop-up will make, amounts
        included, and nothing is created meanwhile."""
        Move = self.env["account.move"]
        moves_before = Move.search_count([])
        _wizard, previews = self._preview(
            self.tickets, group_by_partner=True, group_work_lines=True
        )
        self.env.flush_all()
        self.assertEqual(Move.search_count([]), moves_before)
        self.assertFalse(self.tickets.work_line_ids.invoice_line_id)

        invoices = self._invoice(self.tickets, group_by_partner=True)
        for field in ("amount_untaxed", "amount_tax", "amount_total"):
            self.assertEqual(previews.mapped(field), invoices.mapped(field))
        self.assertEqual(invoices.mapped("amount_total"), [477.25, 477.25])
        self.assertEqual(
            previews.mapped("amount_total_signed"),
            invoices.mapped("amount_total_signed"),
        )
