# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    helpdesk_ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Helpdesk Tickets",
        compute="_compute_helpdesk_ticket_ids",
        search="_search_helpdesk_ticket_ids",
    )
    helpdesk_ticket_count = fields.Integer(compute="_compute_helpdesk_ticket_ids")

    @api.depends("line_ids.helpdesk_work_line_ids.ticket_id")
    def _compute_helpdesk_ticket_ids(self):
        for move in self:
            # sudo: which tickets the move bills, also for accountants who may
            # not read work lines; the smart button is for helpdesk users.
            tickets = move.sudo().line_ids.helpdesk_work_line_ids.ticket_id
            move.helpdesk_ticket_ids = tickets.sudo(False)
            move.helpdesk_ticket_count = len(tickets)

    def _search_helpdesk_ticket_ids(self, operator, value):
        return [("line_ids.helpdesk_work_line_ids.ticket_id", operator, value)]

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # The one guard against double billing, checked once more where the
        # customer is really billed.
        # sudo: reads which work lines the invoices bill, whatever the user's
        # helpdesk rights; it only refuses.
        posted.sudo().line_ids.helpdesk_work_line_ids._check_billed_once()
        return posted

    def action_view_helpdesk_tickets(self):
        """Open the helpdesk tickets these invoices bill."""
        tickets = self.helpdesk_ticket_ids
        action = self.env["ir.actions.actions"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        if len(tickets) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=tickets.id)
        else:
            action.update(domain=[("id", "in", tickets.ids)], view_mode="list,form")
            action["views"] = [(False, "list"), (False, "form")]
        action["context"] = {}
        return action

    def _get_helpdesk_invoices_action(self):
        """The action that shows these invoices: the form for one, else a list."""
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(self) == 1:
            action["views"] = [(self.env.ref("account.view_move_form").id, "form")]
            action["res_id"] = self.id
        else:
            action["domain"] = [("id", "in", self.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
