# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Generate Invoice Proposals: the three ways of invoicing closed tickets."""

from datetime import date

from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoicing(HelpdeskInvoicingCommon):
    def test_no_option_one_invoice_per_ticket(self):
        """No option ticked: one draft invoice per ticket, for its customer."""
        ticket_1 = self._create_ticket(self.rossi_mario, self._standard_lines())
        ticket_2 = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 9), self.support, 1.0)]
        )
        invoices = self._invoice(ticket_1 + ticket_2)

        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(set(invoices.mapped("move_type")), {"out_invoice"})
        self.assertEqual(
            invoices.mapped("invoice_origin"), [ticket_1.number, ticket_2.number]
        )
        invoice_1 = ticket_1.invoice_ids
        self.assertEqual(len(invoice_1), 1)
        self.assertEqual(invoice_1.helpdesk_ticket_ids, ticket_1)
        self.assertEqual(invoice_1.company_id, self.company)
        # One line per work line, each with service, hours, price and a label.
        lines = self._product_lines(invoice_1)
        self.assertEqual(len(lines), 3)
        self.assertEqual(lines.mapped("product_id"), self.support + self.onsite)
        self.assertEqual(sorted(lines.mapped("quantity")), [1.5, 2.0, 3.0])
        reference = f"{ticket_1.number} - {ticket_1.name}"
        self.assertEqual(
            lines.mapped("name"),
            [
                f"{reference}\n03/02/2026 - Work on 2026-03-02",
                f"{reference}\n03/04/2026 - Work on 2026-03-04",
                f"{reference}\n03/05/2026 - Work on 2026-03-05",
            ],
        )
        self.assertEqual(invoice_1.amount_untaxed, 2.0 * 50 + 1.5 * 50 + 3.0 * 80)

    def test_section_line_names_each_ticket(self):
        """Each ticket's lines are introduced by a section with its number and title."""
        ticket = self._create_ticket(
            self.bianchi_luca, self._standard_lines(), name="VPN down"
        )
        invoice = self._invoice(ticket)
        first_line = invoice.invoice_line_ids.sorted("sequence")[0]
        self.assertEqual(first_line.display_type, "line_section")
        self.assertEqual(first_line.name, f"{ticket.number} - VPN down")

    def test_group_by_customer(self):
        """Group tickets by customer: one invoice per company with all its tickets."""
        rossi_1 = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 1.0)]
        )
        rossi_2 = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 3), self.onsite, 2.0)]
        )
        bianchi = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 4), self.support, 4.0)]
        )
        invoices = self._invoice(rossi_1 + rossi_2 + bianchi, group_by_partner=True)

        self.assertEqual(len(invoices), 2)
        rossi_invoice = rossi_1.invoice_ids
        self.assertEqual(rossi_invoice, rossi_2.invoice_ids)
        self.assertEqual(rossi_invoice.helpdesk_ticket_ids, rossi_1 + rossi_2)
        self.assertEqual(len(self._section_lines(rossi_invoice)), 2)
        self.assertEqual(len(self._product_lines(rossi_invoice)), 2)
        self.assertEqual(
            rossi_invoice.invoice_origin, f"{rossi_1.number}, {rossi_2.number}"
        )
        self.assertEqual(bianchi.invoice_ids.partner_id, self.bianchi)
        self.assertNotEqual(bianchi.invoice_ids, rossi_invoice)
        # The invoice's note names its tickets, in the plural for two.
        self.assertTrue(
            rossi_invoice.message_ids.filtered(
                lambda m: "Bills the helpdesk tickets" in (m.body or "")
            )
        )
        self.assertTrue(
            bianchi.invoice_ids.message_ids.filtered(
                lambda m: "Bills the helpdesk ticket <a" in (m.body or "")
            )
        )

    def test_contact_is_invoiced_as_its_company(self):
        """A contact on the ticket: invoiced to its company's invoice address."""
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        self.assertEqual(ticket.commercial_partner_id, self.rossi)
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.partner_id, self.rossi_invoice)
        self.assertEqual(invoice.commercial_partner_id, self.rossi)

    def test_company_without_invoice_address(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.partner_id, self.bianchi)

    def test_private_person_is_invoiced_as_themself(self):
        ticket = self._create_ticket(self.verdi, self._standard_lines())
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.partner_id, self.verdi)

    def test_group_work_lines_merges_same_service(self):
        """Group work lines: one line per service, hours summed, first and last date."""
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        invoice = self._invoice(ticket, group_work_lines=True)
        lines = self._product_lines(invoice)
        self.assertEqual(len(lines), 2)
        support_line = lines.filtered(lambda line: line.product_id == self.support)
        self.assertEqual(support_line.quantity, 3.5)
        self.assertEqual(support_line.price_unit, 50.0)
        reference = f"{ticket.number} - {ticket.name}"
        self.assertEqual(
            support_line.name,
            f"{reference}\nHourly Support\n"
            "Work performed from 03/02/2026 to 03/05/2026",
        )
        onsite_line = lines.filtered(lambda line: line.product_id == self.onsite)
        self.assertEqual(
            onsite_line.name,
            f"{reference}\nOn-site Intervention\nWork performed on 03/04/2026",
        )
        self.assertEqual(
            support_line.helpdesk_work_line_ids.mapped("quantity"), [2.0, 1.5]
        )
        self.assertEqual(invoice.amount_untaxed, 3.5 * 50 + 3.0 * 80)

    def test_group_work_lines_keeps_different_prices_apart(self):
        ticket = self._create_ticket(
            self.rossi_mario,
            [
                (date(2026, 3, 2), self.support, 1.0, 50.0),
                (date(2026, 3, 3), self.support, 1.0, 65.0),
            ],
        )
        invoice = self._invoice(ticket, group_work_lines=True)
        self.assertEqual(
            sorted(self._product_lines(invoice).mapped("price_unit")), [50.0, 65.0]
        )

    def test_group_work_lines_per_ticket_within_customer_invoice(self):
        """Both options: one invoice per customer, lines merged ticket by ticket."""
        ticket_1 = self._create_ticket(self.rossi_mario, self._standard_lines())
        ticket_2 = self._create_ticket(self.rossi_anna, self._standard_lines())
        invoice = self._invoice(
            ticket_1 + ticket_2, group_by_partner=True, group_work_lines=True
        )
        self.assertEqual(len(invoice), 1)
        self.assertEqual(len(self._section_lines(invoice)), 2)
        self.assertEqual(len(self._product_lines(invoice)), 4)

    def test_standard_accounting_values(self):
        """Taxes, income account and payment terms come from Odoo's own logic."""
        self.rossi.property_payment_term_id = self.pay_terms_b
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        invoice = self._invoice(ticket)
        lines = self._product_lines(invoice)
        self.assertEqual(lines.tax_ids, self.tax_sale_a)
        self.assertEqual(lines.account_id, self.company_data["default_account_revenue"])
        self.assertEqual(invoice.invoice_payment_term_id, self.pay_terms_b)
        self.assertEqual(invoice.journal_id.type, "sale")
        self.assertGreater(invoice.amount_tax, 0)

    def test_after_invoicing_ticket_and_lines_are_linked(self):
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        invoice = self._invoice(ticket)
        self.assertEqual(ticket.billing_state, "invoiced")
        self.assertEqual(ticket.invoice_count, 1)
        for work_line in ticket.work_line_ids:
            self.assertEqual(work_line.invoice_line_id.move_id, invoice)
            self.assertEqual(work_line.invoice_line_id.quantity, work_line.quantity)
        ticket_note = ticket.message_ids.filtered(
            lambda m: "Billed on" in (m.body or "")
        )
        self.assertEqual(len(ticket_note), 1)
        self.assertIn(f'data-oe-id="{invoice.id}"', ticket_note.body)
        # One ticket: "ticket", not "tickets".
        invoice_note = invoice.message_ids.filtered(
            lambda m: "Bills the helpdesk ticket " in (m.body or "")
        )
        self.assertIn(f'data-oe-id="{ticket.id}"', invoice_note.body)
        action = ticket.action_view_invoices()
        self.assertEqual(action["res_id"], invoice.id)
        back = invoice.action_view_helpdesk_tickets()
        self.assertEqual(back["res_id"], ticket.id)

    def test_only_lines_not_yet_invoiced_are_billed(self):
        """A ticket set back to To Invoice bills only the work added since."""
        ticket = self._create_ticket(self.rossi_mario, self._standard_lines())
        first = self._invoice(ticket)
        self._log_work(ticket, date(2026, 3, 20), 1.0)
        ticket.billing_state = "to_invoice"
        second = self._invoice(ticket)
        self.assertNotEqual(first, second)
        self.assertEqual(self._product_lines(second).quantity, 1.0)
        self.assertEqual(ticket.invoice_ids, first + second)
