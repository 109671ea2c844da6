#!/usr/bin/env bash
# Serve Odoo with the add-on and its demo data on http://localhost:8069.
#   HDI_DEMO_DB  database name (default: helpdesk_invoicing_demo)
#   HDI_PORT     HTTP port     (default: 8069)
# queue_job is loaded server-wide with its job runner (two jobs at a time),
# so that background invoicing runs really run. One process, threads: the
# browser's websocket (the end-of-run notification) needs no proxy. See the
# README for a production set-up (workers, channels, a second server).
source "$(dirname "$0")/common.sh"
hdi_setup
db="${HDI_DEMO_DB:-helpdesk_invoicing_demo}"
port="${HDI_PORT:-8069}"
conf="$HDI_WORK/odoo-run.conf"
hdi_config "$conf" "$port"
# The demo's customers are Italian: Italian is loaded (its terms for every
# module) next to English when the database is created, or later if it is
# missing, so that their invoices come out in Italian and a user can switch
# the screens to it. English first: it stays the database's default language.
italian=(--load-language=en_US,it_IT)
if psql -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    if psql -d "$db" -tAc "select 1 from res_lang where code = 'it_IT' and active" | grep -q 1; then
        italian=()
    fi
    hdi_log "Updating $HDI_MODULE in the demo database '$db'"
    # --i18n-overwrite: the add-on's terms as i18n/ has them now, changed
    # ones included.
    hdi_odoo -c "$conf" -d "$db" -u "$HDI_MODULE" "${italian[@]}" --i18n-overwrite \
        --stop-after-init --log-level=warn
else
    hdi_log "Creating the demo database '$db' with $HDI_MODULE, its demo data and Italian"
    hdi_odoo -c "$conf" -d "$db" -i "$HDI_MODULE" "${italian[@]}" --stop-after-init --log-level=warn
fi
echo
echo "Odoo is starting on http://localhost:$port  (database '$db'; log in as admin / admin). Ctrl-C stops it."
echo
export ODOO_QUEUE_JOB_CHANNELS="${ODOO_QUEUE_JOB_CHANNELS:-root:2,root.helpdesk_invoicing:2}"
exec "$HDI_VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$db" --db-filter="^$db\$" --log-level=warn \
    --load=base,web,queue_job --workers=0
