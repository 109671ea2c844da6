# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from .account_move_line import get_created_line_values, work_line_links_set_aside


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

    @api.model
    def _get_helpdesk_preview_alerts(self, moves):
        """What Send & Print would warn about for these invoices built in
        memory (``_get_helpdesk_preview_invoices``), before any is created:
        the pop-up builds them once, for its preview and for these warnings.

        They are handed, customer by customer, to ``_get_alerts``: the hook
        where each localisation checks its e-invoices (Italy's
        ``l10n_it_edi`` its FatturaPA: VAT number or fiscal code, address,
        the public administration's documents...). The add-on knows none of
        them: what a localisation checks there, the clerk reads before
        confirming.

        :return: ``{partner: [message, ...]}``: who each warning is about (the
            customer, or the partner or company the alert points to; an empty
            ``res.partner`` for what concerns no one in particular, such as
            settings), in the order found
        """
        warnings = {}
        for customer, customer_moves in moves.grouped("commercial_partner_id").items():
            moves_data = {
                move: self._get_helpdesk_preview_sending_settings(move)
                for move in customer_moves
            }
            alerts = self._get_alerts(customer_moves, moves_data)
            for alert in alerts.values():
                if alert.get("level") == "info":
                    continue
                partners = self._get_helpdesk_alert_partners(alert, customer)
                messages = warnings.setdefault(partners, [])
                if alert["message"] not in messages:
                    messages.append(alert["message"])
        return warnings

    @api.model
    def _get_helpdesk_preview_invoices(self, invoice_vals_list):
        """The invoices of these values, built in memory only (``new``).

        An invoice in memory has no tax nor payment term line yet (``create``
        adds them), so its amounts would read zero: it gets the totals its
        form shows before it is saved (``tax_totals``), which checks such as
        Italy's 400-euro limit of simplified invoices read.
        """
        Move = self.env["account.move"]
        # Without the links to the work lines: see work_line_links_set_aside.
        with work_line_links_set_aside(get_created_line_values(invoice_vals_list)):
            moves = Move.concat(
                *(
                    Move.with_company(
                        invoice_vals.get("company_id") or self.env.company
                    ).new(invoice_vals)
                    for invoice_vals in invoice_vals_list
                )
            )
        # Read together, the totals of many invoices are computed in batches.
        for move in moves:
            totals = move.tax_totals or {}
            if totals:
                sign = 1 if move.is_inbound() else -1
                move.update(
                    {
                        "amount_untaxed": totals["base_amount_currency"],
                        "amount_tax": totals["tax_amount_currency"],
                        "amount_total": totals["total_amount_currency"],
                        "amount_untaxed_signed": sign * totals["base_amount"],
                        "amount_tax_signed": sign * totals["tax_amount"],
                        "amount_total_signed": sign * totals["total_amount"],
                        "amount_total_in_currency_signed": sign
                        * totals["total_amount_currency"],
                    }
                )
        return moves

    @api.model
    def _get_helpdesk_preview_sending_settings(self, move):
        """Send & Print's settings for this invoice, as its alerts read them.

        The customer's e-invoice format and sending method, as Send & Print
        would choose them. Not email: that the customer has no email address
        is Send & Print's concern when sending, not a reason for an e-invoice
        to be refused. No extra EDI (such as Italy's "Send to Tax Agency"):
        they apply to posted invoices, and Send & Print checks them then.
        """
        sending_methods = {self._get_default_sending_method(move)} - {"email"}
        return {
            "sending_methods": sending_methods,
            "invoice_edi_format": self._get_default_invoice_edi_format(
                move, sending_methods=sending_methods
            ),
            "extra_edis": set(),
        }

    @api.model
    def _get_helpdesk_alert_partners(self, alert, customer):
        """Who an alert of ``_get_alerts`` is about.

        The partners or companies its action opens; the customer when it
        opens the invoices, or nothing; no one in particular when it opens
        something else (settings, a web page).
        """
        action = alert.get("action")
        if not action:
            return customer
        model = action.get("res_model")
        if model == "account.move":
            return customer
        if model not in ("res.partner", "res.company"):
            return self.env["res.partner"]
        if action.get("res_id"):
            ids = [action["res_id"]]
        else:
            ids = next(
                (leaf[2] for leaf in action.get("domain") or [] if leaf[0] == "id"),
                [],
            )
        records = self.env[model].browse(ids)
        return records if model == "res.partner" else records.partner_id
