# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.misc import formatLang

from .account_move_line import get_created_line_values, work_line_links_set_aside


class AccountMove(models.Model):
    _inherit = "account.move"

    helpdesk_ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Helpdesk Tickets",
        compute="_compute_helpdesk_ticket_ids",
        search="_search_helpdesk_ticket_ids",
    )
    helpdesk_ticket_count = fields.Integer(compute="_compute_helpdesk_ticket_ids")
    helpdesk_report_attachment_ids = fields.Many2many(
        comodel_name="ir.attachment",
        relation="account_move_helpdesk_report_attachment_rel",
        string="Intervention Reports",
        copy=False,
        readonly=True,
        help="The intervention reports of the tickets this invoice bills, which "
        "its Send button mails with it.",
    )

    @api.depends("line_ids.helpdesk_work_line_ids.ticket_id")
    def _compute_helpdesk_ticket_ids(self):
        for move in self:
            # sudo: which tickets the move bills, also for accountants who may
            # not read work lines; the smart button is for helpdesk users.
            tickets = move.sudo().line_ids.helpdesk_work_line_ids.ticket_id
            move.helpdesk_ticket_ids = tickets.sudo(False)
            move.helpdesk_ticket_count = len(tickets)

    def _search_helpdesk_ticket_ids(self, operator, value):
        return [("line_ids.helpdesk_work_line_ids.ticket_id", operator, value)]

    def _add_precomputed_values(self, vals_list):
        # The invoice's precomputation makes its lines in memory too: see
        # work_line_links_set_aside.
        with work_line_links_set_aside(get_created_line_values(vals_list)):
            return super()._add_precomputed_values(vals_list)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # The one guard against double billing, checked once more where the
        # customer is really billed.
        # sudo: reads which work lines the invoices bill, whatever the user's
        # helpdesk rights; it only refuses.
        posted.sudo().line_ids.helpdesk_work_line_ids._check_billed_once()
        posted.sudo().line_ids.filtered(
            lambda line: line._get_helpdesk_billing_sign() > 0
        ).helpdesk_work_line_ids._check_approved()
        # sudo: which blocks the invoices use, whatever the user's helpdesk
        # rights; it only refuses, and tells the customer once a block runs low.
        blocks = posted.sudo().line_ids.helpdesk_prepaid_block_id
        blocks._check_posted_hours(posted)
        posted._sync_helpdesk_prepaid_blocks()
        blocks._send_low_balance_alerts()
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._sync_helpdesk_prepaid_blocks()
        return res

    def _get_helpdesk_prepaid_sale_lines(self):
        """The lines that sell prepaid hours on these customer invoices and on
        the invoices these credit notes reverse."""
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        invoices |= self.filtered(
            lambda move: move.move_type == "out_refund"
        ).reversed_entry_id
        return invoices.invoice_line_ids.filtered(
            lambda line: line.product_id.helpdesk_prepaid_hours > 0
        )

    def _sync_helpdesk_prepaid_blocks(self):
        """Make, resize or cancel the prepaid blocks these invoices and credit
        notes sell, as their states now say (see
        ``helpdesk.prepaid.block._sync_sold_blocks``)."""
        sale_lines = self._get_helpdesk_prepaid_sale_lines()
        if sale_lines:
            # sudo: posting, cancelling or crediting the sale decides its
            # block, whoever may do that in accounting; a refusal still stops
            # them when the block's hours are used.
            self.env["helpdesk.prepaid.block"].sudo()._sync_sold_blocks(
                sale_lines.sudo()
            )

    def action_view_helpdesk_tickets(self):
        """Open the helpdesk tickets these invoices bill."""
        tickets = self.helpdesk_ticket_ids
        action = self.env["ir.actions.actions"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        if len(tickets) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=tickets.id)
        else:
            action.update(domain=[("id", "in", tickets.ids)], view_mode="list,form")
            action["views"] = [(False, "list"), (False, "form")]
        action["context"] = {}
        return action

    def _get_helpdesk_invoices_action(self):
        """The action that shows these invoices: the form for one, else a list.

        Reload-safe: the action has no ``id`` nor ``path``, so the web client
        puts the model in the address (``/odoo/helpdesk-tickets/account.move``,
        ``.../account.move/42`` for one invoice) and a reload opens the same
        invoices with the same breadcrumbs, the list from the action the
        client keeps for the tab. Odoo's Invoices action (path ``invoicing``)
        would reload as every invoice of the database, its domain lost.
        """
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        form = (self.env.ref("account.view_move_form").id, "form")
        kept = {key: action[key] for key in ("name", "search_view_id", "help")}
        if len(self) == 1:
            kept["views"] = [form]
        else:
            kept["views"] = [
                form if view_type == "form" else (view_id, view_type)
                for view_id, view_type in action["views"]
            ]
        return self._get_records_action(
            **kept,
            # Else the client takes the record of the button that returns this
            # action (the pop-up's) for the parent of the invoices in the
            # address, and a reload shows a ticket of that id above them.
            context={"default_move_type": "out_invoice", "active_id": False},
        )

    def _get_helpdesk_reference(self):
        """How the helpdesk's notes and errors name this invoice, in the
        reader's language: its number once it has one; else (Odoo names a
        draft without number only "Draft Invoice") its customer, when it was
        made and its total, as the invoice list shows a draft, so that two
        drafts of one ticket read apart."""
        self.ensure_one()
        if self.name and self.name != "/":
            if self.move_type == "out_refund":
                return self.env._("credit note %(number)s", number=self.name)
            return self.env._("invoice %(number)s", number=self.name)
        if self.create_date:
            made = fields.Datetime.context_timestamp(self, self.create_date)
            date = f"{format_date(self.env, made)} {made:%H:%M}"
        else:
            date = format_date(self.env, self.invoice_date or self.date)
        values = {
            "date": date,
            "customer": self.commercial_partner_id.display_name,
            "amount": formatLang(
                self.env, self.amount_total, currency_obj=self.currency_id
            ),
        }
        if self.move_type == "out_refund":
            return self.env._(
                "draft credit note of %(date)s for %(customer)s (%(amount)s)",
                **values,
            )
        return self.env._(
            "draft invoice of %(date)s for %(customer)s (%(amount)s)", **values
        )

    def _get_helpdesk_links(self):
        """Comma-separated HTML links to these invoices, each named by its
        ``_get_helpdesk_reference``, for a chatter note."""
        return Markup(", ").join(
            move._get_html_link(title=move._get_helpdesk_reference()) for move in self
        )

    def _get_helpdesk_references(self):
        """These invoices' references, comma-separated, for an error message."""
        return ", ".join(move._get_helpdesk_reference() for move in self)

    def _attach_reports_of_batch(self):
        """Attach the intervention reports to these invoices of a background
        job, without ever losing the invoices to a failed PDF.

        The reports of the whole job are printed in a few wkhtmltopdf runs
        (see ``ir.actions.report._render_intervention_report_batch``); when
        wkhtmltopdf is missing or fails, no report is attached and the
        invoices stay, for the run to say why.

        :return: ``False`` when attached, else the reason, for the run
        """
        try:
            with self.env.cr.savepoint():
                self._attach_helpdesk_intervention_reports()
        except UserError as exc:
            return self._get_helpdesk_reports_not_attached_message(exc.args[0])
        return False

    def _get_helpdesk_reports_not_attached_message(self, reason):
        """Why a background job made these invoices without their reports."""
        return self.env._(
            "Invoiced, but the intervention reports of %(invoices)s were not "
            "attached: %(reason)s",
            invoices=self._get_helpdesk_references(),
            reason=reason,
        )

    def _attach_helpdesk_intervention_reports(self):
        """Attach to each of these invoices the intervention report (PDF) of
        every ticket it bills, in place of those attached before.

        Send & Print (the invoice's Send button) then proposes and mails them
        with the invoice, and its download and the customer portal hand them
        out with it (see ``account.move.send._get_invoice_extra_attachments``).
        The reports of all the tickets are rendered in one go, each in its
        customer's language; background runs call this as the pop-up does.

        :return: the attachments created (``ir.attachment``)
        """
        invoices = self.filtered("helpdesk_ticket_ids")
        tickets = invoices.helpdesk_ticket_ids
        if not tickets:
            return self.env["ir.attachment"]
        contents = tickets._render_intervention_reports()
        invoice_tickets = [
            (invoice, ticket)
            for invoice in invoices
            for ticket in invoice.helpdesk_ticket_ids.sorted("number")
        ]
        previous = invoices.helpdesk_report_attachment_ids
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{ticket._get_intervention_report_filename()}.pdf",
                    "raw": contents[ticket],
                    "mimetype": "application/pdf",
                    "res_model": invoice._name,
                    "res_id": invoice.id,
                }
                for invoice, ticket in invoice_tickets
            ]
        )
        by_invoice = defaultdict(list)
        for (invoice, _ticket), attachment in zip(
            invoice_tickets, attachments, strict=True
        ):
            by_invoice[invoice].append(attachment.id)
        for invoice, attachment_ids in by_invoice.items():
            invoice.helpdesk_report_attachment_ids = [Command.set(attachment_ids)]
        previous.unlink()
        return attachments
