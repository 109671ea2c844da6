/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * The end of a background invoicing run, in the browser of whoever started
 * it (the server sends "helpdesk_mgmt_invoicing/run_end" when the last job
 * has committed, helpdesk.ticket.invoice.run._announce_end):
 *
 * - a notification that says what the run made, with a button that opens
 *   its invoices;
 * - the run's page (js_class="helpdesk_invoice_run_form"), when open, loads
 *   the run again: its state and counts are those of the end, not "Running".
 */

import {FormController} from "@web/views/form/form_controller";
import {_t} from "@web/core/l10n/translation";
import {formView} from "@web/views/form/form_view";
import {registry} from "@web/core/registry";
import {useBus} from "@web/core/utils/hooks";

const RUN_END = "helpdesk_mgmt_invoicing/run_end";
const RUN_MODEL = "helpdesk.ticket.invoice.run";

export const invoiceRunEndService = {
    dependencies: ["bus_service", "notification", "action"],
    start(env, {bus_service, notification, action}) {
        bus_service.subscribe(RUN_END, (payload) => {
            const buttons = [];
            if (payload.invoice_count) {
                buttons.push({
                    name: _t("Open the invoices"),
                    primary: true,
                    onClick: () =>
                        action.doActionButton({
                            type: "object",
                            name: "action_view_invoices",
                            resModel: RUN_MODEL,
                            resId: payload.run_id,
                        }),
                });
            }
            notification.add(payload.message, {
                title: payload.title,
                type: payload.type,
                sticky: payload.sticky,
                buttons,
            });
            env.bus.trigger("HELPDESK_INVOICE_RUN_END", {runId: payload.run_id});
        });
        bus_service.start();
    },
};

export class InvoiceRunFormController extends FormController {
    setup() {
        super.setup();
        useBus(this.env.bus, "HELPDESK_INVOICE_RUN_END", ({detail}) => {
            if (this.model.root.resId === detail.runId) {
                this.model.root.load();
            }
        });
    }
}

registry.category("services").add("helpdesk_invoice_run_end", invoiceRunEndService);
registry.category("views").add("helpdesk_invoice_run_form", {
    ...formView,
    Controller: InvoiceRunFormController,
});
