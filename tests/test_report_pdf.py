# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The intervention report printed for real: a PDF made by wkhtmltopdf.

Odoo hands back the report's HTML in tests unless the context says
``force_report_rendering``; here it does, so wkhtmltopdf (Debian's package,
installed by the set-up) prints the PDF, fetching the report's stylesheet from
the test server at the address Odoo gives it (``web.base.url``, set to the test
server by ``HttpCase``). The PDF's text is read with pypdf, as a customer's
PDF reader would. Set in the company's web font, Debian's wkhtmltopdf would
leave the PDF without text at all: the report's own text is set in a system
font (see report/report_intervention.xml).
"""

import io

from pypdf import PdfReader

from odoo.tests import HttpCase, tagged

from .test_report import REPORT, InterventionReportCommon


class InterventionReportPdfCommon(InterventionReportCommon, HttpCase):
    """The printer ticket of an Italian customer and the VPN ticket of an
    English one, printed through the test server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's units too ("Ore"), which the report prints by each quantity.
        cls._activate_italian("uom")
        (cls.rossi | cls.rossi.child_ids).lang = "it_IT"
        cls.vpn = cls._create_report_ticket(cls.bianchi_luca, "VPN drops")


@tagged("post_install", "-at_install", "hdi_slow")
class TestInterventionReportPdf(InterventionReportPdfCommon):
    def _print_pdf(self, tickets):
        """The PDF the technician downloads from the Print menu."""
        Report = (
            self.env["ir.actions.report"]
            .with_user(self.technician)
            .with_context(force_report_rendering=True)
        )
        content, report_type = Report._render_qweb_pdf(REPORT, tickets.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF-"))
        return PdfReader(io.BytesIO(content))

    @staticmethod
    def _text(page):
        """A page's text, whitespace folded."""
        return " ".join(page.extract_text().split())

    @staticmethod
    def _lines(page):
        """A page's lines as laid out on paper, whitespace folded."""
        return [
            " ".join(line.split())
            for line in page.extract_text(extraction_mode="layout").splitlines()
        ]

    def _assert_page(self, text, expected, absent):
        """The page's ``text`` shows each of ``expected``, and not ``absent``
        (another ticket's title)."""
        for part in expected:
            self.assertIn(part, text)
        self.assertNotIn(absent, text)

    def _signatures_side_by_side(self, page, technician, customer):
        """Whether the two signature boxes stand on one line, as the report's
        stylesheet (Bootstrap's grid) lays them out; without it, they would
        stack one under the other."""
        return any(
            technician in line and customer in line for line in self._lines(page)
        )

    def test_two_tickets_each_in_its_customers_language(self):
        """Printed together from the list: one page per ticket, the Italian
        customer's in Italian, the English customer's in English."""
        pdf = self._print_pdf(self.ticket + self.vpn)
        self.assertEqual(len(pdf.pages), 2)
        italian, english = (self._text(page) for page in pdf.pages)

        self._assert_page(
            italian,
            (
                f"Rapportino d'intervento {self.ticket.number}",
                "Rossi Impianti S.r.l.",
                "Via Roma 12",
                f"{self.ticket.number} - Printer offline",
                "Tecnico",
                "Lavorato",
                "Da Fatturare",
                "02/03/2026 Marco Neri 09:00 11:30 2,50 Ore 2,50 Ore",
                "Replaced the toner and the drum",
                "04/03/2026 Marco Neri 14:00 17:00 3,00 Ore 2,50 Ore",
                "Totale ore 5,50 5,00",
                "Firma del tecnico",
                "Firma del cliente",
            ),
            "VPN drops",
        )
        self._assert_page(
            english,
            (
                f"Intervention Report {self.vpn.number}",
                "Bianchi Servizi S.p.A.",
                f"{self.vpn.number} - VPN drops",
                "Worked",
                "To Invoice",
                "03/02/2026 Marco Neri 09:00 11:30 2.50 Hours 2.50 Hours",
                "Total hours 5.50 5.00",
                "Customer's signature",
            ),
            "Printer offline",
        )

        # Laid out by the stylesheet wkhtmltopdf fetched from the test server.
        self.assertTrue(
            self._signatures_side_by_side(
                pdf.pages[0], "Firma del tecnico", "Firma del cliente"
            )
        )
        self.assertTrue(
            self._signatures_side_by_side(
                pdf.pages[1], "Technician's signature", "Customer's signature"
            )
        )

    def test_the_layout_check_fails_without_the_stylesheet(self):
        """The check above can fail: with the report's address pointing where
        no server answers, wkhtmltopdf prints the text without the stylesheet,
        and the signature boxes stack."""
        self.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        pdf = self._print_pdf(self.vpn)
        page = pdf.pages[0]
        self.assertIn(f"Intervention Report {self.vpn.number}", self._text(page))
        self.assertFalse(
            self._signatures_side_by_side(
                page, "Technician's signature", "Customer's signature"
            )
        )

    def test_reports_attached_to_invoices_are_pdf(self):
        """Attached to invoices, each ticket's report is a PDF of its own."""
        tickets = self.ticket + self.vpn
        invoices = tickets.with_user(self.clerk)._create_invoices()
        attachments = invoices.with_context(
            force_report_rendering=True
        )._attach_helpdesk_intervention_reports()
        self.assertEqual(len(attachments), 2)
        for ticket in tickets:
            invoice = invoices.filtered(
                lambda move, t=ticket: t in move.helpdesk_ticket_ids
            )
            [attachment] = invoice.helpdesk_report_attachment_ids
            self.assertEqual(
                attachment.name, f"{ticket._get_intervention_report_filename()}.pdf"
            )
            pdf = PdfReader(io.BytesIO(attachment.raw))
            self.assertEqual(len(pdf.pages), 1)
            self.assertIn(ticket.number, self._text(pdf.pages[0]))
            self.assertIn(ticket.name, self._text(pdf.pages[0]))
        self.assertCountEqual(
            invoices.helpdesk_report_attachment_ids.mapped("name"),
            [
                f"Rapportino d'intervento - {self.ticket.number}.pdf",
                f"Intervention Report - {self.vpn.number}.pdf",
            ],
        )
