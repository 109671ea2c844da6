# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    helpdesk_invoice_approved_only = fields.Boolean(
        related="company_id.helpdesk_invoice_approved_only", readonly=False
    )
    helpdesk_portal_show_prices = fields.Boolean(
        related="company_id.helpdesk_portal_show_prices", readonly=False
    )
    helpdesk_invoice_signed_only = fields.Boolean(
        related="company_id.helpdesk_invoice_signed_only", readonly=False
    )
    helpdesk_signature_reminder_days = fields.Integer(
        related="company_id.helpdesk_signature_reminder_days", readonly=False
    )
    helpdesk_prepaid_paid_only = fields.Boolean(
        related="company_id.helpdesk_prepaid_paid_only", readonly=False
    )
