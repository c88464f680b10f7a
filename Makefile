# Upesi: `make run` starts everything with a demo workspace; `make test` runs the tests.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .bootstrap/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/upesi
export REDIS_URL ?= redis://127.0.0.1:6379/0
export COURIER_URL ?= http://localhost:8080
export MAILROOM_URL ?= http://localhost:8090
export WEB_URL ?= http://localhost:8000
export FAKE_PROVIDER_URL ?= http://localhost:8070
export SPOOL_DIR ?= var/spool
# the demo's fake provider listens on loopback, which courier otherwise refuses to call
export ALLOW_PRIVATE_NETWORKS ?= true

.PHONY: install run test lint bench services clean

.bootstrap/bin/uv:
	python3 -m venv .bootstrap && .bootstrap/bin/pip install -q uv

install: $(VENV)/.installed services/web/node_modules/.installed

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3.11
	@# the UI's browser tests drive Debian's chromium (never a downloaded one)
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null || echo "chromium not installed: browser tests will skip"; fi
	touch $@

# the flow editor and temba-components, served from our own static files
services/web/node_modules/.installed: services/web/package.json services/web/package-lock.json
	cd services/web && npm ci --no-audit --no-fund
	touch $@

services:
	@bash deploy/ensure-services.sh

run: install services
	$(BIN)/upesi migrate
	$(BIN)/upesi demo seed
	@bash deploy/run-local.sh

test: install services
	$(BIN)/pytest -q tests

lint: install
	$(BIN)/ruff check shared services tests bench
	$(BIN)/ruff format --check shared services tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy shared/upesi services/web/web services/mailroom/mailroom services/courier/courier services/cli/upesi_cli

bench: install services
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .bootstrap var
