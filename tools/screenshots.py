#!/usr/bin/env python3
# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Screenshots of the Generate Invoice Proposals pop-up, in English and
Italian, taken with headless Chromium against a running Odoo.

    make run                  # in another terminal: the demo on port 8069
    ~/.cache/helpdesk_mgmt_invoicing/venv/bin/python tools/screenshots.py \\
        --url http://localhost:8069 --db helpdesk_invoicing_demo \\
        --out static/description --name after

For each language it logs in as admin, sets the admin's language, opens the
ticket list, selects the demo's six tickets, clicks Generate Invoice
Proposals, ticks both options and saves the pop-up as
``<out>/popup_<name>_<en|it>.png``; then the ticket list
(``tickets_<name>_<lang>.png``) and the Work Lines tab of the demo ticket
with the most work lines (``work_lines_<name>_<lang>.png``), 1,400 px wide;
then it puts the admin's language back.
It drives Chromium through its DevTools protocol (websocket-client, which
Odoo's browser tests use too); nothing is installed.
"""

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

CUSTOMERS = (
    "Rossi Impianti S.r.l.",
    "Bianchi Servizi S.p.A.",
    "Verdi Logistica S.r.l.",
)
BUTTON = {"en_US": "Generate Invoice Proposals", "it_IT": "Genera Proposte Fattura"}


class Browser:
    """Headless Chromium, driven through the DevTools protocol."""

    def __init__(self, width, height):
        executable = next(
            (
                shutil.which(name)
                for name in ("chromium", "chromium-browser", "google-chrome")
                if shutil.which(name)
            ),
            None,
        )
        if not executable:
            sys.exit("No Chromium on the PATH (Debian: apt-get install chromium).")
        self.profile = tempfile.mkdtemp(prefix="hdi-shots-")
        port = 9400 + int(time.time()) % 500
        self.process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as reply:
                    targets = json.load(reply)
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.1)
        else:
            sys.exit("Chromium did not start.")
        self.socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60
        )
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, condition, timeout=30, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"Boolean({condition})"):
                return
            time.sleep(0.2)
        raise TimeoutError(what or condition)

    def go(self, url):
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait("document.readyState === 'complete'")

    def shoot(self, selector, path):
        rect = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, "
            "height: r.height}; })()"
        )
        shot = self.call(
            "Page.captureScreenshot", format="png", clip={**rect, "scale": 1}
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        print(f"Saved {path} ({int(rect['width'])}x{int(rect['height'])})")

    def close(self):
        self.socket.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def rpc(browser, model, method, args, kwargs=None):
    """A JSON-RPC call from the logged-in page."""
    payload = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        }
    )
    return browser.evaluate(
        f"fetch('/web/dataset/call_kw/{model}/{method}', {{method: 'POST', "
        "headers: {'Content-Type': 'application/json'}, "
        f"body: {json.dumps(payload)}}})"
        ".then((reply) => reply.json()).then((reply) => reply.result)"
    )


def login(browser, url, db, user, password):
    browser.go(f"{url}/web/login?db={db}")
    browser.evaluate(
        f"document.querySelector('#login').value = {json.dumps(user)};"
        f"document.querySelector('#password').value = {json.dumps(password)};"
        "document.querySelector('form.oe_login_form').submit();"
    )
    time.sleep(1)
    browser.wait(
        "document.readyState === 'complete' "
        "&& !location.pathname.includes('/web/login')"
    )


def popup(browser, url, lang, path, numbers):
    browser.go(f"{url}/odoo/helpdesk-tickets")
    browser.wait(
        "document.querySelector('.o_list_view .o_data_row')", what="ticket list"
    )
    # The demo's tickets: those of its customers, or those numbered so.
    wanted = json.dumps(numbers or CUSTOMERS)
    selected = browser.evaluate(
        f"""(() => {{
            let count = 0;
            for (const row of document.querySelectorAll('.o_list_view .o_data_row')) {{
                if ({wanted}.some((name) => row.textContent.includes(name))) {{
                    row.querySelector('.o_list_record_selector input').click();
                    count++;
                }}
            }}
            return count;
        }})()"""
    )
    if not selected:
        raise RuntimeError("No demo ticket in the list (is it the demo database?)")
    time.sleep(0.5)
    label = json.dumps(BUTTON[lang])
    browser.evaluate(
        "[...document.querySelectorAll('.o_control_panel button')]"
        f".find((button) => button.textContent.trim() === {label}).click()"
    )
    browser.wait("document.querySelector('.modal .o_form_view')", what="pop-up")
    for option in ("group_by_partner", "group_work_lines"):
        browser.evaluate(
            "document.querySelector("
            f"'.modal .o_field_widget[name={option}] input').click()"
        )
        time.sleep(2)
    browser.shoot(".modal-content", path)
    browser.evaluate("document.querySelector('.modal-footer .btn-secondary').click()")
    time.sleep(0.5)


def ticket_screens(browser, url, lang, out, name):
    """The ticket list (its Billing State badges) and the Work Lines tab of
    the demo ticket with the most work lines, at the window's width."""
    browser.go(f"{url}/odoo/helpdesk-tickets")
    browser.wait(
        "document.querySelector('.o_list_view .o_data_row')", what="ticket list"
    )
    time.sleep(1)
    browser.shoot(".o_list_table", out / f"tickets_{name}_{lang[:2]}.png")
    tickets = rpc(
        browser,
        "helpdesk.ticket",
        "search_read",
        [[["work_line_ids", "!=", False]], ["work_line_ids"]],
    )
    ticket = max(tickets, key=lambda ticket: len(ticket["work_line_ids"]))
    browser.go(f"{url}/odoo/helpdesk-tickets/{ticket['id']}")
    browser.wait("document.querySelector('a[name=work_lines]')", what="ticket form")
    browser.evaluate("document.querySelector('a[name=work_lines]').click()")
    time.sleep(1)
    browser.shoot(".o_notebook", out / f"work_lines_{name}_{lang[:2]}.png")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="helpdesk_invoicing_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default="static/description", type=Path)
    parser.add_argument("--name", default="after", help="popup_<name>_<lang>.png")
    parser.add_argument(
        "--numbers",
        default="",
        help="comma-separated numbers of the tickets to select (default: the "
        "tickets of the demo's customers, where the list shows them)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # 1,400 px: the width a clerk's screen is checked at (issue 25).
    browser = Browser(1400, 1500)
    try:
        login(browser, args.url, args.db, args.login, args.password)
        uid = browser.evaluate(
            "fetch('/web/session/get_session_info', {method: 'POST', headers: "
            "{'Content-Type': 'application/json'}, body: '{}'})"
            ".then((reply) => reply.json()).then((reply) => reply.result.uid)"
        )
        [before] = rpc(browser, "res.users", "read", [[uid], ["lang"]])
        try:
            for lang in ("en_US", "it_IT"):
                rpc(browser, "res.users", "write", [[uid], {"lang": lang}])
                popup(
                    browser,
                    args.url,
                    lang,
                    args.out / f"popup_{args.name}_{lang[:2]}.png",
                    [number for number in args.numbers.split(",") if number],
                )
                ticket_screens(browser, args.url, lang, args.out, args.name)
        finally:
            rpc(browser, "res.users", "write", [[uid], {"lang": before["lang"]}])
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
