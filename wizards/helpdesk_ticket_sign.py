# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class HelpdeskTicketSign(models.TransientModel):
    """Sign Report: the customer signs the intervention report on the
    technician's tablet, in the signature dialog the portal uses (web's
    NameAndSignature); the same fields are stored as from the portal."""

    _name = "helpdesk.ticket.sign"
    _description = "Sign the Intervention Report of a Ticket"
    _check_company_auto = True

    ticket_id = fields.Many2one(
        comodel_name="helpdesk.ticket",
        required=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="ticket_id.company_id")
    name = fields.Char(string="Signed By", help="The customer's name, as they sign.")
    signature = fields.Binary(string="Customer's Signature")

    def action_sign(self):
        self.ensure_one()
        self.ticket_id._sign_intervention_report(self.name, self.signature)
        return {"type": "ir.actions.act_window_close"}
