# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""queue_job's own test helpers, importable on every Odoo 18.0 build.

``odoo.addons.queue_job.tests.common`` registers its method patcher in
``odoo.tests.common.SETATTR_SOURCES`` (only to silence a warning), a name that
Odoo 18.0 gained after some of its builds, such as the one this project's
commands use. On those builds an empty registry stands in for it.
"""

from odoo.tests import common as odoo_test_common

if not hasattr(odoo_test_common, "SETATTR_SOURCES"):
    odoo_test_common.SETATTR_SOURCES = {}

# pylint: disable=wrong-import-position
from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

__all__ = ["trap_jobs"]
