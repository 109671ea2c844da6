# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Printing the intervention report with the wkhtmltopdf of Debian's package.

The one place for this infrastructure workaround. Debian's wkhtmltopdf (the
one ``make run`` and ``make test`` install) is built on an unpatched Qt and
refuses more than one input document: "does not support more than one input
document", exit code 1 and an empty PDF, which Odoo passes on as "Cannot read
an empty file" as soon as two records are printed at once. Builds with a
patched Qt (Odoo's recommended 0.12.6.1) take one document per record in one
run; with Debian's, the intervention reports of several tickets are rendered
one ticket per run (1.2 to 1.5 s a ticket on this project's busy 2-core
machine, stylesheet fetched from the server included) and put together as
Odoo puts together the documents of a patched run.
"""

import functools
import subprocess
from collections import OrderedDict

from odoo import models

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

INTERVENTION_REPORT = "helpdesk_mgmt_invoicing.report_intervention"


@functools.cache
def wkhtmltopdf_prints_one_document_only():
    """Whether the wkhtmltopdf found on the PATH is built on an unpatched Qt.

    Patched builds say "(with patched qt)" in their version; asked once per
    process, as Odoo asks for the version once when it starts.
    """
    try:
        binary = _get_wkhtmltopdf_bin()
        version = subprocess.run(
            [binary, "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError, TypeError):
        # No wkhtmltopdf: Odoo itself says so when it is asked for a PDF.
        return False
    return "patched qt" not in version.lower()


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report = self._get_report(report_ref)
        if (
            report.report_name != INTERVENTION_REPORT
            or not res_ids
            or len(set(res_ids)) != len(res_ids)
            or len(res_ids) == 1
            or not wkhtmltopdf_prints_one_document_only()
        ):
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        # Only this add-on's report: how other modules' reports are printed
        # is not this add-on's business.
        streams = OrderedDict()
        for res_id in res_ids:
            streams.update(
                super()._render_qweb_pdf_prepare_streams(
                    report_ref, dict(data or {}), res_ids=[res_id]
                )
            )
        return streams
