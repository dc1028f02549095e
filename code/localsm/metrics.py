"""Metrics from a training log, the way SageMaker reads them from CloudWatch.

A metric definition is `{"Name": ..., "Regex": ...}`; the first group of the regex is the
value. SageMaker applies the regexes to each log line as CloudWatch stores it, where a TAB is
written `#011`; the definitions SageMaker predefines for its XGBoost image rely on that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def definitions_for(algorithm_spec: dict, extra_names: tuple[str, ...] = ()) -> list[dict]:
    """The metric definitions a job is read with: its own, else the XGBoost image's."""
    own = list(algorithm_spec.get("MetricDefinitions") or [])
    if own or not is_xgboost_image(algorithm_spec.get("TrainingImage", "")):
        return own
    names = [f"{d}:{m}" for d in ("train", "validation") for m in XGBOOST_METRICS]
    names += [n for n in extra_names if n.startswith(("train:", "validation:")) and n not in names]
    return [xgboost_definition(n) for n in names]


def is_builtin_xgboost(request: dict) -> bool:
    """Whether a training request runs the XGBoost image's built-in algorithm (no script: no
    `sagemaker_program` hyperparameter, no entrypoint of its own)."""
    spec = request.get("AlgorithmSpecification", {})
    hyperparameters = request.get("HyperParameters") or request.get("StaticHyperParameters") or {}
    return (
        is_xgboost_image(spec.get("TrainingImage", ""))
        and "sagemaker_program" not in hyperparameters
        and not spec.get("ContainerEntrypoint")
    )


def described_specification(request: dict) -> dict:
    """`AlgorithmSpecification` as DescribeTrainingJob shows it: a built-in XGBoost job lists
    the image's predefined metric definitions (`train:<m>`, `validation:<m>`) when it gave none,
    as SageMaker does (SDK v2's `TrainingJobAnalytics` reads them)."""
    spec = dict(request["AlgorithmSpecification"])
    if not spec.get("MetricDefinitions") and is_builtin_xgboost(request):
        objective = request.get("HyperParameters", {}).get("_tuning_objective_metric", "")
        spec["MetricDefinitions"] = definitions_for(spec, (objective,) if objective else ())
    return spec


def definition_problem(definition: dict) -> str | None:
    """Why a metric definition can never yield a value (None when it can): its regex does not
    compile, or has no group to capture the value."""
    try:
        compiled = re.compile(definition["Regex"])
    except re.error as error:
        return f"its Regex does not compile ({error}; local mode uses Python's re module)"
    if compiled.groups < 1:
        return "its Regex has no capturing group: put the value's pattern in (...)"
    return None


class MetricTracker:
    """Reads metric values from log lines as they arrive, keeping only what metrics need:
    the last value of each definition (`FinalMetricDataList`) and a bounded series per metric
    (for the tuner's early stopping). Never the log itself: a job may print gigabytes."""

    MAX_SERIES = 100_000  # values kept per metric; a real job logs one per round

    def __init__(self, definitions: list[dict], predefined: bool) -> None:
        self.definitions = definitions
        self._compiled = []
        for definition in definitions:
            if definition_problem(definition) is None:
                self._compiled.append((definition["Name"], re.compile(definition["Regex"])))
        # SageMaker's XGBoost definitions only match a line with a TAB (a real one, or `#011` as
        # CloudWatch shows it and scripts may print it) and their own `<set>-<metric>:` text: a
        # cheap substring test first spares ~70 regex searches a line.
        self._tokens = (
            {name: name.replace(":", "-", 1) + ":" for name, _ in self._compiled}
            if predefined
            else None
        )
        self._last: dict[str, dict] = {}
        self._series: dict[str, list[float]] = {}
        self._stamps: dict[str, list[datetime]] = {}

    @classmethod
    def for_job(cls, algorithm_spec: dict, extra_names: tuple[str, ...] = ()) -> MetricTracker:
        """The tracker for a job: its own definitions, else the XGBoost image's."""
        predefined = not algorithm_spec.get("MetricDefinitions")
        return cls(definitions_for(algorithm_spec, extra_names), predefined)

    def feed(self, line: str, clock: Callable[[], datetime]) -> None:
        """One log line (without its newline); `clock()` stamps a value found."""
        if self._tokens is not None and "\t" not in line and "#011" not in line:
            return
        rendered = cloudwatch_line(line)
        for name, regex in self._compiled:
            if self._tokens is not None and self._tokens[name] not in rendered:
                continue
            match = regex.search(rendered)
            if not match:
                continue
            try:
                value = float(match.group(1))
            except (TypeError, ValueError):
                continue
            self._last[name] = {"MetricName": name, "Value": value, "Timestamp": clock()}
            series = self._series.setdefault(name, [])
            if len(series) < self.MAX_SERIES:
                series.append(value)
                self._stamps.setdefault(name, []).append(self._last[name]["Timestamp"])

    def final(self) -> list[dict]:
        """`FinalMetricDataList`: the last value of each defined metric found, in order."""
        return [dict(self._last[d["Name"]]) for d in self.definitions if d["Name"] in self._last]

    def series(self, name: str) -> list[float]:
        """Every value of metric `name` logged so far (bounded by MAX_SERIES)."""
        return list(self._series.get(name, ()))

    def points(self, name: str) -> list[tuple[datetime, float]]:
        """(time logged, value) of metric `name`, as CloudWatch Metrics keeps them."""
        return list(zip(self._stamps.get(name, ()), self._series.get(name, ()), strict=True))
