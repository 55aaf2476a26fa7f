# The two commands the README promises:
#   make demo   set up, seed the demo contest and serve it on http://127.0.0.1:5000
#   make test   set up and run the whole test suite (lint, SQLite, PostgreSQL)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app contest
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

.PHONY: demo test lint test-sqlite test-postgres services browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(FLASK) init
	$(FLASK) demo
	$(FLASK) serve --host 127.0.0.1 --port 5000

test: lint test-sqlite test-postgres

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: $(VENV)/.installed browser
	TEST_DATABASE_URL= $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: $(VENV)/.installed services browser
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q

services:
	scripts/ensure-postgres

# The browser tests drive Debian's Chromium at /usr/bin/chromium (installed if missing).
browser:
	scripts/ensure-chromium

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
