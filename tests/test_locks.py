# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Invoiced work is locked: what the customer is billed for no longer changes.

Once a work line is on an invoice, its service, date, hours and price are
fixed, and neither the line nor its ticket can be deleted. The description
and the technician stay editable. To change billed work, take it off the
invoice first: remove its line from the draft invoice, cancel the invoice or
reverse it with a credit note.
"""

from datetime import date

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestLocks(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.rossi_mario, cls._standard_lines())
        cls.invoice = cls.ticket.with_user(cls.clerk)._create_invoices()
        cls.billed = cls.ticket.work_line_ids.sorted("date")[0]

    def _lock_message(self, verb_part):
        return (
            f"{self.ticket.display_name}: the work line of 03/02/2026 is billed "
            f"on {self._draft_name()}{verb_part}"
        )

    def _draft_name(self):
        """How errors name the draft: not "Draft Invoice", but its customer,
        when it was made and its total."""
        made = fields.Datetime.context_timestamp(self.invoice, self.invoice.create_date)
        return (
            f"draft invoice of {made:%m/%d/%Y %H:%M} for Rossi Impianti S.r.l. "
            "($\xa0477.25)"
        )

    def test_billed_work_cannot_change(self):
        """Service, date, hours, times, price and ticket are all refused."""
        other_ticket = self._create_ticket(self.bianchi_luca, [])
        changes = {
            "product_id": self.onsite.id,
            "date": date(2026, 3, 10),
            "quantity": 5.0,
            "hours_worked": 5.0,
            "time_start": 8.0,
            "time_end": 18.0,
            "price_unit": 10.0,
            "ticket_id": other_ticket.id,
        }
        line = self.billed.with_user(self.technician)
        for field_name, value in changes.items():
            with (
                self.subTest(field=field_name),
                self.assertRaises(UserError) as error,
            ):
                line.write({field_name: value})
            self.assertEqual(
                str(error.exception),
                self._lock_message(
                    ": its service, date, hours and price can no longer change. "
                    "Remove its line from the draft invoice, or cancel the invoice "
                    "or reverse it with a credit note, first."
                ),
            )
        self.assertEqual(self.billed.quantity, 2.0)
        self.assertEqual(self.billed.product_id, self.support)
        self.assertEqual(self.billed.ticket_id, self.ticket)

    def test_billed_work_read_only_in_the_ticket_form(self):
        """In the ticket form, what is billed is read-only; the description is not."""
        form = Form(self.ticket.with_user(self.technician))
        with form.work_line_ids.edit(0) as line:
            for field_name in ("date", "product_id", "time_end", "quantity"):
                with self.subTest(field=field_name), self.assertRaises(AssertionError):
                    setattr(line, field_name, line._values[field_name])
            line.name = "Toner replaced, drum cleaned"
        form.save()
        self.assertEqual(self.billed.name, "Toner replaced, drum cleaned")

    def test_billed_work_cannot_be_deleted(self):
        with self.assertRaises(UserError) as error:
            self.billed.with_user(self.technician).unlink()
        self.assertEqual(
            str(error.exception),
            self._lock_message(
                " and cannot be deleted. Remove its line from the draft invoice, "
                "or cancel the invoice or reverse it with a credit note, first."
            ),
        )
        with self.assertRaises(UserError):
            self.ticket.with_user(self.technician).write(
                {"work_line_ids": [Command.delete(self.billed.id)]}
            )
        self.assertTrue(self.billed.exists())

    def test_ticket_with_billed_work_cannot_be_deleted(self):
        manager = self._new_user(
            "hdi-lock-manager", "helpdesk_mgmt.group_helpdesk_manager"
        )
        with self.assertRaises(UserError) as error:
            self.ticket.with_user(manager).unlink()
        self.assertEqual(
            str(error.exception),
            f"{self.ticket.display_name} cannot be deleted: its work is billed on "
            f"{self._draft_name()}. Cancel the invoice or reverse it with a credit "
            "note first, or archive the ticket instead.",
        )
        self.assertTrue(self.billed.exists())

    def test_each_view_says_why_billed_work_is_locked(self):
        """The reason, with the invoice named as a person knows it, is shown
        on the locked fields of billed work (on hover in the lists, above the
        form), whose rows show a lock instead of a delete control."""
        self.assertEqual(
            self.billed.with_user(self.technician).billing_lock_reason,
            self._lock_message(
                ": its service, date, hours and price can no longer change. "
                "Remove its line from the draft invoice, or cancel the invoice "
                "or reverse it with a credit note, first."
            ),
        )
        new_line = self._log_work(self.ticket, date(2026, 3, 20), 1.0)
        self.assertFalse(new_line.billing_lock_reason)
        # Once posted, the invoice is named by its number.
        self.invoice.invoice_date = date(2026, 3, 31)
        self.invoice.action_post()
        self.assertIn(
            f"is billed on invoice {self.invoice.name}: its service",
            self.billed.billing_lock_reason,
        )

        ticket_form = self.env["helpdesk.ticket"].get_views([(False, "form")])
        arch = etree.fromstring(ticket_form["views"]["form"]["arch"])
        [work_lines] = arch.xpath("//field[@name='work_line_ids']")
        self.assertEqual(work_lines.get("widget"), "helpdesk_work_line_one2many")
        self.assertTrue(work_lines.xpath(".//field[@name='billing_lock_reason']"))
        WorkLine = self.env["helpdesk.ticket.work.line"]
        views = WorkLine.get_views([(False, "list"), (False, "form")])["views"]
        for view_type, js_class in (
            ("list", "helpdesk_work_line_list"),
            ("form", "helpdesk_work_line_form"),
        ):
            arch = etree.fromstring(views[view_type]["arch"])
            self.assertEqual(arch.get("js_class"), js_class)
            self.assertTrue(arch.xpath("//field[@name='billing_lock_reason']"))

    def test_description_and_technician_stay_editable(self):
        line = self.billed.with_user(self.technician)
        line.write({"name": "Printer driver reinstalled", "user_id": self.clerk.id})
        self.assertEqual(self.billed.name, "Printer driver reinstalled")
        self.assertEqual(self.billed.user_id, self.clerk)
        self.assertEqual(self.billed.invoice_id, self.invoice)

    def test_work_not_yet_billed_is_free(self):
        """Work logged after the invoice can change and be deleted as usual."""
        new_line = (
            self.env["helpdesk.ticket.work.line"]
            .with_user(self.technician)
            .create(
                {
                    "ticket_id": self.ticket.id,
                    "date": date(2026, 3, 20),
                    "product_id": self.support.id,
                    "quantity": 1.0,
                }
            )
        )
        new_line.write({"quantity": 2.5, "date": date(2026, 3, 21)})
        self.assertEqual(new_line.quantity, 2.5)
        new_line.unlink()
        self.assertFalse(new_line.exists())

    def test_released_work_is_free_again(self):
        """Once its invoice is deleted, the work line can be corrected."""
        self.invoice.with_user(self.clerk).unlink()
        self.billed.with_user(self.technician).write({"quantity": 1.75})
        self.assertEqual(self.billed.quantity, 1.75)

    def test_only_invoicing_puts_work_on_invoices(self):
        """A technician cannot unlock a line by taking it off its invoice."""
        with self.assertRaises(AccessError):
            self.billed.with_user(self.technician).write(
                {"invoice_line_ids": [Command.clear()]}
            )
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.work.line"].with_user(self.technician).create(
                {
                    "ticket_id": self.ticket.id,
                    "date": date(2026, 3, 20),
                    "product_id": self.support.id,
                    "quantity": 1.0,
                    "invoice_line_ids": [Command.set(self.billed.invoice_line_ids.ids)],
                }
            )
        self.assertEqual(self.billed.invoice_id, self.invoice)

    def test_billed_hours_are_derived_never_written(self):
        """What is billed follows the invoices: nobody writes it by hand."""
        for user in (self.technician, self.clerk):
            for field_name in ("qty_invoiced", "invoice_line_id"):
                with (
                    self.subTest(user=user.login, field=field_name),
                    self.assertRaises(AccessError),
                ):
                    self.billed.with_user(user).write({field_name: False})
        self.assertEqual(self.billed.qty_invoiced, 2.0)
        self.assertEqual(self.billed.invoice_id, self.invoice)
