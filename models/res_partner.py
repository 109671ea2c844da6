# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models

# Who sees prepaid hours: helpdesk users and billing clerks.
PREPAID_GROUPS = "helpdesk_mgmt.group_helpdesk_user_own,account.group_account_invoice"


class ResPartner(models.Model):
    _inherit = "res.partner"

    helpdesk_invoicing_frequency = fields.Selection(
        selection=[
            ("manual", "Manual"),
            ("weekly", "Weekly"),
            ("monthly", "Monthly"),
        ],
        string="Helpdesk Invoicing",
        required=True,
        default="manual",
        help="Manual: the customer's tickets are invoiced from the ticket list. "
        "Weekly, Monthly: they are invoiced in the background after each "
        "Sunday or month end, one invoice per company and currency. Set on "
        "the customer company; its contacts follow it.",
    )
    helpdesk_invoicing_group_work_lines = fields.Boolean(
        string="Group Work Lines on Scheduled Invoices",
        help="On scheduled invoices, the work lines of the same service and "
        "price within a ticket become one line.",
    )
    helpdesk_prepaid_hours_remaining = fields.Float(
        string="Prepaid Hours Left",
        compute="_compute_helpdesk_prepaid_hours_remaining",
        digits="Product Unit of Measure",
        groups=PREPAID_GROUPS,
        help="The hours left today in the customer company's prepaid hours "
        "blocks, in the companies you work in.",
    )

    def _compute_helpdesk_prepaid_hours_remaining(self):
        remaining = self.env["helpdesk.prepaid.block"]._get_hours_remaining_by_partner(
            self, fields.Date.context_today(self), self.env.companies
        )
        for partner in self:
            partner.helpdesk_prepaid_hours_remaining = remaining.get(
                partner.commercial_partner_id, 0.0
            )

    def action_view_helpdesk_prepaid_blocks(self):
        """Open the customer company's prepaid hours blocks."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "helpdesk_mgmt_invoicing.helpdesk_prepaid_block_action"
        )
        partner = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", partner.id)]
        action["context"] = {"default_partner_id": partner.id}
        return action

    @api.model
    def _get_helpdesk_period_end(self, frequency, first, last):
        """The last day an invoicing period ends, between two dates included.

        Weekly periods end on Sundays, monthly ones on the last day of the
        month.

        :return: a date, or ``None`` when no period ends in between
        """
        if frequency == "weekly":
            end = last - timedelta(days=(last.weekday() - 6) % 7)
        elif frequency == "monthly":
            end = last if (last + timedelta(days=1)).day == 1 else None
            end = end or last.replace(day=1) - timedelta(days=1)
        else:
            return None
        return end if end >= first else None
