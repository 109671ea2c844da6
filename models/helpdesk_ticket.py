# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_date


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    billing_state = fields.Selection(
        selection=[
            ("no", "Not Billable"),
            ("to_invoice", "To Invoice"),
            ("invoiced", "Invoiced"),
        ],
        required=True,
        default="to_invoice",
        copy=False,
        tracking=True,
        index=True,
        help="To Invoice: the ticket's work is billed once the ticket is closed. "
        "Invoiced: its work lines are on a customer invoice. "
        "Not Billable: the ticket is never invoiced.",
        groups="base.group_user",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Currency of the work lines' prices and of the invoice.",
        groups="base.group_user",
    )
    work_line_ids = fields.One2many(
        comodel_name="helpdesk.ticket.work.line",
        inverse_name="ticket_id",
        string="Work Lines",
        copy=False,
        groups="base.group_user",
    )
    work_hours_total = fields.Float(
        string="Hours to Invoice",
        compute="_compute_work_totals",
        groups="base.group_user",
    )
    work_amount_total = fields.Monetary(
        string="Work Amount",
        compute="_compute_work_totals",
        groups="base.group_user",
    )
    invoice_ids = fields.Many2many(
        comodel_name="account.move",
        string="Invoices",
        compute="_compute_invoice_ids",
        groups="base.group_user",
    )
    invoice_count = fields.Integer(
        compute="_compute_invoice_ids", groups="base.group_user"
    )

    @api.depends("company_id")
    def _compute_currency_id(self):
        for ticket in self:
            ticket.currency_id = ticket.company_id.currency_id

    @api.depends("work_line_ids.quantity", "work_line_ids.price_subtotal")
    def _compute_work_totals(self):
        for ticket in self:
            ticket.work_hours_total = sum(ticket.work_line_ids.mapped("quantity"))
            ticket.work_amount_total = sum(
                ticket.work_line_ids.mapped("price_subtotal")
            )

    @api.depends("work_line_ids.invoice_id")
    def _compute_invoice_ids(self):
        for ticket in self:
            invoices = ticket.work_line_ids.invoice_id.filtered(
                lambda move: move.move_type == "out_invoice"
            )
            ticket.invoice_ids = invoices
            ticket.invoice_count = len(invoices)

    def action_view_invoices(self):
        """Open the customer invoices of these tickets."""
        return self.invoice_ids._get_helpdesk_invoices_action()

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------

    @api.model
    def _get_invoiceable_domain(self):
        """Domain of the tickets that are ready to invoice.

        It is a pre-selection (the wizard's default when nothing is selected):
        ``_get_invoicing_issues`` remains the authority on each ticket.
        """
        return [
            ("stage_id.closed", "=", True),
            ("billing_state", "=", "to_invoice"),
            ("work_line_ids", "any", [("invoice_line_id", "=", False)]),
        ]

    def _get_invoice_work_lines(self):
        """The work lines of these tickets that an invoice would bill now."""
        return self.work_line_ids.filtered(lambda line: not line.invoice_line_id)

    def _get_invoicing_issues(self):
        """Why each of these tickets cannot be invoiced now.

        :return: ``{ticket: reason}`` for every ticket that must be skipped;
            the tickets missing from it are eligible.
        """
        self._fetch_work_lines()
        issues = {}
        bad_products = {}
        lines_by_company = self._get_invoice_work_lines().grouped("company_id")
        for company, lines in lines_by_company.items():
            products = lines.product_id.with_company(company)
            for product, reason in products._get_helpdesk_invoicing_issues().items():
                bad_products[company, product.id] = reason
        journal_companies = self._get_companies_with_sale_journal()
        for ticket in self:
            reason = ticket._get_ticket_invoicing_issue(bad_products, journal_companies)
            if reason:
                issues[ticket] = reason
        issues.update(self._get_invoice_run_issues())
        return issues

    def _get_invoice_run_issues(self):
        """The tickets among these that a background invoicing run holds.

        A ticket waiting in a run's job belongs to that run until its job has
        run: another run, or the pop-up, skips it (one query).

        :return: ``{ticket: reason}``
        """
        holders = self.env["helpdesk.ticket.invoice.run.line"]._get_ticket_holders(self)
        return {
            ticket: self.env._(
                "%(ticket)s is being invoiced in the background by %(run)s: wait "
                "for that run to end.",
                ticket=ticket.display_name,
                run=run.sudo().display_name,  # sudo: its name only
            )
            for ticket, run in holders.items()
        }

    def _split_invoiceable(self):
        """Split these tickets into those to invoice and those to skip.

        :return: ``(tickets to invoice, {skipped ticket: reason})``
        """
        issues = self._get_invoicing_issues()
        skipped = self.browse([ticket.id for ticket in issues])
        return self - skipped, issues

    def _fetch_work_lines(self):
        """Read the work lines of these tickets in one query.

        Read through ``work_line_ids``, they would come 1,000 at a time, and
        again for each group of fields: 16 queries for a month of 2,000
        tickets instead of one.
        """
        self.env["helpdesk.ticket.work.line"].search_fetch(
            [("ticket_id", "in", self.ids)],
            [
                "ticket_id",
                "company_id",
                "date",
                "product_id",
                "name",
                "quantity",
                "price_unit",
                "invoice_line_id",
                "invoice_id",
            ],
        )

    def _get_ticket_invoicing_issue(self, bad_products, journal_companies):
        """The reason this one ticket cannot be invoiced, or ``False``.

        :param dict bad_products: ``{(company, product id): reason}`` for the
            services that cannot be billed
        :param journal_companies: companies that have a sales journal
        """
        self.ensure_one()
        ticket = self.display_name
        if not self.stage_id.closed:
            return self.env._(
                "%(ticket)s is not closed: move it to a closed stage first.",
                ticket=ticket,
            )
        if self.billing_state == "no":
            return self.env._(
                "%(ticket)s is marked Not Billable: set its Billing State to "
                "To Invoice if its work should be billed.",
                ticket=ticket,
            )
        if self.billing_state == "invoiced":
            return self.env._(
                "%(ticket)s is already invoiced: set its Billing State back to "
                "To Invoice to bill work lines added since.",
                ticket=ticket,
            )
        customer = self.commercial_partner_id
        if not customer:
            return self.env._(
                "%(ticket)s has no customer: set its Contact.",
                ticket=ticket,
            )
        if not customer.active:
            return self.env._(
                "%(ticket)s: its customer %(customer)s is archived: restore the "
                "customer or change the ticket's Contact.",
                ticket=ticket,
                customer=customer.display_name,
            )
        if self.company_id not in journal_companies:
            return self.env._(
                "%(ticket)s: company %(company)s has no sales journal: create one "
                "in Invoicing > Configuration > Journals.",
                ticket=ticket,
                company=self.company_id.display_name,
            )
        lines = self._get_invoice_work_lines()
        if not lines:
            return self.env._(
                "%(ticket)s has no work line left to invoice: log the work done "
                "in its Work Lines tab.",
                ticket=ticket,
            )
        for line in lines:
            # The date is formatted only for a message: most lines have none.
            if not line.product_id:
                return self.env._(
                    "%(ticket)s: the work line of %(date)s has no service: "
                    "choose the service on the line.",
                    ticket=ticket,
                    date=format_date(self.env, line.date),
                )
            if line.quantity <= 0:
                return self.env._(
                    "%(ticket)s: the work line of %(date)s has no hours to "
                    "invoice: enter the hours, or delete the line.",
                    ticket=ticket,
                    date=format_date(self.env, line.date),
                )
            product_issue = bad_products.get((self.company_id, line.product_id.id))
            if product_issue:
                return self.env._(
                    "%(ticket)s: the work line of %(date)s: %(reason)s",
                    ticket=ticket,
                    date=format_date(self.env, line.date),
                    reason=product_issue,
                )
        return False

    def _get_companies_with_sale_journal(self):
        """Companies of these tickets that have a sales journal (one query)."""
        journals = (
            self.env["account.journal"]
            .sudo()  # only reads which companies have one; nothing is returned
            .search([("type", "=", "sale"), ("company_id", "in", self.company_id.ids)])
        )
        return journals.company_id

    def _nothing_to_invoice_error_message(self, issues):
        """Message of the error raised when no selected ticket is eligible."""
        return self.env._(
            "There is nothing to invoice among the selected tickets:\n%(reasons)s",
            reasons="\n".join(f"- {reason}" for reason in issues.values()),
        )

    @api.model
    def _get_invoice_grouping_keys(self):
        """Ticket fields whose values must be equal on one invoice."""
        return ["company_id", "commercial_partner_id", "currency_id"]

    def _get_invoice_grouping_key(self, group_by_partner):
        """Key of the invoice this ticket goes on: equal keys share an invoice."""
        self.ensure_one()
        key = tuple(self[field] for field in self._get_invoice_grouping_keys())
        return key if group_by_partner else (*key, self)

    def _get_invoice_partner(self):
        """The customer's invoice address (the customer itself if it has none)."""
        customer = self.commercial_partner_id[:1]
        return self.env["res.partner"].browse(
            customer.address_get(["invoice"])["invoice"]
        )

    def _prepare_invoice(self):
        """Values of the draft customer invoice billing these tickets.

        Called on the tickets of one invoice (one grouping key). Taxes,
        accounts, fiscal position and payment terms are left to the standard
        computes of ``account.move`` for that customer and company.
        """
        first = self[:1]
        return {
            "move_type": "out_invoice",
            "partner_id": self._get_invoice_partner().id,
            "company_id": first.company_id.id,
            "currency_id": first.currency_id.id,
            "invoice_origin": ", ".join(self.mapped("number")),
            "invoice_line_ids": [],
        }

    def _prepare_invoice_section(self):
        """The section line that introduces this ticket's lines."""
        self.ensure_one()
        return {"display_type": "line_section", "name": self.display_name}

    def _lock_for_invoicing(self):
        """Lock these tickets' rows until the transaction ends.

        A second user invoicing one of them at the same moment gets a clear
        error naming the tickets, instead of a second invoice for the same
        work or a wait. Technicians may still add work lines meanwhile: the
        lock does not block the keys their lines refer to.
        """
        if not self:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                # SKIP LOCKED: the rows another transaction holds are left out,
                # which tells which tickets are busy, in one query.
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM helpdesk_ticket WHERE id IN %s "
                        "FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(self.ids),
                    ),
                    log_exceptions=False,
                )
                locked_ids = {row[0] for row in self.env.cr.fetchall()}
        except pg_errors.SerializationFailure as exc:
            # Changed and committed by someone else since this transaction began.
            raise UserError(self._get_changed_meanwhile_message()) from exc
        busy = self.filtered(lambda ticket: ticket.id not in locked_ids)
        if busy:
            raise UserError(busy._get_being_invoiced_message())
        # Re-read what a concurrent transaction may have changed before the lock.
        self.invalidate_recordset()
        self.work_line_ids.invalidate_recordset()

    def _create_invoices(self, group_by_partner=False, group_work_lines=False):
        """Invoice the eligible tickets among these, skipping the others.

        :param bool group_by_partner: one invoice per customer (and company and
            currency) instead of one per ticket
        :param bool group_work_lines: merge, within each ticket, the work lines
            of the same service and price into one line
        :return: the draft customer invoices created (``account.move``)
        :raise UserError: when none of the tickets can be invoiced
        """
        self.env["account.move"].check_access("create")
        self.check_access("write")
        self._lock_for_invoicing()
        tickets, issues = self._split_invoiceable()
        if not tickets:
            raise UserError(self._nothing_to_invoice_error_message(issues))

        invoice_vals_list = tickets._prepare_invoices_values(
            group_by_partner, group_work_lines
        )
        links = self._pop_work_line_links(invoice_vals_list)
        invoices = self._create_invoice_moves(invoice_vals_list)
        self._link_work_lines(invoices, links)
        # The note of _log_invoices says it: no tracking message per ticket.
        tickets.with_context(mail_notrack=True).write({"billing_state": "invoiced"})
        tickets._log_invoices(invoices)
        return invoices

    def _prepare_invoices_values(self, group_by_partner, group_work_lines):
        """Values of every invoice that bills these eligible tickets.

        One dict per grouping key, ready for one ``account.move.create()``;
        each line is numbered (``sequence``) in the order of its invoice, and
        says which work lines it bills in ``helpdesk_work_line_ids``.
        """
        # One query per level of contacts under the customers, that the search
        # of the invoice addresses would otherwise read customer by customer.
        contacts = self.commercial_partner_id
        while contacts:
            contacts = contacts.child_ids.filtered(lambda c: not c.is_company)
        journals = self._get_invoice_journals()
        no_analytic_model = not self._get_analytic_distribution_models()
        groups = self.sorted(lambda t: (t.number or "", t.id)).grouped(
            lambda ticket: ticket._get_invoice_grouping_key(group_by_partner)
        )
        invoice_vals_list = []
        for group in groups.values():
            invoice_vals = group._prepare_invoice()
            # Else account.move searches the same journal invoice by invoice.
            invoice_vals.setdefault(
                "journal_id", journals[group.company_id[:1], group.currency_id[:1]].id
            )
            lang = group._get_invoice_partner().lang or self.env.lang
            for ticket in group:
                lines = ticket._get_invoice_work_lines()
                invoice_vals["invoice_line_ids"] += [
                    Command.create(vals)
                    for vals in [ticket._prepare_invoice_section()]
                    + lines._prepare_invoice_lines(group_work_lines, lang)
                ]
            for sequence, command in enumerate(invoice_vals["invoice_line_ids"], 1):
                line_vals = command[2]
                line_vals["sequence"] = sequence
                if no_analytic_model and line_vals.get("display_type") == "product":
                    # What account.move.line would find, one search per line.
                    line_vals.setdefault("analytic_distribution", False)
            invoice_vals_list.append(invoice_vals)
        return invoice_vals_list

    def _get_invoice_journals(self):
        """The sales journal of the invoices of these tickets.

        The journal ``account.move`` itself would choose, chosen once per
        company and currency rather than once per invoice.

        :return: ``{(company, currency): journal}``
        """
        Move = self.env["account.move"]
        return {
            (company, currency): Move.with_company(company)
            .new(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "currency_id": currency.id,
                }
            )
            ._search_default_journal()
            for company, currency in {(t.company_id, t.currency_id) for t in self}
        }

    def _get_analytic_distribution_models(self):
        """The analytic distribution models that may apply to these invoices."""
        return (
            self.env["account.analytic.distribution.model"]
            .sudo()  # only tells whether any exists; nothing is returned to the user
            .search([("company_id", "in", [*self.company_id.ids, False])], limit=1)
        )

    @api.model
    def _create_invoice_moves(self, invoice_vals_list):
        """Create the invoices: one ``create()``, or two when statistics are stale.

        When PostgreSQL's statistics describe ``account_move_line`` as (nearly)
        empty, as autovacuum leaves them after rolled-back batches or deleted
        test invoices on a young database, the planner runs the payment-state
        query of every invoice creation as a cross join of the journal items:
        minutes instead of seconds. Then ``ANALYZE`` refreshes them first; if
        the table still has no line to count, a first small batch gives it some
        (``ANALYZE`` counts the lines this transaction made) before the rest.
        """
        Move = self.env["account.move"].with_context(default_move_type="out_invoice")
        first_batch = 20
        if not self._journal_item_statistics_stale():
            return Move.create(invoice_vals_list)
        self._analyze_journal_items()
        if (
            len(invoice_vals_list) <= first_batch
            or not self._journal_item_statistics_stale()
        ):
            return Move.create(invoice_vals_list)
        invoices = Move.create(invoice_vals_list[:first_batch])
        self._analyze_journal_items()
        return invoices + Move.create(invoice_vals_list[first_batch:])

    @api.model
    def _journal_item_statistics_stale(self):
        """Whether the planner sees fewer journal items than table pages.

        A table that was never analyzed (``reltuples = -1``) or is truly
        empty (no page) is estimated from its real size: no trap there.
        """
        self.env.cr.execute(
            "SELECT reltuples, relpages FROM pg_class "
            "WHERE oid = 'account_move_line'::regclass"
        )
        reltuples, relpages = self.env.cr.fetchone()
        return relpages > 0 and 0 <= reltuples < relpages

    @api.model
    def _analyze_journal_items(self):
        self.env.flush_all()
        self.env.cr.execute("ANALYZE account_move_line")

    @api.model
    def _pop_work_line_links(self, invoice_vals_list):
        """Take the work line links out of the invoice values.

        Left in the values, ``create()`` would write them one invoice line at
        a time in the middle of Odoo's invoice creation; taken out, the values
        are the plain invoice values (the benchmark's floor creates the very
        same), and ``_link_work_lines`` writes the links after the one
        ``create()``, flushed together.

        :return: ``[{line sequence: work line ids}]``, one dict per invoice
        """
        links = []
        for invoice_vals in invoice_vals_list:
            invoice_links = {}
            for command in invoice_vals["invoice_line_ids"]:
                line_vals = command[2]
                ids = []
                for link in line_vals.pop("helpdesk_work_line_ids", ()):
                    if link[0] == Command.SET:
                        ids += link[2]
                    else:  # Command.link, the one _prepare_invoice_line*() use
                        ids.append(link[1])
                if ids:
                    invoice_links[line_vals["sequence"]] = ids
            links.append(invoice_links)
        return links

    @api.model
    def _link_work_lines(self, invoices, links):
        """Put the work lines on the invoice lines made for them.

        One ``UPDATE`` for every work line of the batch: through the ORM it
        would be one ``write()`` per invoice line (8,000 for a month of 2,000
        tickets, a tenth of the add-on's own time). What the ORM would check
        is checked here: the user may link work lines to invoices (the guard
        of ``write``), and no stored field depends on the link; the caches of
        the fields that do are invalidated.

        :param invoices: the invoices created from the values, in their order
        :param list links: ``[{line sequence: work line ids}]`` from
            ``_pop_work_line_links``
        """
        line_ids = {
            (line.move_id.id, line.sequence): line.id
            for line in invoices.invoice_line_ids
        }
        rows = [
            (work_line_id, line_ids[invoice.id, sequence], invoice.id)
            for invoice, invoice_links in zip(invoices, links, strict=True)
            for sequence, work_line_ids in invoice_links.items()
            for work_line_id in work_line_ids
        ]
        work_lines = self.env["helpdesk.ticket.work.line"].browse(
            [row[0] for row in rows]
        )
        work_lines._check_invoice_link_access()
        work_lines.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE helpdesk_ticket_work_line AS work_line
                   SET invoice_line_id = link.invoice_line_id,
                       invoice_id = link.invoice_id,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM (VALUES %(rows)s) AS link(id, invoice_line_id, invoice_id)
                 WHERE work_line.id = link.id
                """,
                uid=self.env.uid,
                now=fields.Datetime.now(),
                rows=SQL(", ").join(SQL("(%s, %s, %s)", *row) for row in rows),
            )
        )
        work_lines.invalidate_recordset(
            ["invoice_line_id", "invoice_id", "write_uid", "write_date"]
        )
        invoices.invoice_line_ids.invalidate_recordset(["helpdesk_work_line_ids"])
        invoices.invalidate_recordset(["helpdesk_ticket_ids", "helpdesk_ticket_count"])
        work_lines.ticket_id.invalidate_recordset(["invoice_ids", "invoice_count"])

    def _get_being_invoiced_message(self):
        """Error for these tickets, locked by another user's invoicing."""
        return self.env._(
            "%(tickets)s: someone else is invoicing these tickets right now. "
            "Wait a moment, reload the list and try again.",
            tickets=", ".join(self.mapped("display_name")),
        )

    def _get_changed_meanwhile_message(self):
        """Error when tickets were changed by someone else during the request."""
        return self.env._(
            "Some of the selected tickets were changed by someone else in the "
            "meantime (invoiced, perhaps): reload the list and try again."
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced_work(self):
        # The database deletes work lines with their ticket, past their own lock.
        billed = self.work_line_ids.filtered("invoice_line_id")[:1]
        if billed:
            raise UserError(billed.ticket_id._get_unlink_invoiced_message(billed))

    def _get_unlink_invoiced_message(self, billed_line):
        """Why this ticket cannot be deleted while its work is on an invoice."""
        self.ensure_one()
        return self.env._(
            "%(ticket)s cannot be deleted: its work is billed on invoice "
            "%(invoice)s. Cancel the invoice or reverse it with a credit note "
            "first, or archive the ticket's stage instead.",
            ticket=self.display_name,
            # sudo: only the name of the invoice is shown.
            invoice=billed_line.invoice_id.sudo().display_name,
        )

    def _reopen_after_release(self, labels, event):
        """Tell these tickets that work lines of theirs left an invoice.

        The invoiced tickets with no work line left on any invoice go back to
        To Invoice; each ticket's chatter says what happened. One query for
        the work lines still billed, one write, one batch of notes.

        :param dict labels: ``{ticket: invoice names or links (Markup)}``
        :param str event: ``deleted``, ``cancelled``, ``reversed`` or
            ``line_removed``
        """
        still_billed = self.env["helpdesk.ticket.work.line"]._read_group(
            [("ticket_id", "in", self.ids), ("invoice_line_id", "!=", False)],
            groupby=["ticket_id"],
        )
        still_billed_ids = {ticket.id for (ticket,) in still_billed}
        to_reopen = self.filtered(
            lambda ticket: ticket.billing_state == "invoiced"
            and ticket.id not in still_billed_ids
        )
        # The note below says it: no separate tracking message per ticket.
        to_reopen.with_context(mail_notrack=True).write({"billing_state": "to_invoice"})
        self._message_log_batch(
            bodies={
                ticket.id: ticket._get_release_message(
                    labels[ticket], event, ticket in to_reopen
                )
                for ticket in self
            }
        )

    def _get_release_message(self, invoices, event, reopened):
        """The chatter note of a ticket whose work lines left ``invoices``."""
        self.ensure_one()
        if event == "deleted":
            what = self.env._(
                "Invoice %(invoices)s was deleted: its work lines on this ticket "
                "are no longer invoiced.",
                invoices=invoices,
            )
        elif event == "cancelled":
            what = self.env._(
                "Invoice %(invoices)s was cancelled: its work lines on this "
                "ticket are no longer invoiced.",
                invoices=invoices,
            )
        elif event == "reversed":
            what = self.env._(
                "Invoice %(invoices)s was fully reversed by a credit note: its "
                "work lines on this ticket are no longer invoiced.",
                invoices=invoices,
            )
        else:
            what = self.env._(
                "Lines were removed from invoice %(invoices)s: the work lines "
                "they billed on this ticket are no longer invoiced.",
                invoices=invoices,
            )
        if reopened:
            then = self.env._("The ticket is To Invoice again.")
        elif self.billing_state == "invoiced":
            then = self.env._(
                "The ticket stays Invoiced: other work lines of it are still "
                "on an invoice. Set its Billing State to To Invoice to bill the "
                "released ones again."
            )
        else:
            then = ""
        return Markup(" ").join(part for part in (what, then) if part)

    def _log_invoices(self, invoices):
        """Link tickets and invoices in both chatters, one batch each."""
        ticket_bodies = {
            ticket.id: self.env._(
                "Invoiced on %(invoices)s",
                invoices=html_links(ticket.work_line_ids.invoice_id & invoices),
            )
            for ticket in self
        }
        self._message_log_batch(bodies=ticket_bodies)
        invoice_bodies = {
            invoice.id: self.env._(
                "Bills the helpdesk tickets %(tickets)s",
                tickets=html_links(invoice.helpdesk_ticket_ids),
            )
            for invoice in invoices
        }
        invoices._message_log_batch(bodies=invoice_bodies)


def html_links(records):
    """Comma-separated HTML links to records, for a chatter message."""
    return Markup(", ").join(record._get_html_link() for record in records)
