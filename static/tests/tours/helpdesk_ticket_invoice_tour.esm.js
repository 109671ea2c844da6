/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The billing clerk's path, as the user documentation tells it: in the ticket
 * list, select closed tickets of two customers, click "Generate Invoice
 * Proposals", tick "Group tickets by customer", confirm, and land on the two
 * draft invoices. Run by tests/test_tour.py, which creates the tickets.
 */

import {registry} from "@web/core/registry";
import {confirmPopup, draftInvoices, openPopup, selectTicket} from "./tour_helpers.esm";

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_tour", {
    steps: () => [
        {
            content: "The ticket list is open, with the tickets of the test",
            trigger: ".o_list_view .o_data_row:contains('Tour: still open')",
        },
        ...selectTicket("Tour: printer offline"),
        ...selectTicket("Tour: new workstation"),
        ...selectTicket("Tour: VPN drops"),
        openPopup("Click Generate Invoice Proposals, next to New"),
        {
            content: "The pop-up proposes three tickets of two customers",
            trigger:
                ".modal .o_field_widget[name=invoiceable_ticket_count]:contains('3')",
        },
        {
            trigger: ".modal .o_field_widget[name=customer_count]:contains('2')",
        },
        {
            content: "Tick Group tickets by customer",
            trigger: ".modal .o_field_widget[name=group_by_partner] input",
            run: "click",
        },
        {
            content: "Two invoice proposals now, one per customer",
            trigger: ".modal .o_field_widget[name=invoice_count]:contains('2')",
        },
        confirmPopup(),
        ...draftInvoices("The two draft invoices are shown, and only them", [
            "Rossi Impianti S.r.l.",
            "Bianchi Servizi S.p.A.",
        ]),
    ],
});
