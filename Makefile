# ITPP Tracker — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
API_HOST ?= 127.0.0.1
API_PORT ?= 8000
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 8080
WEB_DIR := services/web
# htmx, Pico CSS and axe-core come from the npm registry (package-lock.json pins them).
WEB_STAMP := $(WEB_DIR)/node_modules/.package-lock.json
# Where `make run`'s worker puts mails when no SMTP server is configured.
MAIL_SHOWN = $(if $(ITPP_SMTP_HOST),sent through $(ITPP_SMTP_HOST),written to $(CURDIR)/var/mail/*.eml (no ITPP_SMTP_HOST: the worker writes files))
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Examples per operation for `make fuzz` (`make test` runs the same test with 5 and a smaller
# coverage phase: tests/contract/test_fuzz.py).
FUZZ_EXAMPLES ?= 300
TS_DIR := tests/contract/ts
# npm ci rewrites node_modules/.package-lock.json: it stands for "installed from this lock".
TS_STAMP := $(TS_DIR)/node_modules/.package-lock.json
# Python keeps compiled modules (__pycache__, ignored by git and by the image's build context)
# even where the environment says not to (PYTHONDONTWRITEBYTECODE): without them every process
# the targets start — each pytest worker, each API, web and worker process a test starts —
# compiles the project's sources again, and pytest rewrites every test module's assertions
# again (collecting the suite: 18 s a worker without them, 8 s with them).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install run migrate sample serve-api test lint typecheck postgres openapi bench clean ts-deps fuzz web-assets messages screenshots scale-test docs

help:
	@echo "make run    - set up, migrate the SQLite database, load the sample plan, start API, web and the mail worker"
	@echo "make test   - run the whole suite (SQLite and PostgreSQL)"
	@echo "make bench  - benchmarks (figures printed, not asserted)"
	@echo "make fuzz   - schemathesis against a live API, $(FUZZ_EXAMPLES) examples per operation"
	@echo "make scale-test - the full scale-out run: nginx, 2 API and 2 web processes, a killed API, a database outage"
	@echo "make openapi - regenerate services/api/openapi.json and the web's typed client from it"
	@echo "make messages - extract the web's interface strings and merge them into the catalogs"
	@echo "make screenshots - run the browser tests and keep their screenshots in docs/screenshots"
	@echo "make docs   - build the documentation site (MkDocs, Material theme) into site/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The web service's browser files. Without npm the web service cannot start; under CI=true
# the set-up stops here.
$(WEB_STAMP): $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(WEB_DIR) && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json; \
	else \
		echo "npm is required to install the web service's htmx and CSS (install Node.js and npm)" >&2; exit 1; \
	fi

web-assets: $(WEB_STAMP)

install: $(STAMP) $(WEB_STAMP)

migrate: install
	$(BIN)/itpp db upgrade

sample: migrate
	$(BIN)/itpp sample load --if-empty

# API, web and the notification worker side by side; Ctrl-C stops all three (the trap clears
# itself first: `kill 0` signals this shell too, which would run it again and again). Without
# ITPP_SMTP_HOST (in the environment or .env) the worker writes each mail to var/mail/ as an
# .eml file, which any mail client opens.
run: sample
	@echo ""
	@$(BIN)/itpp sample logins
	@echo ""
	@echo "  ITPP Tracker web:  http://$(WEB_HOST):$(WEB_PORT)/"
	@echo "  ITPP Tracker API:  http://$(API_HOST):$(API_PORT)/api/v1/docs   (OpenAPI: /api/v1/openapi.json)"
	@echo "  Mail:              $(MAIL_SHOWN)"
	@echo ""
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/itpp serve api --host $(API_HOST) --port $(API_PORT) & \
	$(BIN)/itpp serve web --host $(WEB_HOST) --port $(WEB_PORT) --api-url http://$(API_HOST):$(API_PORT) & \
	ITPP_MAIL_WEB_URL=$${ITPP_MAIL_WEB_URL:-http://$(WEB_HOST):$(WEB_PORT)} $(BIN)/itpp worker & \
	wait

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

# The npm packages of the TypeScript contract test, installed when missing or when
# package.json / package-lock.json changed. Without npm the TypeScript contract test fails;
# under CI=true the set-up itself stops here.
$(TS_STAMP): $(TS_DIR)/package.json $(TS_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(TS_DIR) && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "npm is required for the TypeScript contract test (CI=true)" >&2; exit 1; \
	else \
		echo "npm not found: the TypeScript contract test will fail (install Node.js and npm)" >&2; \
	fi

ts-deps: $(TS_STAMP)

# Extract the interface strings and merge them into the Japanese catalog (then translate
# the new entries: the test suite fails on any untranslated or fuzzy one).
messages: install
	cd $(WEB_DIR) && ../../$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --no-location --sort-output \
		--project "ITPP Tracker" -o itpp_web/locales/messages.pot .
	cd $(WEB_DIR) && ../../$(BIN)/pybabel update -i itpp_web/locales/messages.pot \
		-d itpp_web/locales -l ja --no-wrap --no-fuzzy-matching --ignore-obsolete

# The documentation site, from docs/ and the README files (mkdocs.yml), into site/ (not
# committed). `make test` builds it too, with --strict, in tests/test_docs.py.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

screenshots: install
	ITPP_SCREENSHOTS_DIR=docs/screenshots ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest tests/web -q

# pytest-xdist workers: each runs whole test files (--dist loadfile, so a module's set-up is
# made once; the fuzzer's two engines go to different workers, tests/conftest.py) on databases
# and processes of its own. TEST_WORKERS=0 runs everything in one process; see docs/testing.md.
TEST_WORKERS ?= 2

# When make started (evaluated once, as the Makefile is read): `make test` prints how long it
# took, set-up, lint and type check included; pytest prints the 15 slowest tests
# (--durations=15 in pyproject.toml).
MAKE_STARTED := $(shell date +%s)

test: install postgres lint typecheck ts-deps
	@ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile; \
	status=$$?; elapsed=$$(( $$(date +%s) - $(MAKE_STARTED) )); \
	echo "make test: $$((elapsed / 60)) min $$((elapsed % 60)) s in all (pytest exit status $$status)"; \
	exit $$status

# The scale-out run of `make test` (tests/scale), with longer phases and twice the users:
# nginx (Debian's package) in front of 2 API and 2 web processes on one PostgreSQL database,
# an API process killed and the database unreachable for 5 s under load. Prints its figures.
scale-test: install postgres
	ITPP_TEST_POSTGRES_URL=$(PG_URL) ITPP_SCALE_FULL=1 $(BIN)/pytest -s tests/scale/test_scale_out.py

# The contract fuzz test of `make test` (fixed seed, deterministic there), run much longer and
# at random, on both engines. Replay a run with ITPP_FUZZ_SEED=<the printed seed>; pass more
# schemathesis options in ITPP_FUZZ_ARGS.
fuzz: install postgres
	ITPP_TEST_POSTGRES_URL=$(PG_URL) ITPP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ITPP_FUZZ_EXPLORE=1 \
		ITPP_HYPOTHESIS_PROFILE=explore $(BIN)/pytest -s tests/contract/test_fuzz.py

openapi: install
	$(BIN)/itpp openapi > services/api/openapi.json
	$(BIN)/itpp export schema > services/api/plan-export.schema.json
	$(BIN)/python services/web/generate_contract.py

bench: install postgres
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/commitment_list.py
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/dashboard.py
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/inbox.py
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/documents.py --engines sqlite,postgresql
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/attachments.py --engines sqlite,postgresql
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/plumbing.py --rounds 2 --duration 3
	ITPP_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python bench/sweep.py --quick

clean:
	rm -rf $(VENV) var site .pytest_cache .mypy_cache .ruff_cache
