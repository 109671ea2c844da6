# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

# States in which a job will never invoice the tickets it still holds.
ENDED_BY_HAND = ("cancelled", "done")


class QueueJob(models.Model):
    _inherit = "queue.job"

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") in ENDED_BY_HAND:
            self._release_helpdesk_tickets()
        return res

    def unlink(self):
        self._release_helpdesk_tickets()
        return super().unlink()

    def _release_helpdesk_tickets(self):
        """Release the tickets that these jobs, cancelled, set done or deleted
        before they invoiced them, still hold (a job that fails for good
        releases its own through ``_on_invoice_batch_failed``)."""
        # sudo: the run's lines are its own record; releasing only marks the
        # tickets that were not invoiced as failed, with the reason.
        lines = (
            self.env["helpdesk.ticket.invoice.run.line"]
            .sudo()
            .search([("queue_job_id", "in", self.ids), ("state", "=", "pending")])
        )
        for job, job_lines in lines.grouped("queue_job_id").items():
            if job.state == "cancelled":
                reason = self.env._(
                    "its job was cancelled (%(result)s)",
                    result=job.result or job.state,
                )
            elif job.state == "done":
                reason = self.env._(
                    "its job was set to done by hand before it invoiced them"
                )
            else:
                reason = self.env._("its job was deleted before it invoiced them")
            job_lines._release(reason)
