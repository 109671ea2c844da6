# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicketInvoicePreview(models.TransientModel):
    _name = "helpdesk.ticket.invoice.preview"
    _description = "Invoice Proposal in the Generate Invoice Proposals Pop-up"
    _order = "id"

    wizard_id = fields.Many2one(
        comodel_name="helpdesk.ticket.invoice",
        required=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer")
    company_id = fields.Many2one(comodel_name="res.company")
    currency_id = fields.Many2one(comodel_name="res.currency")
    ticket_ids = fields.Many2many(comodel_name="helpdesk.ticket", string="Tickets")
    ticket_numbers = fields.Char()
    line_count = fields.Integer(string="Invoice Lines")
    hours = fields.Float(string="Hours to Invoice", digits=(16, 2))
    hours_prepaid = fields.Float(
        string="Prepaid Hours",
        digits=(16, 2),
        help="Of the hours to invoice, those covered by the customer's prepaid "
        "hours blocks, at zero.",
    )
    amount_untaxed = fields.Monetary(string="Untaxed Amount")
    amount_tax = fields.Monetary(string="Tax")
    amount_total = fields.Monetary(string="Total with Tax")
