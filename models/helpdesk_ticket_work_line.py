# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import escape

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .helpdesk_ticket import html_links


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
    date = fields.Date(required=True, default=fields.Date.context_today)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Technician",
        default=lambda self: self.env.user,
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Service",
        domain=[("type", "=", "service"), ("sale_ok", "=", True)],
        check_company=True,
    )
    name = fields.Char(string="Description")
    time_start = fields.Float(string="Start Time", help="Time the work started.")
    time_end = fields.Float(string="End Time", help="Time the work ended.")
    hours_worked = fields.Float(
        compute="_compute_hours_worked",
        store=True,
        readonly=False,
        precompute=True,
        help="Time actually spent; computed from the start and end times.",
    )
    quantity = fields.Float(
        string="Hours to Invoice",
        compute="_compute_quantity",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Unit of Measure",
        help="Hours billed to the customer; defaults to the hours worked.",
    )
    price_unit = fields.Float(
        string="Unit Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        digits="Product Price",
    )
    price_subtotal = fields.Monetary(
        string="Amount",
        compute="_compute_price_subtotal",
        store=True,
    )
    invoice_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Invoice Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id",
        string="Invoice",
        store=True,
        index="btree_not_null",
    )

    @api.depends("time_start", "time_end")
    def _compute_hours_worked(self):
        for line in self:
            if line.time_end > line.time_start:
                line.hours_worked = line.time_end - line.time_start
            elif not line.hours_worked:
                line.hours_worked = 0.0

    @api.depends("hours_worked")
    def _compute_quantity(self):
        for line in self:
            line.quantity = line.hours_worked

    @api.depends("product_id")
    def _compute_price_unit(self):
        for line in self:
            line.price_unit = line.product_id.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.quantity * line.price_unit

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("invoice_line_id") for vals in vals_list):
            self._check_invoice_link_access()
        return super().create(vals_list)

    def write(self, vals):
        if "invoice_line_id" in vals:
            self._check_invoice_link_access()
        if self._get_invoiced_locked_fields().intersection(vals):
            self._check_not_invoiced()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        self._check_not_invoiced(deleting=True)

    def _get_invoice_line_label(self, lang):
        """Label of the invoice line made from this single work line."""
        self.ensure_one()
        date = format_date(self.env, self.date, lang_code=lang)
        return f"{date} - {self.name or self.product_id.display_name}"

    def _prepare_invoice_line(self, lang):
        """Values of the invoice line that bills this single work line."""
        self.ensure_one()
        return {
            "display_type": "product",
            "product_id": self.product_id.id,
            "quantity": self.quantity,
            "price_unit": self.price_unit,
            "name": self._get_invoice_line_label(lang),
            "helpdesk_work_line_ids": [Command.link(self.id)],
        }

    def _get_invoice_line_merge_key(self):
        """Work lines with the same key become one line under "Group work lines"."""
        self.ensure_one()
        return (self.product_id, self.currency_id.round(self.price_unit))

    def _get_merged_invoice_line_label(self, lang):
        """Label of the line that merges these work lines (one service)."""
        env = self.with_context(lang=lang).env
        dates = sorted(set(self.mapped("date")))
        first = format_date(env, dates[0], lang_code=lang)
        last = format_date(env, dates[-1], lang_code=lang)
        if len(dates) == 1:
            period = env._("Work performed on %(date)s", date=first)
        else:
            period = env._(
                "Work performed from %(first)s to %(last)s", first=first, last=last
            )
        product = self[:1].product_id.with_context(lang=lang)
        return f"{product.display_name}\n{period}"

    def _prepare_merged_invoice_line(self, lang):
        """Values of the one invoice line that bills all these work lines."""
        first = self[:1]
        return {
            "display_type": "product",
            "product_id": first.product_id.id,
            "quantity": sum(self.mapped("quantity")),
            "price_unit": first.price_unit,
            "name": self._get_merged_invoice_line_label(lang),
            "helpdesk_work_line_ids": [Command.link(line.id) for line in self],
        }

    def _prepare_invoice_lines(self, group_work_lines, lang):
        """Invoice line values for these work lines of one ticket.

        Each line's name starts with its ticket's reference (see the ticket's
        ``_get_invoice_line_name``).

        :param bool group_work_lines: merge the lines that share a merge key
        :param str lang: the customer's language, for labels and dates
        """
        if not group_work_lines:
            vals_list = [line._prepare_invoice_line(lang) for line in self]
        else:
            groups = self.grouped(lambda line: line._get_invoice_line_merge_key())
            vals_list = [
                lines._prepare_merged_invoice_line(lang) for lines in groups.values()
            ]
        ticket = self.ticket_id[:1]
        for vals in vals_list:
            vals["name"] = ticket._get_invoice_line_name(vals["name"])
        return vals_list

    # ------------------------------------------------------------------
    # Locks and release
    # ------------------------------------------------------------------

    @api.model
    def _get_invoiced_locked_fields(self):
        """Fields that no longer change once the work line is on an invoice.

        What the customer is billed for: the service, the day, the hours and
        the price. The description and the technician stay editable.
        """
        return {
            "ticket_id",
            "date",
            "product_id",
            "time_start",
            "time_end",
            "hours_worked",
            "quantity",
            "price_unit",
        }

    def _check_invoice_link_access(self):
        """Only invoicing does link work lines to invoice lines, or release them."""
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
        billed = self.filtered("invoice_line_id")[:1]
        if billed:
            raise UserError(billed._get_invoiced_lock_message(deleting))

    def _get_invoiced_lock_message(self, deleting):
        """Why this billed work line cannot be changed or deleted, and what to do."""
        self.ensure_one()
        values = {
            "ticket": self.ticket_id.display_name,
            "date": format_date(self.env, self.date),
            # sudo: only the invoice's name is shown, to a user who may not
            # read invoices but must know which one holds the work line.
            "invoice": self.invoice_id.sudo().display_name,
        }
        if deleting:
            return self.env._(
                "%(ticket)s: the work line of %(date)s is billed on invoice "
                "%(invoice)s and cannot be deleted. Remove its line from the draft "
                "invoice, or cancel the invoice or reverse it with a credit note, "
                "first.",
                **values,
            )
        return self.env._(
            "%(ticket)s: the work line of %(date)s is billed on invoice "
            "%(invoice)s: its service, date, hours and price can no longer "
            "change. Remove its line from the draft invoice, or cancel the "
            "invoice or reverse it with a credit note, first.",
            **values,
        )

    def _release_from_invoices(self, event):
        """Take these work lines off the invoices that no longer bill them.

        Their tickets go back to To Invoice when no work line of theirs is left
        on an invoice, and each ticket's chatter says what happened: one batch
        for all the tickets.

        :param str event: what happened to the invoices: ``deleted``,
            ``cancelled``, ``reversed`` or ``line_removed``
        """
        # sudo: the user was allowed to delete, cancel or reverse the invoice
        # (or remove its line); releasing its work lines and reopening their
        # tickets is the consequence, whatever the user's helpdesk rights.
        lines = self.sudo().filtered("invoice_line_id")
        if not lines:
            return
        labels = {}
        for ticket, ticket_lines in lines.grouped("ticket_id").items():
            invoices = ticket_lines.invoice_id
            if event == "deleted":
                # A deleted invoice has no page to link to: its name is kept.
                labels[ticket] = escape(", ".join(invoices.mapped("display_name")))
            else:
                labels[ticket] = html_links(invoices)
        # Read before the links go: which invoice billed which tickets.
        tickets_by_invoice = {
            invoice: invoice_lines.ticket_id
            for invoice, invoice_lines in lines.grouped("invoice_id").items()
        }
        lines.write({"invoice_line_id": False})
        lines.ticket_id._reopen_after_release(labels, event)
        if event in ("cancelled", "reversed"):
            # The invoice stays: say on it that it no longer bills the work.
            invoices = self.env["account.move"].union(*tickets_by_invoice)
            invoices._message_log_batch(
                bodies={
                    invoice.id: invoice._get_helpdesk_release_note(tickets)
                    for invoice, tickets in tickets_by_invoice.items()
                }
            )
