# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Prepaid hours blocks: hours a customer buys ahead.

A block holds the hours bought by a customer company, valid between two
dates, for some services or every service sold by time. Its hours used are
derived from the invoice lines that point at it, as a work line's billed
hours are: customer invoices that are not cancelled (drafts included), net
of credit notes. Posting an invoice that would use a block beyond its hours
is refused. A product with Prepaid Hours sells blocks: posting its invoice
makes one, cancelling or crediting the sale cancels it while unused. A daily
scheduled action expires blocks past their end; a block running low tells
the customer and their salesperson, once.
"""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestPrepaidBlock(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Block = cls.env["helpdesk.prepaid.block"]
        cls.manager = new_test_user(
            cls.env,
            login="hdi-block-manager",
            groups="helpdesk_mgmt.group_helpdesk_manager",
        )
        # A product that sells blocks of 10 hours valid for a year.
        cls.block_product = cls._new_product(
            "Prepaid Support 10 h",
            450.0,
            helpdesk_prepaid_hours=10.0,
            helpdesk_prepaid_validity_months=12,
        )

    def _use(self, block, hours, work_line=None, post=True, **line_values):
        """A customer invoice whose line uses ``hours`` of ``block`` (at zero
        price, as the invoicing will make it), for ``work_line`` if given;
        posted by the billing clerk unless ``post`` is false."""
        invoice = (
            self.env["account.move"]
            .with_user(self.clerk)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": block.partner_id.id,
                    "invoice_date": date(2026, 3, 31),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.support.id,
                                "quantity": hours,
                                "price_unit": 0.0,
                                "helpdesk_prepaid_block_id": block.id,
                                "helpdesk_work_line_ids": [
                                    Command.set(work_line.ids if work_line else [])
                                ],
                                **line_values,
                            }
                        )
                    ],
                }
            )
        )
        if post:
            invoice.action_post()
        return invoice.with_user(self.env.user)

    def _sell(self, quantity=2.0, partner=None, post=True):
        """A customer invoice selling ``quantity`` blocks of 10 hours."""
        invoice = (
            self.env["account.move"]
            .with_user(self.clerk)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or self.rossi_mario).id,
                    "invoice_date": date(2026, 3, 31),
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": self.block_product.id, "quantity": quantity}
                        )
                    ],
                }
            )
        )
        if post:
            invoice.action_post()
        return invoice.with_user(self.env.user)

    def _sold_block(self, invoice):
        return self.Block.search([("sale_line_id", "in", invoice.invoice_line_ids.ids)])

    # The block

    def test_block_entered_by_hand(self):
        """A manager enters a block as a draft and confirms it; it is numbered
        and belongs to the customer company even when a contact is given."""
        block = self._new_block(partner=self.rossi_mario, confirm=False)
        self.assertEqual(block.state, "draft")
        self.assertEqual(block.partner_id, self.rossi)
        self.assertRegex(block.name, r"^PHB/\d{4}/\d{4}$")
        self.assertEqual(block.alert_threshold, 20.0)
        block.with_user(self.manager).action_confirm()
        self.assertEqual(block.state, "active")
        self.assertEqual((block.hours_used, block.hours_remaining), (0.0, 10.0))
        other = self._new_block()
        self.assertNotEqual(other.name, block.name)
        # A contact given later is written as its company too.
        block.with_user(self.manager).partner_id = self.rossi_anna
        self.assertEqual(block.partner_id, self.rossi)

    def test_bad_input_is_refused(self):
        """Hours of zero or less, an end before the start, a threshold outside
        0-100: refused, naming the fix, and nothing is created or changed."""
        Block = self.Block.with_user(self.manager)
        cases = [
            ({"hours": 0.0}, "more than zero"),
            ({"hours": -5.0}, "a block of -5.0 hours cannot be"),
            (
                {"date_end": date(2026, 2, 1)},
                "ends on 02/01/2026, before it starts on 03/01/2026",
            ),
            ({"alert_threshold": 120.0}, "from 0 (no alert) to 100"),
            ({"alert_threshold": -1.0}, "from 0 (no alert) to 100"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                with self.assertRaises(ValidationError) as error:
                    Block.create(
                        {
                            "partner_id": self.rossi.id,
                            "hours": 10.0,
                            "date_start": date(2026, 3, 1),
                            **values,
                        }
                    )
                self.assertIn(message, str(error.exception))
                self.assertIn("Prepaid hours block PHB/", str(error.exception))
        self.assertFalse(self.Block.search([("partner_id", "=", self.rossi.id)]))
        block = self._new_block()
        with self.assertRaises(ValidationError):
            block.with_user(self.manager).write({"hours": -1.0, "date_end": False})
        self.assertEqual(block.hours, 10.0)

    def test_hours_used_follow_the_invoices(self):
        """Invoice, credit note, cancel: the hours used are the block's lines
        on invoices not cancelled (drafts too), net of credit notes."""
        block = self._new_block(hours=20.0)
        draft = self._use(block, 4.0, post=False)
        self.assertEqual((block.hours_used, block.hours_remaining), (4.0, 16.0))
        invoice = self._use(block, 6.0)
        self.assertEqual((block.hours_used, block.hours_remaining), (10.0, 10.0))
        draft.button_cancel()
        self.assertEqual(block.hours_used, 6.0)
        # The credit note carries the block: it gives the hours back.
        credit_note = self._reverse(invoice)
        self.assertEqual(credit_note.invoice_line_ids.helpdesk_prepaid_block_id, block)
        self.assertEqual(block.hours_used, 0.0)
        credit_note.action_post()
        self.assertEqual(block.hours_used, 0.0)
        self.assertEqual(len(block.ledger_line_ids), 3)
        # A credit note cancelled gives the hours back to the invoice.
        credit_note.button_draft()
        credit_note.button_cancel()
        self.assertEqual(block.hours_used, 6.0)

    def test_hours_in_days_and_units(self):
        """A line in days counts in hours; one in a unit that is not time
        cannot use a block."""
        block = self._new_block(hours=20.0)
        self._use(block, 1.0, product_uom_id=self.env.ref("uom.product_uom_day").id)
        self.assertEqual(block.hours_used, 8.0)
        with self.assertRaises(ValidationError) as error:
            self._use(
                block, 1.0, product_uom_id=self.env.ref("uom.product_uom_unit").id
            )
        self.assertIn("covers work sold by time only", str(error.exception))

    def test_exhausted_and_back(self):
        """No hour left: exhausted, never below zero; a credit note makes the
        block active again."""
        block = self._new_block(hours=5.0)
        invoice = self._use(block, 5.0)
        self.assertEqual(block.state, "exhausted")
        self.assertEqual(block.hours_remaining, 0.0)
        self._reverse(invoice).action_post()
        self.assertEqual(block.state, "active")
        self.assertEqual(block.hours_remaining, 5.0)

    def test_two_drafts_from_the_same_hours(self):
        """Two drafts made from the same 10 hours: both count as used, the
        first posts, the second is refused naming the block, the ticket and
        the invoice."""
        block = self._new_block(hours=10.0)
        ticket_a = self._create_ticket(
            self.rossi_mario, [(date(2026, 3, 2), self.support, 6.0)]
        )
        ticket_b = self._create_ticket(
            self.rossi_anna, [(date(2026, 3, 3), self.support, 6.0)]
        )
        first = self._use(block, 6.0, ticket_a.work_line_ids, post=False)
        second = self._use(block, 6.0, ticket_b.work_line_ids, post=False)
        self.assertEqual((block.hours_used, block.hours_remaining), (12.0, 0.0))
        first.with_user(self.clerk).action_post()
        with self.assertRaises(UserError) as error:
            second.with_user(self.clerk).action_post()
        message = str(error.exception)
        self.assertIn(
            f"Prepaid hours block {block.name} of Rossi Impianti S.r.l.", message
        )
        self.assertIn(ticket_b.display_name, message)
        self.assertIn("would use 12.0 hours of it, with invoice", message)
        self.assertIn(first.name, message)
        self.assertEqual(second.state, "draft")
        # Cancel the first: the second posts.
        first.button_draft()
        first.button_cancel()
        second.with_user(self.clerk).action_post()
        self.assertEqual(block.hours_used, 6.0)

    def test_cancel_and_delete(self):
        """A block with hours used is never cancelled nor deleted; an unused
        draft is."""
        block = self._new_block()
        invoice = self._use(block, 2.0)
        with self.assertRaises(UserError) as error:
            block.with_user(self.manager).action_cancel()
        self.assertIn(invoice.name, str(error.exception))
        with self.assertRaises(UserError):
            block.with_user(self.manager).unlink()
        self.assertEqual(block.state, "active")
        draft = self._new_block(confirm=False)
        draft.with_user(self.manager).action_cancel()
        self.assertEqual(draft.state, "cancelled")
        draft.with_user(self.manager).unlink()
        self.assertFalse(draft.exists())

    # Selling a block

    def test_selling_a_block(self):
        """Posting an invoice of 2 blocks of 10 hours makes an active block
        of 20 hours for the customer company, valid a year from the invoice
        date; cancelling the unused sale cancels it, posting again brings it
        back."""
        invoice = self._sell(2.0)
        block = self._sold_block(invoice)
        self.assertRecordValues(
            block,
            [
                {
                    "partner_id": self.rossi.id,
                    "company_id": self.company.id,
                    "hours": 20.0,
                    "date_start": date(2026, 3, 31),
                    "date_end": date(2027, 3, 30),
                    "state": "active",
                    "sale_move_id": invoice.id,
                }
            ],
        )
        self.assertEqual(block.create_uid, self.clerk)
        invoice.with_user(self.clerk).button_cancel()
        self.assertEqual(block.state, "cancelled")
        invoice.with_user(self.clerk).button_draft()
        invoice.with_user(self.clerk).action_post()
        self.assertEqual(self._sold_block(invoice), block)
        self.assertEqual(block.state, "active")
        # Nothing sold by a draft, nor by a product without prepaid hours.
        self.assertFalse(self._sold_block(self._sell(1.0, post=False)))

    def test_sale_of_a_used_block_stays(self):
        """Resetting, cancelling or crediting the sale of a used block is
        refused, naming the block and the invoices that use it."""
        invoice = self._sell(1.0)
        block = self._sold_block(invoice)
        use = self._use(block, 3.0)
        for undo in ("button_draft", "button_cancel"):
            with self.subTest(undo=undo), self.assertRaises(UserError) as error:
                getattr(invoice.with_user(self.clerk), undo)()
            self.assertIn(block.name, str(error.exception))
            self.assertIn(use.name, str(error.exception))
        credit_note = self._reverse(invoice)
        with self.assertRaises(UserError):
            credit_note.with_user(self.clerk).action_post()
        self.assertEqual((invoice.state, block.state), ("posted", "active"))

    def test_crediting_the_sale(self):
        """A partial credit note lowers the hours; a full one cancels the
        block; resetting that credit note to draft brings the hours back."""
        invoice = self._sell(2.0)
        block = self._sold_block(invoice)
        partial = self._reverse(invoice)
        partial.invoice_line_ids.quantity = 1.0
        partial.action_post()
        self.assertEqual((block.hours, block.state), (10.0, "active"))
        full = self._reverse(invoice)
        full.invoice_line_ids.quantity = 1.0
        full.action_post()
        self.assertEqual(block.state, "cancelled")
        full.button_draft()
        self.assertEqual((block.hours, block.state), (10.0, "active"))

    def test_paid_only(self):
        """With Prepaid Hours Once Paid, a sold block covers work once its
        invoice is paid; a block entered by hand needs no payment."""
        self.company.helpdesk_prepaid_paid_only = True
        invoice = self._sell(1.0)
        sold = self._sold_block(invoice)
        by_hand = self._new_block()
        day = date(2026, 4, 15)
        self.assertFalse(sold._is_usable(day))
        self.assertTrue(by_hand._is_usable(day))
        self.assertEqual(
            self.Block._get_usable_blocks(self.rossi_mario, self.support, day), by_hand
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": date(2026, 4, 10)})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(sold._is_usable(day))
        # Setting off: usable unpaid.
        self.company.helpdesk_prepaid_paid_only = False
        self.assertTrue(self._sold_block(self._sell(1.0))._is_usable(day))

    # What the invoicing asks

    def test_usable_blocks_first_to_expire_first(self):
        """The blocks that may cover a customer's work, in one search for
        many customers, the first to expire first; each covers its services
        on its dates in its company."""
        no_end = self._new_block()
        late = self._new_block(date_end=date(2030, 1, 31))
        early = self._new_block(date_end=date(2029, 12, 31))
        onsite_only = self._new_block(product_ids=[Command.set(self.onsite.ids)])
        later_start = self._new_block(date_start=date(2026, 6, 1))
        self._new_block(confirm=False)
        exhausted = self._new_block(hours=1.0)
        self._use(exhausted, 1.0)
        bianchi = self._new_block(partner=self.bianchi)
        # As many queries for three customers as for one (caches warm).
        self.Block._get_usable_blocks_by_partner(
            self.verdi, date(2026, 3, 1), date(2026, 3, 31)
        )
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        self.Block._get_usable_blocks_by_partner(
            self.rossi, date(2026, 3, 1), date(2026, 3, 31)
        )
        one = self.env.cr.sql_log_count - queries
        self.env.invalidate_all()
        queries = self.env.cr.sql_log_count
        by_partner = self.Block._get_usable_blocks_by_partner(
            self.rossi_mario | self.bianchi_luca | self.verdi,
            date(2026, 3, 1),
            date(2026, 3, 31),
        )
        self.assertEqual(self.env.cr.sql_log_count - queries, one)
        self.assertEqual(
            list(by_partner[self.rossi]), [early, late, no_end, onsite_only]
        )
        self.assertEqual(by_partner[self.bianchi], bianchi)
        self.assertFalse(by_partner[self.verdi])
        day = date(2026, 3, 10)
        self.assertEqual(
            self.Block._get_usable_blocks(self.rossi_anna, self.support, day),
            early | late | no_end,
        )
        self.assertEqual(
            list(self.Block._get_usable_blocks(self.rossi_anna, self.onsite, day)),
            [early, late, no_end, onsite_only],
        )
        part = self._new_product("Disk", 90.0, type="consu")
        self.assertFalse(self.Block._get_usable_blocks(self.rossi, part, day))
        self.assertIn(
            later_start,
            self.Block._get_usable_blocks(self.rossi, self.support, date(2026, 6, 1)),
        )

    def test_hours_left_on_customer_and_ticket(self):
        """The customer's form and the ticket show the hours left today in
        the usable blocks, for a technician too."""
        self._new_block(hours=10.0)
        used = self._new_block(hours=8.0)
        self._use(used, 3.0)
        self._new_block(hours=50.0, confirm=False)
        ticket = self._create_ticket(self.rossi_mario)
        other = self._create_ticket(self.bianchi_luca)
        tickets = (ticket | other).with_user(self.technician)
        self.assertEqual(tickets.mapped("prepaid_hours_remaining"), [15.0, 0.0])
        self.assertEqual(
            self.rossi_anna.with_user(self.technician).helpdesk_prepaid_hours_remaining,
            15.0,
        )
        action = self.rossi_mario.with_user(
            self.clerk
        ).action_view_helpdesk_prepaid_blocks()
        self.assertEqual(action["domain"], [("partner_id", "=", self.rossi.id)])

    # Expiry and alerts

    def test_daily_expiry(self):
        """The scheduled action expires the blocks past their end: their
        remaining hours lapse, said in the chatter."""
        block = self._new_block(date_end=date(2027, 2, 28))
        self._use(block, 4.0)
        no_end = self._new_block()
        cron = self.env.ref("helpdesk_mgmt_invoicing.ir_cron_prepaid_block_update")
        with freeze_time("2027-02-28"):
            cron.method_direct_trigger()
        self.assertEqual(block.state, "active")
        with freeze_time("2027-03-01"):
            cron.method_direct_trigger()
        self.assertEqual(block.state, "expired")
        self.assertEqual(no_end.state, "active")
        self.assertIn("6.0 hours lapsed", block.message_ids[0].body)
        self.assertFalse(block._is_usable(date(2027, 3, 1)))

    def test_low_balance_alert_once(self):
        """Below its threshold (20 % of 10 hours: under 2 hours left) the
        block emails the customer and gives the salesperson an activity,
        once."""
        self.rossi.user_id = self.clerk
        self.rossi.email = "info@rossi.example.com"
        block = self._new_block(hours=10.0)
        self._use(block, 8.0)
        self.assertFalse(block.alert_sent)
        self.assertFalse(block.activity_ids)
        self._use(block, 0.5)
        self.assertTrue(block.alert_sent)
        self.assertEqual(block.activity_ids.user_id, self.clerk)
        email = block.message_ids.filtered(
            lambda message: "running low" in (message.subject or "")
        )
        self.assertEqual(len(email), 1)
        self.assertIn(self.rossi, email.partner_ids)
        self.assertIn("1.50", email.body)
        self._use(block, 1.0)
        self.Block._cron_update_prepaid_blocks()
        self.assertEqual(len(block.activity_ids), 1)
        self.assertEqual(
            len(
                block.message_ids.filtered(lambda m: "running low" in (m.subject or ""))
            ),
            1,
        )

    def test_alert_to_the_creator_without_salesperson(self):
        """No salesperson: the activity goes to who made the block; a
        threshold of 0 never alerts."""
        block = self._new_block(hours=10.0)
        quiet = self._new_block(hours=10.0, alert_threshold=0.0)
        self._use(block, 9.0)
        self._use(quiet, 10.0)
        self.assertEqual(block.activity_ids.user_id, self.manager)
        self.assertFalse(quiet.alert_sent)

    # Who may do what

    def test_roles(self):
        """Technicians read; billing clerks draft blocks and change their
        alert, never confirm nor change a running block's terms; helpdesk
        managers do everything; portal users nothing."""
        block = self._new_block()
        self.assertEqual(self.Block.with_user(self.technician).search([]), block)
        with self.assertRaises(AccessError):
            self.Block.with_user(self.technician).create(
                {"partner_id": self.rossi.id, "hours": 1.0}
            )
        with self.assertRaises(AccessError):
            block.with_user(self.technician).alert_threshold = 10.0
        draft = self.Block.with_user(self.clerk).create(
            {"partner_id": self.rossi.id, "hours": 5.0}
        )
        draft.hours = 6.0
        with self.assertRaises(AccessError):
            draft.action_confirm()
        with self.assertRaises(AccessError):
            draft.state = "active"
        with self.assertRaises(AccessError):
            self.Block.with_user(self.clerk).create(
                {"partner_id": self.rossi.id, "hours": 5.0, "state": "active"}
            )
        block.with_user(self.clerk).alert_threshold = 10.0
        with self.assertRaises(AccessError):
            block.with_user(self.clerk).hours = 100.0
        with self.assertRaises(AccessError):
            block.with_user(self.clerk).action_cancel()
        with self.assertRaises(AccessError):
            draft.unlink()
        self.assertEqual((block.hours, draft.state), (10.0, "draft"))
        draft.with_user(self.manager).action_confirm()
        block.with_user(self.manager).hours = 12.0
        self.assertEqual(block.hours_remaining, 12.0)
        portal = self._new_user("hdi-block-portal", "base.group_portal")
        portal.partner_id.parent_id = self.rossi
        with self.assertRaises(AccessError):
            self.Block.with_user(portal).search([])

    def test_blocks_follow_the_company(self):
        """A block belongs to its company: a user of another company neither
        sees it nor uses it, and a sale makes it in the invoice's company."""
        company_2 = self.setup_other_company(name="Filiale Nord S.r.l.")["company"]
        block_2 = self.Block.with_context(
            allowed_company_ids=[company_2.id, self.company.id]
        ).create(
            {
                "partner_id": self.rossi.id,
                "company_id": company_2.id,
                "hours": 10.0,
                "date_start": date(2026, 3, 1),
            }
        )
        block_2.action_confirm()
        block_1 = self._new_block()
        clerk_2 = self._new_clerk("hdi-block-clerk-2", company_2)
        self.assertEqual(self.Block.with_user(self.clerk).search([]), block_1)
        self.assertEqual(self.Block.with_user(clerk_2).search([]), block_2)
        with self.assertRaises(AccessError):
            block_1.with_user(clerk_2).read(["hours"])
        self.assertEqual(
            self.Block._get_usable_blocks(
                self.rossi, self.support, date(2026, 3, 10), company=company_2
            ),
            block_2,
        )
        self.assertEqual(
            self.Block._get_usable_blocks(self.rossi, self.support, date(2026, 3, 10)),
            block_1,
        )
