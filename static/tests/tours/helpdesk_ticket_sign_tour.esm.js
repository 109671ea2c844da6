/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The customer's side, in the browser. Run by tests/test_sign_tour.py, which
 * creates the ticket and checks on the server what was signed.
 *
 * helpdesk_mgmt_invoicing_portal_sign_tour: the portal user opens the
 * ticket, sees its work (not the internal work), signs in portal's signature
 * dialog and downloads the signed report.
 *
 * helpdesk_mgmt_invoicing_sign_report_tour: in the back office, the
 * technician clicks Sign Report and the customer signs on the tablet.
 */

import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_portal_sign_tour", {
    steps: () => [
        {
            content: "The ticket's work is shown",
            trigger: "#helpdesk_work:contains('Replaced the toner')",
        },
        {
            content: "without the internal work",
            trigger: "#helpdesk_work:not(:contains('Rebuilt our own test bench'))",
        },
        {
            content: "Open the signature dialog",
            trigger: "a.o_hdi_portal_sign",
            run: "click",
        },
        {
            content: "Type the name",
            trigger: ".modal .o_web_sign_name_and_signature input",
            run: "edit Mario Rossi",
        },
        {
            content: "Draw the signature",
            trigger: ".modal .o_web_sign_draw_button",
            run: "click",
        },
        {
            content: "A stroke on the signature pad",
            trigger: ".modal canvas.o_web_sign_signature",
            run() {
                const canvas = this.anchor;
                const rect = canvas.getBoundingClientRect();
                const at = (x, y) => ({
                    bubbles: true,
                    clientX: rect.left + x,
                    clientY: rect.top + y,
                    pointerId: 1,
                    isPrimary: true,
                    pressure: 0.5,
                    pointerType: "mouse",
                    buttons: 1,
                });
                canvas.dispatchEvent(new PointerEvent("pointerdown", at(20, 30)));
                for (let x = 20; x < 200; x += 10) {
                    canvas.dispatchEvent(
                        new PointerEvent("pointermove", at(x, 30 + (x % 30)))
                    );
                }
                canvas.dispatchEvent(new PointerEvent("pointerup", at(200, 40)));
            },
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The page says who signed",
            trigger: ".o_hdi_signed:contains('Signed by Mario Rossi')",
        },
        {
            content: "Download the signed report",
            trigger: "a.o_hdi_portal_report",
            async run() {
                const response = await fetch(this.anchor.getAttribute("href"));
                const text = await response.text();
                if (!response.ok || !text.includes("Mario Rossi")) {
                    throw new Error("The signed report was not downloaded");
                }
                document.body.classList.add("o_hdi_report_downloaded");
            },
        },
        {
            content: "The signed report is downloaded",
            trigger: "body.o_hdi_report_downloaded",
        },
    ],
});

registry.category("web_tour.tours").add("helpdesk_mgmt_invoicing_sign_report_tour", {
    steps: () => [
        {
            content: "The ticket's form is open",
            trigger: ".o_form_view .o_breadcrumb:contains('Tour: sign on the tablet')",
        },
        {
            content: "Sign Report",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_sign_intervention_report']",
            run: "click",
        },
        {
            content: "The customer's name is proposed",
            trigger: ".modal div[name='name'] input",
            run: "edit Mario Rossi",
        },
        {
            content: "Open the signature dialog",
            trigger: ".modal .o_signature_empty",
            run: "click",
        },
        {
            content: "Adopt the signature",
            trigger: ".modal .btn-primary:contains('Adopt & Sign'):enabled",
            run: "click",
        },
        {
            content: "The signature is in the pop-up",
            trigger: ".modal img.o_signature",
        },
        {
            content: "Sign",
            trigger: ".modal footer button[name='action_sign']",
            run: "click",
        },
        {
            content: "The report is signed",
            trigger:
                ".o_form_view div[name='intervention_signed_by']:contains('Mario Rossi')",
        },
    ],
});
