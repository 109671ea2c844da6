# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Billing the way service companies bill.

A work line's price is its product's price in the customer's pricelist, for
its quantity, at the date of the work, in the ticket's currency. A service
sold by time rounds the hours worked and raises them to a minimum. Each line
says what it is for: billable, no charge (on the invoice at zero) or not
billed (internal work). Parts and travel are billed from the same lines, in
their own unit.
"""

from datetime import date
from unittest.mock import patch

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Cursor
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestBillingRules(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rossi_rates = cls.env["product.pricelist"].create(
            {
                "name": "Rossi rates",
                "currency_id": cls.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.support.id,
                            "compute_price": "fixed",
                            "fixed_price": 42.0,
                        }
                    ),
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": cls.support.id,
                            "min_quantity": 5.0,
                            "compute_price": "fixed",
                            "fixed_price": 38.0,
                        }
                    ),
                ],
            }
        )
        cls.rossi.property_product_pricelist = cls.rossi_rates
        cls.hour = cls.env.ref("uom.product_uom_hour")
        cls.disk = cls._new_product(
            "Replacement disk",
            120.0,
            type="consu",
            taxes_id=[Command.set(cls.tax_sale_a.ids)],
        )
        cls.travel = cls._new_product("Travel", 0.5, cls.env.ref("uom.product_uom_km"))

    def _line(self, ticket, **values):
        """A work line logged on ``ticket`` by the technician."""
        return (
            self.env["helpdesk.ticket.work.line"]
            .with_user(self.technician)
            .create({"ticket_id": ticket.id, "date": date(2026, 3, 5), **values})
        )

    # ------------------------------------------------------------------
    # Customer prices
    # ------------------------------------------------------------------

    def test_price_from_the_customers_pricelist(self):
        ticket = self._create_ticket(self.rossi_mario, [])
        line = self._line(ticket, product_id=self.support.id, quantity=2.0)
        self.assertEqual(line.price_unit, 42.0)
        # For its quantity: five hours or more at the lower rate.
        line.quantity = 6.0
        self.assertEqual(line.price_unit, 38.0)
        # No rule for on-site work: the pricelist falls back to the list price.
        onsite = self._line(ticket, product_id=self.onsite.id, quantity=1.0)
        self.assertEqual(onsite.price_unit, 80.0)
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.amount_untaxed, 6 * 38 + 80)

    def test_converted_at_the_date_of_the_work(self):
        """A ticket in CHF bills a 50 USD service at the rate of the work's day."""
        chf = self._activate_currency("CHF", {"2026-03-01": 2.0, "2026-03-10": 2.5})
        ticket = self._create_ticket(self.verdi, [], currency_id=chf.id)
        early = self._line(ticket, product_id=self.support.id, quantity=1.0)
        late = self._line(
            ticket, product_id=self.support.id, quantity=1.0, date=date(2026, 3, 12)
        )
        self.assertEqual((early.price_unit, late.price_unit), (100.0, 125.0))
        invoice = self._invoice(ticket)
        self.assertEqual(invoice.currency_id, chf)
        self.assertEqual(invoice.amount_untaxed, 225.0)

    def test_ticket_currency_is_the_pricelists(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"name": "2026-01-01", "rate": 0.5, "currency_id": eur.id}
        )
        self.verdi.property_product_pricelist = self.env["product.pricelist"].create(
            {"name": "Tariffe in euro", "currency_id": eur.id}
        )
        ticket = self._create_ticket(
            self.verdi, [(date(2026, 3, 5), self.support, 1.0)]
        )
        self.assertEqual(ticket.currency_id, eur)
        # No rule: the list price, converted into the pricelist's currency.
        self.assertEqual(ticket.work_line_ids.price_unit, 25.0)

    def test_prices_follow_the_work_until_billed(self):
        """Unbilled prices follow the customer and the product; a price typed
        by hand stays; billed prices never change."""
        ticket = self._create_ticket(self.bianchi_luca, [])
        line = self._line(ticket, product_id=self.support.id, quantity=1.0)
        typed = self._line(ticket, product_id=self.support.id, quantity=1.0)
        # The billing clerk types a price (technicians may not).
        typed.with_user(self.clerk).price_unit = 55.0
        self.assertEqual(line.price_unit, 50.0)
        ticket.partner_id = self.rossi_mario
        self.assertEqual((line.price_unit, typed.price_unit), (42.0, 55.0))
        line.product_id = self.onsite
        self.assertEqual(line.price_unit, 80.0)
        line.product_id = self.support
        self._invoice(ticket)
        self.assertEqual(line.qty_invoiced, 1.0)

        # The pricelist changes after billing: billed work keeps its price,
        # new work gets the new one.
        self.rossi_rates.item_ids.filtered(
            lambda r: not r.min_quantity
        ).fixed_price = 45
        line.invalidate_recordset()
        new = self._line(ticket, product_id=self.support.id, quantity=1.0)
        self.assertEqual((line.price_unit, new.price_unit), (42.0, 45.0))
        # Billed work keeps its customer too (see test_side_doors.py).
        with self.assertRaises(UserError):
            ticket.partner_id = self.bianchi_luca
        self.assertEqual((line.price_unit, new.price_unit), (42.0, 45.0))

    def test_pricelist_lookups_are_batched(self):
        """Logging a month of work asks the pricelists once per customer, date
        and quantity, not once per line."""
        ticket = self._create_ticket(self.rossi_mario, [])

        def create_queries(count):
            vals_list = [
                {
                    "ticket_id": ticket.id,
                    "date": date(2026, 3, 2 + day % 2),
                    "product_id": (self.support if day % 3 else self.onsite).id,
                    "quantity": 1.0,
                }
                for day in range(count)
            ]
            self.env.flush_all()
            queries = []
            execute = Cursor.execute

            def counting(cr, query, params=None, log_exceptions=True):
                if "product_pricelist_item" in str(query):
                    queries.append(query)
                return execute(cr, query, params, log_exceptions)

            with patch.object(Cursor, "execute", counting):
                self.env["helpdesk.ticket.work.line"].create(vals_list)
                self.env.flush_all()
            return len(queries)

        create_queries(2)  # reads the pricelist's rules once
        self.assertEqual(create_queries(10), create_queries(60))

    # ------------------------------------------------------------------
    # Rounding and minimums
    # ------------------------------------------------------------------

    def _onsite_rules(self, rounding=0.25, method="up", minimum=1.0):
        self.onsite.write(
            {
                "helpdesk_time_rounding": rounding,
                "helpdesk_time_rounding_method": method,
                "helpdesk_minimum_hours": minimum,
            }
        )

    def test_hours_rounded_then_raised_to_the_minimum(self):
        self._onsite_rules()
        ticket = self._create_ticket(self.bianchi_luca, [])
        short = self._line(
            ticket, product_id=self.onsite.id, time_start=9.0, time_end=9 + 20 / 60
        )
        longer = self._line(
            ticket, product_id=self.onsite.id, time_start=9.0, time_end=10 + 5 / 60
        )
        exact = self._line(
            ticket, product_id=self.onsite.id, time_start=14.0, time_end=15.5
        )
        # The technician's hours stay as logged.
        self.assertAlmostEqual(short.hours_worked, 1 / 3, places=2)
        self.assertAlmostEqual(longer.hours_worked, 13 / 12, places=2)
        self.assertEqual(
            (short.quantity, longer.quantity, exact.quantity), (1.0, 1.25, 1.5)
        )
        # The hours to invoice can still be typed over.
        longer.quantity = 1.1
        self.assertEqual(longer.quantity, 1.1)
        invoice = self._invoice(ticket)
        self.assertEqual(
            sorted(self._product_lines(invoice).mapped("quantity")), [1.0, 1.1, 1.5]
        )

    def test_rounding_methods(self):
        ticket = self._create_ticket(self.bianchi_luca, [])
        for method, worked, expected in [
            ("up", 1.1, 1.25),
            ("half_up", 1.1, 1.0),
            ("half_up", 1.13, 1.25),
            ("down", 1.2, 1.0),
        ]:
            with self.subTest(method=method, worked=worked):
                self._onsite_rules(method=method, minimum=0.0)
                line = self._line(
                    ticket, product_id=self.onsite.id, hours_worked=worked
                )
                self.assertEqual(line.quantity, expected)

    def test_negative_rules_refused(self):
        for field_name in ("helpdesk_time_rounding", "helpdesk_minimum_hours"):
            with (
                self.subTest(field=field_name),
                self.assertRaises(ValidationError) as error,
            ):
                with Form(self.onsite.product_tmpl_id) as form:
                    setattr(form, field_name, -0.25)
            self.assertIn("On-site Intervention", str(error.exception))
            self.assertIn("cannot be negative", str(error.exception))

    def test_service_sold_by_the_day(self):
        """A day-priced service is billed for the hours, at the day's price
        converted to hours: never at the day price per hour."""
        day = self.env.ref("uom.product_uom_day")
        audit = self._new_product("Security audit", 400.0, day)
        ticket = self._create_ticket(self.bianchi_luca, [])
        line = self._line(ticket, product_id=audit.id, time_start=9.0, time_end=13.0)
        self.assertEqual(line.product_uom_id, self.hour)
        self.assertEqual((line.quantity, line.price_unit), (4.0, 50.0))
        invoice_line = self._product_lines(self._invoice(ticket))
        self.assertEqual(invoice_line.product_uom_id, self.hour)
        self.assertEqual(invoice_line.price_subtotal, 200.0)
        # The clerk bills it in days on the draft: the same hours are billed.
        invoice_line.move_id.write(
            {
                "invoice_line_ids": [
                    Command.update(
                        invoice_line.id,
                        {"product_uom_id": day.id, "quantity": 0.5, "price_unit": 400},
                    )
                ]
            }
        )
        self.assertEqual(line.qty_invoiced, 4.0)
        self.assertEqual(line.qty_to_invoice, 0.0)

    def test_service_sold_by_the_minute(self):
        minute = self.env["uom.uom"].create(
            {
                "name": "Minutes",
                "category_id": self.hour.category_id.id,
                "uom_type": "smaller",
                "factor": 60 * self.hour.factor,
            }
        )
        remote = self._new_product("Remote session", 1.5, minute)
        ticket = self._create_ticket(self.bianchi_luca, [])
        line = self._line(ticket, product_id=remote.id, time_start=9.0, time_end=9.5)
        self.assertEqual((line.quantity, line.price_unit), (0.5, 90.0))
        self.assertEqual(self._invoice(ticket).amount_untaxed, 45.0)

    def test_product_that_cannot_be_sold(self):
        self.disk.sale_ok = False
        ticket = self._create_ticket(self.bianchi_luca, [])
        with self.assertRaises(ValidationError) as error:
            self._line(ticket, product_id=self.disk.id, quantity=1.0)
        self.assertIn("Replacement disk cannot be sold", str(error.exception))

    # ------------------------------------------------------------------
    # What each line is for
    # ------------------------------------------------------------------

    def test_no_charge_work_on_the_invoice_at_zero(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        free = ticket.work_line_ids[0]
        free.billing_type = "no_charge"
        self.assertEqual(free.price_subtotal, 0.0)
        invoice = self._invoice(ticket)
        line = free.invoice_line_id
        self.assertEqual((line.price_unit, line.quantity), (0.0, 2.0))
        self.assertTrue(line.name.endswith(" (No charge)"), line.name)
        self.assertEqual(invoice.amount_untaxed, 3.0 * 80 + 1.5 * 50)
        self.assertEqual(free.qty_invoiced, 2.0)
        self.assertEqual(ticket.billing_state, "invoiced")

    def test_no_charge_inside_grouped_lines(self):
        """Group work lines: no-charge work is merged apart from billed work."""
        ticket = self._create_ticket(
            self.bianchi_luca,
            [
                (date(2026, 3, 2), self.support, 2.0),
                (date(2026, 3, 3), self.support, 1.0),
                (date(2026, 3, 4), self.support, 0.5),
            ],
        )
        ticket.work_line_ids[2].billing_type = "no_charge"
        invoice = self._invoice(ticket, group_work_lines=True)
        lines = self._product_lines(invoice).sorted("sequence")
        self.assertEqual(lines.mapped("quantity"), [3.0, 0.5])
        self.assertEqual(lines.mapped("price_unit"), [50.0, 0.0])
        self.assertIn(
            "Hourly Support\nWork performed on 03/04/2026 (No charge)", lines[1].name
        )

    def test_internal_work_is_never_billed(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        internal = self._line(ticket, product_id=self.support.id, quantity=4.0)
        internal.billing_type = "not_billed"
        self.assertEqual(internal.qty_to_invoice, 0.0)
        invoice = self._invoice(ticket)
        self.assertNotIn(internal, self._product_lines(invoice).helpdesk_work_line_ids)
        self.assertEqual(ticket.billing_state, "invoiced")
        # Nor a reason to skip a ticket, even unfinished.
        unfinished = self._line(ticket, quantity=0.0, billing_type="not_billed")
        self.assertFalse(unfinished._get_invoicing_issue({}))

    def test_ticket_with_internal_work_only(self):
        ticket = self._create_ticket(self.bianchi_luca, [])
        self._line(
            ticket, product_id=self.support.id, quantity=2.0, billing_type="not_billed"
        )
        _tickets, issues = ticket._split_invoiceable()
        self.assertIn("has internal work only (Not Billed)", issues[ticket])

    # ------------------------------------------------------------------
    # Parts and travel
    # ------------------------------------------------------------------

    def test_parts_and_travel_beside_the_service(self):
        ticket = self._create_ticket(
            self.bianchi_luca, [(date(2026, 3, 2), self.support, 2.0)]
        )
        disk = self._line(
            ticket, product_id=self.disk.id, quantity=2.0, name="Disk swapped"
        )
        self._line(ticket, product_id=self.disk.id, quantity=1.0, date=date(2026, 3, 6))
        travel = self._line(ticket, product_id=self.travel.id, quantity=36.0)
        self.assertFalse(disk.is_time_based)
        self.assertEqual(disk.product_uom_id, self.disk.uom_id)
        self.assertEqual(travel.product_uom_id, self.env.ref("uom.product_uom_km"))
        self.assertEqual(travel.price_subtotal, 18.0)

        for group_work_lines, expected in [(False, 4), (True, 3)]:
            with self.subTest(group_work_lines=group_work_lines):
                invoice = self._invoice(ticket, group_work_lines=group_work_lines)
                lines = self._product_lines(invoice)
                self.assertEqual(len(lines), expected)
                disks = lines.filtered(lambda line: line.product_id == self.disk)
                self.assertEqual(sum(disks.mapped("quantity")), 3.0)
                self.assertEqual(set(disks.product_uom_id.mapped("name")), {"Units"})
                self.assertEqual(invoice.amount_untaxed, 2 * 50 + 3 * 120 + 18)
                invoice.unlink()

    def test_a_part_defaults_to_one_unit(self):
        ticket = self._create_ticket(self.bianchi_luca, [])
        with Form(ticket) as form, form.work_line_ids.new() as line:
            line.product_id = self.disk
            self.assertEqual(line.quantity, 1.0)
            self.assertEqual(line.price_unit, 120.0)

    # ------------------------------------------------------------------
    # A picture of the work
    # ------------------------------------------------------------------

    def test_work_analysis(self):
        ticket = self._create_ticket(self.bianchi_luca, self._standard_lines())
        self._line(
            ticket, product_id=self.support.id, quantity=1.0, billing_type="no_charge"
        )
        self._line(
            ticket, product_id=self.support.id, quantity=0.5, billing_type="not_billed"
        )
        billed = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 9), self.onsite, 2.0)]
        )
        self._invoice(billed)
        WorkLine = self.env["helpdesk.ticket.work.line"]
        lines = (ticket + billed).work_line_ids
        groups = dict(
            WorkLine._read_group(
                [("id", "in", lines.ids)],
                ["billing_type"],
                ["quantity:sum"],
            )
        )
        self.assertEqual(groups, {"billable": 8.5, "no_charge": 1.0, "not_billed": 0.5})
        by_customer = dict(
            WorkLine._read_group(
                [("id", "in", lines.ids)],
                ["commercial_partner_id"],
                ["qty_invoiced:sum"],
            )
        )
        self.assertEqual(by_customer, {self.bianchi: 0.0, self.rossi: 2.0})

        action = self.env.ref(
            "helpdesk_mgmt_invoicing.helpdesk_ticket_work_line_analysis_action"
        )
        self.assertEqual(action.view_mode, "pivot,graph,list")
        search = WorkLine.get_views([(False, "search")])["views"]["search"]["arch"]

        def filtered(name):
            node = etree.fromstring(search).xpath(f"//filter[@name='{name}']")[0]
            return WorkLine.search(
                [("id", "in", lines.ids)] + safe_eval(node.get("domain"))
            )

        # To Invoice: billable and no-charge work not billed yet.
        self.assertEqual(len(filtered("not_invoiced")), 4)
        # Work in Progress: work on tickets not closed yet, another question.
        self.assertFalse(filtered("work_in_progress"))
        ticket.stage_id = self.stage_new
        self.assertEqual(filtered("work_in_progress"), ticket.work_line_ids)
        self.assertEqual(
            filtered("written_off").mapped("billing_type"), ["no_charge", "not_billed"]
        )
        menu = self.env.ref(
            "helpdesk_mgmt_invoicing.helpdesk_ticket_work_line_analysis_menu"
        )
        self.assertEqual(
            menu.parent_id, self.env.ref("helpdesk_mgmt.helpdesk_ticket_reporting_menu")
        )
