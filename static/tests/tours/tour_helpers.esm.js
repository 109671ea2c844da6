/** @odoo-module */
/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The steps and checks the add-on's tours share: select tickets in the ticket
 * list, open the pop-up, confirm it, find the draft invoices it made. Each
 * builder returns a step (or a list of steps) whose triggers are those the
 * tours wrote out before.
 */

/** Fail the tour with message unless condition holds. */
export function check(condition, message) {
    if (!condition) {
        throw new Error(message);
    }
}

/** Tick the row of the ticket named name in the ticket list, and wait for it. */
export function selectTicket(name) {
    const row = `.o_list_view .o_data_row:has(.o_data_cell[name=name]:contains("${name}"))`;
    return [
        {
            content: `Select the ticket "${name}"`,
            trigger: `${row} .o_list_record_selector input[type=checkbox]`,
            run: "click",
        },
        {
            trigger: `${row} .o_list_record_selector input[type=checkbox]:checked`,
        },
    ];
}

/** Click "Generate Invoice Proposals" in the ticket list. */
export function openPopup(content = "Click Generate Invoice Proposals") {
    return {
        content,
        trigger: ".o_control_panel button:contains('Generate Invoice Proposals')",
        run: "click",
    };
}

/** Confirm the pop-up: the invoices are made. */
export function confirmPopup() {
    return {
        content: "Confirm",
        trigger: ".modal-footer button[name=action_create_invoices]",
        run: "click",
    };
}

/**
 * The invoice list shows a draft invoice of each of customers, and no other
 * row.
 */
export function draftInvoices(content, customers) {
    const [first, ...others] = customers.map((customer) => ({
        trigger: `.o_list_view .o_data_row:contains('${customer}'):contains('Draft')`,
    }));
    return [
        {content, ...first},
        ...others,
        {trigger: `.o_list_view:not(:has(.o_data_row:eq(${customers.length})))`},
    ];
}
