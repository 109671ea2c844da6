# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Many intervention reports, one wkhtmltopdf run.

Printed together (from the list, or attached to the invoices of a month-end
run), the reports of a batch of tickets are printed by one wkhtmltopdf run
and cut back into one PDF per ticket: each ticket gets exactly the pages it
gets when printed alone. How many tickets one run prints is the system
parameter ``helpdesk_mgmt_invoicing.report_batch_size`` (100).

The PDFs are made for real by the wkhtmltopdf of the set-up (Debian's
package, one input document per run) and read with pypdf.
"""

import io
from datetime import date
from unittest.mock import patch

from pypdf import PdfReader

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.base.models import ir_actions_report as base_report

from ..models import ir_actions_report
from .common import count_wkhtmltopdf_runs
from .queue_job_helpers import trap_jobs
from .test_report import REPORT
from .test_report_pdf import InterventionReportPdfCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestInterventionReportBatch(InterventionReportPdfCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A long report: 60 work lines print on more than one page.
        cls.migration = cls._create_report_ticket(cls.bianchi_luca, "Mail migration")
        cls.migration.work_line_ids = [
            Command.create(
                {
                    "date": date(2026, 3, 1 + number % 28),
                    "user_id": cls.technician.id,
                    "time_start": 8.0,
                    "time_end": 9.0,
                    "name": f"Mailbox {number:02d} moved",
                    "product_id": cls.support.id,
                }
            )
            for number in range(60)
        ]
        cls.tickets = cls.ticket + cls.migration + cls.vpn

    @staticmethod
    def _pages(content):
        """The text of each page of a PDF, whitespace folded."""
        return [
            " ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(content)).pages
        ]

    def _render(self, tickets):
        """``{ticket: PDF}`` as the technician prints them."""
        return (
            tickets.with_user(self.technician)
            .with_context(force_report_rendering=True)
            ._render_intervention_reports()
        )

    def test_batch_gives_each_ticket_the_pages_it_gets_alone(self):
        """Three tickets in one run: each PDF holds the same pages, with the
        same text, as that ticket printed on its own."""
        # The test server compiles the report's templates and stylesheet on
        # the first print: a request that fails while it does so (Python
        # 3.11 compiling in two threads at once) would change a layout.
        self._render(self.vpn)
        runs, counting = count_wkhtmltopdf_runs()
        with counting:
            together = self._render(self.tickets)
            self.assertEqual(runs, [1], "one run, one input document")
            alone = {ticket: self._render(ticket)[ticket] for ticket in self.tickets}
        self.assertEqual(len(runs), 4)
        self.assertGreater(len(self._pages(alone[self.migration])), 1)
        for ticket in self.tickets:
            self.assertEqual(
                self._pages(together[ticket]), self._pages(alone[ticket]), ticket.name
            )
        # Each in its customer's language, nothing of the others.
        [printer] = self._pages(together[self.ticket])
        self.assertIn(f"Rapportino d'intervento {self.ticket.number}", printer)
        self.assertNotIn("VPN drops", printer)
        migration = self._pages(together[self.migration])
        self.assertIn(f"Intervention Report {self.migration.number}", migration[0])
        # The totals close the table (the signatures may follow on a page).
        self.assertIn("Total hours 65.50 65.00", " ".join(migration[-2:]))
        self.assertNotIn("VPN drops", " ".join(migration))

    def test_batch_size_sets_the_number_of_runs(self):
        """With two reports per run, three tickets take two runs; the list's
        PDF holds every ticket's pages in the order of the selection."""
        self.env["ir.config_parameter"].set_param(
            "helpdesk_mgmt_invoicing.report_batch_size", "2"
        )
        runs, counting = count_wkhtmltopdf_runs()
        with counting:
            content, report_type = (
                self.env["ir.actions.report"]
                .with_user(self.technician)
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(REPORT, self.tickets.ids)
            )
        self.assertEqual(report_type, "pdf")
        self.assertEqual(len(runs), 2)
        pages = self._pages(content)
        titles = [
            f"Rapportino d'intervento {self.ticket.number}",
            f"Intervention Report {self.migration.number}",
            f"Intervention Report {self.vpn.number}",
        ]
        firsts = [
            next(index for index, text in enumerate(pages) if title in text)
            for title in titles
        ]
        self.assertEqual(firsts, sorted(firsts))
        self.assertEqual(firsts[0], 0)
        self.assertEqual(firsts[2], len(pages) - 1)

    def test_cut_marks_are_not_left_in_the_pdf(self):
        """The marks the cut reads are removed: no link to them stays."""
        contents = self._render(self.tickets)
        for content in contents.values():
            for page in PdfReader(io.BytesIO(content)).pages:
                for annotation in page.get("/Annots") or []:
                    uri = annotation.get_object().get("/A", {}).get("/URI", "")
                    self.assertFalse(str(uri).startswith(ir_actions_report.CUT_MARK))

    def test_missing_wkhtmltopdf_names_the_tickets(self):
        """No wkhtmltopdf where Odoo found it: a clear error naming the
        tickets, for the administrator to fix."""
        with (
            patch.object(
                base_report,
                "_get_wkhtmltopdf_bin",
                lambda: "/nonexistent/wkhtmltopdf",
            ),
            self.assertRaises(UserError) as caught,
        ):
            self._render(self.ticket + self.vpn)
        message = str(caught.exception)
        self.assertIn(self.ticket.display_name, message)
        self.assertIn(self.vpn.display_name, message)
        self.assertIn("wkhtmltopdf", message)

    # ------------------------------------------------------------------
    # Print > Intervention Report on many tickets
    # ------------------------------------------------------------------

    def test_print_menu_prints_at_once_up_to_the_threshold(self):
        """Up to 200 tickets (the threshold), the browser downloads the PDF
        of all their reports at once."""
        action = self.tickets.with_user(
            self.technician
        ).action_print_intervention_reports()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], REPORT)
        self.assertEqual(action["context"]["active_ids"], self.tickets.ids)

    def test_print_menu_prints_in_the_background_above_the_threshold(self):
        """Above the threshold, a queue job prints the PDF; the technician is
        told at once, then finds the link in their Inbox and downloads it.
        Nobody else may download it."""
        self.env["ir.config_parameter"].set_param(
            "helpdesk_mgmt_invoicing.report_background_threshold", "2"
        )
        with trap_jobs() as trap:
            action = self.tickets.with_user(
                self.technician
            ).action_print_intervention_reports()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("3 tickets", action["params"]["message"])
        trap.assert_jobs_count(1)
        [job] = trap.enqueued_jobs
        self.assertEqual(job.recordset, self.tickets)
        self.assertEqual(job.recordset.env.user, self.technician)
        attachment = job.perform()

        url = f"/web/content/{attachment.id}?download=true"
        # In the technician's Inbox.
        [message] = (
            self.env["mail.message"]
            .with_user(self.technician)
            .search(
                [
                    ("partner_ids", "in", self.technician.partner_id.ids),
                    ("message_type", "=", "user_notification"),
                    ("body", "ilike", url),
                ]
            )
        )
        self.assertIn("3 tickets are ready", message.body)

        self.authenticate(self.technician.login, self.technician.login)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        pages = self._pages(response.content)
        for ticket in self.tickets:
            self.assertTrue(any(ticket.number in page for page in pages), ticket.number)
        self.assertEqual(
            len(pages),
            sum(len(self._pages(pdf)) for pdf in self._render(self.tickets).values()),
        )

        self.authenticate(self.clerk.login, self.clerk.login)
        self.assertNotEqual(self.url_open(url).status_code, 200)
