# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

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
        tickets = lines.ticket_id.with_context(helpdesk_invoice_run_id=run.id)
        eligible, issues = tickets._split_invoiceable()
        line_by_ticket = {line.ticket_id: line for line in lines}
        invoices = self.env["account.move"]
        to_invoice = lines.filtered(lambda line: line.ticket_id in eligible)
        for group_work_lines, group in to_invoice.grouped("group_work_lines").items():
            invoices |= group.ticket_id.with_context(
                helpdesk_invoice_run_id=run.id
            )._create_invoices(
                group_by_partner=run.group_by_partner,
                group_work_lines=group_work_lines,
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
        """Lock the tickets of these lines, or have queue_job retry later.

        ``NOWAIT``: a ticket held by another transaction (a clerk invoicing it
        by hand, another job) fails at once instead of blocking a worker, and
        a ticket changed since this job began cannot be locked at all; both
        are a ``RetryableJobError``, which queue_job retries after a pause.
        """
        try:
            with self.env.cr.savepoint(flush=False):
                # Row locks: the ORM has no word for them.
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM helpdesk_ticket WHERE id IN %s "
                        "FOR NO KEY UPDATE NOWAIT",
                        tuple(self.ticket_id.ids),
                    ),
                    log_exceptions=False,
                )
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure) as exc:
            raise RetryableJobError(
                self.env._(
                    "Some tickets of this batch are being changed or invoiced by "
                    "someone else: tried again in %(seconds)s seconds.",
                    seconds=RETRY_SECONDS,
                ),
                seconds=RETRY_SECONDS,
            ) from exc
        # What a transaction that committed before the lock changed.
        self.invalidate_recordset()
        self.ticket_id.invalidate_recordset()
        self.ticket_id.work_line_ids.invalidate_recordset()

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
    def _get_ticket_holders(self, tickets):
        """The tickets among these that a background run has yet to invoice.

        The lines of the run that is asking (context key
        ``helpdesk_invoice_run_id``) do not count.

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
        current_run = self.env.context.get("helpdesk_invoice_run_id")
        if current_run:
            domain.append(("run_id", "!=", current_run))
        # sudo: a clerk must learn that a ticket is held even by a run of a
        # company they do not work in; only the run's name is shown.
        groups = self.sudo()._read_group(domain, groupby=["ticket_id", "run_id"])
        return {
            ticket.with_env(tickets.env): run.with_env(tickets.env)
            for ticket, run in groups
        }
