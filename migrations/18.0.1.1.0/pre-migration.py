# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.1.0: the work line's billed quantities take sale's names.

``quantity_invoiced`` becomes ``qty_invoiced`` and ``quantity_to_invoice``
``qty_to_invoice``, as on ``sale.order.line``. Their columns, field records
and XML ids are renamed before the module loads, so that the values stay
(nothing is recomputed) and what refers to the fields (filters, exports,
other modules' views through the XML id) follows them.
"""

from odoo.tools import sql

MODULE = "helpdesk_mgmt_invoicing"
MODEL = "helpdesk.ticket.work.line"
TABLE = "helpdesk_ticket_work_line"
RENAMED_FIELDS = {
    "quantity_invoiced": "qty_invoiced",
    "quantity_to_invoice": "qty_to_invoice",
}


def migrate(cr, version):
    if not version:
        return
    for old, new in RENAMED_FIELDS.items():
        if sql.column_exists(cr, TABLE, old) and not sql.column_exists(cr, TABLE, new):
            sql.rename_column(cr, TABLE, old, new)
        cr.execute(
            "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
            (new, MODEL, old),
        )
        cr.execute(
            "UPDATE ir_model_data SET name = %s "
            "WHERE module = %s AND model = 'ir.model.fields' AND name = %s",
            (
                f"field_{TABLE}__{new}",
                MODULE,
                f"field_{TABLE}__{old}",
            ),
        )
