# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Who may invoice tickets, and who sees billing at all.

Only users with the Invoicing / Billing right and a Helpdesk right create
invoice proposals. Technicians log work lines but cannot invoice them.
Employees who follow a ticket can still open it. Portal customers see their
tickets, never the work lines, the prices or the billing state.
"""

from datetime import date

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import HelpdeskInvoicingCommon


@tagged("post_install", "-at_install")
class TestAccess(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.rossi_mario, cls._standard_lines())

    def _assert_untouched(self):
        self.assertEqual(self.ticket.billing_state, "to_invoice")
        self.assertFalse(self.ticket.work_line_ids.invoice_line_id)
        self.assertFalse(
            self.env["account.move"].search(
                [("partner_id", "=", self.rossi_invoice.id)]
            )
        )

    def test_technician_cannot_invoice(self):
        """The business method and the pop-up both refuse a technician."""
        with self.assertRaises(AccessError):
            self.ticket.with_user(self.technician)._create_invoices()
        Wizard = self.env["helpdesk.ticket.invoice"].with_user(self.technician)
        with self.assertRaises(AccessError):
            Wizard.create({"ticket_ids": [(6, 0, self.ticket.ids)]})
        # Nor with a pop-up the clerk opened.
        wizard = (
            self.env["helpdesk.ticket.invoice"]
            .with_user(self.clerk)
            .create({"ticket_ids": [(6, 0, self.ticket.ids)]})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.technician).action_create_invoices()
        self._assert_untouched()

    def test_accountant_without_helpdesk_rights_cannot_invoice(self):
        accountant = self._new_user(
            "hdi-access-accountant", "account.group_account_invoice"
        )
        with self.assertRaises(AccessError):
            self.ticket.with_user(accountant)._create_invoices()
        self._assert_untouched()

    def test_personal_tickets_only(self):
        """A clerk who sees only their own tickets cannot invoice the others'."""
        clerk_own = self._new_user(
            "hdi-access-clerk-own",
            "helpdesk_mgmt.group_helpdesk_user_own,account.group_account_invoice",
        )
        self.ticket.user_id = self.technician
        with self.assertRaises(AccessError):
            self.ticket.with_user(clerk_own)._create_invoices()
        self._assert_untouched()
        self.ticket.user_id = clerk_own
        invoice = self.ticket.with_user(clerk_own)._create_invoices()
        self.assertEqual(invoice.helpdesk_ticket_ids, self.ticket)

    def test_employee_following_a_ticket_can_open_it(self):
        """An employee without Helpdesk rights who follows the ticket opens its
        form, work lines included, without prices."""
        employee = self._new_user("hdi-access-employee", "base.group_user")
        self.ticket.message_subscribe(partner_ids=employee.partner_id.ids)
        Ticket = self.env["helpdesk.ticket"].with_user(employee)
        form = Ticket.get_views([(False, "form")])["views"]["form"]
        arch = etree.fromstring(form["arch"])
        self.assertFalse(arch.xpath("//field[@name='price_unit']"))
        lines_spec = {
            name: {}
            for name in arch.xpath("//field[@name='work_line_ids']//field/@name")
        }
        [values] = Ticket.browse(self.ticket.id).web_read(
            {"name": {}, "work_line_ids": {"fields": lines_spec}}
        )
        self.assertEqual(
            [line["date"] for line in values["work_line_ids"]],
            [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 5)],
        )
        # Followed tickets only.
        other = self._create_ticket(self.bianchi_luca, self._standard_lines())
        WorkLine = self.env["helpdesk.ticket.work.line"].with_user(employee)
        self.assertEqual(WorkLine.search([]).ticket_id, self.ticket)
        self.assertFalse(WorkLine.search([("ticket_id", "=", other.id)]))

    def test_portal_customer_sees_no_billing(self):
        portal = self._new_user("hdi-access-portal", "base.group_portal")
        portal.partner_id.parent_id = self.rossi
        self.ticket.with_user(self.clerk)._create_invoices()
        ticket = self.ticket.with_user(portal)
        # The customer sees their ticket...
        self.assertEqual(ticket.read(["name"])[0]["name"], self.ticket.name)
        # ...and nothing of its work lines or of their invoicing.
        WorkLine = self.env["helpdesk.ticket.work.line"].with_user(portal)
        with self.assertRaises(AccessError):
            WorkLine.search([])
        for field in (
            "billing_state",
            "work_line_ids",
            "work_hours_total",
            "work_amount_total",
            "invoice_ids",
            "invoice_count",
        ):
            with self.subTest(field=field), self.assertRaises(AccessError):
                ticket.read([field])
        with self.assertRaises(AccessError):
            ticket._create_invoices()
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket.invoice"].with_user(portal).create({})
        # The portal pages of helpdesk_mgmt show no billing field.
        for xmlid in (
            "helpdesk_mgmt.portal_helpdesk_ticket_page",
            "helpdesk_mgmt.portal_ticket_list",
        ):
            view = self.env.ref(xmlid)
            arch = view._get_combined_arch()
            # The page does show the ticket's stage: the search below looks
            # where the fields are.
            self.assertTrue(arch.xpath("//*[@*[contains(., 'stage_id')]]"))
            for name in ("billing_state", "invoice"):
                with self.subTest(view=xmlid, name=name):
                    self.assertFalse(arch.xpath(f"//*[@*[contains(., '{name}')]]"))
            # The work the page shows is the intervention report's (no
            # internal work, see test_portal_sign.py); its prices only where
            # the company's setting shows them.
            priced = arch.xpath("//*[@*[contains(., 'price')]]")
            self.assertEqual(
                priced,
                arch.xpath(
                    "//*[@t-if='show_work_prices']"
                    "/descendant-or-self::*[@*[contains(., 'price')]]"
                ),
            )

    def test_work_lines_follow_the_company(self):
        """Work lines of another company's tickets stay out of sight."""
        other_company = self.env["res.company"].create({"name": "Altra Sede S.r.l."})
        self.technician.company_ids |= other_company
        ticket = self._create_ticket(
            self.verdi,
            [(date(2026, 3, 2), self.support, 1.0)],
            company_id=other_company.id,
        )
        WorkLine = self.env["helpdesk.ticket.work.line"].with_user(self.technician)
        self.assertIn(
            ticket.work_line_ids,
            WorkLine.with_context(allowed_company_ids=other_company.ids).search([]),
        )
        self.assertNotIn(
            ticket.work_line_ids,
            WorkLine.with_context(allowed_company_ids=self.company.ids).search([]),
        )
