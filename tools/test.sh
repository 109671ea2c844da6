#!/usr/bin/env bash
# Run the add-on's tests in a fresh throwaway database, then the linters.
# Extra arguments go to pytest (for example: -k grouping, or a test file).
#   HDI_TEST_DB    database name (default: hdi_test_<checkout id>; dropped first)
#   HDI_TEST_PORT  HTTP port of the browser tests (default: 8169)
source "$(dirname "$0")/common.sh"
hdi_setup
hdi_browser
db="${HDI_TEST_DB:-hdi_test_$HDI_CHECKOUT_ID}"
conf="$HDI_WORK/odoo-test.conf"
hdi_config "$conf" "${HDI_TEST_PORT:-8169}"
log="$HDI_WORK/pytest-$db.log"


hdi_log "Fresh test database '$db' with $HDI_MODULE installed, without demo data"
dropdb --if-exists "$db"
rm -rf "$HDI_WORK/data/filestore/$db"
hdi_odoo -c "$conf" -d "$db" -i "$HDI_MODULE" --without-demo=all --stop-after-init --log-level=warn

hdi_log "Tests (pytest-odoo, with the HTTP server for browser tests)"
status=0
# Collected through the link, so that pytest-odoo imports them as
# odoo.addons.helpdesk_mgmt_invoicing.tests whatever the checkout is called.
# ODOO_QUEUE_JOB_CHANNELS=root:0: pytest-odoo's HTTP server runs no queue job
# runner; tests/test_job_runner.py starts an Odoo server that does.
(cd "$HDI_WORK/addons" && ODOO_QUEUE_JOB_CHANNELS=root:0 PYTHONPATH="$HDI_REPO/tools" "$HDI_VENV/bin/python" -m pytest \
    -p no:cacheprovider -p hdi_no_skip \
    --odoo-config="$conf" --odoo-database="$db" --odoo-http --odoo-log-level=warn \
    -o addopts="" -p no:warnings -rfEs "$@" "$HDI_MODULE/tests") 2>&1 | tee "$log" || status=1

hdi_log "Linters"
"$HDI_REPO/tools/lint.sh" || status=1

summary="$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$log" | tail -n 1 || true)"
echo
echo "${summary:-pytest printed no summary line}"
exit $status
