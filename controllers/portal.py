# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk

from ..models.helpdesk_ticket import REPORT_ACTION


class CustomerPortalHelpdeskInvoicing(CustomerPortalHelpdesk):
    """The customer's side of a ticket's work: the work lines and the
    intervention report on the ticket's page, signed online as sale's
    quotations are (``sale/controllers/portal.py``, ``portal_quote_accept``)."""

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        values.update(
            {
                "work_lines": ticket._get_intervention_report_lines(),
                "show_work_prices": ticket.company_id.helpdesk_portal_show_prices,
            }
        )
        return values

    def _get_ticket_for_customer(self, ticket_id, access_token):
        """The ticket, in sudo, if the visitor may see it (its customer's
        portal user, or anyone with its access token); else ``None``."""
        try:
            return self._document_check_access(
                "helpdesk.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None

    @staticmethod
    def _get_ticket_denied_message():
        return request.env._(
            "This ticket does not exist or is not yours: open it from your "
            "portal account, or from the link in the email you received."
        )

    @staticmethod
    def _get_portal_author(ticket_sudo):
        """Who signs or disputes: the portal user, or the ticket's contact
        for a visitor with the ticket's link (as sale's quotations)."""
        user = request.env.user
        return ticket_sudo.partner_id if user._is_public() else user.partner_id

    @http.route(
        ["/my/ticket/<int:ticket_id>/report"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_ticket_report(self, ticket_id, access_token=None, download=None, **kw):
        """The ticket's intervention report: the back office's, as a PDF."""
        ticket_sudo = self._get_ticket_for_customer(ticket_id, access_token)
        if ticket_sudo is None:
            return request.redirect("/my")
        return self._show_report(
            model=ticket_sudo,
            report_type="pdf",
            report_ref=REPORT_ACTION,
            download=download,
        )

    @http.route(
        ["/my/ticket/<int:ticket_id>/sign"],
        type="json",
        auth="public",
        website=True,
    )
    def portal_ticket_sign(
        self, ticket_id, access_token=None, name=None, signature=None
    ):
        """Sign the ticket's intervention report (portal.signature_form)."""
        # From the query string when not in the JSON parameters, as sale does.
        access_token = access_token or request.httprequest.args.get("access_token")
        ticket_sudo = self._get_ticket_for_customer(ticket_id, access_token)
        if ticket_sudo is None:
            return {"error": self._get_ticket_denied_message()}
        try:
            # A savepoint: a signature whose PDF cannot be printed is not kept.
            with request.env.cr.savepoint():
                ticket_sudo._sign_intervention_report(
                    name, signature, author=self._get_portal_author(ticket_sudo)
                )
        except UserError as error:
            return {"error": error.args[0]}
        return {
            "force_refresh": True,
            "redirect_url": ticket_sudo.get_portal_url(query_string="&message=sign_ok"),
        }

    @http.route(
        ["/my/ticket/<int:ticket_id>/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_ticket_dispute(self, ticket_id, access_token=None, comment=None, **kw):
        """Dispute the ticket's work, with a comment (the page's form)."""
        ticket_sudo = self._get_ticket_for_customer(ticket_id, access_token)
        if ticket_sudo is None:
            return request.redirect("/my")
        try:
            with request.env.cr.savepoint():
                ticket_sudo._dispute_work(
                    comment, author=self._get_portal_author(ticket_sudo)
                )
        except UserError as error:
            values = self._ticket_get_page_view_values(ticket_sudo, access_token)
            values["dispute_error"] = error.args[0]
            return request.render("helpdesk_mgmt.portal_helpdesk_ticket_page", values)
        return request.redirect(
            ticket_sudo.get_portal_url(query_string="&message=dispute_ok")
        )
