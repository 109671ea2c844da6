# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models
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
        compute="_compute_run_in_background",
        store=True,
        readonly=False,
        help="Invoice in background jobs and follow their progress on the "
        "invoicing run, instead of waiting here. Ticked by default above "
        "the number of tickets of the system parameter "
        "helpdesk_mgmt_invoicing.background_threshold (200).",
    )
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
    e_invoice_warnings = fields.Html(
        string="E-invoicing Warnings",
        compute="_compute_e_invoice_warnings",
        help="What the e-invoices of these customers would be refused for, as "
        "their country's e-invoicing checks them: fill it in before sending "
        "the invoices.",
    )

    @api.model
    def _default_ticket_ids(self):
        """The selected tickets; with none selected, every ticket ready to invoice
        in the companies the user is working in (the month-end run)."""
        context = self.env.context
        if context.get("active_model") == "helpdesk.ticket" and context.get(
            "active_ids"
        ):
            return self.env["helpdesk.ticket"].browse(context["active_ids"])
        Ticket = self.env["helpdesk.ticket"]
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

    @api.depends("ticket_ids", "group_by_partner")
    def _compute_preview(self):
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            invoiceable, issues = tickets._split_invoiceable()
            keys = {
                ticket._get_invoice_grouping_key(wizard.group_by_partner)
                for ticket in invoiceable
            }
            wizard.invoiceable_ticket_ids = invoiceable
            wizard.invoiceable_ticket_count = len(invoiceable)
            wizard.customer_count = len(invoiceable.commercial_partner_id)
            wizard.invoice_count = len(keys)
            wizard.skipped_ticket_count = len(issues)
            wizard.skipped_reasons = "\n".join(issues.values())

    @api.depends("ticket_ids", "group_by_partner", "group_work_lines")
    def _compute_e_invoice_warnings(self):
        for wizard in self:
            warnings = wizard.invoiceable_ticket_ids._get_e_invoice_warnings(
                wizard.group_by_partner, wizard.group_work_lines
            )
            items = [
                Markup("<li><strong>%s</strong>: %s</li>")
                % (partner.display_name, message)
                if partner
                else Markup("<li>%s</li>") % message
                for partner, messages in warnings.items()
                for message in messages
            ]
            wizard.e_invoice_warnings = (
                Markup("<ul>%s</ul>") % Markup().join(items) if items else False
            )

    def action_create_invoices(self):
        """Create the invoice proposals and show them."""
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
        return invoices._get_helpdesk_invoices_action()
