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

# Metric names XGBoost (and the built-in algorithm) can print, for the predefined definitions.
XGBOOST_METRICS = (
    "accuracy", "auc", "aucpr", "balanced_accuracy", "error", "f1", "f1_binary", "f1_macro",
    "gamma-deviance", "gamma-nloglik", "logloss", "mae", "map", "mape", "merror", "mlogloss",
    "mphe", "mse", "ndcg", "poisson-nloglik", "precision_macro", "precision_micro", "r2",
    "recall_macro", "recall_micro", "rmse", "rmsle", "cox-nloglik", "tweedie-nloglik",
)  # fmt: skip
# Metrics where larger is better (the rest are losses or errors).
MAXIMIZED = ("accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "map", "ndcg", "precision",
             "recall", "r2")  # fmt: skip


def cloudwatch_line(line: str) -> str:
    """A log line as CloudWatch renders it (TAB -> #011)."""
    return line.replace("\t", "#011")


def xgboost_definition(name: str) -> dict[str, str]:
    """SageMaker's predefined definition for an XGBoost metric such as `validation:auc`."""
    data, _, metric = name.partition(":")
    regex = rf".*\[[0-9]+\].*#011{re.escape(data)}-{re.escape(metric)}:{NUMBER}.*"
    return {"Name": name, "Regex": regex}


def is_xgboost_image(image: str) -> bool:
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


def is_maximized(metric_name: str) -> bool:
    """Whether larger is better for a metric such as `validation:auc` or `valid-f1`."""
    base = re.split(r"[:\-]", metric_name)[-1].split("@")[0]
    return any(base == m or base.startswith(m + "_") for m in MAXIMIZED)
