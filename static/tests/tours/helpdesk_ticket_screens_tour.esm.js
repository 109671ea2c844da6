/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The billing clerk's screens, in the browser (issue 13). Run by
 * tests/test_screens_tour.py, which creates the tickets and checks the
 * invoices made.
 *
 * - helpdesk_mgmt_invoicing_preview_tour: the pop-up previews the invoices
 *   (rows per proposed invoice, "Group work lines" and "Group tickets by
 *   customer" change them), its totals are read and compared with the
 *   invoices made, a notification says what was made, and a reload shows
 *   the same invoices under the same breadcrumbs;
 * - helpdesk_mgmt_invoicing_new_work_tour: a ticket invoiced, then given one
 *   more hour: the pop-up bills that hour only, and so does the invoice;
 * - helpdesk_mgmt_invoicing_no_selection_tour: nothing selected, the pop-up
 *   says it proposes every ticket ready to invoice;
 * - helpdesk_mgmt_invoicing_locks_tour: billed work shows no delete control,
 *   and its locked cells say why on hover; a technician sees the price of
 *   work not billed read-only;
 * - helpdesk_mgmt_invoicing_billing_rules_tour: the billing rules (issue 10)
 *   in the pop-up's amount: a short on-site call raised to its minimum, work
 *   at no charge, a part, internal work left out.
 */

import {registry} from "@web/core/registry";
import {
    check,
    confirmPopup,
    draftInvoices,
    openPopup,
    selectTicket,
} from "./tour_helpers.esm";

const STORE = "helpdesk_mgmt_invoicing.tour";

/** An amount as the screen shows it ("$ 1,012.00", "1.012,00 €"), as a number. */
function amount(text) {
    const digits = text.replace(/[^\d.,-]/g, "");
    // The last separator before two digits is the decimal one.
    const normal = digits.replace(/[.,](?=\d{3}(\D|$))/g, "").replace(",", ".");
    return parseFloat(normal);
}

/** The text of the row of a table (under selector) that holds label. */
function rowText(selector, label) {
    const row = [...document.querySelectorAll(`${selector} tr`)].find(
        (tr) => tr.querySelector("label")?.textContent.trim() === label
    );
    if (!row) {
        throw new Error(`No row "${label}" in ${selector}`);
    }
    return row.textContent.trim();
}

function text(selector) {
    const element = document.querySelector(selector);
    if (!element) {
        throw new Error(`Nothing matches ${selector}`);
    }
    return element.textContent.trim();
}

function remember(values) {
    const stored = JSON.parse(sessionStorage.getItem(STORE) || "{}");
    sessionStorage.setItem(STORE, JSON.stringify({...stored, ...values}));
}

function recalled() {
    return JSON.parse(sessionStorage.getItem(STORE) || "{}");
}

const POPUP = ".modal .o_form_view";
const PROPOSALS = `${POPUP} .o_field_widget[name=preview_ids]`;

function proposal(customer, column, value) {
    return (
        `${PROPOSALS} .o_data_row:has(td[name=partner_id]:contains("${customer}"))` +
        ` td[name=${column}]:contains("${value}")`
    );
}

function breadcrumbs() {
    return [...document.querySelectorAll(".o_breadcrumb li, .o_breadcrumb .active")]
        .map((item) => item.textContent.trim())
        .filter(Boolean)
        .join(" / ");
}

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_preview_tour", {
    steps: () => [
        {
            content: "The ticket list shows each ticket's customer",
            trigger:
                ".o_list_view .o_data_row:contains('Tour: VPN drops') " +
                "td[name=commercial_partner_id]:contains('Bianchi Servizi S.p.A.')",
        },
        ...selectTicket("Tour: printer offline"),
        ...selectTicket("Tour: new workstation"),
        ...selectTicket("Tour: VPN drops"),
        openPopup("Click Generate Invoice Proposals, next to New"),
        {
            content: "One proposal per ticket: three, the printer's with 3 lines",
            trigger: `${PROPOSALS} .o_data_row:eq(2)`,
        },
        {
            trigger: proposal("Rossi Impianti S.r.l.", "line_count", "3"),
        },
        {
            content: "Totals below: 10.00 hours, untaxed, tax and total",
            trigger: `${POPUP} .o_field_widget[name=hours_total]:contains('10.00')`,
        },
        {
            trigger: `${POPUP} .o_field_widget[name=amount_untaxed]:contains('650.00')`,
        },
        {
            trigger: `${POPUP} .o_field_widget[name=amount_tax]:contains('97.50')`,
        },
        {
            trigger: `${POPUP} .o_field_widget[name=amount_total]:contains('747.50')`,
        },
        {
            content: "The amounts say whether they are taxed",
            trigger: `${POPUP} label:contains('Untaxed Amount')`,
        },
        {
            trigger: `${POPUP} label:contains('Total with Tax')`,
        },
        {
            content: "Tick Group work lines",
            trigger: `${POPUP} .o_field_widget[name=group_work_lines] input`,
            run: "click",
        },
        {
            content: "The printer's two support sessions become one line",
            trigger: proposal("Rossi Impianti S.r.l.", "line_count", "2"),
        },
        {
            trigger: `${PROPOSALS}:not(:has(td[name=line_count]:contains('3')))`,
        },
        {
            content: "Tick Group tickets by customer",
            trigger: `${POPUP} .o_field_widget[name=group_by_partner] input`,
            run: "click",
        },
        {
            content: "Two proposals now, one per customer: the invoices to be made",
            trigger: `${PROPOSALS}:not(:has(.o_data_row:eq(2)))`,
        },
        {
            trigger: proposal("Rossi Impianti S.r.l.", "line_count", "3"),
        },
        {
            trigger: proposal("Bianchi Servizi S.p.A.", "line_count", "1"),
        },
        {
            content: "Read the totals on screen",
            trigger: `${POPUP} .o_field_widget[name=invoice_count]:contains('2')`,
            run() {
                remember({
                    untaxed: amount(
                        text(`${POPUP} .o_field_widget[name=amount_untaxed]`)
                    ),
                    total: amount(text(`${POPUP} .o_field_widget[name=amount_total]`)),
                });
            },
        },
        confirmPopup(),
        {
            content: "A notification says what was made",
            trigger:
                ".o_notification:contains('2 draft invoices made for: Bianchi " +
                "Servizi S.p.A., Rossi Impianti S.r.l.')",
        },
        ...draftInvoices("The two draft invoices are shown, and only them", [
            "Rossi Impianti S.r.l.",
            "Bianchi Servizi S.p.A.",
        ]),
        {
            content: "Show the Total column of the invoice list",
            trigger: ".o_list_view .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            trigger:
                ".o-dropdown--menu .dropdown-item:contains('Total') input[type=checkbox]",
            run: "click",
        },
        {
            content: "Their totals are those of the pop-up",
            trigger: ".o_list_view tfoot td:contains('747.50')",
            run() {
                const seen = recalled();
                const footer = [...document.querySelectorAll(".o_list_view tfoot td")]
                    .map((cell) => cell.textContent.trim())
                    .filter(Boolean)
                    .map(amount);
                check(
                    footer.includes(seen.untaxed) && footer.includes(seen.total),
                    `The pop-up said ${seen.untaxed} untaxed and ${seen.total} ` +
                        `in total, the invoices sum to ${footer}`
                );
            },
        },
        {
            content: "The address names the invoices, not the pop-up's record",
            trigger: ".o_breadcrumb:contains('Invoices')",
            run() {
                const path = window.location.pathname;
                check(
                    path.endsWith("/helpdesk-tickets/account.move"),
                    `Unexpected address ${path}`
                );
                remember({breadcrumbs: breadcrumbs(), path});
                window.location.reload();
            },
        },
        ...draftInvoices("After the reload: the same two invoices", [
            "Rossi Impianti S.r.l.",
            "Bianchi Servizi S.p.A.",
        ]),
        {
            content: "under the same breadcrumbs, at the same address",
            trigger: ".o_breadcrumb:contains('Invoices')",
            run() {
                const seen = recalled();
                check(
                    breadcrumbs() === seen.breadcrumbs,
                    `Breadcrumbs ${breadcrumbs()} after the reload, ${seen.breadcrumbs} before`
                );
                check(
                    window.location.pathname === seen.path,
                    `Address ${window.location.pathname} after, ${seen.path} before`
                );
                sessionStorage.removeItem(STORE);
            },
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_new_work_tour", {
    steps: () => [
        ...selectTicket("Tour: one more hour"),
        openPopup(),
        {
            content: "One proposal: the new hour only, not the hours billed before",
            trigger: proposal("Rossi Impianti S.r.l.", "hours", "1.00"),
        },
        {
            trigger: proposal("Rossi Impianti S.r.l.", "amount_untaxed", "50.00"),
        },
        {
            trigger: `${POPUP} .o_field_widget[name=amount_total]:contains('57.50')`,
            run() {
                remember({
                    total: amount(text(`${POPUP} .o_field_widget[name=amount_total]`)),
                });
            },
        },
        confirmPopup(),
        {
            content: "The notification, then the invoice's form",
            trigger:
                ".o_notification:contains('1 draft invoice made for: Rossi Impianti S.r.l.')",
        },

        {
            content: "The invoice bills 1.00 hour, for the total the pop-up said",
            trigger:
                ".o_form_view .o_field_widget[name=invoice_line_ids] " +
                ".o_data_row td[name=quantity]:contains('1.00')",
            run() {
                const seen = recalled();
                const total = amount(
                    rowText(".o_form_view .o_field_widget[name=tax_totals]", "Total")
                );
                check(
                    total === seen.total,
                    `Invoice total ${total}, pop-up ${seen.total}`
                );
                check(
                    /\/helpdesk-tickets\/account\.move\/\d+$/.test(
                        window.location.pathname
                    ),
                    `Unexpected address ${window.location.pathname}`
                );
                remember({breadcrumbs: breadcrumbs(), path: window.location.pathname});
                window.location.reload();
            },
        },
        {
            content: "After the reload: the same invoice, the same breadcrumbs",
            trigger:
                ".o_form_view .o_field_widget[name=invoice_line_ids] " +
                ".o_data_row td[name=quantity]:contains('1.00')",
            run() {
                const seen = recalled();
                check(
                    window.location.pathname === seen.path,
                    `Address ${window.location.pathname} after, ${seen.path} before`
                );
                check(
                    breadcrumbs() === seen.breadcrumbs,
                    `Breadcrumbs ${breadcrumbs()} after the reload, ${seen.breadcrumbs} before`
                );
                sessionStorage.removeItem(STORE);
            },
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_no_selection_tour", {
    steps: () => [
        openPopup("Nothing selected: click Generate Invoice Proposals"),
        {
            content: "The pop-up says what it works on",
            trigger:
                `${POPUP} .alert:contains('No ticket selected: all 2 tickets ready ` +
                `to invoice in company_1_data.')`,
        },
        {
            trigger: `${PROPOSALS} .o_data_row:eq(1)`,
        },
        {
            content: "Close it",
            trigger: ".modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_locks_tour", {
    steps: () => [
        {
            content: "Open the Work Lines tab",
            trigger: ".o_notebook .nav-link:contains('Work Lines')",
            run: "click",
        },
        {
            content: "The billed line: a lock instead of the trash icon",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work') " +
                ".o_helpdesk_billed_lock",
        },
        {
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work')" +
                ":not(:has(.o_list_record_remove button))",
        },
        {
            content: "its locked cells say why on hover, naming the invoice",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work') " +
                "td[name=quantity][data-tooltip*='is billed on draft invoice of']",
        },
        {
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work') " +
                "td[name=quantity].o_readonly_modifier",
        },
        {
            content: "its description stays editable, without the reason",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work') " +
                "td[name=name]:not(.o_readonly_modifier):not([data-tooltip*='is billed on'])",
        },
        {
            content: "Hours are decimal hours: 2.50, not 02:30",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('Billed work') " +
                "td[name=quantity]:contains('2.50')",
        },
        {
            content: "The technician sees the price of work not billed, read-only",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('New work') " +
                "td[name=price_unit].o_readonly_modifier:contains('50.00')",
        },
        {
            content: "The new line, not billed: it can be deleted",
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('New work') " +
                ".o_list_record_remove button",
        },
        {
            trigger:
                ".o_field_widget[name=work_line_ids] .o_data_row:contains('New work')" +
                ":not(:has(.o_helpdesk_billed_lock))",
        },
        {
            content: "Helpdesk > Work Lines",
            trigger: ".o_breadcrumb",
            run() {
                window.location.href =
                    "/odoo/action-helpdesk_mgmt_invoicing.helpdesk_ticket_work_line_action";
            },
        },
        {
            content: "Show all the work lines, billed ones too",
            trigger: ".o_searchview .o_facet_remove",
            run: "click",
        },
        {
            content: "Select the billed line",
            trigger:
                ".o_list_view .o_data_row:contains('Billed work') " +
                ".o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "No Delete for billed work",
            trigger: ".o-dropdown--menu:contains('Duplicate'):not(:contains('Delete'))",
        },
        {
            content: "Its locked cells say why on hover here too",
            trigger:
                ".o_list_view .o_data_row:contains('Billed work') " +
                "td[name=product_id][data-tooltip*='is billed on']",
        },
        {
            content: "Select the new line only",
            trigger:
                ".o_list_view .o_data_row:contains('Billed work') " +
                ".o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            trigger:
                ".o_list_view .o_data_row:contains('New work') " +
                ".o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            trigger: ".o_control_panel .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Delete is offered for work not billed",
            trigger: ".o-dropdown--menu:contains('Delete')",
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_billing_rules_tour", {
    steps: () => [
        ...selectTicket("Tour: billing rules"),
        openPopup(),
        {
            content:
                "Three lines: the on-site call, the work at no charge, the part " +
                "(not the internal work)",
            trigger: proposal("Bianchi Servizi S.p.A.", "line_count", "3"),
        },
        {
            content: "Hours: the call's minimum hour and the half hour at no charge",
            trigger: proposal("Bianchi Servizi S.p.A.", "hours", "1.50"),
        },
        {
            content: "Untaxed: 1.00 h x 80.00 + 0.00 + 120.00 for the part",
            trigger: proposal("Bianchi Servizi S.p.A.", "amount_untaxed", "200.00"),
        },
        {
            trigger: `${POPUP} .o_field_widget[name=amount_total]:contains('230.00')`,
        },
        confirmPopup(),
        {
            trigger:
                ".o_notification:contains('1 draft invoice made for: Bianchi Servizi S.p.A.')",
        },
        {
            content: "The invoice opens, with the part among its lines",
            trigger:
                ".o_form_view .o_field_widget[name=invoice_line_ids] " +
                ".o_data_row:contains('Replacement disk')",
        },
    ],
});
