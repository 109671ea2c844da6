# The project's commands. See DEVELOPMENT.rst.
.PHONY: run test test-quick lint bench odoo-clone

run:   ## serve Odoo with the add-on and demo data on http://localhost:8069
	@bash tools/run.sh

test:  ## fresh database, the add-on's tests, then the linters
	@bash tools/test.sh $(ARGS)

test-quick:  ## the edit-run loop: all but the slow tests (tagged hdi_slow), no linters
	@bash tools/test.sh --quick $(ARGS)

lint:
	@bash tools/lint.sh

bench: ## batch-invoicing benchmark (see DEVELOPMENT.rst)
	@bash tools/bench.sh $(ARGS)

odoo-clone: ## shallow clone of upstream Odoo 18.0 into $$ODOO_SRC or ~/odoo-18.0 (needs network)
	@bash tools/odoo-clone.sh
