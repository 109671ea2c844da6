# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    _inherit = "resource.calendar.leaves"

    @api.model_create_multi
    def create(self, vals_list):
        leaves = super().create(vals_list)
        leaves._get_helpdesk_work_lines()._recompute_rate_hours()
        return leaves

    def write(self, vals):
        before = self._get_helpdesk_work_lines()
        res = super().write(vals)
        (before | self._get_helpdesk_work_lines())._recompute_rate_hours()
        return res

    def unlink(self):
        work_lines = self._get_helpdesk_work_lines()
        res = super().unlink()
        work_lines._recompute_rate_hours()
        return res

    def _get_helpdesk_work_lines(self):
        """The work with start and end times, not billed, on the days of
        these public holidays (leaves for everyone) of their calendars: its
        holiday hours follow a holiday entered or removed after it was
        logged. Billed work keeps the split it was billed with."""
        holidays = self.filtered(lambda leave: not leave.resource_id)
        WorkLine = self.env["helpdesk.ticket.work.line"]
        if not holidays:
            return WorkLine
        # sudo: the calendar's manager changes the work's split, not its data.
        return WorkLine.sudo().search(
            [
                (
                    "date",
                    ">=",
                    min(holidays.mapped("date_from")).date() - timedelta(days=1),
                ),
                (
                    "date",
                    "<=",
                    max(holidays.mapped("date_to")).date() + timedelta(days=1),
                ),
                ("qty_invoiced", "=", 0),
                ("time_end", ">", 0),
                "|",
                ("company_id.resource_calendar_id", "in", holidays.calendar_id.ids),
                (
                    "company_id",
                    "in",
                    holidays.filtered(
                        lambda leave: not leave.calendar_id
                    ).company_id.ids,
                ),
            ]
        )
