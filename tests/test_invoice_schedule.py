# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Scheduled invoicing: customers invoiced every week or every month.

On the customer company, **Helpdesk Invoicing** is Manual (the default),
Weekly or Monthly, and **Group Work Lines on Scheduled Invoices** says
whether its work lines are grouped. A daily scheduled action starts one
background run for the customers whose period ended since its last call — a
week ends on Sunday, a month on its last day — with their tickets closed by
then, one invoice per customer.
"""

from datetime import date, datetime

from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon
from .queue_job_helpers import trap_jobs


@tagged("post_install", "-at_install")
class TestInvoiceSchedule(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["helpdesk.ticket.invoice.run"]
        cls.rossi.helpdesk_invoicing_frequency = "weekly"
        cls.bianchi.write(
            {
                "helpdesk_invoicing_frequency": "monthly",
                "helpdesk_invoicing_group_work_lines": True,
            }
        )
        # Giulia Verdi stays Manual.

        def closed_on(ticket, day):
            ticket.closed_date = datetime.combine(day, datetime.min.time()).replace(
                hour=17
            )
            return ticket

        cls.rossi_week = closed_on(
            cls._create_ticket(cls.rossi_mario, cls._standard_lines()),
            date(2026, 3, 6),  # Friday
        )
        cls.rossi_sunday = closed_on(
            cls._create_ticket(cls.rossi_anna, [(date(2026, 3, 8), cls.onsite, 1)]),
            date(2026, 3, 8),  # Sunday
        )
        cls.rossi_next_week = closed_on(
            cls._create_ticket(cls.rossi_mario, [(date(2026, 3, 9), cls.support, 1)]),
            date(2026, 3, 9),  # Monday
        )
        cls.bianchi_march = closed_on(
            cls._create_ticket(cls.bianchi_luca, cls._standard_lines()),
            date(2026, 3, 20),
        )
        cls.verdi_ticket = closed_on(
            cls._create_ticket(cls.verdi, cls._standard_lines()), date(2026, 3, 2)
        )

    def _cron(self, today, last_call):
        with trap_jobs() as trap:
            run = self.Run._cron_start_scheduled_run(today=today, last_call=last_call)
        return run, trap

    def test_period_ends(self):
        period_end = self.env["res.partner"]._get_helpdesk_period_end
        # Weekly: the last Sunday between the two dates.
        self.assertEqual(
            period_end("weekly", date(2026, 3, 8), date(2026, 3, 8)), date(2026, 3, 8)
        )
        self.assertEqual(
            period_end("weekly", date(2026, 3, 2), date(2026, 3, 11)), date(2026, 3, 8)
        )
        self.assertIsNone(period_end("weekly", date(2026, 3, 9), date(2026, 3, 14)))
        # Monthly: the last month end between them.
        self.assertEqual(
            period_end("monthly", date(2026, 2, 28), date(2026, 2, 28)),
            date(2026, 2, 28),
        )
        self.assertEqual(
            period_end("monthly", date(2026, 3, 20), date(2026, 4, 3)),
            date(2026, 3, 31),
        )
        self.assertIsNone(period_end("monthly", date(2026, 3, 1), date(2026, 3, 30)))
        self.assertEqual(
            period_end("monthly", date(2024, 2, 1), date(2024, 2, 29)),
            date(2024, 2, 29),
        )
        self.assertIsNone(period_end("manual", date(2026, 1, 1), date(2026, 12, 31)))

    def test_monday_invoices_the_weekly_customers(self):
        """On Monday 9 March, Rossi's week (to Sunday 8) is invoiced; the
        ticket closed on Monday waits for next week; Bianchi's month and
        Giulia Verdi (manual) are left alone."""
        run, trap = self._cron(date(2026, 3, 9), last_call=date(2026, 3, 8))
        self.assertEqual(run.origin, "schedule")
        self.assertTrue(run.group_by_partner)
        self.assertEqual(run.ticket_ids, self.rossi_week | self.rossi_sunday)
        trap.perform_enqueued_jobs()
        self.env.invalidate_all()
        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 1)
        self.assertEqual(
            run.invoice_ids.helpdesk_ticket_ids, self.rossi_week | self.rossi_sunday
        )
        self.assertEqual(self.rossi_next_week.billing_state, "to_invoice")
        self.assertEqual(self.bianchi_march.billing_state, "to_invoice")
        self.assertEqual(self.verdi_ticket.billing_state, "to_invoice")
        # Rossi does not group work lines: one invoice line per work line.
        self.assertEqual(len(self._product_lines(run.invoice_ids)), 4)

    def test_other_days_start_nothing(self):
        run, trap = self._cron(date(2026, 3, 10), last_call=date(2026, 3, 9))
        self.assertFalse(run)
        trap.assert_jobs_count(0)

    def test_a_missed_day_is_caught_up(self):
        """The server was off on Monday: Tuesday's call invoices the week."""
        run, _trap = self._cron(date(2026, 3, 10), last_call=date(2026, 3, 8))
        self.assertEqual(run.ticket_ids, self.rossi_week | self.rossi_sunday)

    def test_month_end_invoices_the_monthly_customers(self):
        """On 1 April, Bianchi's March is invoiced, its work lines grouped as
        the customer asks."""
        run, trap = self._cron(date(2026, 4, 1), last_call=date(2026, 3, 31))
        self.assertEqual(run.ticket_ids, self.bianchi_march)
        self.assertTrue(run.line_ids.group_work_lines)
        trap.perform_enqueued_jobs()
        invoice = self.bianchi_march.invoice_ids
        self.assertEqual(invoice.commercial_partner_id, self.bianchi)
        # Two support sessions grouped into one line, plus the on-site visit.
        self.assertEqual(len(self._product_lines(invoice)), 2)
        self.assertIn(
            "Work performed from 03/02/2026 to 03/05/2026",
            self._product_lines(invoice).mapped("name")[0],
        )

    def test_both_periods_ending_together_make_one_run(self):
        """Sunday 31 May 2026 ends a week and a month: one run, one invoice
        per customer."""
        run, trap = self._cron(date(2026, 6, 1), last_call=date(2026, 5, 31))
        self.assertEqual(
            run.ticket_ids,
            self.rossi_week
            | self.rossi_sunday
            | self.rossi_next_week
            | self.bianchi_march,
        )
        trap.perform_enqueued_jobs()
        self.assertEqual(
            run.line_ids.invoice_id.commercial_partner_id, self.rossi | self.bianchi
        )
        self.assertEqual(len(run.line_ids.invoice_id), 2)

    def test_the_scheduled_action_calls_it(self):
        cron = self.env.ref("helpdesk_mgmt_invoicing.ir_cron_helpdesk_invoice_run")
        self.assertEqual(cron.code, "model._cron_start_scheduled_run()")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertTrue(cron.active)
