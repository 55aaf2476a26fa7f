# The two commands the README promises:
#   make demo   set up, seed the demo contest and serve it on http://127.0.0.1:5000
#   make test   set up and run the whole test suite (lint, SQLite, PostgreSQL)
# and for CI:
#   make test-scale   the integration and browser tests on PostgreSQL + local S3 + Redis
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app contest
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2
PG_SCALE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/scale
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
# The scale run: tests that go through the pages, jobs and browser, with every app the tests
# make on S3 storage (the local S3 server) and Redis (tests/scale). Unit tests of the local
# backends (storage, SQLite job queue, tus staging on disk) stay out: they test local parts.
SCALE_TESTS ?= tests/e2e/test_whole_contest.py tests/e2e/test_public_browser.py \
	tests/e2e/test_voting_browser.py tests/e2e/test_scoring_browser.py \
	tests/uploads/test_s3_uploads.py tests/voting tests/results tests/judging tests/health \
	tests/takedown tests/reliability tests/test_caching.py tests/test_deploy.py tests/scale
# These check that /media/<id> streams the bytes itself, as local storage does; on S3 it
# redirects to a presigned URL instead (tests/storage/test_s3.py covers that).
SCALE_DESELECT ?= \
	--deselect tests/judging/test_scoring_views.py::test_the_player_uses_the_media_route \
	--deselect tests/voting/test_casting.py::test_the_public_can_watch_eligible_entries_only_while_voting_is_open

.PHONY: demo test lint test-sqlite test-postgres test-scale services redis browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(FLASK) init
	$(BIN)/flask --app devtools.app demo  # seeding is a development tool (devtools/)
	$(FLASK) serve --host 127.0.0.1 --port 5000

test: lint test-sqlite test-postgres

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.installed browser
	TEST_DATABASE_URL= $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: $(VENV)/.installed services browser
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-scale: $(VENV)/.installed services redis browser
	TEST_DATABASE_URL=$(PG_SCALE_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -q $(SCALE_TESTS) $(SCALE_DESELECT)

services:
	scripts/ensure-postgres

redis:
	scripts/ensure-redis

# The browser tests drive Debian's Chromium at /usr/bin/chromium (installed if missing).
browser:
	scripts/ensure-chromium

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
