# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The "Generate Invoice Proposals" button and its pop-up."""

from datetime import date

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestWizard(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_selection_tickets()

    def _wizard_form(self, tickets):
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        context = {"active_model": "helpdesk.ticket", "active_ids": tickets.ids}
        return Form(Wizard.with_context(**context))

    def test_preview_before_acting(self):
        """The pop-up says what will be invoiced and what is skipped, and why."""
        tickets = self.rossi_1 + self.rossi_2 + self.bianchi_1 + self.still_open
        form = self._wizard_form(tickets)
        self.assertEqual(form.invoiceable_ticket_count, 3)
        self.assertEqual(form.customer_count, 2)
        self.assertEqual(form.invoice_count, 3)
        self.assertEqual(form.skipped_ticket_count, 1)
        self.assertIn(
            f"{self.still_open.display_name} is not closed", form.skipped_reasons
        )
        form.group_by_partner = True
        self.assertEqual(form.invoice_count, 2)
        self.assertFalse(
            self.env["account.move"].search([("partner_id", "=", self.rossi.id)])
        )

    def test_three_tickets_two_customers_grouped(self):
        """The documented case: three closed tickets of two customers, grouped."""
        form = self._wizard_form(self.rossi_1 + self.rossi_2 + self.bianchi_1)
        form.group_by_partner = True
        action = form.save().action_create_invoices()
        invoices = self.env["account.move"].search(action["params"]["next"]["domain"])
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(invoices.commercial_partner_id, self.rossi + self.bianchi)
        self.assertEqual(action["params"]["next"]["res_model"], "account.move")

    def test_a_notification_says_what_was_made(self):
        """After confirming: how many draft invoices, for whom, and how many
        selected tickets were skipped; then the invoices open."""
        tickets = self.rossi_1 + self.rossi_2 + self.bianchi_1 + self.still_open
        action = self._wizard_form(tickets).save().action_create_invoices()
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["title"], "Invoice proposals made")
        self.assertEqual(
            action["params"]["message"],
            "1 selected ticket was skipped, as the pop-up said. 3 draft invoices "
            "made for: Bianchi Servizi S.p.A., Rossi Impianti S.r.l. (2)",
        )
        self.assertEqual(action["params"]["type"], "success")

        ticket = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 9), self.onsite, 1.0)]
        )
        action = self._wizard_form(ticket).save().action_create_invoices()
        self.assertEqual(
            action["params"]["message"],
            "1 draft invoice made for: Bianchi Servizi S.p.A.",
        )

    def test_the_invoices_survive_a_reload(self):
        """The action that shows the invoices has no id nor path: the web
        client puts the model in the address, and a reload opens the same
        invoices (a list of their ids, or the form of the one), not every
        invoice of the database; and no parent of the pop-up's id."""
        form = self._wizard_form(self.rossi_1 + self.bianchi_1)
        shown = form.save().action_create_invoices()["params"]["next"]
        invoices = (self.rossi_1 + self.bianchi_1).invoice_ids
        self.assertEqual(shown["domain"], [("id", "in", invoices.ids)])
        self.assertEqual(shown["res_model"], "account.move")
        self.assertEqual(shown["type"], "ir.actions.act_window")
        for key in ("id", "path", "res_id", "xml_id"):
            self.assertNotIn(key, shown)
        self.assertIs(shown["context"]["active_id"], False)
        self.assertEqual(shown["views"][0][1], "list")
        self.assertEqual(shown["name"], "Invoices")

    def test_one_invoice_opens_its_form(self):
        form = self._wizard_form(self.rossi_1)
        form.group_work_lines = True
        action = form.save().action_create_invoices()["params"]["next"]
        invoice = self.rossi_1.invoice_ids
        self.assertEqual(action["res_id"], invoice.id)
        self.assertEqual(
            action["views"], [(self.env.ref("account.view_move_form").id, "form")]
        )
        self.assertNotIn("path", action)
        self.assertEqual(len(self._product_lines(invoice)), 2)

    def test_nothing_selected_proposes_every_ready_ticket(self):
        """The month-end run: no selection means every ticket ready to invoice."""
        form = Form(self.env["helpdesk.ticket.invoice"].with_user(self.clerk))
        wizard = form.save()
        self.assertIn(self.rossi_1, wizard.ticket_ids)
        self.assertIn(self.bianchi_1, wizard.ticket_ids)
        self.assertNotIn(self.still_open, wizard.ticket_ids)
        self.assertEqual(wizard.skipped_ticket_count, 0)
        self.assertTrue(wizard.all_ready_tickets)
        self.assertTrue(
            wizard.selection_message.startswith(
                f"No ticket selected: all {len(wizard.ticket_ids)} tickets ready"
            )
        )

    def test_button_only_for_invoicing_users(self):
        """The list shows the button next to New to invoicing users only."""
        technician = self.technician
        Ticket = self.env["helpdesk.ticket"]

        def list_buttons(user):
            arch = Ticket.with_user(user).get_views([(False, "list")])["views"]["list"][
                "arch"
            ]
            return etree.fromstring(arch).xpath(
                "//header/button[@string='Generate Invoice Proposals']"
            )

        buttons = list_buttons(self.clerk)
        self.assertEqual(len(buttons), 1)
        self.assertEqual(buttons[0].get("display"), "always")
        self.assertFalse(list_buttons(technician))
        with self.assertRaises(AccessError):
            self.rossi_1.with_user(technician)._create_invoices()
        self.assertEqual(self.rossi_1.billing_state, "to_invoice")

    def test_action_menu_entry(self):
        action = self.env.ref("helpdesk_mgmt_invoicing.helpdesk_ticket_invoice_action")
        self.assertEqual(action.binding_model_id.model, "helpdesk.ticket")
        self.assertEqual(action.binding_view_types, "list")
        self.assertIn(self.env.ref("account.group_account_invoice"), action.groups_id)
