# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class HelpdeskTicketInvoice(models.TransientModel):
    _name = "helpdesk.ticket.invoice"
    _description = "Generate Invoice Proposals from Helpdesk Tickets"

    ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets",
        default=lambda self: self._default_ticket_ids(),
    )
    group_by_partner = fields.Boolean(
        string="Group tickets by customer",
        help="One invoice proposal per customer company, holding all its "
        "selected tickets. Unticked: one invoice proposal per ticket.",
    )
    group_work_lines = fields.Boolean(
        string="Group work lines",
        help="Within each ticket, one invoice line per service and price, "
        "summing the hours, described as 'Work performed from <first date> "
        "to <last date>'.",
    )
    attach_intervention_reports = fields.Boolean(
        string="Attach intervention reports",
        help="Each invoice gets the intervention report (PDF) of every ticket "
        "it bills as an attachment: the invoice's Send button mails them with it.",
    )
    without_unapproved_work = fields.Boolean(
        string="Leave out work waiting for approval",
        help="Where the company invoices approved work only: invoice the "
        "approved work of a ticket whose other work waits for approval, "
        "instead of skipping the ticket. The work left out stays to invoice.",
    )
    approval_required = fields.Boolean(compute="_compute_approval_required")
    run_in_background = fields.Boolean(
        # Capitalised as the other options are.
        string="Run in background",
        compute="_compute_run_in_background",
        store=True,
        readonly=False,
        help="Invoice in background jobs and follow their progress on the "
        "invoicing run, instead of waiting here. Ticked by default above "
        "the number of tickets of the system parameter "
        "helpdesk_mgmt_invoicing.background_threshold (200).",
    )
    all_ready_tickets = fields.Boolean(
        default=lambda self: self._default_all_ready_tickets(),
        help="No ticket was selected: the pop-up proposes every ticket ready "
        "to invoice in the companies you are working in.",
    )
    selection_message = fields.Char(compute="_compute_preview")
    invoiceable_ticket_ids = fields.Many2many(
        comodel_name="helpdesk.ticket",
        string="Tickets to Invoice",
        compute="_compute_preview",
    )
    invoiceable_ticket_count = fields.Integer(compute="_compute_preview")
    customer_count = fields.Integer(compute="_compute_preview")
    invoice_count = fields.Integer(
        string="Invoices to Create",
        compute="_compute_preview",
    )
    skipped_ticket_count = fields.Integer(compute="_compute_preview")
    skipped_reasons = fields.Text(
        string="Skipped Tickets",
        compute="_compute_preview",
    )
    preview_ids = fields.One2many(
        comodel_name="helpdesk.ticket.invoice.preview",
        inverse_name="wizard_id",
        string="Invoice Proposals",
        compute="_compute_preview",
        help="The invoices that confirming makes, one row each, computed by "
        "the same code: customer, tickets, lines, hours and amounts.",
    )
    hours_total = fields.Float(
        string="Hours to Invoice",
        digits=(16, 2),
        compute="_compute_preview",
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_preview",
        help="The currency of the invoice proposals, when they share one.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount",
        compute="_compute_preview",
        help="Sum of the invoice proposals before tax, in their currency "
        "(empty when they are in several currencies).",
    )
    amount_tax = fields.Monetary(string="Tax", compute="_compute_preview")
    amount_total = fields.Monetary(
        string="Total with Tax",
        compute="_compute_preview",
    )
    e_invoice_warnings = fields.Html(
        string="E-invoicing Warnings",
        compute="_compute_preview",
        help="What the e-invoices of these customers would be refused for, as "
        "their country's e-invoicing checks them: fill it in before sending "
        "the invoices.",
    )

    @api.model
    def _get_selected_ticket_ids(self):
        context = self.env.context
        if context.get("active_model") == "helpdesk.ticket":
            return context.get("active_ids") or []
        return []

    @api.model
    def _default_ticket_ids(self):
        """The selected tickets; with none selected, every ticket ready to invoice
        in the companies the user is working in (the month-end run)."""
        selected = self._get_selected_ticket_ids()
        Ticket = self.env["helpdesk.ticket"]
        if selected:
            return Ticket.browse(selected)
        return Ticket.search(
            Ticket._get_invoiceable_domain()
            + [("company_id", "in", self.env.companies.ids)]
        )

    @api.depends("ticket_ids")
    def _compute_run_in_background(self):
        threshold = int(
            self.env["ir.config_parameter"]
            .sudo()  # a technical setting, read only
            .get_param("helpdesk_mgmt_invoicing.background_threshold", 200)
        )
        for wizard in self:
            wizard.run_in_background = len(wizard.ticket_ids) > threshold

    @api.depends("ticket_ids")
    def _compute_approval_required(self):
        for wizard in self:
            wizard.approval_required = any(
                wizard.ticket_ids.company_id.mapped("helpdesk_invoice_approved_only")
            )

    @api.model
    def _default_all_ready_tickets(self):
        return not self._get_selected_ticket_ids()

    @api.depends(
        "ticket_ids",
        "group_by_partner",
        "group_work_lines",
        "all_ready_tickets",
        "without_unapproved_work",
    )
    def _compute_preview(self):
        """The invoices confirming would make, and what is skipped: built once
        (in memory) for the rows, their totals and the e-invoicing warnings."""
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            invoiceable, issues = tickets._split_invoiceable(
                without_unapproved=wizard.without_unapproved_work
            )
            previews = wizard._get_invoice_previews(invoiceable)
            rows = wizard._prepare_preview_rows(previews)
            currencies = {row["currency_id"] for row in rows}
            one_currency = len(currencies) == 1
            wizard.selection_message = wizard._get_selection_message(tickets)
            wizard.invoiceable_ticket_ids = invoiceable
            wizard.invoiceable_ticket_count = len(invoiceable)
            wizard.customer_count = len(invoiceable.commercial_partner_id)
            wizard.invoice_count = len(rows)
            wizard.skipped_ticket_count = len(issues)
            wizard.skipped_reasons = "\n".join(issues.values())
            wizard.preview_ids = [Command.clear()] + [
                Command.create(row) for row in rows
            ]
            wizard.hours_total = sum(row["hours"] for row in rows)
            wizard.currency_id = currencies.pop() if one_currency else False
            for amount in ("amount_untaxed", "amount_tax", "amount_total"):
                wizard[amount] = (
                    sum(row[amount] for row in rows) if one_currency else 0.0
                )
            moves = self.env["account.move"].concat(*(move for _v, move in previews))
            wizard.e_invoice_warnings = wizard._format_e_invoice_warnings(
                wizard._get_e_invoice_warnings(moves)
            )

    # ------------------------------------------------------------------
    # The preview: what confirming makes, built in memory
    # ------------------------------------------------------------------

    def _get_invoice_previews(self, tickets):
        """The invoices confirming would make of these eligible tickets with
        the pop-up's options, built in memory: nothing is created.

        Built from the very values the invoicing creates
        (``helpdesk.ticket._prepare_invoices_values``), their taxes, fiscal
        positions and totals computed by ``account.move`` as for an invoice
        not saved yet: what the pop-up shows is what confirming makes.

        :return: ``[(invoice values, invoice in memory), ...]``, one pair per
            invoice, in the order the invoicing creates them
        """
        self.ensure_one()
        if not tickets:
            return []
        invoice_vals_list = tickets._prepare_invoices_values(
            self.group_by_partner, self.group_work_lines, self.without_unapproved_work
        )
        Move = self.env["account.move"]
        moves = Move.concat(
            *(
                Move.with_company(
                    invoice_vals.get("company_id") or self.env.company
                ).new(self._get_unlinked_invoice_values(invoice_vals))
                for invoice_vals in invoice_vals_list
            )
        )
        # Read together, the totals of many invoices are computed in batches.
        for move in moves:
            move.update(self._get_preview_amounts(move))
        return list(zip(invoice_vals_list, moves, strict=True))

    @api.model
    def _get_unlinked_invoice_values(self, invoice_vals):
        """These invoice values without the links of their lines to the work
        lines they bill: an invoice line in memory must not reach the work
        lines, whose billed quantities would count it."""
        return dict(
            invoice_vals,
            invoice_line_ids=[
                Command.create(
                    {
                        fname: value
                        for fname, value in command[2].items()
                        if fname != "helpdesk_work_line_ids"
                    }
                )
                for command in invoice_vals["invoice_line_ids"]
            ],
        )

    @api.model
    def _get_preview_amounts(self, move):
        """The amounts of an invoice in memory, from the totals its form shows
        before it is saved (``tax_totals``): it has no tax nor payment term
        line yet (``create`` adds them), so its own amounts would read zero,
        and checks such as Italy's 400-euro limit of simplified invoices read
        them."""
        totals = move.tax_totals or {}
        if not totals:
            return {}
        sign = 1 if move.is_inbound() else -1
        return {
            "amount_untaxed": totals["base_amount_currency"],
            "amount_tax": totals["tax_amount_currency"],
            "amount_total": totals["total_amount_currency"],
            "amount_untaxed_signed": sign * totals["base_amount"],
            "amount_tax_signed": sign * totals["tax_amount"],
            "amount_total_signed": sign * totals["total_amount"],
            "amount_total_in_currency_signed": sign * totals["total_amount_currency"],
        }

    @api.model
    def _prepare_preview_rows(self, previews):
        """Values of the pop-up's rows, one per proposed invoice.

        :param list previews: ``[(invoice values, invoice in memory), ...]``
            as ``_get_invoice_previews`` returns them
        """
        hour = self.env.ref("uom.product_uom_hour")
        WorkLine = self.env["helpdesk.ticket.work.line"]
        rows = []
        for invoice_vals, move in previews:
            work_line_ids = [
                command[1]
                for line_command in invoice_vals["invoice_line_ids"]
                for command in line_command[2].get("helpdesk_work_line_ids", [])
            ]
            tickets = WorkLine.browse(work_line_ids).ticket_id
            product_lines = move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            )
            rows.append(
                {
                    "partner_id": move.commercial_partner_id.id,
                    "company_id": move.company_id.id,
                    "currency_id": move.currency_id.id,
                    "ticket_ids": [Command.set(tickets.ids)],
                    "ticket_numbers": ", ".join(
                        tickets.sorted("number").mapped("number")
                    ),
                    "line_count": len(product_lines),
                    "hours": sum(
                        self._get_invoice_line_hours(line, hour)
                        for line in product_lines
                    ),
                    "hours_prepaid": sum(
                        self._get_invoice_line_hours(line, hour)
                        for line in product_lines
                        if line.helpdesk_prepaid_block_id
                    ),
                    "amount_untaxed": move.amount_untaxed,
                    "amount_tax": move.amount_tax,
                    "amount_total": move.amount_total,
                }
            )
        return rows

    @api.model
    def _get_invoice_line_hours(self, invoice_line, hour):
        """Hours an invoice line bills: its quantity in hours for a unit of
        time (Working Time), nothing for parts, travel and other goods.

        :param hour: the unit Hours (``uom.product_uom_hour``)
        """
        uom = invoice_line.product_uom_id
        if uom.category_id == hour.category_id:
            return uom._compute_quantity(invoice_line.quantity, hour, round=False)
        return 0.0

    @api.model
    def _get_e_invoice_warnings(self, moves):
        """What Send & Print would warn about for these invoices in memory
        (``_get_invoice_previews``), before any is created. The invoices are
        made all the same: this tells the clerk what to fill in first.

        They are handed, customer by customer, to Send & Print's
        ``_get_alerts``: the hook where each localisation checks its
        e-invoices (Italy's ``l10n_it_edi`` its FatturaPA: VAT number or
        fiscal code, address, the public administration's documents...). The
        add-on knows none of them: what a localisation checks there, the
        clerk reads before confirming.

        :return: ``{partner: [message, ...]}``: who each warning is about (the
            customer, or the partner or company the alert points to; an empty
            ``res.partner`` for what concerns no one in particular, such as
            settings), in the order found
        """
        AccountMoveSend = self.env["account.move.send"]
        warnings = {}
        for customer, customer_moves in moves.grouped("commercial_partner_id").items():
            moves_data = {
                move: self._get_preview_sending_settings(move)
                for move in customer_moves
            }
            alerts = AccountMoveSend._get_alerts(customer_moves, moves_data)
            for alert in alerts.values():
                if alert.get("level") == "info":
                    continue
                partners = self._get_alert_partners(alert, customer)
                messages = warnings.setdefault(partners, [])
                if alert["message"] not in messages:
                    messages.append(alert["message"])
        return warnings

    @api.model
    def _get_preview_sending_settings(self, move):
        """Send & Print's settings for this invoice, as its alerts read them.

        The customer's e-invoice format and sending method, as Send & Print
        would choose them. Not email: that the customer has no email address
        is Send & Print's concern when sending, not a reason for an e-invoice
        to be refused. No extra EDI (such as Italy's "Send to Tax Agency"):
        they apply to posted invoices, and Send & Print checks them then.
        """
        AccountMoveSend = self.env["account.move.send"]
        sending_methods = {AccountMoveSend._get_default_sending_method(move)} - {
            "email"
        }
        return {
            "sending_methods": sending_methods,
            "invoice_edi_format": AccountMoveSend._get_default_invoice_edi_format(
                move, sending_methods=sending_methods
            ),
            "extra_edis": set(),
        }

    @api.model
    def _get_alert_partners(self, alert, customer):
        """Who an alert of Send & Print's ``_get_alerts`` is about.

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

    def _get_selection_message(self, tickets):
        """What the pop-up works on, when the clerk selected nothing."""
        self.ensure_one()
        if not self.all_ready_tickets:
            return False
        return self.env._(
            "No ticket selected: all %(count)s tickets ready to invoice in "
            "%(companies)s.",
            count=len(tickets),
            companies=", ".join(self.env.companies.mapped("name")),
        )

    @api.model
    def _format_e_invoice_warnings(self, warnings):
        """The e-invoicing warnings as a list, each with whom it is about."""
        items = [
            Markup("<li><strong>%s</strong>: %s</li>") % (partner.display_name, message)
            if partner
            else Markup("<li>%s</li>") % message
            for partner, messages in warnings.items()
            for message in messages
        ]
        return Markup("<ul>%s</ul>") % Markup().join(items) if items else False

    def action_create_invoices(self):
        """Create the invoice proposals, say what was made, and show them."""
        self.ensure_one()
        if not self.ticket_ids:
            raise UserError(
                self.env._(
                    "No ticket to invoice: select closed tickets whose Billing "
                    "State is To Invoice in the ticket list."
                )
            )
        if self.run_in_background:
            return (
                self.env["helpdesk.ticket.invoice.run"]
                ._start(
                    self.ticket_ids,
                    self.group_by_partner,
                    self.group_work_lines,
                    attach_intervention_reports=self.attach_intervention_reports,
                    without_unapproved=self.without_unapproved_work,
                )
                ._get_form_action()
            )
        invoices = self.ticket_ids._create_invoices(
            group_by_partner=self.group_by_partner,
            group_work_lines=self.group_work_lines,
            attach_intervention_reports=self.attach_intervention_reports,
            without_unapproved=self.without_unapproved_work,
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Invoice proposals made"),
                "message": self._get_invoices_made_message(invoices),
                "type": "success",
                "next": invoices._get_helpdesk_invoices_action(),
            },
        }

    def _get_invoices_made_message(self, invoices):
        """What confirming made: how many draft invoices, for whom, and how
        many selected tickets were left out."""
        self.ensure_one()
        counts = Counter(invoice.commercial_partner_id for invoice in invoices)
        # Listed by name, with their number of invoices; a long month-end
        # run names the first few.
        customers = [
            customer.display_name
            + (f" ({counts[customer]})" if counts[customer] > 1 else "")
            for customer in invoices.commercial_partner_id.sorted("name")
        ]
        if len(customers) > 5:
            customers = customers[:5] + [
                self.env._("%(count)s more customers", count=len(customers) - 5)
            ]
        skipped = self.ticket_ids - invoices.helpdesk_ticket_ids
        if len(skipped) == 1:
            message = self.env._("1 selected ticket was skipped, as the pop-up said.")
        elif skipped:
            message = self.env._(
                "%(count)s selected tickets were skipped, as the pop-up said.",
                count=len(skipped),
            )
        else:
            message = ""
        # The customers last: a name may end with a full stop (S.r.l.).
        if len(invoices) == 1:
            made = self.env._(
                "1 draft invoice made for: %(customers)s",
                customers=", ".join(customers),
            )
        else:
            made = self.env._(
                "%(count)s draft invoices made for: %(customers)s",
                count=len(invoices),
                customers=", ".join(customers),
            )
        return f"{message} {made}" if message else made
