# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from .row_lock import lock_rows

# Seconds before queue_job tries a batch again whose tickets were busy.
RETRY_SECONDS = 10
# The states of a queue job that may still invoice its tickets.
RUNNING_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class HelpdeskTicketInvoiceRunLine(models.Model):
    """One ticket of a background invoicing run, and what became of it.

    The lines of one batch are the records of one queue job: the job invoices
    them, and their state is its progress (see ``_invoice_batch``). They are
    the run's own record: read-only for users, created and written by the
    run's methods only.
    """

    _name = "helpdesk.ticket.invoice.run.line"
    _description = "Helpdesk Invoicing Run Ticket"
    _order = "batch, id"

    run_id = fields.Many2one(
        comodel_name="helpdesk.ticket.invoice.run",
        required=True,
        ondelete="cascade",
        index=True,
    )
    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        required=True,
        ondelete="cascade",
        index=True,
    )
    customer_id = fields.Many2one(
        related="ticket_id.commercial_partner_id", string="Customer"
    )
    company_id = fields.Many2one(
        related="ticket_id.company_id", store=True, index=True, precompute=True
    )
    queue_job_id = fields.Many2one(
        comodel_name="queue.job",
        string="Job",
        ondelete="set null",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The background job that invoices this ticket. A ticket whose "
        "job no longer runs (done, cancelled, failed or deleted) is released.",
    )
    batch = fields.Integer(
        help="Number of the background job that invoices this ticket: the "
        "tickets of one customer's invoice are always in the same job.",
    )
    group_work_lines = fields.Boolean(
        help="The work lines of this ticket are grouped on its invoice."
    )
    state = fields.Selection(
        selection=[
            ("pending", "Waiting"),
            ("invoiced", "Invoiced"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
        ],
        required=True,
        default="pending",
        index=True,
    )
    reason = fields.Text(help="Why the ticket was skipped, or why its job failed.")
    invoice_id = fields.Many2one(comodel_name="account.move", ondelete="set null")

    # ------------------------------------------------------------------
    # The job
    # ------------------------------------------------------------------

    def _invoice_batch(self):
        """Job: invoice the tickets of these lines, one batch of one run.

        It locks the tickets, invoices those still eligible, and marks each
        line invoiced or skipped (with the reason); queue_job commits it all
        at once. Run again, it finds its lines done and creates nothing. A
        ticket that another transaction holds makes the job retry later
        (``RetryableJobError``); any other error fails the job, which
        ``_on_invoice_batch_failed`` reports on the run.

        :return: a summary for the job's result
        """
        run = self.run_id
        run.ensure_one()
        self._lock_tickets()
        lines = self.filtered(lambda line: line.state in ("pending", "failed"))
        if not lines:
            return self.env._("Nothing left to invoice: this batch was done before.")
        eligible, issues = lines.ticket_id._split_invoiceable(run)
        line_by_ticket = {line.ticket_id: line for line in lines}
        invoices = self.env["account.move"]
        to_invoice = lines.filtered(lambda line: line.ticket_id in eligible)
        for group_work_lines, group in to_invoice.grouped("group_work_lines").items():
            invoices |= group.ticket_id._create_invoices(
                group_by_partner=run.group_by_partner,
                group_work_lines=group_work_lines,
                invoice_run=run,
            )
        report_issue = (
            run.attach_intervention_reports and invoices._attach_reports_of_batch()
        )
        # sudo: the run's lines are its own record, written by its job only.
        for invoice in invoices:
            lines.filtered_domain(
                [("ticket_id", "in", invoice.helpdesk_ticket_ids.ids)]
            ).sudo().write(
                {
                    "state": "invoiced",
                    "invoice_id": invoice.id,
                    "reason": report_issue or False,
                }
            )
        if report_issue:
            run.message_post(body=report_issue)
        for ticket, reason in issues.items():
            line_by_ticket[ticket].sudo().write({"state": "skipped", "reason": reason})
        run._finish_after_commit()
        return self.env._(
            "%(invoices)s invoice(s) for %(invoiced)s ticket(s), %(skipped)s "
            "ticket(s) skipped.",
            invoices=len(invoices),
            invoiced=len(to_invoice),
            skipped=len(issues),
        )

    def _lock_tickets(self):
        """Lock the tickets of these lines (``lock_rows``), or have queue_job
        retry later.

        A ticket held by another transaction (a clerk invoicing it by hand,
        another job) is not waited for, which would block a worker, and a
        ticket changed since this job began cannot be locked at all; both are
        a ``RetryableJobError``, which queue_job retries after a pause.
        """
        tickets = self.ticket_id
        try:
            busy = tickets - lock_rows(tickets)
        except pg_errors.SerializationFailure as exc:
            raise self._get_busy_tickets_error() from exc
        if busy:
            raise self._get_busy_tickets_error()
        # What a transaction that committed before the lock changed.
        self.invalidate_recordset()
        tickets.invalidate_recordset()
        tickets.work_line_ids.invalidate_recordset()

    def _get_busy_tickets_error(self):
        return RetryableJobError(
            self.env._(
                "Some tickets of this batch are being changed or invoiced by "
                "someone else: tried again in %(seconds)s seconds.",
                seconds=RETRY_SECONDS,
            ),
            seconds=RETRY_SECONDS,
        )

    def _on_invoice_batch_failed(self, exc_message=None, **failure):
        """queue_job's hook when the job of these lines failed for good.

        Called after the job's transaction was rolled back, in a transaction
        of its own: the lines not invoiced say why, the run's chatter too,
        and the other batches keep what they made.
        """
        self._release(exc_message or failure.get("exc_name") or "")

    def _release(self, reason):
        """Release the tickets of these lines that were not invoiced: they are
        marked failed with ``reason``, the run's chatter says so, and the
        tickets can be invoiced again at once."""
        # sudo: the run's lines are its own record, written by its methods.
        lines = self.sudo().filtered(lambda line: line.state in ("pending", "failed"))
        if not lines:
            return
        lines.write({"state": "failed", "reason": reason})
        for run, run_lines in lines.grouped("run_id").items():
            run.message_post(
                body=self.env._(
                    "Batch %(batch)s failed: %(reason)s. Its %(count)s ticket(s) "
                    "were not invoiced; the other batches are not affected. Fix "
                    "the cause, then invoice these tickets again.",
                    batch=", ".join(
                        str(b) for b in sorted(set(run_lines.mapped("batch")))
                    ),
                    reason=reason,
                    count=len(run_lines),
                )
            )
            run._finish_after_commit()

    def _related_action_run(self):
        """queue_job's related action of the job: open its run."""
        return self.run_id[:1]._get_form_action()

    @api.model
    def _get_ticket_holders(self, tickets, except_run=None):
        """The tickets among these that a background run has yet to invoice.

        :param except_run: the run that is asking, whose lines do not count

        :return: ``{ticket: the run that holds it}``
        """
        if not tickets.ids:
            return {}
        domain = [
            ("ticket_id", "in", tickets.ids),
            ("state", "=", "pending"),
            # A hold whose job no longer runs never blocks. (A job ended by
            # hand or deleted releases its lines: see queue.job; jobs that
            # are not stored, as queue_job's trap_jobs makes them in tests,
            # hold their tickets.)
            "|",
            ("queue_job_id", "=", False),
            ("queue_job_id.state", "in", RUNNING_JOB_STATES),
        ]
        if except_run:
            domain.append(("run_id", "!=", except_run.id))
        # sudo: a clerk must learn that a ticket is held even by a run of a
        # company they do not work in; only the run's name is shown.
        groups = self.sudo()._read_group(domain, groupby=["ticket_id", "run_id"])
        return {
            ticket.with_env(tickets.env): run.with_env(tickets.env)
            for ticket, run in groups
        }
