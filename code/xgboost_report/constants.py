"""Settings shared by the report's modules: file names, the positive class, the threshold."""

from __future__ import annotations

REPORT_FILE_NAME = "xgboost_report.html"
HISTORY_FILE_NAME = "eval_history.json"
DEFAULT_TITLE = "XGBoost Training Report"
POSITIVE_LABEL = 1  # "<=50K" in the lab: the people the assistance programme is for
THRESHOLD = 0.5  # binary:logistic: probability above it -> label 1 (as XGBoost's `error`)
MODEL_PREFIX = "xgboost-model"  # built-in: xgboost-model; script mode: xgboost-model.json
LABEL_COLUMN_NAMES = ("income", "label")  # a header row may name the label column
IMPORTANCE_TYPES = ("weight", "gain", "cover")
MAX_STEPS = 50  # accuracy over iterations: about this many evaluated rounds
PNG_DPI = 100
