# SQMS: `make run` serves the app with its worker; `make test` is what CI runs.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
SQMS := $(BIN)/sqms
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck bench install messages clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "SQMS needs Python 3.12 or newer on PATH."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.compiled: $(VENV)/.installed $(wildcard sqms/locale/*/LC_MESSAGES/*.po)
	$(BIN)/python -m sqms.core.i18n_compile
	@touch $@

install: $(VENV)/.installed $(VENV)/.compiled

messages: install  ## re-extract translatable strings into the catalogues (needs GNU gettext)
	cd sqms && ../$(SQMS) makemessages -l ko -l en --no-obsolete --no-location
	$(BIN)/python -m sqms.core.i18n_compile

run: install
	@mkdir -p var
	$(SQMS) migrate --noinput
	$(SQMS) demo
	@echo
	@echo "  SQMS is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the worker)"
	@echo
	@$(SQMS) run_huey --workers 2 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(SQMS) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy sqms sqms_analytics

test: lint typecheck
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m pytest bench -p no:xdist --benchmark-only --benchmark-group-by=group \
	  --benchmark-columns=min,mean,max,rounds --benchmark-sort=mean
	$(BIN)/python bench/monitoring/run.py
	$(BIN)/python bench/feedback/run.py

clean:
	rm -rf $(VENV) var
