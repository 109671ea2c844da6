# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from collections import defaultdict, namedtuple
from datetime import datetime, time, timedelta

from markupsafe import Markup
from pytz import timezone

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_round, format_date
from odoo.tools.misc import formatLang

from odoo.addons.resource.models.utils import Intervals, sum_intervals

# What one invoice line bills of a work line: ``quantity`` at ``rate``
# (False: business hours; "after_hours", "holiday") and its ``factor``,
# covered by the prepaid ``block`` (at zero) or not (an empty recordset), at
# ``price_unit`` (``None``: the work's price; a block's overage price).
InvoicePortion = namedtuple("InvoicePortion", "rate quantity factor block price_unit")

# The key of the billed hours remembered before a change, for the chatter.
BILLING_NOTES_KEY = "helpdesk_mgmt_invoicing.billed_hours"
# Who sets what work is billed at: the billing clerk and the helpdesk
# managers. Technicians record the work; its price is read-only for them.
PRICING_GROUPS = "account.group_account_invoice,helpdesk_mgmt.group_helpdesk_manager"
# Who approves or rejects work before it is invoiced (the helpdesk managers
# have it through their group).
APPROVER_GROUP = "helpdesk_mgmt_invoicing.group_helpdesk_work_approver"


class HelpdeskTicketWorkLine(models.Model):
    _name = "helpdesk.ticket.work.line"
    _description = "Helpdesk Ticket Work Line"
    _order = "date, time_start, id"
    _check_company_auto = True

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="ticket_id.company_id",
        store=True,
        index=True,
        precompute=True,
    )
    currency_id = fields.Many2one(related="ticket_id.currency_id")
    commercial_partner_id = fields.Many2one(
        related="ticket_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        default=lambda self: self.env.user,
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        domain=[("sale_ok", "=", True)],
        check_company=True,
        help="The service given, or the part, travel or fee billed. New work "
        "gets its technician's default service (Helpdesk Service on the "
        "user), so that each technician bills at their own rate.",
    )
    product_uom_id = fields.Many2one(
        comodel_name="uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        precompute=True,
        help="Hours for the products sold by time (in hours, days or "
        "minutes alike), else the product's unit.",
    )
    is_time_based = fields.Boolean(
        string="Sold by Time",
        compute="_compute_is_time_based",
        help="The product is sold by time: the line has start and end times "
        "and hours worked.",
    )
    billing_type = fields.Selection(
        selection=[
            ("billable", "Billable"),
            ("no_charge", "No Charge"),
            ("not_billed", "Not Billed"),
        ],
        string="Billing",
        required=True,
        default="billable",
        help="Billable: billed at its price. No Charge: on the invoice at zero, "
        "marked 'No charge', so that the customer sees the service given. Not "
        "Billed: internal work, never on an invoice.",
    )
    name = fields.Char(string="Description")
    time_start = fields.Float(string="Start Time", help="Time the work started.")
    time_end = fields.Float(string="End Time", help="Time the work ended.")
    hours_worked = fields.Float(
        compute="_compute_hours_worked",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Unit of Measure",
        help="Time actually spent, as the technician logged it; computed from "
        "the start and end times.",
    )
    quantity = fields.Float(
        compute="_compute_quantity",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Unit of Measure",
        # Hours, kilometres and parts are not added together.
        aggregator=None,
        help="What is billed, in the line's unit. For a product sold by time: "
        "the hours worked, rounded and raised to the minimum set on the "
        "product; it can be typed over.",
    )
    price_unit = fields.Float(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Price",
        help="The product's price in the customer's pricelist for this "
        "quantity at the work's date, in the ticket's currency. A price typed "
        "by hand stays.",
    )
    technical_price_unit = fields.Float(
        string="Pricelist Price",
        digits="Product Price",
        copy=False,
        help="The last price the pricelist gave: a different Unit Price was "
        "typed by hand.",
    )
    price_subtotal = fields.Monetary(
        string="Amount",
        compute="_compute_price_subtotal",
        store=True,
        # Never summed across lines: tickets bill in different currencies
        # (the analysis sums company_amount).
        aggregator=None,
        help="What the line bills, in the ticket's currency: zero for "
        "no-charge and not billed work.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    company_amount = fields.Monetary(
        string="Amount in Company Currency",
        currency_field="company_currency_id",
        compute="_compute_company_amounts",
        store=True,
        help="The amount converted to the company's currency at the rate of "
        "the work's date, as the sales analysis converts: amounts of "
        "tickets in different currencies can be added up.",
    )
    company_amount_to_invoice = fields.Monetary(
        string="Amount to Invoice in Company Currency",
        currency_field="company_currency_id",
        compute="_compute_company_amounts",
        store=True,
        help="What is left to invoice of this work, converted to the "
        "company's currency at the rate of the work's date: zero for "
        "no-charge and internal work.",
    )
    invoice_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        relation="helpdesk_ticket_work_line_invoice_line_rel",
        column1="work_line_id",
        column2="invoice_line_id",
        string="Invoice Lines",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice",
        help="Every customer invoice and credit note line that billed this "
        "work, cancelled ones included.",
    )
    qty_invoiced = fields.Float(
        string="Invoiced Quantity",
        compute="_compute_billing",
        store=True,
        digits="Product Unit of Measure",
        # Hours, kilometres and parts are not added together.
        aggregator=None,
        help="Quantity billed, in the line's unit, on customer invoices that "
        "are not cancelled, minus that credited by credit notes that are not "
        "cancelled.",
    )
    qty_to_invoice = fields.Float(
        string="Quantity to Invoice",
        compute="_compute_billing",
        store=True,
        digits="Product Unit of Measure",
        aggregator=None,
        help="Quantity not billed yet, in the line's unit: zero for internal "
        "work (Not Billed).",
    )
    hours_invoiced = fields.Float(
        string="Invoiced Hours",
        compute="_compute_hours",
        store=True,
        digits="Product Unit of Measure",
        help="Hours billed of work sold by time; zero for other products "
        "(travel, parts), which are counted in their own unit.",
    )
    hours_to_invoice = fields.Float(
        string="Hours to Invoice",
        compute="_compute_hours",
        store=True,
        digits="Product Unit of Measure",
        help="Hours not billed yet of work sold by time; zero for internal "
        "work (Not Billed) and for other products.",
    )
    hours_prepaid = fields.Float(
        string="Prepaid Hours Used",
        compute="_compute_billing",
        store=True,
        digits="Product Unit of Measure",
        help="Of the invoiced quantity, the hours covered by the customer's "
        "prepaid hours blocks (billed at zero), net of credit notes.",
    )
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice Line",
        compute="_compute_billing",
        store=True,
        index="btree_not_null",
        help="The invoice line that bills this work now; none once its invoice "
        "is cancelled or a credit note credits it.",
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id",
        string="Invoice",
        store=True,
        index="btree_not_null",
    )
    approval_state = fields.Selection(
        selection=[
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="Approval",
        required=True,
        default="to_approve",
        copy=False,
        index=True,
        help="With Invoice Approved Work Only set on the company (Helpdesk "
        "settings), only approved work is invoiced. Helpdesk managers and work "
        "approvers approve or reject it; a change to what approved work bills "
        "puts it back To Approve, as does a change to rejected work.",
    )
    rejection_reason = fields.Text(
        copy=False,
        readonly=True,
        help="Why the approver rejected this work, told to its technician.",
    )
    hours_after_hours = fields.Float(
        string="Hours after Business Hours",
        compute="_compute_rate_hours",
        store=True,
        # Not rounded: the invoice shares the rounded quantity in proportion.
        help="Of the hours between the start and end times, those outside the "
        "business hours of the company's working calendar, on a working day.",
    )
    hours_holiday = fields.Float(
        string="Hours on Holidays",
        compute="_compute_rate_hours",
        store=True,
        help="Of the hours between the start and end times, those on a day "
        "without business hours (a weekend) or on a public holiday of the "
        "company's working calendar.",
    )
    after_hours_factor = fields.Float(
        string="After-Hours Factor",
        compute="_compute_rate_factors",
        store=True,
        digits=(16, 2),
        help="The service's after-hours factor when the work was priced: the "
        "hours after business hours are billed at the price times it. 0: no "
        "surcharge. It stays once the work is billed.",
    )
    holiday_factor = fields.Float(
        compute="_compute_rate_factors",
        store=True,
        digits=(16, 2),
        help="The service's holiday factor when the work was priced: the "
        "hours on weekends and public holidays are billed at the price times "
        "it. 0: no surcharge. It stays once the work is billed.",
    )
    billing_lock_reason = fields.Char(
        compute="_compute_billing_lock_reason",
        help="Why the service, date, hours and price of this work can no "
        "longer change (shown on its locked fields).",
    )

    @api.depends("user_id")
    def _compute_product_id(self):
        """The technician's default service, for work logged without one."""
        for line in self:
            product = line.user_id.helpdesk_product_id
            if not line.product_id and product.company_id in (
                line.company_id,
                product.company_id.browse(),
            ):
                line.product_id = product

    @api.depends("product_id")
    def _compute_is_time_based(self):
        time = self.env.ref("uom.uom_categ_wtime")
        for line in self:
            line.is_time_based = line.product_id.uom_id.category_id == time

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        hour = self.env.ref("uom.product_uom_hour")
        for line in self:
            line.product_uom_id = hour if line.is_time_based else line.product_id.uom_id

    @api.depends("time_start", "time_end")
    def _compute_hours_worked(self):
        for line in self:
            if line.time_end > line.time_start:
                line.hours_worked = line.time_end - line.time_start
            elif not line.hours_worked:
                line.hours_worked = 0.0

    @api.depends("hours_worked", "product_id")
    def _compute_quantity(self):
        for line in self:
            if line.is_time_based and line.hours_worked > 0:
                line.quantity = (
                    line.product_id.product_tmpl_id._get_helpdesk_hours_to_invoice(
                        line.hours_worked
                    )
                )
            elif not line.is_time_based and line.product_id and not line.quantity:
                line.quantity = 1.0
            else:
                line.quantity = line.quantity

    @api.depends(
        "product_id",
        "product_uom_id",
        "quantity",
        "date",
        "ticket_id.commercial_partner_id",
        "ticket_id.currency_id",
    )
    def _compute_price_unit(self):
        """The price of the customer's pricelist, through Odoo's pricelist
        engine as ``sale`` asks it, one call per pricelist, date, quantity and
        unit: a month of work lines costs a few queries, not one per line.

        A price typed by hand (it differs from ``technical_price_unit``) and
        the price of billed work stay.
        """
        to_price = self.filtered(
            lambda line: line.price_unit == line.technical_price_unit
            and not line._is_billed()
        )
        for line in to_price.filtered(lambda line: not line.product_id):
            line.price_unit = line.technical_price_unit = 0.0
        groups = (
            to_price - to_price.filtered(lambda line: not line.product_id)
        ).grouped(
            lambda line: (
                line.ticket_id._get_helpdesk_pricelist(),
                line.company_id,
                line.currency_id,
                line.date,
                line.quantity,
                line.product_uom_id,
            )
        )
        for (
            pricelist,
            company,
            currency,
            date,
            quantity,
            uom,
        ), lines in groups.items():
            pricelist_currency = pricelist.currency_id or company.currency_id
            prices = pricelist.with_company(company)._compute_price_rule(
                lines.product_id,
                quantity or 1.0,
                currency=pricelist_currency,
                uom=uom,
                date=date,
            )
            for line in lines:
                price = prices[line.product_id.id][0]
                if currency and currency != pricelist_currency:
                    # At the date of the work, as the engine converts its own.
                    price = pricelist_currency._convert(
                        price, currency, company, date, round=False
                    )
                line.price_unit = line.technical_price_unit = price

    @api.depends("date", "time_start", "time_end", "company_id.resource_calendar_id")
    def _compute_rate_hours(self):
        """Split the hours between the start and end times at the company's
        business hours: its working calendar's attendances are business
        hours; a day without any (a weekend) and the calendar's public
        holidays (leaves for everyone, as Time Off enters them) are holiday
        hours; the rest of a working day is after hours.

        The calendar is read once per calendar for the days of all these
        lines (two queries), not once per line. Times are in the calendar's
        time zone. Billed work keeps its split (see the leaves' hook).
        """
        to_split = self.filtered(
            lambda line: line.time_end > line.time_start
            and line.date
            and line.company_id.resource_calendar_id
        )
        billed = to_split.filtered(lambda line: line._is_billed())
        for line in billed:
            line.hours_after_hours = line.hours_after_hours
            line.hours_holiday = line.hours_holiday
        to_split -= billed
        for line in self - to_split - billed:
            line.hours_after_hours = line.hours_holiday = 0.0
        for calendar, lines in to_split.grouped(
            lambda line: line.company_id.resource_calendar_id
        ).items():
            tz = timezone(calendar.tz or "UTC")
            dates = lines.mapped("date")
            start = tz.localize(datetime.combine(min(dates), time.min))
            stop = tz.localize(
                datetime.combine(max(dates) + timedelta(days=1), time.min)
            )
            attendances = calendar._attendance_intervals_batch(start, stop, tz=tz)[
                False
            ]
            holidays = calendar._leave_intervals_batch(start, stop, tz=tz)[False]
            working_days = {begin.date() for begin, _end, _records in attendances}
            no_records = self.env["resource.calendar.attendance"]
            for line in lines:
                day = datetime.combine(line.date, time.min)
                work = Intervals(
                    [
                        (
                            tz.localize(day + timedelta(hours=line.time_start)),
                            tz.localize(day + timedelta(hours=line.time_end)),
                            no_records,
                        )
                    ]
                )
                hours = line.time_end - line.time_start
                if line.date in working_days:
                    holiday = sum_intervals(work & holidays)
                    business = sum_intervals((work & attendances) - holidays)
                else:
                    holiday, business = hours, 0.0
                line.hours_holiday = holiday
                line.hours_after_hours = max(hours - business - holiday, 0.0)

    def _recompute_rate_hours(self):
        """Split these lines' hours again (a public holiday changed)."""
        for fname in ("hours_after_hours", "hours_holiday"):
            self.env.add_to_compute(self._fields[fname], self)
        self.modified(["hours_after_hours", "hours_holiday"])

    @api.depends(
        "product_id.helpdesk_after_hours_factor", "product_id.helpdesk_holiday_factor"
    )
    def _compute_rate_factors(self):
        """The service's factors, as priced: billed work keeps its own."""
        for line in self:
            if line._is_billed():
                line.after_hours_factor = line.after_hours_factor
                line.holiday_factor = line.holiday_factor
                continue
            template = line.product_id.product_tmpl_id
            line.after_hours_factor = template.helpdesk_after_hours_factor
            line.holiday_factor = template.helpdesk_holiday_factor

    @api.depends(
        "quantity",
        "price_unit",
        "billing_type",
        "hours_after_hours",
        "hours_holiday",
        "after_hours_factor",
        "holiday_factor",
    )
    def _compute_price_subtotal(self):
        for line in self:
            price = line._get_invoice_price_unit()
            line.price_subtotal = sum(
                quantity * price * factor
                for _rate, quantity, factor in line._get_rate_split(line.quantity)
            )

    @api.depends("qty_invoiced", "qty_to_invoice", "product_uom_id")
    def _compute_hours(self):
        # Not env.ref, which checks that the record exists (a query): invoicing
        # recomputes these once per ticket.
        xmlid_to_res_id = self.env["ir.model.data"]._xmlid_to_res_id
        time_id = xmlid_to_res_id("uom.uom_categ_wtime")
        hour = self.env["uom.uom"].browse(xmlid_to_res_id("uom.product_uom_hour"))
        # {(field name, value): work line ids}: see _compute_billing.
        values = defaultdict(list)
        for line in self:
            uom = line.product_uom_id
            invoiced = to_invoice = 0.0
            if uom.category_id.id == time_id:
                invoiced = uom._compute_quantity(line.qty_invoiced, hour, round=False)
                to_invoice = uom._compute_quantity(
                    line.qty_to_invoice, hour, round=False
                )
            values["hours_invoiced", invoiced].append(line.id)
            values["hours_to_invoice", to_invoice].append(line.id)
        for (fname, value), ids in values.items():
            self.browse(ids)[fname] = value

    @api.depends(
        "price_subtotal",
        "qty_to_invoice",
        "price_unit",
        "billing_type",
        "date",
        "currency_id",
        "company_id",
    )
    def _compute_company_amounts(self):
        """Amounts in the company's currency at the rate of the work's date,
        one rate per currency, company and date."""
        rates = {}
        # {(field name, value): work line ids}: see _compute_billing.
        values = defaultdict(list)
        for line in self:
            company = line.company_id
            to_currency = company.currency_id
            from_currency = line.currency_id or to_currency
            key = (from_currency, company, line.date)
            if key not in rates:
                rates[key] = (
                    1.0
                    if from_currency == to_currency
                    else from_currency._get_conversion_rate(
                        from_currency,
                        to_currency,
                        company,
                        line.date or fields.Date.context_today(line),
                    )
                )
            rate = rates[key]
            amount = to_currency.round(line.price_subtotal * rate)
            to_invoice = to_currency.round(
                line.qty_to_invoice * line._get_invoice_price_unit() * rate
            )
            values["company_amount", amount].append(line.id)
            values["company_amount_to_invoice", to_invoice].append(line.id)
        for (fname, value), ids in values.items():
            self.browse(ids)[fname] = value

    def _get_invoice_price_unit(self):
        """The unit price the invoice bills: zero for work given free."""
        self.ensure_one()
        return self.price_unit if self.billing_type == "billable" else 0.0

    def _get_rate_split(self, quantity):
        """``quantity`` of this work split by rate: ``[(rate, quantity,
        factor)]``, the business hours first (rate ``False``, factor 1), then
        the hours after business hours (``"after_hours"``) and on holidays
        (``"holiday"``) when the service has a factor for them.

        The quantity is the whole line's, already rounded and raised to the
        minimum: it is shared in proportion to the hours worked in each
        period (rounding the whole line first, then splitting it). Work
        without start and end times, given free, or of a service without
        factors is all business hours.
        """
        self.ensure_one()
        hours = self.time_end - self.time_start
        if self.billing_type != "billable" or not self.is_time_based or hours <= 0:
            return [(False, quantity, 1.0)]
        digits = self._fields["quantity"].get_digits(self.env)[1]
        split = []
        for rate, rate_hours, factor in (
            ("after_hours", self.hours_after_hours, self.after_hours_factor),
            ("holiday", self.hours_holiday, self.holiday_factor),
        ):
            if factor > 1 and rate_hours > 0:
                share = float_round(
                    quantity * rate_hours / hours, precision_digits=digits
                )
                split.append((rate, share, factor))
        business = float_round(
            quantity - sum(share for _rate, share, _factor in split),
            precision_digits=digits,
        )
        if business > 0 or not split:
            split.insert(0, (False, max(business, 0.0), 1.0))
        return split

    def _get_rate_quantities_to_invoice(self):
        """What is left to invoice, split by rate as ``_get_rate_split``:
        each rate's share of the line, less what invoice lines of that rate
        bill already (a partial credit note gives back hours of its own
        rate), within the quantity left to invoice; what no rate claims is
        business hours."""
        self.ensure_one()
        billed = defaultdict(float)
        for invoice_line in self.invoice_line_ids:
            billed[invoice_line.helpdesk_rate] += self._get_invoice_line_quantity(
                invoice_line
            )
        digits = self._fields["quantity"].get_digits(self.env)[1]
        left = self.qty_to_invoice
        quantities = {False: 0.0}
        factors = {False: 1.0}
        for rate, quantity, factor in self._get_rate_split(
            self._get_billable_quantity()
        ):
            quantities[rate] = min(max(quantity - billed[rate], 0.0), left)
            factors[rate] = factor
            left -= quantities[rate]
        quantities[False] += left
        split = [
            (rate, float_round(quantity, precision_digits=digits), factors[rate])
            for rate, quantity in quantities.items()
        ]
        return [item for item in split if item[1] > 0] or [(False, 0.0, 1.0)]

    def _get_billable_quantity(self):
        """What may be billed of this work in all: nothing for internal work."""
        self.ensure_one()
        return 0.0 if self.billing_type == "not_billed" else max(self.quantity, 0.0)

    @api.depends("qty_invoiced", "invoice_id")
    def _compute_billing_lock_reason(self):
        for line in self:
            line.billing_lock_reason = (
                line._get_invoiced_lock_message(deleting=False)
                if line._is_billed()
                else False
            )

    @api.depends(
        "quantity",
        "billing_type",
        "product_uom_id",
        "invoice_line_ids.quantity",
        "invoice_line_ids.product_uom_id",
        "invoice_line_ids.move_id.state",
        "invoice_line_ids.move_id.move_type",
        "invoice_line_ids.helpdesk_prepaid_block_id",
        # A line merging several work lines bills each its share.
        "invoice_line_ids.helpdesk_work_line_ids.quantity",
    )
    def _compute_billing(self):
        """What is billed, derived from the invoice lines, as ``sale`` derives
        ``qty_invoiced``: every delete, cancel, reset to draft, credit note or
        line removal is reflected with no code of its own."""
        digits = self._fields["quantity"].get_digits(self.env)[1]
        no_invoice_line = self.env["account.move.line"]
        # {(field name, value): work line ids}: one assignment per field and
        # value, which the ORM converts and rounds once, not once per line.
        values = defaultdict(list)
        for line in self:
            billed = prepaid = 0.0
            for invoice_line in line.invoice_line_ids:
                quantity = line._get_invoice_line_quantity(invoice_line)
                billed += quantity
                if invoice_line.helpdesk_prepaid_block_id:
                    prepaid += quantity
            billed = float_round(billed, precision_digits=digits)
            values[
                "hours_prepaid", float_round(prepaid, precision_digits=digits)
            ].append(line.id)
            to_invoice = max(
                float_round(
                    line._get_billable_quantity() - billed, precision_digits=digits
                ),
                0.0,
            )
            invoice_line = no_invoice_line
            if float_compare(billed, 0.0, precision_digits=digits) > 0:
                invoice_line = line.invoice_line_ids.filtered(
                    lambda invoice_line: invoice_line._get_helpdesk_billing_sign() > 0
                ).sorted("id")[-1:]
            values["qty_invoiced", billed].append(line.id)
            values["qty_to_invoice", to_invoice].append(line.id)
            values["invoice_line_id", invoice_line].append(line.id)
        for (fname, value), ids in values.items():
            self.browse(ids)[fname] = value

    def _get_invoice_line_quantity(self, invoice_line):
        """Hours of this work line that ``invoice_line`` bills: positive on an
        invoice, negative on a credit note, zero once cancelled.

        A line that merges several work lines bills each of them in
        proportion to its hours to invoice.
        """
        self.ensure_one()
        sign = invoice_line._get_helpdesk_billing_sign()
        if not sign:
            return 0.0
        work_lines = invoice_line.helpdesk_work_line_ids
        total = sum(work_lines.mapped("quantity"))
        share = self.quantity / total if total else 1.0 / len(work_lines)
        quantity = invoice_line.quantity
        line_uom = invoice_line.product_uom_id
        if line_uom and self.product_uom_id and line_uom != self.product_uom_id:
            # The clerk may bill hours in days on the draft, say.
            quantity = line_uom._compute_quantity(
                quantity, self.product_uom_id, raise_if_failure=False
            )
        return sign * quantity * share

    @api.constrains("product_id")
    def _check_product_sellable(self):
        for line in self:
            if line.product_id and not line.product_id.sale_ok:
                raise ValidationError(
                    self.env._(
                        "%(product)s cannot be sold: tick 'Sales' on the product, "
                        "or choose another one for the work line of %(date)s.",
                        product=line.product_id.display_name,
                        date=format_date(self.env, line.date),
                    )
                )

    @api.constrains("qty_invoiced", "quantity", "billing_type")
    def _check_billed_once(self):
        """The guard against double billing: whatever the accounting path
        (posting, reset to draft, a credit note cancelled or deleted, an
        invoice line edited), no work is billed beyond its quantity, and none
        is credited beyond what is billed: 0 <= billed <= quantity."""
        digits = self._fields["quantity"].get_digits(self.env)[1]
        for line in self:
            billable = line._get_billable_quantity()
            if float_compare(line.qty_invoiced, billable, precision_digits=digits) > 0:
                raise ValidationError(line._get_billed_twice_message())
            if float_compare(line.qty_invoiced, 0.0, precision_digits=digits) < 0:
                raise ValidationError(line._get_credited_twice_message())

    @api.constrains("time_start", "time_end", "hours_worked", "quantity")
    def _check_times_and_quantities(self):
        for line in self:
            issue = line._get_time_issue() or line._get_negative_quantity_issue()
            if issue:
                raise ValidationError(issue)

    def _get_message_values(self):
        """How the messages about this work line name it: its ticket and its
        date, in the reader's language."""
        self.ensure_one()
        return {
            "ticket": self.ticket_id.display_name,
            "date": format_date(self.env, self.date),
        }

    def _get_time_issue(self):
        """Why the start and end times of this work cannot be, or ``False``.

        Times are within one day (0:00 to 24:00), the end after the start;
        work past midnight is logged as two lines, one until 24:00 and one
        from 0:00. A line logged as hours only has neither time.
        """
        self.ensure_one()
        start, end = self.time_start, self.time_end
        values = self._get_message_values()
        if not 0.0 <= start <= 24.0 or not 0.0 <= end <= 24.0:
            return self.env._(
                "%(ticket)s: the work line of %(date)s has a Start Time or End "
                "Time outside the day: enter times between 00:00 and 24:00.",
                **values,
            )
        if (start or end) and end <= start:
            return self.env._(
                "%(ticket)s: the work line of %(date)s ends before it starts: "
                "enter an End Time after the Start Time. Work past midnight is "
                "two lines: one until 24:00, one from 00:00 the next day.",
                **values,
            )
        return False

    def _get_negative_quantity_issue(self):
        """Why the hours or quantity of this work cannot be, or ``False``."""
        self.ensure_one()
        field = (
            self._fields["hours_worked"]
            if self.hours_worked < 0
            else self._fields["quantity"]
            if self.quantity < 0
            else None
        )
        if not field:
            return False
        return self.env._(
            "%(ticket)s: the work line of %(date)s has a negative %(field)s: "
            "enter zero or more.",
            **self._get_message_values(),
            field=field._description_string(self.env),
        )

    @api.onchange("time_start", "time_end", "hours_worked", "quantity")
    def _onchange_times_and_quantities(self):
        # Said in the form at once; saving is refused by the constraint.
        issue = self._get_time_issue() or self._get_negative_quantity_issue()
        if issue:
            return {
                "warning": {"title": self.env._("Check the times"), "message": issue}
            }
        return None

    def _get_counting_moves(self, move_type):
        """The customer invoices (``out_invoice``) or credit notes
        (``out_refund``), not cancelled, whose lines bill this work: the ones
        its messages name."""
        self.ensure_one()
        # sudo: names them to a user who may not read invoices but must know
        # which ones.
        sign = 1 if move_type == "out_invoice" else -1
        return (
            self.sudo()
            .invoice_line_ids.filtered(
                lambda line: line._get_helpdesk_billing_sign() == sign
            )
            .move_id
        )

    def _get_billed_twice_message(self):
        """Why this work line cannot be billed once more, and what to do."""
        self.ensure_one()
        invoices = self._get_counting_moves("out_invoice")
        return self.env._(
            "%(ticket)s: the work of %(date)s would be billed twice: it is already "
            "billed on %(invoices)s (%(quantity)s %(unit)s to invoice). Cancel or "
            "delete one of these invoices, or credit it with a credit note, first.",
            **self._get_message_values(),
            invoices=invoices._get_helpdesk_references(),
            quantity=formatLang(self.env, self._get_billable_quantity()),
            unit=self.product_uom_id.name or "",
        )

    def _get_credited_twice_message(self):
        """Why this work line cannot be credited once more, and what to do."""
        self.ensure_one()
        credit_notes = self._get_counting_moves("out_refund")
        return self.env._(
            "%(ticket)s: the work of %(date)s would be credited more than it is "
            "billed: %(credit_notes)s credits it already. Keep the invoice it "
            "credits, or cancel or delete that credit note first, or lower the "
            "quantity of the credit note.",
            **self._get_message_values(),
            credit_notes=credit_notes._get_helpdesk_references(),
        )

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        # The amounts in the company's currency say which one it is, in the
        # analysis' measures and everywhere else (sale's analysis leaves the
        # reader to guess).
        res = super().fields_get(allfields, attributes)
        currency = self.env.company.currency_id.name
        for fname in ("company_amount", "company_amount_to_invoice"):
            if "string" in res.get(fname, {}):
                res[fname]["string"] = self.env._(
                    "%(label)s (%(currency)s)",
                    label=res[fname]["string"],
                    currency=currency,
                )
        return res

    def _add_precomputed_values(self, vals_list):
        # The price the pricelist gave is remembered, to tell a price typed by
        # hand (given in the values) from it later, as sale does.
        typed = ["price_unit" in vals for vals in vals_list]
        super()._add_precomputed_values(vals_list)
        for vals, price_typed in zip(vals_list, typed, strict=True):
            if not price_typed and "price_unit" in vals:
                vals.setdefault("technical_price_unit", vals["price_unit"])
        return None

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("invoice_line_ids") for vals in vals_list):
            self._check_invoice_link_access()
        priced = [vals for vals in vals_list if self._get_pricing_fields() & set(vals)]
        if priced:
            self._check_pricing_access(
                self.env["helpdesk.ticket"].browse(
                    {vals.get("ticket_id") for vals in priced} - {None, False}
                )
            )
        lines = super().create(vals_list)
        lines._get_intervention_report_tickets()._reset_intervention_signature()
        if any(vals.get("invoice_line_ids") for vals in vals_list):
            self.env["account.move.line"].sudo().browse(
                {
                    invoice_line.id
                    for line in lines.sudo()
                    for invoice_line in line.invoice_line_ids
                }
            )._check_helpdesk_links_changeable()
        return lines

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if not (self.env.su or self.env.user.has_groups(PRICING_GROUPS)):
            # A technician's copy is priced by the pricelist, as new work is.
            for vals in vals_list:
                for fname in self._get_pricing_fields():
                    vals.pop(fname, None)
        return vals_list

    def write(self, vals):
        if {"approval_state", "rejection_reason"} & set(vals):
            self._check_approver()
        reopened = self.browse()
        if "approval_state" not in vals and self._get_approval_fields() & set(vals):
            reopened = self._get_reopened_by_change()
        if "invoice_line_ids" in vals:
            self._check_invoice_link_access()
            self._check_invoice_link_commands(vals["invoice_line_ids"])
        if self._get_billing_derived_fields().intersection(vals) and not self.env.su:
            raise AccessError(
                self.env._(
                    "What is billed is derived from the invoices: change the "
                    "invoices, not the work lines."
                )
            )
        if self._get_invoiced_locked_fields().intersection(vals):
            self._check_not_invoiced()
        if self._get_pricing_fields().intersection(vals):
            self._check_pricing_access(self.ticket_id)
        signed = self.env["helpdesk.ticket"]
        report_changed = self._get_intervention_report_fields().intersection(vals)
        if report_changed:
            signed = self._get_intervention_report_tickets()
        res = super().write(vals)
        if reopened:
            # Not self.write: putting work back To Approve is no approval.
            super(HelpdeskTicketWorkLine, reopened).write(
                {"approval_state": "to_approve"}
            )
        if report_changed:
            (
                signed | self._get_intervention_report_tickets()
            )._reset_intervention_signature()
        return res

    def unlink(self):
        signed = self._get_intervention_report_tickets()
        result = super().unlink()
        signed._reset_intervention_signature()
        return result

    @api.model
    def _get_intervention_report_fields(self):
        """The fields the intervention report prints: changed on signed work,
        they ask the customer for a new signature."""
        return {
            "ticket_id",
            "date",
            "user_id",
            "product_id",
            "product_uom_id",
            "billing_type",
            "name",
            "time_start",
            "time_end",
            "hours_worked",
            "quantity",
        }

    def _get_intervention_report_tickets(self):
        """The signed tickets whose intervention report lists these lines.

        sudo: whoever may change the work changes what was signed; the
        signature fields follow, whatever the user's rights on the ticket.
        """
        return (
            self.sudo()
            .filtered(lambda line: line.billing_type != "not_billed")
            .ticket_id.filtered("intervention_signed_on")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        self._check_not_invoiced(deleting=True)

    # ------------------------------------------------------------------
    # Invoice lines
    # ------------------------------------------------------------------

    def _get_invoice_line_label(self, lang):
        """Label of the invoice line made from this single work line."""
        self.ensure_one()
        date = self._format_invoice_date(self.date, lang)
        description = self.name or self.product_id.with_context(lang=lang).display_name
        return self._mark_no_charge(f"{date} - {description}", lang)

    @api.model
    @tools.ormcache("value", "lang", "self.env.lang")
    def _format_invoice_date(self, value, lang):
        """``value`` as invoice labels in ``lang`` show it.

        Cached: a month-end run labels thousands of lines with a few dozen
        dates, and Odoo's ``format_date`` reads the language's settings at
        each call. Changing a language clears the cache.
        """
        return format_date(self.env, value, lang_code=lang)

    def _mark_no_charge(self, label, lang):
        """``label``, marked "No charge" for work given free (in ``lang``)."""
        if self[:1].billing_type != "no_charge":
            return label
        env = self.with_context(lang=lang).env
        return env._("%(label)s (No charge)", label=label)

    def _get_rate_label(self, rate, factor, lang):
        """The line that says an invoice line bills surcharged hours, with
        the factor as the customer's language writes numbers."""
        env = self.with_context(lang=lang).env
        decimal_point = env["res.lang"]._get_data(code=lang).decimal_point or "."
        factor = f"{factor:g}".replace(".", decimal_point)
        if rate == "after_hours":
            return env._("After hours (× %(factor)s)", factor=factor)
        return env._("Holiday (× %(factor)s)", factor=factor)

    def _prepare_portion_line(self, vals, portion, lang):
        """``vals`` of an invoice line, for the ``portion`` of its work it
        bills (``InvoicePortion``): at the price times the rate's factor, or
        at zero when a prepaid block covers it, labelled so."""
        vals["quantity"] = portion.quantity
        if portion.price_unit is not None:
            vals["price_unit"] = portion.price_unit
        labels = [vals["name"]]
        if portion.rate:
            vals["price_unit"] *= portion.factor
            vals["helpdesk_rate"] = portion.rate
            labels.append(self._get_rate_label(portion.rate, portion.factor, lang))
        if portion.block:
            vals["price_unit"] = 0.0
            vals["helpdesk_prepaid_block_id"] = portion.block.id
            env = self.with_context(lang=lang).env
            labels.append(
                env._(
                    "Covered by prepaid block %(block)s",
                    block=portion.block.sudo().name,
                )
            )
        vals["name"] = "\n".join(labels)
        return vals

    # ------------------------------------------------------------------
    # Prepaid hours
    # ------------------------------------------------------------------

    def _allocate_prepaid_hours(self):
        """Which prepaid blocks cover these work lines' hours to invoice.

        Time-based billable work of a customer with an active block that
        covers its service on its date, in its company, is covered first,
        the block that expires first used first, the work in the order it
        was done; what no block covers is billed. Blocks are read once for
        all the lines (one search), and their hours left are shared out in
        memory, so that one batch never covers the same hour twice.

        :return: ``(coverage, overage)``: ``{work line: [(block, hours)]}``
            and ``{work line: block}``, the block whose overage price bills
            the hours past it (the last that covered the line, or the first
            exhausted one)
        """
        lines = self.filtered(
            lambda line: line.billing_type == "billable"
            and line.is_time_based
            and line.qty_to_invoice > 0
        )
        coverage, overage = defaultdict(list), {}
        if not lines:
            return coverage, overage
        dates = lines.mapped("date")
        blocks_by_partner = self.env[
            "helpdesk.prepaid.block"
        ]._get_usable_blocks_by_partner(
            lines.commercial_partner_id,
            min(dates),
            max(dates),
            states=("active", "exhausted"),
        )
        digits = self._fields["quantity"].get_digits(self.env)[1]
        left = {}
        for line in lines.sorted(lambda line: (line.date, line.time_start, line.id)):
            blocks = blocks_by_partner[line.commercial_partner_id].filtered(
                lambda block, line=line: block._covers_work(line)
            )
            if not blocks:
                continue
            hours = line.qty_to_invoice
            for block in blocks.filtered(lambda block: block.state == "active"):
                available = left.setdefault(block, block.hours_remaining)
                taken = float_round(min(available, hours), precision_digits=digits)
                if taken <= 0:
                    continue
                coverage[line].append((block, taken))
                left[block] = available - taken
                hours = float_round(hours - taken, precision_digits=digits)
                if hours <= 0:
                    break
            if hours > 0:
                used = [block for block, _hours in coverage[line]]
                overage[line] = used[-1] if used else blocks[:1]
        return coverage, overage

    def _prepare_prepaid_recap_lines(self, portions, used_before, lang):
        """The notes that close an invoice billing these work lines: for each
        prepaid block it uses, the hours at the start, used on this invoice
        and left, and the hours billed past it.

        :param dict portions: ``{work line: [InvoicePortion]}``
        :param dict used_before: ``{block: hours used}`` by the invoices made
            before in the same batch; updated with this invoice's
        """
        covered = defaultdict(float)
        past = defaultdict(float)
        for line in self:
            line_portions = portions.get(line, [])
            line_blocks = [portion.block for portion in line_portions if portion.block]
            for portion in line_portions:
                if portion.block:
                    covered[portion.block] += portion.quantity
                elif line_blocks:
                    past[line_blocks[-1]] += portion.quantity
        env = self.with_context(lang=lang).env
        notes = []
        for block, hours in covered.items():
            # sudo: the clerk invoices; the block's figures are for the recap.
            block_sudo = block.sudo()
            before = used_before.get(block, block_sudo.hours_used)
            used_before[block] = before + hours
            text = env._(
                "Prepaid hours %(block)s: %(bought)s hours bought, %(before)s used "
                "before this invoice, %(used)s on it, %(left)s left.",
                block=block_sudo.name,
                bought=self._format_hours(block_sudo.hours, lang),
                before=self._format_hours(before, lang),
                used=self._format_hours(hours, lang),
                left=self._format_hours(
                    max(block_sudo.hours - before - hours, 0.0), lang
                ),
            )
            if past.get(block):
                text += " " + env._(
                    "%(hours)s hours past the block are billed.",
                    hours=self._format_hours(past[block], lang),
                )
            notes.append({"display_type": "line_note", "name": text})
        return notes

    @api.model
    def _format_hours(self, hours, lang):
        """``hours`` as the invoice writes quantities, in ``lang``."""
        digits = self._fields["quantity"].get_digits(self.env)[1]
        return formatLang(self.with_context(lang=lang).env, hours, digits=digits)

    def _get_invoice_portions(self, coverage=(), overage_block=None):
        """What is left to invoice of this work, portion by portion: each
        rate's hours (``_get_rate_quantities_to_invoice``), the business
        hours first, covered by the blocks of ``coverage`` as far as they
        go, the rest billed (at ``overage_block``'s overage price if it has
        one).

        :param coverage: ``[(block, hours)]``, as ``_allocate_prepaid_hours``
        :return: ``[InvoicePortion]``
        """
        self.ensure_one()
        digits = self._fields["quantity"].get_digits(self.env)[1]
        no_block = self.env["helpdesk.prepaid.block"]
        price = overage_block._get_overage_price(self) if overage_block else None
        covering = list(coverage)
        portions = []
        for rate, quantity, factor in self._get_rate_quantities_to_invoice():
            while quantity > 0 and covering:
                block, hours = covering[0]
                taken = min(hours, quantity)
                portions.append(InvoicePortion(rate, taken, factor, block, 0.0))
                quantity = float_round(quantity - taken, precision_digits=digits)
                hours = float_round(hours - taken, precision_digits=digits)
                if hours > 0:
                    covering[0] = (block, hours)
                else:
                    covering.pop(0)
            if quantity > 0 or not portions:
                portions.append(InvoicePortion(rate, quantity, factor, no_block, price))
        return portions

    def _prepare_invoice_line(self, lang):
        """Values of the invoice line that bills this single work line."""
        self.ensure_one()
        return {
            "display_type": "product",
            "product_id": self.product_id.id,
            "product_uom_id": self.product_uom_id.id,
            "quantity": self.qty_to_invoice,
            "price_unit": self._get_invoice_price_unit(),
            "name": self._get_invoice_line_label(lang),
            "helpdesk_work_line_ids": [Command.link(self.id)],
        }

    def _get_invoice_line_merge_key(self, portions):
        """Work lines with the same key become one line under "Group work lines".

        Work already billed in part (a partial credit note), and work billed
        in several portions (hours at different rates, or partly covered by
        a prepaid block), keep lines of their own, so that each merged line
        bills its work lines in proportion to their hours.

        :param portions: this line's ``InvoicePortion`` list
        """
        self.ensure_one()
        if self.qty_invoiced or len(portions) > 1:
            return (self,)
        portion = portions[0]
        return (
            self.product_id,
            self.product_uom_id,
            self.billing_type,
            self.currency_id.round(self._get_invoice_price_unit()),
            portion.rate,
            portion.factor,
            portion.block,
            portion.price_unit,
        )

    def _get_merged_invoice_line_label(self, lang):
        """Label of the line that merges these work lines (one service)."""
        env = self.with_context(lang=lang).env
        dates = sorted(set(self.mapped("date")))
        first = self._format_invoice_date(dates[0], lang)
        last = self._format_invoice_date(dates[-1], lang)
        if len(dates) == 1:
            period = env._("Work performed on %(date)s", date=first)
        else:
            period = env._(
                "Work performed from %(first)s to %(last)s", first=first, last=last
            )
        product = self[:1].product_id.with_context(lang=lang)
        return self._mark_no_charge(f"{product.display_name}\n{period}", lang)

    def _prepare_merged_invoice_line(self, lang):
        """Values of the one invoice line that bills all these work lines."""
        first = self[:1]
        return {
            "display_type": "product",
            "product_id": first.product_id.id,
            "product_uom_id": first.product_uom_id.id,
            "quantity": sum(self.mapped("qty_to_invoice")),
            "price_unit": first._get_invoice_price_unit(),
            "name": self._get_merged_invoice_line_label(lang),
            "helpdesk_work_line_ids": [Command.link(line.id) for line in self],
        }

    def _prepare_invoice_lines(self, group_work_lines, lang, portions):
        """Invoice line values for these work lines of one ticket.

        Each line's name starts with its ticket's reference (see the ticket's
        ``_get_invoice_line_name``). Each portion of a work line
        (``_get_invoice_portions``) is billed on a line of its own: hours
        after business hours and on holidays at the price times the
        service's factor, hours covered by a prepaid block at zero.

        :param bool group_work_lines: merge the lines that share a merge key
        :param str lang: the customer's language, for labels and dates
        :param dict portions: ``{work line: [InvoicePortion]}``, as
            ``_get_invoice_portions`` makes them with the prepaid blocks'
            coverage of the whole batch
        """
        if group_work_lines:
            groups = self.grouped(
                lambda line: line._get_invoice_line_merge_key(portions[line])
            )
            groups = list(groups.values())
        else:
            groups = list(self)
        vals_list = []
        for lines in groups:
            group_portions = portions[lines[:1]]
            if len(lines) > 1:
                # One portion each, of one key: billed together.
                quantity = sum(portions[line][0].quantity for line in lines)
                group_portions = [group_portions[0]._replace(quantity=quantity)]
            for portion in group_portions:
                vals = (
                    lines._prepare_merged_invoice_line(lang)
                    if group_work_lines
                    else lines._prepare_invoice_line(lang)
                )
                vals_list.append(lines._prepare_portion_line(vals, portion, lang))
        ticket = self.ticket_id[:1]
        for vals in vals_list:
            vals["name"] = ticket._get_invoice_line_name(vals["name"])
        return vals_list

    # ------------------------------------------------------------------
    # Eligibility: the work line's own rules
    # ------------------------------------------------------------------

    def _has_hours_to_invoice(self):
        """Whether an invoice made now would bill this work line.

        The rules compare the hours with zero as they are: a float field with
        digits holds its values rounded to them (``fields.Float`` rounds every
        value it caches, read or computed), so a plain comparison is
        ``float_compare`` at the precision of the hours, without reading that
        precision again for each line of a month-end batch.
        """
        self.ensure_one()
        return self.qty_to_invoice > 0

    def _is_billable_work(self):
        """Whether this line is work the customer is billed for: logged with
        a quantity and not internal (Not Billed), or billed already. A ticket
        without any shows no Billing State in lists."""
        self.ensure_one()
        return (
            self.billing_type != "not_billed" and self.quantity > 0
        ) or self._is_billed()

    def _is_unfinished(self):
        """Logged without a quantity and never billed: not "correctly filled
        in". Internal work (Not Billed) is never a reason to skip a ticket."""
        self.ensure_one()
        return (
            self.billing_type != "not_billed"
            and self.quantity <= 0
            and not self.qty_invoiced
        )

    def _get_invoicing_issue(self, bad_products):
        """Why this work line keeps its ticket from being invoiced, or ``False``.

        :param dict bad_products: ``{(company, product id): reason}`` for the
            services that cannot be billed
        """
        self.ensure_one()
        if self.billing_type == "not_billed":
            return False
        return (
            self._get_missing_service_issue()
            or self._get_missing_hours_issue()
            or self._get_service_issue(bad_products)
        )

    def _get_missing_service_issue(self):
        if self.product_id:
            return False
        return self.env._(
            "%(ticket)s: the work line of %(date)s has no service or product: "
            "choose one on the line.",
            **self._get_message_values(),
        )

    def _get_missing_hours_issue(self):
        if not self._is_unfinished():
            return False
        return self.env._(
            "%(ticket)s: the work line of %(date)s has no hours to invoice: enter "
            "the hours, or delete the line.",
            **self._get_message_values(),
        )

    def _get_service_issue(self, bad_products):
        reason = bad_products.get((self.company_id, self.product_id.id))
        if not reason:
            return False
        return self.env._(
            "%(ticket)s: the work line of %(date)s: %(reason)s",
            **self._get_message_values(),
            reason=reason,
        )

    # ------------------------------------------------------------------
    # Locks
    # ------------------------------------------------------------------

    @api.model
    def _get_invoiced_locked_fields(self):
        """Fields that no longer change once the work line is billed.

        What the customer is billed for: the service and its unit, the day,
        the hours and the price, and whether it is billed at all; the ticket
        (and so the customer) is locked by the ticket. The description and the
        technician stay editable.
        """
        return {
            "ticket_id",
            "date",
            "product_id",
            "product_uom_id",
            "billing_type",
            "time_start",
            "time_end",
            "hours_worked",
            "quantity",
            "price_unit",
            "technical_price_unit",
            "price_subtotal",
            "hours_after_hours",
            "hours_holiday",
            "after_hours_factor",
            "holiday_factor",
        }

    @api.model
    def _get_pricing_fields(self):
        """Fields that decide what the work is billed at: the billing clerk's
        and the helpdesk manager's to set, read-only for technicians."""
        return {
            "price_unit",
            "technical_price_unit",
            "price_subtotal",
            "product_uom_id",
            "after_hours_factor",
            "holiday_factor",
        }

    @api.model
    def _check_pricing_access(self, tickets):
        """Refuse the price, unit or amount of work to technicians.

        :param tickets: the tickets of the work, named in the message
        """
        if self.env.su or self.env.user.has_groups(PRICING_GROUPS):
            return
        raise AccessError(
            self.env._(
                "%(tickets)s: only the billing clerk and the helpdesk managers set "
                "the price and unit of work. Record the date, times, hours, "
                "description and service, and ask them for the price.",
                tickets=tickets._get_helpdesk_names(),
            )
        )

    def _check_invoice_link_commands(self, commands):
        """Refuse to put these work lines on, or take them off, invoice lines
        of journal entries that are posted or cancelled: those links are
        accounting's record, changed by accounting only (reset to draft,
        credit note, cancel)."""
        # sudo: checks the invoices' states, whatever the user may read.
        lines = self.sudo()
        changed = self.env["account.move.line"].sudo()
        for line in lines:
            current = set(line.invoice_line_ids.ids)
            result = set(current)
            for command in commands:
                code = command[0]
                if code == Command.SET:
                    result = set(command[2])
                elif code == Command.CLEAR:
                    result = set()
                elif code == Command.LINK:
                    result.add(command[1])
                elif code in (Command.UNLINK, Command.DELETE):
                    result.discard(command[1])
                else:
                    raise UserError(
                        self.env._(
                            "Invoice lines are made by invoicing, not from a "
                            "work line of %(ticket)s.",
                            ticket=line.ticket_id.display_name,
                        )
                    )
            changed |= changed.browse(current ^ result)
        changed._check_helpdesk_links_changeable()

    @api.model
    def _get_billing_derived_fields(self):
        """Fields derived from the invoices, never written by hand."""
        return {
            "qty_invoiced",
            "hours_prepaid",
            "qty_to_invoice",
            "hours_invoiced",
            "hours_to_invoice",
            "company_amount",
            "company_amount_to_invoice",
            "invoice_line_id",
            "invoice_id",
        }

    def _is_billed(self):
        """Whether some of this work's hours are billed now (rounded hours: see
        ``_has_hours_to_invoice``)."""
        self.ensure_one()
        return self.qty_invoiced > 0

    def _check_invoice_link_access(self):
        """Only invoicing puts work lines on invoice lines, or takes them off."""
        if self.env.su or self.env.user.has_group("account.group_account_invoice"):
            return
        raise AccessError(
            self.env._(
                "Only invoicing users can put work lines on an invoice or take "
                "them off: ask the billing clerk."
            )
        )

    def _check_not_invoiced(self, deleting=False):
        """Raise when one of these work lines is billed on an invoice."""
        billed = self.filtered(lambda line: line._is_billed())[:1]
        if billed:
            raise UserError(billed._get_invoiced_lock_message(deleting))

    def _get_invoiced_lock_message(self, deleting):
        """Why this billed work line cannot be changed or deleted, and what to do."""
        self.ensure_one()
        values = {
            **self._get_message_values(),
            # sudo: only the invoice's reference is shown, to a user who may
            # not read invoices but must know which one holds the work line.
            "invoice": self.invoice_id.sudo()._get_helpdesk_reference(),
        }
        if deleting:
            return self.env._(
                "%(ticket)s: the work line of %(date)s is billed on %(invoice)s "
                "and cannot be deleted. Remove its line from the draft invoice, "
                "or cancel the invoice or reverse it with a credit note, first.",
                **values,
            )
        return self.env._(
            "%(ticket)s: the work line of %(date)s is billed on %(invoice)s: "
            "its service, date, hours and price can no longer "
            "change. Remove its line from the draft invoice, or cancel the "
            "invoice or reverse it with a credit note, first.",
            **values,
        )

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------

    def action_approve(self):
        """Approve this work for invoicing (helpdesk managers and work
        approvers)."""
        self._check_approver()
        self._check_approval_changeable()
        self.write({"approval_state": "approved", "rejection_reason": False})
        return True

    def action_reject(self, reason):
        """Reject this work: its technician gets an activity on the ticket
        with ``reason``, which the ticket's chatter says too.

        :param str reason: why, for the technician (required)
        """
        self._check_approver()
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "%(tickets)s: say why the work is rejected: the technician "
                    "reads it to correct the work.",
                    tickets=self.ticket_id._get_helpdesk_names(),
                )
            )
        self._check_approval_changeable()
        self.write({"approval_state": "rejected", "rejection_reason": reason})
        for (ticket, technician), lines in self.grouped(
            lambda line: (line.ticket_id, line.user_id)
        ).items():
            dates = ", ".join(
                format_date(self.env, date) for date in lines.mapped("date")
            )
            summary = self.env._("Work rejected: %(dates)s", dates=dates)
            if technician:
                ticket.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=reason,
                    user_id=technician.id,
                )
            ticket.message_post(
                body=self.env._(
                    "Work of %(dates)s rejected: %(reason)s",
                    dates=dates,
                    reason=reason,
                )
            )
        return True

    def action_open_reject_wizard(self):
        """The pop-up that asks why the selected work is rejected."""
        self._check_approver()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Work"),
            "res_model": "helpdesk.ticket.work.line.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_work_line_ids": self.ids},
        }

    def _is_waiting_approval(self):
        """Whether this work waits for approval before it is invoiced: its
        company invoices approved work only, and it is not approved."""
        self.ensure_one()
        return (
            self.company_id.helpdesk_invoice_approved_only
            and self.approval_state != "approved"
        )

    def _is_approver(self):
        """Whether the user approves work: a helpdesk manager or a work
        approver (or the superuser)."""
        return self.env.su or self.env.user.has_group(APPROVER_GROUP)

    def _check_approver(self):
        """Only helpdesk managers and work approvers approve or reject work."""
        if self._is_approver():
            return
        raise AccessError(
            self.env._(
                "%(tickets)s: only helpdesk managers and work approvers approve "
                "or reject work.",
                tickets=self.ticket_id._get_helpdesk_names(),
            )
        )

    def _check_approval_changeable(self):
        """Work on an invoice is past approval: the invoice is what was
        approved (cancel it first; a credit note leaves the invoice)."""
        for line in self:
            invoices = line._get_counting_moves("out_invoice")
            if not invoices:
                continue
            raise UserError(
                self.env._(
                    "%(ticket)s: the work line of %(date)s is on %(invoices)s "
                    "already: approving or rejecting it changes nothing. Cancel "
                    "or delete the invoice first.",
                    **line._get_message_values(),
                    invoices=invoices._get_helpdesk_references(),
                )
            )

    def _check_approved(self):
        """Refuse to bill work that waits for approval, where the company
        invoices approved work only (checked where the customer is billed)."""
        waiting = self.filtered(lambda line: line._is_waiting_approval())[:1]
        if waiting:
            raise UserError(
                self.env._(
                    "%(ticket)s: the work line of %(date)s is not approved: "
                    "approve it in Helpdesk > Work to Approve, or take it off "
                    "the invoice, before posting.",
                    **waiting._get_message_values(),
                )
            )

    @api.model
    def _get_approval_fields(self):
        """Fields whose change makes approved or rejected work to approve
        again: what the work bills."""
        return self._get_invoiced_locked_fields() - {"technical_price_unit"}

    def _get_reopened_by_change(self):
        """The lines among these that a change of what they bill puts back
        To Approve: rejected ones, and approved ones changed by an approver;
        approved work is refused to anyone else."""
        approved = self.filtered(lambda line: line.approval_state == "approved")
        if approved and not self._is_approver():
            line = approved[0]
            raise UserError(
                self.env._(
                    "%(ticket)s: the work line of %(date)s is approved: ask a "
                    "helpdesk manager or a work approver to change it.",
                    **line._get_message_values(),
                )
            )
        return self.filtered(lambda line: line.approval_state != "to_approve")

    # ------------------------------------------------------------------
    # The chatter: what happened to the billed hours
    # ------------------------------------------------------------------

    def _compute_field_value(self, field):
        # Remember the billed hours before they change, as mail's tracking
        # remembers tracked values: the tickets' chatter says what changed
        # when the transaction ends (_log_billing_changes).
        if field.compute == "_compute_billing" and any(self._ids):
            self._remember_billed_hours()
        return super()._compute_field_value(field)

    def _remember_billed_hours(self):
        data = self.env.cr.precommit.data
        if BILLING_NOTES_KEY not in data:
            data[BILLING_NOTES_KEY] = {}
            self.env.cr.precommit.add(self._log_billing_changes)
        before = data[BILLING_NOTES_KEY]
        for line in self.filtered("id"):
            if line.id not in before:
                # The old values: the fields being computed are no longer
                # marked to compute, so reading gives what is stored.
                before[line.id] = (line.qty_invoiced, line.invoice_line_id.id)

    def _log_billing_changes(self):
        """Tell each ticket whose billed hours changed what happened, one note
        per ticket, in one batch."""
        before = self.env.cr.precommit.data.pop(BILLING_NOTES_KEY, {})
        lines = self.sudo().browse(list(before)).exists()
        digits = self._fields["quantity"].get_digits(self.env)[1]
        changed = lines.filtered(
            lambda line: float_compare(
                line.qty_invoiced, before[line.id][0], precision_digits=digits
            )
        )
        if not changed:
            return
        # The invoice lines that billed the work before, where they still exist.
        old_invoice_lines = (
            self.env["account.move.line"]
            .sudo()
            .browse({before[line.id][1] for line in changed} - {False})
            .exists()
        )
        bodies = {}
        for ticket, ticket_lines in changed.grouped("ticket_id").items():
            bodies[ticket.id] = ticket_lines._get_billing_change_message(
                before, old_invoice_lines
            )
        self.env["helpdesk.ticket"].browse(list(bodies))._message_log_batch(
            bodies=bodies
        )

    def _get_billing_change_message(self, before, old_invoice_lines):
        """The note of a ticket whose work lines (``self``) changed billed hours.

        :param dict before: ``{work line id: (billed hours, invoice line id)}``
            before the change
        :param old_invoice_lines: the invoice lines that billed them before,
            those that still exist
        """
        ticket = self.ticket_id
        gained = self.filtered(lambda line: line.qty_invoiced > before[line.id][0])
        lost = self - gained
        parts = []
        if gained:
            parts.append(
                self.env._(
                    "Billed on %(invoices)s: %(quantities)s.",
                    quantities=gained._format_quantity_change(before),
                    invoices=gained.invoice_id._get_helpdesk_links(),
                )
            )
        if lost:
            reasons = lost._get_billing_loss_reasons(before, old_invoice_lines)
            parts.append(
                self.env._(
                    "%(quantities)s are no longer billed: %(reasons)s.",
                    quantities=lost._format_quantity_change(before),
                    reasons=Markup("; ").join(reasons),
                )
            )
            if ticket.billing_state == "to_invoice":
                parts.append(self.env._("The ticket is To Invoice again."))
        return Markup(" ").join(parts)

    def _get_billing_loss_reasons(self, before, old_invoice_lines):
        """Why these work lines lost billed hours, told from their invoices now
        (a deleted invoice line leaves no trace but its absence)."""
        counting = self.invoice_line_ids.filtered(
            lambda line: line._get_helpdesk_billing_sign()
        )
        old_ids = {before[line.id][1] for line in self}
        cancelled = old_invoice_lines.filtered(
            lambda line: line.id in old_ids and line.move_id.state == "cancel"
        ).move_id
        credit_notes = counting.filtered(
            lambda line: line._get_helpdesk_billing_sign() < 0
        ).move_id
        counting = counting.move_id
        reasons = []
        if cancelled:
            reasons.append(
                self.env._(
                    "%(invoices)s was cancelled",
                    invoices=cancelled._get_helpdesk_links(),
                )
            )
        if credit_notes:
            reasons.append(
                self.env._(
                    "%(credit_notes)s credits it",
                    credit_notes=credit_notes._get_helpdesk_links(),
                )
            )
        if not reasons:
            invoices = counting - credit_notes
            if invoices:
                reasons.append(
                    self.env._(
                        "fewer hours are billed on %(invoices)s",
                        invoices=invoices._get_helpdesk_links(),
                    )
                )
            else:
                reasons.append(
                    self.env._("the invoice lines that billed it were deleted")
                )
        return reasons

    def _format_quantity_change(self, before):
        """Quantities gained or lost by these lines since ``before``, formatted
        per unit: the hours of the work sold by time, then each other unit
        (kilometres, parts) on its own, never added into the hours."""
        # Not is_time_based, whose env.ref costs a query per ticket's note.
        time_id = self.env["ir.model.data"]._xmlid_to_res_id("uom.uom_categ_wtime")
        by_unit = defaultdict(float)
        for line in self:
            change = abs(line.qty_invoiced - before[line.id][0])
            uom = line.product_uom_id
            # Work sold by time is billed in hours (_compute_product_uom_id).
            by_unit[None if uom.category_id.id == time_id else uom] += change
        parts = []
        hours = by_unit.pop(None, None)
        if hours is not None:
            parts.append(
                self.env._(
                    "%(hours)s hours", hours=formatLang(self.env, hours, digits=2)
                )
            )
        for uom, quantity in sorted(by_unit.items(), key=lambda item: item[0].name):
            parts.append(
                self.env._(
                    "%(quantity)s %(unit)s",
                    quantity=formatLang(self.env, quantity, digits=2),
                    unit=uom.name,
                )
            )
        return ", ".join(parts)
