# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
import binascii
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime
from odoo.tools.image import base64_to_image
from odoo.tools.misc import formatLang

from ..db_statistics import create_with_fresh_statistics
from .helpdesk_ticket_invoice_run import CHANNEL as INVOICING_CHANNEL
from .helpdesk_ticket_invoice_run import positive_int_parameter
from .res_partner import PREPAID_GROUPS
from .row_lock import lock_rows

# Above this many tickets, the Print menu prints their intervention reports
# in a queue job; up to it, they print within Odoo's request time limit
# (limit_time_real): the figures are in benchmarks/RESULTS.md, "Documents".
# System parameter helpdesk_mgmt_invoicing.report_background_threshold.
DEFAULT_REPORT_BACKGROUND_THRESHOLD = 200
# The largest drawn signature accepted (decoded): the portal's signature pad
# makes PNGs of a few dozen kilobytes; anything far bigger is not a signature.
MAX_SIGNATURE_SIZE = 512 * 1024
REPORT_ACTION = "helpdesk_mgmt_invoicing.helpdesk_ticket_report_intervention_action"


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"
    # The longest invoice line name that e-invoices carry whole: FatturaPA's
    # Descrizione holds 1,000 characters (l10n_it_edi cuts the rest off).
    _invoice_line_name_size = 1000

    billable = fields.Boolean(
        default=True,
        copy=False,
        tracking=True,
        help="Untick to never invoice this ticket (Billing State: Not Billable).",
        groups="base.group_user",
    )
    billing_state = fields.Selection(
        selection=[
            ("no", "Not Billable"),
            ("to_invoice", "To Invoice"),
            ("invoiced", "Invoiced"),
        ],
        compute="_compute_billing_state",
        store=True,
        readonly=False,
        index=True,
        help="To Invoice: the ticket has work not billed yet; it is invoiced "
        "once it is closed. Invoiced: all its work is billed, net of credit "
        "notes. Not Billable: the ticket is never invoiced. Only Not Billable "
        "is your choice (untick Billable); To Invoice and Invoiced follow "
        "from the invoices that bill the ticket's work, so they cannot be "
        "chosen by hand.",
        groups="base.group_user",
    )
    billing_state_detail = fields.Selection(
        string="Billing State in Detail",
        selection=[
            ("no", "Not Billable"),
            ("waiting_approval", "Waiting Approval"),
            ("to_invoice_once_closed", "To Invoice Once Closed"),
            ("to_invoice", "To Invoice"),
            ("to_invoice_again", "To Invoice Again"),
            ("invoiced", "Invoiced"),
        ],
        compute="_compute_billing_state_detail",
        help="The Billing State told in detail, as the ticket list and form "
        "show it (Billing State is the stored one, which filters and groups): "
        "empty for a ticket "
        "with no work to bill. Waiting Approval: the company invoices "
        "approved work only, and some of the ticket's work to invoice is not "
        "approved yet. To Invoice Once Closed: the ticket has work to "
        "bill but is not closed yet, so invoicing skips it for now. To Invoice "
        "Again: the ticket was invoiced, and got new work since, or some of "
        "its billed work was released (its invoice cancelled or credited).",
        groups="base.group_user",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Currency of the work lines' prices and of the invoice: the one "
        "of the customer's pricelist, unless changed.",
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
    ready_to_invoice = fields.Boolean(
        string="Ready to Invoice",
        compute="_compute_ready_to_invoice",
        search="_search_ready_to_invoice",
        help="Closed, To Invoice, with work left to bill.",
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
    # The customer's signature of the intervention report: written only by
    # _sign_intervention_report (portal or "Sign Report"), cleared when the
    # work it signed changes.
    intervention_signed_by = fields.Char(
        string="Report Signed By",
        readonly=True,
        copy=False,
        help="Name of the person who signed the intervention report for the customer.",
    )
    intervention_signed_on = fields.Datetime(
        string="Report Signed On", readonly=True, copy=False
    )
    intervention_signature = fields.Image(
        string="Customer's Signature",
        readonly=True,
        copy=False,
        attachment=True,
        max_width=1024,
        max_height=1024,
    )
    intervention_sign_requested_on = fields.Datetime(
        string="Sent for Signature On",
        readonly=True,
        copy=False,
        help="When the intervention report was last sent to the customer to "
        "sign (Send for Signature).",
    )
    intervention_sign_reminded_on = fields.Datetime(
        string="Signature Reminder Sent On", readonly=True, copy=False
    )
    # The customer's dispute of the ticket's work, from the portal: the
    # ticket is not invoiced until someone resolves it (Resolve Dispute).
    work_disputed_on = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the customer disputed the work of this ticket from the "
        "portal. Invoicing skips the ticket until the dispute is resolved.",
    )
    work_dispute_comment = fields.Text(
        string="Customer's Dispute", readonly=True, copy=False
    )
    intervention_sign_state = fields.Selection(
        selection=[
            ("no_work", "No Work to Sign"),
            ("to_sign", "To Sign"),
            ("signed", "Signed"),
        ],
        string="Report Signature",
        compute="_compute_intervention_sign_state",
        help="To Sign: the ticket has work on its intervention report that the "
        "customer has not signed (or that changed since they signed). Signed: "
        "the customer signed the report as it stands.",
    )
    prepaid_hours_remaining = fields.Float(
        string="Prepaid Hours Left",
        compute="_compute_prepaid_hours_remaining",
        digits="Product Unit of Measure",
        groups=PREPAID_GROUPS,
        help="The hours left today in the customer's prepaid hours blocks of "
        "the ticket's company.",
    )

    def _compute_prepaid_hours_remaining(self):
        Block = self.env["helpdesk.prepaid.block"]
        today = fields.Date.context_today(self)
        # One search for all the tickets' customers, then per company.
        blocks = Block._get_usable_blocks_by_partner(
            self.commercial_partner_id, today, today
        )
        for ticket in self:
            ticket.prepaid_hours_remaining = blocks.get(
                ticket.commercial_partner_id, Block
            )._get_hours_left(today, ticket.company_id)

    @api.depends(
        "billable",
        "work_line_ids.qty_to_invoice",
        "work_line_ids.qty_invoiced",
    )
    def _compute_billing_state(self):
        for ticket in self:
            lines = ticket.work_line_ids
            if not ticket.billable:
                ticket.billing_state = "no"
            elif not any(lines.mapped("qty_to_invoice")) and any(
                line._is_billed() for line in lines
            ):
                ticket.billing_state = "invoiced"
            else:
                ticket.billing_state = "to_invoice"

    @api.depends("intervention_signed_on", "work_line_ids.billing_type")
    def _compute_intervention_sign_state(self):
        for ticket in self:
            if ticket.intervention_signed_on:
                ticket.intervention_sign_state = "signed"
            elif ticket.sudo()._get_intervention_report_lines():
                # sudo: whether work exists, for a customer who may not
                # read work lines; the lines themselves are not shown.
                ticket.intervention_sign_state = "to_sign"
            else:
                ticket.intervention_sign_state = "no_work"

    @api.depends(
        "billing_state",
        "stage_id.closed",
        "work_line_ids.quantity",
        "work_line_ids.qty_invoiced",
        "work_line_ids.billing_type",
        "work_line_ids.approval_state",
        "company_id.helpdesk_invoice_approved_only",
    )
    def _compute_billing_state_detail(self):
        # sudo: only tells whether the work was ever on an invoice, which
        # technicians may not read.
        invoiced_before = self.sudo().work_line_ids.filtered("invoice_line_ids")
        for ticket in self:
            lines = ticket.work_line_ids
            if not lines.filtered(lambda line: line._is_billable_work()):
                ticket.billing_state_detail = False
            elif ticket.billing_state == "to_invoice" and ticket._is_waiting_approval():
                ticket.billing_state_detail = "waiting_approval"
            elif ticket.billing_state == "to_invoice" and not ticket.stage_id.closed:
                # What invoicing will do: skip it until it is closed.
                ticket.billing_state_detail = "to_invoice_once_closed"
            elif ticket.billing_state == "to_invoice" and lines & invoiced_before:
                ticket.billing_state_detail = "to_invoice_again"
            else:
                ticket.billing_state_detail = ticket.billing_state

    def _is_waiting_approval(self):
        """Whether invoicing waits for some of this ticket's work to be
        approved (the company invoices approved work only)."""
        self.ensure_one()
        return any(
            line._is_waiting_approval() for line in self._get_invoice_work_lines()
        )

    @api.depends("company_id", "partner_id.commercial_partner_id")
    def _compute_currency_id(self):
        for ticket in self:
            if any(line._is_billed() for line in ticket.work_line_ids):
                # Billed work keeps the currency it was billed in.
                ticket.currency_id = ticket.currency_id
            else:
                ticket.currency_id = (
                    ticket._get_helpdesk_pricelist().currency_id
                    or ticket.company_id.currency_id
                )

    @api.depends(
        "work_line_ids.hours_to_invoice",
        "work_line_ids.price_subtotal",
    )
    def _compute_work_totals(self):
        for ticket in self:
            # Hours only: travel and parts are counted in their own unit, and
            # internal work (Not Billed) is never to invoice.
            ticket.work_hours_total = sum(
                ticket.work_line_ids.mapped("hours_to_invoice")
            )
            ticket.work_amount_total = sum(
                ticket.work_line_ids.mapped("price_subtotal")
            )

    @api.depends("stage_id.closed", "billing_state", "work_line_ids.qty_to_invoice")
    def _compute_ready_to_invoice(self):
        ready = self.filtered_domain(self._get_invoiceable_domain())
        for ticket in self:
            ticket.ready_to_invoice = ticket in ready

    def _search_ready_to_invoice(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        domain = self._get_invoiceable_domain()
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("work_line_ids.invoice_line_ids")
    def _compute_invoice_ids(self):
        for ticket in self:
            # sudo: which invoices bill the ticket; the smart button is shown
            # to invoicing users only.
            invoices = ticket.sudo().work_line_ids.invoice_line_ids.move_id
            ticket.invoice_ids = invoices.sorted("id")
            ticket.invoice_count = len(invoices)

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._convert_billing_state(vals) for vals in vals_list])

    def write(self, vals):
        self._check_billed_customer_unchanged(vals)
        return super().write(self._convert_billing_state(vals))

    def _check_billed_customer_unchanged(self, vals):
        """Refuse to change the customer, company or currency of tickets whose
        work is billed: the invoices bill that customer, in that currency."""
        if not {"partner_id", "company_id", "currency_id"}.intersection(vals):
            return
        Partner = self.env["res.partner"]
        for ticket in self:
            changes = []
            if "partner_id" in vals:
                customer = Partner.browse(vals["partner_id"]).commercial_partner_id
                if customer != ticket.commercial_partner_id:
                    changes.append(self._fields["partner_id"])
            for fname in ("company_id", "currency_id"):
                if fname in vals and vals[fname] != ticket[fname].id:
                    changes.append(self._fields[fname])
            if not changes:
                continue
            billed = ticket.work_line_ids.filtered(lambda line: line._is_billed())[:1]
            if billed:
                raise UserError(
                    self.env._(
                        "%(ticket)s: its work is billed on %(invoice)s, so its "
                        "%(fields)s can no longer change. Cancel the invoice or "
                        "reverse it with a credit note first, or open a new "
                        "ticket for the other customer.",
                        ticket=ticket.display_name,
                        # sudo: only the reference of the invoice is shown.
                        invoice=billed.invoice_id.sudo()._get_helpdesk_reference(),
                        fields=", ".join(
                            field._description_string(self.env) for field in changes
                        ),
                    )
                )

    @api.model
    def _convert_billing_state(self, vals):
        """The Billing State written by a user is a choice: billable or not.

        Whether a billable ticket is To Invoice or Invoiced is derived from
        its work lines, whatever is written.
        """
        if "billing_state" not in vals:
            return vals
        vals = dict(vals)
        vals["billable"] = vals.pop("billing_state") != "no"
        return vals

    def _get_helpdesk_pricelist(self):
        """The pricelist of the ticket's customer in the ticket's company (the
        one ``sale`` would propose), or none."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return customer.property_product_pricelist

    def action_view_invoices(self):
        """Open the customer invoices and credit notes of these tickets."""
        return self.invoice_ids._get_helpdesk_invoices_action()

    # ------------------------------------------------------------------
    # Eligibility
    # ------------------------------------------------------------------

    @api.model
    def _get_invoiceable_domain(self):
        """Domain of the tickets that are ready to invoice: the one definition
        used by the pop-up's default, the "Ready to Invoice" filter and the
        scheduled runs.

        It is a pre-selection: ``_get_invoicing_issues`` remains the authority
        on each ticket.
        """
        return [
            ("stage_id.closed", "=", True),
            ("billing_state", "=", "to_invoice"),
            ("work_line_ids", "any", [("qty_to_invoice", ">", 0)]),
        ]

    def _get_invoice_work_lines(self, without_unapproved=False):
        """The work lines of these tickets that an invoice would bill now.

        :param bool without_unapproved: leave out the work waiting for
            approval, where the company invoices approved work only
        """
        lines = self.work_line_ids.filtered(lambda line: line._has_hours_to_invoice())
        if without_unapproved:
            lines = lines.filtered(lambda line: not line._is_waiting_approval())
        return lines

    def _get_invoicing_issues(self, invoice_run=None, without_unapproved=False):
        """Why each of these tickets cannot be invoiced now.

        :param invoice_run: the background run that asks, whose own tickets
            it does not hold against itself (``helpdesk.ticket.invoice.run``)
        :param bool without_unapproved: invoice the approved work of a ticket
            whose other work waits for approval, instead of skipping it
        :return: ``{ticket: reason}`` for every ticket that must be skipped;
            the tickets missing from it are eligible.
        """
        self._fetch_work_lines()
        bad_products = {}
        lines_by_company = self._get_invoice_work_lines(without_unapproved).grouped(
            "company_id"
        )
        for company, lines in lines_by_company.items():
            products = lines.product_id.with_company(company)
            for product, reason in products._get_helpdesk_invoicing_issues().items():
                bad_products[company, product.id] = reason
        journal_companies = self._get_companies_with_sale_journal()
        issues = {}
        for ticket in self:
            reason = ticket._get_invoicing_issue(
                bad_products, journal_companies, without_unapproved
            )
            if reason:
                issues[ticket] = reason
        issues.update(self._get_invoice_run_issues(invoice_run))
        return issues

    def _get_invoice_run_issues(self, invoice_run=None):
        """The tickets among these that a background invoicing run holds.

        A ticket waiting in a run's job belongs to that run until its job has
        run: another run, or the pop-up, skips it (one query).

        :param invoice_run: the run that asks: its own hold does not count
        :return: ``{ticket: reason}``
        """
        holders = self.env["helpdesk.ticket.invoice.run.line"]._get_ticket_holders(
            self, except_run=invoice_run
        )
        return {
            ticket: self.env._(
                "%(ticket)s is being invoiced in the background by %(run)s: wait "
                "for that run to end.",
                ticket=ticket.display_name,
                run=run.sudo().display_name,  # sudo: its name only
            )
            for ticket, run in holders.items()
        }

    def _split_invoiceable(self, invoice_run=None, without_unapproved=False):
        """Split these tickets into those to invoice and those to skip.

        :param invoice_run: the background run that asks, if one does
        :param bool without_unapproved: see ``_get_invoicing_issues``
        :return: ``(tickets to invoice, {skipped ticket: reason})``
        """
        issues = self._get_invoicing_issues(invoice_run, without_unapproved)
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
                "billing_type",
                "product_uom_id",
                "qty_invoiced",
                "qty_to_invoice",
                "invoice_line_id",
                "approval_state",
            ],
        )

    def _get_invoicing_issue(
        self, bad_products, journal_companies, without_unapproved=False
    ):
        """The reason this one ticket cannot be invoiced, or ``False``: the
        first of its rules, each a method of its own.

        :param dict bad_products: ``{(company, product id): reason}`` for the
            services that cannot be billed
        :param journal_companies: companies that have a sales journal
        :param bool without_unapproved: see ``_get_invoicing_issues``
        """
        self.ensure_one()
        return (
            self._get_stage_issue()
            or self._get_billing_state_issue()
            or self._get_dispute_issue()
            or self._get_customer_issue()
            or self._get_journal_issue(journal_companies)
            or self._get_approval_issue(without_unapproved)
            or self._get_work_issue(bad_products, without_unapproved)
            or self._get_signature_issue()
        )

    def _get_stage_issue(self):
        if self.stage_id.closed:
            return False
        return self.env._(
            "%(ticket)s is not closed: move it to a closed stage first.",
            ticket=self.display_name,
        )

    def _get_billing_state_issue(self):
        if self.billing_state == "no":
            return self.env._(
                "%(ticket)s is marked Not Billable: tick Billable on the "
                "ticket if its work should be billed.",
                ticket=self.display_name,
            )
        if self.billing_state == "invoiced":
            return self.env._(
                "%(ticket)s is already invoiced: all its work is billed. Log new "
                "work on it to bill more.",
                ticket=self.display_name,
            )
        return False

    def _get_dispute_issue(self):
        if not self.work_disputed_on:
            return False
        return self.env._(
            "%(ticket)s: disputed by the customer on %(date)s: resolve the "
            "dispute (Resolve Dispute on the ticket) before invoicing it.",
            ticket=self.display_name,
            date=format_datetime(self.env, self.work_disputed_on),
        )

    def _get_signature_issue(self):
        """With the company's Invoice Signed Work Only: the customer has not
        signed the intervention report as it stands."""
        if (
            not self.company_id.helpdesk_invoice_signed_only
            or self.intervention_sign_state != "to_sign"
        ):
            return False
        return self.env._(
            "%(ticket)s: intervention report not signed: have the customer "
            "sign it (Sign Report on the ticket, or send it for signature) "
            "before invoicing it.",
            ticket=self.display_name,
        )

    def _get_customer_issue(self):
        customer = self.commercial_partner_id
        if not customer:
            return self.env._(
                "%(ticket)s has no customer: set its Contact.",
                ticket=self.display_name,
            )
        if not customer.active:
            return self.env._(
                "%(ticket)s: its customer %(customer)s is archived: restore the "
                "customer or change the ticket's Contact.",
                ticket=self.display_name,
                customer=customer.display_name,
            )
        return False

    def _get_journal_issue(self, journal_companies):
        if self.company_id in journal_companies:
            return False
        return self.env._(
            "%(ticket)s: company %(company)s has no sales journal: create one "
            "in Invoicing > Configuration > Journals.",
            ticket=self.display_name,
            company=self.company_id.display_name,
        )

    def _get_work_issue(self, bad_products, without_unapproved=False):
        """A work line that is not filled in right, or no work left to bill."""
        to_invoice = self._get_invoice_work_lines(without_unapproved)
        to_check = self.work_line_ids.filtered(
            lambda line: line in to_invoice or line._is_unfinished()
        )
        for line in to_check:
            reason = line._get_invoicing_issue(bad_products)
            if reason:
                return reason
        if to_invoice:
            return False
        lines = self.work_line_ids
        if lines and all(line.billing_type == "not_billed" for line in lines):
            return self.env._(
                "%(ticket)s has internal work only (Not Billed): there is nothing "
                "to invoice.",
                ticket=self.display_name,
            )
        return self.env._(
            "%(ticket)s has no work line left to invoice: log the work done "
            "in its Work Lines tab.",
            ticket=self.display_name,
        )

    def _get_approval_issue(self, without_unapproved=False):
        """Work waiting for approval, where the company invoices approved
        work only: all of it, or any of it unless ``without_unapproved``."""
        to_invoice = self._get_invoice_work_lines()
        waiting = to_invoice.filtered(lambda line: line._is_waiting_approval())
        if not waiting or (without_unapproved and to_invoice - waiting):
            return False
        values = {
            "ticket": self.display_name,
            "count": len(waiting),
            "hours": formatLang(self.env, sum(waiting.mapped("hours_to_invoice"))),
        }
        if len(waiting) == 1:
            return self.env._(
                "%(ticket)s: 1 work line waits for approval (%(hours)s hours): "
                "approve it in Helpdesk > Work to Approve first.",
                **values,
            )
        return self.env._(
            "%(ticket)s: %(count)s work lines wait for approval (%(hours)s "
            "hours): approve them in Helpdesk > Work to Approve first.",
            **values,
        )

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

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------

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

    def _get_intervention_prepaid_hours(self):
        """What prepaid hours blocks cover of this ticket's work, for its
        intervention report: ``[(block, hours of this ticket, hours left)]``."""
        self.ensure_one()
        hours = defaultdict(float)
        # sudo: the report's reader (a technician) may not read invoices.
        for line in self.sudo().work_line_ids:
            for invoice_line in line.invoice_line_ids:
                block = invoice_line.helpdesk_prepaid_block_id
                if block:
                    hours[block] += line._get_invoice_line_quantity(invoice_line)
        return [
            (block, used, block.hours_remaining)
            for block, used in hours.items()
            if used > 0
        ]

    def _get_invoice_line_name(self, label):
        """Name of an invoice line that bills this ticket's work: the ticket's
        reference (number, then title), and on the next line ``label``.

        E-invoices carry product lines only: FatturaPA (``l10n_it_edi``) and
        UBL leave section lines out. So each line names its own ticket, and
        the legal document says which ticket every line bills. The title is
        shortened, or left out, so that the whole name fits
        ``_invoice_line_name_size`` characters; the number stays first, where
        a format that cuts a longer text keeps it.
        """
        self.ensure_one()
        number = self.number
        title = self.name or ""
        room = self._invoice_line_name_size - len(f"{number} - \n{label}")
        if title and len(title) > room:
            title = f"{title[: room - 3]}..." if room > 3 else ""
        reference = f"{number} - {title}" if title else number
        return f"{reference}\n{label}"

    def _lock_for_invoicing(self):
        """Lock these tickets' rows until the transaction ends (``lock_rows``).

        A second user invoicing one of them at the same moment gets a clear
        error naming the tickets, instead of a second invoice for the same
        work or a wait. Technicians may still add work lines meanwhile.
        """
        busy = self - lock_rows(self)
        if busy:
            raise UserError(busy._get_being_invoiced_message())
        # Re-read what a concurrent transaction may have changed before the lock.
        self.invalidate_recordset()
        self.work_line_ids.invalidate_recordset()

    def _create_invoices(
        self,
        group_by_partner=False,
        group_work_lines=False,
        attach_intervention_reports=False,
        invoice_run=None,
        without_unapproved=False,
    ):
        """Invoice the eligible tickets among these, skipping the others.

        :param bool group_by_partner: one invoice per customer (and company and
            currency) instead of one per ticket
        :param bool group_work_lines: merge, within each ticket, the work lines
            of the same service and price into one line
        :param bool attach_intervention_reports: attach to each invoice the
            intervention reports of the tickets it bills
        :param invoice_run: the background run (``helpdesk.ticket.invoice.run``)
            whose job invoices them, if one does
        :param bool without_unapproved: invoice the approved work of tickets
            whose other work waits for approval (``_get_invoicing_issues``)
        :return: the draft customer invoices created (``account.move``)
        :raise UserError: when none of the tickets can be invoiced
        """
        self.env["account.move"].check_access("create")
        self.check_access("write")
        self._lock_for_invoicing()
        tickets, issues = self._split_invoiceable(invoice_run, without_unapproved)
        if not tickets:
            raise UserError(self._nothing_to_invoice_error_message(issues))
        invoice_vals_list = tickets._prepare_invoices_values(
            group_by_partner, group_work_lines, without_unapproved
        )
        Move = self.env["account.move"].with_context(default_move_type="out_invoice")
        invoices = create_with_fresh_statistics(Move, invoice_vals_list)
        invoices._message_log_batch(
            bodies={
                invoice.id: invoice.helpdesk_ticket_ids._get_billed_by_message()
                for invoice in invoices
            }
        )
        if attach_intervention_reports:
            invoices._attach_helpdesk_intervention_reports()
        return invoices

    def _get_billed_by_message(self):
        """The note of an invoice that bills these tickets."""
        if len(self) == 1:
            return self.env._(
                "Bills the helpdesk ticket %(ticket)s", ticket=html_links(self)
            )
        return self.env._(
            "Bills the helpdesk tickets %(tickets)s", tickets=html_links(self)
        )

    def _prepare_invoices_values(
        self, group_by_partner, group_work_lines, without_unapproved=False
    ):
        """Values of every invoice that bills these eligible tickets.

        One dict per grouping key, ready for one ``account.move.create()``;
        each line is numbered (``sequence``) in the order of its invoice, and
        links the work lines it bills (``helpdesk_work_line_ids``).
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
        no_lines = self.env["helpdesk.ticket.work.line"]
        work_lines = self._get_invoice_work_lines(without_unapproved)
        lines_by_ticket = work_lines.grouped("ticket_id")
        coverage, overage = work_lines._allocate_prepaid_hours()
        portions = {
            line: line._get_invoice_portions(coverage.get(line, ()), overage.get(line))
            for line in work_lines
        }
        # The hours each block had used before each invoice: this batch's
        # earlier invoices included.
        used_before = {}
        invoice_vals_list = []
        for group in groups.values():
            invoice_vals = group._prepare_invoice()
            # Else account.move searches the same journal invoice by invoice.
            invoice_vals.setdefault(
                "journal_id", journals[group.company_id[:1], group.currency_id[:1]].id
            )
            lang = group._get_invoice_partner().lang or self.env.lang
            group_lines = no_lines
            for ticket in group:
                lines = lines_by_ticket.get(ticket, no_lines)
                group_lines += lines
                invoice_vals["invoice_line_ids"] += [
                    Command.create(vals)
                    for vals in [ticket._prepare_invoice_section()]
                    + lines._prepare_invoice_lines(group_work_lines, lang, portions)
                ]
            invoice_vals["invoice_line_ids"] += [
                Command.create(vals)
                for vals in group_lines._prepare_prepaid_recap_lines(
                    portions, used_before, lang
                )
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

    def _get_being_invoiced_message(self):
        """Error for these tickets, locked by another user's invoicing."""
        return self.env._(
            "%(tickets)s: someone else is invoicing these tickets right now. "
            "Wait a moment, reload the list and try again.",
            tickets=", ".join(self.mapped("display_name")),
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced_work(self):
        # The database deletes work lines with their ticket, past their own lock.
        billed = self.work_line_ids.filtered(lambda line: line._is_billed())[:1]
        if billed:
            raise UserError(billed.ticket_id._get_unlink_invoiced_message(billed))

    def _get_unlink_invoiced_message(self, billed_line):
        """Why this ticket cannot be deleted while its work is on an invoice."""
        self.ensure_one()
        return self.env._(
            "%(ticket)s cannot be deleted: its work is billed on %(invoice)s. "
            "Cancel the invoice or reverse it with a credit note first, or "
            "archive the ticket instead.",
            ticket=self.display_name,
            # sudo: only the reference of the invoice is shown.
            invoice=billed_line.invoice_id.sudo()._get_helpdesk_reference(),
        )

    # ------------------------------------------------------------------
    # Intervention report
    # ------------------------------------------------------------------

    def _get_helpdesk_names(self):
        """These tickets' names, comma-separated, for an error message about
        their work ("Work lines" when no ticket is known yet)."""
        return ", ".join(self.mapped("display_name")) or self.env._("Work lines")

    def _get_intervention_report_lang(self):
        """Language of this ticket's intervention report: the one its invoice
        lines are written in (the customer's invoice address), so that the
        report sent with an invoice speaks the invoice's language."""
        self.ensure_one()
        return self._get_invoice_partner().lang or self.env.lang

    def _get_intervention_report_lines(self):
        """The work the customer's intervention report lists: billable and
        no-charge work; never internal work (Not Billed), which is the firm's
        own business."""
        self.ensure_one()
        return self.work_line_ids.filtered(
            lambda line: line.billing_type != "not_billed"
        )

    def _get_report_base_filename(self):
        """File name of the PDF the portal downloads (portal's _show_report)."""
        return self._get_intervention_report_filename()

    def action_print_intervention_reports(self):
        """Print menu: the intervention reports of these tickets in one PDF.

        Up to the system parameter
        ``helpdesk_mgmt_invoicing.report_background_threshold`` (200 tickets,
        printed within a request's time limit) the browser downloads it at
        once; above
        it, a queue job prints it and notifies the user, in their Inbox, with
        a link to download it (``_print_intervention_reports_job``).

        :return: the report's action, or a notification that it is on its way
        """
        if len(self) <= self._get_report_background_threshold():
            return self.env.ref(
                "helpdesk_mgmt_invoicing.helpdesk_ticket_report_intervention_action"
            ).report_action(self, config=False)
        self.check_access("read")
        self.with_delay(
            channel=INVOICING_CHANNEL,
            description=self.env._(
                "Intervention reports of %(count)s tickets", count=len(self)
            ),
        )._print_intervention_reports_job()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Intervention Reports"),
                "message": self.env._(
                    "The intervention reports of %(count)s tickets are being "
                    "printed in the background: you will find the link to "
                    "download them in your Inbox when they are ready.",
                    count=len(self),
                ),
                "sticky": False,
            },
        }

    @api.model
    def _get_report_background_threshold(self):
        """Above this many tickets, their reports are printed by a queue job."""
        return positive_int_parameter(
            self.env,
            "helpdesk_mgmt_invoicing.report_background_threshold",
            DEFAULT_REPORT_BACKGROUND_THRESHOLD,
        )

    def _print_intervention_reports_job(self):
        """Job: print these tickets' intervention reports in one PDF, keep it
        as an attachment only its user may read (no record of its own), and
        send the user a link to it, in their Inbox and as a notification.

        :return: the attachment (``ir.attachment``)
        """
        content, _report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "helpdesk_mgmt_invoicing.report_intervention", res_ids=self.ids
            )
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.env._('Intervention Reports')}.pdf",
                "raw": content,
                "mimetype": "application/pdf",
            }
        )
        url = f"/web/content/{attachment.id}?download=true"
        label = self.env._("download the PDF")
        user = self.env.user
        user.partner_id.message_notify(
            partner_ids=user.partner_id.ids,
            subject=self.env._("Intervention reports ready"),
            body=Markup(
                self.env._(
                    "The intervention reports of %(count)s tickets are ready: "
                    "%(link)s.",
                    count=len(self),
                    link=Markup('<a href="%s">%s</a>') % (url, label),
                )
            ),
        )
        user._bus_send(
            "simple_notification",
            {
                "type": "success",
                "title": self.env._("Intervention Reports"),
                "message": self.env._(
                    "The intervention reports of %(count)s tickets are ready: "
                    "see your Inbox.",
                    count=len(self),
                ),
                "sticky": False,
            },
        )
        return attachment

    def _get_intervention_report_filename(self):
        """File name of this ticket's intervention report, without extension,
        in the report's language."""
        self.ensure_one()
        env = self.with_context(lang=self._get_intervention_report_lang()).env
        return env._("Intervention Report - %(ticket)s", ticket=self.number)

    def _render_intervention_reports(self):
        """The intervention report of each of these tickets, printed a batch
        of tickets per wkhtmltopdf run (see ``models/ir_actions_report.py``).

        :return: ``{ticket: PDF content}`` (HTML in tests, as for every Odoo
            report, unless the context has ``force_report_rendering``)
        """
        report = "helpdesk_mgmt_invoicing.report_intervention"
        Report = self.env["ir.actions.report"]
        content, report_type = Report._pre_render_qweb_pdf(report, res_ids=self.ids)
        by_id = Report._get_splitted_report(report, content, report_type)
        missing = self.filtered(lambda ticket: ticket.id not in by_id)
        if missing:
            raise UserError(missing._get_intervention_report_split_message())
        return {ticket: by_id[ticket.id] for ticket in self}

    def _get_intervention_report_split_message(self):
        """Error when the PDF of several reports cannot be cut ticket by ticket."""
        return self.env._(
            "The PDF printed for the intervention reports of %(tickets)s could "
            "not be cut ticket by ticket: each report must start with its own "
            "title. Ask your administrator to check the report's template.",
            tickets=", ".join(self.mapped("display_name")),
        )

    def _get_intervention_report_print_message(self, reason):
        """Error when wkhtmltopdf could not print these tickets' reports."""
        return self.env._(
            "The intervention reports of %(tickets)s could not be printed: "
            "%(reason)s. Ask your administrator to check that wkhtmltopdf is "
            "installed and works (Settings > Technical > Reports), then print "
            "them again.",
            tickets=", ".join(self.mapped("display_name")),
            reason=reason,
        )

    # ------------------------------------------------------------------
    # Signature of the intervention report
    # ------------------------------------------------------------------

    def _sign_intervention_report(self, name, signature, author=None):
        """The customer signs this ticket's intervention report: store who
        signed, when and the drawn signature, and post the signed PDF in the
        chatter. The one path of the portal's Sign and of "Sign Report".

        :param str name: the signer's name, as typed
        :param str signature: the drawn signature, a base64 image
        :param author: partner who posts the signed report (default: the
            user's)
        :raise UserError: nothing to sign, already signed, or a missing or
            bad name or signature; nothing is stored then
        """
        self.ensure_one()
        name = (name or "").strip() if isinstance(name, str) else ""
        self._check_intervention_signable()
        self._check_intervention_signature(name, signature)
        self.write(
            {
                "intervention_signed_by": name,
                "intervention_signed_on": fields.Datetime.now(),
                "intervention_signature": signature,
            }
        )
        self._post_signed_intervention_report(author or self.env.user.partner_id)
        return True

    def _check_intervention_signable(self):
        """Refuse to sign a report with no work on it, or signed already."""
        for ticket in self:
            if ticket.intervention_signed_on:
                raise UserError(
                    self.env._(
                        "The intervention report of %(ticket)s is already signed "
                        "by %(name)s on %(date)s: it needs no other signature "
                        "until its work changes.",
                        ticket=ticket.display_name,
                        name=ticket.intervention_signed_by,
                        date=format_datetime(self.env, ticket.intervention_signed_on),
                    )
                )
            if not ticket._get_intervention_report_lines():
                raise UserError(
                    self.env._(
                        "The intervention report of %(ticket)s lists no work: "
                        "there is nothing to sign yet. Sign it once the work "
                        "is logged.",
                        ticket=ticket.display_name,
                    )
                )

    def _check_intervention_signature(self, name, signature):
        """Refuse an empty name, or signature data that is not a small image."""
        self.ensure_one()
        if not name:
            raise UserError(
                self.env._(
                    "Type the name of the person signing the intervention "
                    "report of %(ticket)s.",
                    ticket=self.display_name,
                )
            )
        if not signature or not isinstance(signature, str | bytes):
            raise UserError(
                self.env._(
                    "Draw the signature for the intervention report of "
                    "%(ticket)s: it is missing.",
                    ticket=self.display_name,
                )
            )
        try:
            data = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            data = None
        if data is not None and len(data) > MAX_SIGNATURE_SIZE:
            raise UserError(
                self.env._(
                    "The signature sent for the intervention report of "
                    "%(ticket)s is too large (%(size)s kB, at most %(max)s kB): "
                    "draw it again with the signature pad.",
                    ticket=self.display_name,
                    size=len(data) // 1024,
                    max=MAX_SIGNATURE_SIZE // 1024,
                )
            )
        try:
            if data is None:
                raise ValueError
            base64_to_image(signature)
        except (UserError, ValueError, OSError):
            raise UserError(
                self.env._(
                    "The signature sent for the intervention report of "
                    "%(ticket)s is not an image: draw it again with the "
                    "signature pad.",
                    ticket=self.display_name,
                )
            ) from None

    def _post_signed_intervention_report(self, author):
        """Post "Intervention report signed by ..." with the signed PDF, as
        ``author`` (a partner)."""
        self.ensure_one()
        # sudo: the report of a ticket the signer may sign (checked by the
        # caller); a portal customer may not read its work lines otherwise.
        content, _report_type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(REPORT_ACTION, res_ids=self.ids)
        )
        self.message_post(
            body=self.env._(
                "Intervention report signed by %(name)s.",
                name=self.intervention_signed_by,
            ),
            attachments=[(f"{self._get_intervention_report_filename()}.pdf", content)],
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _reset_intervention_signature(self):
        """The work of these signed tickets changed: their reports are to
        sign again, and their chatter says so (the signed PDF stays in it)."""
        signed = self.filtered("intervention_signed_on")
        if not signed:
            return
        for ticket in signed:
            ticket.message_post(
                body=self.env._(
                    "The work changed after %(name)s signed the intervention "
                    "report on %(date)s: the report is to sign again.",
                    name=ticket.intervention_signed_by,
                    date=format_datetime(self.env, ticket.intervention_signed_on),
                ),
                subtype_xmlid="mail.mt_note",
            )
        signed.write(
            {
                "intervention_signed_by": False,
                "intervention_signed_on": False,
                "intervention_signature": False,
            }
        )

    # ------------------------------------------------------------------
    # Dispute of the work
    # ------------------------------------------------------------------

    def _dispute_work(self, comment, author):
        """The customer disputes the work of this ticket: keep when and why,
        post their comment in the chatter, and give the team leader (or the
        ticket's assignee) an activity to resolve it.

        :param str comment: what the customer disputes
        :param author: the customer's partner who disputes
        :raise UserError: no comment, no work, or disputed already
        """
        self.ensure_one()
        comment = (comment or "").strip() if isinstance(comment, str) else ""
        if self.work_disputed_on:
            raise UserError(
                self.env._(
                    "The work of %(ticket)s is already disputed (on %(date)s): "
                    "wait for the answer, or write in the ticket's chat.",
                    ticket=self.display_name,
                    date=format_datetime(self.env, self.work_disputed_on),
                )
            )
        if not self._get_intervention_report_lines():
            raise UserError(
                self.env._(
                    "%(ticket)s lists no work: there is nothing to dispute.",
                    ticket=self.display_name,
                )
            )
        if not comment:
            raise UserError(
                self.env._(
                    "Say what you dispute in the work of %(ticket)s: the "
                    "comment is missing.",
                    ticket=self.display_name,
                )
            )
        self.write(
            {"work_disputed_on": fields.Datetime.now(), "work_dispute_comment": comment}
        )
        self.message_post(
            body=self.env._(
                "Work disputed by %(name)s: %(comment)s",
                name=author.display_name,
                comment=comment,
            ),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        responsible = self.team_id.user_id or self.user_id
        self.activity_schedule(
            "helpdesk_mgmt_invoicing.mail_activity_type_work_dispute",
            note=comment,
            user_id=responsible.id or self.env.ref("base.user_admin").id,
        )
        return True

    def _resolve_work_dispute(self, note):
        """Someone resolved the customer's dispute: the ticket may be invoiced
        again; the note says how, in the chatter and on the activity."""
        self.ensure_one()
        if not self.work_disputed_on:
            raise UserError(
                self.env._(
                    "The work of %(ticket)s is not disputed: there is nothing "
                    "to resolve.",
                    ticket=self.display_name,
                )
            )
        self.write({"work_disputed_on": False, "work_dispute_comment": False})
        self.activity_feedback(
            ["helpdesk_mgmt_invoicing.mail_activity_type_work_dispute"], feedback=note
        )
        self.message_post(
            body=self.env._("Dispute of the work resolved: %(note)s", note=note),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def action_resolve_work_dispute(self):
        """Resolve Dispute: a pop-up asks how it was resolved."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resolve Dispute"),
            "res_model": "helpdesk.ticket.dispute.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def message_post(self, **kwargs):
        # Send for Signature's composer: the report is now asked for.
        if self.env.context.get("mark_intervention_sign_requested"):
            self.write(
                {
                    "intervention_sign_requested_on": fields.Datetime.now(),
                    "intervention_sign_reminded_on": False,
                }
            )
        return super().message_post(**kwargs)

    def action_sign_intervention_report(self):
        """Sign Report: the customer signs on the technician's tablet."""
        self.ensure_one()
        self._check_intervention_signable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign Report"),
            "res_model": "helpdesk.ticket.sign",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_ticket_id": self.id,
                "default_name": self.partner_id.name,
            },
        }

    def action_send_for_signature(self):
        """Send for Signature: the mail composer with the template that
        sends the customer the link to sign, as sale's Send by Email."""
        self.ensure_one()
        self._check_intervention_signable()
        self._portal_ensure_token()
        template = self.env.ref(
            "helpdesk_mgmt_invoicing.mail_template_intervention_sign_request"
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
                "mark_intervention_sign_requested": True,
            },
        }

    @api.model
    def _cron_remind_intervention_signature(self):
        """Remind the customers of the reports sent for signature and still
        unsigned after their company's Signature Reminder days (once per
        request; companies with 0 days send none)."""
        template = self.env.ref(
            "helpdesk_mgmt_invoicing.mail_template_intervention_sign_reminder"
        )
        now = fields.Datetime.now()
        companies = self.env["res.company"].search(
            [("helpdesk_signature_reminder_days", ">", 0)]
        )
        for company in companies:
            tickets = self.search(
                [
                    ("company_id", "=", company.id),
                    ("intervention_signed_on", "=", False),
                    ("intervention_sign_reminded_on", "=", False),
                    (
                        "intervention_sign_requested_on",
                        "<=",
                        now - timedelta(days=company.helpdesk_signature_reminder_days),
                    ),
                ]
            ).filtered(lambda ticket: ticket.intervention_sign_state == "to_sign")
            for ticket in tickets:
                ticket.message_post_with_source(
                    template, subtype_xmlid="mail.mt_comment"
                )
            tickets.write({"intervention_sign_reminded_on": now})


def html_links(records):
    """Comma-separated HTML links to records, for a chatter message."""
    return Markup(", ").join(record._get_html_link() for record in records)
