/** @odoo-module */
/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * Approval, then rates. The helpdesk manager (who also invoices) opens Work to
 * Approve, unfolds the technician's week, selects the two lines waiting and
 * approves them; then, in the ticket list, invoices the ticket and finds its
 * evening work on a line of its own, "After hours (× 1.5)". Run by
 * tests/test_rates_tour.py, which logs the work.
 */

import {registry} from "@web/core/registry";
import {check, confirmPopup, openPopup, selectTicket} from "./tour_helpers.esm";

const ROW = ".o_list_view .o_data_row";

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_approval_tour", {
    steps: () => [
        {
            content: "Work to Approve: the work grouped by technician",
            trigger: ".o_list_view .o_group_header:contains('Tour Technician')",
            run: "click",
        },
        {
            content: "Unfold the technician's week",
            trigger: ".o_list_view .o_group_header:contains('W50')",
            run: "click",
        },
        {
            content: "Select the server room's morning work",
            trigger: `${ROW}:contains('Tour: morning') .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "And its evening work",
            trigger: `${ROW}:contains('Tour: evening') .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Approve both",
            trigger: ".o_control_panel button:contains('Approve')",
            run: "click",
        },
        {
            content: "Approved: no longer waiting",
            trigger: `.o_list_view:not(:has(${ROW}:contains('Tour: evening')))`,
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_rates_tour", {
    steps: () => [
        ...selectTicket("Tour: server room"),
        openPopup(),
        {
            content: "The proposal bills the surcharge: 2 h at 50 + 1.5 h at 75",
            trigger: ".modal .o_field_widget[name=amount_untaxed]:contains('212.50')",
        },
        confirmPopup(),
        {
            content: "The draft invoice has the evening's line, at 1.5 times the price",
            trigger:
                ".o_form_view .o_field_widget[name=invoice_line_ids] " +
                ".o_data_row td[name=price_unit]:contains('75.00')",
            run() {
                // The label is in a text area: its value, not its text.
                const rows = document.querySelectorAll(
                    ".o_field_widget[name=invoice_line_ids] .o_data_row"
                );
                const texts = [...rows].map((row) =>
                    [
                        row.textContent,
                        ...[...row.querySelectorAll("textarea")].map(
                            (area) => area.value
                        ),
                    ].join(" ")
                );
                check(
                    texts.some(
                        (text) =>
                            text.includes("After hours (× 1.5)") &&
                            text.includes("75.00")
                    ),
                    `No after-hours line at 75.00 among: ${texts.join(" | ")}`
                );
            },
        },
    ],
});

/*
 * Prepaid hours. The customer bought a block of 10 hours (its invoice is
 * posted by tests/test_rates_tour.py): the clerk sees its hours left on the
 * customer's form, then invoices a ticket of 4 hours; the pop-up's proposal
 * shows them prepaid and costs nothing; the invoice covers them with the
 * block and ends with its recap; the customer has 6 hours left.
 */
registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_prepaid_tour", {
    steps: () => [
        {
            content: "The customer's form: 10 prepaid hours left",
            trigger:
                "button[name=action_view_helpdesk_prepaid_blocks]:contains('Prepaid Hours Left'):contains('10.00')",
        },
        {
            content: "Go to the tickets",
            trigger: "button[name=action_view_helpdesk_prepaid_blocks]",
            run() {
                window.location.href = "/odoo/helpdesk-tickets";
            },
        },
        ...selectTicket("Tour: prepaid printer"),
        openPopup(),
        {
            content: "The proposal: 4 hours, all prepaid",
            trigger:
                ".modal .o_data_row:contains('Rossi Impianti') td[name=hours_prepaid]:contains('4.00')",
        },
        {
            content: "Nothing to pay",
            trigger: ".modal .o_field_widget[name=amount_untaxed]:contains('0.00')",
        },
        confirmPopup(),
        {
            content: "The invoice covers the hours with the block and recaps it",
            trigger:
                ".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row td[name=quantity]:contains('4.00')",
            run() {
                const rows = document.querySelectorAll(
                    ".o_field_widget[name=invoice_line_ids] .o_data_row"
                );
                const text = [...rows]
                    .map((row) =>
                        [
                            row.textContent,
                            ...[...row.querySelectorAll("textarea")].map(
                                (area) => area.value
                            ),
                        ].join(" ")
                    )
                    .join(" | ");
                check(
                    text.includes("Covered by prepaid block PHB/"),
                    `No covered line: ${text}`
                );
                check(
                    text.includes(
                        "10.00 hours bought, 0.00 used before this invoice, 4.00 on it, 6.00 left."
                    ),
                    `No recap: ${text}`
                );
            },
        },
    ],
});
