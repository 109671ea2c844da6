# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""After hours, weekends and public holidays, and a service per technician.

A service sold by time may carry an after-hours factor and a holiday factor.
The company's working calendar says what business hours are: its attendances
(Monday to Friday, 8:00-12:00 and 13:00-17:00 in the standard calendar, the
lunch gap outside them); a day without attendance (a weekend) and the
calendar's public holidays are holidays. A work line with start and end times
is billed on one invoice line per rate: the business hours at the price, the
rest at the price times the factor, labelled so. The whole line is rounded
and raised to its minimum first; the result is shared in proportion to the
hours worked in each period.
"""

from datetime import date, datetime

from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon

MONDAY = date(2026, 12, 7)
HOLIDAY = date(2026, 12, 8)  # a Tuesday: the Immaculate Conception in Italy
SATURDAY = date(2026, 12, 12)


@tagged("post_install", "-at_install")
class TestRates(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's standard 40 hours a week, in Italy's time zone.
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Standard 40 hours (Rome)", "tz": "Europe/Rome"}
        )
        cls.company.resource_calendar_id = cls.calendar
        # The public holiday, as Time Off enters it: a leave for everyone,
        # from midnight to midnight in Rome (UTC+1 in December).
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Immacolata Concezione",
                "calendar_id": cls.calendar.id,
                "date_from": datetime(2026, 12, 7, 23, 0),
                "date_to": datetime(2026, 12, 8, 22, 59, 59),
            }
        )
        cls.support.write(
            {"helpdesk_after_hours_factor": 1.5, "helpdesk_holiday_factor": 2.0}
        )

    def _ticket(self, *lines, product=None):
        """A closed ticket of Rossi with work lines ``(day, start, end)`` of
        Hourly Support (50.00 an hour), or of ``product``."""
        return self.env["helpdesk.ticket"].create(
            {
                "name": "Server room",
                "description": "The server room is too hot",
                "partner_id": self.rossi_mario.id,
                "stage_id": self.stage_closed.id,
                "work_line_ids": [
                    Command.create(
                        {
                            "date": day,
                            "product_id": (product or self.support).id,
                            "time_start": start,
                            "time_end": end,
                        }
                    )
                    for day, start, end in lines
                ],
            }
        )

    def _billed(self, invoice):
        """``[(quantity, price, rate), ...]`` of the invoice's product lines."""
        return [
            (line.quantity, line.price_unit, line.helpdesk_rate)
            for line in self._product_lines(invoice)
        ]

    def test_business_hours_only(self):
        ticket = self._ticket((MONDAY, 9.0, 11.0))
        line = ticket.work_line_ids
        self.assertEqual((line.hours_after_hours, line.hours_holiday), (0.0, 0.0))
        invoice = self._invoice(ticket)
        self.assertEqual(self._billed(invoice), [(2.0, 50.0, False)])

    def test_end_of_day(self):
        ticket = self._ticket((MONDAY, 16.0, 18.5))
        self.assertEqual(ticket.work_line_ids.hours_after_hours, 1.5)
        self.assertEqual(ticket.work_line_ids.price_subtotal, 162.5)
        invoice = self._invoice(ticket)
        self.assertEqual(
            self._billed(invoice), [(1.0, 50.0, False), (1.5, 75.0, "after_hours")]
        )
        self.assertEqual(invoice.amount_untaxed, 162.5)
        after_hours = self._product_lines(invoice)[1]
        self.assertTrue(after_hours.name.endswith("\nAfter hours (× 1.5)"))
        self.assertEqual(ticket.work_line_ids.qty_invoiced, 2.5)
        self.assertEqual(ticket.work_line_ids.qty_to_invoice, 0.0)

    def test_start_of_day(self):
        invoice = self._invoice(self._ticket((MONDAY, 7.0, 9.0)))
        self.assertEqual(
            self._billed(invoice), [(1.0, 50.0, False), (1.0, 75.0, "after_hours")]
        )

    def test_lunch_gap(self):
        """The standard calendar's lunch hour is outside business hours."""
        invoice = self._invoice(self._ticket((MONDAY, 11.0, 14.0)))
        self.assertEqual(
            self._billed(invoice), [(2.0, 50.0, False), (1.0, 75.0, "after_hours")]
        )

    def test_weekend(self):
        ticket = self._ticket((SATURDAY, 10.0, 12.0))
        self.assertEqual(ticket.work_line_ids.hours_holiday, 2.0)
        invoice = self._invoice(ticket)
        self.assertEqual(self._billed(invoice), [(2.0, 100.0, "holiday")])
        self.assertTrue(self._product_lines(invoice).name.endswith("\nHoliday (× 2)"))
        self.assertEqual(invoice.amount_untaxed, 200.0)

    def test_public_holiday(self):
        """A public holiday on a working day: holiday hours, in and out of
        the business hours alike."""
        invoice = self._invoice(self._ticket((HOLIDAY, 16.0, 19.0)))
        self.assertEqual(self._billed(invoice), [(3.0, 100.0, "holiday")])

    def test_holiday_entered_after_the_work(self):
        """A holiday entered after the work was logged re-splits the work not
        billed yet; billed work keeps what it was billed at."""
        day = date(2026, 12, 14)
        billed = self._ticket((day, 10.0, 12.0))
        self._invoice(billed)
        logged = self._ticket((day, 10.0, 12.0))
        self.assertEqual(logged.work_line_ids.price_subtotal, 100.0)
        leave = self.env["resource.calendar.leaves"].create(
            {
                "name": "Patron saint",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 12, 13, 23, 0),
                "date_to": datetime(2026, 12, 14, 22, 59, 59),
            }
        )
        self.assertEqual(logged.work_line_ids.hours_holiday, 2.0)
        self.assertEqual(logged.work_line_ids.price_subtotal, 200.0)
        self.assertEqual(billed.work_line_ids.hours_holiday, 0.0)
        self.assertEqual(billed.work_line_ids.price_subtotal, 100.0)
        leave.unlink()
        self.assertEqual(logged.work_line_ids.hours_holiday, 0.0)
        self.assertEqual(logged.work_line_ids.price_subtotal, 100.0)

    def test_rounding_first_then_split(self):
        """16:30-17:40 is 1 h 10 min, rounded up to 2 hours: 30 minutes of
        business hours and 40 minutes after, so 0.86 h at 50.00 and 1.14 h
        at 75.00."""
        self.support.write(
            {"helpdesk_time_rounding": 1.0, "helpdesk_time_rounding_method": "up"}
        )
        ticket = self._ticket((MONDAY, 16.5, 17.0 + 40 / 60))
        self.assertEqual(ticket.work_line_ids.quantity, 2.0)
        invoice = self._invoice(ticket)
        self.assertEqual(
            self._billed(invoice), [(0.86, 50.0, False), (1.14, 75.0, "after_hours")]
        )
        self.assertEqual(invoice.amount_untaxed, 128.5)
        self.assertEqual(ticket.work_line_ids.qty_invoiced, 2.0)

    def test_minimum_then_split(self):
        """A quarter of an hour after hours, raised to the minimum hour: the
        whole hour is after hours."""
        self.support.helpdesk_minimum_hours = 1.0
        invoice = self._invoice(self._ticket((MONDAY, 17.5, 17.75)))
        self.assertEqual(self._billed(invoice), [(1.0, 75.0, "after_hours")])

    def test_without_times_or_factors(self):
        """Hours without times are business hours; a service without
        factors has no surcharge; no-charge work is never surcharged."""
        ticket = self._ticket((SATURDAY, 10.0, 12.0), product=self.onsite)
        self._log_work(ticket, SATURDAY, 3.0)
        self._log_work(
            ticket,
            SATURDAY,
            1.0,
            time_start=9.0,
            time_end=10.0,
            billing_type="no_charge",
        )
        invoice = self._invoice(ticket)
        self.assertEqual(
            sorted(self._billed(invoice)),
            [(1.0, 0.0, False), (2.0, 80.0, False), (3.0, 50.0, False)],
        )

    def test_across_midnight_refused(self):
        with self.assertRaisesRegex(ValidationError, "Server room"):
            self._ticket((MONDAY, 22.0, 2.0))

    def test_grouped_work_lines(self):
        """Merged lines keep one rate each: lines wholly after hours merge,
        a line across rates has lines of its own; each work line is billed
        its own hours."""
        ticket = self._ticket(
            (MONDAY, 18.0, 19.0),
            (date(2026, 12, 9), 18.0, 20.0),
            (date(2026, 12, 10), 9.0, 10.0),
            (date(2026, 12, 11), 16.0, 18.0),
        )
        invoice = self._invoice(ticket, group_work_lines=True)
        self.assertEqual(
            sorted(self._billed(invoice), key=str),
            sorted(
                [
                    (3.0, 75.0, "after_hours"),
                    (1.0, 50.0, False),
                    (1.0, 50.0, False),
                    (1.0, 75.0, "after_hours"),
                ],
                key=str,
            ),
        )
        self.assertEqual(invoice.amount_untaxed, 400.0)
        lines = ticket.work_line_ids
        self.assertEqual(lines.mapped("qty_invoiced"), lines.mapped("quantity"))

    def test_partial_credit_bills_the_same_rate_again(self):
        """A credit note of the after-hours line only gives back after-hours
        hours: the next invoice bills them at the after-hours price."""
        ticket = self._ticket((MONDAY, 16.0, 18.0))
        invoice = self._invoice(ticket)
        invoice.action_post()
        credit_note = self._reverse(invoice)
        business = self._product_lines(credit_note).filtered(
            lambda line: not line.helpdesk_rate
        )
        credit_note.write({"invoice_line_ids": [Command.delete(business.id)]})
        credit_note.action_post()
        self.assertEqual(ticket.work_line_ids.qty_to_invoice, 1.0)
        again = self._invoice(ticket)
        self.assertEqual(self._billed(again), [(1.0, 75.0, "after_hours")])
        self.assertEqual(ticket.work_line_ids.qty_to_invoice, 0.0)

    def test_preview_shows_the_surcharge(self):
        ticket = self._ticket((MONDAY, 16.0, 18.5), (SATURDAY, 9.0, 10.0))
        _wizard, previews = self._preview(ticket)
        invoice = self._invoice(ticket)
        self.assertEqual(previews.amount_untaxed, 262.5)
        self.assertEqual(previews.amount_total, invoice.amount_total)
        self.assertEqual(
            previews.invoice_line_ids.mapped("name"),
            invoice.invoice_line_ids.mapped("name"),
        )

    def test_factor_frozen_by_billing(self):
        ticket = self._ticket((MONDAY, 16.0, 18.0))
        self._invoice(ticket)
        self.support.helpdesk_after_hours_factor = 3.0
        line = ticket.work_line_ids
        self.assertEqual(line.after_hours_factor, 1.5)
        self.assertEqual(line.price_subtotal, 125.0)
        other = self._ticket((MONDAY, 16.0, 18.0))
        self.assertEqual(other.work_line_ids.after_hours_factor, 3.0)
        self.assertEqual(other.work_line_ids.price_subtotal, 200.0)

    def test_factor_below_one_refused(self):
        for field_name in ("helpdesk_after_hours_factor", "helpdesk_holiday_factor"):
            with (
                self.subTest(field=field_name),
                self.assertRaisesRegex(ValidationError, "Hourly Support.*below 1"),
                Form(self.support.product_tmpl_id) as form,
            ):
                setattr(form, field_name, 0.8)
            # What the request's rollback does: the refused values go.
            self.env.invalidate_all(flush=False)
        # Nothing changed, in the database.
        self.env.cr.execute(
            "SELECT helpdesk_after_hours_factor, helpdesk_holiday_factor "
            "FROM product_template WHERE id = %s",
            [self.support.product_tmpl_id.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(1.5, 2.0)])

    def test_technician_cannot_set_a_factor(self):
        line = self._ticket((MONDAY, 16.0, 18.0)).work_line_ids
        with self.assertRaises(AccessError):
            line.with_user(self.technician).write({"after_hours_factor": 1.0})
        self.assertEqual(line.after_hours_factor, 1.5)

    def test_service_per_technician(self):
        """A senior engineer's work gets their own service, at its price."""
        senior = self._new_user("hdi-senior", "helpdesk_mgmt.group_helpdesk_user")
        senior.helpdesk_product_id = self.onsite
        ticket = self._ticket()
        line = (
            self.env["helpdesk.ticket.work.line"]
            .with_user(senior)
            .create({"ticket_id": ticket.id, "date": MONDAY, "quantity": 2.0})
        )
        self.assertEqual(line.product_id, self.onsite)
        self.assertEqual(line.price_unit, 80.0)
        mine = (
            self.env["helpdesk.ticket.work.line"]
            .with_user(self.technician)
            .create({"ticket_id": ticket.id, "date": MONDAY, "quantity": 2.0})
        )
        self.assertFalse(mine.product_id)
        chosen = (
            self.env["helpdesk.ticket.work.line"]
            .with_user(senior)
            .create(
                {
                    "ticket_id": ticket.id,
                    "date": MONDAY,
                    "quantity": 1.0,
                    "product_id": self.support.id,
                }
            )
        )
        self.assertEqual(chosen.product_id, self.support)

    def test_intervention_report_shows_the_split(self):
        """The customer's report says how much of the work is surcharged, as
        the invoice bills it."""
        ticket = self._ticket((MONDAY, 16.0, 18.5), (SATURDAY, 9.0, 10.0))
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.technician)
            ._render_qweb_pdf("helpdesk_mgmt_invoicing.report_intervention", ticket.ids)
        )
        rows = html.fromstring(content).xpath("//div[@name='rate_split']")
        self.assertEqual(
            [" ".join(" ".join(row.itertext()).split()) for row in rows],
            ["1.50 After hours (× 1.5)", "1.00 Holiday (× 2)"],
        )
