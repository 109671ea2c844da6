# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In the browser: the technician prints a ticket's intervention report from
its form.

The tour (static/tests/tours/helpdesk_ticket_report_tour.esm.js) opens the
ticket, the Actions menu, clicks **Intervention Report** and waits for the
download; the server side says what it printed. The report is the HTML Odoo
prints in tests (see test_report_pdf.py for the PDF).
"""

from lxml import html

from odoo.tests import HttpCase, tagged

from .test_report import REPORT, InterventionReportCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestReportTour(InterventionReportCommon, HttpCase):
    def test_print_from_the_ticket_form(self):
        self.ticket.name = "Tour: printer report"
        printed = []
        Report = type(self.env["ir.actions.report"])
        render = Report._render_qweb_pdf

        def spy(report, report_ref, res_ids=None, data=None):
            content, report_type = render(report, report_ref, res_ids, data)
            printed.append((report_ref, res_ids, report.env.user, content))
            return content, report_type

        self.patch(Report, "_render_qweb_pdf", spy)

        self._run_tour(
            "helpdesk_mgmt_invoicing_report_tour",
            url=f"/odoo/helpdesk-tickets/{self.ticket.id}",
            user=self.technician,
        )

        self.assertEqual(len(printed), 1)
        [(report_ref, res_ids, user, content)] = printed
        self.assertEqual(report_ref, REPORT)
        self.assertEqual(list(res_ids), [self.ticket.id])
        self.assertEqual(user, self.technician)
        title = html.fromstring(content).xpath("//h2")[0]
        self.assertEqual(self._text(title), f"Intervention Report {self.ticket.number}")
