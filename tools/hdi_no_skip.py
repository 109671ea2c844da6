"""pytest plugin of the test command: a skipped test of the add-on fails;
``--hdi-quick`` leaves out the slow tests.

The slow tests are tagged ``hdi_slow`` (Odoo's ``tagged``, so that Odoo's
own runner can leave them out too: ``--test-tags=-hdi_slow``): the full
Hypothesis run, the job runner, the browser tours, the PDF, the wheel, the
databases with ``helpdesk_mgmt_timesheet`` and of the upgrade from the
previous version (``tests/test_migration.py``).

Odoo turns a browser that does not start, or a missing websocket-client, into a
skipped ``HttpCase`` test; pytest-odoo skips ``HttpCase`` tests without
``--odoo-http``. A test command that passes then proves nothing, so a skip is
reported as a failure unless the test says why it may skip, with a reason that
starts with ``allowed:`` (``self.skipTest("allowed: ...")``).
"""

import logging

import pytest

ALLOWED_PREFIX = "allowed:"
SLOW_TAG = "hdi_slow"


def pytest_addoption(parser):
    parser.addoption(
        "--hdi-quick",
        action="store_true",
        help=f"leave out the tests tagged {SLOW_TAG} (make test-quick)",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--hdi-quick"):
        return
    slow = [
        item
        for item in items
        if SLOW_TAG in getattr(getattr(item, "cls", None), "test_tags", ())
    ]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = (
        report.longrepr[2]
        if isinstance(report.longrepr, tuple)
        else str(report.longrepr)
    )
    if reason.removeprefix("Skipped: ").startswith(ALLOWED_PREFIX):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid} was skipped ({reason}); the test command treats a skip "
        f"as a failure unless the test's reason starts with '{ALLOWED_PREFIX}'"
    )


class _QuietTestFrameworkImport(logging.Filter):
    """Drop Odoo's "Importing test framework" error: pytest-odoo imports
    odoo.tests before it switches test mode on, module by module (switching it
    on for the whole run would make Odoo run every module's at_install tests
    while it loads the registry)."""

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_QuietTestFrameworkImport())
