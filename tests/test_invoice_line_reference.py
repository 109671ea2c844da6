# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Every invoice line names the ticket it bills.

E-invoices (Italy's FatturaPA, UBL) carry the product lines of an invoice and
leave its sections out: so each line starts with its ticket's number and
title, and the legal document says which ticket every line bills, whatever the
grouping. ``test_l10n_it_edi.py`` shows it in the FatturaPA XML itself.
"""

from datetime import date

from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoiceLineReference(HelpdeskInvoicingCommon):
    def test_each_line_of_a_customer_invoice_names_its_own_ticket(self):
        """Group tickets by customer: one invoice, each line under its ticket."""
        printer = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 1.0)],
            name="Network printer offline",
        )
        workstation = self._create_ticket(
            self.rossi_anna,
            [(date(2026, 3, 3), self.onsite, 2.0)],
            name="New workstation for the site office",
        )
        invoice = self._invoice(printer + workstation, group_by_partner=True)

        self.assertEqual(
            self._product_lines(invoice).sorted("sequence").mapped("name"),
            [
                f"{printer.number} - Network printer offline\n"
                "03/02/2026 - Work on 2026-03-02",
                f"{workstation.number} - New workstation for the site office\n"
                "03/03/2026 - Work on 2026-03-03",
            ],
        )

    def test_the_pdf_prints_each_line_with_its_ticket(self):
        """The printed invoice shows the reference on the section and on each
        of the ticket's lines, one line of text above the work's own."""
        ticket = self._create_ticket(
            self.rossi_mario, self._standard_lines(), name="Network printer offline"
        )
        invoice = self._invoice(ticket)
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "account.report_invoice", invoice.ids
        )
        html = html.decode()
        reference = f"{ticket.number} - Network printer offline"
        self.assertEqual(html.count(reference), 1 + 3)
        self.assertIn(f"{reference}<br>\n03/02/2026 - Work on 2026-03-02", html)

    def test_merged_lines_name_their_ticket_too(self):
        """Group work lines: the merged line names its ticket above the service."""
        ticket = self._create_ticket(
            self.bianchi_luca, self._standard_lines(), name="VPN down"
        )
        invoice = self._invoice(ticket, group_work_lines=True)
        for line in self._product_lines(invoice):
            self.assertEqual(
                line.name.split("\n")[:2],
                [f"{ticket.number} - VPN down", line.product_id.name],
            )

    def test_a_long_title_is_shortened_to_fit_one_thousand_characters(self):
        """The whole line name fits the 1,000 characters an e-invoice line
        carries: the title is cut, marked with "...", the number stays."""
        title = "Printer offline after the upgrade of the print server " * 25
        ticket = self._create_ticket(
            self.verdi, [(date(2026, 3, 2), self.support, 1.0)], name=title
        )
        line = self._product_lines(self._invoice(ticket))

        self.assertGreater(len(ticket.number) + len(title), 1000)
        self.assertEqual(len(line.name), 1000)
        reference, label = line.name.split("\n")
        self.assertTrue(reference.startswith(f"{ticket.number} - Printer offline"))
        self.assertTrue(reference.endswith("..."))
        self.assertEqual(label, "03/02/2026 - Work on 2026-03-02")

    def test_a_long_description_keeps_the_number_first(self):
        """A work description too long for the title to fit: the line starts
        with the ticket's number alone, and keeps the whole description (the
        PDF prints it all; an e-invoice cuts its end)."""
        ticket = self._create_ticket(
            self.verdi, [(date(2026, 3, 2), self.support, 1.0)], name="Backup"
        )
        description = "Restored the nightly backup, checked every job. " * 30
        ticket.work_line_ids.name = description
        line = self._product_lines(self._invoice(ticket))

        self.assertEqual(line.name, f"{ticket.number}\n03/02/2026 - {description}")
