# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Work approved before it is billed.

A company may invoice approved work only (Helpdesk settings: Invoice Approved
Work Only, off by default). Technicians log work; a helpdesk manager or a
work approver approves it or rejects it with a reason, which the technician
gets as an activity on the ticket. Invoicing then skips a ticket whose work
waits for approval, and says why. Approved work is locked for the technician;
a change by an approver puts it back To Approve, as does any change to
rejected work.
"""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import HelpdeskInvoicingCommon
from .queue_job_helpers import trap_jobs


@tagged("post_install", "-at_install")
class TestApproval(HelpdeskInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = cls._new_user(
            "hdi-approver",
            "helpdesk_mgmt.group_helpdesk_user,"
            "helpdesk_mgmt_invoicing.group_helpdesk_work_approver",
        )
        cls.manager = cls._new_user(
            "hdi-manager", "helpdesk_mgmt.group_helpdesk_manager"
        )
        cls.ticket = cls._create_ticket(
            cls.rossi_mario,
            [
                (date(2026, 3, 2), cls.support, 3.0),
                (date(2026, 3, 3), cls.onsite, 1.5),
            ],
        )
        cls.work = cls.ticket.work_line_ids
        cls.work.user_id = cls.technician

    def _approve_only(self):
        self.company.helpdesk_invoice_approved_only = True

    def test_off_by_default_work_is_invoiced_unapproved(self):
        self.assertFalse(self.company.helpdesk_invoice_approved_only)
        self.assertEqual(set(self.work.mapped("approval_state")), {"to_approve"})
        invoice = self._invoice(self.ticket)
        self.assertEqual(len(self._product_lines(invoice)), 2)

    def test_unapproved_work_is_skipped_with_the_reason(self):
        self._approve_only()
        self.work[0].with_user(self.approver).action_approve()
        self.assertEqual(self.ticket.billing_state_detail, "waiting_approval")
        _eligible, issues = self.ticket.with_user(self.clerk)._split_invoiceable()
        self.assertEqual(
            issues[self.ticket],
            f"{self.ticket.display_name}: 1 work line waits for approval (1.50 "
            "hours): approve it in Helpdesk > Work to Approve first.",
        )
        with self.assertRaises(UserError):
            self._invoice(self.ticket)

        self.work[1].with_user(self.manager).action_approve()
        self.assertEqual(self.ticket.billing_state_detail, "to_invoice")
        invoice = self._invoice(self.ticket)
        self.assertEqual(self._product_lines(invoice).helpdesk_work_line_ids, self.work)

    def test_the_clerk_may_leave_out_the_work_waiting_for_approval(self):
        """Ticked, the ticket is invoiced for its approved work; the rest
        stays to invoice, waiting; a ticket with no approved work is still
        skipped. The pop-up's preview says so before confirming."""
        self._approve_only()
        self.work[0].with_user(self.approver).action_approve()
        waiting_only = self._create_ticket(
            self.verdi, [(date(2026, 3, 4), self.support, 2.0)]
        )
        tickets = self.ticket + waiting_only
        wizard = (
            self.env["helpdesk.ticket.invoice"]
            .with_user(self.clerk)
            .create(
                {
                    "ticket_ids": [Command.set(tickets.ids)],
                    "without_unapproved_work": True,
                }
            )
        )
        self.assertTrue(wizard.approval_required)
        self.assertEqual(wizard.invoiceable_ticket_ids, self.ticket)
        self.assertEqual(wizard.hours_total, 3.0)
        self.assertIn("1 work line waits for approval", wizard.skipped_reasons)

        wizard.action_create_invoices()
        invoice = self.ticket.invoice_ids
        self.assertEqual(
            self._product_lines(invoice).helpdesk_work_line_ids, self.work[0]
        )
        self.assertEqual(self.work[1].qty_to_invoice, 1.5)
        self.assertEqual(self.ticket.billing_state_detail, "waiting_approval")
        self.assertFalse(waiting_only.invoice_ids)

    def test_a_background_run_leaves_out_what_the_clerk_said(self):
        self._approve_only()
        self.work[0].with_user(self.approver).action_approve()
        with trap_jobs() as trap:
            run = (
                self.env["helpdesk.ticket.invoice.run"]
                .with_user(self.clerk)
                ._start(self.ticket, without_unapproved=True)
            )
        self.assertTrue(run.without_unapproved_work)
        trap.perform_enqueued_jobs()
        self.assertEqual(
            self._product_lines(self.ticket.invoice_ids).helpdesk_work_line_ids,
            self.work[0],
        )

    def test_only_approvers_approve_or_reject(self):
        for action in (
            lambda lines: lines.action_approve(),
            lambda lines: lines.action_reject("Wrong day"),
            lambda lines: lines.write({"approval_state": "approved"}),
        ):
            with self.assertRaises(AccessError):
                action(self.work.with_user(self.technician))
        self.assertEqual(set(self.work.mapped("approval_state")), {"to_approve"})

    def test_reject_needs_a_reason_and_tells_the_technician(self):
        with self.assertRaises(UserError):
            self.work.with_user(self.approver).action_reject("  ")
        self.assertEqual(set(self.work.mapped("approval_state")), {"to_approve"})

        action = self.work[:1].with_user(self.approver).action_open_reject_wizard()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.approver)
            .with_context(**action["context"])
        )
        wizard.reason = "The visit was on Tuesday, not Monday."
        wizard.save().action_reject()

        self.assertEqual(self.work[0].approval_state, "rejected")
        self.assertEqual(
            self.work[0].rejection_reason, "The visit was on Tuesday, not Monday."
        )
        activity = self.ticket.activity_ids
        self.assertEqual(activity.user_id, self.technician)
        self.assertIn("Tuesday", str(activity.note))
        self.assertIn(
            "The visit was on Tuesday, not Monday.",
            self.ticket.message_ids[0].body,
        )

    def test_approved_work_is_locked_for_the_technician(self):
        self.work[0].with_user(self.approver).action_approve()
        with self.assertRaisesRegex(UserError, "is approved: ask"):
            self.work[0].with_user(self.technician).quantity = 5.0
        self.env.invalidate_all()
        self.assertEqual(self.work[0].quantity, 3.0)
        # The description is no amount: it stays the technician's.
        self.work[0].with_user(self.technician).name = "Boiler checked"
        self.assertEqual(self.work[0].approval_state, "approved")

    def test_a_change_by_the_approver_puts_work_back_to_approve(self):
        self.work[0].with_user(self.approver).action_approve()
        self.work[0].with_user(self.approver).quantity = 2.0
        self.assertEqual(self.work[0].approval_state, "to_approve")

    def test_corrected_rejected_work_goes_back_to_approve(self):
        self.work[0].with_user(self.approver).action_reject("Wrong day")
        self.work[0].with_user(self.technician).date = date(2026, 3, 3)
        self.assertEqual(self.work[0].approval_state, "to_approve")

    def test_work_on_an_invoice_is_past_approval(self):
        invoice = self._invoice(self.ticket)
        self.assertTrue(invoice)
        self._assert_past_approval()
        # Credited in full, the work stays on the invoice: still refused.
        invoice.invoice_date = date(2026, 3, 31)
        invoice.action_post()
        self._reverse(invoice)
        self.assertFalse(any(self.work.mapped("qty_invoiced")))
        self._assert_past_approval()

    def _assert_past_approval(self):
        with self.assertRaisesRegex(UserError, "is on .*invoice"):
            self.work.with_user(self.approver).action_approve()
        with self.assertRaisesRegex(UserError, "is on .*invoice"):
            self.work.with_user(self.approver).action_reject("Too late")
        self.assertEqual(set(self.work.mapped("approval_state")), {"to_approve"})

    def test_an_invoice_reset_to_draft_does_not_post_rejected_work(self):
        """Cancelled, its work rejected, then reset to draft: posting it is
        refused while the company invoices approved work only."""
        self._approve_only()
        self.work.with_user(self.approver).action_approve()
        invoice = self._invoice(self.ticket)
        invoice.button_cancel()
        self.work[0].with_user(self.approver).action_reject("Not done")
        invoice.button_draft()
        invoice.invoice_date = date(2026, 3, 31)
        with self.assertRaisesRegex(UserError, "is not approved"):
            with self.env.cr.savepoint():
                invoice.with_user(self.clerk).action_post()
        self.env.invalidate_all()
        self.assertEqual(invoice.state, "draft")

    def test_the_setting_is_the_companys(self):
        settings = self.env["res.config.settings"].create({})
        settings.helpdesk_invoice_approved_only = True
        settings.execute()
        self.assertTrue(self.company.helpdesk_invoice_approved_only)
        other = self.env["res.company"].create({"name": "Other Company"})
        self.assertFalse(other.helpdesk_invoice_approved_only)

    def test_managers_are_approvers(self):
        group = "helpdesk_mgmt_invoicing.group_helpdesk_work_approver"
        self.assertTrue(self.manager.has_group(group))
        self.assertFalse(self.technician.has_group(group))
        self.assertFalse(self.clerk.has_group(group))
