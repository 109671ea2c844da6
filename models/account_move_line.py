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

    def unlink(self):
        # A product line removed from a draft invoice: its work lines are free.
        product_lines = self.filtered(lambda line: line.display_type == "product")
        if product_lines:
            # sudo: reads which work lines the lines bill; see the release.
            work_lines = product_lines.sudo().helpdesk_work_line_ids
            work_lines._release_from_invoices("line_removed")
        return super().unlink()

    def _reconcile_pre_hook(self):
        data = super()._reconcile_pre_hook()
        data["helpdesk_not_reversed"] = self.move_id.filtered(
            lambda move: move.move_type == "out_invoice"
            and move.payment_state != "reversed"
        )
        return data

    def _reconcile_post_hook(self, data):
        res = super()._reconcile_post_hook(data)
        # A customer invoice fully matched by its credit note no longer bills
        # anything: whether the credit note came from the reversal wizard or
        # was matched by hand.
        reversed_invoices = data["helpdesk_not_reversed"].filtered(
            lambda move: move.payment_state == "reversed"
        )
        reversed_invoices._release_helpdesk_work_lines("reversed")
        return res
