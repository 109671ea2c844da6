# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Invoicing a month of tickets at once: the cost does not grow with the tickets.

However many tickets are invoiced together, the add-on asks the database the
same questions: one query per question, never one per ticket or per work line.
Odoo's own creation of the invoices (``account.move.create``) is counted
apart, since what it costs per invoice is Odoo's; the whole, Odoo's part
included, stays under 16 queries per invoice.

On a young database, PostgreSQL may believe the journal items table empty
(autovacuum records it so after rolled-back batches or deleted test invoices)
and plan the invoice creation as a cross join: the add-on refreshes those
statistics before it creates the invoices.
"""

import sys
from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.sql_db import Cursor
from odoo.tests import tagged

from ..db_statistics import journal_item_statistics_stale
from .common import HelpdeskInvoicingCommon

# The ORM writes rows by batches of 100 (one INSERT or UPDATE each), and the
# 50 tickets have 200 work lines: a few statements more than for 10 tickets.
# A query per ticket would add 40, one per work line 160.
BATCH_SLACK = 4
MAX_QUERIES_PER_INVOICE = 16


def _in_invoice_creation():
    """Whether the query being run comes from ``account.move.create``."""
    frame = sys._getframe(2)
    while frame:
        code = frame.f_code
        if code.co_name == "create" and code.co_filename.endswith(
            "/account/models/account_move.py"
        ):
            return True
        frame = frame.f_back
    return False


@tagged("post_install", "-at_install")
class TestQueryCount(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = cls.env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(5)]
        )
        cls.contacts = cls.env["res.partner"].create(
            [
                {"name": f"Contact of {customer.name}", "parent_id": customer.id}
                for customer in customers
            ]
        )

    def _month_of_tickets(self, count):
        """Closed tickets over 5 customers, with 4 work lines each."""
        lines = [
            (date(2026, 3, 2), self.support, 1.0),
            (date(2026, 3, 3), self.support, 2.0),
            (date(2026, 3, 4), self.onsite, 1.5),
            (date(2026, 3, 5), self.onsite, 0.5),
        ]
        return self.env["helpdesk.ticket"].create(
            [
                {
                    "name": f"Ticket {i}",
                    "description": "Printer out of order",
                    "partner_id": self.contacts[i % 5].id,
                    "stage_id": self.stage_closed.id,
                    "work_line_ids": [
                        Command.create(
                            {"date": day, "product_id": product.id, "quantity": hours}
                        )
                        for day, product, hours in lines
                    ],
                }
                for i in range(count)
            ]
        )

    @contextmanager
    def _count_queries(self):
        """Count the queries of the block: the add-on's, and Odoo's creation."""
        counts = {"add_on": 0, "invoice_creation": 0}
        execute = Cursor.execute

        def counting_execute(cr, query, params=None, log_exceptions=True):
            key = "invoice_creation" if _in_invoice_creation() else "add_on"
            counts[key] += 1
            return execute(cr, query, params, log_exceptions)

        self.env.flush_all()
        self.env.invalidate_all()
        with patch.object(Cursor, "execute", counting_execute):
            yield counts
            # What a commit would still run: pending writes, tracking.
            self.env.flush_all()
            self.env.cr.precommit.run()
            self.env.flush_all()

    def _assert_constant_queries(self, **options):
        self._invoice(self._month_of_tickets(1), **options)  # warm the caches
        tickets_10 = self._month_of_tickets(10)
        tickets_50 = self._month_of_tickets(50)
        with self._count_queries() as queries_10:
            self._invoice(tickets_10, **options)
        with self._count_queries() as queries_50:
            invoices_50 = self._invoice(tickets_50, **options)

        self.assertEqual(set(tickets_50.mapped("billing_state")), {"invoiced"})
        self.assertLessEqual(
            queries_50["add_on"],
            queries_10["add_on"] + BATCH_SLACK,
            f"The add-on ran {queries_10['add_on']} queries to invoice 10 tickets "
            f"but {queries_50['add_on']} for 50: a query per ticket or per line?",
        )
        return invoices_50, queries_50

    def _assert_queries_per_invoice(self, invoices, queries):
        total = queries["add_on"] + queries["invoice_creation"]
        self.assertLessEqual(total, MAX_QUERIES_PER_INVOICE * len(invoices))

    def test_one_invoice_per_ticket(self):
        invoices, queries = self._assert_constant_queries()
        self.assertEqual(len(invoices), 50)
        self._assert_queries_per_invoice(invoices, queries)

    def test_one_invoice_per_customer(self):
        # 5 invoices of 10 tickets: the fixed cost is not shared by enough
        # invoices for a bound per invoice to mean anything (the benchmark
        # measures it on 50 customers).
        invoices, _queries = self._assert_constant_queries(group_by_partner=True)
        self.assertEqual(len(invoices), 5)
        self.assertEqual(len(self._product_lines(invoices[0])), 40)

    def test_group_work_lines(self):
        invoices, queries = self._assert_constant_queries(group_work_lines=True)
        self.assertEqual(len(invoices), 50)
        self.assertEqual(len(self._product_lines(invoices[0])), 2)
        self._assert_queries_per_invoice(invoices, queries)

    def test_stale_statistics_refreshed_before_creating(self):
        """Statistics that count no journal item are refreshed first.

        Where the table has no line to count yet, as on a young database, the
        first 20 invoices are created alone: the statistics then count their
        lines before the others are created.
        """
        # A young database: a first batch was made, then deleted; autovacuum
        # recorded the pages it left, with no row.
        self._invoice(self._month_of_tickets(25)).unlink()
        self.env.cr.execute(
            "UPDATE pg_class SET reltuples = 0, relpages = GREATEST(relpages, 10) "
            "WHERE oid = 'account_move_line'::regclass"
        )
        self.assertTrue(journal_item_statistics_stale(self.env))

        invoices = self._invoice(self._month_of_tickets(25))

        self.assertEqual(len(invoices), 25)
        self.assertEqual(len(invoices.invoice_line_ids.helpdesk_work_line_ids), 100)
        self.env.cr.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'account_move_line'::regclass"
        )
        self.assertGreaterEqual(
            self.env.cr.fetchone()[0],
            len(invoices[:20].line_ids),
            "The statistics do not count the lines of the first invoices.",
        )
