# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import datetime, time, timedelta

from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .row_lock import lock_rows

_logger = logging.getLogger(__name__)

# The queue_job channel of the invoicing jobs (data/queue_job_data.xml).
CHANNEL = "root.helpdesk_invoicing"
# The bus notification that a run ended (static/src/views/invoice_run.esm.js).
RUN_END_NOTIFICATION = "helpdesk_mgmt_invoicing/run_end"
# Default size of a job, in tickets: a job of a few seconds, far within a
# worker's time limit (benchmarks/RESULTS.md, "Background runs"). System
# parameter helpdesk_mgmt_invoicing.job_size.
DEFAULT_JOB_SIZE = 100


def positive_int_parameter(env, key, default):
    """A technical setting of the add-on: a system parameter, a whole number
    of at least 1."""
    # sudo: a technical setting, read only.
    value = env["ir.config_parameter"].sudo().get_param(key, default)
    return max(1, int(value))


class HelpdeskTicketInvoiceRun(models.Model):
    """A batch of tickets invoiced in the background by queue jobs.

    Started from the pop-up (Run in background) or by the daily schedule. Its
    tickets are split into jobs by invoice grouping key (one customer's
    invoice never spans two jobs); each job commits what it invoiced. The
    run's state and counts are read from its lines, which the jobs update:
    nothing else is written while it runs, so jobs never wait for each other.
    """

    _name = "helpdesk.ticket.invoice.run"
    _description = "Helpdesk Invoicing Run"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Started By",
        default=lambda self: self.env.user,
        readonly=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        readonly=True,
        help="The company of its tickets; empty when they belong to several.",
    )
    origin = fields.Selection(
        selection=[("manual", "Started by hand"), ("schedule", "Scheduled invoicing")],
        required=True,
        default="manual",
        readonly=True,
    )
    group_by_partner = fields.Boolean(string="Group tickets by customer", readonly=True)
    group_work_lines = fields.Boolean(
        string="Group work lines",
        readonly=True,
        help="Scheduled runs group the work lines of the customers who ask for "
        "it (see each line).",
    )
    attach_intervention_reports = fields.Boolean(
        string="Attach intervention reports", readonly=True
    )
    line_ids = fields.One2many(
        comodel_name="helpdesk.ticket.invoice.run.line",
        inverse_name="run_id",
        string="Tickets of the Run",
        readonly=True,
    )
    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets",
        compute="_compute_ticket_ids",
        search="_search_ticket_ids",
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        compute="_compute_progress",
    )
    state = fields.Selection(
        selection=[("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        compute="_compute_progress",
        search="_search_state",
    )
    ticket_count = fields.Integer(compute="_compute_progress")
    ticket_done_count = fields.Integer(
        string="Tickets Invoiced", compute="_compute_progress"
    )
    ticket_skipped_count = fields.Integer(
        string="Tickets Skipped",
        compute="_compute_progress",
        help="Skipped, or in a batch whose job failed.",
    )
    ticket_remaining_count = fields.Integer(
        string="Tickets Remaining", compute="_compute_progress"
    )
    invoice_count = fields.Integer(compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress")
    job_count = fields.Integer(
        string="Jobs", readonly=True, help="Number of background jobs it was split in."
    )
    end_date = fields.Datetime(
        readonly=True, help="When the end of the run was announced."
    )

    @api.depends("line_ids.ticket_id")
    def _compute_ticket_ids(self):
        for run in self:
            run.ticket_ids = run.line_ids.ticket_id

    def _search_ticket_ids(self, operator, value):
        return [("line_ids.ticket_id", operator, value)]

    @api.depends("line_ids.state", "line_ids.invoice_id")
    def _compute_progress(self):
        counts = {
            (run.id, state): count
            for run, state, count in self.env[
                "helpdesk.ticket.invoice.run.line"
            ]._read_group(
                [("run_id", "in", self.ids)],
                groupby=["run_id", "state"],
                aggregates=["__count"],
            )
        }
        invoices = {
            run.id: moves
            for run, moves in self.env["helpdesk.ticket.invoice.run.line"]._read_group(
                [("run_id", "in", self.ids), ("invoice_id", "!=", False)],
                groupby=["run_id"],
                aggregates=["invoice_id:recordset"],
            )
        }
        for run in self:
            done = counts.get((run.id, "invoiced"), 0)
            failed = counts.get((run.id, "failed"), 0)
            skipped = counts.get((run.id, "skipped"), 0) + failed
            remaining = counts.get((run.id, "pending"), 0)
            total = done + skipped + remaining
            run.ticket_count = total
            run.ticket_done_count = done
            run.ticket_skipped_count = skipped
            run.ticket_remaining_count = remaining
            run.progress = 100.0 * (done + skipped) / total if total else 100.0
            run.invoice_ids = invoices.get(run.id, self.env["account.move"])
            run.invoice_count = len(run.invoice_ids)
            if remaining:
                run.state = "running"
            elif failed:
                run.state = "failed"
            else:
                run.state = "done"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the run's state."))
        states = {value} if isinstance(value, str) else set(value)
        if operator in ("!=", "not in"):
            states = {"running", "done", "failed"} - states
        pending = ("line_ids", "any", [("state", "=", "pending")])
        failed = ("line_ids", "any", [("state", "=", "failed")])
        domains = {
            "running": [pending],
            "failed": ["!", pending, failed],
            "done": ["!", pending, "!", failed],
        }
        result = []
        for state in states:
            result = ["|", *result, *domains[state]] if result else domains[state]
        return result or [("id", "=", False)]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(self._name) or "/"
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_invoices(self):
        """Open the invoices this run made."""
        self.ensure_one()
        return self.invoice_ids._get_helpdesk_invoices_action()

    def _get_form_action(self):
        """The action that opens this run, as the Invoicing Runs menu does:
        its own address (/odoo/helpdesk-invoicing-runs/<id>) and breadcrumb,
        not those of the screen it was started from."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt_invoicing.helpdesk_ticket_invoice_run_action"
        )
        action.update(
            {
                "res_id": self.id,
                "view_mode": "form",
                "views": [(False, "form")],
                # A new breadcrumb: the ticket it was started from is behind.
                "target": "main",
                # Not the pop-up's record, which the web client would put in
                # the address (/odoo/<pop-up id>/helpdesk-invoicing-runs/...).
                "context": {"active_id": False, "active_ids": []},
            }
        )
        return action

    def action_view_jobs(self):
        """Open the queue jobs of this run (queue job managers)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "queue_job.action_queue_job"
        )
        action.update(
            {
                "domain": self._get_jobs_domain(),
                "context": {},
            }
        )
        return action

    def _get_jobs_domain(self):
        """The queue jobs of this run: those of its batches (identity keys)."""
        self.ensure_one()
        return [("identity_key", "=like", f"{self._name},{self.id},batch %")]

    # ------------------------------------------------------------------
    # Starting a run
    # ------------------------------------------------------------------

    @api.model
    def _start(
        self,
        tickets,
        group_by_partner=False,
        group_work_lines=False,
        origin="manual",
        attach_intervention_reports=False,
    ):
        """Start invoicing these tickets in the background.

        The tickets that cannot be invoiced now are recorded as skipped, with
        their reason; the others are split into jobs (``_split_in_batches``)
        that ``queue_job`` runs.

        :param group_work_lines: ``True``/``False`` for every ticket, or
            ``"customer"``: as set on each customer
            (``helpdesk_invoicing_group_work_lines``)
        :param bool attach_intervention_reports: attach to each invoice the
            intervention reports of the tickets it bills
        :return: the run
        :raise UserError: when none of the tickets can be invoiced
        """
        self.env["account.move"].check_access("create")
        self.check_access("create")
        tickets.check_access("write")
        eligible, issues = tickets._split_invoiceable()
        if not eligible:
            raise UserError(tickets._nothing_to_invoice_error_message(issues))
        batches = self._split_in_batches(eligible, group_by_partner)
        line_commands = []
        for number, batch in enumerate(batches, 1):
            for ticket in batch:
                if group_work_lines == "customer":
                    grouped = (
                        ticket.commercial_partner_id.helpdesk_invoicing_group_work_lines
                    )
                else:
                    grouped = bool(group_work_lines)
                line_commands.append(
                    Command.create(
                        {
                            "ticket_id": ticket.id,
                            "batch": number,
                            "group_work_lines": grouped,
                        }
                    )
                )
        line_commands += [
            Command.create(
                {"ticket_id": ticket.id, "state": "skipped", "reason": reason}
            )
            for ticket, reason in issues.items()
        ]
        companies = tickets.company_id
        run = self.create(
            {
                "origin": origin,
                "group_by_partner": group_by_partner,
                "group_work_lines": group_work_lines is True,
                "attach_intervention_reports": attach_intervention_reports,
                "company_id": companies.id if len(companies) == 1 else False,
                "job_count": len(batches),
            }
        )
        # sudo: a run's lines are its own record, read-only for users.
        run.sudo().line_ids = line_commands
        run._enqueue_jobs()
        return run

    @api.model
    def _split_in_batches(self, tickets, group_by_partner):
        """Split eligible tickets into the batches of one job each.

        The tickets of one invoice (one grouping key) stay together; keys are
        added to a batch until it holds about the job size (system parameter
        ``helpdesk_mgmt_invoicing.job_size``) in tickets. A key larger than
        that is a batch of its own.

        :return: a list of ticket recordsets
        """
        size = self._get_job_size()
        groups = tickets.sorted(
            lambda t: (t.commercial_partner_id.id, t.number or "", t.id)
        ).grouped(lambda ticket: ticket._get_invoice_grouping_key(group_by_partner))
        batches = []
        current = tickets.browse()
        for group in groups.values():
            if current and len(current) + len(group) > size:
                batches.append(current)
                current = tickets.browse()
            current |= group
        if current:
            batches.append(current)
        return batches

    @api.model
    def _get_job_size(self):
        """How many tickets one job invoices, about (a system parameter)."""
        return positive_int_parameter(
            self.env, "helpdesk_mgmt_invoicing.job_size", DEFAULT_JOB_SIZE
        )

    def _enqueue_jobs(self):
        """One queue job per batch of this run."""
        self.ensure_one()
        for batch, lines in (
            self.line_ids.filtered(lambda line: line.state == "pending")
            .grouped("batch")
            .items()
        ):
            job = lines.with_delay(
                channel=CHANNEL,
                description=self.env._(
                    "%(run)s: invoice batch %(batch)s of %(count)s",
                    run=self.name,
                    batch=batch,
                    count=self.job_count,
                ),
                identity_key=f"{self._name},{self.id},batch {batch}",
            )._invoice_batch()
            # sudo: a run's lines are its own record, read-only for users.
            lines.sudo().queue_job_id = job.db_record()

    def action_cancel(self):
        """Cancel what this run has not started: the jobs waiting to run are
        cancelled and their tickets released (invoiceable again at once); a
        job running now finishes, and the invoices made stay."""
        self.check_access("write")
        # sudo: invoicing users may not manage queue jobs; only this run's
        # jobs that have not started are cancelled.
        lines = self.sudo().line_ids.filtered(lambda line: line.state == "pending")
        jobs = lines.queue_job_id.filtered(lambda job: job.state != "started")
        jobs.button_cancelled()
        lines.filtered(lambda line: not line.queue_job_id)._release(
            self.env._("the run was cancelled by %(user)s", user=self.env.user.name)
        )
        return True

    # ------------------------------------------------------------------
    # The end of a run
    # ------------------------------------------------------------------

    def _finish_after_commit(self):
        """Once this transaction is committed, announce the run's end if it is.

        Every job calls it: the last one to commit sees every line done. Two
        jobs ending together may both see it; the one that records the end
        date first announces it.
        """
        run_id = self.id
        registry, uid, context = self.env.registry, self.env.uid, self.env.context

        def announce():
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, uid, context)
                    env[self._name].browse(run_id)._announce_end()
            except pg_errors.SerializationFailure:
                # Another job ending at the same moment announced it.
                _logger.debug("Invoicing run %s announced by another job", run_id)

        self.env.cr.postcommit.add(announce)

    def _announce_end(self):
        """If no ticket is left to invoice, say so on the run and to its user."""
        self.ensure_one()
        if self.end_date or self.state == "running":
            return
        # Of two jobs ending together, one announces: the other finds the run
        # locked, or (committed since it began) a serialization failure.
        if not lock_rows(self):
            return
        self.end_date = fields.Datetime.now()
        message = self._get_end_message()
        self.message_post(body=message, partner_ids=self.user_id.partner_id.ids)
        # The run's page reloads itself on it, and the notification opens
        # the invoices (static/src/views/invoice_run.esm.js).
        self.user_id._bus_send(
            RUN_END_NOTIFICATION,
            {
                "run_id": self.id,
                "type": "success" if self.state == "done" else "warning",
                "title": self.name,
                "message": message,
                "sticky": self.state != "done",
                "invoice_count": self.invoice_count,
            },
        )

    def _get_end_message(self):
        """What the run made, in one sentence."""
        self.ensure_one()
        if self.state == "failed":
            return self.env._(
                "Background invoicing ended with errors: %(invoices)s invoice(s) "
                "made for %(done)s ticket(s); %(skipped)s ticket(s) skipped or "
                "failed, see why in the run.",
                invoices=self.invoice_count,
                done=self.ticket_done_count,
                skipped=self.ticket_skipped_count,
            )
        return self.env._(
            "Background invoicing done: %(invoices)s invoice(s) made for "
            "%(done)s ticket(s); %(skipped)s ticket(s) skipped.",
            invoices=self.invoice_count,
            done=self.ticket_done_count,
            skipped=self.ticket_skipped_count,
        )

    # ------------------------------------------------------------------
    # Scheduled invoicing
    # ------------------------------------------------------------------

    @api.model
    def _cron_start_scheduled_run(self, today=None, last_call=None):
        """Daily: one run for the customers whose invoicing period ended.

        A period ends on Sundays (weekly) or on the last day of the month
        (monthly). The periods that ended since the last call (the day before
        today on a first call) are invoiced: the customer's tickets closed by
        the end of the period, grouped by customer.

        :param date today: for tests; default: today
        :param date last_call: for tests; default: the scheduled action's
            last call (``lastcall`` in the context)
        :return: the run, or an empty recordset when there is nothing to do
        """
        today = today or fields.Date.context_today(self)
        if last_call is None:
            last_call = self.env.context.get("lastcall")
            last_call = fields.Datetime.to_datetime(last_call)
            last_call = last_call.date() if last_call else today - timedelta(days=1)
        tickets = self.env["helpdesk.ticket"]
        Ticket = self.env["helpdesk.ticket"]
        Partner = self.env["res.partner"]
        for frequency in ("weekly", "monthly"):
            period_end = Partner._get_helpdesk_period_end(
                frequency, last_call, today - timedelta(days=1)
            )
            if not period_end:
                continue
            tickets |= Ticket.search(
                Ticket._get_invoiceable_domain()
                + [
                    (
                        "commercial_partner_id.helpdesk_invoicing_frequency",
                        "=",
                        frequency,
                    ),
                    (
                        "closed_date",
                        "<",
                        datetime.combine(period_end + timedelta(days=1), time.min),
                    ),
                ]
            )
        if not tickets:
            _logger.info("Scheduled helpdesk invoicing: no customer's period ended")
            return self.browse()
        try:
            return self._start(
                tickets,
                group_by_partner=True,
                group_work_lines="customer",
                origin="schedule",
            )
        except UserError as exc:
            _logger.info("Scheduled helpdesk invoicing: nothing to invoice: %s", exc)
            return self.browse()
