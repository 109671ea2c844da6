# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tools import SQL


def lock_rows(records):
    """Lock the rows of these records until the transaction ends, and return
    those locked: the records another transaction holds are left out, at
    once, instead of waited for.

    The one row lock of the add-on (the ORM has no word for it), used where
    two transactions must not act on the same records: invoicing tickets, by
    hand or in a background job, and announcing the end of a run.
    ``FOR NO KEY UPDATE``: the rows that refer to the records (work lines
    logged on a ticket meanwhile) are not blocked.

    A record changed by a transaction committed since this one began raises
    PostgreSQL's serialization failure, on purpose: Odoo retries the whole
    request (queue_job the whole job), which then sees the change. The lock
    runs in a savepoint, so that a caller who catches it can go on.
    """
    if not records.ids:
        return records.browse()
    cr = records.env.cr
    with cr.savepoint(flush=False):
        cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                SQL.identifier(records._table),
                tuple(records.ids),
            ),
            log_exceptions=False,
        )
        locked_ids = {row[0] for row in cr.fetchall()}
    return records.filtered(lambda record: record.id in locked_ids)
