# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_work_line_ids = fields.One2many(
        comodel_name="helpdesk.ticket.work.line",
        inverse_name="invoice_line_id",
        string="Helpdesk Work Lines",
        readonly=True,
        copy=False,
    )
