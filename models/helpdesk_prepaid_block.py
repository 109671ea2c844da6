# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, format_date

# Who confirms, cancels and changes the terms of a block that is running:
# the helpdesk managers. Billing clerks draft blocks and sell them.
MANAGER_GROUP = "helpdesk_mgmt.group_helpdesk_manager"
# What a block sells: changed on a running block by a manager only.
TERMS_FIELDS = {
    "partner_id",
    "company_id",
    "hours",
    "date_start",
    "date_end",
    "product_ids",
    "overage_price_unit",
    "currency_id",
}
# What actions, sales and the scheduled action set: never written by anyone
# else than a helpdesk manager (a clerk's block starts as a draft).
MANAGED_FIELDS = {"state", "sale_line_id", "alert_sent"}
# Payment states of an invoice that count as paid ("in payment": the payment
# is registered, its bank statement not reconciled yet).
PAID_STATES = ("paid", "in_payment")


class HelpdeskPrepaidBlock(models.Model):
    _name = "helpdesk.prepaid.block"
    _description = "Prepaid Hours Block"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
        help="The customer company (or private person) that bought the hours. "
        "A contact person's block is its company's, as for invoices.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    hours = fields.Float(
        digits="Product Unit of Measure",
        tracking=True,
        help="The hours bought.",
    )
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(
        string="Valid Until",
        tracking=True,
        help="The last day the block covers work; its remaining hours lapse "
        "after it. Empty: no end.",
    )
    product_ids = fields.Many2many(
        comodel_name="product.product",
        relation="helpdesk_prepaid_block_product_rel",
        column1="block_id",
        column2="product_id",
        string="Services Covered",
        check_company=True,
        domain=[("type", "=", "service"), ("sale_ok", "=", True)],
        help="The services whose work the block covers. Empty: every service "
        "sold by time.",
    )
    ledger_line_ids = fields.One2many(
        comodel_name="account.move.line",
        inverse_name="helpdesk_prepaid_block_id",
        string="Ledger",
        readonly=True,
        help="The invoice and credit note lines that use hours of the block.",
    )
    hours_used = fields.Float(
        compute="_compute_hours_used",
        store=True,
        digits="Product Unit of Measure",
        help="The hours of the block's invoice lines on customer invoices that "
        "are not cancelled (drafts included), net of credit notes.",
    )
    hours_remaining = fields.Float(
        compute="_compute_hours_used",
        store=True,
        digits="Product Unit of Measure",
        help="The hours bought less the hours used, never below zero.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("active", "Active"),
            ("exhausted", "Exhausted"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
        readonly=False,
        required=True,
        default="draft",
        index=True,
        tracking=True,
        copy=False,
        help="Draft: entered by hand, to be confirmed by a helpdesk manager. "
        "Active: covers work. Exhausted: no hours left (active again if hours "
        "come back). Expired: past its Valid Until date, its remaining hours "
        "lapsed. Cancelled: never covers work.",
    )
    overage_price_unit = fields.Monetary(
        string="Overage Price",
        help="The price of an hour past the block. Empty: the customer's normal price.",
    )
    alert_threshold = fields.Float(
        string="Alert Threshold (%)",
        default=20.0,
        help="When the remaining hours fall below this share of the hours "
        "bought, the customer is told by email and the salesperson gets an "
        "activity, once. 0: no alert.",
    )
    alert_sent = fields.Boolean(
        string="Low Balance Alert Sent",
        readonly=True,
        copy=False,
    )
    sale_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Sold On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The customer invoice line that sold the block.",
    )
    sale_move_id = fields.Many2one(related="sale_line_id.move_id", string="Invoice")

    @api.depends(
        "hours",
        "ledger_line_ids.quantity",
        "ledger_line_ids.product_uom_id",
        "ledger_line_ids.move_id.state",
        "ledger_line_ids.move_id.move_type",
    )
    def _compute_hours_used(self):
        """Derived from the invoice lines, as a work line's billed hours: a
        cancel, reset to draft, credit note or deleted line needs no code of
        its own."""
        digits = self._fields["hours"].get_digits(self.env)[1]
        for block in self:
            used = block._get_ledger_hours(block.ledger_line_ids)
            block.hours_used = used
            block.hours_remaining = max(block.hours - used, 0.0)
            if float_is_zero(block.hours_remaining, precision_digits=digits):
                block.hours_remaining = 0.0

    @api.depends("hours_remaining")
    def _compute_state(self):
        # Only the running states follow the hours; draft, cancelled and
        # expired are set by actions and the daily scheduled action.
        for block in self:
            if not block.state:
                block.state = "draft"
            elif block.state in ("active", "exhausted"):
                block.state = block._get_running_state()

    @api.constrains("hours", "date_start", "date_end", "alert_threshold")
    def _check_terms(self):
        for block in self:
            issue = block._get_terms_issue()
            if issue:
                raise ValidationError(issue)

    def _get_terms_issue(self):
        """Why the hours, dates or alert threshold of this block cannot be,
        and how to fix it, or ``False``."""
        self.ensure_one()
        values = {"block": self._get_block_reference()}
        digits = self._fields["hours"].get_digits(self.env)[1]
        if float_compare(self.hours, 0.0, precision_digits=digits) <= 0:
            return self.env._(
                "%(block)s: a block of %(hours)s hours cannot be: enter the hours "
                "bought, more than zero.",
                **values,
                hours=self.hours,
            )
        if self.date_end and self.date_end < self.date_start:
            return self.env._(
                "%(block)s ends on %(end)s, before it starts on %(start)s: enter "
                "a Valid Until date on or after the Valid From date, or none.",
                **values,
                start=format_date(self.env, self.date_start),
                end=format_date(self.env, self.date_end),
            )
        if not 0.0 <= self.alert_threshold <= 100.0:
            return self.env._(
                "%(block)s: an alert threshold of %(threshold)s %% cannot be: "
                "enter a percentage from 0 (no alert) to 100.",
                **values,
                threshold=self.alert_threshold,
            )
        return False

    @api.model_create_multi
    def create(self, vals_list):
        self._normalise_partner(vals_list)
        if any(MANAGED_FIELDS & set(vals) for vals in vals_list):
            self._check_manager(self.env._("set the status of"))
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("helpdesk.prepaid.block")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        self._normalise_partner([vals])
        if MANAGED_FIELDS & set(vals):
            self._check_manager(self.env._("set the status of"))
        if TERMS_FIELDS & set(vals):
            self._check_terms_changeable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_or_sold(self):
        for block in self:
            if block.ledger_line_ids or block.sale_line_id:
                raise UserError(
                    self.env._(
                        "%(block)s is on invoices: it cannot be deleted. Cancel "
                        "it, or let it expire.",
                        block=block._get_block_reference(),
                    )
                )

    def _normalise_partner(self, vals_list):
        """A contact person's block is its company's: the customer is written
        as its commercial partner, as invoices have it, so that a contact and
        its company never hold blocks apart."""
        Partner = self.env["res.partner"]
        for vals in vals_list:
            if vals.get("partner_id"):
                partner = Partner.browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id

    def _check_terms_changeable(self):
        """Refuse to change what a running block sells, except to a helpdesk
        manager: its hours, dates, services and price decide amounts."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        running = self.filtered(lambda block: block.state != "draft")[:1]
        if running:
            raise AccessError(
                self.env._(
                    "%(block)s is %(state)s: only a helpdesk manager may change "
                    "its customer, hours, dates, services or price.",
                    block=running._get_block_reference(),
                    state=running._get_state_label(),
                )
            )

    def action_confirm(self):
        """Draft to active: the block covers work from its Valid From date."""
        self._check_manager(self.env._("confirm"))
        not_draft = self.filtered(lambda block: block.state != "draft")[:1]
        if not_draft:
            raise UserError(
                self.env._(
                    "%(block)s is %(state)s already: only a draft block is confirmed.",
                    block=not_draft._get_block_reference(),
                    state=not_draft._get_state_label(),
                )
            )
        for block in self:
            block.state = block._get_running_state()
        self._expire(fields.Date.context_today(self))
        return True

    def action_cancel(self):
        """The block covers no work any more. Refused for a block with hours
        used (let it expire: give it a Valid Until date) and for a block sold
        on a posted invoice (cancel or credit the invoice instead)."""
        self._check_manager(self.env._("cancel"))
        for block in self:
            if block.sale_line_id.parent_state == "posted":
                raise UserError(
                    self.env._(
                        "%(block)s was sold on %(invoice)s: cancel that invoice, "
                        "or credit it with a credit note, to cancel the block.",
                        block=block._get_block_reference(),
                        invoice=block.sale_move_id._get_helpdesk_reference(),
                    )
                )
            if block.hours_used > 0:
                raise UserError(block._get_used_block_message())
        self.state = "cancelled"
        return True

    def action_view_ledger(self):
        """Open the invoices whose lines use hours of these blocks."""
        return self.ledger_line_ids.move_id._get_helpdesk_invoices_action()

    def _check_manager(self, doing):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._(
                    "Only a helpdesk manager may %(doing)s a prepaid hours "
                    "block (%(blocks)s).",
                    doing=doing,
                    blocks=", ".join(self.mapped("name")) or self.env._("new"),
                )
            )

    def _get_block_reference(self):
        """How messages name this block: its number and its customer."""
        self.ensure_one()
        return self.env._(
            "Prepaid hours block %(number)s of %(customer)s",
            number=self.name,
            customer=self.partner_id.display_name,
        )

    def _get_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _get_used_block_message(self):
        """Why this block, whose hours are used, cannot be cancelled."""
        self.ensure_one()
        return self.env._(
            "%(block)s cannot be cancelled: %(used)s of its %(hours)s hours are "
            "used on %(invoices)s. Cancel or credit those invoices first, or "
            "let the block expire by giving it a Valid Until date.",
            block=self._get_block_reference(),
            used=self.hours_used,
            hours=self.hours,
            invoices=self._get_using_moves()._get_helpdesk_references(),
        )

    @api.model
    def _get_ledger_hours(self, lines):
        """The hours these ledger lines use, net: in hours, positive on
        customer invoices, negative on credit notes, none once cancelled."""
        return sum(
            line._get_helpdesk_billing_sign() * line._get_helpdesk_prepaid_hours()
            for line in lines
        )

    def _get_using_moves(self):
        """The invoices and credit notes, not cancelled, whose lines use
        hours of these blocks: the ones messages name."""
        return self.ledger_line_ids.filtered(
            lambda line: line._get_helpdesk_billing_sign()
        ).move_id

    def _get_running_state(self):
        """Active, or exhausted when no hour is left."""
        self.ensure_one()
        digits = self._fields["hours"].get_digits(self.env)[1]
        if float_compare(self.hours_remaining, 0.0, precision_digits=digits) <= 0:
            return "exhausted"
        return "active"

    # Using blocks: the API of the invoicing.

    def _covers_product(self, product):
        """Whether this block covers work billed with ``product``: one of its
        services, or, with none listed, any service sold by time."""
        self.ensure_one()
        if self.product_ids:
            return product in self.product_ids
        # Not env.ref, which checks that the record exists (a query): the
        # invoicing asks for every work line.
        time_category_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "uom.uom_categ_wtime"
        )
        return (
            product.type == "service"
            and product.uom_id.category_id.id == time_category_id
        )

    def _is_paid_as_required(self):
        """Whether the block's sale is paid, where its company asks for it
        (Prepaid Hours Once Paid): a block entered by hand needs no payment."""
        self.ensure_one()
        if not self.company_id.helpdesk_prepaid_paid_only or not self.sale_line_id:
            return True
        return self.sale_move_id.payment_state in PAID_STATES

    def _is_usable(self, date):
        """Whether this block may cover work done on ``date``: active (so not
        exhausted), valid on that date, and paid where the company asks."""
        self.ensure_one()
        return (
            self.state == "active"
            and self.date_start <= date
            and (not self.date_end or date <= self.date_end)
            and self._is_paid_as_required()
        )

    @api.model
    def _get_usable_blocks_domain(
        self, partners, date_from, date_to, states=("active",)
    ):
        """The blocks of these customers in ``states`` (active) valid at some
        date between ``date_from`` and ``date_to``: the seam to restrict them."""
        return [
            ("partner_id", "in", partners.commercial_partner_id.ids),
            ("state", "in", list(states)),
            ("date_start", "<=", date_to),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date_from),
        ]

    @api.model
    def _get_usable_blocks_by_partner(
        self, partners, date_from, date_to, states=("active",)
    ):
        """The blocks that may cover work of these customers done between two
        dates, in one search, for invoicing many work lines at once.

        Each work line then takes the blocks of its customer that are usable
        on its date and cover its product, in its company:
        ``blocks.filtered(lambda b: b.company_id == company and
        b._is_usable(date) and b._covers_product(product))``, in the order
        given (the block that expires first is used up first).

        :param partners: customers (``res.partner``), contacts or companies
        :return: ``{commercial partner: blocks}``, a key for every customer
            (an empty recordset when none), blocks of every company, active,
            valid at some date in the period and paid where required, sorted
            by Valid Until (no end last), Valid From, then creation
        """
        result = {partner: self.browse() for partner in partners.commercial_partner_id}
        blocks = self.search(
            self._get_usable_blocks_domain(partners, date_from, date_to, states),
            order="date_end, date_start, id",
        )
        # Grouped, the blocks keep one prefetch: what the invoicing reads of
        # each (its services) is read for all at once.
        for partner, partner_blocks in (
            blocks.filtered(lambda block: block._is_paid_as_required())
            .grouped("partner_id")
            .items()
        ):
            result[partner] = partner_blocks
        return result

    def _covers_work(self, work_line):
        """Whether this running block (active or exhausted) is the one for
        ``work_line``: its customer's, in its company, valid on its date,
        paid where required, and covering its service. An exhausted one
        covers no hour, but sets the price of the hours past it."""
        self.ensure_one()
        return (
            self.company_id == work_line.company_id
            and self.date_start <= work_line.date
            and (not self.date_end or work_line.date <= self.date_end)
            and self._is_paid_as_required()
            and self._covers_product(work_line.product_id)
        )

    def _get_overage_price(self, work_line):
        """The price of an hour past this block for ``work_line``, in its
        ticket's currency, or ``None`` for the customer's normal price."""
        self.ensure_one()
        if not self.overage_price_unit:
            return None
        currency = work_line.currency_id or self.currency_id
        return self.currency_id._convert(
            self.overage_price_unit,
            currency,
            work_line.company_id,
            work_line.date,
            round=False,
        )

    @api.model
    def _get_usable_blocks(self, partner, product, date, company=None):
        """The blocks that cover work of ``partner`` (a contact or its company)
        with ``product`` on ``date`` in ``company`` (the current one by
        default), the first to expire first. For one work line; invoicing
        many uses ``_get_usable_blocks_by_partner``."""
        company = company or self.env.company
        blocks = self._get_usable_blocks_by_partner(partner, date, date)
        return blocks[partner.commercial_partner_id].filtered(
            lambda block: block.company_id == company
            and block._is_usable(date)
            and block._covers_product(product)
        )

    @api.model
    def _get_hours_remaining_by_partner(self, partners, date, companies):
        """The hours left, on ``date``, in the usable blocks of these
        customers in these companies: ``{commercial partner: hours}``."""
        blocks = self._get_usable_blocks_by_partner(partners, date, date)
        return {
            partner: partner_blocks._get_hours_left(date, companies)
            for partner, partner_blocks in blocks.items()
        }

    def _get_hours_left(self, date, companies):
        """The hours left on ``date`` in these blocks, of those usable then
        in ``companies``."""
        return sum(
            block.hours_remaining
            for block in self
            if block.company_id in companies and block._is_usable(date)
        )

    def _check_posted_hours(self, moves):
        """Refuse to post ``moves`` when a block they use would be used beyond
        its hours by posted invoices (net of posted credit notes): two drafts
        made from the same hours are both counted in Hours Used, only one of
        them posts."""
        digits = self._fields["hours"].get_digits(self.env)[1]
        for block in self:
            posted = block._get_ledger_hours(
                block.ledger_line_ids.filtered(
                    lambda line: line.parent_state == "posted"
                )
            )
            if float_compare(posted, block.hours, precision_digits=digits) > 0:
                raise UserError(block._get_overused_message(moves, posted))

    def _get_overused_message(self, moves, posted):
        """Why posting ``moves`` would use this block beyond its hours."""
        self.ensure_one()
        lines = self.ledger_line_ids.filtered(lambda line: line.move_id in moves)
        tickets = lines.helpdesk_work_line_ids.ticket_id
        moves = lines.move_id or moves
        others = (
            self.ledger_line_ids.filtered(
                lambda line: line.parent_state == "posted"
                and line._get_helpdesk_billing_sign() > 0
            ).move_id
            - moves
        )
        return self.env._(
            "%(block)s has %(hours)s hours: posting %(invoices)s (%(tickets)s) "
            "would use %(posted)s hours of it, with %(others)s. Cancel or delete "
            "the invoice that bills these hours twice, or credit one of them.",
            block=self._get_block_reference(),
            hours=self.hours,
            invoices=moves._get_helpdesk_references(),
            tickets=tickets._get_helpdesk_names()
            if tickets
            else self.env._("no ticket"),
            posted=posted,
            others=others._get_helpdesk_references() or self.env._("no other invoice"),
        )

    # Selling blocks

    @api.model
    def _sync_sold_blocks(self, sale_lines):
        """Make, resize or cancel the blocks sold by these invoice lines, as
        their invoices and credit notes now say: a posted sale makes an
        active block of the hours sold (quantity x Prepaid Hours of the
        product, less posted credit notes); a sale cancelled, reset to draft
        or credited in full cancels it. Refused, with the reason, when the
        block's hours are used.

        :param sale_lines: customer invoice lines of products that sell
            prepaid hours (``account.move.line``)
        """
        blocks = self.search([("sale_line_id", "in", sale_lines.ids)])
        block_of = {block.sale_line_id: block for block in blocks}
        digits = self._fields["hours"].get_digits(self.env)[1]
        to_create = []
        for line in sale_lines:
            hours = line._get_helpdesk_prepaid_hours_sold()
            block = block_of.get(line)
            if float_compare(hours, 0.0, precision_digits=digits) > 0:
                if not block:
                    to_create.append(self._prepare_sold_block(line, hours))
                    continue
                if float_compare(hours, block.hours_used, precision_digits=digits) < 0:
                    raise UserError(block._get_sale_undone_message(hours))
                if block.state == "cancelled":
                    block.write({"hours": hours, "state": "active"})
                    block.state = block._get_running_state()
                elif float_compare(hours, block.hours, precision_digits=digits):
                    block.hours = hours
            elif block and block.state != "cancelled":
                if block.hours_used > 0:
                    raise UserError(block._get_sale_undone_message(0.0))
                block.state = "cancelled"
        return self.create(to_create)

    @api.model
    def _prepare_sold_block(self, sale_line, hours):
        """The values of the block that ``sale_line`` sells: ``hours`` for
        the invoice's customer, in its company and currency, valid from the
        invoice date for the product's validity."""
        move = sale_line.move_id
        product = sale_line.product_id
        date_start = move.invoice_date or move.date
        months = product.helpdesk_prepaid_validity_months
        date_end = (
            date_start + relativedelta(months=months, days=-1) if months else False
        )
        return {
            "partner_id": move.commercial_partner_id.id,
            "company_id": move.company_id.id,
            "currency_id": move.currency_id.id,
            "hours": hours,
            "date_start": date_start,
            "date_end": date_end,
            "state": "active",
            "sale_line_id": sale_line.id,
        }

    def _get_sale_undone_message(self, hours):
        """Why the sale of this block cannot be cancelled or credited."""
        self.ensure_one()
        return self.env._(
            "%(block)s has %(used)s hours used: its sale on %(invoice)s cannot "
            "be cancelled or credited down to %(hours)s hours. Cancel or credit "
            "the invoices that use it first (%(invoices)s).",
            block=self._get_block_reference(),
            used=self.hours_used,
            invoice=self.sale_move_id._get_helpdesk_reference(),
            hours=hours,
            invoices=self._get_using_moves()._get_helpdesk_references(),
        )

    # Expiry and alerts

    def _expire(self, today):
        """Expire these blocks, of those running, whose Valid Until date is
        before ``today``: their remaining hours lapse."""
        expired = self.filtered(
            lambda block: block.state in ("active", "exhausted")
            and block.date_end
            and block.date_end < today
        )
        for block in expired:
            block.message_post(
                body=self.env._(
                    "Expired on %(date)s: %(hours)s hours lapsed.",
                    date=format_date(self.env, block.date_end),
                    hours=block.hours_remaining,
                )
            )
        expired.state = "expired"
        return expired

    def _get_low_balance_blocks(self):
        """These blocks, of those running, whose remaining hours fell below
        their alert threshold and whose alert is not sent yet."""
        digits = self._fields["hours"].get_digits(self.env)[1]
        return self.filtered(
            lambda block: block.state in ("active", "exhausted")
            and not block.alert_sent
            and float_compare(
                block.hours_remaining,
                block.hours * block.alert_threshold / 100.0,
                precision_digits=digits,
            )
            < 0
        )

    def _send_low_balance_alerts(self):
        """Tell the customer, by email, and their salesperson (else who made
        the block), by an activity, that the block runs low; once a block."""
        blocks = self._get_low_balance_blocks()
        if not blocks:
            return blocks
        template = self.env.ref(
            "helpdesk_mgmt_invoicing.mail_template_prepaid_block_low_balance"
        )
        for block in blocks:
            block.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
            block.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Prepaid hours running low"),
                note=self.env._(
                    "%(block)s: %(remaining)s of %(hours)s hours left. Offer the "
                    "customer a new block.",
                    block=block._get_block_reference(),
                    remaining=block.hours_remaining,
                    hours=block.hours,
                ),
                user_id=(block.partner_id.user_id or block.create_uid).id,
            )
        blocks.alert_sent = True
        return blocks

    @api.model
    def _cron_update_prepaid_blocks(self):
        """Daily: expire the blocks past their Valid Until date, then send the
        low balance alerts not sent yet."""
        today = fields.Date.context_today(self)
        running = self.search([("state", "in", ("active", "exhausted"))])
        running._expire(today)
        running.filtered(
            lambda block: block.state != "expired"
        )._send_low_balance_alerts()
