# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A workaround for PostgreSQL's planner, kept apart from the business code.

When PostgreSQL's statistics describe ``account_move_line`` as (nearly) empty
while the table has pages, the planner runs the payment-state query of every
invoice creation as a cross join of the journal items, a cost that grows with
the square of the batch (about 20 times slower at 100 invoices). A production
database meets it when young: with autovacuum on, a month-end batch that
fails and rolls back, retried while autovacuum processes the table (the
retry's lock keeps it from truncating the empty pages), leaves 0 rows on
143 pages in the experiment of benchmarks/RESULTS.md ("The statistics trap"),
and the retry runs in the trap. ``ANALYZE`` refreshes the statistics first;
if the table still has no line to count, a first small batch gives it some
(``ANALYZE`` counts the lines this transaction made) before the rest.
"""

FIRST_BATCH = 20


def create_with_fresh_statistics(model, vals_list):
    """``model.create(vals_list)`` for journal entries, out of the trap.

    One ``create()`` as a rule; two when the statistics are stale and the
    table has nothing to count yet.
    """
    if not journal_item_statistics_stale(model.env):
        return model.create(vals_list)
    analyze_journal_items(model.env)
    if len(vals_list) <= FIRST_BATCH or not journal_item_statistics_stale(model.env):
        return model.create(vals_list)
    records = model.create(vals_list[:FIRST_BATCH])
    analyze_journal_items(model.env)
    return records + model.create(vals_list[FIRST_BATCH:])


def journal_item_statistics_stale(env):
    """Whether the planner sees fewer journal items than table pages.

    A table that was never analyzed (``reltuples = -1``) or is truly empty
    (no page) is estimated from its real size: no trap there.
    """
    env.cr.execute(
        "SELECT reltuples, relpages FROM pg_class "
        "WHERE oid = 'account_move_line'::regclass"
    )
    reltuples, relpages = env.cr.fetchone()
    return relpages > 0 and 0 <= reltuples < relpages


def analyze_journal_items(env):
    """Refresh the planner's statistics of the journal items, this
    transaction's lines included."""
    env.flush_all()
    env.cr.execute("ANALYZE account_move_line")
