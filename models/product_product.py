# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _get_helpdesk_invoicing_issues(self):
        """Why each of these products cannot be billed from a ticket.

        Checked in the current company, whose accounts the invoice would use.

        :return: ``{product: reason}`` for the products that cannot be billed
        """
        issues = {}
        company = self.env.company
        for product in self.with_context(active_test=False):
            reason = product._get_helpdesk_invoicing_issue(company)
            if reason:
                issues[product] = reason
        return issues

    def _get_helpdesk_invoicing_issue(self, company):
        """The reason this one product cannot be billed in ``company``, or
        ``False``."""
        self.ensure_one()
        product = self.display_name
        if not self.active:
            return self.env._(
                "the product %(product)s is archived: restore it or choose "
                "another one.",
                product=product,
            )
        if not self.sale_ok:
            return self.env._(
                "%(product)s cannot be sold: tick 'Sales' on the product, or "
                "choose another one.",
                product=product,
            )
        if self.company_id and self.company_id not in company.parent_ids:
            # Restricted to another company after the work was logged.
            return self.env._(
                "the product %(product)s belongs to company %(product_company)s "
                "only: share it with company %(company)s, or choose another "
                "one.",
                product=product,
                product_company=self.company_id.display_name,
                company=company.display_name,
            )
        income = self._get_product_accounts()["income"]
        if not income:
            return self.env._(
                "the product %(product)s has no income account in company "
                "%(company)s: set one on the product or its category.",
                product=product,
                company=company.display_name,
            )
        if income.deprecated:
            return self.env._(
                "the income account %(account)s of the product %(product)s is "
                "deprecated: set an active income account on the product or its "
                "category in company %(company)s.",
                account=income.display_name,
                product=product,
                company=company.display_name,
            )
        return False
