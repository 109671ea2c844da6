#!/usr/bin/env bash
# Regenerate i18n/helpdesk_mgmt_invoicing.pot with Odoo's own exporter and
# merge it into every i18n/*.po, so that new strings appear (untranslated) and
# strings that are gone disappear. Run it after adding or changing any string
# of the add-on (fields, selections, views, messages in Python), then translate
# the new empty msgstr of i18n/it.po.
#   HDI_I18N_DB  scratch database (default: hdi_i18n_<checkout id>; dropped
#                before and after)
source "$(dirname "$0")/common.sh"
hdi_setup
db="${HDI_I18N_DB:-hdi_i18n_$HDI_CHECKOUT_ID}"
conf="$HDI_WORK/odoo-i18n.conf"
hdi_config "$conf" 8179
pot="$HDI_REPO/i18n/$HDI_MODULE.pot"
mkdir -p "$HDI_REPO/i18n"

cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$HDI_WORK/data/filestore/$db"
}
trap cleanup EXIT
cleanup

# Without demo data: demo records' names are examples, not strings to translate.
hdi_log "Installing $HDI_MODULE in the scratch database '$db'"
hdi_odoo -c "$conf" -d "$db" -i "$HDI_MODULE" --without-demo=all --stop-after-init --log-level=warn

hdi_log "Exporting the template $pot"
hdi_odoo -c "$conf" -d "$db" --i18n-export="$pot" --modules="$HDI_MODULE" --log-level=warn
# As in OCA's templates: no dates and no Odoo build in the header, so that the
# file changes only when a string does.
sed -i -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d' \
    -e 's/^"Project-Id-Version: Odoo Server [^"]*"$/"Project-Id-Version: Odoo Server 18.0\\n"/' "$pot"

for po in "$HDI_REPO"/i18n/*.po; do
    [ -e "$po" ] || continue
    hdi_log "Merging the template into $po"
    # No fuzzy matching: Odoo ignores fuzzy entries, and a guessed translation
    # of a new string would only hide that it still needs translating.
    msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$pot"
    # Strings gone from the add-on go from the translation too.
    msgattrib --no-obsolete -o "$po" "$po"
    msgfmt --check-format -o /dev/null "$po"
    untranslated="$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)"
    # msgattrib prints the header entry too, when anything else is printed.
    [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
    echo "$(basename "$po"): $untranslated untranslated string(s)"
done
