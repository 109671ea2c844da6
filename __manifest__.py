# Copyright 2026 helpdesk_mgmt_invoicing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Helpdesk Ticket Invoicing",
    "summary": "Turn closed helpdesk tickets and their work lines "
    "into draft customer invoices",
    "version": "18.0.1.1.0",
    "category": "After-Sales",
    "website": "https://github.com/OCA/helpdesk",
    "author": "helpdesk_mgmt_invoicing contributors, Odoo Community Association (OCA)",
    "maintainers": [],
    "license": "AGPL-3",
    "development_status": "Beta",
    "depends": ["helpdesk_mgmt", "portal", "account", "queue_job"],
    "data": [
        "security/helpdesk_mgmt_invoicing_security.xml",
        "security/ir.model.access.csv",
        "data/helpdesk_ticket_invoice_run_data.xml",
        "data/queue_job_data.xml",
        "data/mail_activity_type_data.xml",
        "views/helpdesk_ticket_work_line_views.xml",
        "wizards/helpdesk_ticket_invoice_views.xml",
        "wizards/helpdesk_ticket_work_line_reject_views.xml",
        "wizards/helpdesk_ticket_dispute_resolve_views.xml",
        "wizards/helpdesk_ticket_sign_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/account_move_views.xml",
        "views/product_template_views.xml",
        "report/report_intervention.xml",
        "report/helpdesk_ticket_reports.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/helpdesk_ticket_invoice_run_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/helpdesk_ticket_portal_templates.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/product_product_demo.xml",
        "demo/product_pricelist_demo.xml",
        "demo/helpdesk_ticket_demo.xml",
        "demo/helpdesk_ticket_work_line_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "helpdesk_mgmt_invoicing/static/src/views/*",
        ],
        "web.assets_tests": [
            "helpdesk_mgmt_invoicing/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
