# Two entry points (see README.md): `make lab` runs the lab headless, `make test` runs the tests.
# Each one first creates the two environments when needed: .venv (SDK v2, requirements.txt,
# Python 3.11+) and .venv-v3 (SDK v3, requirements-v3.txt, Python 3.12 as in SageMaker Studio).
# uv installs with --compile-bytecode, as pip does by default: without it every kernel
# compiles the SDK's modules again (about 2 s more per notebook where PYTHONDONTWRITEBYTECODE
# is set, as in CI).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
VENV_V3 ?= .venv-v3
PY_V3 := $(VENV_V3)/bin/python
STAMP_V3 := $(VENV_V3)/.requirements-installed
UV := $(VENV)/bin/uv
# Python 3.12 for the v3 environment: python3.12 on PATH, else pyenv's.
PYTHON_V3 ?= $(shell for p in $$(command -v python3.12) $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo "$$p" && break; done)
PYTEST_V2 := -m pytest tests notebooks --ignore=tests/v3 --ignore=notebooks/sdk_v3
PYTEST_V3 := -m pytest tests/v3 notebooks/sdk_v3
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test lint format setup clean notebooks

setup: $(STAMP) $(STAMP_V3)

$(STAMP): requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $@

$(STAMP_V3): requirements-v3.txt requirements-nodeps.txt aux/sagemaker-distribution-4.4.1.txt $(STAMP)
	@test -n "$(PYTHON_V3)" || { echo "Python 3.12 not found: install it (e.g. pyenv install 3.12) or pass PYTHON_V3=/path/to/python3.12"; exit 1; }
	test -x $(PY_V3) || $(UV) venv --quiet --python $(PYTHON_V3) $(VENV_V3)
	$(UV) pip install --quiet --compile-bytecode --python $(PY_V3) -r requirements-v3.txt \
		-c aux/sagemaker-distribution-4.4.1.txt
	$(UV) pip install --quiet --compile-bytecode --python $(PY_V3) --no-deps -r requirements-nodeps.txt
	touch $@

# The main job: every notebook headless in local mode, the v2 ones in .venv and the v3 ones in
# .venv-v3, in two lanes side by side (one per environment; each notebook its own papermill
# run and kernel), then one summary table.
lab: $(STAMP) $(STAMP_V3)
	$(PY) aux/run_notebooks.py --python $(PY_V3)

# Lint, then every test: unit and service tests, papermill runs, and nbval re-running the
# committed notebooks and comparing their outputs (tests/nbval_sanitize.cfg masks names/times),
# once per environment.
test: $(STAMP) $(STAMP_V3)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) $(PYTEST_V2) $(NBVAL)
	$(PY_V3) $(PYTEST_V3) $(NBVAL)

# Re-execute the committed notebooks (after changing them or the code they show).
notebooks: $(STAMP) $(STAMP_V3)
	$(PY) aux/run_notebooks.py --refresh
	$(PY_V3) aux/run_notebooks.py --refresh

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf outputs .pytest_cache
