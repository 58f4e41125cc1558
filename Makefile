# The two commands a fresh machine needs: `make demo` and `make test` (python3 is all they assume).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-postgres lint setup clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/duban demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The same, beside a throwaway PostgreSQL server (needs Debian's postgresql package; see docs/postgres.md).
test-postgres: $(BIN)/.installed
	scripts/with-postgres $(MAKE) test

clean:
	rm -rf $(VENV) data test-output
