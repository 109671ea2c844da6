# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments(self, move):
        # EXTENDS 'account': the documents that go with an invoice. Send &
        # Print proposes them in its mail (and sends them from the batch and
        # the scheduled sending too), the invoice's download and the customer
        # portal hand them out with it; localisations add their e-invoice
        # file here the same way.
        return (
            super()._get_invoice_extra_attachments(move)
            + move.helpdesk_report_attachment_ids
        )
