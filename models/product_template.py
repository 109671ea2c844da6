# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

ROUNDING_METHODS = {"up": "UP", "half_up": "HALF-UP", "down": "DOWN"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    helpdesk_time_rounding = fields.Float(
        string="Round Hours To",
        digits="Product Unit of Measure",
        help="The hours to invoice of a work line are rounded to a multiple of "
        "this many hours (0.25: quarter hours). 0: no rounding.",
    )
    helpdesk_time_rounding_method = fields.Selection(
        selection=[
            ("up", "Up"),
            ("half_up", "Half Up"),
            ("down", "Down"),
        ],
        string="Rounding Method",
        required=True,
        default="up",
    )
    helpdesk_minimum_hours = fields.Float(
        string="Minimum Hours",
        digits="Product Unit of Measure",
        help="The hours to invoice of a work line are at least this many (1.0 "
        "for an on-site call billed an hour at least). 0: no minimum.",
    )
    helpdesk_prepaid_hours = fields.Float(
        string="Prepaid Hours",
        digits="Product Unit of Measure",
        help="Each unit sold on a posted customer invoice makes a prepaid "
        "hours block of this many hours for the customer, which their "
        "tickets' work uses up before it is billed. 0: not a block.",
    )
    helpdesk_prepaid_validity_months = fields.Integer(
        string="Prepaid Hours Validity (Months)",
        help="The block sold is valid this many months from the invoice date; "
        "its remaining hours lapse after. 0: no end.",
    )

    helpdesk_after_hours_factor = fields.Float(
        string="After-Hours Factor",
        digits=(16, 2),
        help="Work outside the company's business hours (its working "
        "calendar) is billed at the price times this factor, on a line of its "
        "own (1.5: half as much again). 0: no surcharge.",
    )
    helpdesk_holiday_factor = fields.Float(
        string="Holiday Factor",
        digits=(16, 2),
        help="Work on a day without business hours (a weekend) or on a public "
        "holiday of the company's working calendar is billed at the price "
        "times this factor, on a line of its own (2: double). 0: no "
        "surcharge.",
    )

    @api.constrains("helpdesk_prepaid_hours", "helpdesk_prepaid_validity_months")
    def _check_helpdesk_prepaid_terms(self):
        for product in self:
            if (
                product.helpdesk_prepaid_hours < 0
                or product.helpdesk_prepaid_validity_months < 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(product)s: the prepaid hours and their validity "
                        "cannot be negative: enter 0 for a product that is not "
                        "a block, or a block with no end.",
                        product=product.display_name,
                    )
                )

    @api.constrains("helpdesk_after_hours_factor", "helpdesk_holiday_factor")
    def _check_helpdesk_rate_factors(self):
        for product in self:
            factors = (
                product.helpdesk_after_hours_factor,
                product.helpdesk_holiday_factor,
            )
            if any(factor and factor < 1 for factor in factors):
                raise ValidationError(
                    self.env._(
                        "%(product)s: an after-hours or holiday factor multiplies "
                        "the price and cannot be below 1 (1.5 bills half as much "
                        "again): enter 0 for no surcharge.",
                        product=product.display_name,
                    )
                )

    @api.constrains("helpdesk_time_rounding", "helpdesk_minimum_hours")
    def _check_helpdesk_time_rules(self):
        for product in self:
            if product.helpdesk_time_rounding < 0 or product.helpdesk_minimum_hours < 0:
                raise ValidationError(
                    self.env._(
                        "%(product)s: the hours to round to and the minimum hours "
                        "of helpdesk billing cannot be negative: enter 0 for none.",
                        product=product.display_name,
                    )
                )

    def _get_helpdesk_hours_to_invoice(self, hours):
        """The hours to invoice for ``hours`` worked: rounded as this service
        says, then raised to its minimum."""
        self.ensure_one()
        if self.helpdesk_time_rounding:
            hours = float_round(
                hours,
                precision_rounding=self.helpdesk_time_rounding,
                rounding_method=ROUNDING_METHODS[self.helpdesk_time_rounding_method],
            )
        return max(hours, self.helpdesk_minimum_hours)
