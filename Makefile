# Two entry points (see README.md): `make lab` runs the lab headless, `make test` runs the tests.
# Each one first creates the two environments when needed (`make setup` does only that):
# .venv (SDK v2, requirements.txt, Python 3.11.4+) and .venv-v3 (SDK v3, requirements-v3.txt,
# Python 3.12 as in SageMaker Studio); `make test` adds the test tools (requirements-test.txt,
# requirements-v3-test.txt), which a learner's environment does without.
# Bytecode: without it every kernel compiles the SDK's modules again (about 2 s more per
# notebook where PYTHONDONTWRITEBYTECODE is set, as in CI). Compiling every installed module
# (pip's default, uv's --compile-bytecode) costs about 230 MB per environment, mostly for
# modules the lab never imports; so the packages are installed without it, and the modules
# the notebooks and local jobs import are then imported once, which writes their bytecode.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
TEST_STAMP := $(VENV)/.test-requirements-installed
VENV_V3 ?= .venv-v3
PY_V3 := $(VENV_V3)/bin/python
STAMP_V3 := $(VENV_V3)/.requirements-installed
TEST_STAMP_V3 := $(VENV_V3)/.test-requirements-installed
UV := $(VENV)/bin/uv
REQUIREMENTS ?= requirements.txt
REQUIREMENTS_V3 ?= requirements-v3.txt
REQUIREMENTS_NODEPS ?= requirements-nodeps.txt
STUDIO_PINS := aux/sagemaker-distribution-4.4.1.txt
# Python 3.12 for the v3 environment: python3.12 on PATH, else pyenv's.
PYTHON_V3 ?= $(shell for p in $$(command -v python3.12) $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12 2>/dev/null); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo "$$p" && break; done)
PYTEST_V2 := -m pytest tests notebooks --ignore=tests/v3 --ignore=notebooks/sdk_v3
PYTEST_V3 := -m pytest tests/v3 notebooks/sdk_v3
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# Which Pythons the environments need, checked before anything is created: the code uses
# datetime.UTC (3.11) and tarfile's extraction filters (3.11.4); SDK v3 is tested on 3.12, the
# Python of SageMaker Studio's images. The tests run on any Python, 2.7 included.
V2_NEEDS := 3.11.4 or later
V2_TEST := sys.version_info[:3] >= (3, 11, 4)
V3_NEEDS := 3.12
V3_TEST := sys.version_info[:2] == (3, 12)

# $(call check_python,INTERPRETER,ENVIRONMENT,TEST,NEEDS,VARIABLE,VERSION): stop, saying which
# Python the environment needs and how to get one, unless INTERPRETER passes TEST.
define check_python
$(1) -c 'import sys; sys.exit(not ($(3)))' 2>/dev/null || { \
	found=$$($(1) -c 'import sys; print("Python " + sys.version.split()[0])' 2>/dev/null) || found="not found"; \
	echo "make: $(2) needs Python $(4); $(1) is $$found." >&2; \
	echo "  Get Python $(6) with pyenv (pyenv install $(6)), uv (uv python install $(6)) or from python.org, then run: make setup $(5)=/path/to/python$(6)" >&2; \
	exit 1; }
endef
CHECK_V2 = $(call check_python,$(PYTHON),$(VENV) (SDK v2),$(V2_TEST),$(V2_NEEDS),PYTHON,3.11)
CHECK_V3 = $(call check_python,$(or $(PYTHON_V3),python3.12),$(VENV_V3) (SDK v3),$(V3_TEST),$(V3_NEEDS),PYTHON_V3,3.12)

# What the notebooks, local jobs, papermill and the kernel import (with what they import).
WARM_V2 := sagemaker sagemaker.local sagemaker.estimator sagemaker.xgboost sagemaker.tuner \
	sagemaker.analytics sagemaker.debugger sagemaker.serializers sagemaker.deserializers
WARM_V3 := sagemaker.core sagemaker.core.resources sagemaker.core.shapes sagemaker.train \
	sagemaker.train.configs sagemaker.train.tuner
WARM := boto3 xgboost numpy pandas sklearn.metrics matplotlib.pyplot bokeh.plotting optuna \
	tqdm psutil pyarrow.parquet scipy.sparse moto.s3 moto.moto_server.werkzeug_app \
	werkzeug.serving functional smclarify.bias.metrics papermill nbclient ipykernel.kernelapp
# Installed but left out again: rfc3987-syntax, an optional extra of jsonschema that
# jupyter-events asks for. When it is there, `import jsonschema` (which both SDKs import with
# their config) compiles its Earley grammar: 1.1 s in every kernel and job that imports the
# SDK, about 20 s of `make lab` on 2 cores. Without it jsonschema only skips checking the
# "iri" string format, which nothing here uses (code/lab/kernel.py leaves it out too).
UNUSED := rfc3987-syntax

# $(call warm,PYTHON,MODULES): import MODULES once, writing their bytecode; an environment
# that cannot import them is not marked as built (the next `make` builds it again).
warm = PYTHONDONTWRITEBYTECODE= MPLBACKEND=Agg SAGEMAKER_SUPPRESS_V2_WARNING=1 $(1) -W ignore -c \
	'import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]' $(2) >/dev/null \
	|| { echo "make: $(1) cannot import what the lab needs (the error above): fix that, then run make setup again" >&2; exit 1; }

# $(call fresh,FOLDER): remove an environment whose stamp is missing or older than its
# requirements (a build that failed or was interrupted, or packages that changed), so that
# it is built again from nothing rather than patched; anything else there is left alone.
define fresh
if [ -e "$(1)" ]; then \
	if [ -f "$(1)/pyvenv.cfg" ] || [ -z "$$(ls -A "$(1)")" ]; then \
		echo "make: building $(1) again (an unfinished build, or its requirements changed)"; \
		rm -rf "$(1)"; \
	else \
		echo "make: $(1) exists and is not a virtual environment: move it away, or name another folder (VENV=... VENV_V3=...)" >&2; \
		exit 1; \
	fi; \
fi
endef

.PHONY: lab test lint format setup clean notebooks

# The learner's two environments (what the notebooks need); `make test` adds the test tools.
setup: $(STAMP) $(STAMP_V3)

$(STAMP): $(REQUIREMENTS) $(REQUIREMENTS_NODEPS)
	@$(CHECK_V2)
	@test -f $(STAMP_V3) || $(CHECK_V3)
	@$(call fresh,$(VENV))
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r $(REQUIREMENTS)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
		-r $(REQUIREMENTS_NODEPS)
	$(PY) -m pip uninstall --quiet --disable-pip-version-check -y $(UNUSED)
	$(call warm,$(PY),$(WARM_V2) $(WARM))
	touch $@

# uv comes from .venv; --seed puts pip in the environment, as venv does (an SDK v3 job whose
# source has a requirements.txt runs `python -m pip install -r requirements.txt`). XGBoost's
# CPU build is pinned to the version the Studio image ships (the pins name `xgboost`).
$(STAMP_V3): $(REQUIREMENTS_V3) $(REQUIREMENTS_NODEPS) $(STUDIO_PINS) | $(STAMP)
	@$(CHECK_V3)
	@$(call fresh,$(VENV_V3))
	$(UV) venv --quiet --seed --python $(PYTHON_V3) $(VENV_V3)
	sed -n 's/^xgboost==/xgboost-cpu==/p' $(STUDIO_PINS) > $(VENV_V3)/xgboost-cpu-pin.txt
	$(UV) pip install --quiet --python $(PY_V3) -r $(REQUIREMENTS_V3) \
		-c $(STUDIO_PINS) -c $(VENV_V3)/xgboost-cpu-pin.txt
	$(UV) pip install --quiet --python $(PY_V3) --no-deps -r $(REQUIREMENTS_NODEPS)
	$(UV) pip uninstall --quiet --python $(PY_V3) $(UNUSED)
	$(call warm,$(PY_V3),$(WARM_V3) $(WARM))
	touch $@

# The test and lint tools, added to each environment.
$(TEST_STAMP): requirements-test.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	$(PY) -m pip uninstall --quiet --disable-pip-version-check -y $(UNUSED)
	touch $@

$(TEST_STAMP_V3): requirements-v3-test.txt $(STAMP_V3)
	$(UV) pip install --quiet --compile-bytecode --python $(PY_V3) -r requirements-v3-test.txt \
		-c $(STUDIO_PINS)
	$(UV) pip uninstall --quiet --python $(PY_V3) $(UNUSED)
	touch $@

# The main job: every notebook headless in local mode, the v2 ones in .venv and the v3 ones in
# .venv-v3, in two lanes side by side (one per environment; each notebook its own papermill
# run and kernel), then one summary table.
lab: $(STAMP) $(STAMP_V3)
	$(PY) aux/run_notebooks.py --python $(PY_V3)

# Lint, then every test: unit and service tests, papermill runs, and nbval re-running the
# committed notebooks and comparing their outputs (tests/nbval_sanitize.cfg masks names/times),
# once per environment.
test: $(TEST_STAMP) $(TEST_STAMP_V3)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) $(PYTEST_V2) $(NBVAL)
	$(PY_V3) $(PYTEST_V3) $(NBVAL)

# Re-execute the committed notebooks (after changing them or the code they show).
notebooks: $(STAMP) $(STAMP_V3)
	$(PY) aux/run_notebooks.py --refresh
	$(PY_V3) aux/run_notebooks.py --refresh

lint: $(TEST_STAMP)
	$(PY) -m ruff check .

format: $(TEST_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf outputs .pytest_cache
