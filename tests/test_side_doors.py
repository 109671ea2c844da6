# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""No way around "billed once", no way in where a role does not belong.

Work is billed once: once billed, what decides its amount (its service and
unit, hours, times, price, billing type, ticket and customer) changes only
through accounting (a credit note, a cancel, a reset to draft). The links
between a posted or cancelled invoice and its work are accounting's record:
no write cuts them. A credit note takes back at most what is billed: a second
credit note of the same invoice credits money only. On every work line,
after every operation: 0 <= billed <= quantity.

Technicians record work (date, times, hours, description, service, billing
type); prices are set by the billing clerk and the helpdesk managers. Times
are within a day, the end after the start, quantities not negative. A
background job that is cancelled, set done by hand or deleted releases its
tickets, and a run can be cancelled from its form. Run lines are the run's
own record, and every model follows its company.
"""

from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


class OneWorkLineCommon(HelpdeskInvoicingCommon):
    """A ticket of Rossi with one work line (``work``) of ``hours`` hours of
    support on 2 March 2026."""

    hours = 8.0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(
            cls.rossi_mario, [(date(2026, 3, 2), cls.support, cls.hours)]
        )
        cls.work = cls.ticket.work_line_ids


@tagged("post_install", "-at_install")
class TestBilledOnce(OneWorkLineCommon):
    def _post(self, invoice):
        invoice.invoice_date = date(2026, 3, 31)
        invoice.with_user(self.clerk).action_post()

    def _assert_billed(self, billed, to_invoice):
        self.env.invalidate_all()
        self.assertEqual(self.work.qty_invoiced, billed)
        self.assertEqual(self.work.qty_to_invoice, to_invoice)

    def test_unit_of_billed_work_cannot_change(self):
        """8 h billed and posted, then the unit changed to Days: refused, so
        the next invoice does not bill 8 days (64 h) for 8 h of work."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        day = self.env.ref("uom.product_uom_day")
        for user in (self.clerk, self.env.user):
            with self.subTest(user=user.login), self.assertRaises(UserError) as error:
                self.work.with_user(user).write({"product_uom_id": day.id})
            self.assertIn(
                f"{self.ticket.display_name}: the work line of 03/02/2026 is billed "
                f"on invoice {invoice.name}",
                str(error.exception),
            )
        self._assert_billed(8.0, 0.0)
        self.assertEqual(self.work.product_uom_id, self.env.ref("uom.product_uom_hour"))
        with self.assertRaises(UserError):
            self._invoice(self.ticket)

    def test_customer_currency_and_company_of_billed_work_cannot_change(self):
        """The ticket of billed work keeps its customer, currency and company;
        another contact of the same customer is fine."""
        invoice = self._invoice(self.ticket)
        self.ticket.partner_id = self.rossi_anna
        eur = self.env.ref("base.EUR")
        eur.active = True
        for vals in (
            {"partner_id": self.bianchi_luca.id},
            {"currency_id": eur.id},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError) as error:
                self.ticket.with_user(self.clerk).write(vals)
            message = str(error.exception)
            self.assertIn(
                f"{self.ticket.display_name}: its work is billed on "
                f"{invoice._get_helpdesk_reference()}",
                message,
            )
            self.assertIn("Cancel the invoice or reverse it", message)
        self.assertEqual(self.work.commercial_partner_id, self.rossi)
        # Released, the work may go to another customer.
        invoice.unlink()
        self.ticket.partner_id = self.bianchi_luca
        self.assertEqual(self.work.commercial_partner_id, self.bianchi)

    def test_links_to_a_posted_invoice_cannot_be_cut(self):
        """Cutting the link between a posted invoice and its work, from either
        side, is refused: the work would be billed twice."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        invoice_line = self.work.invoice_line_ids
        attempts = {
            "unlink from the work line": lambda: self.work.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.unlink(invoice_line.id)]}
            ),
            "clear from the work line": lambda: self.work.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.clear()]}
            ),
            "set from the work line": lambda: self.work.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.set([])]}
            ),
            "clear from the invoice line": lambda: invoice_line.with_user(
                self.clerk
            ).write({"helpdesk_work_line_ids": [Command.clear()]}),
            "as superuser": lambda: invoice_line.sudo().write(
                {"helpdesk_work_line_ids": [Command.unlink(self.work.id)]}
            ),
        }
        for name, attempt in attempts.items():
            with self.subTest(name), self.assertRaises(UserError) as error:
                attempt()
            self.assertIn(
                f"{self.ticket.display_name}: the work billed on invoice "
                f"{invoice.name} is accounting's record",
                str(error.exception),
            )
        self._assert_billed(8.0, 0.0)
        self.assertEqual(self.work.invoice_line_ids, invoice_line)
        # Nor can work be put on a posted invoice by hand.
        other = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 3), self.support, 1.0)]
        )
        with self.assertRaises(UserError):
            other.work_line_ids.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.link(invoice_line.id)]}
            )
        self.assertFalse(other.work_line_ids.invoice_line_ids)
        # Through accounting it changes: cancelled, the work is free again.
        invoice.with_user(self.clerk).button_draft()
        invoice.with_user(self.clerk).button_cancel()
        self._assert_billed(0.0, 8.0)

    def test_links_of_a_cancelled_invoice_cannot_be_cut(self):
        invoice = self._invoice(self.ticket)
        invoice.with_user(self.clerk).button_cancel()
        with self.assertRaises(UserError):
            self.work.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.clear()]}
            )
        self.assertEqual(self.work.invoice_line_ids.move_id, invoice)

    def test_links_of_a_draft_are_the_clerks(self):
        """On a draft, the clerk may take work off (or put it back)."""
        invoice = self._invoice(self.ticket)
        invoice_line = self.work.invoice_line_ids
        self.work.with_user(self.clerk).write(
            {"invoice_line_ids": [Command.unlink(invoice_line.id)]}
        )
        self._assert_billed(0.0, 8.0)
        invoice_line.with_user(self.clerk).write(
            {"helpdesk_work_line_ids": [Command.link(self.work.id)]}
        )
        self._assert_billed(8.0, 0.0)
        self.assertEqual(self.work.invoice_id, invoice)

    def test_second_credit_note_credits_no_work(self):
        """A second full credit note of the same invoice credits money only:
        billed stays 0, not -8, and 8 h are left to invoice, not 16."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        first = self._reverse(invoice)
        self._end_request()
        self.assertEqual(first.invoice_line_ids.helpdesk_work_line_ids, self.work)
        self._assert_billed(0.0, 8.0)
        second = self._reverse(invoice)
        self._end_request()
        self.assertTrue(second)
        self.assertFalse(second.line_ids.helpdesk_work_line_ids)
        self._assert_billed(0.0, 8.0)
        second.with_user(self.clerk).action_post()
        self._assert_billed(0.0, 8.0)
        # Billed again once: 8 h.
        self._invoice(self.ticket)
        self._assert_billed(8.0, 0.0)

    def test_credit_note_cannot_credit_more_than_is_billed(self):
        """Raising a credit note's quantity above what is billed is refused."""
        invoice = self._invoice(self.ticket)
        self._post(invoice)
        credit_note = self._reverse(invoice)
        line = self._product_lines(credit_note)
        with self.assertRaises(ValidationError) as error:
            credit_note.with_user(self.clerk).write(
                {"invoice_line_ids": [Command.update(line.id, {"quantity": 9.0})]}
            )
            self.env.flush_all()
        self.assertIn(
            f"{self.ticket.display_name}: the work of 03/02/2026 would be credited "
            "more than it is billed",
            str(error.exception),
        )
        self._assert_billed(0.0, 8.0)


@tagged("post_install", "-at_install")
class TestRoles(OneWorkLineCommon):
    """What a technician, a billing clerk and a helpdesk manager may write."""

    hours = 2.0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._new_user(
            "hdi-helpdesk-manager", "helpdesk_mgmt.group_helpdesk_manager"
        )

    def test_technician_records_work_without_price(self):
        """A technician logs date, times, hours, description, service and
        billing type; the price comes from the customer's pricelist."""
        work = (
            self.env["helpdesk.ticket.work.line"]
            .with_user(self.technician)
            .create(
                {
                    "ticket_id": self.ticket.id,
                    "date": date(2026, 3, 3),
                    "time_start": 9.0,
                    "time_end": 10.5,
                    "name": "Printer driver reinstalled",
                    "product_id": self.onsite.id,
                    "billing_type": "no_charge",
                }
            )
        )
        work.write({"time_end": 11.0, "billing_type": "billable"})
        self.assertEqual(work.quantity, 2.0)
        self.assertEqual(work.price_unit, 80.0)
        # Duplicated (the list's Duplicate), the copy is priced by the pricelist.
        self.work.with_user(self.clerk).price_unit = 45.0
        copy = self.work.with_user(self.technician).copy()
        self.assertEqual(copy.price_unit, 50.0)

    def test_technician_cannot_set_a_price(self):
        """Price, pricelist price, amount and unit are refused to a technician,
        on a new line and on an existing one."""
        day = self.env.ref("uom.product_uom_day")
        Work = self.env["helpdesk.ticket.work.line"].with_user(self.technician)
        for vals in (
            {"price_unit": 1.0},
            {"technical_price_unit": 1.0},
            {"price_subtotal": 1.0},
            {"product_uom_id": day.id},
        ):
            with self.subTest(vals=vals):
                with self.assertRaises(AccessError) as error:
                    self.work.with_user(self.technician).write(vals)
                self.assertIn(
                    f"{self.ticket.display_name}: only the billing clerk and the "
                    "helpdesk managers set the price",
                    str(error.exception),
                )
                with self.assertRaises(AccessError):
                    Work.create(
                        {
                            "ticket_id": self.ticket.id,
                            "product_id": self.support.id,
                            "quantity": 1.0,
                            **vals,
                        }
                    )
        self.env.invalidate_all()
        self.assertEqual(self.work.price_unit, 50.0)
        self.assertEqual(len(self.ticket.work_line_ids), 1)

    def test_clerk_and_manager_set_the_price(self):
        for user, price in ((self.clerk, 45.0), (self.manager, 40.0)):
            with self.subTest(user=user.login):
                self.work.with_user(user).price_unit = price
                self.assertEqual(self.work.price_unit, price)

    def test_price_read_only_for_the_technician_in_the_screens(self):
        """The technician sees the price, read-only; the clerk edits it."""

        def price_nodes(user, model, view_type):
            arch = (
                self.env[model]
                .with_user(user)
                .get_views([(False, view_type)])["views"][view_type]["arch"]
            )
            return etree.fromstring(arch).xpath("//field[@name='price_unit']")

        for model, view_type in (
            ("helpdesk.ticket", "form"),
            ("helpdesk.ticket.work.line", "list"),
            ("helpdesk.ticket.work.line", "form"),
        ):
            with self.subTest(model=model, view_type=view_type):
                [technician] = price_nodes(self.technician, model, view_type)
                self.assertIn(technician.get("readonly"), ("1", "True"))
                [clerk] = price_nodes(self.clerk, model, view_type)
                self.assertEqual(clerk.get("readonly"), "qty_invoiced > 0")

    def test_times_within_a_day_and_quantities_not_negative(self):
        """End before start, a start at 30:00, negative hours or quantity:
        refused, naming the ticket and the fix; nothing changes."""
        cases = {
            "end before start": (
                {"time_start": 11.0, "time_end": 9.0},
                "ends before it starts: enter an End Time after the Start Time",
            ),
            "start at 30:00": (
                {"time_start": 30.0, "time_end": 31.0},
                "outside the day: enter times between 00:00 and 24:00",
            ),
            "past midnight": (
                {"time_start": 22.0, "time_end": 0.0},
                "Work past midnight is two lines",
            ),
            "negative hours": (
                {"hours_worked": -1.0},
                "has a negative Hours Worked: enter zero or more",
            ),
            "negative quantity": ({"quantity": -2.0}, "has a negative"),
        }
        for name, (vals, message) in cases.items():
            with self.subTest(name), self.assertRaises(ValidationError) as error:
                self.work.with_user(self.technician).write(vals)
                self.env.flush_all()
            self.assertIn(
                f"{self.ticket.display_name}: the work line of 03/02/2026",
                str(error.exception),
            )
            self.assertIn(message, str(error.exception))
        self.env.invalidate_all()
        self.assertEqual(self.work.quantity, 2.0)
        # The form says it before saving.
        warning = self.work.new(
            {"ticket_id": self.ticket.id, "time_start": 11.0, "time_end": 9.0}
        )._onchange_times_and_quantities()
        self.assertIn("ends before it starts", warning["warning"]["message"])
        # A whole day is fine, and a line with hours only.
        self.work.with_user(self.technician).write(
            {"time_start": 0.0, "time_end": 24.0}
        )
        self.assertEqual(self.work.hours_worked, 24.0)


@tagged("post_install", "-at_install")
class TestRunsAndCompanies(HelpdeskInvoicingCommon):
    """Background jobs never hold tickets for ever; run lines are the run's;
    each company's records stay in it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["helpdesk.ticket.invoice.run"]
        cls.tickets = cls._create_ticket(
            cls.rossi_mario, cls._standard_lines()
        ) | cls._create_ticket(cls.bianchi_luca, cls._standard_lines())

    def _start(self):
        """A run whose job is stored, as in production, and not performed."""
        run = self.Run.with_user(self.clerk)._start(self.tickets.with_user(self.clerk))
        self.assertTrue(run.line_ids.queue_job_id)
        return run

    def _held_reason(self, run):
        _eligible, issues = self.tickets.with_user(self.clerk)._split_invoiceable()
        return issues.get(self.tickets[0])

    def _assert_released(self, run, reason):
        self.assertFalse(self._held_reason(run))
        self.assertEqual(set(run.line_ids.mapped("state")), {"failed"})
        self.assertIn(reason, run.line_ids[0].reason)
        self.assertEqual(run.state, "failed")
        invoices = self._invoice(self.tickets)
        self.assertEqual(invoices.helpdesk_ticket_ids, self.tickets)

    def test_cancelled_job_releases_its_tickets(self):
        run = self._start()
        self.assertIn(
            f"invoiced in the background by {run.name}", self._held_reason(run)
        )
        # sudo: as an administrator of queue jobs does.
        run.line_ids.queue_job_id.sudo().button_cancelled()
        self._assert_released(run, "its job was cancelled")

    def test_job_set_done_by_hand_releases_its_tickets(self):
        run = self._start()
        run.line_ids.queue_job_id.sudo().button_done()
        self._assert_released(run, "set to done by hand")

    def test_deleted_job_releases_its_tickets(self):
        run = self._start()
        # sudo: as an administrator of queue jobs does.
        run.line_ids.queue_job_id.sudo().unlink()
        self._assert_released(run, "its job was deleted")

    def test_job_failed_for_good_releases_its_tickets(self):
        run = self._start()
        job = run.line_ids.queue_job_id
        job.sudo().write({"state": "failed", "exc_info": "Boom"})
        # What queue_job calls once the job failed for good.
        run.line_ids._on_invoice_batch_failed(exc_message="Boom")
        self._assert_released(run, "Boom")

    def test_a_failed_job_no_longer_holds_even_unreported(self):
        """A hold whose job no longer runs never blocks."""
        run = self._start()
        run.line_ids.queue_job_id.sudo().write({"state": "failed"})
        self.assertFalse(self._held_reason(run))

    def test_cancel_the_run_from_its_form(self):
        run = self._start()
        run.with_user(self.clerk).action_cancel()
        self._assert_released(run, "its job was cancelled")
        # Nothing left to cancel: the button hides, the method does nothing.
        run.with_user(self.clerk).action_cancel()

    def test_run_lines_are_the_runs_own(self):
        """A clerk reads run lines, never creates, changes or deletes them."""
        run = self._start()
        Line = self.env["helpdesk.ticket.invoice.run.line"].with_user(self.clerk)
        with self.assertRaises(AccessError):
            Line.create({"run_id": run.id, "ticket_id": self.tickets[0].id})
        with self.assertRaises(AccessError):
            run.line_ids.with_user(self.clerk).write({"state": "invoiced"})
        with self.assertRaises(AccessError):
            run.line_ids.with_user(self.clerk).unlink()
        with self.assertRaises(AccessError):
            run.with_user(self.clerk).write(
                {"line_ids": [Command.create({"ticket_id": self.tickets[0].id})]}
            )
        self.assertEqual(len(run.line_ids), 2)
        self.assertEqual(len(run.line_ids.with_user(self.clerk).read(["state"])), 2)

    def test_each_company_sees_its_own(self):
        """Run lines, work lines, pop-ups and proposals of one company (or of
        another clerk) are not readable by a clerk of another company."""
        company_2 = self.setup_other_company(name="Filiale Nord S.r.l.")["company"]
        clerk_2 = self._new_clerk("hdi-clerk-2", company_2)
        wizard = (
            self.env["helpdesk.ticket.invoice"]
            .with_user(self.clerk)
            .with_context(active_model="helpdesk.ticket", active_ids=self.tickets.ids)
            .create({})
        )
        # The proposals are computed, not stored: as they would be stored.
        proposal = (
            self.env["helpdesk.ticket.invoice.preview"]
            .with_user(self.clerk)
            .create({"wizard_id": wizard.id, "company_id": self.company.id})
        )
        run = self._start()
        records = {
            "run line": run.line_ids,
            "work line": self.tickets.work_line_ids,
            "pop-up": wizard,
            "proposal": proposal,
        }
        for name, records_of_1 in records.items():
            with self.subTest(name):
                records_of_1.with_user(self.clerk).check_access("read")
                with self.assertRaises(AccessError, msg=name):
                    records_of_1.with_user(clerk_2).check_access("read")
                self.assertFalse(
                    records_of_1.with_user(clerk_2).search(
                        [("id", "in", records_of_1.ids)]
                    )
                )
        # Another clerk of the same company does not read the first one's pop-up.
        other_clerk = self._new_clerk("hdi-clerk-3")
        with self.assertRaises(AccessError):
            wizard.with_user(other_clerk).read(["group_by_partner"])
