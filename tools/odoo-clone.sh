#!/usr/bin/env bash
# Clone upstream Odoo 18.0 (shallow) where the project's commands look for it.
# Needs network access to GitHub; the other commands never clone by themselves.
set -euo pipefail
dest="${ODOO_SRC:-$HOME/odoo-18.0}"
if [ -e "$dest" ]; then
    echo "error: $dest exists already; remove it or set ODOO_SRC to another folder." >&2
    exit 2
fi
git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$dest"
