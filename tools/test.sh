#!/usr/bin/env bash
# Run the add-on's tests in a fresh throwaway database, then its Italian
# e-invoicing tests in a second one that also has Odoo's l10n_it and
# l10n_it_edi, then the linters.
# Extra arguments go to pytest, in both runs (for example: -k grouping).
# --quick (first argument; make test-quick): the edit-run loop: the first
# database only, without the tests tagged hdi_slow (the full Hypothesis run,
# the job runner, the browser tours, the PDF, the wheel, the databases with
# helpdesk_mgmt_timesheet and of the upgrade from the previous version) nor
# the linters.
#   HDI_TEST_DB    database name (default: hdi_test_<checkout id>; dropped
#                  first); the Italian one is named after it, with _l10n_it
#   HDI_TEST_PORT  HTTP port of the browser tests (default: 8169)
quick=0
if [ "${1:-}" = --quick ]; then
    quick=1
    shift
fi
source "$(dirname "$0")/common.sh"
hdi_setup
hdi_browser
db="${HDI_TEST_DB:-hdi_test_$HDI_CHECKOUT_ID}"
conf="$HDI_WORK/odoo-test.conf"
hdi_config "$conf" "${HDI_TEST_PORT:-8169}"
log="$HDI_WORK/pytest-$db.log"
db_it="${db}_l10n_it"
log_it="$HDI_WORK/pytest-$db_it.log"
# The tests that need Italy's e-invoicing. tests/__init__.py does not import
# them, so Odoo's own test runner never runs them on a database without it.
it_tests="test_l10n_it_*.py"

# hdi_fresh_db DB MODULES: a new database with MODULES installed, no demo data.
hdi_fresh_db() {
    dropdb --if-exists "$1"
    rm -rf "$HDI_WORK/data/filestore/$1"
    hdi_odoo -c "$conf" -d "$1" -i "$2" --without-demo=all --stop-after-init --log-level=warn
}

# hdi_pytest DB LOG PYTEST-ARGS...: the tests, with the HTTP server for browser
# tests; exit status 5 (no test selected) passes when the caller filtered.
# Collected through the link, so that pytest-odoo imports them as
# odoo.addons.helpdesk_mgmt_invoicing.tests whatever the checkout is called.
hdi_pytest() {
    local db="$1" log="$2" rc=0
    shift 2
    # ODOO_QUEUE_JOB_CHANNELS=root:0: pytest-odoo's HTTP server runs no queue
    # job runner; tests/test_job_runner.py starts an Odoo server that does.
    (cd "$HDI_WORK/addons" && ODOO_QUEUE_JOB_CHANNELS=root:0 PYTHONPATH="$HDI_REPO/tools" "$HDI_VENV/bin/python" -m pytest \
        -p no:cacheprovider -p hdi_no_skip \
        --odoo-config="$conf" --odoo-database="$db" --odoo-http --odoo-log-level=warn \
        -o addopts="" -p no:warnings -rfEs "$@") 2>&1 | tee "$log" || rc=$?
    [ "$rc" = 5 ] && [ "$filtered" = 1 ] && rc=0
    return "$rc"
}

filtered=0
[ $# -gt 0 ] && filtered=1
status=0

hdi_log "Fresh test database '$db' with $HDI_MODULE installed, without demo data"
hdi_fresh_db "$db" "$HDI_MODULE"

if [ "$quick" = 1 ]; then
    hdi_log "Quick tests: all but those tagged hdi_slow, no Italian database, no linters"
    hdi_pytest "$db" "$log" --hdi-quick --ignore-glob="*/tests/$it_tests" "$@" \
        "$HDI_MODULE/tests" || status=1
    exit $status
fi
# A copy of it, before any test connects, plus Italy's e-invoicing: the same
# modules as a fresh install of the three, in 25 seconds instead of 2 minutes.
hdi_log "Test database '$db_it': a copy of '$db' with l10n_it and l10n_it_edi"
dropdb --if-exists "$db_it"
createdb -T "$db" "$db_it"
rm -rf "$HDI_WORK/data/filestore/$db_it"
if [ -d "$HDI_WORK/data/filestore/$db" ]; then
    cp -a "$HDI_WORK/data/filestore/$db" "$HDI_WORK/data/filestore/$db_it"
fi
hdi_odoo -c "$conf" -d "$db_it" -i l10n_it,l10n_it_edi --without-demo=all --stop-after-init --log-level=warn

hdi_log "Tests (pytest-odoo, with the HTTP server for browser tests)"
hdi_pytest "$db" "$log" --ignore-glob="*/tests/$it_tests" "$@" "$HDI_MODULE/tests" || status=1

hdi_log "Italian e-invoicing tests ($it_tests)"
it_files=()
for file in "$HDI_WORK/addons/$HDI_MODULE"/tests/$it_tests; do
    [ -e "$file" ] && it_files+=("${file#"$HDI_WORK/addons/"}")
done
if [ ${#it_files[@]} = 0 ]; then
    echo "error: no Italian test file tests/$it_tests" | tee "$log_it"
    status=1
else
    hdi_pytest "$db_it" "$log_it" "$@" "${it_files[@]}" || status=1
fi

hdi_log "Linters"
"$HDI_REPO/tools/lint.sh" || status=1

# One summary line per database, then their sum (counted as pytest counts).
summary_of() {
    grep -E '(passed|failed|errors?|skipped|deselected|no tests ran).* in [0-9.]+s' "$1" | tail -n 1 || true
}
count_of() { # count_of SUMMARY WORD...: the sum of the numbers before WORDs
    local total=0 word n
    for word in "${@:2}"; do
        n="$(grep -oE "[0-9]+ $word\b" <<<"$1" | grep -oE '^[0-9]+' || true)"
        total=$((total + ${n:-0}))
    done
    echo "$total"
}
echo
passed=0
failed=0
for pair in "$db:$log" "$db_it:$log_it"; do
    line="$(summary_of "${pair#*:}")"
    echo "${pair%%:*}: ${line:-pytest printed no summary line}"
    [ -n "$line" ] || status=1
    passed=$((passed + $(count_of "$line" passed)))
    failed=$((failed + $(count_of "$line" failed error errors)))
done
echo "total: $passed passed, $failed failed"
exit $status
