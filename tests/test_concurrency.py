# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Two clerks invoicing the same tickets at the same moment.

The first one invoices them; the second one is told, naming the tickets, that
someone else is invoicing them, and nothing is billed twice. These tests use
real, separate database transactions, so their set-up is committed (the test
database is throwaway) and removed again at the end of each test.
"""

import threading

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestConcurrency(TransactionCase):
    # Not HelpdeskInvoicingCommon: its records live in the test's own
    # transaction, which the other transactions never see.

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            self.customer_id = (
                env["res.partner"]
                .create({"name": "Concorrenza S.r.l.", "is_company": True})
                .id
            )
            service = env["product.product"].create(
                {
                    "name": "Concurrent Support",
                    "type": "service",
                    "sale_ok": True,
                    "list_price": 50.0,
                }
            )
            self.service_id = service.id
            self.clerk_id = new_test_user(
                env,
                login="hdi-concurrency-clerk",
                groups="helpdesk_mgmt.group_helpdesk_user,"
                "account.group_account_invoice",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            ).id
            stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Concurrent ticket {index}",
                        "description": "Server down",
                        "partner_id": self.customer_id,
                        "company_id": company.id,
                        "stage_id": stage.id,
                        "work_line_ids": [
                            Command.create(
                                {
                                    "date": f"2026-03-0{index}",
                                    "product_id": service.id,
                                    "quantity": 1.0,
                                }
                            )
                        ],
                    }
                    for index in (1, 2)
                ]
            )
            self.ticket_ids = tickets.ids
            self.ticket_names = ", ".join(tickets.mapped("display_name"))
            # Leaving the block commits.
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            # Deleting the draft invoices releases the work lines, which lets
            # the tickets go.
            env["account.move"].search(
                [("commercial_partner_id", "=", self.customer_id)]
            ).unlink()
            env["helpdesk.ticket"].browse(self.ticket_ids).unlink()
            env["product.product"].browse(self.service_id).unlink()
            clerk = env["res.users"].browse(self.clerk_id)
            clerk_partner = clerk.partner_id
            clerk.unlink()
            (clerk_partner + env["res.partner"].browse(self.customer_id)).unlink()

    def _clerk_env(self):
        """A transaction of its own, as the billing clerk."""
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return api.Environment(cr, self.clerk_id, {})

    def _assert_billed_once(self):
        """Every work line is on exactly one invoice line, of one invoice."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
            self.assertEqual(set(tickets.mapped("billing_state")), {"invoiced"})
            invoices = env["account.move"].search(
                [("commercial_partner_id", "=", self.customer_id)]
            )
            self.assertEqual(len(invoices), 2)  # one per ticket
            billed = invoices.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )
            self.assertEqual(len(billed), 2)
            self.assertEqual(billed.helpdesk_work_line_ids, tickets.work_line_ids)
            self.assertEqual(
                [len(line.helpdesk_work_line_ids) for line in billed], [1, 1]
            )

    def test_second_clerk_is_told_and_waits_for_nothing(self):
        first = self._clerk_env()
        second = self._clerk_env()
        invoices = first["helpdesk.ticket"].browse(self.ticket_ids)._create_invoices()
        self.assertEqual(len(invoices), 2)
        # The first clerk has not confirmed yet: the second is refused at once.
        with self.assertRaises(UserError) as error:
            second["helpdesk.ticket"].browse(self.ticket_ids)._create_invoices()
        self.assertEqual(
            str(error.exception),
            f"{self.ticket_names}: someone else is invoicing these tickets right "
            "now. Wait a moment, reload the list and try again.",
        )
        second.cr.rollback()
        first.cr.commit()
        # Tried again later, the tickets are invoiced already.
        with self.assertRaises(UserError) as error:
            second["helpdesk.ticket"].browse(self.ticket_ids)._create_invoices()
        self.assertIn("There is nothing to invoice", str(error.exception))
        self.assertIn("is already invoiced", str(error.exception))
        second.cr.rollback()
        self._assert_billed_once()

    def test_tickets_invoiced_since_the_request_began(self):
        """The second clerk's request started before the first one finished.

        Locking tickets changed since the request began is a serialization
        failure, which Odoo answers by running the whole request again: the
        second run sees the tickets invoiced and says so.
        """
        first = self._clerk_env()
        second = self._clerk_env()
        tickets = second["helpdesk.ticket"].browse(self.ticket_ids)
        # The second request reads the tickets: what it sees is fixed from now.
        self.assertEqual(set(tickets.mapped("billing_state")), {"to_invoice"})
        first["helpdesk.ticket"].browse(self.ticket_ids)._create_invoices()
        first.cr.commit()
        # Run as Odoo runs a request: its first run meets the serialization
        # failure, the retry ends with the clear reason.
        runs = []

        def request():
            runs.append(len(runs) + 1)
            return tickets._create_invoices()

        with self.assertRaises(UserError) as error:
            retrying(request, second)
        self.assertEqual(runs, [1, 2])
        self.assertIn("There is nothing to invoice", str(error.exception))
        self.assertIn("is already invoiced", str(error.exception))
        self._assert_billed_once()

    def test_two_clerks_at_the_same_instant(self):
        """Two threads start invoicing together: one wins, one is refused."""
        barrier = threading.Barrier(2, timeout=30)
        outcomes = []

        def invoice():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.clerk_id, {})
                tickets = env["helpdesk.ticket"].browse(self.ticket_ids)
                barrier.wait()
                try:
                    # As Odoo runs a request: retried on a serialization failure.
                    retrying(tickets._create_invoices, env)
                except UserError as exc:
                    outcomes.append(str(exc))
                else:
                    outcomes.append("invoiced")

        threads = [threading.Thread(target=invoice) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        self.assertEqual(len(outcomes), 2, outcomes)
        self.assertEqual(outcomes.count("invoiced"), 1, outcomes)
        [refusal] = [outcome for outcome in outcomes if outcome != "invoiced"]
        self.assertTrue(
            "someone else is invoicing these tickets" in refusal
            or "is already invoiced" in refusal,
            refusal,
        )
        self._assert_billed_once()
