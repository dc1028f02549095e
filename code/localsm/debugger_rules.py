"""SageMaker Debugger's built-in rules for XGBoost, evaluated locally once the job has trained.

On SageMaker each rule is a processing job reading the Debugger tensors the training job saved
(`metrics`, `labels`, `predictions`, `feature_importance`, `trees`). Locally there are no
tensors: every rule reads the same quantities from what the job left behind, the per-round
evaluation history (`output/data/eval_history.json`: the `metrics` collection, one step per
boosting round), the model (trees and feature importance) and the validation channel with the
model's predictions on it (`labels`, `predictions`). The rules' containers are closed source:
their parameters and what each one checks are those of AWS's "List of Debugger built-in rules"
(sagemaker/latest/dg/debugger-built-in-rules.html), read as the comment of each rule says.
A rule that ends `IssuesFound` says which step and value triggered it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from localsm.metrics import is_maximized

NO_ISSUES, ISSUES, ERROR = "NoIssuesFound", "IssuesFound", "Error"
HISTORY_FILE = ("output", "data", "eval_history.json")
SETS = {"TRAIN": ("train",), "EVAL": ("validation",), "GLOBAL": ("validation", "train")}


class RuleError(ValueError):
    """The rule cannot be evaluated (bad parameter, data it needs missing): status Error."""


@dataclass
class Evidence:
    """What a local job left that the rules read; each piece is loaded on first use."""

    ml_root: Path

    @cached_property
    def history(self) -> dict[str, dict[str, list[float]]]:
        """{"train": {"rmse": [...]}, "validation": {...}}: one value per boosting round."""
        path = self.ml_root.joinpath(*HISTORY_FILE)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise RuleError(
                f"no evaluation history ({'/'.join(HISTORY_FILE)}) in the job: the rule needs "
                "the metrics the job printed per round"
            ) from None
        evals = data.get("evals_result", data) if isinstance(data, dict) else {}
        history = {
            str(name): {str(m): [float(v) for v in values] for m, values in metrics.items()}
            for name, metrics in evals.items()
            if isinstance(metrics, dict)
        }
        if not any(history.values()):
            raise RuleError(f"the evaluation history {'/'.join(HISTORY_FILE)} holds no metric")
        return history

    @cached_property
    def booster(self) -> Any:
        from xgboost_report.model_io import load_model

        return load_model(self.ml_root / "model")

    @cached_property
    def labelled(self) -> tuple[np.ndarray, np.ndarray]:
        """(labels, predictions) on the validation channel (train when there is none)."""
        from xgboost_report.inputs import read_dataset

        data_root = self.ml_root / "input" / "data"
        config_file = self.ml_root / "input" / "config" / "inputdataconfig.json"
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
        for channel in ("validation", "train"):
            folder = data_root / channel
            if folder.is_dir() and any(p.is_file() for p in folder.rglob("*")):
                content_type = (config.get(channel) or {}).get("ContentType")
                data = read_dataset(folder, self.booster.num_features(), content_type)
                if data.labels is None:
                    break
                import xgboost as xgb

                predictions = self.booster.predict(xgb.DMatrix(data.features))
                return np.asarray(data.labels), np.asarray(predictions)
        raise RuleError("no labelled validation or train channel to read labels from")

    @property
    def objective(self) -> str:
        from xgboost_report.model_io import booster_objective

        return booster_objective(self.booster)


# ---------------------------------------------------------------------------- parameters


def _number(params: dict[str, str], name: str, default: float, integer: bool = False) -> float:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise RuleError(f"rule parameter {name}={text!r} is not {kind}") from None
    if integer and value < 0:
        raise RuleError(f"rule parameter {name}={text!r} must be 0 or more")
    return value


def _flag(params: dict[str, str], name: str, default: bool) -> bool:
    text = params.get(name)
    if text is None:
        return default
    if text.strip().lower() not in ("true", "false"):
        raise RuleError(f"rule parameter {name}={text!r} must be True or False")
    return text.strip().lower() == "true"


def _regexes(params: dict[str, str], name: str) -> list[re.Pattern] | None:
    text = params.get(name)
    if not text:
        return None
    try:
        return [re.compile(p.strip()) for p in text.split(",") if p.strip()]
    except re.error as error:
        raise RuleError(
            f"rule parameter {name}={text!r} is not a regular expression: {error}"
        ) from None


def losses(
    evidence: Evidence, params: dict[str, str], sets: tuple[str, ...]
) -> dict[str, list[float]]:
    """The loss series a rule inspects, named as Debugger names XGBoost's metric tensors
    (`validation-rmse`): the metrics XGBoost minimises (an AUC is not a loss), or every
    metric a `tensor_regex` names."""
    patterns = _regexes(params, "tensor_regex")
    found = {}
    for data_set in sets:
        for metric, values in evidence.history.get(data_set, {}).items():
            name = f"{data_set}-{metric}"
            if patterns is None and not is_maximized(metric):
                found[name] = values
            elif patterns is not None and any(p.fullmatch(name) or p.search(name)
                                              for p in patterns):  # fmt: skip
                found[name] = values
    return found


# ---------------------------------------------------------------------------- the rules


def loss_not_decreasing(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """Every `num_steps` steps, the loss must have fallen by at least `diff_percent` % since
    the step checked last; and it may not rise more than `increase_threshold_percent` % above
    its lowest value."""
    num_steps = max(1, int(_number(params, "num_steps", 10, integer=True)))
    diff = _number(params, "diff_percent", 0.1)
    rise = _number(params, "increase_threshold_percent", 5)
    mode = params.get("mode", "GLOBAL").upper()
    if mode not in SETS:
        raise RuleError(f"rule parameter mode={mode!r} must be EVAL, TRAIN or GLOBAL")
    series = losses(evidence, params, SETS[mode])
    if not series:
        raise RuleError("no loss among the job's metrics (set tensor_regex to name one)")
    for name, values in series.items():
        checked, lowest = 0, values[0]
        for step in range(1, len(values)):
            lowest = min(lowest, values[step - 1])
            if values[step] > lowest * (1 + rise / 100) and values[step] > lowest:
                return True, (
                    f"{name} rose to {values[step]:.5g} at step {step}, more than "
                    f"{rise:g}% above its lowest value {lowest:.5g}"
                )
            if step - checked < num_steps:
                continue
            before = values[checked]
            fallen = (before - values[step]) / abs(before) * 100 if before else 0.0
            if fallen < diff:
                return True, (
                    f"{name} fell {fallen:.3g}% from step {checked} to step {step} "
                    f"({before:.5g} -> {values[step]:.5g}), less than diff_percent={diff:g}"
                )
            checked = step
    return False, f"checked {', '.join(series)} every {num_steps} steps"


def overfit(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """From `start_step`, (mean validation loss - mean training loss) / mean training loss,
    means over the steps seen so far, may exceed `ratio_threshold` for fewer than `patience`
    steps in a row."""
    start = int(_number(params, "start_step", 0, integer=True))
    patience = max(1, int(_number(params, "patience", 1, integer=True)))
    threshold = _number(params, "ratio_threshold", 0.1)
    train = losses(evidence, params, ("train",))
    pairs = [(n, v, train[n.replace("validation-", "train-", 1)])
             for n, v in losses(evidence, params, ("validation",)).items()
             if n.replace("validation-", "train-", 1) in train]  # fmt: skip
    if not pairs:
        raise RuleError("the rule compares training and validation losses: the job has no "
                        "validation channel, or no metric on both")  # fmt: skip
    for name, validation, training in pairs:
        over = 0
        for step in range(start, min(len(validation), len(training))):
            mean_train = float(np.mean(training[start : step + 1]))
            mean_val = float(np.mean(validation[start : step + 1]))
            ratio = (mean_val - mean_train) / abs(mean_train) if mean_train else math.inf
            over = over + 1 if ratio > threshold else 0
            if over >= patience:
                metric = name.split("-", 1)[1]
                return True, (
                    f"at step {step} the mean validation {metric} {mean_val:.5g} is "
                    f"{ratio:.3g} x above the mean training {metric} {mean_train:.5g} "
                    f"(ratio_threshold={threshold:g})"
                )
    return False, f"validation within ratio_threshold={threshold:g} of training"


def overtraining(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """A loss that has not improved on its best value by more than `delta` for
    `patience_train` (training) or `patience_validation` (validation) steps."""
    delta = _number(params, "delta", 0.01)
    checked = []
    for data_set, key, default in (("validation", "patience_validation", 10),
                                   ("train", "patience_train", 5)):  # fmt: skip
        patience = max(1, int(_number(params, key, default, integer=True)))
        for name, values in losses(evidence, params, (data_set,)).items():
            checked.append(name)
            best, since = values[0], 0
            for step, value in enumerate(values[1:], start=1):
                if value < best - delta:
                    best, since = value, 0
                    continue
                since += 1
                if since >= patience:
                    return True, (
                        f"{name} has not improved on {best:.5g} by more than "
                        f"delta={delta:g} for {patience} steps (step {step})"
                    )
    if not checked:
        raise RuleError("no loss among the job's metrics (set tensor_regex to name one)")
    return False, f"{', '.join(checked)} kept improving by more than delta={delta:g}"


def class_imbalance(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """Largest / smallest class count above `threshold_imbalance`, or a class whose fraction
    of mispredictions is above `threshold_misprediction`; judged once `samples` labels seen."""
    imbalance = _number(params, "threshold_imbalance", 10)
    misprediction = _number(params, "threshold_misprediction", 0.7)
    samples = int(_number(params, "samples", 500, integer=True))
    argmax = _flag(params, "argmax", False)
    objective = evidence.objective
    if not objective.startswith(("binary:", "multi:")):
        raise RuleError(f"the rule needs class labels; objective {objective} is not a "
                        "classification")  # fmt: skip
    labels, predictions = evidence.labelled
    if labels.size < samples:
        return False, f"only {labels.size} labels, fewer than samples={samples}: not judged"
    if predictions.ndim == 2 or argmax:
        predicted = predictions.reshape(labels.size, -1).argmax(axis=1)
    elif objective in ("binary:logistic", "binary:logitraw"):
        predicted = (predictions > (0.5 if objective == "binary:logistic" else 0.0)).astype(int)
    else:
        predicted = predictions.astype(int)
    classes, counts = np.unique(labels.astype(int), return_counts=True)
    if counts.max() / counts.min() > imbalance:
        return True, (
            f"class {classes[counts.argmax()]} has {counts.max()} samples, class "
            f"{classes[counts.argmin()]} {counts.min()}: more than threshold_imbalance="
            f"{imbalance:g} times"
        )
    for cls in classes:
        wrong = float(np.mean(predicted[labels.astype(int) == cls] != cls))
        if wrong > misprediction:
            return True, (
                f"{wrong:.0%} of class {cls} is mispredicted (threshold_misprediction="
                f"{misprediction:g})"
            )
    return False, f"{len(classes)} classes, counts {counts.min()}..{counts.max()}"


def _depth(dump: str) -> float:
    """log2 of the largest node id of a tree's JSON dump (0 for a lone leaf)."""
    ids = [int(n) for n in re.findall(r'"nodeid":\s*(\d+)', dump)]
    return math.log2(max(ids)) if ids and max(ids) > 0 else 0.0


def tree_depth(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """A tree deeper than `depth`, a tree's depth being log2 of its largest node id."""
    limit = _number(params, "depth", 4)
    depths = [_depth(dump) for dump in evidence.booster.get_dump(dump_format="json")] or [0.0]
    where = max(range(len(depths)), key=depths.__getitem__)  # the first of the deepest
    deepest = depths[where]
    if deepest > limit:
        return True, (
            f"tree {where} has depth {deepest:.3g} (log2 of its largest node id), "
            f"more than depth={limit:g}"
        )
    return False, f"deepest tree: {deepest:.3g} (depth={limit:g})"


def feature_importance_overweight(evidence: Evidence, params: dict[str, str]) -> tuple[bool, str]:
    """The `nfeatures` largest normalised importances together above `threshold`."""
    threshold = _number(params, "threshold", 0.8)
    count = max(1, int(_number(params, "nfeatures", 3, integer=True)))
    regex = params.get("tensor_regex", ".*feature_importance/weight")
    kind = next((k for k in ("total_gain", "total_cover", "weight", "gain", "cover")
                 if k in regex), "weight")  # fmt: skip
    scores = evidence.booster.get_score(importance_type=kind)
    total = sum(scores.values())
    if not total:
        return False, "the model has no split: no feature importance"
    top = sorted(scores.values(), reverse=True)[:count]
    share = sum(top) / total
    if share > threshold:
        return True, (
            f"the {len(top)} most important features hold {share:.0%} of the {kind} "
            f"importance (threshold={threshold:g})"
        )
    return False, f"the {len(top)} most important features hold {share:.0%} of the {kind}"


RULES: dict[str, Callable[[Evidence, dict[str, str]], tuple[bool, str]]] = {
    "LossNotDecreasing": loss_not_decreasing,
    "Overfit": overfit,
    "Overtraining": overtraining,
    "ClassImbalance": class_imbalance,
    "TreeDepth": tree_depth,
    "FeatureImportanceOverweight": feature_importance_overweight,
}


def evaluate(name: str, params: dict[str, str], evidence: Evidence) -> tuple[str, str]:
    """(RuleEvaluationStatus, StatusDetails) of built-in rule `name` on a finished job."""
    rule = RULES.get(name)
    if rule is None:
        return ERROR, (
            f"Rule {name} is not evaluated in local mode (it evaluates "
            f"{', '.join(RULES)} and CreateXgboostReport): run the job on SageMaker to "
            "evaluate it."
        )
    try:
        found, details = rule(evidence, params)
    except RuleError as error:
        return ERROR, f"{name}: {error}"
    return (ISSUES if found else NO_ISSUES), details
