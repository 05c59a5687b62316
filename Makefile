# loyalty-gateway: `make run` serves the API, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/python -m pytest

.PHONY: run test lint schema migrate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# GraphiQL's and the monitor's browser libraries, from ui/package-lock.json. Without npm the
# pages load them from unpkg instead.
ASSETS := src/loyalty_gateway/web/static/vendor/.built
$(ASSETS): ui/package.json ui/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (cd ui && npm ci --no-audit --no-fund --loglevel=error) && \
	  $(PYTHON) src/loyalty_gateway/web/assets.py ui/node_modules && touch $@; \
	else \
	  echo "npm not found: GraphiQL and /monitor will load their libraries from unpkg" >&2; \
	fi

$(VENV)/.installed: pyproject.toml $(ASSETS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(ASSETS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $@ $(VENV)/.installed

# On an empty database, asks whether to load the demo program first.
run: $(VENV)/.installed
	$(BIN)/loyalty-gateway demo --offer
	$(BIN)/loyalty-gateway serve

migrate: $(VENV)/.installed
	$(BIN)/loyalty-gateway migrate

# The Apollo Client end-to-end project (run by tests/postgres/test_apollo.py).
APOLLO := tests/e2e/apollo/node_modules/.package-lock.json
$(APOLLO): tests/e2e/apollo/package.json tests/e2e/apollo/package-lock.json
	cd tests/e2e/apollo && npm ci --no-audit --no-fund --loglevel=error

# The graphql-http server audits (run by tests/test_graphql_over_http.py).
HTTP_AUDIT := tests/e2e/http-audit/node_modules/.package-lock.json
$(HTTP_AUDIT): tests/e2e/http-audit/package.json tests/e2e/http-audit/package-lock.json
	cd tests/e2e/http-audit && npm ci --no-audit --no-fund --loglevel=error

# Always on SQLite; also on PostgreSQL when TEST_DATABASE_URL is set. With REQUIRE_POSTGRES=1
# a missing or unreachable server fails the run instead of being left out.
test: $(VENV)/.installed-test $(HTTP_AUDIT)
	$(PYTEST) -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  if $(BIN)/python -c "import asyncio, asyncpg, os; asyncio.run(asyncpg.connect(os.environ['TEST_DATABASE_URL'], timeout=5))" 2>/dev/null; then \
	    echo "== PostgreSQL run ($$TEST_DATABASE_URL) =="; \
	    $(MAKE) --no-print-directory $(APOLLO) || exit 1; \
	    TEST_BACKEND=postgres $(PYTEST) -q || exit 1; \
	  elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
	    echo "PostgreSQL at $$TEST_DATABASE_URL is unreachable and REQUIRE_POSTGRES=1" >&2; exit 1; \
	  else \
	    echo "PostgreSQL at $$TEST_DATABASE_URL is unreachable: PostgreSQL run left out" >&2; \
	  fi; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
	  echo "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set" >&2; exit 1; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/hadolint docker/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/docker-compose.yml
	$(BIN)/loyalty-gateway export-schema | diff -u schema.graphql - \
	  || (echo "schema.graphql is stale: run 'make schema'" >&2; exit 1)

schema: $(VENV)/.installed
	$(BIN)/loyalty-gateway export-schema > schema.graphql

# Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache ui/node_modules src/loyalty_gateway/web/static/vendor
