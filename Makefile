# ITPP Tracker — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
API_HOST ?= 127.0.0.1
API_PORT ?= 8000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help install run migrate sample serve-api test lint typecheck postgres openapi bench clean

help:
	@echo "make run    - set up, migrate the SQLite database, load the sample plan, start the API"
	@echo "make test   - run the whole suite (SQLite and PostgreSQL)"
	@echo "make bench  - benchmarks (figures printed, not asserted)"
	@echo "make openapi - regenerate services/api/openapi.json"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/itpp db upgrade

sample: migrate
	$(BIN)/itpp sample load --if-empty

run: sample
	@echo ""
	@$(BIN)/itpp sample logins
	@echo ""
	@echo "  ITPP Tracker API:  http://$(API_HOST):$(API_PORT)/api/v1/docs   (OpenAPI: /api/v1/openapi.json)"
	@echo ""
	$(BIN)/itpp serve api --host $(API_HOST) --port $(API_PORT)

# Start the local PostgreSQL cluster if it is installed but not running.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		if [ -d /etc/postgresql ]; then \
			echo "Starting PostgreSQL…"; \
			pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start || true; \
			for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install postgres lint typecheck
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest

openapi: install
	$(BIN)/itpp openapi > services/api/openapi.json

bench: install postgres
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/commitment_list.py
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
