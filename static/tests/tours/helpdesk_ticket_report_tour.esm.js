/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The technician prints a ticket's intervention report: on the ticket's form,
 * open the Actions menu (the cog), click "Intervention Report", and the
 * report's file is downloaded without an error. Run by
 * tests/test_report_tour.py, which creates the ticket and checks on the
 * server that the report was printed.
 */

import {download} from "@web/core/network/download";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_report_tour", {
    steps: () => [
        {
            content: "The ticket's form is open",
            trigger: ".o_form_view .o_breadcrumb:contains('Tour: printer report')",
            run() {
                // Mark the page once the browser has received the file.
                const original = download._download;
                download._download = async (options) => {
                    const result = await original(options);
                    document.body.classList.add("o_hdi_report_downloaded");
                    download._download = original;
                    return result;
                };
            },
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Print the intervention report",
            trigger: ".o-dropdown-item:contains('Intervention Report')",
            run: "click",
        },
        {
            content: "The report is downloaded",
            trigger: "body.o_hdi_report_downloaded",
        },
        {
            content: "without an error",
            trigger: "body:not(:has(.o_error_dialog))",
        },
    ],
});
