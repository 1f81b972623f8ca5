PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test test-fast lint bench bench-quick clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need python3.11 (or python3 >= 3.11) on PATH"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

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

# Benchmarks (bench/, docs/benchmarks.md): each figure beside its baseline, in the same run.
# The full run also measures appends on a throwaway PostgreSQL server and draws the plots
# in docs/bench; generated logs are cached in bench/.cache. Not while `make test` runs:
# both use the server of scripts/pg.sh.
bench: $(BENCH_STAMP)
	@trap 'sh scripts/pg.sh stop' EXIT; \
	sh scripts/pg.sh start || { echo "make bench: FAILED to start PostgreSQL (scripts/pg.sh start)" >&2; exit 1; }; \
	BIDLEDGER_BENCH_PG_URL="$$(sh scripts/pg.sh url)" $(BIN)/python -m bench --plots docs/bench

# Smaller logs, five repetitions, SQLite only (PostgreSQL too if BIDLEDGER_BENCH_PG_URL is
# set); the last line printed is the JSON object of the headline ratios.
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo.db .pytest_cache .mypy_cache .ruff_cache
