# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""In the browser: work approved from Work to Approve, then invoiced with its
after-hours line; a customer's prepaid hours seen on its form, in the pop-up
and on the invoice (static/tests/tours/helpdesk_ticket_rates_tour.esm.js)."""

from datetime import date

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install", "hdi_slow")
class TestRatesTour(HelpdeskInvoicingCommon, HttpCase):
    def test_approve_then_invoice_after_hours(self):
        self.company.write(
            {
                "helpdesk_invoice_approved_only": True,
                "resource_calendar_id": self.env["resource.calendar"]
                .create({"name": "Standard 40 hours (UTC)", "tz": "UTC"})
                .id,
            }
        )
        self.support.helpdesk_after_hours_factor = 1.5
        technician = new_test_user(
            self.env,
            login="hdi-tour-technician",
            name="Tour Technician",
            groups="helpdesk_mgmt.group_helpdesk_user",
        )
        manager = new_test_user(
            self.env,
            login="hdi-tour-manager",
            name="Tour Manager",
            groups="helpdesk_mgmt.group_helpdesk_manager,account.group_account_invoice",
        )
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Tour: server room",
                "description": "The server room is too hot",
                "partner_id": self.rossi_mario.id,
                "stage_id": self.stage_closed.id,
                "work_line_ids": [
                    Command.create(
                        {
                            "date": date(2026, 12, 7),
                            "user_id": technician.id,
                            "product_id": self.support.id,
                            "name": name,
                            "time_start": start,
                            "time_end": end,
                        }
                    )
                    for name, start, end in (
                        ("Tour: morning", 9.0, 11.0),
                        ("Tour: evening", 17.0, 18.5),
                    )
                ],
            }
        )
        lines = ticket.work_line_ids

        self._run_tour(
            "helpdesk_mgmt_invoicing_approval_tour",
            url="/odoo/action-helpdesk_mgmt_invoicing.helpdesk_ticket_work_line_approval_action",
            user=manager,
        )
        self.assertEqual(lines.mapped("approval_state"), ["approved"] * 2)

        self._run_tour("helpdesk_mgmt_invoicing_rates_tour", user=manager)
        invoice = ticket.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 212.5)
        self.assertEqual(
            self._product_lines(invoice).mapped("helpdesk_rate"),
            [False, "after_hours"],
        )
        self.assertEqual(lines.mapped("qty_to_invoice"), [0.0, 0.0])

    def test_prepaid_hours_in_the_browser(self):
        """A block sold on a posted invoice, then used by the clerk."""
        block = self._sell_prepaid_block(self.rossi)
        ticket = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 4.0)],
            name="Tour: prepaid printer",
        )
        self._run_tour(
            "helpdesk_mgmt_invoicing_prepaid_tour",
            url=f"/odoo/res.partner/{self.rossi.id}",
        )
        self.assertEqual(block.hours_remaining, 6.0)
        self.assertEqual(ticket.invoice_ids.amount_untaxed, 0.0)
