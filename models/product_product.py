# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _get_helpdesk_invoicing_issues(self):
        """Why each of these services cannot be billed from a ticket.

        Checked in the current company, whose accounts the invoice would use.

        :return: ``{product: reason}`` for the products that cannot be billed
        """
        issues = {}
        for product in self.with_context(active_test=False):
            name = product.display_name
            if not product.active:
                issues[product] = self.env._(
                    "the service %(product)s is archived: restore it or choose "
                    "another service.",
                    product=name,
                )
            elif product.type != "service" or not product.sale_ok:
                issues[product] = self.env._(
                    "%(product)s is not a service that can be sold: tick "
                    "'Sales' on a service product, or choose another one.",
                    product=name,
                )
            elif not product._get_product_accounts()["income"]:
                issues[product] = self.env._(
                    "the service %(product)s has no income account in company "
                    "%(company)s: set one on the product or its category.",
                    product=name,
                    company=self.env.company.display_name,
                )
        return issues
