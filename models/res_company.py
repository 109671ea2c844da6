# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_invoice_approved_only = fields.Boolean(
        string="Invoice Approved Work Only",
        help="Work lines are invoiced once a helpdesk manager or a work "
        "approver has approved them; a ticket with work waiting for approval "
        "is skipped by invoicing.",
    )
