# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .res_partner import PREPAID_GROUPS

WORK_LINE_LINKS = "helpdesk_work_line_ids"


@contextmanager
def work_line_links_set_aside(line_vals_list):
    """Take the work line links out of these invoice line values for the time
    of the block, then put them back.

    For the precomputation of ``create`` (``_add_precomputed_values``), which
    fills in the missing fields on an in-memory record made from the values.
    No precomputed field of an invoice line, or of its invoice, depends on the
    work lines it bills; given to that record, the links make in-memory
    copies of the work lines and of their tickets, whose billed quantities
    and billing state stay marked to compute until the transaction ends
    (the ORM computes in-memory records only when they are read). Every later
    flush walks those marks, a cost that grows with the square of the batch.
    The create itself still gets the links, in its values: nothing is
    re-linked afterwards.

    A private ORM method is overridden for it because the figure asks for
    it: plain links in the precomputation cost 9 % more CPU at 1,000 tickets,
    in one invoice per ticket and in grouped work lines alike, and more at
    2,000 (``make bench``; benchmarks/RESULTS.md, "The links kept out of the
    precomputation").
    """
    set_aside = [
        (vals, vals.pop(WORK_LINE_LINKS))
        for vals in line_vals_list
        if WORK_LINE_LINKS in vals
    ]
    try:
        yield
    finally:
        for vals, links in set_aside:
            vals[WORK_LINE_LINKS] = links


def get_created_line_values(move_vals_list):
    """The values of the journal items that these invoice values create
    (``Command.create`` in ``invoice_line_ids`` or ``line_ids``)."""
    return [
        command[2]
        for vals in move_vals_list
        for fname in ("invoice_line_ids", "line_ids")
        for command in vals.get(fname) or ()
        if isinstance(command, list | tuple) and command[0] == Command.CREATE
    ]


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    helpdesk_work_line_ids = fields.Many2many(
        comodel_name="helpdesk.ticket.work.line",
        relation="helpdesk_ticket_work_line_invoice_line_rel",
        column1="invoice_line_id",
        column2="work_line_id",
        string="Helpdesk Work Lines",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    helpdesk_rate = fields.Selection(
        selection=[
            ("after_hours", "After Hours"),
            ("holiday", "Holiday"),
        ],
        readonly=True,
        help="The surcharged hours of helpdesk work this line bills: after "
        "business hours, or on weekends and public holidays. Empty: business "
        "hours.",
    )
    helpdesk_prepaid_block_id = fields.Many2one(
        comodel_name="helpdesk.prepaid.block",
        string="Prepaid Hours Block",
        index="btree_not_null",
        readonly=True,
        # A credit note made from the invoice gives the block's hours back.
        copy=True,
        ondelete="restrict",
        groups=PREPAID_GROUPS,
        help="The prepaid hours block whose hours this line uses: its "
        "quantity, in hours, counts in the block's Hours Used.",
    )

    def _add_precomputed_values(self, vals_list):
        # See work_line_links_set_aside.
        with work_line_links_set_aside(vals_list):
            return super()._add_precomputed_values(vals_list)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if any(vals.get(WORK_LINE_LINKS) for vals in vals_list):
            lines.filtered(WORK_LINE_LINKS)._check_helpdesk_links_changeable()
        return lines

    def write(self, vals):
        if WORK_LINE_LINKS in vals:
            self._check_helpdesk_links_changeable()
        return super().write(vals)

    @api.constrains("helpdesk_prepaid_block_id", "product_uom_id")
    def _check_helpdesk_prepaid_block_unit(self):
        """A block is used in hours: a line that uses one is in a unit of
        time (or in none), never in kilometres or parts."""
        time_category = self.env.ref("uom.uom_categ_wtime")
        for line in self:
            uom = line.product_uom_id
            if (
                line.helpdesk_prepaid_block_id
                and uom
                and uom.category_id != time_category
            ):
                raise ValidationError(
                    self.env._(
                        "%(line)s uses hours of %(block)s but is in %(unit)s: a "
                        "prepaid block covers work sold by time only.",
                        line=line.name or line.product_id.display_name,
                        block=line.helpdesk_prepaid_block_id._get_block_reference(),
                        unit=uom.name,
                    )
                )

    def _check_helpdesk_links_changeable(self):
        """Refuse to change which work these journal items bill unless their
        entries are drafts: the links of a posted or cancelled entry are
        accounting's record, changed by accounting only (reset to draft,
        credit note, cancel), never by a write."""
        # sudo: the entry's state and the tickets' names, for the message.
        recorded = self.sudo().filtered(lambda line: line.move_id.state != "draft")[:1]
        if not recorded:
            return
        move = recorded.move_id
        tickets = recorded.helpdesk_work_line_ids.ticket_id
        raise UserError(
            self.env._(
                "%(tickets)s: the work billed on %(move)s is accounting's "
                "record and cannot be put on or taken off by hand. Reset the "
                "entry to draft, or cancel it or reverse it with a credit note.",
                tickets=tickets._get_helpdesk_names(),
                move=move._get_helpdesk_reference(),
            )
        )

    def _get_helpdesk_billing_sign(self):
        """How this journal item counts in what the work lines it links are
        billed: 1 on a customer invoice, -1 on a customer credit note, 0 once
        its entry is cancelled or on any other entry. The one definition of
        an invoice line that counts as billing."""
        self.ensure_one()
        move = self.move_id
        if move.state == "cancel":
            return 0
        return {"out_invoice": 1, "out_refund": -1}.get(move.move_type, 0)

    def _get_helpdesk_prepaid_hours(self):
        """This line's quantity in hours, for the block it uses: converted
        from its unit of time (a day, say), as is when it has no unit."""
        self.ensure_one()
        uom = self.product_uom_id
        if not uom:
            return self.quantity
        # Not env.ref, which checks that the record exists (a query): a
        # block's hours read every line of its ledger.
        hour = self.env["uom.uom"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id("uom.product_uom_hour")
        )
        return uom._compute_quantity(self.quantity, hour, round=False)

    def _get_helpdesk_prepaid_hours_sold(self):
        """The hours of prepaid block this customer invoice line sells now:
        its quantity times the product's Prepaid Hours while its invoice is
        posted, less the lines of the same product on the posted credit notes
        of that invoice; 0 when the invoice is a draft or cancelled."""
        self.ensure_one()
        if self.parent_state != "posted":
            return 0.0
        credited = sum(
            line.quantity
            for line in self.move_id.reversal_move_ids.invoice_line_ids
            if line.parent_state == "posted" and line.product_id == self.product_id
        )
        return (self.quantity - credited) * self.product_id.helpdesk_prepaid_hours

    def _copy_data_extend_business_fields(self, values):
        # A credit note made from an invoice (or the new draft of "reverse and
        # create invoice") bills the same work: as sale_line_ids in sale.
        res = super()._copy_data_extend_business_fields(values)
        reversing = "move_reverse_cancel" in self.env.context
        if reversing and self._is_helpdesk_prepaid_credited():
            # Its prepaid hours are given back already: a second credit note
            # of the same invoice gives back money only, never the hours.
            values["helpdesk_prepaid_block_id"] = False
        if reversing and self._is_helpdesk_credited():
            # Its work is credited already: a second credit note of the same
            # invoice credits money only, never the work a second time.
            return res
        values[WORK_LINE_LINKS] = [Command.set(self.helpdesk_work_line_ids.ids)]
        return res

    def _get_helpdesk_crediting_lines(self):
        """The lines of this invoice's credit notes, not cancelled, at this
        line's rate: those that may credit its work and give its prepaid
        hours back already."""
        self.ensure_one()
        return self.move_id.reversal_move_ids.line_ids.filtered(
            lambda line: line.helpdesk_rate == self.helpdesk_rate
            and line._get_helpdesk_billing_sign() < 0
        )

    def _is_helpdesk_prepaid_credited(self):
        """Whether a credit note that is not cancelled gives back this
        invoice line's prepaid hours already (in full or in part)."""
        self.ensure_one()
        block = self.helpdesk_prepaid_block_id
        return bool(block) and any(
            line.helpdesk_prepaid_block_id == block
            and line.helpdesk_work_line_ids == self.helpdesk_work_line_ids
            for line in self._get_helpdesk_crediting_lines()
        )

    def _is_helpdesk_credited(self):
        """Whether a credit note that is not cancelled credits this invoice
        line's work already (in full or in part)."""
        self.ensure_one()
        if not self.helpdesk_work_line_ids:
            return False
        return any(
            line.helpdesk_work_line_ids & self.helpdesk_work_line_ids
            for line in self._get_helpdesk_crediting_lines()
        )
