# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Printing the intervention reports of many tickets: one wkhtmltopdf run per
batch of tickets, cut back into one PDF per ticket.

The one place for this infrastructure workaround. Each wkhtmltopdf process
costs the same fixed time whatever it prints (Qt's start, the stylesheet
fetched from the server), which one process per ticket paid once per ticket
of a month-end run (the figures are in benchmarks/RESULTS.md, "Documents").
So the reports of a batch of tickets are printed by one
process, and the PDF is cut where each ticket's report begins:

- Debian's wkhtmltopdf (the one ``make run`` and ``make test`` install) is
  built on an unpatched Qt and refuses more than one input document ("does
  not support more than one input document", exit code 1 and an empty PDF):
  the batch's reports are joined into one HTML document, each after a page
  break. That build ignores headers and footers, so no text depends on the
  document a page belongs to.
- Builds with a patched Qt (Odoo's recommended 0.12.6.1) take one input
  document per ticket, as Odoo gives them: each report keeps its own header,
  footer and page numbers.

Each report starts with an invisible link to an address of its own
(``CUT_MARK``); wkhtmltopdf writes it as a link annotation on the page where
the report begins, whatever the build, and the cut reads it back with pypdf
(then removes it). Cutting by page count or by the PDF's outline would not
do: the page count of each report is unknown before it is printed, and
unpatched builds write no outline.
"""

import functools
import io
import logging
import subprocess
from collections import OrderedDict

import lxml.html
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, NameObject

from odoo import api, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .helpdesk_ticket_invoice_run import positive_int_parameter

_logger = logging.getLogger(__name__)

INTERVENTION_REPORT = "helpdesk_mgmt_invoicing.report_intervention"
# Address of the invisible link that marks where a ticket's report begins;
# ".invalid" is a name that never resolves (RFC 2606).
CUT_MARK = "https://helpdesk-report-cut.invalid/"
# Tickets per wkhtmltopdf run: one run for a month-end job of 100 tickets
# (helpdesk_mgmt_invoicing.job_size), within Odoo's limit_memory_soft even for
# tickets of 200 work lines (the figures are in benchmarks/RESULTS.md,
# "Documents").
# System parameter helpdesk_mgmt_invoicing.report_batch_size.
DEFAULT_REPORT_BATCH_SIZE = 100


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


def mark_report_start(body, res_id, page_break=False):
    """The HTML page ``body`` with its report marked as starting here.

    The mark is an empty link of 1 pixel whose height is given back by its
    margin: the report's layout does not move.
    """
    root = lxml.html.fromstring(body)
    container = (
        root.xpath("//div[contains(concat(' ', @class, ' '), ' article ')]")
        or root.xpath("//body")
    )[0]
    style = "display: block; height: 1px; margin-bottom: -1px;"
    if page_break:
        style += " page-break-before: always;"
    mark = lxml.html.Element("a", href=f"{CUT_MARK}{res_id}", style=style)
    container.insert(0, mark)
    return root


def join_report_pages(roots):
    """One HTML document holding the bodies of these documents one after the
    other: the first document's head, then each one's body."""
    first = roots[0]
    body = first.find("body")
    for root in roots[1:]:
        for node in root.find("body"):
            body.append(node)
    return first


def to_html(root):
    # The doctype keeps wkhtmltopdf out of quirks mode, as Odoo's own pages.
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def cut_pdf_at_marks(pdf_content):
    """Cut a PDF where the marks of ``mark_report_start`` are.

    :return: ``{res_id: PDF content}``, the pages from the one holding the
        record's mark to the page before the next mark; the marks are
        removed from the pages
    """
    reader = PdfReader(io.BytesIO(pdf_content))
    starts = []
    for number, page in enumerate(reader.pages):
        annotations = page.get("/Annots")
        if not annotations:
            continue
        kept = ArrayObject()
        for reference in annotations:
            uri = reference.get_object().get("/A", {}).get("/URI", "")
            if isinstance(uri, str) and uri.startswith(CUT_MARK):
                res_id = int(uri[len(CUT_MARK) :])
                if not starts or starts[-1][0] != res_id:
                    starts.append((res_id, number))
            else:
                kept.append(reference)
        page[NameObject("/Annots")] = kept
    contents = {}
    for index, (res_id, first_page) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(reader.pages)
        writer = PdfWriter()
        for number in range(first_page, end):
            writer.add_page(reader.pages[number])
        stream = io.BytesIO()
        writer.write(stream)
        contents[res_id] = stream.getvalue()
    return contents


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report = self._get_report(report_ref)
        if (
            report.report_name != INTERVENTION_REPORT
            or not res_ids
            or len(set(res_ids)) != len(res_ids)
            or report.attachment
        ):
            # Only this add-on's report: how other modules' reports are
            # printed is not this add-on's business.
            return super()._render_qweb_pdf_prepare_streams(
                report_ref, data, res_ids=res_ids
            )
        tickets = self.env[report.model].browse(res_ids)
        try:
            if len(res_ids) == 1:
                # One ticket: printed as Odoo prints it.
                streams = super()._render_qweb_pdf_prepare_streams(
                    report_ref, data, res_ids=res_ids
                )
                # Odoo takes exit code 1 and an empty file for a PDF.
                PdfReader(streams[res_ids[0]]["stream"])
                return streams
            return self._render_intervention_report_batches(report_ref, data, res_ids)
        except (OSError, PyPdfError, ValueError) as exc:
            # No binary where Odoo found one, or a PDF that is empty or not a
            # PDF (a build that refused its input).
            _logger.warning("Intervention reports %s: %s", res_ids, exc)
            raise UserError(
                tickets._get_intervention_report_print_message(str(exc))
            ) from exc

    def _render_intervention_report_batches(self, report_ref, data, res_ids):
        """The intervention reports of these tickets, a batch of them
        (``_get_intervention_report_batch_size``) per wkhtmltopdf run.

        :return: the streams of ``_render_qweb_pdf_prepare_streams``
        """
        size = self._get_intervention_report_batch_size()
        streams = OrderedDict()
        for start in range(0, len(res_ids), size):
            batch = res_ids[start : start + size]
            contents = self._render_intervention_report_batch(report_ref, data, batch)
            for res_id in batch:
                streams[res_id] = {
                    "stream": io.BytesIO(contents[res_id]),
                    "attachment": None,
                }
        return streams

    @api.model
    def _get_intervention_report_batch_size(self):
        """How many intervention reports one wkhtmltopdf run prints, at most
        (a system parameter)."""
        return positive_int_parameter(
            self.env,
            "helpdesk_mgmt_invoicing.report_batch_size",
            DEFAULT_REPORT_BATCH_SIZE,
        )

    def _render_intervention_report_batch(self, report_ref, data, res_ids):
        """The intervention reports of these tickets, printed by one
        wkhtmltopdf run and cut ticket by ticket.

        :return: ``{ticket id: PDF content}``
        :raise UserError: naming the tickets, when wkhtmltopdf is missing or
            fails, or when its PDF cannot be cut ticket by ticket
        """
        report = self._get_report(report_ref)
        tickets = self.env[report.model].browse(res_ids)
        # As Odoo prints reports: debug mode off, so that wkhtmltopdf loads
        # one stylesheet bundle.
        data = dict(data or {}, report_type="pdf", debug=False)
        this = self.with_context(debug=False)
        html = this._render_qweb_html(report_ref, res_ids, data=data)[0]
        bodies, html_ids, header, footer, paperformat_args = report.with_context(
            debug=False
        )._prepare_html(html, report_model=report.model)
        if sorted(html_ids) != sorted(res_ids):
            raise UserError(tickets._get_intervention_report_split_message())
        one_document = wkhtmltopdf_prints_one_document_only()
        roots = [
            mark_report_start(body, res_id, page_break=one_document and index > 0)
            for index, (body, res_id) in enumerate(zip(bodies, html_ids, strict=True))
        ]
        if one_document:
            roots = [join_report_pages(roots)]
        try:
            pdf_content = this._run_wkhtmltopdf(
                [to_html(root) for root in roots],
                report_ref=report_ref,
                header=header,
                footer=footer,
                landscape=self.env.context.get("landscape"),
                specific_paperformat_args=paperformat_args,
                set_viewport_size=self.env.context.get("set_viewport_size"),
            )
        except UserError as exc:
            # wkhtmltopdf crashed: Odoo's message, with the tickets named.
            raise UserError(
                tickets._get_intervention_report_print_message(exc.args[0])
            ) from exc
        contents = cut_pdf_at_marks(pdf_content)
        if set(contents) != set(res_ids):
            raise UserError(tickets._get_intervention_report_split_message())
        return contents
