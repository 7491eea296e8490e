# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := CRM_ENV=development $(BIN)/flask --app wsgi

.PHONY: run test test-fast lint format clean load audit bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(FLASK) crm db upgrade
	$(FLASK) crm demo --if-empty
	CRM_ENV=development $(BIN)/python -m crm.serve

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The edit-test loop: everything but the browser journeys and the fuzzers.
test-fast: $(VENV)/.test-deps
	$(BIN)/python -m pytest -m "not e2e and not fuzz" $(PYTEST_ARGS)

# Load drill: gunicorn + PostgreSQL on loopback (drops and re-creates the crm_load database).
# By default 50 people, each pausing about a second between clicks; `--think 0` measures
# capacity instead (docs/OPERATIONS.md, "Load figures").
LOAD_ARGS ?= --clients 50 --duration 60 --think 1
load: $(VENV)/.run-deps
	$(BIN)/python load/run.py $(LOAD_ARGS)

# bandit (medium and above) and pip-audit; says so when no vulnerability database is reachable.
audit: $(VENV)/.test-deps
	bash .ci/security

# The benchmark (not part of `make test`): BENCH_SCALE=S|M|L, BENCH_DATABASE_URL (default a
# fresh SQLite file in the temp directory). See docs/PERFORMANCE.md.
bench: $(VENV)/.run-deps
	$(BIN)/python -m bench

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check crm tests config bench
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.test-deps
	$(BIN)/ruff format crm tests config bench
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
