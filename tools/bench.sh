#!/usr/bin/env bash
# Batch-invoicing benchmark (benchmarks/bench_invoicing.py), in one run on a
# database of its own: fresh, with this add-on and `sale` installed (sale only
# there, never in the test database), dropped at the end.
#   make bench                               N = 100, 500, 2000 (about 13 min)
#   make bench ARGS="--sizes 100,500"        the quick mode (about 4 min)
#   make bench ARGS="--profile 'ours:per customer:2000'"   cProfile one run
#   make bench ARGS="--popup"                the pop-up against confirming it
#                                            (benchmarks/bench_popup.py)
#   make bench ARGS="--background"        background runs on queue_job: N = 2000
#                   and 10000, one server with 1 then 2 job slots, two servers
#                   (benchmarks/bench_background.py; about 35 min)
#   make bench ARGS="--background --sizes 500 --setups 1x1,1x2"   a quick one
#   make bench ARGS="--documents"   intervention reports: one wkhtmltopdf run
#                   per ticket against batched at N = 10, 100, 500, a month-end
#                   run of 200 tickets with and without reports, the memory of
#                   a batch of 200-line reports (benchmarks/bench_documents.py;
#                   about 10 min)
# Other arguments go to the script (see --help). Environment:
#   HDI_BENCH_DB    database name (default: hdi_bench_<checkout id>, and
#                   hdi_bench_bg_<checkout id> in the background mode)
#   HDI_BENCH_KEEP  1: keep the database, and reuse it (and its data) next time
#   HDI_BENCH_PORT  first HTTP port of the Odoo servers it starts (default 8189;
#                   the background mode uses it and the next 11)
source "$(dirname "$0")/common.sh"
hdi_setup
script=bench_invoicing.py
if [ "${1:-}" = "--background" ]; then
    shift
    script=bench_background.py
    db="${HDI_BENCH_DB:-hdi_bench_bg_$HDI_CHECKOUT_ID}"
elif [ "${1:-}" = --documents ]; then
    # Intervention reports (benchmarks/bench_documents.py); it starts an Odoo
    # server on the port, for wkhtmltopdf to fetch the report's stylesheet.
    shift
    script=bench_documents.py
    set -- --port "${HDI_BENCH_PORT:-8189}" "$@"
elif [ "${1:-}" = --popup ]; then
    # The pop-up against confirming it (benchmarks/bench_popup.py).
    shift
    script=bench_popup.py
fi
db="${db:-${HDI_BENCH_DB:-hdi_bench_$HDI_CHECKOUT_ID}}"
case "$db" in
    hdi_bench*) ;;
    *) echo "error: HDI_BENCH_DB must start with hdi_bench (it is dropped)." >&2; exit 2 ;;
esac
conf="$HDI_WORK/odoo-bench.conf"
port="${HDI_BENCH_PORT:-8189}"
hdi_config "$conf" "$port"
keep="${HDI_BENCH_KEEP:-0}"

exists() { psql -d postgres -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; }
drop() { dropdb --if-exists "$db"; rm -rf "$HDI_WORK/data/filestore/$db"; }

start=$(date +%s)
if [ "$keep" = 1 ] && exists; then
    hdi_log "Reusing the benchmark database '$db' (HDI_BENCH_KEEP=1)"
else
    drop
    hdi_log "Fresh benchmark database '$db' with $HDI_MODULE and sale, without demo data"
    hdi_odoo -c "$conf" -d "$db" -i "$HDI_MODULE,sale" --without-demo=all \
        --stop-after-init --log-level=warn
fi
[ "$keep" = 1 ] || trap drop EXIT

hdi_log "Benchmark ($script)"
status=0
HDI_BENCH_PORT="$port" "$HDI_VENV/bin/python" "$HDI_REPO/benchmarks/$script" \
    -c "$conf" -d "$db" "$@" || status=$?
echo "Whole benchmark, database included: $(( $(date +%s) - start )) s"
exit $status
