#!/usr/bin/env bash
# The linters of the test command: ruff (check and format), pylint-odoo with
# the OCA 18.0 rules, and well-formed XML.
source "$(dirname "$0")/common.sh"
[ -x "$HDI_VENV/bin/ruff" ] || hdi_venv
cd "$HDI_REPO"
status=0
mapfile -t py < <(git ls-files --cached --others --exclude-standard '*.py')
mapfile -t xml < <(git ls-files --cached --others --exclude-standard '*.xml')
echo "ruff check";  "$HDI_VENV/bin/ruff" check --no-fix --output-format=concise "${py[@]}" || status=1
echo "ruff format"; "$HDI_VENV/bin/ruff" format --check "${py[@]}" || status=1
echo "pylint-odoo"
# Run from the addons link so that the add-on is seen under its technical name.
mkdir -p "$HDI_WORK/addons" && ln -sfn "$HDI_REPO" "$HDI_WORK/addons/$HDI_MODULE"
(cd "$HDI_WORK/addons" && PYTHONPATH="$ODOO_SRC" "$HDI_VENV/bin/pylint" \
    --rcfile="$HDI_REPO/.pylintrc" "$HDI_MODULE") || status=1
echo "xml"
"$HDI_VENV/bin/python" - "${xml[@]}" <<'PY' || status=1
import sys
from lxml import etree
bad = 0
for path in sys.argv[1:]:
    try:
        etree.parse(path)
    except etree.XMLSyntaxError as exc:
        print(f"{path}: {exc}")
        bad += 1
print(f"{len(sys.argv) - 1} XML files, {bad} malformed")
sys.exit(1 if bad else 0)
PY
[ $status = 0 ] && echo "linters: all clean" || echo "linters: FAILED"
exit $status
