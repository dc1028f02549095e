"""Metrics from a training log, the way SageMaker reads them from CloudWatch.

A metric definition is `{"Name": ..., "Regex": ...}`; the first group of the regex is the
value. SageMaker applies the regexes to each log line as CloudWatch stores it, where a TAB is
written `#011`; the definitions SageMaker predefines for its XGBoost image rely on that.
"""

from __future__ import annotations

import re
from datetime import datetime

NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
XGBOOST_IMAGE_MARKER = "sagemaker-xgboost"

# Every metric the XGBoost image can print, with its direction (the tuning API's words): XGBoost's
# own metrics, then the ones the built-in algorithm computes itself. The single table for the
# predefined metric definitions, the built-in algorithm's `eval_metric` check and early stopping.
# `interval-regression-accuracy` is minimised because the container lists it so.
MAXIMIZE, MINIMIZE = "Maximize", "Minimize"
XGBOOST_METRICS: dict[str, str] = {
    "auc": MAXIMIZE, "aucpr": MAXIMIZE, "map": MAXIMIZE, "ndcg": MAXIMIZE,
    "aft-nloglik": MINIMIZE, "cox-nloglik": MINIMIZE, "error": MINIMIZE,
    "gamma-deviance": MINIMIZE, "gamma-nloglik": MINIMIZE,
    "interval-regression-accuracy": MINIMIZE, "logloss": MINIMIZE, "mae": MINIMIZE,
    "mape": MINIMIZE, "merror": MINIMIZE, "mlogloss": MINIMIZE, "mphe": MINIMIZE,
    "poisson-nloglik": MINIMIZE, "rmse": MINIMIZE, "rmsle": MINIMIZE,
    "tweedie-nloglik": MINIMIZE,
    # computed by the built-in algorithm, not by XGBoost
    "accuracy": MAXIMIZE, "balanced_accuracy": MAXIMIZE, "f1": MAXIMIZE, "f1_binary": MAXIMIZE,
    "f1_macro": MAXIMIZE, "mse": MINIMIZE, "precision": MAXIMIZE, "precision_macro": MAXIMIZE,
    "precision_micro": MAXIMIZE, "r2": MAXIMIZE, "recall": MAXIMIZE, "recall_macro": MAXIMIZE,
    "recall_micro": MAXIMIZE,
}  # fmt: skip


def is_maximized(metric: str) -> bool:
    """Whether larger is better for `auc`, `ndcg@5` or `validation:auc`; unknown: minimised."""
    name = metric.rpartition(":")[2].split("@", 1)[0]
    return XGBOOST_METRICS.get(name) == MAXIMIZE


def cloudwatch_line(line: str) -> str:
    """A log line as CloudWatch renders it (TAB -> #011)."""
    return line.replace("\t", "#011")


def xgboost_definition(name: str) -> dict[str, str]:
    """SageMaker's predefined definition for an XGBoost metric such as `validation:auc`."""
    data, _, metric = name.partition(":")
    regex = rf".*\[[0-9]+\].*#011{re.escape(data)}-{re.escape(metric)}:{NUMBER}.*"
    return {"Name": name, "Regex": regex}


def is_xgboost_image(image: str) -> bool:
    """Whether a training image is SageMaker's XGBoost image (its metrics are predefined)."""
    return XGBOOST_IMAGE_MARKER in (image or "")


def definitions_for(
    algorithm_spec: dict, log_text: str | None = None, extra_names: tuple[str, ...] = ()
) -> list[dict]:
    """The metric definitions a job is read with: its own, else the XGBoost image's.

    With `log_text`, predefined XGBoost definitions whose metric never appears in the log are
    left out (a cheap substring test that saves thousands of regex searches).
    """
    own = list(algorithm_spec.get("MetricDefinitions") or [])
    if own or not is_xgboost_image(algorithm_spec.get("TrainingImage", "")):
        return own
    names = [f"{d}:{m}" for d in ("train", "validation") for m in XGBOOST_METRICS]
    names += [n for n in extra_names if n.startswith(("train:", "validation:")) and n not in names]
    if log_text is not None:
        names = [n for n in names if n.replace(":", "-", 1) + ":" in log_text]
    return [xgboost_definition(n) for n in names]


def final_metrics(
    lines: list[tuple[datetime, str]], definitions: list[dict[str, str]]
) -> list[dict]:
    """`FinalMetricDataList`: the last value of each defined metric found in the log."""
    compiled = []
    for definition in definitions:
        try:
            compiled.append((definition["Name"], re.compile(definition["Regex"])))
        except re.error:
            continue
    found: dict[str, dict] = {}
    for timestamp, line in lines:
        rendered = cloudwatch_line(line)
        for name, regex in compiled:
            match = regex.search(rendered)
            if match and match.groups():
                try:
                    value = float(match.group(1))
                except ValueError:
                    continue
                found[name] = {"MetricName": name, "Value": value, "Timestamp": timestamp}
    return [found[d["Name"]] for d in definitions if d["Name"] in found]
