# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_work_line_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.work.line",
        relation="helpdesk_ticket_work_line_invoice_line_rel",
        column1="invoice_line_id",
        column2="work_line_id",
        string="Helpdesk Work Lines",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )

    def _copy_data_extend_business_fields(self, values):
        # A credit note made from an invoice (or the new draft of "reverse and
        # create invoice") bills the same work: as sale_line_ids in sale.
        res = super()._copy_data_extend_business_fields(values)
        values["helpdesk_work_line_ids"] = [
            Command.set(self.helpdesk_work_line_ids.ids)
        ]
        return res
