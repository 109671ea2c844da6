# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    helpdesk_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Helpdesk Service",
        domain=[("sale_ok", "=", True)],
        help="The service this technician's new work lines get: a senior and a "
        "junior engineer bill at their own rates (the service's price in the "
        "customer's pricelist). The technician can still choose another.",
    )
