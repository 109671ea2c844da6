# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Background runs for real: committed jobs, other transactions, the runner.

A batch whose tickets another transaction holds is retried by queue_job
later, and then invoiced. And a run of a few hundred tickets goes through
queue_job's real job runner: an Odoo server started here with ``queue_job``
as a server-wide module, which runs the jobs it finds in the database, two at
a time; every work line ends on exactly one invoice line.

These tests commit their data (the test database is throwaway) and remove it
again at the end. The test command's own HTTP server runs no job
(``ODOO_QUEUE_JOB_CHANNELS=root:0`` in tools/test.sh): the server started
here does.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import config

from odoo.addons.queue_job.exception import RetryableJobError

from .queue_job_helpers import trap_jobs

TICKETS = 300
JOB_SIZE = 50
# Seconds the real runner gets to invoice them (about 15 s on 2 cores).
TIMEOUT = 300


class CommittedData:
    """Customers, a service, a billing clerk and closed tickets, committed."""

    def _commit_data(self, prefix, tickets):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            customers = env["res.partner"].create(
                [
                    {"name": f"{prefix} customer {i}", "is_company": True}
                    for i in range(5)
                ]
            )
            service = env["product.product"].create(
                {
                    "name": f"{prefix} support",
                    "type": "service",
                    "sale_ok": True,
                    "list_price": 50.0,
                }
            )
            clerk = new_test_user(
                env,
                login=f"{prefix}-clerk",
                groups="helpdesk_mgmt.group_helpdesk_user,"
                "account.group_account_invoice",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
            records = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"{prefix} ticket {i}",
                        "description": "Printer out of order",
                        "partner_id": customers[i % 5].id,
                        "stage_id": stage.id,
                        "work_line_ids": [
                            Command.create(
                                {
                                    "date": f"2026-03-0{day}",
                                    "product_id": service.id,
                                    "quantity": 1.5,
                                }
                            )
                            for day in (2, 3)
                        ],
                    }
                    for i in range(tickets)
                ]
            )
            self.customer_ids = customers.ids
            self.service_id = service.id
            self.clerk_id = clerk.id
            self.ticket_ids = records.ids
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
            runs = env["helpdesk.ticket.invoice.run"].search(
                [("ticket_ids", "in", tickets.ids)]
            )
            env["queue.job"].search(
                [("model_name", "=", "helpdesk.ticket.invoice.run.line")]
            ).unlink()
            runs.unlink()
            # Deleting the draft invoices releases the work lines.
            env["account.move"].search(
                [("commercial_partner_id", "in", self.customer_ids)]
            ).unlink()
            tickets.unlink()
            env["product.product"].browse(self.service_id).unlink()
            clerk = env["res.users"].browse(self.clerk_id)
            partners = clerk.partner_id | env["res.partner"].browse(self.customer_ids)
            clerk.unlink()
            partners.unlink()

    def _assert_every_work_line_billed_once(self, env):
        tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
        work_lines = tickets.work_line_ids
        self.assertEqual(set(tickets.mapped("billing_state")), {"invoiced"})
        self.assertTrue(all(line.invoice_line_id for line in work_lines))
        invoice_lines = env["account.move.line"].search(
            [("helpdesk_work_line_ids", "in", work_lines.ids)]
        )
        billed = [line.id for il in invoice_lines for line in il.helpdesk_work_line_ids]
        self.assertEqual(sorted(billed), sorted(work_lines.ids))


@tagged("post_install", "-at_install")
class TestRetry(CommittedData, TransactionCase):
    def test_busy_tickets_make_the_job_retry_later(self):
        """A technician is saving one of the batch's tickets: the job is put
        back for later (queue_job's RetryableJobError) instead of waiting;
        run again once the technician is done, it invoices the batch."""
        self._commit_data("hdi-retry", 3)
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        env = api.Environment(cr, self.clerk_id, {})
        tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
        with trap_jobs() as trap:
            run = env["helpdesk.ticket.invoice.run"]._start(tickets)
        env.cr.commit()
        [job] = trap.enqueued_jobs

        with self.registry.cursor() as other_cr:
            other_env = api.Environment(other_cr, SUPERUSER_ID, {})
            ticket = other_env["helpdesk.ticket"].browse(self.ticket_ids[0])
            ticket.name = "hdi-retry ticket 0, printer replaced"
            other_env.flush_all()
            # Not committed yet: the ticket's row is locked.
            with self.assertRaises(RetryableJobError) as error:
                job.perform()
            self.assertEqual(error.exception.seconds, 10)
            self.assertIn("tried again in 10 seconds", str(error.exception))
            cr.rollback()
        # The technician's change is committed; the job runs again.
        self.assertEqual(set(run.line_ids.mapped("state")), {"pending"})
        self.assertEqual(job.retry, 1)
        job.perform()
        env.cr.commit()
        self.assertEqual(set(run.line_ids.mapped("state")), {"invoiced"})
        self._assert_every_work_line_billed_once(env)


@tagged("post_install", "-at_install", "hdi_slow")
class TestJobRunner(CommittedData, TransactionCase):
    def _start_server(self):
        """An Odoo server on this database with queue_job server-wide and its
        job runner, two jobs at a time; stopped at the end of the test."""
        port = int(
            os.environ.get("HDI_TEST_RUNNER_PORT") or int(config["http_port"]) + 100
        )
        log = Path(tempfile.mkstemp(prefix="hdi_job_runner_", suffix=".log")[1])
        self.addCleanup(log.unlink)
        odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
        rcfile = ["-c", config.rcfile] if config.rcfile else []
        db = self.env.cr.dbname
        env = dict(
            os.environ, ODOO_QUEUE_JOB_CHANNELS="root:2,root.helpdesk_invoicing:2"
        )
        server = subprocess.Popen(
            [sys.executable, str(odoo_bin), *rcfile, "-d", db, f"--db-filter=^{db}$"]
            + ["--load=base,web,queue_job", "--workers=0", "--max-cron-threads=0"]
            + [f"--http-port={port}", "--http-interface=127.0.0.1"]
            + [f"--logfile={log}", "--log-level=info"],
            env=env,
            start_new_session=True,
        )

        def stop():
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()

        self.addCleanup(stop)
        return server, log

    def test_a_run_through_the_real_job_runner(self):
        self._commit_data("hdi-runner", TICKETS)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            param = "helpdesk_mgmt_invoicing.job_size"
            previous = env["ir.config_parameter"].get_param(param)
            env["ir.config_parameter"].set_param(param, JOB_SIZE)
        self.addCleanup(self._set_job_size, previous)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.clerk_id, {})
            tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
            run_id = env["helpdesk.ticket.invoice.run"]._start(tickets).id
        server, log = self._start_server()
        deadline = time.monotonic() + TIMEOUT
        state = "running"
        while time.monotonic() < deadline and server.poll() is None:
            time.sleep(2)
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                run = env["helpdesk.ticket.invoice.run"].browse(run_id)
                state, end_date = run.state, run.end_date
            if state != "running" and end_date:
                break
        self.assertIsNone(server.poll(), log.read_text()[-3000:])
        self.assertEqual(state, "done", log.read_text()[-3000:])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            run = env["helpdesk.ticket.invoice.run"].browse(run_id)
            self.assertEqual(run.ticket_done_count, TICKETS)
            self.assertEqual(run.job_count, TICKETS // JOB_SIZE)
            self.assertEqual(len(run.invoice_ids), TICKETS)
            self.assertTrue(run.end_date)
            self.assertIn("Background invoicing done", run.message_ids[0].preview)
            jobs = env["queue.job"].search(
                [("model_name", "=", "helpdesk.ticket.invoice.run.line")]
            )
            self.assertEqual(set(jobs.mapped("state")), {"done"})
            self.assertEqual(len(jobs), TICKETS // JOB_SIZE)
            self._assert_every_work_line_billed_once(env)

    def _set_job_size(self, value):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param(
                "helpdesk_mgmt_invoicing.job_size", value or False
            )
