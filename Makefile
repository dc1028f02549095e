# Two entry points (see README.md): `make lab` runs the lab headless, `make test` runs the tests.
# Each one creates .venv and installs requirements.txt first when needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: lab test lint format setup clean notebooks

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The main job: the four notebooks headless in local mode, then a summary table.
lab: $(STAMP)
	$(PY) aux/run_notebooks.py

# Lint, then every test: unit and service tests, papermill runs, and nbval re-running the
# committed notebooks and comparing their outputs (tests/nbval_sanitize.cfg masks names/times).
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

# Re-execute the committed notebooks (after changing them or the code they show).
notebooks: $(STAMP)
	$(PY) aux/run_notebooks.py --refresh

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf outputs .pytest_cache
