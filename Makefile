# Birtereze — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export BIRTEREZE_DATABASE_URL ?= sqlite:///$(CURDIR)/var/birtereze.sqlite3

.PHONY: help install run migrate demo-data test test-fast lint format bench clean system-deps screenshots

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install Birtereze with its dependencies (idempotent)

migrate: install ## Bring the database schema up to date
	$(BIN)/birtereze migrate

demo-data: migrate ## Load the demo centres, catalogue and accounts (once)
	$(BIN)/birtereze demo-data --if-empty

# Without an SMSC of its own (BIRTEREZE_SMPP_HOST), the demo sends its SMS to the local fake one, which
# prints them in this terminal. Without bodies of its own (BIRTEREZE_BODY_ENDPOINTS), the applications go
# to one local fake body process serving every authority of the demo's catalogue (on FAKE_BODY_PORT),
# which accepts or refuses them after FAKE_BODY_DELAY seconds and answers through the callback API.
FAKE_BODY_PORT ?= 8470
FAKE_BODY_DELAY ?= 5
FAKE_BODY_SECRET ?= demo-body-secret
FAKE_BODY := $(BIN)/python -m birtereze.applications.fake_body --demo --port $(FAKE_BODY_PORT) --secret $(FAKE_BODY_SECRET)
run: demo-data ## Serve on http://127.0.0.1:8000 with SQLite and demo data (and the fake Digital ID, SMSC and bodies)
	@children=""; trap 'kill $$children 2>/dev/null' EXIT; \
	if [ -z "$$BIRTEREZE_SMPP_HOST" ]; then \
		$(BIN)/birtereze fake-smsc --port $${BIRTEREZE_SMPP_PORT:-2775} & children="$$children $$!"; \
		export BIRTEREZE_SMPP_HOST=127.0.0.1; \
	fi; \
	if [ -z "$$BIRTEREZE_BODY_ENDPOINTS" ]; then \
		export BIRTEREZE_BODY_CALLBACK_URL=$${BIRTEREZE_BODY_CALLBACK_URL:-http://127.0.0.1:8000}; \
		BIRTEREZE_BODY_ENDPOINTS="$$($(FAKE_BODY) --print-endpoints)" || exit 1; \
		export BIRTEREZE_BODY_ENDPOINTS; \
		$(FAKE_BODY) --delay $(FAKE_BODY_DELAY) --refuse-rate 0.1 --callback-url "$$BIRTEREZE_BODY_CALLBACK_URL" & \
		children="$$children $$!"; \
	fi; \
	BIRTEREZE_FAKE_IDP=$${BIRTEREZE_FAKE_IDP:-true} $(BIN)/birtereze serve --host 127.0.0.1 --port 8000

lint: install ## ruff (format check and lint) and mypy --strict
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

format: install ## Format the code
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

test: lint ## Lint, then the whole test suite (SQLite, and PostgreSQL/Redis/browser where available)
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install ## The test suite without lint
	$(BIN)/pytest -x -q $(PYTEST_ARGS)

BENCH_SECONDS ?= 20
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/birtereze_bench

bench: install ## Queue load benchmark on SQLite, then on PostgreSQL when reachable (docs/benchmarks.md)
	$(BIN)/python bench/queue_load.py --database sqlite:///$(CURDIR)/var/bench.sqlite3 --seconds $(BENCH_SECONDS)
	@if pg_isready -q -d "$(BENCH_POSTGRES_URL)"; then \
		$(BIN)/python bench/queue_load.py --database "$(BENCH_POSTGRES_URL)" --seconds $(BENCH_SECONDS); \
	else echo "PostgreSQL is not reachable at $(BENCH_POSTGRES_URL): its run is skipped"; fi

screenshots: install ## Photograph every page at its target size into docs/screenshots (needs Chromium)
	$(BIN)/python scripts/screenshots.py --out docs/screenshots

system-deps: ## Install the Debian packages Birtereze uses (needs root)
	bash scripts/install-system-deps.sh

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
