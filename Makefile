PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need python3.11 (or python3 >= 3.11) on PATH"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -f demo.db
	$(BIN)/bidledger demo --db sqlite:///demo.db

# The suite runs on SQLite and on a throwaway PostgreSQL server (scripts/pg.sh), stopped
# afterwards whatever happens; no server, no green build.
test: lint
	@trap 'sh scripts/pg.sh stop' EXIT; \
	sh scripts/pg.sh start || { echo "make test: FAILED to start PostgreSQL (scripts/pg.sh start)" >&2; exit 1; }; \
	BIDLEDGER_TEST_PG_URL="$$(sh scripts/pg.sh url)" $(BIN)/python -m pytest -q

# The unit tests alone: pure logic, no database server, well under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo.db .pytest_cache .mypy_cache .ruff_cache
