# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    helpdesk_invoice_approved_only = fields.Boolean(
        string="Invoice Approved Work Only",
        help="Work lines are invoiced once a helpdesk manager or a work "
        "approver has approved them; a ticket with work waiting for approval "
        "is skipped by invoicing.",
    )
    helpdesk_portal_show_prices = fields.Boolean(
        string="Show Work Prices in the Portal",
        help="Customers see the unit price and the amount of each work line "
        "on their tickets in the portal. Off: they see the work, not its "
        "price.",
    )
    helpdesk_invoice_signed_only = fields.Boolean(
        string="Invoice Signed Work Only",
        help="A ticket is invoiced only once the customer has signed its "
        "intervention report; until then invoicing skips it.",
    )
    helpdesk_signature_reminder_days = fields.Integer(
        string="Signature Reminder (Days)",
        help="Remind the customer to sign an intervention report sent for "
        "signature and still unsigned after this many days. 0: no reminder.",
    )
    helpdesk_prepaid_paid_only = fields.Boolean(
        string="Prepaid Hours Once Paid",
        help="A prepaid hours block sold on an invoice covers work only once "
        "that invoice is paid. Blocks entered by hand are not concerned.",
    )
