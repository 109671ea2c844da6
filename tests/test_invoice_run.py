# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Month-end in the background: an invoicing run and its queue jobs.

With **Run in background** ticked in the pop-up, the tickets are invoiced by
queue jobs (OCA ``queue_job``). The run is split by invoice: the tickets of
one customer's invoice are always in the same job, and each job holds about
the number of tickets of the system parameter
``helpdesk_mgmt_invoicing.job_size``. Each job commits what it invoiced: a
job that fails leaves the others' invoices, and says why on the run. The
clerk follows the run's progress, sees the invoices and every skipped ticket
with its reason, and is notified when it ends.

The jobs are trapped with queue_job's ``trap_jobs`` and performed here.
"""

import io
import json
from datetime import date
from unittest.mock import patch

from pypdf import PdfReader

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.queue_job.controllers.main import RunJobController

from .common import HelpdeskInvoicingCommon, count_wkhtmltopdf_runs
from .queue_job_helpers import trap_jobs

# What an override raises on bad data it meets (not a string of the add-on).
BAD_DATA = "Bianchi's fiscal position has no tax mapping."
# PDFs printed for real: Odoo hands back their HTML in tests without it.
PRINT = {"force_report_rendering": True}


class InvoiceRunCommon(HelpdeskInvoicingCommon):
    """Six tickets of three customers; jobs of two tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("helpdesk_mgmt_invoicing.job_size", 2)
        cls.Run = cls.env["helpdesk.ticket.invoice.run"]
        cls.Line = cls.env["helpdesk.ticket.invoice.run.line"]
        cls.rossi_tickets = (
            cls._create_ticket(cls.rossi_mario, cls._standard_lines())
            | cls._create_ticket(cls.rossi_anna, [(date(2026, 3, 9), cls.onsite, 2.0)])
            | cls._create_ticket(cls.rossi_mario, [(date(2026, 3, 10), cls.support, 1)])
        )
        cls.bianchi_tickets = cls._create_ticket(
            cls.bianchi_luca, cls._standard_lines()
        ) | cls._create_ticket(cls.bianchi_luca, [(date(2026, 3, 11), cls.support, 1)])
        cls.verdi_ticket = cls._create_ticket(cls.verdi, cls._standard_lines())
        cls.tickets = cls.rossi_tickets | cls.bianchi_tickets | cls.verdi_ticket

    def _start(self, tickets, **options):
        """Start a run as the billing clerk, its jobs trapped."""
        with trap_jobs() as trap:
            run = self.Run.with_user(self.clerk)._start(
                tickets.with_user(self.clerk), **options
            )
        return run, trap

    def _jobs_by_customer(self, trap):
        """``{customer: [job numbers]}`` of the trapped invoicing jobs."""
        jobs = {}
        for number, job in enumerate(trap.enqueued_jobs):
            for customer in job.recordset.ticket_id.commercial_partner_id:
                jobs.setdefault(customer, []).append(number)
        return jobs

    def _perform_like_the_runner(self, trap, **context):
        """Perform the trapped jobs one by one as queue_job's runner does
        (``RunJobController._runjob``): a job that raises is rolled back, then
        marked failed, and its ``on_fail`` hook is called.

        :param context: keys added to the context of the jobs (which keep
            only a few of their creator's)

        :return: the failure values of the jobs that failed
        """
        failures = []
        for job in trap.enqueued_jobs:
            job.recordset = job.recordset.with_context(**context)
            try:
                with self.env.cr.savepoint():
                    job.perform()
                    self.env.flush_all()
            except Exception as exc:  # what the runner catches
                values = RunJobController._get_failure_values(job, "", exc)
                job.set_failed(**values)
                job.on_fail(values)
                failures.append(values)
        trap.enqueued_jobs = []
        self.env.invalidate_all()
        return failures

    def _assert_billed_once(self, tickets):
        lines = tickets.work_line_ids
        self.assertTrue(lines)
        self.assertTrue(all(line.invoice_line_id for line in lines))
        invoice_lines = lines.invoice_line_id
        self.assertEqual(
            sorted(invoice_lines.helpdesk_work_line_ids.ids), sorted(lines.ids)
        )
        self.assertEqual(set(tickets.mapped("billing_state")), {"invoiced"})


@tagged("post_install", "-at_install")
class TestInvoiceRun(InvoiceRunCommon):
    def test_one_job_per_batch_of_invoices_never_cutting_one(self):
        """Grouped by customer, Rossi's three tickets make one invoice: they
        go in one job, although a job should hold two tickets."""
        run, trap = self._start(self.tickets, group_by_partner=True)
        trap.assert_jobs_count(3)
        jobs = self._jobs_by_customer(trap)
        self.assertEqual(
            {customer: len(numbers) for customer, numbers in jobs.items()},
            {self.rossi: 1, self.bianchi: 1, self.verdi: 1},
        )
        self.assertEqual(
            sorted(len(job.recordset) for job in trap.enqueued_jobs), [1, 2, 3]
        )
        self.assertEqual(run.state, "running")
        self.assertEqual(run.ticket_remaining_count, 6)
        self.assertEqual(run.job_count, 3)
        self.assertEqual(run.ticket_ids, self.tickets)
        self.assertEqual(run.user_id, self.clerk)
        trap.assert_enqueued_job(
            self.Line.browse(
                run.line_ids.filtered(lambda line: line.customer_id == self.verdi).ids
            )._invoice_batch,
            properties={
                "channel": "root.helpdesk_invoicing",
                "identity_key": f"helpdesk.ticket.invoice.run,{run.id},batch 3",
            },
        )

        self.assertEqual(self._perform_like_the_runner(trap), [])
        self.assertEqual(run.state, "done")
        self.assertEqual(run.ticket_done_count, 6)
        self.assertEqual(run.ticket_remaining_count, 0)
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(len(run.invoice_ids), 3)
        self.assertEqual(
            run.invoice_ids.commercial_partner_id,
            self.rossi | self.bianchi | self.verdi,
        )
        self._assert_billed_once(self.tickets)
        for line in run.line_ids:
            self.assertEqual(line.invoice_id, line.ticket_id.invoice_ids)

    def test_one_invoice_per_ticket_in_jobs_of_two(self):
        run, trap = self._start(self.tickets, group_work_lines=True)
        self.assertEqual([len(job.recordset) for job in trap.enqueued_jobs], [2, 2, 2])
        self._perform_like_the_runner(trap)
        self.assertEqual(len(run.invoice_ids), 6)
        self.assertTrue(run.group_work_lines)
        # Work lines grouped: the two support sessions of the first ticket.
        first = self.rossi_tickets[0].invoice_ids
        self.assertEqual(len(self._product_lines(first)), 2)
        self._assert_billed_once(self.tickets)

    def test_skipped_tickets_are_listed_with_their_reason(self):
        still_open = self._create_ticket(
            self.verdi, self._standard_lines(), stage=self.stage_new
        )
        run, trap = self._start(self.tickets | still_open, group_by_partner=True)
        skipped = run.line_ids.filtered(lambda line: line.state == "skipped")
        self.assertEqual(skipped.ticket_id, still_open)
        self.assertEqual(
            skipped.reason,
            f"{still_open.display_name} is not closed: move it to a closed stage "
            "first.",
        )
        # Meanwhile a ticket is marked Not Billable: its job skips it.
        self.verdi_ticket.billing_state = "no"
        self._perform_like_the_runner(trap)
        verdi_line = run.line_ids.filtered(
            lambda line: line.ticket_id == self.verdi_ticket
        )
        self.assertEqual(verdi_line.state, "skipped")
        self.assertIn("is marked Not Billable", verdi_line.reason)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.ticket_skipped_count, 2)
        self.assertEqual(run.ticket_done_count, 5)
        self.assertFalse(self.verdi_ticket.invoice_ids)

    def test_nothing_to_invoice_starts_no_run(self):
        self.tickets.billing_state = "no"
        with trap_jobs() as trap, self.assertRaises(UserError) as error:
            self.Run.with_user(self.clerk)._start(self.tickets.with_user(self.clerk))
        self.assertIn("There is nothing to invoice", str(error.exception))
        trap.assert_jobs_count(0)

    def test_a_failing_job_leaves_the_others_and_says_why(self):
        """Bianchi's job meets bad data: its tickets stay to invoice, the
        others are invoiced, and the run says why Bianchi's failed."""
        run, trap = self._start(self.tickets, group_by_partner=True)
        Ticket = type(self.env["helpdesk.ticket"])
        prepare_invoice = Ticket._prepare_invoice

        def refuse_bianchi(tickets):
            if tickets.commercial_partner_id == self.bianchi:
                raise UserError(BAD_DATA)
            return prepare_invoice(tickets)

        with patch.object(Ticket, "_prepare_invoice", refuse_bianchi):
            failures = self._perform_like_the_runner(trap)
        self.assertEqual(len(failures), 1)
        self.assertEqual(run.state, "failed")
        failed = run.line_ids.filtered(lambda line: line.state == "failed")
        self.assertEqual(failed.ticket_id, self.bianchi_tickets)
        self.assertEqual(
            set(failed.mapped("reason")),
            {"Bianchi's fiscal position has no tax mapping."},
        )
        self.assertEqual(
            set(self.bianchi_tickets.mapped("billing_state")), {"to_invoice"}
        )
        self.assertFalse(self.bianchi_tickets.work_line_ids.invoice_line_id)
        self._assert_billed_once(self.rossi_tickets | self.verdi_ticket)
        self.assertEqual(run.ticket_done_count, 4)
        self.assertEqual(run.ticket_skipped_count, 2)
        self.assertIn(
            "Batch 2 failed: Bianchi's fiscal position has no tax mapping.",
            run.message_ids[0].body,
        )
        # Fixed, the failed tickets are free for a new run (or the pop-up).
        invoice = self._invoice(self.bianchi_tickets, group_by_partner=True)
        self.assertEqual(invoice.commercial_partner_id, self.bianchi)

    def test_a_job_performed_twice_creates_nothing_the_second_time(self):
        run, trap = self._start(self.tickets, group_by_partner=True)
        jobs = list(trap.enqueued_jobs)
        self._perform_like_the_runner(trap)
        invoices = self.env["account.move"].search([("move_type", "=", "out_invoice")])
        for job in jobs:
            self.assertEqual(
                job.perform(), "Nothing left to invoice: this batch was done before."
            )
        self.assertEqual(
            self.env["account.move"].search([("move_type", "=", "out_invoice")]),
            invoices,
        )
        self.assertEqual(run.invoice_count, 3)
        self._assert_billed_once(self.tickets)

    def test_the_same_batch_is_never_queued_twice(self):
        """queue_job refuses a second job with the same identity key while the
        first one waits."""
        with trap_jobs() as trap:
            run = self.Run.with_user(self.clerk)._start(
                self.tickets.with_user(self.clerk), group_by_partner=True
            )
            run._enqueue_jobs()
            self.assertEqual(len(trap.calls), 6)
            trap.assert_jobs_count(3)

    def test_tickets_held_by_a_run_are_skipped_elsewhere(self):
        """Until its job has run, a ticket belongs to its run: the pop-up,
        another run and a direct invoicing skip it, saying which run has it."""
        run, trap = self._start(self.rossi_tickets, group_by_partner=True)
        held = self.rossi_tickets[0]
        reason = (
            f"{held.display_name} is being invoiced in the background by "
            f"{run.name}: wait for that run to end."
        )
        _eligible, issues = self.tickets.with_user(self.clerk)._split_invoiceable()
        self.assertEqual(issues[held], reason)
        self.assertEqual(len(issues), 3)
        # The pop-up shows it.
        wizard = Form(
            self.env["helpdesk.ticket.invoice"]
            .with_user(self.clerk)
            .with_context(active_model="helpdesk.ticket", active_ids=self.tickets.ids)
        )
        self.assertEqual(wizard.skipped_ticket_count, 3)
        self.assertIn(reason, wizard.skipped_reasons)
        # Invoicing at once: the others only.
        invoices = self._invoice(self.tickets)
        self.assertEqual(
            invoices.helpdesk_ticket_ids, self.bianchi_tickets | self.verdi_ticket
        )
        # A second run: all held or invoiced, nothing to do.
        with self.assertRaises(UserError) as error:
            self._start(self.rossi_tickets)
        self.assertIn(reason, str(error.exception))
        # The run that holds them invoices them.
        self._perform_like_the_runner(trap)
        self.assertEqual(run.state, "done")
        self._assert_billed_once(self.tickets)

    def test_end_is_announced_to_the_clerk(self):
        run, trap = self._start(self.tickets, group_by_partner=True)
        self._perform_like_the_runner(trap)
        # What the last job does once committed (_finish_after_commit).
        run._announce_end()
        self.assertTrue(run.end_date)
        message = (
            "Background invoicing done: 3 invoice(s) made for 6 ticket(s); 0 "
            "ticket(s) skipped."
        )
        self.assertEqual(run.message_ids[0].preview, message)
        self.assertIn(self.clerk.partner_id, run.message_ids[0].partner_ids)
        notifications = [
            json.loads(values["message"])
            for values in self.env.cr.precommit.data["bus.bus.values"]
        ]
        # The run's page reloads on it; the notification opens the invoices.
        self.assertIn(
            {
                "type": "helpdesk_mgmt_invoicing/run_end",
                "payload": {
                    "run_id": run.id,
                    "type": "success",
                    "title": run.name,
                    "message": message,
                    "sticky": False,
                    "invoice_count": 3,
                },
            },
            notifications,
        )
        # Announced once.
        count = len(run.message_ids)
        run._announce_end()
        self.assertEqual(len(run.message_ids), count)

    def test_jobs_opens_the_runs_queue_jobs(self):
        """A queue job manager opens the run's jobs from its Jobs button."""
        other_run = self.Run.with_user(self.clerk)._start(
            self.tickets[:1].with_user(self.clerk)
        )
        run = self.Run.with_user(self.clerk)._start(
            self.tickets[1:].with_user(self.clerk), group_by_partner=True
        )
        manager = self._new_user(
            "hdi-queue-manager", "base.group_user,queue_job.group_queue_job_manager"
        )
        action = run.with_user(manager).action_view_jobs()
        self.assertEqual(action["res_model"], "queue.job")
        jobs = self.env["queue.job"].with_user(manager).search(action["domain"])
        self.assertEqual(len(jobs), run.job_count)
        self.assertTrue(jobs)
        self.assertEqual(set(jobs.mapped("channel")), {"root.helpdesk_invoicing"})
        other_jobs = jobs.search(other_run._get_jobs_domain())
        self.assertEqual(len(other_jobs), 1)
        self.assertFalse(jobs & other_jobs)

    def test_a_running_run_is_not_announced(self):
        run, _trap = self._start(self.tickets, group_by_partner=True)
        run._announce_end()
        self.assertFalse(run.end_date)
        self.assertEqual(self.Run.search([("state", "=", "running")]), run)
        self.assertFalse(self.Run.search([("state", "in", ["done", "failed"])]))

    def test_popup_runs_in_background_above_the_threshold(self):
        self.env["ir.config_parameter"].set_param(
            "helpdesk_mgmt_invoicing.background_threshold", 5
        )
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        few = Form(
            Wizard.with_context(
                active_model="helpdesk.ticket", active_ids=self.tickets[:5].ids
            )
        )
        self.assertFalse(few.run_in_background)
        many = Form(
            Wizard.with_context(
                active_model="helpdesk.ticket", active_ids=self.tickets.ids
            )
        )
        self.assertTrue(many.run_in_background)
        many.group_by_partner = True
        wizard = many.save()
        with trap_jobs() as trap:
            action = wizard.action_create_invoices()
        run = self.Run.browse(action["res_id"])
        self.assertEqual(action["res_model"], "helpdesk.ticket.invoice.run")
        # The run's own page (address and breadcrumb), not the ticket's.
        self.assertEqual(action["path"], "helpdesk-invoicing-runs")
        self.assertEqual(action["target"], "main")
        self.assertEqual(run.ticket_ids, self.tickets)
        self.assertTrue(run.group_by_partner)
        trap.assert_jobs_count(3)
        self.assertFalse(self.tickets.invoice_ids)


@tagged("post_install", "-at_install")
class TestInvoiceRunAccess(HelpdeskInvoicingCommon):
    """Only invoicing users start runs and see them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.rossi_mario, cls._standard_lines())
        with trap_jobs():
            cls.invoice_run = (
                cls.env["helpdesk.ticket.invoice.run"]
                .with_user(cls.clerk)
                ._start(cls.ticket.with_user(cls.clerk))
            )

    def test_technician_cannot_start_or_see_runs(self):
        Run = self.env["helpdesk.ticket.invoice.run"].with_user(self.technician)
        with trap_jobs() as trap, self.assertRaises(AccessError):
            Run._start(self.ticket.with_user(self.technician))
        trap.assert_jobs_count(0)
        with self.assertRaises(AccessError):
            Run.search([])
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.invoice.run.line"].with_user(
                self.technician
            ).search([])

    def test_clerk_sees_the_runs_of_their_companies(self):
        Run = self.env["helpdesk.ticket.invoice.run"].with_user(self.clerk)
        self.assertEqual(Run.search([]), self.invoice_run)
        other_company = self.env["res.company"].create({"name": "Altra Sede S.r.l."})
        other_clerk = self._new_clerk("hdi-run-other-clerk", other_company)
        self.assertFalse(
            self.env["helpdesk.ticket.invoice.run"].with_user(other_clerk).search([])
        )

    def test_accountant_without_helpdesk_rights_cannot_start_one(self):
        accountant = self._new_user(
            "hdi-run-accountant", "account.group_account_invoice"
        )
        with trap_jobs(), self.assertRaises(AccessError):
            self.env["helpdesk.ticket.invoice.run"].with_user(accountant)._start(
                self.ticket.with_user(accountant)
            )


@tagged("post_install", "-at_install")
class TestInvoiceRunReports(InvoiceRunCommon):
    """Month-end runs that attach the intervention reports: each job prints
    the reports of its tickets in one wkhtmltopdf run (a few for a large job,
    system parameter ``helpdesk_mgmt_invoicing.report_batch_size``), never
    one per ticket; a report that cannot be printed costs its job the
    attachments, never the invoices, and the run says why.

    The PDFs are printed for real (``force_report_rendering``); the report's
    stylesheet is not fetched (an address where no server answers), which
    changes its layout, not its pages' text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")

    def test_each_job_prints_its_reports_in_one_run(self):
        run, trap = self._start(
            self.tickets, group_by_partner=True, attach_intervention_reports=True
        )
        runs, counting = count_wkhtmltopdf_runs()
        with counting:
            self.assertEqual(self._perform_like_the_runner(trap, **PRINT), [])
        # Three jobs (2, 3 and 1 tickets), one run each for two tickets or
        # more; one ticket alone is printed as Odoo prints it.
        self.assertEqual(len(runs), 3)
        self.assertEqual(run.state, "done")
        for invoice in run.invoice_ids:
            attachments = invoice.helpdesk_report_attachment_ids
            self.assertEqual(len(attachments), len(invoice.helpdesk_ticket_ids))
            for ticket, attachment in zip(
                invoice.helpdesk_ticket_ids.sorted("number"),
                attachments.sorted("name"),
                strict=True,
            ):
                pdf = PdfReader(io.BytesIO(attachment.raw))
                text = " ".join(page.extract_text() for page in pdf.pages)
                self.assertIn(ticket.number, text)
                others = invoice.helpdesk_ticket_ids - ticket
                for other in others:
                    self.assertNotIn(other.number, text)
        self.assertFalse(run.line_ids.filtered("reason"))

    def _assert_reports_failed_invoices_kept(self, binary):
        run, trap = self._start(
            self.tickets, group_by_partner=True, attach_intervention_reports=True
        )
        runs, counting = count_wkhtmltopdf_runs(binary)
        with counting:
            self.assertEqual(self._perform_like_the_runner(trap, **PRINT), [])
        self.assertEqual(len(runs), 3)
        # Every ticket invoiced, once; no report attached.
        self.assertEqual(run.state, "done")
        self.assertEqual(run.ticket_done_count, 6)
        self.assertEqual(len(run.invoice_ids), 3)
        self._assert_billed_once(self.tickets)
        self.assertFalse(run.invoice_ids.helpdesk_report_attachment_ids)
        # The run says why, on each ticket and in its chatter.
        for line in run.line_ids:
            self.assertIn("were not attached", line.reason)
            self.assertIn(line.invoice_id._get_helpdesk_reference(), line.reason)
            self.assertIn("could not be printed", line.reason)
        bodies = run.message_ids.mapped("preview")
        self.assertEqual(
            len([body for body in bodies if "were not attached" in body]), 3
        )

    def test_missing_wkhtmltopdf_keeps_the_invoices(self):
        self._assert_reports_failed_invoices_kept("/nonexistent/wkhtmltopdf")

    def test_crashing_wkhtmltopdf_keeps_the_invoices(self):
        # /bin/false: exit code 1 and no PDF, as Debian's build refusing input.
        self._assert_reports_failed_invoices_kept("/bin/false")

    def test_popup_report_failure_makes_no_invoice(self):
        """In the pop-up (no background run), a report that cannot be
        printed stops the whole click: no invoice is made, the clerk reads
        which tickets and what to do."""
        runs, counting = count_wkhtmltopdf_runs("/bin/false")
        with counting, self.assertRaises(UserError) as caught:
            self.rossi_tickets.with_user(self.clerk).with_context(
                **PRINT
            )._create_invoices(attach_intervention_reports=True)
        self.assertEqual(len(runs), 1)
        self.assertIn("could not be printed", str(caught.exception))
        self.assertIn(self.rossi_tickets[0].display_name, str(caught.exception))
        self.assertEqual(
            set(self.rossi_tickets.mapped("billing_state")), {"to_invoice"}
        )
