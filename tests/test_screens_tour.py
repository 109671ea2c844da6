# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In the browser: the billing clerk's screens (issue 13).

The tours (static/tests/tours/helpdesk_ticket_screens_tour.esm.js) run in
headless Chromium:

- the pop-up previews the invoices, with totals read on screen and compared
  there with the invoices made; a notification says what was made; a reload
  after confirming shows the same invoices under the same breadcrumbs;
- a ticket invoiced and given one more hour: the pop-up and the invoice bill
  that hour only; the invoice's form survives a reload too;
- nothing selected: the pop-up says it proposes every ticket ready to invoice;
- billed work: no delete control, the locked cells say why on hover; the
  technician sees the price read-only;
- the billing rules in the pop-up's amount: minimum hours, no charge, a part,
  internal work;
- a background run: its page at its own address, Done once its jobs have
  run, with its invoices one click away; an open ticket's badge; Work
  Analysis opening on what is left to invoice (static/tests/tours/
  helpdesk_ticket_truth_tour.esm.js).
"""

from datetime import date

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.job import Job

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestScreensTour(HelpdeskInvoicingCommon, HttpCase):
    def test_preview_totals_notification_and_reload(self):
        printer, workstation, vpn = self._create_tour_tickets()

        self._run_tour("helpdesk_mgmt_invoicing_preview_tour")

        invoices = (printer + workstation + vpn).invoice_ids
        self.assertEqual(len(invoices), 2)
        # What the tour read in the pop-up, and found again under the list.
        self.assertEqual(sum(invoices.mapped("amount_untaxed")), 650.0)
        self.assertEqual(sum(invoices.mapped("amount_total")), 747.5)
        self.assertEqual(
            [len(self._product_lines(invoice)) for invoice in invoices.sorted("id")],
            [3, 1],
        )

    def test_new_work_after_invoicing(self):
        ticket = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 2.5)],
            name="Tour: one more hour",
        )
        first = self._invoice(ticket)
        self._log_work(ticket, date(2026, 3, 3), 1.0)
        self._end_request()

        self._run_tour("helpdesk_mgmt_invoicing_new_work_tour")

        second = ticket.invoice_ids - first
        self.assertEqual(self._product_lines(second).quantity, 1.0)
        self.assertEqual(second.amount_untaxed, 50.0)
        self.assertEqual(second.amount_total, 57.5)

    def test_nothing_selected(self):
        self._create_ticket(self.rossi_mario, self._standard_lines())
        self._create_ticket(self.bianchi_luca, self._standard_lines())
        self._create_ticket(
            self.bianchi_luca, self._standard_lines(), stage=self.stage_new
        )
        self._run_tour("helpdesk_mgmt_invoicing_no_selection_tour")
        self.assertFalse(self.env["account.move"].search([]).helpdesk_ticket_ids)

    def test_billed_work_is_locked_on_screen(self):
        ticket = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 2.5)]
        )
        ticket.work_line_ids.name = "Billed work"
        self._invoice(ticket)
        new_work = self._log_work(ticket, date(2026, 3, 3), 1.0, name="New work")
        self._end_request()

        self._run_tour(
            "helpdesk_mgmt_invoicing_locks_tour",
            url=f"/odoo/helpdesk-tickets/{ticket.id}",
            user=self.technician,
        )

        self.assertEqual(len(ticket.work_line_ids), 2)
        self.assertTrue(new_work.exists())
        # The technician saw its price (read-only): it is the pricelist's.
        self.assertEqual(new_work.price_unit, 50.0)

    def test_billing_rules_in_the_popup(self):
        self.onsite.product_tmpl_id.write(
            {
                "helpdesk_time_rounding": 0.25,
                "helpdesk_time_rounding_method": "up",
                "helpdesk_minimum_hours": 1.0,
            }
        )
        disk = self._new_product(
            "Replacement disk",
            120.0,
            type="consu",
            taxes_id=[Command.set(self.tax_sale_a.ids)],
        )
        ticket = self._create_ticket(self.bianchi_luca, name="Tour: billing rules")
        day = date(2026, 3, 2)
        self.env["helpdesk.ticket.work.line"].create(
            [
                # 20 minutes on site: a quarter hour up, then the hour minimum.
                {
                    "ticket_id": ticket.id,
                    "date": day,
                    "product_id": self.onsite.id,
                    "time_start": 9.0,
                    "time_end": 9.0 + 20 / 60,
                },
                {
                    "ticket_id": ticket.id,
                    "date": day,
                    "product_id": self.support.id,
                    "quantity": 0.5,
                    "billing_type": "no_charge",
                },
                {
                    "ticket_id": ticket.id,
                    "date": day,
                    "product_id": disk.id,
                    "quantity": 1.0,
                },
                {
                    "ticket_id": ticket.id,
                    "date": day,
                    "product_id": self.support.id,
                    "quantity": 1.0,
                    "billing_type": "not_billed",
                },
            ]
        )
        self._end_request()

        self._run_tour("helpdesk_mgmt_invoicing_billing_rules_tour")

        invoice = ticket.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_untaxed, 200.0)
        self.assertEqual(invoice.amount_total, 230.0)
        self.assertEqual(
            sorted(self._product_lines(invoice).mapped("quantity")), [0.5, 1.0, 1.0]
        )

    def test_run_page_open_ticket_badge_and_analysis(self):
        self._create_tour_tickets()
        self._create_ticket(
            self.bianchi_luca,
            self._standard_lines(),
            stage=self.stage_new,
            name="Tour: still open",
        )
        self._run_tour("helpdesk_mgmt_invoicing_run_start_tour")
        run = self.env["helpdesk.ticket.invoice.run"].search([])
        self.assertEqual(run.state, "running")
        # What queue_job's runner does (no runner in tests): each job, as the
        # clerk who queued it. sudo: the test reads the queue, as the runner.
        for job in self.env["queue.job"].sudo().search(run._get_jobs_domain()):
            Job.load(self.env, job.uuid).perform()
        self.env.invalidate_all()
        run._announce_end()
        self.assertEqual(run.state, "done")
        self._run_tour(
            "helpdesk_mgmt_invoicing_run_end_tour",
            url=f"/odoo/helpdesk-invoicing-runs/{run.id}",
        )
