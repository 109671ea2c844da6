# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the ticket list and the ticket's work lines show the billing clerk.

- The ticket list names each ticket's customer (the company a contact
  belongs to) and shows the Billing State only where there is work to bill:
  To Invoice Once Closed (an open ticket, which invoicing skips), To Invoice,
  To Invoice Again (the ticket was invoiced, and got new work since or had
  billed work released), Invoiced, Not Billable.
- Hours are decimal hours everywhere, as on the invoice (2.50): hours worked,
  hours to invoice, hours billed; start and end stay clock times (09:30).
"""

from datetime import date

from lxml import etree

from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestScreens(HelpdeskInvoicingCommon):
    def _arch(self, model, view_type, user=None):
        Model = self.env[model].with_user(user or self.clerk)
        views = Model.get_views([(False, view_type)])["views"]
        return etree.fromstring(views[view_type]["arch"])

    def test_ticket_list_shows_the_customer(self):
        arch = self._arch("helpdesk.ticket", "list")
        [customer] = arch.xpath("//field[@name='commercial_partner_id']")
        self.assertEqual(customer.get("string"), "Customer")
        self.assertNotEqual(customer.get("optional"), "hide")
        [partner_name] = arch.xpath("//field[@name='partner_name']")
        self.assertEqual(partner_name.get("optional"), "hide")

    def test_billing_state_only_where_there_is_work(self):
        """No work to bill, no badge; the four states otherwise."""
        no_work = self._create_ticket(self.rossi_mario, stage=self.stage_new)
        logged_no_hours = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 0.0)]
        )
        in_progress = self._create_ticket(
            self.rossi_mario,
            [(date(2026, 3, 2), self.support, 1.0)],
            stage=self.stage_new,
        )
        not_billable = self._create_ticket(
            self.bianchi_luca,
            [(date(2026, 3, 2), self.support, 1.0)],
            billing_state="no",
        )
        invoiced = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 3), self.support, 1.0)]
        )
        self._invoice(invoiced)
        tickets = no_work + logged_no_hours + in_progress + not_billable + invoiced
        self.assertEqual(
            tickets.mapped("billing_state_detail"),
            [False, False, "to_invoice_once_closed", "no", "invoiced"],
        )
        for view_type in ("list", "kanban"):
            arch = self._arch("helpdesk.ticket", view_type)
            [badge] = arch.xpath("//field[@name='billing_state_detail']")
            self.assertEqual(badge.get("widget"), "badge")
            self.assertFalse(arch.xpath("//field[@name='billing_state']"))

    def test_to_invoice_again(self):
        """New work after invoicing, or billed work released: the ticket is
        To Invoice again, and the list says so."""
        new_work = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 1.0)]
        )
        released = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 2), self.support, 1.0)]
        )
        self._invoice(new_work)
        invoice = self._invoice(released)
        self._log_work(new_work, date(2026, 3, 9), 0.5)
        invoice.with_user(self.clerk).button_cancel()
        self._end_request()
        tickets = (new_work + released).with_user(self.technician)
        self.assertEqual(tickets.mapped("billing_state"), ["to_invoice"] * 2)
        self.assertEqual(
            tickets.mapped("billing_state_detail"), ["to_invoice_again"] * 2
        )
        [label] = [
            label
            for value, label in self.env["helpdesk.ticket"]
            ._fields["billing_state_detail"]
            ._description_selection(self.env)
            if value == "to_invoice_again"
        ]
        self.assertEqual(label, "To Invoice Again")

    def test_decimal_hours_everywhere(self):
        """Hours worked, to invoice and billed are decimal hours in every view
        of the add-on; start and end are clock times."""
        hours = {"hours_worked", "quantity", "qty_invoiced"}
        clock = {"time_start", "time_end"}
        archs = [
            self._arch("helpdesk.ticket", "form").xpath(
                "//field[@name='work_line_ids']"
            )[0],
            self._arch("helpdesk.ticket.work.line", "list"),
            self._arch("helpdesk.ticket.work.line", "form"),
            self._arch("helpdesk.ticket.invoice", "form"),
        ]
        seen = set()
        for arch in archs:
            for field in arch.iter("field"):
                name = field.get("name")
                if name in hours | {"hours", "hours_total"}:
                    seen.add(name)
                    self.assertNotEqual(field.get("widget"), "float_time", name)
                if name in clock:
                    self.assertEqual(field.get("widget"), "float_time", name)
        self.assertEqual(seen, hours | {"hours", "hours_total"})
