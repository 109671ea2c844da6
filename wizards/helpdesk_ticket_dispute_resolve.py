# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicketDisputeResolve(models.TransientModel):
    _name = "helpdesk.ticket.dispute.resolve"
    _description = "Resolve the Dispute of a Ticket's Work"
    _check_company_auto = True

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        required=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="ticket_id.company_id")
    work_dispute_comment = fields.Text(related="ticket_id.work_dispute_comment")
    note = fields.Text(
        required=True,
        help="How the dispute was resolved: posted in the ticket's chatter.",
    )

    def action_resolve(self):
        self.ensure_one()
        self.ticket_id._resolve_work_dispute(self.note)
        return {"type": "ir.actions.act_window_close"}
