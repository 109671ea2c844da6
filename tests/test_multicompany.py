# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Several companies: each ticket is invoiced by its own company.

A ticket's invoice belongs to the ticket's company, with that company's
sales journal, income accounts and taxes; grouping by customer never puts two
companies on one invoice. A company with no sales journal, or a service with
no income account in that company, stops that company's tickets only, and
the clerk is told how to fix it.
"""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestMultiCompany(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company(name="Filiale Nord S.r.l.")
        cls.company_2 = cls.company_data_2["company"]
        # Shared services, taxed in each company with that company's tax.
        (cls.support + cls.onsite).taxes_id = [
            Command.link(cls.company_data_2["default_tax_sale"].id)
        ]
        cls.clerk.company_ids = [Command.link(cls.company_2.id)]
        cls.ticket_1 = cls._create_ticket(cls.rossi_mario, cls._standard_lines())
        cls.ticket_2 = cls._create_ticket(
            cls.rossi_anna,
            [(date(2026, 3, 6), cls.support, 2.0)],
            company_id=cls.company_2.id,
        )

    def _assert_second_company_stopped(self, reason):
        """Of both tickets, the first company's is invoiced; the second
        company's stays To Invoice, and invoiced alone it gives ``reason``."""
        invoices = self._invoice(self.ticket_1 + self.ticket_2)
        self.assertEqual(invoices.helpdesk_ticket_ids, self.ticket_1)
        self.assertEqual(self.ticket_2.billing_state, "to_invoice")
        with self.assertRaises(UserError) as error:
            self._invoice(self.ticket_2)
        self.assertIn(f"{self.ticket_2.display_name}: {reason}", str(error.exception))

    def test_one_invoice_per_company(self):
        """Grouped by customer, the same customer still gets one invoice per
        company, each with its company's journal, accounts and taxes."""
        invoices = self._invoice(self.ticket_1 + self.ticket_2, group_by_partner=True)
        self.assertEqual(len(invoices), 2)
        for ticket, data in (
            (self.ticket_1, self.company_data),
            (self.ticket_2, self.company_data_2),
        ):
            with self.subTest(company=data["company"].name):
                invoice = ticket.invoice_ids
                self.assertEqual(invoice.company_id, data["company"])
                self.assertEqual(invoice.journal_id.company_id, data["company"])
                self.assertEqual(invoice.journal_id.type, "sale")
                self.assertEqual(invoice.commercial_partner_id, self.rossi)
                lines = self._product_lines(invoice)
                self.assertEqual(lines.tax_ids, data["default_tax_sale"])
                self.assertEqual(
                    lines.account_id.company_ids & data["company"], data["company"]
                )
                self.assertEqual(invoice.helpdesk_ticket_ids, ticket)

    def test_company_without_sales_journal(self):
        journals = self.env["account.journal"].search(
            [("company_id", "=", self.company_2.id), ("type", "=", "sale")]
        )
        journals.action_archive()
        self._assert_second_company_stopped(
            "company Filiale Nord S.r.l. has no sales journal: create one in "
            "Invoicing > Configuration > Journals."
        )

    def test_service_without_income_account_in_one_company(self):
        """The income account is looked up in the ticket's company."""
        support_2 = self.support.with_company(self.company_2)
        support_2.property_account_income_id = False
        support_2.categ_id.property_account_income_categ_id = False
        self.assertFalse(support_2._get_product_accounts()["income"])
        self._assert_second_company_stopped(
            "the work line of 03/06/2026: the product Hourly Support has no "
            "income account in company Filiale Nord S.r.l.: set one on the "
            "product or its category."
        )

    def test_deprecated_income_account_in_one_company(self):
        account = self.support.with_company(self.company_2)._get_product_accounts()[
            "income"
        ]
        account.deprecated = True
        self._assert_second_company_stopped(
            "the work line of 03/06/2026: the income account "
            f"{account.display_name} of the product Hourly Support is deprecated: "
            "set an active income account on the product or its category in "
            "company Filiale Nord S.r.l."
        )

    def test_service_restricted_to_the_other_company(self):
        """A shared service later restricted to the first company: the second
        company's tickets that use it are stopped, the others are invoiced."""
        self.support.company_id = self.company
        self._assert_second_company_stopped(
            "the work line of 03/06/2026: the product Hourly Support belongs to "
            f"company {self.company.name} only: share it with company Filiale "
            "Nord S.r.l., or choose another one."
        )

    def test_clerk_of_one_company(self):
        """A clerk who works for the first company only neither sees nor
        invoices the second company's tickets."""
        self.clerk.company_ids = [Command.unlink(self.company_2.id)]
        with self.assertRaises(AccessError):
            self._invoice(self.ticket_2)
        self.assertEqual(self.ticket_2.billing_state, "to_invoice")
        wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk).create({})
        self.assertIn(self.ticket_1, wizard.ticket_ids)
        self.assertNotIn(self.ticket_2, wizard.ticket_ids)

    def test_month_end_run_in_the_current_company(self):
        """With nothing selected, the pop-up proposes the tickets of the
        companies the clerk is working in."""
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.clerk)
        both = Wizard.with_context(
            allowed_company_ids=[self.company.id, self.company_2.id]
        ).create({})
        self.assertIn(self.ticket_1, both.ticket_ids)
        self.assertIn(self.ticket_2, both.ticket_ids)
        second = Wizard.with_context(allowed_company_ids=self.company_2.ids).create({})
        self.assertNotIn(self.ticket_1, second.ticket_ids)
        self.assertIn(self.ticket_2, second.ticket_ids)
        action = second.action_create_invoices()
        invoice = self.env["account.move"].browse(action["params"]["next"]["res_id"])
        self.assertEqual(invoice.company_id, self.company_2)
