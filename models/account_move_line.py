# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

WORK_LINE_LINKS = "helpdesk_work_line_ids"


@contextmanager
def work_line_links_set_aside(line_vals_list):
    """Take the work line links out of these invoice line values for the time
    of the block, then put them back.

    For the invoices and invoice lines built in memory from such values: the
    precomputation of ``create`` and the pop-up's preview. An invoice line
    in memory must not reach the work lines it would bill: their cache would
    point to it. The create itself still gets the links, in its values:
    nothing is re-linked afterwards.

    The precomputation of ``create`` (``_add_precomputed_values``) fills in
    the missing fields on an in-memory record made from the values. No
    precomputed field of an invoice line, or of its invoice, depends on the
    work lines it bills; given to that record, the links make in-memory
    copies of the work lines and of their tickets, whose billed hours and
    billing state stay marked to compute until the transaction ends, since
    the ORM computes in-memory records only when they are read. Every later
    flush walks those marks, a cost that grows with the square of the batch:
    500 invoices of one ticket each left 8,500 marks, walked by each of the
    500 flushes that followed, 0.3 to 0.5 s of CPU (1 to 1.5 % of the batch;
    ``make bench``, N = 500, per ticket).
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

    def _copy_data_extend_business_fields(self, values):
        # A credit note made from an invoice (or the new draft of "reverse and
        # create invoice") bills the same work: as sale_line_ids in sale.
        res = super()._copy_data_extend_business_fields(values)
        if "move_reverse_cancel" in self.env.context and self._is_helpdesk_credited():
            # Its work is credited already: a second credit note of the same
            # invoice credits money only, never the work a second time.
            return res
        values[WORK_LINE_LINKS] = [Command.set(self.helpdesk_work_line_ids.ids)]
        return res

    def _is_helpdesk_credited(self):
        """Whether a credit note that is not cancelled credits this invoice
        line's work already (in full or in part)."""
        self.ensure_one()
        if not self.helpdesk_work_line_ids:
            return False
        credit_notes = self.move_id.reversal_move_ids.filtered(
            lambda move: move.state != "cancel"
        )
        return any(
            line.helpdesk_work_line_ids & self.helpdesk_work_line_ids
            for line in credit_notes.line_ids
        )
