# shellcheck shell=bash
# Shared set-up for the project's commands (run.sh, test.sh, bench.sh).
# Source it; then call hdi_setup. Every path has a default that works on a
# bare machine with Python 3.11 and PostgreSQL 15 installed.
#
#   ODOO_SRC        Odoo 18.0 source tree     (default: $HOME/odoo-18.0)
#   HDI_STATE_DIR   venv, config, filestore   (default: $HOME/.cache/helpdesk_mgmt_invoicing)
#   HDI_PYTHON      interpreter for the venv  (default: python3.11)

set -euo pipefail

HDI_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
HDI_MODULE=helpdesk_mgmt_invoicing
HDI_ODOO_DEFAULT="$HOME/odoo-18.0"
ODOO_SRC="${ODOO_SRC:-$HDI_ODOO_DEFAULT}"
HDI_STATE_DIR="${HDI_STATE_DIR:-$HOME/.cache/helpdesk_mgmt_invoicing}"
HDI_PYTHON="${HDI_PYTHON:-python3.11}"
HDI_VENV="$HDI_STATE_DIR/venv"
# One work folder per checkout, so that two clones never share a link or a config.
HDI_CHECKOUT_ID="$(printf '%s' "$HDI_REPO" | sha1sum | cut -c1-10)"
HDI_WORK="$HDI_STATE_DIR/checkouts/$HDI_CHECKOUT_ID"

hdi_log() { printf '==> %s\n' "$*" >&2; }

hdi_check_odoo_src() {
    if [ ! -f "$ODOO_SRC/odoo/release.py" ] || [ ! -d "$ODOO_SRC/odoo/addons/base" ]; then
        echo "error: no Odoo 18.0 source tree at '$ODOO_SRC': set ODOO_SRC to one, or put one at the default folder $HDI_ODOO_DEFAULT (with network access: 'make odoo-clone' clones upstream Odoo 18.0 there)." >&2
        exit 2
    fi
    if ! grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py"; then
        echo "error: '$ODOO_SRC' is not Odoo 18.0 (see $ODOO_SRC/odoo/release.py); set ODOO_SRC to an Odoo 18.0 tree." >&2
        exit 2
    fi
}

# The addons folders of the Odoo tree. An upstream git clone keeps most add-ons
# in the top-level addons/; a packaged nightly keeps them all in odoo/addons and
# may ship a stale top-level addons/ that must never be used.
hdi_odoo_addons_path() {
    if [ -d "$ODOO_SRC/odoo/addons/account" ] && [ -d "$ODOO_SRC/odoo/addons/web" ]; then
        printf '%s' "$ODOO_SRC/odoo/addons"
    else
        printf '%s,%s' "$ODOO_SRC/addons" "$ODOO_SRC/odoo/addons"
    fi
}

hdi_venv() {
    local stamp_file="$HDI_VENV/.hdi-stamp" stamp
    stamp="$( (cat "$ODOO_SRC/requirements.txt" "$HDI_REPO/requirements-dev.txt"; echo "$ODOO_SRC") | sha1sum | cut -c1-16)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
        return 0
    fi
    hdi_log "Preparing the virtual environment in $HDI_VENV (a few minutes the first time)"
    mkdir -p "$HDI_STATE_DIR"
    [ -x "$HDI_VENV/bin/python" ] || "$HDI_PYTHON" -m venv "$HDI_VENV"
    # cbor2 and gevent build only with setuptools < 81; the constraint also
    # reaches pip's isolated build environments through PIP_CONSTRAINT.
    local constraints="$HDI_STATE_DIR/build-constraints.txt"
    echo 'setuptools<81' > "$constraints"
    local pip=("$HDI_VENV/bin/python" -m pip --quiet --disable-pip-version-check)
    PIP_CONSTRAINT="$constraints" "${pip[@]}" install 'setuptools<81' wheel
    # python-ldap is only for auth_ldap, which this project never installs, and
    # needs LDAP headers to build: leave it out.
    grep -vi '^python-ldap' "$ODOO_SRC/requirements.txt" > "$HDI_STATE_DIR/odoo-requirements.txt"
    PIP_CONSTRAINT="$constraints" "${pip[@]}" install -r "$HDI_STATE_DIR/odoo-requirements.txt"
    # compat mode: a plain editable install plus an OCA wheel would turn `odoo`
    # into an empty namespace package.
    PIP_CONSTRAINT="$constraints" "${pip[@]}" install --no-deps --no-build-isolation \
        --config-settings editable_mode=compat -e "$ODOO_SRC"
    PIP_CONSTRAINT="$constraints" "${pip[@]}" install -r "$HDI_REPO/requirements-dev.txt"
    echo "$stamp" > "$stamp_file"
}

hdi_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        hdi_log "Starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null; then
            pg_ctlcluster 15 main start
        else
            echo "error: PostgreSQL is not running and pg_ctlcluster is missing; start PostgreSQL 15 yourself." >&2
            exit 2
        fi
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    fi
    local me
    me="$(id -un)"
    if ! psql -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        hdi_log "Creating the PostgreSQL role '$me'"
        if [ "$(id -u)" = 0 ]; then
            su postgres -c "createuser --superuser '$me'"
        else
            sudo -u postgres createuser --superuser "$me"
        fi
    fi
}

# hdi_apt PACKAGE COMMAND...: install the Debian package PACKAGE unless one of
# the COMMANDs is on the PATH already (apt-get update once, first).
hdi_apt() {
    local package="$1" cmd
    shift
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null && return 0
    done
    if [ "$(id -u)" != 0 ]; then
        echo "error: none of '$*' is on the PATH: install Debian's package $package (sudo apt-get install $package)." >&2
        exit 2
    fi
    hdi_log "Installing Debian's $package (for: $*)"
    if [ -z "${HDI_APT_UPDATED:-}" ]; then
        apt-get update -qq
        HDI_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null && return 0
    done
    echo "error: Debian's $package is installed but none of '$*' is on the PATH ($PATH)." >&2
    exit 2
}

# Browser tests need Chrome or Chromium, found on the PATH under the names
# Odoo looks for (odoo/tests/common.py, _find_executable).
hdi_browser() {
    hdi_apt chromium google-chrome chromium chromium-browser google-chrome-stable
}

# PDF reports (the intervention report) are rendered by wkhtmltopdf, which Odoo
# looks for on the PATH when it starts (odoo/addons/base/models/ir_actions_report.py).
hdi_wkhtmltopdf() {
    hdi_apt wkhtmltopdf wkhtmltopdf
}

hdi_link() {
    mkdir -p "$HDI_WORK/addons" "$HDI_WORK/data"
    ln -sfn "$HDI_REPO" "$HDI_WORK/addons/$HDI_MODULE"
}

# hdi_config FILE PORT: an Odoo configuration for this checkout.
hdi_config() {
    local file="$1" port="$2" site
    site="$("$HDI_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    cat > "$file" <<CONF
[options]
addons_path = $(hdi_odoo_addons_path),$site/odoo/addons,$HDI_WORK/addons
data_dir = $HDI_WORK/data
http_port = $port
http_interface = 127.0.0.1
db_host = False
db_port = False
list_db = True
CONF
}

hdi_setup() {
    hdi_check_odoo_src
    hdi_venv
    hdi_postgres
    hdi_wkhtmltopdf
    hdi_link
    export PATH="$HDI_VENV/bin:$PATH"
}

hdi_odoo() { "$HDI_VENV/bin/python" "$ODOO_SRC/odoo-bin" "$@"; }
