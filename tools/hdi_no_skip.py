"""pytest plugin of the test command: a skipped test of the add-on fails.

Odoo turns a browser that does not start, or a missing websocket-client, into a
skipped ``HttpCase`` test; pytest-odoo skips ``HttpCase`` tests without
``--odoo-http``. A test command that passes then proves nothing, so a skip is
reported as a failure unless the test says why it may skip, with a reason that
starts with ``allowed:`` (``self.skipTest("allowed: ...")``).
"""

import pytest

ALLOWED_PREFIX = "allowed:"


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
