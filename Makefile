# The two commands a fresh machine needs: `make demo` and `make test` (python3 is all they assume).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint setup clean

# scripts/setup-venv: uv (installed into the venv from the package index) when it can, pip when not.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) scripts/setup-venv $(VENV) test
	touch $@

setup: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/duban demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# The architecture checks first (ruff; the import contracts in pyproject.toml; mypy), then the suite:
# on SQLite, and on PostgreSQL too wherever Debian's server package is installed
# (scripts/with-postgres starts a throwaway server for this run only, see the README's Tests section).
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then \
		scripts/with-postgres $(BIN)/python -m pytest; \
	else \
		echo "PostgreSQL not installed: its test variants are skipped (apt-get install postgresql)"; \
		$(BIN)/python -m pytest; \
	fi

clean:
	rm -rf $(VENV) data test-output
