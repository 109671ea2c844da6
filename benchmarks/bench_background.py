# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Background invoicing benchmark: queue jobs on one or two Odoo servers.

Run it with ``make bench ARGS="--background"`` (``tools/bench.sh``). On a
database of its own it commits, once, a history of posted invoices and the
largest N closed tickets (4 work lines each, 50 customers); that database is
then the template of one fresh copy per measured run. For each N and each
set-up:

- ``1 server, 1 slot``: one Odoo server (prefork, queue_job server-wide),
  channel capacity 1;
- ``1 server, 2 slots``: the same, capacity 2;
- ``2 servers, 1 slot each``: two Odoo servers on two ports, one database.
  queue_job elects one job runner per database, which sends each job to run
  as an HTTP request; a least-connections balancer (a stand-in for the
  deployment's nginx or HAProxy) sends them to the two servers, two at a
  time: one slot on each.

it starts the servers, opens the pop-up on N selected tickets and confirms
with Run in background, as the billing clerk over XML-RPC (Odoo's own
request limits apply), waits for the run to end, then checks that every
work line is billed exactly once, that no job failed or was retried past
its limits, and reads each server process's peak memory.
"""

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

import bench_invoicing as base

import odoo
from odoo import api
from odoo.modules.registry import Registry
from odoo.tools import config

CLERK_PASSWORD = "bench-clerk"
SETUPS = {
    "1x1": ("1 server, 1 slot", 1, 1),
    "1x2": ("1 server, 2 slots", 1, 2),
    "2x1": ("2 servers, 1 slot each", 2, 1),
}
# Odoo's default request limits, set explicitly on the servers measured.
LIMIT_TIME_CPU, LIMIT_TIME_REAL = 60, 120
MEMORY_GOAL_MB = 400
LIMIT_PATTERNS = re.compile(
    r"time limit|memory limit|virtual real time|CPU time limit|Worker \(\d+\) "
    r"timeout|Killing|MemoryError",
    re.I,
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration")
    parser.add_argument("-d", "--database", required=True, help="the template")
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument(
        "--setups", default="1x1,1x2,2x1", help="of " + ",".join(SETUPS)
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("HDI_BENCH_PORT", 8189)),
        help="first of the ports used: servers, balancer, websocket",
    )
    parser.add_argument("--history", type=int, default=700)
    parser.add_argument(
        "--profile-job",
        type=int,
        default=0,
        metavar="N",
        help="instead of the benchmark: cProfile, in a rolled-back transaction "
        "of this process, the start of a run of N tickets and its first job",
    )
    parser.add_argument(
        "--popup-max",
        type=int,
        default=2000,
        help="time the pop-up's opening up to this many tickets",
    )
    parser.add_argument(
        "--job-size",
        type=int,
        default=0,
        help="tickets per job (default: the add-on's)",
    )
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Template
# ----------------------------------------------------------------------


def setup_template(database, size, history):
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        done = env["ir.config_parameter"].get_param("hdi_bench.background_setup")
    if not done or int(done) < size:
        t0 = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(
                cr,
                odoo.SUPERUSER_ID,
                {"tracking_disable": True, "mail_create_nolog": True},
            )
            company = env.company
            if not company.chart_template:
                env["account.chart.template"].try_loading(
                    "generic_coa", company, install_demo=False
                )
            products, customers, _contacts, _clerk = base._setup_master_data(env)
            base._setup_history(env, products, customers, history)
        with registry.cursor() as cr:
            env = api.Environment(
                cr,
                odoo.SUPERUSER_ID,
                {"tracking_disable": True, "mail_create_nolog": True},
            )
            products, _customers, contacts, clerk = base._setup_master_data(env)
            clerk.password = CLERK_PASSWORD
            base._setup_tickets(env, products, contacts, size)
            env["ir.config_parameter"].set_param("hdi_bench.background_setup", size)
        print(f"Set-up: {time.perf_counter() - t0:.0f} s", flush=True)
    registry.delete(database)
    odoo.sql_db.close_db(database)


def psql(database, sql):
    out = subprocess.run(
        ["psql", "-X", "-q", "-tA", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


# ----------------------------------------------------------------------
# Servers and the balancer
# ----------------------------------------------------------------------


class Server:
    """One Odoo server (prefork) with queue_job server-wide."""

    def __init__(self, conf, database, port, gevent_port, workers, capacity, job_port):
        self.port = port
        self.log = Path(tempfile.mkstemp(prefix=f"hdi_bench_{port}_", suffix=".log")[1])
        env = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{capacity},root.helpdesk_invoicing:{capacity}",
            ODOO_QUEUE_JOB_PORT=str(job_port),
            ODOO_QUEUE_JOB_HOST="127.0.0.1",
        )
        odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
        self.process = subprocess.Popen(
            [sys.executable, str(odoo_bin), "-c", conf, "-d", database]
            + [f"--db-filter=^{database}$", "--load=base,web,queue_job"]
            + [f"--workers={workers}", "--max-cron-threads=0"]
            + [f"--http-port={port}", f"--gevent-port={gevent_port}"]
            + ["--http-interface=127.0.0.1", f"--logfile={self.log}"]
            + ["--log-level=info", f"--limit-time-cpu={LIMIT_TIME_CPU}"]
            + [f"--limit-time-real={LIMIT_TIME_REAL}"],
            env=env,
            start_new_session=True,
        )
        self.peak_rss = {}
        self._stop_sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _pids(self):
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) == self.process.pid:
                        pids.append(int(entry))
                except OSError:
                    pass
        return pids

    def _sample(self):
        """Peak resident memory of each process of the server, sampled."""
        while not self._stop_sampling.wait(0.5):
            for pid in self._pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                match = re.search(r"VmHWM:\s+(\d+) kB", status)
                if match:
                    # The websocket process: odoo-bin gevent ...
                    kind = "gevent" if b"\0gevent\0" in cmdline else "odoo"
                    key = (pid, kind)
                    self.peak_rss[key] = max(
                        self.peak_rss.get(key, 0), int(match.group(1)) / 1024
                    )

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        proxy = xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{self.port}/xmlrpc/2/common"
        )
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on {self.port} died: {self.log_tail()}")
            with contextlib.suppress(OSError, xmlrpc.client.Error):
                proxy.version()
                return
            time.sleep(0.5)
        raise RuntimeError(f"server on {self.port} not ready: {self.log_tail()}")

    def log_tail(self, chars=3000):
        return self.log.read_text(errors="replace")[-chars:]

    def limit_events(self):
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if LIMIT_PATTERNS.search(line)
        ]

    def stop(self):
        self._stop_sampling.set()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._sampler.join()
        self.log.unlink(missing_ok=True)


class Balancer:
    """Least-connections TCP balancer for the job runner's requests.

    queue_job's runner fires each job as an HTTP request and hangs up after a
    second; the job goes on in the worker. The balancer keeps the upstream
    connection until the server answers (like nginx's
    ``proxy_ignore_client_abort on``), so that it knows how many jobs each
    server runs, and sends the next one to the least busy.
    """

    def __init__(self, port, upstreams):
        self.port, self.upstreams = port, upstreams
        self.active = dict.fromkeys(upstreams, 0)
        self.sent = dict.fromkeys(upstreams, 0)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", port), self.loop
        ).result()

    async def _handle(self, reader, writer):
        upstream = min(self.upstreams, key=lambda port: (self.active[port], port))
        self.active[upstream] += 1
        self.sent[upstream] += 1
        busy = [True]

        def done():
            if busy[0]:
                busy[0] = False
                self.active[upstream] -= 1

        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)

            async def to_upstream():
                # The runner's hang-up does not end the job: the upstream
                # connection stays open until the server answers.
                with contextlib.suppress(ConnectionError, OSError):
                    while data := await reader.read(65536):
                        up_writer.write(data)
                        await up_writer.drain()

            async def to_client():
                # Odoo answers once the job is done: the server is free again.
                with contextlib.suppress(ConnectionError, OSError):
                    while data := await up_reader.read(65536):
                        done()
                        with contextlib.suppress(ConnectionError, OSError):
                            writer.write(data)
                            await writer.drain()
                for stream in (up_writer, writer):
                    with contextlib.suppress(Exception):
                        stream.close()

            await asyncio.gather(to_upstream(), to_client(), return_exceptions=True)
        finally:
            done()

    async def _shutdown(self):
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


# ----------------------------------------------------------------------
# One measured run
# ----------------------------------------------------------------------


def rpc(port, database):
    common = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
    uid = common.authenticate(database, "bench-clerk", CLERK_PASSWORD, {})
    models = xmlrpc.client.ServerProxy(
        f"http://127.0.0.1:{port}/xmlrpc/2/object", allow_none=True
    )

    def call(model, method, *args, **kwargs):
        return models.execute_kw(
            database, uid, CLERK_PASSWORD, model, method, args, kwargs
        )

    return call


POPUP_SPEC = {
    "ticket_ids": {},
    "group_by_partner": {},
    "group_work_lines": {},
    "run_in_background": {},
    "invoiceable_ticket_count": {},
    "customer_count": {},
    "invoice_count": {},
    "skipped_ticket_count": {},
    "skipped_reasons": {},
    "invoiceable_ticket_ids": {
        "fields": {
            "number": {},
            "name": {},
            "commercial_partner_id": {"fields": {"display_name": {}}},
            "work_hours_total": {},
            "work_amount_total": {},
            "currency_id": {"fields": {}},
        },
        "limit": 40,
        "order": "",
    },
}


def copy_template(template, database, job_size):
    """A fresh copy of the template: what every measured run starts from."""
    psql("postgres", f'DROP DATABASE IF EXISTS "{database}"')
    for attempt in range(10):
        try:
            psql("postgres", f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
            break
        except subprocess.CalledProcessError:
            # Autovacuum may be in the template for a moment.
            if attempt == 9:
                raise
            time.sleep(3)
    if job_size:
        psql(
            database,
            f"UPDATE ir_config_parameter SET value = '{job_size:d}' "
            "WHERE key = 'helpdesk_mgmt_invoicing.job_size'",
        )


def open_popup(call, ids, popup_max, workers):
    """Time the pop-up's opening on these tickets, as the web client does
    (defaults and preview), after a warm-up of every worker.

    :return: seconds, or None above ``popup_max`` tickets (the goal is set
        at 2,000)
    """
    context = {"active_model": "helpdesk.ticket", "active_ids": ids}
    for _attempt in range(2 * workers):
        call(
            "helpdesk.ticket.invoice",
            "onchange",
            [],
            {},
            [],
            POPUP_SPEC,
            context=dict(context, active_ids=ids[:10]),
        )
    if len(ids) > popup_max:
        return None
    t0 = time.perf_counter()
    values = call(
        "helpdesk.ticket.invoice", "onchange", [], {}, [], POPUP_SPEC, context=context
    )["value"]
    seconds = time.perf_counter() - t0
    if values["invoiceable_ticket_count"] != len(ids):
        raise RuntimeError(f"pop-up: {values['invoiceable_ticket_count']} tickets")
    return seconds


def wait_for_run(database, run_id, servers):
    """Wait until no ticket of the run is pending (or a job failed).

    :return: the load averages seen meanwhile, one a second
    """
    loads = [os.getloadavg()[0]]
    deadline = time.monotonic() + 3 * 3600
    while time.monotonic() < deadline:
        time.sleep(1)
        loads.append(os.getloadavg()[0])
        pending = psql(
            database,
            "SELECT count(*) FROM helpdesk_ticket_invoice_run_line "
            f"WHERE run_id = {run_id} AND state = 'pending'",
        )
        failed = psql(database, "SELECT count(*) FROM queue_job WHERE state = 'failed'")
        if not int(pending) or int(failed):
            break
        for server in servers:
            if server.process.poll() is not None:
                raise RuntimeError(f"a server died: {server.log_tail()}")
    return loads


def read_jobs(database, result):
    """The end (the last job's commit) and the jobs' figures, from queue_job."""
    jobs = psql(
        database,
        "SELECT extract(epoch FROM max(date_done)), count(*), "
        "count(*) FILTER (WHERE state = 'done'), coalesce(max(exec_time), 0), "
        "coalesce(avg(exec_time), 0), coalesce(sum(retry - 1), 0) "
        "FROM queue_job WHERE model_name = 'helpdesk.ticket.invoice.run.line'",
    ).split("|")
    result["total_s"] = float(jobs[0] or 0) - result["t_start"]
    result["tickets_per_s"] = result["size"] / result["total_s"]
    result["jobs"] = int(jobs[1])
    result["jobs_done"] = int(jobs[2])
    result["job_max_s"] = float(jobs[3])
    result["job_avg_s"] = float(jobs[4])
    result["retries"] = int(float(jobs[5]))


def measure(args, template, size, setup_key):
    label, servers_count, slots = SETUPS[setup_key]
    database = f"{template}_run"
    copy_template(template, database, args.job_size)
    ports = [args.port + i for i in range(servers_count)]
    balancer_port = args.port + 5
    job_port = balancer_port if servers_count > 1 else ports[0]
    workers = slots + 1  # one more for the clerk's requests
    servers, balancer = [], None
    result = {"setup": label, "size": size}
    try:
        if servers_count > 1:
            balancer = Balancer(balancer_port, ports)
        for i, port in enumerate(ports):
            servers.append(
                Server(
                    args.config,
                    database,
                    port,
                    args.port + 10 + i,
                    workers,
                    servers_count * slots,
                    job_port,
                )
            )
        for server in servers:
            server.wait_ready()
        call = rpc(ports[0], database)
        ids = call(
            "helpdesk.ticket",
            "search",
            [("name", "=like", "Bench ticket %")],
            order="id",
            limit=size,
        )
        for port in ports[1:]:
            open_popup(rpc(port, database), ids[:10], 0, workers)  # warm-up only
        result["popup_s"] = open_popup(call, ids, args.popup_max, workers)
        # Confirmed with Run in background, as the billing clerk.
        result["t_start"] = time.time()
        t0 = time.perf_counter()
        wizard = call(
            "helpdesk.ticket.invoice",
            "create",
            {"ticket_ids": [(6, 0, ids)], "run_in_background": True},
            context={"active_model": "helpdesk.ticket", "active_ids": ids},
        )
        action = call("helpdesk.ticket.invoice", "action_create_invoices", [wizard])
        result["start_s"] = time.perf_counter() - t0
        loads = wait_for_run(database, action["res_id"], servers)
        result["load"] = (min(loads), sum(loads) / len(loads), max(loads))
        read_jobs(database, result)
        result["limit_events"] = [e for s in servers for e in s.limit_events()]
        result["billed_once"] = check_billed_once(database, ids, action["res_id"])
        if balancer:
            result["balanced"] = dict(balancer.sent)
    finally:
        for server in servers:
            server.stop()
        if balancer:
            balancer.stop()
        odoo_rss = [
            rss
            for server in servers
            for (_pid, kind), rss in server.peak_rss.items()
            if kind == "odoo"
        ]
        result["peak_rss_mb"] = max(odoo_rss) if odoo_rss else 0
        psql("postgres", f'DROP DATABASE IF EXISTS "{database}"')
    return result


def check_billed_once(database, ticket_ids, run_id):
    """Every work line of the tickets on exactly one invoice line, of an
    invoice of the run; one invoice per ticket."""
    registry = Registry(database)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            tickets = env["helpdesk.ticket"].browse(ticket_ids)
            work_lines = tickets.work_line_ids
            invoice_lines = env["account.move.line"].search(
                [("helpdesk_work_line_ids", "in", work_lines.ids)]
            )
            billed = sorted(
                line.id for il in invoice_lines for line in il.helpdesk_work_line_ids
            )
            run = env["helpdesk.ticket.invoice.run"].browse(run_id)
            ok = (
                billed == sorted(work_lines.ids)
                and set(tickets.mapped("billing_state")) == {"invoiced"}
                and invoice_lines.move_id == run.invoice_ids
                and len(run.invoice_ids) == len(tickets)
                and run.state == "done"
            )
            return ok
    finally:
        registry.delete(database)
        odoo.sql_db.close_db(database)


def report(results, sizes):
    print()
    head = (
        f"{'N':>6} {'set-up':<24} | {'total s':>7} {'tick/s':>6} {'x 1 slot':>8} | "
        f"{'jobs':>4} {'job avg':>7} {'job max':>7} {'retry':>5} | {'start s':>7} "
        f"{'pop-up s':>8} | {'peak MB':>7} | {'load min/avg/max':>16} | once"
    )
    print(head)
    print("-" * len(head))
    for size in sizes:
        one = next(
            (
                r
                for r in results
                if r["size"] == size and r["setup"] == SETUPS["1x1"][0]
            ),
            None,
        )
        for r in (r for r in results if r["size"] == size):
            speedup = r["tickets_per_s"] / one["tickets_per_s"] if one else 0
            load = "/".join(f"{value:.1f}" for value in r["load"])
            popup = f"{r['popup_s']:.2f}" if r["popup_s"] is not None else "-"
            print(
                f"{size:>6} {r['setup']:<24} | {r['total_s']:>7.1f} "
                f"{r['tickets_per_s']:>6.1f} {speedup:>8.2f} | {r['jobs']:>4} "
                f"{r['job_avg_s']:>7.2f} {r['job_max_s']:>7.2f} {r['retries']:>5} | "
                f"{r['start_s']:>7.2f} {popup:>8} | "
                f"{r['peak_rss_mb']:>7.0f} | {load:>16} | "
                f"{'yes' if r['billed_once'] else 'NO'}"
            )
    print()
    for r in results:
        notes = []
        if r["jobs_done"] != r["jobs"]:
            notes.append(f"{r['jobs'] - r['jobs_done']} job(s) not done")
        if r["limit_events"]:
            notes.append("limits hit: " + " | ".join(r["limit_events"][:3]))
        if r.get("balanced"):
            notes.append(f"jobs sent per server: {r['balanced']}")
        if notes:
            print(f"{r['size']} {r['setup']}: " + "; ".join(notes))


def _profiled(label, func):
    """Run ``func`` under cProfile; print its time and the add-on's share."""
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    result = func()
    profiler.disable()
    seconds = time.perf_counter() - t0
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(25)
    print(f"\nProfile of {label}: {seconds:.2f} s (profiled)\n{out.getvalue()}")
    return result


def profile_job(database, size):
    """cProfile the start of a run of ``size`` tickets, then its first job,
    as the clerk, in one transaction rolled back afterwards."""
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        clerk = env["res.users"].search([("login", "=", "bench-clerk")])
        env = env(user=clerk.id)
        tickets = env["helpdesk.ticket"].search(
            [("name", "=like", "Bench ticket %")], order="id", limit=size
        )
        env.invalidate_all()
        run = _profiled(
            f"the start of a run of {size} tickets",
            lambda: env["helpdesk.ticket.invoice.run"]._start(tickets),
        )
        env.flush_all()
        lines = run.line_ids.filtered(lambda line: line.batch == 1)
        env.invalidate_all()

        def first_job():
            summary = lines._invoice_batch()
            env.flush_all()
            return summary

        summary = _profiled(f"its first job ({len(lines)} tickets)", first_job)
        print(f"{run.job_count} jobs; first job: {summary}", flush=True)
        cr.rollback()


def main(argv):
    args = parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    config.parse_config(["-c", args.config, "--log-level=warn"])
    odoo.netsvc.init_logger()
    setup_template(args.database, sizes[-1], args.history)
    if args.profile_job:
        profile_job(args.database, args.profile_job)
        return 0
    results = []
    for size in sizes:
        for key in args.setups.split(","):
            print(f"N = {size}, {SETUPS[key][0]}: ", end="", flush=True)
            result = measure(args, args.database, size, key)
            results.append(result)
            print(
                f"{result['total_s']:.1f} s, {result['tickets_per_s']:.1f} tickets/s, "
                f"start {result['start_s']:.2f} s, pop-up {result['popup_s']} s, "
                f"jobs {result['jobs']} (max {result['job_max_s']:.1f} s), "
                f"peak {result['peak_rss_mb']:.0f} MB, "
                f"billed once: {result['billed_once']}, "
                f"load {result['load'][1]:.1f}",
                flush=True,
            )
    report(results, sizes)
    failed = [
        r
        for r in results
        if not r["billed_once"] or r["limit_events"] or r["jobs_done"] != r["jobs"]
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
