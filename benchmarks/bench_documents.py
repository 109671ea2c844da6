# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Intervention reports: one wkhtmltopdf run per ticket against one per batch.

Run it with ``make bench ARGS="--documents"`` (``tools/bench.sh``), or
directly::

    python benchmarks/bench_documents.py -c odoo.conf -d DATABASE --port 8289

in a database with the add-on installed. It starts an Odoo server of its own
on ``--port`` (wkhtmltopdf fetches the report's stylesheet from it, as in a
real deployment, at the address of the system parameter ``report.url``),
creates and commits N closed tickets of 4 work lines over 50 customers, then
measures, in one run of this script, each in its own transaction rolled
back afterwards:

- **documents**: the intervention reports of N tickets as PDFs, one ticket
  per wkhtmltopdf run (how Debian's build printed them before) against the
  batched way (``helpdesk.ticket._render_intervention_reports``); reports per
  second and the ratio. One run per ticket takes about a second a ticket:
  above ``--per-ticket-max`` tickets its rate is measured on the first
  ``--per-ticket-max`` only, and said so;
- **month-end**: what the jobs of a background run of N tickets do
  (``_invoice_batch`` of each batch, in-process) with and without the
  reports attached, and the ratio;
- **memory**: one job's batch of reports of tickets with ``--big-lines``
  work lines each: the peak memory of this process and of wkhtmltopdf.
"""

import argparse
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from datetime import date
from pathlib import Path

from bench_invoicing import CUSTOMERS, _setup_tickets, open_registry

import odoo
from odoo import Command, api

REPORT = "helpdesk_mgmt_invoicing.report_intervention"
SETUP_KEY = "hdi_bench.documents_setup"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--port", type=int, default=8189, help="HTTP port")
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument(
        "--per-ticket-max",
        type=int,
        default=100,
        help="one run per ticket is measured on this many tickets at most",
    )
    parser.add_argument(
        "--month-end",
        type=int,
        default=200,
        help="tickets of the month-end run measured with and without reports "
        "(0: not measured)",
    )
    parser.add_argument(
        "--big-lines",
        type=int,
        default=200,
        help="work lines of each ticket of the memory measure (0: not measured)",
    )
    parser.add_argument(
        "--report-batch-size",
        type=int,
        default=0,
        help="reports per wkhtmltopdf run (system parameter "
        "helpdesk_mgmt_invoicing.report_batch_size; 0: as installed, 50)",
    )
    return parser.parse_args(argv)


# ----------------------------------------------------------------------
# Set-up (committed)
# ----------------------------------------------------------------------


def _env(cr):
    return api.Environment(
        cr,
        odoo.SUPERUSER_ID,
        {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True},
    )


def setup(registry, size, port, batch_size):
    """Services, customers and N closed tickets, once; the report's address
    and the batch size."""
    with registry.cursor() as cr:
        env = _env(cr)
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        if batch_size:
            env["ir.config_parameter"].set_param(
                "helpdesk_mgmt_invoicing.report_batch_size", batch_size
            )
        print(
            "Reports per wkhtmltopdf run: "
            f"{env['ir.actions.report']._get_intervention_report_batch_size()}",
            flush=True,
        )
        if int(env["ir.config_parameter"].get_param(SETUP_KEY, 0)) >= size:
            return
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
    with registry.cursor() as cr:
        env = _env(cr)
        products = _setup_products(env)
        customers = env["res.partner"].create(
            [
                {"name": f"Customer {i:02d}", "is_company": True}
                for i in range(CUSTOMERS)
            ]
        )
        contacts = env["res.partner"].create(
            [
                {"name": f"Contact of {customer.name}", "parent_id": customer.id}
                for customer in customers
            ]
        )
        _setup_tickets(env, products, contacts, size)
        env["ir.config_parameter"].set_param(SETUP_KEY, size)


def _setup_products(env):
    tax = env.company.account_sale_tax_id
    return {
        key: env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": price,
                "taxes_id": [Command.set(tax.ids)],
            }
        )
        for key, name, price in (
            ("support", "Hourly Support", 50.0),
            ("onsite", "On-site Intervention", 80.0),
        )
    }


@contextlib.contextmanager
def odoo_server(conf, database, port):
    """An Odoo server that serves the report's stylesheet to wkhtmltopdf."""
    log = tempfile.NamedTemporaryFile(prefix="hdi_bench_docs_", suffix=".log")
    odoo_bin = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
    process = subprocess.Popen(
        [sys.executable, str(odoo_bin), "-c", conf, "-d", database]
        + [f"--db-filter=^{database}$", "--workers=0", "--max-cron-threads=0"]
        + [f"--http-port={port}", "--http-interface=127.0.0.1"]
        + [f"--logfile={log.name}", "--log-level=warn"],
        start_new_session=True,
    )
    try:
        proxy = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/xmlrpc/2/common")
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no Odoo server on {port}: {log.read()[-2000:]}")
            with contextlib.suppress(OSError, xmlrpc.client.Error):
                proxy.version()
                break
            time.sleep(0.5)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


# ----------------------------------------------------------------------
# Measures (rolled back)
# ----------------------------------------------------------------------


def _tickets(env, size):
    return env["helpdesk.ticket"].search(
        [("name", "=like", "Bench ticket %")], order="id", limit=size
    )


def _timed(registry, func):
    """Seconds of ``func(env)`` in a transaction rolled back afterwards."""
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        result = func(env)
        seconds = time.perf_counter() - start
        cr.rollback()
    return seconds, result


def per_ticket(env, size):
    """Each ticket's report in a wkhtmltopdf run of its own (Odoo's way for
    one record, which is how Debian's build printed several)."""
    Report = env["ir.actions.report"]
    for ticket in _tickets(env, size):
        Report._render_qweb_pdf_prepare_streams(REPORT, {}, res_ids=ticket.ids)
    return size


def batched(env, size):
    return len(_tickets(env, size)._render_intervention_reports())


def measure_documents(registry, sizes, per_ticket_max):
    rows = []
    for size in sizes:
        sample = min(size, per_ticket_max)
        one_seconds, _count = _timed(registry, lambda env, n=sample: per_ticket(env, n))
        batch_seconds, count = _timed(registry, lambda env, n=size: batched(env, n))
        assert count == size, (count, size)
        one_rate = sample / one_seconds
        batch_rate = size / batch_seconds
        rows.append((size, sample, one_rate, batch_rate))
        print(
            f"N = {size}: one run per ticket {one_rate:.2f} reports/s"
            f"{'' if sample == size else f' (on {sample} tickets)'}, "
            f"batched {batch_rate:.2f} reports/s: {batch_rate / one_rate:.1f}x",
            flush=True,
        )
    return rows


def month_end(env, size, attach):
    """A background run of N tickets, its jobs run one after the other in
    this transaction as they are queued (``queue_job__no_delay``)."""
    env = env(context=dict(env.context, queue_job__no_delay=True))
    tickets = _tickets(env, size)
    run = env["helpdesk.ticket.invoice.run"]._start(
        tickets, attach_intervention_reports=attach
    )
    assert not run.line_ids.filtered("reason"), run.line_ids.mapped("reason")
    return len(run.invoice_ids)


def measure_month_end(registry, size):
    without, invoices = _timed(registry, lambda env: month_end(env, size, False))
    with_reports, invoices_too = _timed(
        registry, lambda env: month_end(env, size, True)
    )
    assert invoices == invoices_too == size, (invoices, invoices_too)
    print(
        f"Month-end run of {size} tickets: {without:.1f} s without reports, "
        f"{with_reports:.1f} s with them: {with_reports / without:.2f}x",
        flush=True,
    )
    return without, with_reports


def measure_memory(registry, lines):
    """One job's reports (a batch of report_batch_size) of tickets with
    ``lines`` work lines each: the peak memory of this process and of
    wkhtmltopdf (the largest child process so far)."""

    def big_batch(env):
        size = env["ir.actions.report"]._get_intervention_report_batch_size()
        ticket = _tickets(env, 1)
        product = ticket.work_line_ids[:1].product_id
        big = env["helpdesk.ticket"].create(
            [
                {
                    "name": f"Big ticket {i}",
                    "description": "Mail migration",
                    "partner_id": ticket.partner_id.id,
                    "stage_id": ticket.stage_id.id,
                    "work_line_ids": [
                        Command.create(
                            {
                                "date": date(2026, 3, 1 + n % 28),
                                "product_id": product.id,
                                "quantity": 1.0,
                                "name": f"Work line {n} of a long month, with a "
                                "description of a few words",
                            }
                        )
                        for n in range(lines)
                    ],
                }
                for i in range(size)
            ]
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        contents = big._render_intervention_reports()
        return size, before, sum(len(c) for c in contents.values())

    seconds, (size, before, pdf_bytes) = _timed(registry, big_batch)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"Memory: {size} tickets of {lines} work lines in one run, {seconds:.0f} s, "
        f"{pdf_bytes / 2**20:.1f} MiB of PDF; peak of this process "
        f"{own:.0f} MiB ({before:.0f} before the reports), of the largest "
        f"child process {child:.0f} MiB (ru_maxrss: at most wkhtmltopdf's)",
        flush=True,
    )


def main(argv):
    args = parse_args(argv)
    sizes, registry = open_registry(args)
    setup(registry, max(sizes + [args.month_end]), args.port, args.report_batch_size)
    with odoo_server(args.config, args.database, args.port):
        # Warm-up: the stylesheet bundle made, the templates compiled.
        _timed(registry, lambda env: batched(env, 2))
        _timed(registry, lambda env: per_ticket(env, 1))
        measure_documents(registry, sizes, args.per_ticket_max)
        if args.month_end:
            measure_month_end(registry, args.month_end)
        if args.big_lines:
            measure_memory(registry, args.big_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
