# The README's two commands: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# axe-core for the browser tests' accessibility checks, pinned by tests/e2e/ui/package-lock.json
UI := tests/e2e/ui
UI_STAMP := $(UI)/node_modules/.installed-$(shell cat $(UI)/package-lock.json | cksum | cut -d' ' -f1)

.PHONY: run test lint ui-deps demo schema error-codes kafka-start kafka-stop postgres-start bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)  ## serve the API on the embedded default (SQLite under ./var): make run PORT=8080 HOST=0.0.0.0
	@echo "linkage: create a user with: $(BIN)/linkage users add --name NAME --agency safety --role liaison"
	$(BIN)/linkage serve --host $(HOST) --port $(PORT)

demo: $(STAMP)
	$(BIN)/linkage demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

$(UI_STAMP): $(UI)/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd $(UI) && npm ci --no-audit --no-fund --prefer-offline && touch $(abspath $@); \
	else echo "npm not found: the accessibility browser tests skip (fail with LINKAGE_REQUIRE_SERVICES=1)"; fi

ui-deps: $(UI_STAMP)  ## npm ci of axe-core (from npm's cache when it is there)

# Two pytest-xdist workers: most tests wait on a server, a broker or a child process more than
# they compute (1,200 s → ~800 s on 2 cores). The heavy tests take one lane, in turn
# (tests/conftest.py): two crash tests at once starved each other's processes.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: the suite starts a few hundred
# `linkage` processes, and compiling every module again cost each ~0.5 s of CPU.
test: lint ui-deps  ## ruff, mypy, then every test (PostgreSQL and Kafka tests need LINKAGE_TEST_*)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 2 --dist loadgroup

schema: $(STAMP)
	$(BIN)/linkage schema --out docs/event-schema.json

error-codes: $(STAMP)
	$(BIN)/python -m adapters.error_codes

kafka-start:
	bash scripts/kafka.sh start

kafka-stop:
	bash scripts/kafka.sh stop

postgres-start:
	bash scripts/postgres.sh start

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache $(UI)/node_modules
