# Two entry points (see README.md): `make lab` runs the lab headless, `make test` runs the tests.
# Each one creates .venv and installs requirements.txt first when needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: lab test lint format setup clean

setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The main job: train with the script-mode entry point on the bundled data, print the metrics.
lab: $(STAMP)
	$(PY) code/xgboost_train.py \
		--train dataset/adult_data_processed_train.csv \
		--validation dataset/adult_data_processed_validation.csv \
		--model-dir outputs/lab/model \
		--num_round 1000 --eta 0.1 --max_depth 6 --subsample 0.8 --early_stopping_rounds 20

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf outputs .pytest_cache
