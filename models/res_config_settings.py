# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    helpdesk_invoice_approved_only = fields.Boolean(
        related="company_id.helpdesk_invoice_approved_only", readonly=False
    )
