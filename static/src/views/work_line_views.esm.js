/* Copyright 2026 helpdesk_mgmt_invoicing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */

/*
 * Billed work lines, in every view: no delete control, and the reason their
 * service, date, hours and price are locked on hover. A work line is billed
 * when its billing_lock_reason (computed on the server) is set; the views
 * that use these classes carry that field.
 *
 * - the Work Lines tab of a ticket (widget="helpdesk_work_line_one2many"):
 *   a lock in place of the trash icon of billed rows;
 * - the work lines list (js_class="helpdesk_work_line_list") and form
 *   (js_class="helpdesk_work_line_form"): no Delete in the Actions menu
 *   while a billed line is selected or shown.
 *
 * In both lists, hovering a locked cell of a billed row shows the reason.
 */

import {FormController} from "@web/views/form/form_controller";
import {ListController} from "@web/views/list/list_controller";
import {ListRenderer} from "@web/views/list/list_renderer";
import {X2ManyField, x2ManyField} from "@web/views/fields/x2many/x2many_field";
import {formView} from "@web/views/form/form_view";
import {listView} from "@web/views/list/list_view";
import {registry} from "@web/core/registry";

function billingLockReason(record) {
    return record.data.billing_lock_reason || false;
}

export class WorkLineListRenderer extends ListRenderer {
    static recordRowTemplate = "helpdesk_mgmt_invoicing.WorkLineListRenderer.RecordRow";

    isBilled(record) {
        return Boolean(billingLockReason(record));
    }

    getCellTitle(column, record) {
        if (this.isBilled(record) && this.isCellReadonly(column, record)) {
            return billingLockReason(record);
        }
        return super.getCellTitle(column, record);
    }
}

export class WorkLineOne2Many extends X2ManyField {
    static components = {
        ...X2ManyField.components,
        ListRenderer: WorkLineListRenderer,
    };
}

export const workLineOne2Many = {
    ...x2ManyField,
    component: WorkLineOne2Many,
    additionalClasses: [...(x2ManyField.additionalClasses || []), "o_field_one2many"],
};

/**
 * The Actions menu's items, its Delete offered only while none of the
 * records is billed work.
 */
function withoutDeleteOfBilledWork(items, records) {
    const isAvailable = items.delete.isAvailable;
    items.delete = {
        ...items.delete,
        isAvailable: () =>
            isAvailable() && !records().some((record) => billingLockReason(record)),
    };
    return items;
}

export class WorkLineListController extends ListController {
    getStaticActionMenuItems() {
        return withoutDeleteOfBilledWork(
            super.getStaticActionMenuItems(),
            () => this.model.root.selection
        );
    }
}

export class WorkLineFormController extends FormController {
    getStaticActionMenuItems() {
        return withoutDeleteOfBilledWork(super.getStaticActionMenuItems(), () => [
            this.model.root,
        ]);
    }
}

registry.category("fields").add("helpdesk_work_line_one2many", workLineOne2Many);
registry.category("views").add("helpdesk_work_line_list", {
    ...listView,
    Controller: WorkLineListController,
    Renderer: WorkLineListRenderer,
});
registry.category("views").add("helpdesk_work_line_form", {
    ...formView,
    Controller: WorkLineFormController,
});
