# 交警信访指引助手 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
MODEL := models/current.tar.gz
TRAIN_DATA := data/nlu data/rules data/stories data/responses
TRAIN_INPUTS := config.yml domain.yml $(shell find data/nlu data/rules data/stories data/responses data/dict -type f 2>/dev/null) $(wildcard bot/nlu/*.py)
export PYTHONUNBUFFERED := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup train run shell test test-fast lint validate browser-deps chart-deps services demo bench clean

setup: $(STAMP)

$(STAMP): requirements/lock.txt requirements/rasa.txt scripts/setup_venv.sh
	bash scripts/setup_venv.sh $(PYTHON_BIN) $(VENV)
	touch $(STAMP)

train: $(MODEL)

$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	$(PY) -m bot.knowledge.sync_responses --check
	mkdir -p models
	$(RASA) train --data $(TRAIN_DATA) --out models --fixed-model-name current
	touch $(MODEL)

validate: $(STAMP)
	$(RASA) data validate --data $(TRAIN_DATA) --fail-on-warnings

run: $(MODEL) chart-deps
	$(PY) -m bot.launch

shell: $(MODEL)
	$(PY) -m bot.launch --shell

demo: $(STAMP)
	$(PY) -m bot cases demo
	$(PY) -m bot dashboard demo

browser-deps:
	bash scripts/browser_deps.sh

# A CJK font for the dashboard's charts and pdftoppm for the report test.
chart-deps:
	bash scripts/chart_deps.sh

# PostgreSQL and Redis for the tests (started and prepared if needed). If this fails,
# the tests do not run at all: they must fail, never skip, without these servers.
services:
	@bash scripts/services.sh || { echo "make: scripts/services.sh failed: PostgreSQL/Redis are not ready for the tests" >&2; exit 1; }

test: lint $(MODEL) browser-deps chart-deps services
	$(VENV)/bin/pytest

# Ruff and mypy, configured in pyproject.toml; `make test` runs this first.
lint: $(STAMP)
	$(VENV)/bin/ruff check bot actions bench tests
	$(VENV)/bin/mypy

test-fast: $(STAMP) chart-deps services
	$(VENV)/bin/pytest -m "not stack and not slow"

bench: $(MODEL)
	$(PY) -m bench

clean:
	rm -rf models/*.tar.gz var/ .rasa/
