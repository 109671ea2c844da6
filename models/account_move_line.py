# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager

from odoo import Command, fields, models

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

    def _copy_data_extend_business_fields(self, values):
        # A credit note made from an invoice (or the new draft of "reverse and
        # create invoice") bills the same work: as sale_line_ids in sale.
        res = super()._copy_data_extend_business_fields(values)
        values["helpdesk_work_line_ids"] = [
            Command.set(self.helpdesk_work_line_ids.ids)
        ]
        return res
