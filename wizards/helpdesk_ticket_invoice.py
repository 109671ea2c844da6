# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketInvoice(models.TransientModel):
    _name = "helpdesk.ticket.invoice"
    _description = "Generate Invoice Proposals from Helpdesk Tickets"

    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets",
        default=lambda self: self._default_ticket_ids(),
    )
    group_by_partner = fields.Boolean(
        string="Group tickets by customer",
        help="One invoice proposal per customer company, holding all its "
        "selected tickets. Unticked: one invoice proposal per ticket.",
    )
    group_work_lines = fields.Boolean(
        string="Group work lines",
        help="Within each ticket, one invoice line per service and price, "
        "summing the hours, described as 'Work performed from <first date> "
        "to <last date>'.",
    )
    attach_intervention_reports = fields.Boolean(
        string="Attach intervention reports",
        help="Each invoice gets the intervention report (PDF) of every ticket "
        "it bills as an attachment: the invoice's Send button mails them with it.",
    )
    run_in_background = fields.Boolean(
        # Capitalised as the other options are.
        string="Run in background",
        compute="_compute_run_in_background",
        store=True,
        readonly=False,
        help="Invoice in background jobs and follow their progress on the "
        "invoicing run, instead of waiting here. Ticked by default above "
        "the number of tickets of the system parameter "
        "helpdesk_mgmt_invoicing.background_threshold (200).",
    )
    all_ready_tickets = fields.Boolean(
        default=lambda self: self._default_all_ready_tickets(),
        help="No ticket was selected: the pop-up proposes every ticket ready "
        "to invoice in the companies you are working in.",
    )
    selection_message = fields.Char(compute="_compute_preview")
    invoiceable_ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets to Invoice",
        compute="_compute_preview",
    )
    invoiceable_ticket_count = fields.Integer(compute="_compute_preview")
    customer_count = fields.Integer(compute="_compute_preview")
    invoice_count = fields.Integer(
        string="Invoices to Create",
        compute="_compute_preview",
    )
    skipped_ticket_count = fields.Integer(compute="_compute_preview")
    skipped_reasons = fields.Text(
        string="Skipped Tickets",
        compute="_compute_preview",
    )
    preview_ids = fields.One2many(
        comodel_name="helpdesk.ticket.invoice.preview",
        inverse_name="wizard_id",
        string="Invoice Proposals",
        compute="_compute_preview",
        help="The invoices that confirming makes, one row each, computed by "
        "the same code: customer, tickets, lines, hours and amounts.",
    )
    hours_total = fields.Float(
        string="Hours to Invoice",
        digits=(16, 2),
        compute="_compute_preview",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_preview",
        help="The currency of the invoice proposals, when they share one.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        compute="_compute_preview",
        help="Sum of the invoice proposals before tax, in their currency "
        "(empty when they are in several currencies).",
    )
    amount_tax = fields.Monetary(string="Tax", compute="_compute_preview")
    amount_total = fields.Monetary(
        string="Total with Tax",
        compute="_compute_preview",
    )
    e_invoice_warnings = fields.Html(
        string="E-invoicing Warnings",
        compute="_compute_preview",
        help="What the e-invoices of these customers would be refused for, as "
        "their country's e-invoicing checks them: fill it in before sending "
        "the invoices.",
    )

    @api.model
    def _get_selected_ticket_ids(self):
        context = self.env.context
        if context.get("active_model") == "helpdesk.ticket":
            return context.get("active_ids") or []
        return []

    @api.model
    def _default_ticket_ids(self):
        """The selected tickets; with none selected, every ticket ready to invoice
        in the companies the user is working in (the month-end run)."""
        selected = self._get_selected_ticket_ids()
        Ticket = self.env["helpdesk.ticket"]
        if selected:
            return Ticket.browse(selected)
        return Ticket.search(
            Ticket._get_invoiceable_domain()
            + [("company_id", "in", self.env.companies.ids)]
        )

    @api.depends("ticket_ids")
    def _compute_run_in_background(self):
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()  # a technical setting, read only
            .get_param("helpdesk_mgmt_invoicing.background_threshold", 200)
        )
        for wizard in self:
            wizard.run_in_background = len(wizard.ticket_ids) > threshold

    @api.model
    def _default_all_ready_tickets(self):
        return not self._get_selected_ticket_ids()

    @api.depends(
        "ticket_ids", "group_by_partner", "group_work_lines", "all_ready_tickets"
    )
    def _compute_preview(self):
        """The invoices confirming would make, and what is skipped: built once
        (in memory) for the rows, their totals and the e-invoicing warnings."""
        AccountMoveSend = self.env["account.move.send"]
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            invoiceable, issues = tickets._split_invoiceable()
            previews = invoiceable._get_invoice_previews(
                wizard.group_by_partner, wizard.group_work_lines
            )
            rows = invoiceable._prepare_invoice_previews(previews)
            currencies = {row["currency_id"] for row in rows}
            one_currency = len(currencies) == 1
            wizard.selection_message = wizard._get_selection_message(tickets)
            wizard.invoiceable_ticket_ids = invoiceable
            wizard.invoiceable_ticket_count = len(invoiceable)
            wizard.customer_count = len(invoiceable.commercial_partner_id)
            wizard.invoice_count = len(rows)
            wizard.skipped_ticket_count = len(issues)
            wizard.skipped_reasons = "\n".join(issues.values())
            wizard.preview_ids = [Command.clear()] + [
                Command.create(row) for row in rows
            ]
            wizard.hours_total = sum(row["hours"] for row in rows)
            wizard.currency_id = currencies.pop() if one_currency else False
            for amount in ("amount_untaxed", "amount_tax", "amount_total"):
                wizard[amount] = (
                    sum(row[amount] for row in rows) if one_currency else 0.0
                )
            moves = self.env["account.move"].concat(*(move for _v, move in previews))
            wizard.e_invoice_warnings = wizard._format_e_invoice_warnings(
                AccountMoveSend._get_helpdesk_preview_alerts(moves)
            )

    def _get_selection_message(self, tickets):
        """What the pop-up works on, when the clerk selected nothing."""
        self.ensure_one()
        if not self.all_ready_tickets:
            return False
        return self.env._(
            "No ticket selected: all %(count)s tickets ready to invoice in "
            "%(companies)s.",
            count=len(tickets),
            companies=", ".join(self.env.companies.mapped("name")),
        )

    @api.model
    def _format_e_invoice_warnings(self, warnings):
        """The e-invoicing warnings as a list, each with whom it is about."""
        items = [
            Markup("<li><strong>%s</strong>: %s</li>") % (partner.display_name, message)
            if partner
            else Markup("<li>%s</li>") % message
            for partner, messages in warnings.items()
            for message in messages
        ]
        return Markup("<ul>%s</ul>") % Markup().join(items) if items else False

    def action_create_invoices(self):
        """Create the invoice proposals, say what was made, and show them."""
        self.ensure_one()
        if not self.ticket_ids:
            raise UserError(
                self.env._(
                    "No ticket to invoice: select closed tickets whose Billing "
                    "State is To Invoice in the ticket list."
                )
            )
        if self.run_in_background:
            return (
                self.env["helpdesk.ticket.invoice.run"]
                ._start(
                    self.ticket_ids,
                    self.group_by_partner,
                    self.group_work_lines,
                    attach_intervention_reports=self.attach_intervention_reports,
                )
                ._get_form_action()
            )
        invoices = self.ticket_ids._create_invoices(
            group_by_partner=self.group_by_partner,
            group_work_lines=self.group_work_lines,
            attach_intervention_reports=self.attach_intervention_reports,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Invoice proposals made"),
                "message": self._get_invoices_made_message(invoices),
                "type": "success",
                "next": invoices._get_helpdesk_invoices_action(),
            },
        }

    def _get_invoices_made_message(self, invoices):
        """What confirming made: how many draft invoices, for whom, and how
        many selected tickets were left out."""
        self.ensure_one()
        counts = Counter(invoice.commercial_partner_id for invoice in invoices)
        # Listed by name, with their number of invoices; a long month-end
        # run names the first few.
        customers = [
            customer.display_name
            + (f" ({counts[customer]})" if counts[customer] > 1 else "")
            for customer in invoices.commercial_partner_id.sorted("name")
        ]
        if len(customers) > 5:
            customers = customers[:5] + [
                self.env._("%(count)s more customers", count=len(customers) - 5)
            ]
        skipped = self.ticket_ids - invoices.helpdesk_ticket_ids
        if len(skipped) == 1:
            message = self.env._("1 selected ticket was skipped, as the pop-up said.")
        elif skipped:
            message = self.env._(
                "%(count)s selected tickets were skipped, as the pop-up said.",
                count=len(skipped),
            )
        else:
            message = ""
        # The customers last: a name may end with a full stop (S.r.l.).
        if len(invoices) == 1:
            made = self.env._(
                "1 draft invoice made for: %(customers)s",
                customers=", ".join(customers),
            )
        else:
            made = self.env._(
                "%(count)s draft invoices made for: %(customers)s",
                count=len(invoices),
                customers=", ".join(customers),
            )
        return f"{message} {made}" if message else made
