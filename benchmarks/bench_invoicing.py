# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Batch invoicing benchmark: closed tickets against Odoo's sale invoicing.

Run it with ``make bench`` (``tools/bench.sh``), which makes a database of its
own with this add-on and ``sale`` installed, runs this script in it and drops
it. In one run on that one database it:

- builds, and commits, a history of posted and partly paid invoices (a few
  thousand journal lines), the largest N closed tickets with 4 work lines
  each over 50 customers, and the largest N confirmed sale orders with 4
  service lines each, of the same services, hours and prices;
- for each N: runs ``VACUUM ANALYZE``, checks the planner's statistics, and
  times in its own transaction, rolled back afterwards,

  - ``helpdesk.ticket._create_invoices`` in each mode,
  - ``sale.order._create_invoices`` of N orders, ``grouped=True`` (one
    invoice per order) and by default (one per customer),
  - ``account.move.create`` of the very values the add-on makes (the floor);

- prints tickets per second, our time / sale time, our time / floor time and
  the SQL queries (and per invoice), then the peak memory of the process.
"""

import argparse
import collections
import contextlib
import cProfile
import io
import logging
import os
import pstats
import resource
import subprocess
import sys
import threading
import time
import unittest.mock
from datetime import date

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger("hdi.bench")

CUSTOMERS = 50
# (product key, hours, day of March 2026) of each ticket's work lines and of
# each sale order's lines: the same services, hours and prices on both sides.
LINES = [
    ("support", 1.0, 2),
    ("support", 2.0, 3),
    ("onsite", 1.5, 4),
    ("onsite", 0.5, 5),
]
# With --rates, the start and end times of each line of LINES: every line
# crosses the end of business hours (17:00), so each is billed on two lines.
RATE_TIMES = [(16.5, 17.5), (16.0, 18.0), (16.0, 17.5), (16.75, 17.25)]
SETUP_KEY = "hdi_bench.setup"
# Tables whose planner statistics the invoice creation depends on.
WATCHED_TABLES = ("account_move", "account_move_line", "account_partial_reconcile")
# Below this many rows a wrong estimate does not matter.
TRAP_MIN_ROWS = 1000

OUR_MODES = {
    "per ticket": {},
    "per customer": {"group_by_partner": True},
    "group work lines": {"group_work_lines": True},
}
# The sale invoicing that makes the same invoices as each of our modes.
SALE_FOR_MODE = {
    "per ticket": "grouped",
    "per customer": "per customer",
    "group work lines": "grouped",
}
SALE_MODES = {"grouped": {"grouped": True}, "per customer": {}}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--sizes",
        default="100,500,2000",
        help="numbers of tickets (and of sale orders), comma-separated",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=700,
        help="posted invoices (4 lines each) in the committed history; "
        "half of them are paid",
    )
    parser.add_argument(
        "--profile",
        metavar="RUN",
        default="",
        help="cProfile one run, e.g. 'ours:per customer:2000' or "
        "'bare:per ticket:500'; prints its top functions",
    )
    parser.add_argument(
        "--queries",
        metavar="RUN",
        default="",
        help="count the SQL statements of one run by shape, e.g. "
        "'ours:per ticket:100'; prints the most frequent",
    )
    parser.add_argument(
        "--only",
        default="",
        help="measure only the runs whose name starts with one of these "
        "comma-separated prefixes, e.g. 'ours:per ticket,bare:per ticket' "
        "(for profiling; the report then lacks the other columns)",
    )
    parser.add_argument(
        "--trap-demo",
        type=int,
        default=0,
        metavar="N",
        help="instead of the benchmark: invoice N tickets with sane statistics, "
        "then with those autovacuum leaves after rolled-back batches",
    )
    parser.add_argument(
        "--rates",
        action="store_true",
        help="approval on (every work line approved) and every work line "
        "split at the end of business hours, its after hours at 1.5 times the "
        "price: compare ours with the floor ('--only ours,bare'); sale's "
        "orders bill the same hours without the split",
    )
    parser.add_argument(
        "--prepaid",
        action="store_true",
        help="every customer on a prepaid hours block holding half its "
        "tickets' hours: the invoices cover half the work at zero and bill "
        "the rest; compare ours with the floor ('--only ours,bare')",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each run this many times and keep the best (default 1)",
    )
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Set-up (committed)
# ----------------------------------------------------------------------


def setup(registry, size, history, rates=False, prepaid=False):
    """Build the data of the largest run once; later runs reuse it.

    With ``rates`` or ``prepaid``, the services are sold by the hour (else
    in units, as sale's benchmark of them has always been).
    """
    variant = f",{rates},{prepaid}"
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        done = env["ir.config_parameter"].get_param(SETUP_KEY)
        if done and int(done.split(",")[0]) >= size and done.endswith(variant):
            _logger.info("Reusing the data set up before: %s", done)
            return
    t0 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(
            cr,
            odoo.SUPERUSER_ID,
            {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True},
        )
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
        products, customers, contacts, clerk = _setup_master_data(
            env, by_the_hour=rates or prepaid
        )
        _setup_history(env, products, customers, history)
    with registry.cursor() as cr:
        env = api.Environment(
            cr,
            odoo.SUPERUSER_ID,
            {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True},
        )
        products, customers, contacts, clerk = _setup_master_data(
            env, by_the_hour=rates or prepaid
        )
        if rates:
            _setup_rates(env, products)
        _setup_tickets(env, products, contacts, size, rates)
        if prepaid:
            _setup_prepaid_blocks(env, customers, size)
        _setup_sale_orders(env, products, customers, size)
        env["ir.config_parameter"].set_param(SETUP_KEY, f"{size},{history}{variant}")
    print(f"Set-up: {time.perf_counter() - t0:.0f} s", flush=True)


def _setup_master_data(env, by_the_hour=False):
    """Services, customers (a company and a contact each) and the clerk;
    the services sold in hours when ``by_the_hour``."""
    Partner = env["res.partner"]
    customers = Partner.search([("ref", "=like", "BENCH-%")], order="ref")
    if not customers:
        customers = Partner.create(
            [
                {
                    "name": f"Customer {i:02d}",
                    "is_company": True,
                    "ref": f"BENCH-{i:02d}",
                }
                for i in range(CUSTOMERS)
            ]
        )
        Partner.create(
            [
                {"name": f"Contact of {customer.name}", "parent_id": customer.id}
                for customer in customers
            ]
        )
    contacts = customers.child_ids
    Product = env["product.product"]
    products = {}
    tax = env.company.account_sale_tax_id
    hour = env.ref("uom.product_uom_hour")
    for key, name, price in (
        ("support", "Hourly Support", 50.0),
        ("onsite", "On-site Intervention", 80.0),
    ):
        product = Product.search([("default_code", "=", f"BENCH-{key}")])
        if not product:
            product = Product.create(
                {
                    "name": name,
                    "default_code": f"BENCH-{key}",
                    "type": "service",
                    "sale_ok": True,
                    "invoice_policy": "order",
                    "list_price": price,
                    "taxes_id": [Command.set(tax.ids)],
                    **(
                        {"uom_id": hour.id, "uom_po_id": hour.id} if by_the_hour else {}
                    ),
                }
            )
        products[key] = product
    # The billing clerk of the tests, who may also invoice sale orders.
    clerk = env["res.users"].search([("login", "=", "bench-clerk")]) or new_clerk(
        env,
        "bench-clerk",
        "Bench Clerk",
        extra_groups=["sales_team.group_sale_salesman_all_leads"],
    )
    return products, customers, contacts, clerk


def new_clerk(env, login, name, extra_groups=()):
    """A billing clerk: helpdesk user and invoicing user (not the superuser),
    with ``extra_groups`` (XML ids)."""
    groups = [
        "base.group_user",
        "helpdesk_mgmt.group_helpdesk_user",
        "account.group_account_invoice",
        *extra_groups,
    ]
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": name,
                "login": login,
                "groups_id": [Command.set([env.ref(group).id for group in groups])],
            }
        )
    )


def open_registry(args):
    """The sizes asked for, and the registry of the benchmark's database, with
    Odoo configured and logging as the command line says."""
    sizes = sorted(int(size) for size in args.sizes.split(","))
    config.parse_config(["-c", args.config, "--log-level=warn"])
    odoo.netsvc.init_logger()
    threading.current_thread().dbname = args.database
    return sizes, Registry(args.database)


def _setup_history(env, products, customers, count):
    """Posted invoices of past months, half of them paid: the committed past."""
    vals_list = []
    for i in range(count):
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": customers[i % len(customers)].id,
                "invoice_date": date(2026, 1 + i % 2, 1 + i % 28),
                "invoice_line_ids": [
                    Command.create({"product_id": products[key].id, "quantity": hours})
                    for key, hours, _day in LINES
                ],
            }
        )
    invoices = env["account.move"].create(vals_list)
    invoices.action_post()
    paid = invoices[::2]
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=paid.ids
    ).create(
        {"group_payment": False, "payment_date": date(2026, 2, 28)}
    )._create_payments()
    lines = env["account.move.line"].search_count([("parent_state", "=", "posted")])
    print(
        f"History: {len(invoices)} posted invoices, {len(paid)} paid, "
        f"{lines} posted journal lines",
        flush=True,
    )


def _setup_rates(env, products):
    """Approval on; business hours Monday to Friday 8-12 and 13-17 (UTC);
    the services 1.5 times dearer after hours."""
    env.company.write(
        {
            "helpdesk_invoice_approved_only": True,
            "resource_calendar_id": env["resource.calendar"]
            .create({"name": "Bench: standard 40 hours", "tz": "UTC"})
            .id,
        }
    )
    for product in products.values():
        product.helpdesk_after_hours_factor = 1.5


def _setup_prepaid_blocks(env, customers, size):
    """A confirmed block per customer, of half its tickets' hours."""
    hours = size / len(customers) * sum(hours for _key, hours, _day in LINES) / 2
    blocks = env["helpdesk.prepaid.block"].create(
        [
            {"partner_id": customer.id, "hours": hours, "date_start": date(2026, 3, 1)}
            for customer in customers
        ]
    )
    blocks.action_confirm()
    print(f"Prepaid blocks: {len(blocks)} of {hours:.1f} hours", flush=True)


def _setup_tickets(env, products, contacts, size, rates=False):
    """N closed tickets of LINES, over the contacts, in chunks of 500; with
    ``rates``, approved and with the times of RATE_TIMES.

    :return: the tickets
    """
    stage = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    Ticket = env["helpdesk.ticket"]
    tickets = Ticket
    for start in range(0, size, 500):
        tickets |= Ticket.create(
            [
                {
                    "name": f"Bench ticket {i}",
                    "description": "Printer out of order",
                    "partner_id": contacts[i % len(contacts)].id,
                    "stage_id": stage.id,
                    "work_line_ids": [
                        Command.create(
                            {
                                "date": date(2026, 3, day),
                                "product_id": products[key].id,
                                "quantity": hours,
                                "name": f"Work of March {day}",
                                **(
                                    {
                                        "time_start": start,
                                        "time_end": end,
                                        "approval_state": "approved",
                                    }
                                    if rates
                                    else {}
                                ),
                            }
                        )
                        for (key, hours, day), (start, end) in zip(
                            LINES, RATE_TIMES, strict=True
                        )
                    ],
                }
                for i in range(start, min(size, start + 500))
            ]
        )
        env.flush_all()
        env.invalidate_all()
    print(f"Tickets: {size} closed, {len(LINES)} work lines each", flush=True)
    return tickets


def _setup_sale_orders(env, products, customers, size):
    Order = env["sale.order"]
    for start in range(0, size, 500):
        orders = Order.create(
            [
                {
                    "partner_id": customers[i % len(customers)].id,
                    "order_line": [
                        Command.create(
                            {"product_id": products[key].id, "product_uom_qty": hours}
                        )
                        for key, hours, _day in LINES
                    ],
                }
                for i in range(start, min(size, start + 500))
            ]
        )
        orders.action_confirm()
        env.flush_all()
        env.invalidate_all()
    print(f"Sale orders: {size} confirmed, {len(LINES)} service lines each", flush=True)


# ----------------------------------------------------------------------
# Measured runs
# ----------------------------------------------------------------------


def vacuum_analyze(database):
    subprocess.run(
        ["psql", "-X", "-q", "-d", database, "-c", "VACUUM ANALYZE"], check=True
    )


def statistics_trap(cr):
    """Tables the planner believes (nearly) empty although they are not.

    After rolled-back runs, autovacuum may record ``account_move_line`` with
    its pages but no live row (``reltuples = 0``); the planner then estimates
    every scan of it at one row and joins it by nested loops without index:
    the payment-state query run on every invoice creation becomes a cross
    join. Run before a measure (committed rows) and inside it (the rows just
    created count too).

    :return: ``[(table, rows the planner expects, actual rows)]``
    """
    trapped = []
    for table in WATCHED_TABLES:
        # Fixed table names, no user input.
        cr.execute(f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{table}"')
        expected = cr.fetchone()[0][0]["Plan"]["Plan Rows"]
        cr.execute(f'SELECT count(*) FROM "{table}"')
        actual = cr.fetchone()[0]
        if actual >= TRAP_MIN_ROWS and expected * 10 < actual:
            trapped.append((table, expected, actual))
    return trapped


def describe_trap(trapped):
    return ", ".join(
        f"the planner expects {int(expected)} rows in {table}, which holds {actual}"
        for table, expected, actual in trapped
    )


class Run:
    """One measured call, in a transaction rolled back afterwards.

    Wall time is what a user waits; CPU time, of the Odoo process and of its
    PostgreSQL backend, is the work done, and barely moves when other
    programs load the machine. With ``--repeat``, the best of each is kept.
    """

    def __init__(self, kind, mode, size):
        self.kind, self.mode, self.size = kind, mode, size
        self.walls, self.cpus, self.sqls, self.loads = [], [], [], []
        self.queries = self.invoices = self.trap = None

    @property
    def name(self):
        return f"{self.kind}:{self.mode}:{self.size}"

    @property
    def seconds(self):
        return min(self.walls)

    @property
    def cpu(self):
        return min(self.cpus) if self.cpus and None not in self.cpus else None

    def execute(self, registry, profile=False, queries=False, simulate_trap=False):
        cr = registry.cursor()
        try:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            clerk = env["res.users"].search([("login", "=", "bench-clerk")])
            env = env(user=clerk.id, su=False)
            call = self._prepare(env)
            if simulate_trap:
                # What autovacuum records after rolled-back batches: the pages
                # are there, no live row. Rolled back with the run.
                cr.execute(
                    "UPDATE pg_class SET reltuples = 0 "
                    "WHERE oid = 'account_move_line'::regclass"
                )
            env.flush_all()
            env.invalidate_all()
            backend_cpu = _backend_cpu_clock(cr)
            thread = threading.current_thread()
            thread.query_count, thread.query_time = 0, 0.0
            queries0 = cr.sql_log_count
            profiler = cProfile.Profile() if profile else None
            shapes = collections.Counter()
            with contextlib.ExitStack() as stack:
                if queries:
                    stack.enter_context(_count_query_shapes(shapes))
                cpu0, backend0 = time.process_time(), backend_cpu()
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                invoices = call()
                # What a commit would still do: pending writes, tracking values.
                env.flush_all()
                cr.precommit.run()
                env.flush_all()
                if profiler:
                    profiler.disable()
                wall = time.perf_counter() - t0
                cpu, backend = time.process_time() - cpu0, backend_cpu()
            self.walls.append(wall)
            self.cpus.append(None if backend is None else cpu + backend - backend0)
            self.sqls.append(thread.query_time)
            self.loads.append(os.getloadavg()[0])
            self.queries = cr.sql_log_count - queries0
            self.invoices = len(invoices)
            trapped = statistics_trap(cr)
            if trapped:
                self.trap = describe_trap(trapped)
            if queries:
                print(f"\nSQL statements of {self.name}, by shape:", flush=True)
                for shape, count in shapes.most_common(40):
                    print(f"{count:6d}  {shape}")
            if profiler:
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
                stats.print_stats(40)
                stats.print_stats("helpdesk_mgmt_invoicing", 25)
                print(f"\nProfile of {self.name}:\n{out.getvalue()}", flush=True)
        finally:
            cr.rollback()
            cr.close()
        return self

    def _prepare(self, env):
        """The call to time; anything it needs is made before."""
        if self.kind == "ours":
            tickets = _tickets(env, self.size)
            return lambda: tickets._create_invoices(**OUR_MODES[self.mode])
        if self.kind == "sale":
            orders = env["sale.order"].search([], order="id", limit=self.size)
            return lambda: orders._create_invoices(**SALE_MODES[self.mode])
        # The floor: the add-on's own invoice values, without the work line
        # links, given straight to account.move.create().
        tickets = _tickets(env, self.size)
        vals_list = tickets._prepare_invoices_values(
            **{
                "group_by_partner": False,
                "group_work_lines": False,
                **OUR_MODES[self.mode],
            }
        )
        for invoice_vals in vals_list:
            for command in invoice_vals["invoice_line_ids"]:
                command[2].pop("helpdesk_work_line_ids", None)
        Move = env["account.move"].with_context(default_move_type="out_invoice")
        return lambda: Move.create(vals_list)


def _backend_cpu_clock(cr):
    """A clock of the CPU seconds used by this cursor's PostgreSQL backend.

    It returns None where the backend's /proc entry cannot be read (a
    database on another machine).
    """
    cr.execute("SELECT pg_backend_pid()")
    path = f"/proc/{cr.fetchone()[0]}/stat"
    ticks = os.sysconf("SC_CLK_TCK")

    def clock():
        try:
            with open(path) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    return clock


@contextlib.contextmanager
def _count_query_shapes(shapes):
    """Count the statements run, by their first words (a debugging aid)."""
    execute = odoo.sql_db.Cursor.execute

    def counting_execute(cr, query, params=None, log_exceptions=True):
        code = query.code if isinstance(query, odoo.tools.SQL) else query
        shapes[" ".join(code.split())[:150]] += 1
        return execute(cr, query, params, log_exceptions)

    odoo.sql_db.Cursor.execute = counting_execute
    try:
        yield
    finally:
        odoo.sql_db.Cursor.execute = execute


def _tickets(env, size):
    return env["helpdesk.ticket"].search(
        [("name", "=like", "Bench ticket %")], order="id", limit=size
    )


def runs_for(size):
    runs = []
    for mode in OUR_MODES:
        runs.append(Run("bare", mode, size))
        runs.append(Run("ours", mode, size))
    for mode in SALE_MODES:
        runs.append(Run("sale", mode, size))
    return runs


def measure(registry, database, size, args):
    """Every run of one size, each after VACUUM ANALYZE and a statistics check."""
    results = {}
    prefixes = [prefix for prefix in args.only.split(",") if prefix]
    for run in runs_for(size):
        if prefixes and not any(run.name.startswith(p) for p in prefixes):
            continue
        for _attempt in range(args.repeat):
            vacuum_analyze(database)
            with registry.cursor() as cr:
                trapped = statistics_trap(cr)
            if trapped:
                run.trap = describe_trap(trapped)
                print(f"  {run.name}: STATISTICS TRAP: {run.trap}: not run", flush=True)
                break
            run.execute(
                registry,
                profile=(run.name == args.profile),
                queries=(run.name == args.queries),
            )
            cpu = run.cpus[-1]
            print(
                f"  {run.name}: {run.walls[-1]:.2f} s"
                + (f" ({cpu:.2f} s CPU)" if cpu is not None else "")
                + f", {run.invoices} invoices, {run.queries} queries "
                f"({run.sqls[-1]:.2f} s in SQL), load {run.loads[-1]:.1f}"
                + (f", STATISTICS TRAP: {run.trap}" if run.trap else ""),
                flush=True,
            )
            if run.trap:
                break
        results[run.kind, run.mode] = run
    return results


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


def _ratio(ours, other, attr):
    a, b = getattr(ours, attr), getattr(other, attr)
    if other.trap or not a or not b:
        return "n/a"
    return f"{a / b:.2f}"


def report(all_results, sizes):
    head = (
        f"{'N':>5} {'mode':<16} {'inv':>4} | {'wall s':>6} {'tick/s':>6} "
        f"{'o/sale':>6} {'o/bare':>6} | {'CPU s':>6} {'o/sale':>6} {'o/bare':>6} | "
        f"{'queries':>7} {'q/inv':>5} {'bare':>5} {'sale':>5}"
    )
    lines = [
        "",
        f"{'':29}| {'wall time (best of runs)':<27} | {'CPU: Odoo + PostgreSQL':<22} |"
        f" SQL queries (per invoice)",
        head,
        "-" * len(head),
    ]
    for size in sizes:
        results = all_results[size]
        for mode in OUR_MODES:
            ours, bare = results.get(("ours", mode)), results.get(("bare", mode))
            sale = results.get(("sale", SALE_FOR_MODE[mode]))
            if not (ours and bare and sale):
                continue
            if ours.trap:
                lines.append(f"{size:>5} {mode:<16} STATISTICS TRAP: {ours.trap}")
                continue
            cpu = f"{ours.cpu:.2f}" if ours.cpu else "n/a"
            lines.append(
                f"{size:>5} {mode:<16} {ours.invoices:>4} | {ours.seconds:>6.2f} "
                f"{size / ours.seconds:>6.1f} {_ratio(ours, sale, 'seconds'):>6} "
                f"{_ratio(ours, bare, 'seconds'):>6} | {cpu:>6} "
                f"{_ratio(ours, sale, 'cpu'):>6} {_ratio(ours, bare, 'cpu'):>6} | "
                f"{ours.queries:>7} {ours.queries / ours.invoices:>5.1f} "
                f"{_per_invoice(bare):>5} {_per_invoice(sale):>5}"
            )
    lines += [
        "",
        "o/sale: our time / sale.order._create_invoices of N orders with the same "
        "services, hours and prices: grouped=True (one invoice per order) for 'per "
        "ticket' and 'group work lines' (which has 2 lines per ticket instead of 4), "
        "the default grouping (one per customer) for 'per customer'.",
        "o/bare: our time / account.move.create of the add-on's own invoice values "
        "(the floor).",
    ]
    first, last = sizes[0], sizes[-1]
    if first != last:
        for mode in OUR_MODES:
            a = all_results[first].get(("ours", mode))
            b = all_results[last].get(("ours", mode))
            if not (a and b) or a.trap or b.trap:
                continue
            growth = (b.seconds / last) / (a.seconds / first) - 1
            line = (
                f"Time per ticket, {mode}: {1000 * a.seconds / first:.1f} ms at "
                f"N={first}, {1000 * b.seconds / last:.1f} ms at N={last} "
                f"({growth:+.0%} wall"
            )
            if a.cpu and b.cpu:
                line += f", {(b.cpu / last) / (a.cpu / first) - 1:+.0%} CPU"
            lines.append(line + ")")
    print("\n".join(lines), flush=True)


def _per_invoice(run):
    return "trap" if run.trap else f"{run.queries / run.invoices:.1f}"


def trap_demo(registry, database, size):
    """Time one batch with sane statistics, then with the trap's statistics.

    The trap's run is made twice: with the add-on's refresh of the statistics
    (``_create_invoice_moves``) and, to show what it avoids, without it.
    """
    print(f"Statistics trap demo, one invoice per ticket, N = {size}", flush=True)
    Ticket = registry["helpdesk.ticket"]
    for label, simulate, refresh in (
        ("sane statistics", False, True),
        ("emptied statistics, refreshed by the add-on", True, True),
        ("emptied statistics, not refreshed", True, False),
    ):
        vacuum_analyze(database)
        run = Run("ours", "per ticket", size)
        with contextlib.ExitStack() as stack:
            if not refresh:
                stack.enter_context(
                    unittest.mock.patch.object(
                        Ticket, "_journal_item_statistics_stale", lambda self: False
                    )
                )
            run.execute(registry, simulate_trap=simulate)
        print(
            f"  {label}: {run.seconds:.2f} s ({run.cpu or 0:.2f} s CPU), "
            f"{run.queries} queries ({run.sqls[-1]:.2f} s in SQL)"
            + (f"; after the run {run.trap}" if run.trap else ""),
            flush=True,
        )


def main(argv):
    args = parse_args(argv)
    sizes, registry = open_registry(args)
    logging.getLogger("hdi.bench").setLevel(logging.INFO)
    setup(registry, sizes[-1], args.history, args.rates, args.prepaid)

    # Warm-up once: every run at a small size, not measured.
    t0 = time.perf_counter()
    for run in runs_for(min(20, sizes[0])):
        run.execute(registry)
    print(f"Warm-up: {time.perf_counter() - t0:.0f} s", flush=True)

    if args.trap_demo:
        trap_demo(registry, args.database, args.trap_demo)
        return 0

    all_results = {}
    for size in sizes:
        print(f"N = {size}", flush=True)
        all_results[size] = measure(registry, args.database, size, args)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report(all_results, sizes)
    print(
        f"Peak memory (ru_maxrss) of the benchmark process, N={sizes[-1]} "
        f"included: {peak_mib:.0f} MiB",
        flush=True,
    )
    if any(run.trap for results in all_results.values() for run in results.values()):
        print("Some runs fell into the statistics trap: their figures are not shown.")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
