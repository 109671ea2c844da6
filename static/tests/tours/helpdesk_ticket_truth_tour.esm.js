/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * What the screens say is so (issue 25). Run by tests/test_screens_tour.py:
 *
 * - helpdesk_mgmt_invoicing_run_start_tour: confirming the pop-up with "Run
 *   in background" opens the run at its own address, under its own
 *   breadcrumb (not the ticket list's), still running;
 * - helpdesk_mgmt_invoicing_run_end_tour: once its jobs have run, the run's
 *   page says Done, counts the tickets, and opens its invoices; an open
 *   ticket's badge says "To Invoice Once Closed"; Work Analysis opens on
 *   what is left to invoice, in the company's currency.
 */

import {registry} from "@web/core/registry";
import {check, confirmPopup, openPopup} from "./tour_helpers.esm";

const RUN_PATH = /^\/odoo\/helpdesk-invoicing-runs\/\d+$/;

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_run_start_tour", {
    steps: () => [
        {
            content: "Select every ticket",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_list_view thead .o_list_record_selector input:checked",
        },
        openPopup("Open the pop-up"),
        {
            content: "Run in background, written as the other options are",
            trigger: ".modal label:contains('Run in background')",
        },
        {
            trigger: ".modal .o_field_widget[name=run_in_background] input",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=run_in_background] input:checked",
        },
        {
            content: "Group tickets by customer: two invoices",
            trigger: ".modal .o_field_widget[name=group_by_partner] input",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=invoice_count]:contains('2')",
        },
        confirmPopup(),
        {
            content: "The run's page, running, says it will update itself",
            trigger:
                ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Running')",
        },
        {
            trigger: ".o_form_view .alert:contains('page updates when the run ends')",
            run() {
                const path = window.location.pathname;
                check(RUN_PATH.test(path), `The run's address is ${path}`);
                const crumbs = document.querySelector(".o_breadcrumb").textContent;
                check(!crumbs.includes("Tickets"), `Breadcrumbs: ${crumbs}`);
                // Gone with the reload: the next step waits for the new page.
                document.body.classList.add("o_hdi_before_reload");
                window.location.reload();
            },
        },
        {
            content: "Reloaded: the same run, at the same address",
            trigger:
                "body:not(.o_hdi_before_reload) .o_form_view " +
                ".o_statusbar_status .o_arrow_button_current:contains('Running')",
        },
        {
            trigger: ".o_form_view .alert:contains('page updates when the run ends')",
            run() {
                const path = window.location.pathname;
                check(RUN_PATH.test(path), `After a reload, the address is ${path}`);
                const crumbs = document.querySelector(".o_breadcrumb").textContent;
                check(!crumbs.includes("Tickets"), `Breadcrumbs: ${crumbs}`);
            },
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_run_end_tour", {
    steps: () => [
        {
            content: "The run ended: Done, every ticket counted",
            trigger:
                ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
        {
            trigger:
                ".o_form_view .o_field_widget[name=ticket_done_count]:contains('3')",
        },
        {
            trigger: ".o_form_view:not(:has(.alert:contains('page updates')))",
        },
        {
            content: "Its invoices, one click away",
            trigger: ".o_form_view .oe_stat_button:contains('Invoices'):contains('2')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Draft'):eq(1)",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:eq(2)))",
        },
        {
            content: "The open tickets' badge says what invoicing will do",
            trigger: ".o_main_navbar",
            run() {
                window.location.href = "/odoo/helpdesk-tickets";
            },
        },
        {
            trigger:
                ".o_list_view .o_data_row:contains('Tour: still open') " +
                "td[name=billing_state_detail]:contains('To Invoice Once Closed')",
        },
        {
            trigger:
                ".o_list_view .o_data_row:contains('Tour: printer offline') " +
                "td[name=billing_state_detail]:contains('Invoiced')",
        },
        {
            content: "Work Analysis opens on what is left to invoice",
            trigger: ".o_main_navbar",
            run() {
                window.location.href =
                    "/odoo/action-helpdesk_mgmt_invoicing.helpdesk_ticket_work_line_analysis_action";
            },
        },
        {
            trigger:
                ".o_pivot .o_pivot_measure_row:contains('Amount to Invoice in Company Currency (USD)')",
        },
        {
            trigger: ".o_pivot .o_pivot_measure_row:contains('Hours to Invoice')",
        },
        {
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('Bianchi Servizi')",
        },
    ],
});
