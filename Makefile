# One command to run the platform with demo data, one to run the tests (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed

.PHONY: run test setup install lint typecheck stop-db clean

run: install
	$(BIN)/python scripts/dev.py run

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy departments shared_services payroll hr finance onboarding
	$(BIN)/python -m pytest

setup: install
	$(BIN)/python scripts/dev.py setup

install: $(PY_STAMP) $(JS_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy departments shared_services payroll hr finance onboarding

stop-db: install
	$(BIN)/python scripts/dev.py stop-db

clean: stop-db
	rm -rf var staticfiles
