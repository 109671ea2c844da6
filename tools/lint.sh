#!/usr/bin/env bash
# The linters of the test command: the hooks of .pre-commit-config.yaml (the
# OCA 18.0 ones: ruff check and format, pylint-odoo with the OCA rules,
# prettier for XML, the pre-commit-hooks basics, OCA's module and .po checks,
# whool's pyproject.toml, README.rst from readme/).
# They run on a copy of the checkout's files (those git tracks or would track),
# in a folder named after the add-on, so that pylint-odoo sees its technical
# name and the hooks that fix files never rewrite yours: what they would
# change is printed as a diff, and fails.
source "$(dirname "$0")/common.sh"
[ -x "$HDI_VENV/bin/pre-commit" ] || hdi_venv
hdi_apt nodejs node
hdi_apt npm npm
mkdir -p "$HDI_WORK"
scratch="$(mktemp -d "$HDI_WORK/lint.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
copy="$scratch/$HDI_MODULE"
mkdir "$copy"
cd "$HDI_REPO"
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -xf - -C "$copy"
cd "$copy"
git init -q && git add -A
# pre-commit keeps prettier's npm environment there, across runs.
export PRE_COMMIT_HOME="$HDI_STATE_DIR/pre-commit"
export PATH="$HDI_VENV/bin:$PATH" PYTHONPATH="$ODOO_SRC"
status=0
pre-commit run --all-files --show-diff-on-failure --color=never || status=1
[ $status = 0 ] && echo "linters: all clean" || echo "linters: FAILED"
exit $status
