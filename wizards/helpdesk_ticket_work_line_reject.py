# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicketWorkLineReject(models.TransientModel):
    _name = "helpdesk.ticket.work.line.reject"
    _description = "Reject Helpdesk Work"

    work_line_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.work.line", string="Work Lines", required=True
    )
    reason = fields.Text(
        required=True, help="Why the work is rejected, told to its technicians."
    )

    def action_reject(self):
        self.ensure_one()
        self.work_line_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
