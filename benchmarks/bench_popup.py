# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the pop-up costs against what confirming it costs, for N tickets.

Run it with ``make bench ARGS="--popup"`` (``tools/bench.sh``), or directly::

    python benchmarks/bench_popup.py -c odoo.conf -d DATABASE [--sizes 100,2000]

in a database with the add-on installed. Everything it makes is rolled back.
For each N it creates N closed tickets of 4 work lines over 50 customers,
then, as the billing clerk and through the calls the web client makes:

- **open**: the pop-up opened on the N selected tickets (``onchange`` of a
  new record, with the fields of the pop-up's form: the preview built);
- **option**: one option ticked (``onchange`` again);
- **confirm**: the click on Generate Invoice Proposals (``web_save`` of the
  pop-up, which its button's ``close="1"`` keeps from reading the preview
  back, then ``action_create_invoices``);

in each of the four combinations of the options, and prints the seconds of
each (wall time, and the CPU seconds of Odoo and of its PostgreSQL backend,
which barely move when other programs load the machine) and open / confirm.
"""

import argparse
import sys
import threading
import time

from bench_invoicing import CUSTOMERS, _backend_cpu_clock, _setup_tickets, new_clerk

import odoo
from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.tools import config

MODES = {
    "per ticket": {},
    "per customer": {"group_by_partner": True},
    "group work lines": {"group_work_lines": True},
    "both": {"group_by_partner": True, "group_work_lines": True},
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--sizes", default="100,2000")
    return parser.parse_args(argv)


def setup(env, size):
    """Services, customers, the clerk and N closed tickets (not committed)."""
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )
    tax = company.account_sale_tax_id
    products = {
        key: env["product.product"].create(
            {
                "name": name,
                "type": "service",
                "sale_ok": True,
                "list_price": price,
                "taxes_id": [Command.set(tax.ids)],
            }
        )
        for key, name, price in (
            ("support", "Hourly Support", 50.0),
            ("onsite", "On-site Intervention", 80.0),
        )
    }
    customers = env["res.partner"].create(
        [{"name": f"Customer {i:02d}", "is_company": True} for i in range(CUSTOMERS)]
    )
    contacts = env["res.partner"].create(
        [{"name": f"Contact of {c.name}", "parent_id": c.id} for c in customers]
    )
    clerk = new_clerk(env, "bench-popup-clerk", "Popup Clerk")
    return clerk, _setup_tickets(env, products, contacts, size)


def form_spec(env):
    """The fields the pop-up's form reads, as the web client asks for them."""
    view = env["helpdesk.ticket.invoice"].get_views([(False, "form")])
    fields = {model: info["fields"] for model, info in view["models"].items()}
    spec = {name: {} for name in fields["helpdesk.ticket.invoice"]}
    spec["ticket_ids"] = {"fields": {"display_name": {}}}
    spec["preview_ids"] = {
        "fields": {
            name: {"fields": {"display_name": {}}}
            if name in ("partner_id", "company_id", "currency_id")
            else {}
            for name in fields["helpdesk.ticket.invoice.preview"]
        }
    }
    for name in ("currency_id",):
        spec[name] = {"fields": {"display_name": {}}}
    return spec


class Clock:
    """Wall seconds and CPU seconds (Odoo process + PostgreSQL backend)."""

    def __init__(self, cr):
        self.backend = _backend_cpu_clock(cr)

    def __enter__(self):
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time() + (self.backend() or 0.0)
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() + (self.backend() or 0.0) - self.cpu0


def measure(env, clerk, tickets, options):
    Wizard = (
        env["helpdesk.ticket.invoice"]
        .with_user(clerk)
        .with_context(active_model="helpdesk.ticket", active_ids=tickets.ids)
    )
    spec = form_spec(Wizard.env)
    env.invalidate_all()
    with Clock(env.cr) as open_clock:
        opened = Wizard.onchange({}, [], spec)
    values = {
        "ticket_ids": [Command.set(tickets.ids)],
        "group_by_partner": False,
        "group_work_lines": False,
    }
    option_clock = None
    expected = opened["value"]["invoice_count"]
    for option in options:
        values[option] = True
        with Clock(env.cr) as clock:
            changed = Wizard.onchange(dict(values), [option], spec)
        option_clock = clock
        expected = changed["value"].get("invoice_count", expected)
    env.invalidate_all()
    with Clock(env.cr) as confirm_clock:
        # The button has close="1": the client saves without reading back.
        [saved] = Wizard.web_save(values, {})
        action = Wizard.browse(saved["id"]).action_create_invoices()
        env.flush_all()
    next_action = action["params"]["next"]
    invoices = len(next_action["domain"][0][2]) if "domain" in next_action else 1
    if invoices != expected:
        raise AssertionError(f"{invoices} invoices made, {expected} previewed")
    return open_clock, option_clock, confirm_clock, invoices


def main(argv):
    args = parse_args(argv)
    config.parse_config(["-c", args.config, "--log-level=warn"])
    odoo.netsvc.init_logger()
    threading.current_thread().dbname = args.database
    registry = Registry(args.database)
    print(
        f"{'N':>5} {'mode':<17} {'inv':>5} | wall s: {'open':>6} {'option':>6} "
        f"{'confirm':>7} | CPU s: {'open':>6} {'option':>6} {'confirm':>7} "
        "| open/confirm (CPU)"
    )
    for size in sorted(int(size) for size in args.sizes.split(",")):
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            clerk, tickets = setup(env, size)
            for mode, options in MODES.items():
                with cr.savepoint(flush=False) as savepoint:
                    opened, option, confirmed, invoices = measure(
                        env, clerk, tickets, [o for o in options if options[o]]
                    )
                    print(
                        f"{size:>5} {mode:<17} {invoices:>5} | "
                        f"{opened.wall:>14.2f} {option.wall if option else 0:>6.2f} "
                        f"{confirmed.wall:>7.2f} | "
                        f"{opened.cpu:>13.2f} {option.cpu if option else 0:>6.2f} "
                        f"{confirmed.cpu:>7.2f} | {opened.cpu / confirmed.cpu:>6.0%}",
                        flush=True,
                    )
                    savepoint.rollback()
                env.invalidate_all()
            cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
