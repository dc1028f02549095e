"""The SageMaker built-in XGBoost algorithm, run locally as a plain process.

Stands in for the image ``sagemaker-xgboost:1.5-1`` / ``1.7-1`` started without a
``sagemaker_program`` hyperparameter. The job runner starts it as::

    python <repo>/code/localsm/builtin_xgboost.py <ml_root>

where ``<ml_root>`` has the container layout (``/opt/ml`` on SageMaker):

* reads ``input/config/hyperparameters.json`` (``{name: string}``),
  ``input/config/inputdataconfig.json`` and the files under ``input/data/<channel>/``;
* prints one line per boosting round with XGBoost's own evaluation monitor,
  ``[N]<TAB>train-<metric>:<5 decimals><TAB>validation-<metric>:...``, which is what
  SageMaker's metric definitions for this image (and a tuning job) read;
* writes ``model/xgboost-model`` (``Booster.save_model``, UBJSON; never pickle) and
  ``output/data/eval_history.json``: ``{"evals_result": {"train": {"logloss": [...]}, ...},
  "metrics", "objective", "num_features", "hyperparameters", "xgboost_params",
  "best_iteration", ...}`` for the training report;
* exit 0 on success; exit 1 with ``ClientError: <reason>`` in ``output/failure`` for a
  problem the user can fix; exit 2 with ``AlgorithmError: framework error: ...`` (and the
  traceback) for anything else.

Hyperparameters are checked the way the container checks them (same names, ranges and error
texts); nothing is filled in with defaults, so what the user leaves out is XGBoost's own
default. Data checks go further than the container: a CSV header row or a text value fails
with the file, line and column instead of training on garbage.

Start-up is most of a small job's overhead, so the module imports only the standard library,
NumPy and XGBoost (pyarrow only for Parquet), reads CSV with NumPy's C parser, keeps XGBoost
from importing scikit-learn and pandas when run as a script, and imports nothing from the rest
of ``localsm``: ``python .../localsm/builtin_xgboost.py <ml_root>`` works too (and starts
faster than ``-m``, which first runs the package's ``__init__``).
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Modules XGBoost imports at start-up that this process does not need when run as a script:
# scikit-learn (for XGBoost's sklearn-style wrappers) and pandas (to recognise DataFrames; we
# hand XGBoost NumPy arrays). Measured here: `import xgboost` takes 1.9 s with them, 0.5 s
# without. A None entry in sys.modules makes `import x` raise ImportError (documented
# import-system behaviour), which XGBoost treats as "not installed". Parquet input lifts the
# pandas block.
UNUSED_MODULES = ("sklearn", "pandas")
if __name__ == "__main__" and "xgboost" not in sys.modules:
    for _name in UNUSED_MODULES:
        sys.modules.setdefault(_name, None)  # type: ignore[arg-type]

import numpy as np  # noqa: E402
import xgboost as xgb  # noqa: E402

MODEL_FILE_NAME = "xgboost-model"
HISTORY_FILE_NAME = "eval_history.json"
TRAIN, VALIDATION = "train", "validation"


class ClientError(Exception):
    """A problem the user can fix (hyperparameters, channels, data): exit code 1."""


# ---------------------------------------------------------------------------------------------
# Hyperparameters: one table, name -> type and range (the container's names and ranges)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How one hyperparameter is parsed and which values it accepts."""

    kind: str  # int | float | choice | list | metrics | objective_metric | tuple | nested
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()

    def range_text(self) -> str:
        """The range as the container prints it: `[1, +inf)`, `(0, 1]`, `['a', 'b']`."""
        if self.kind in ("choice", "list"):
            return str(list(self.choices))
        low = "(-inf" if self.low is None else f"{'(' if self.low_open else '['}{self.low}"
        high = "+inf)" if self.high is None else f"{self.high}{')' if self.high_open else ']'}"
        return f"{low}, {high}"

    def contains(self, value: float) -> bool:
        """Whether a parsed number is inside the range (NaN and infinities never are)."""
        if isinstance(value, float) and math.isnan(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return not (self.high is None and value == math.inf)


def integer(
    low: int | None = None, high: int | None = None, *, low_open: bool = False,
    high_open: bool = False,
) -> Spec:  # fmt: skip
    """An integer in [low, high] (or with open ends); None: unbounded."""
    return Spec("int", low, high, low_open, high_open)


def real(
    low: float | None = None, high: float | None = None, *, low_open: bool = False,
    high_open: bool = False,
) -> Spec:  # fmt: skip
    """A float in [low, high] (or with open ends); None: unbounded."""
    return Spec("float", low, high, low_open, high_open)


def one_of(*choices: str) -> Spec:
    """One of the given strings, exactly."""
    return Spec("choice", choices=choices)


def list_of(*choices: str) -> Spec:
    """A comma-separated list whose items are all in `choices`."""
    return Spec("list", choices=choices)


OBJECTIVES = (
    "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "multi:softmax",
    "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror",
    "reg:squaredlogerror", "reg:tweedie", "survival:aft", "survival:cox",
    "reg:absoluteerror",  # 1.7-1 only; accepted here for both image versions
)  # fmt: skip

UPDATERS = (
    "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker",
    "grow_quantile_histmaker", "sync", "refresh", "prune", "shotgun", "coord_descent",
)  # fmt: skip

HYPERPARAMETERS: dict[str, Spec] = {
    # --- read by the container itself, never passed to XGBoost ---
    "num_round": integer(1),  # the only required one
    "csv_weights": integer(0, 1),
    "early_stopping_rounds": integer(1),
    "_tuning_objective_metric": Spec("objective_metric"),  # "validation:auc", set by tuning
    "save_model_on_termination": one_of("true", "false"),
    "use_dask_gpu_training": one_of("true", "false"),
    "_kfold": integer(2),
    "_num_cv_round": integer(1),
    # --- general ---
    "booster": one_of("gbtree", "gblinear", "dart"),
    "verbosity": integer(0, 3),
    "nthread": integer(1),
    # --- tree booster ---
    "eta": real(0, 1),
    "gamma": real(0),
    "max_depth": integer(0),
    "min_child_weight": real(0),
    "max_delta_step": real(0),
    "subsample": real(0, 1, low_open=True),
    "colsample_bytree": real(0, 1, low_open=True),
    "colsample_bylevel": real(0, 1, low_open=True),
    "colsample_bynode": real(0, 1, low_open=True),
    "lambda": real(0),
    "alpha": real(0),
    "tree_method": one_of("auto", "exact", "approx", "hist", "gpu_hist"),
    "sketch_eps": real(0, 1, low_open=True, high_open=True),
    "scale_pos_weight": real(0, low_open=True),
    "updater": list_of(*UPDATERS),
    "dsplit": one_of("row", "col"),
    "refresh_leaf": integer(0, 1),
    "process_type": one_of("default", "update"),
    "grow_policy": one_of("depthwise", "lossguide"),
    "max_leaves": integer(0),
    "max_bin": integer(0),
    "predictor": one_of("auto", "cpu_predictor", "gpu_predictor"),
    "sampling_method": one_of("uniform", "gradient_based"),
    "single_precision_histogram": one_of("true", "false"),
    "deterministic_histogram": one_of("true", "false"),
    "prob_buffer_row": integer(1, low_open=True),
    "monotone_constraints": Spec("tuple"),  # "(1,0,-1)": one of -1/0/1 per feature
    "interaction_constraints": Spec("nested"),  # "[[0,1],[2,3]]": feature indices
    "num_parallel_tree": integer(1),
    # --- dart booster ---
    "sample_type": one_of("uniform", "weighted"),
    "normalize_type": one_of("tree", "forest"),
    "rate_drop": real(0, 1),
    "one_drop": integer(0, 1),
    "skip_drop": real(0, 1),
    # --- linear booster ---
    "lambda_bias": real(0, 1),
    # --- learning task ---
    "objective": one_of(*OBJECTIVES),
    "num_class": integer(2),
    "base_score": real(0),
    "eval_metric": Spec("metrics"),  # comma-separated
    "seed": integer(-(2**31), 2**31 - 1, low_open=True, high_open=True),
    "tweedie_variance_power": real(1, 2, low_open=True, high_open=True),
    "aft_loss_distribution": one_of("normal", "logistic", "extreme"),
    "aft_loss_distribution_scale": real(0),
}

REQUIRED = ("num_round",)
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
           "reg_alpha": "alpha"}  # fmt: skip
# Read by the container, not by XGBoost.
CONTAINER_ONLY = (
    "num_round", "csv_weights", "early_stopping_rounds", "_tuning_objective_metric",
    "save_model_on_termination", "use_dask_gpu_training", "_kfold", "_num_cv_round",
)  # fmt: skip
NOT_SUPPORTED_LOCALLY = {
    "_kfold": "k-fold cross-validation mode",
    "_num_cv_round": "k-fold cross-validation mode",
}
# Accepted for compatibility; XGBoost 3 no longer has them and would only warn.
REMOVED_IN_XGBOOST_3 = ("predictor", "single_precision_histogram", "deterministic_histogram",
                        "lambda_bias", "dsplit", "sketch_eps", "prob_buffer_row")  # fmt: skip

# Metrics XGBoost computes itself.
XGBOOST_METRICS = (
    "auc", "aucpr", "map", "ndcg", "aft-nloglik", "cox-nloglik", "error", "gamma-deviance",
    "gamma-nloglik", "interval-regression-accuracy", "logloss", "mae", "mape", "merror",
    "mlogloss", "mphe", "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik",
)  # fmt: skip
# Metrics the container adds on top (computed here with NumPy, on the predicted classes).
CONTAINER_METRICS = (
    "accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "mse", "precision",
    "precision_macro", "precision_micro", "r2", "recall", "recall_macro", "recall_micro",
)  # fmt: skip
METRICS = XGBOOST_METRICS + CONTAINER_METRICS
MAXIMIZED_METRICS = ("accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary",
                     "f1_macro", "map", "ndcg", "precision", "precision_macro", "precision_micro",
                     "r2", "recall", "recall_macro", "recall_micro")  # fmt: skip
THRESHOLD_METRICS = ("error", "ndcg", "map")  # error@0.6, ndcg@5, map@5


def is_maximized(metric: str) -> bool:
    """Whether larger is better for `metric` (`ndcg@5` counts as `ndcg`)."""
    return metric.split("@", 1)[0] in MAXIMIZED_METRICS


def _decode(value: Any) -> str:
    """A hyperparameter value as text; framework estimators JSON-quote strings (`"\\"x\\""`)."""
    if not isinstance(value, str):
        return json.dumps(value) if isinstance(value, bool) else str(value)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, str) else value
    return value


def _parse(spec: Spec, text: str) -> Any:
    """Text -> typed value; ValueError when it does not parse."""
    if spec.kind == "int":
        return int(text)
    if spec.kind == "float":
        return float(text)
    if spec.kind in ("list", "metrics"):
        items = [item.strip() for item in text.split(",")]
        if not all(items):
            raise ValueError("empty item")
        return items
    if spec.kind in ("tuple", "nested"):
        try:
            value = ast.literal_eval(text.strip())
        except (SyntaxError, ValueError) as error:
            raise ValueError(str(error)) from None
        if spec.kind == "tuple":
            if isinstance(value, int):
                value = (value,)
            if not isinstance(value, (tuple, list)) or not all(type(v) is int for v in value):
                raise ValueError("not a tuple of integers")
            return tuple(value)
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(group, (list, tuple)) and all(type(v) is int for v in group)
            for group in value
        ):
            raise ValueError("not a list of lists of integers")
        return [list(group) for group in value]
    return text  # choice, objective_metric


def _check_metric(metric: str) -> None:
    """One `eval_metric` item: a known name, or `error@t` / `ndcg@n` / `map@n`."""
    if "<function" in metric:
        raise ClientError(f"User defined evaluation metric {metric} is not supported yet.")
    if "@" in metric:
        name, _, threshold = metric.partition("@")
        if name not in THRESHOLD_METRICS:
            raise ClientError(
                f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized "
                "threshold should be one of these options: 'error', 'ndcg', 'map'."
            )
        try:
            float(threshold)
        except ValueError:
            raise ClientError(f"Threshold value 't' in '{name}@t' expects float input.") from None
    elif metric not in METRICS:
        raise ClientError(
            f"Hyperparameter eval_metric: value {metric} not in range {sorted(METRICS)}"
        )


def _check_range(name: str, spec: Spec, value: Any) -> None:
    if spec.kind in ("int", "float"):
        if not spec.contains(value):
            raise ClientError(f"Hyperparameter {name}: {value} is not in {spec.range_text()}")
    elif spec.kind == "choice":
        if value not in spec.choices:
            raise ClientError(f"Hyperparameter {name}: {value} is not in {spec.range_text()}")
    elif spec.kind == "list":
        if any(item not in spec.choices for item in value):
            raise ClientError(
                f"Hyperparameter {name}: value {value} not in range {spec.range_text()}"
            )
    elif spec.kind == "metrics":
        for metric in value:
            _check_metric(metric)
    elif spec.kind == "objective_metric":
        data, _, metric = value.partition(":")
        if data not in (TRAIN, VALIDATION) or metric not in METRICS:
            raise ClientError(
                f"Hyperparameter {name}: {value} is not an objective metric this algorithm "
                f"emits; use validation:<metric> or train:<metric> with <metric> one of "
                f"{', '.join(METRICS)}"
            )
    elif spec.kind == "tuple":
        if any(v not in (-1, 0, 1) for v in value):
            raise ClientError(f"Hyperparameter {name}: value {value} not in range [-1, 0, 1]")
    elif spec.kind == "nested":
        if any(v < 0 for group in value for v in group):
            raise ClientError(
                f"Hyperparameter {name}: value {value} not in range [0, +inf) (feature indices)"
            )


def _check_combinations(hps: dict[str, Any]) -> None:
    """The container's rules between hyperparameters."""
    objective = hps.get("objective", "reg:squarederror")  # XGBoost's default objective
    if objective.startswith("multi:") and "num_class" not in hps:
        raise ClientError("Require input for parameter 'num_class' for multi-classification")
    metrics = list(hps.get("eval_metric", []))
    if "_tuning_objective_metric" in hps:
        metrics.append(hps["_tuning_objective_metric"].partition(":")[2])
    if "auc" in metrics and not objective.startswith(("binary:", "rank:")):
        raise ClientError(
            "Metric 'auc' can only be applied for classification and ranking problems."
        )
    if "aft-nloglik" in metrics and objective != "survival:aft":
        raise ClientError("Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")
    tree_method = hps.get("tree_method")
    if "monotone_constraints" in hps and tree_method not in ("exact", "hist"):
        raise ClientError(
            "monotone_constraints can be used only when the tree_method parameter is set to "
            "either 'exact' or 'hist'."
        )
    if "interaction_constraints" in hps and tree_method not in ("exact", "hist", "approx"):
        raise ClientError(
            "interaction_constraints can be used only when the tree_method parameter is set to "
            "either 'exact', 'hist' or 'approx'."
        )
    updater = hps.get("updater")
    if updater and hps.get("booster") == "gblinear":
        if len(updater) != 1 or updater[0] not in ("shotgun", "coord_descent"):
            raise ClientError(
                "Linear updater should be one of these options: 'shotgun', 'coord_descent'."
            )
    elif updater and hps.get("process_type") == "update":
        if any(u not in ("refresh", "prune") for u in updater):
            raise ClientError(
                "process_type 'update' can only be used with updater 'refresh' and 'prune'"
            )


def validate_hyperparameters(raw: dict[str, Any]) -> dict[str, Any]:
    """Strings from hyperparameters.json -> typed values under their canonical names.

    Raises ClientError with the container's message for the first problem found. Keys that
    start with `sagemaker_` are the SDK's and are ignored; aliases become canonical names.
    """
    given: dict[str, tuple[str, str]] = {}  # canonical name -> (name as given, text)
    for key, value in raw.items():
        if key.startswith("sagemaker_"):
            continue
        canonical = ALIASES.get(key, key)
        if canonical in given:
            raise ClientError(
                f"Hyperparameters {given[canonical][0]} and {key} are the same parameter; "
                "give only one of them"
            )
        given[canonical] = (key, _decode(value))
    for name in REQUIRED:
        if name not in given:
            raise ClientError(f"Missing required hyperparameter: {name}")
    parsed: dict[str, Any] = {}
    for canonical, (key, text) in given.items():
        spec = HYPERPARAMETERS.get(canonical)
        if spec is None:
            raise ClientError(f"Extraneous hyperparameter found: {key}")
        try:
            parsed[canonical] = _parse(spec, text)
        except ValueError:
            raise ClientError(f"Hyperparameter {key}: could not parse value") from None
    for canonical, value in parsed.items():
        _check_range(given[canonical][0], HYPERPARAMETERS[canonical], value)
    _check_combinations(parsed)
    for name, what in NOT_SUPPORTED_LOCALLY.items():
        if name in parsed:
            raise ClientError(
                f"Hyperparameter {name}: the {what} of the built-in algorithm is not "
                "supported in local mode; remove it"
            )
    return parsed


@dataclass
class TrainingPlan:
    """What xgb.train gets, derived from the validated hyperparameters."""

    params: dict[str, Any]
    num_round: int
    metrics: list[str]  # every metric asked for, in order (tuning objective's last)
    custom_metrics: list[str]  # the ones computed here, not by XGBoost
    early_stopping_rounds: int | None
    stopping_metric: str | None  # None: XGBoost's choice (the last metric it evaluates)
    notes: list[str] = field(default_factory=list)


def plan_training(hps: dict[str, Any]) -> TrainingPlan:
    """XGBoost parameters and the container-level settings from validated hyperparameters."""
    notes: list[str] = []
    params: dict[str, Any] = {}
    for name, value in hps.items():
        if name in CONTAINER_ONLY or name == "eval_metric":
            continue
        if name in REMOVED_IN_XGBOOST_3:
            notes.append(f"{name} is ignored: XGBoost {xgb.__version__} no longer has it")
            continue
        if name == "tree_method" and value == "gpu_hist":
            notes.append("tree_method gpu_hist runs as hist on the CPU in local mode")
            value = "hist"
        if name == "updater":
            value = ",".join(value)
        elif name == "monotone_constraints":
            value = "(" + ",".join(str(v) for v in value) + ")"
        elif name == "interaction_constraints":
            value = json.dumps(value)
        params[name] = value
    metrics = list(hps.get("eval_metric", []))
    tuning = hps.get("_tuning_objective_metric")
    if tuning:
        metric = tuning.partition(":")[2]
        metrics = [m for m in metrics if m != metric] + [metric]
    native = [m for m in metrics if m not in CONTAINER_METRICS]
    if native:
        params["eval_metric"] = native
    if hps.get("use_dask_gpu_training") == "true":
        notes.append("use_dask_gpu_training is ignored: local mode trains on one CPU process")
    return TrainingPlan(
        params=params,
        num_round=hps["num_round"],
        metrics=metrics,
        custom_metrics=[m for m in metrics if m in CONTAINER_METRICS],
        early_stopping_rounds=hps.get("early_stopping_rounds"),
        stopping_metric=metrics[-1] if metrics else None,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# The container's own metrics (accuracy, f1, ...), on predicted classes, with NumPy
# ---------------------------------------------------------------------------------------------


def _predicted_classes(preds: np.ndarray, objective: str) -> np.ndarray:
    if preds.ndim == 2:  # multi:softprob: one probability per class
        return preds.argmax(axis=1).astype(np.float64)
    if objective == "multi:softmax":
        return np.rint(preds)
    # binary:logitraw gives margins; other objectives probabilities (or 0/1 for hinge)
    return (preds > (0.0 if objective == "binary:logitraw" else 0.5)).astype(np.float64)


def _per_class(labels: np.ndarray, predicted: np.ndarray):
    classes = np.union1d(labels, predicted)
    tp = np.array([np.sum((predicted == c) & (labels == c)) for c in classes], dtype=float)
    predicted_n = np.array([np.sum(predicted == c) for c in classes], dtype=float)
    actual_n = np.array([np.sum(labels == c) for c in classes], dtype=float)
    return classes, tp, predicted_n, actual_n


def _ratio(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def container_metric(name: str, labels: np.ndarray, preds: np.ndarray, objective: str) -> float:
    """One of CONTAINER_METRICS, with scikit-learn's definitions (zero when undefined)."""
    if name in ("mse", "r2"):
        values = preds if preds.ndim == 1 else _predicted_classes(preds, objective)
        residual = float(np.sum((labels - values) ** 2))
        if name == "mse":
            return residual / max(len(labels), 1)
        total = float(np.sum((labels - labels.mean()) ** 2))
        return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)
    predicted = _predicted_classes(preds, objective)
    if name in ("accuracy", "precision_micro", "recall_micro"):
        return float(np.mean(predicted == labels)) if len(labels) else 0.0
    classes, tp, predicted_n, actual_n = _per_class(labels, predicted)
    if name in ("precision", "recall", "f1_binary"):
        if len(classes) > 2 or not set(classes.tolist()) <= {0.0, 1.0}:
            raise ClientError(
                f"Metric {name} needs binary labels 0/1; for more classes use "
                f"{name.replace('_binary', '')}_macro"
            )
        where = classes == 1.0
        tp1, pred1, act1 = (float(np.sum(a[where])) for a in (tp, predicted_n, actual_n))
        if name == "precision":
            return float(_ratio(tp1, pred1))
        if name == "recall":
            return float(_ratio(tp1, act1))
        return float(_ratio(2 * tp1, pred1 + act1))
    if name == "balanced_accuracy":
        present = actual_n > 0
        return float(np.mean(_ratio(tp[present], actual_n[present])))
    if name == "precision_macro":
        return float(np.mean(_ratio(tp, predicted_n)))
    if name == "recall_macro":
        return float(np.mean(_ratio(tp, actual_n)))
    if name in ("f1", "f1_macro"):
        return float(np.mean(_ratio(2 * tp, predicted_n + actual_n)))
    raise KeyError(name)


def _custom_metric(names: list[str], objective: str) -> Callable | None:
    if not names:
        return None

    def evaluate(preds: np.ndarray, data: xgb.DMatrix) -> list[tuple[str, float]]:
        labels = data.get_label()
        return [(n, container_metric(n, labels, preds, objective)) for n in names]

    return evaluate


# ---------------------------------------------------------------------------------------------
# Channels and content types
# ---------------------------------------------------------------------------------------------

CHANNELS = {TRAIN: True, VALIDATION: False, "code": False}  # name -> required
ACCEPTED_CONTENT_TYPES = (
    "csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm", "text/x-libsvm",
    "application/x-parquet", "application/x-recordio-protobuf",
)  # fmt: skip
FORMATS = {
    "csv": "csv", "text/csv": "csv",
    "libsvm": "libsvm", "text/libsvm": "libsvm", "text/x-libsvm": "libsvm",
    "parquet": "parquet", "application/x-parquet": "parquet",
    "recordio-protobuf": "recordio", "application/x-recordio-protobuf": "recordio",
}  # fmt: skip
DEFAULT_CONTENT_TYPE = "text/libsvm"
INPUT_MODES = ("File", "Pipe")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")


def content_format(content_type: str | None) -> str:
    """`csv`, `libsvm` or `parquet` for a channel's ContentType (None: libsvm)."""
    if content_type is None:
        content_type = DEFAULT_CONTENT_TYPE
    base, *parameters = (part.strip() for part in content_type.lower().split(";"))
    fmt = FORMATS.get(base)
    if fmt is None:
        raise ClientError(
            f"{content_type} is not an accepted ContentType: {', '.join(ACCEPTED_CONTENT_TYPES)}."
        )
    if fmt == "csv":
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "label_size" and value.strip() != "1":
                raise ClientError(
                    f"{content_type} is not an accepted csv ContentType. "
                    "Optional parameter label_size must be equal to 1"
                )
    if fmt == "recordio":
        raise ClientError(
            f"ContentType {content_type} (RecordIO-protobuf) is not supported by the local "
            "built-in XGBoost algorithm; send text/csv, text/libsvm or application/x-parquet"
        )
    return fmt


def validate_channels(config: dict[str, dict]) -> dict[str, str]:
    """inputdataconfig.json -> {channel: format} for the data channels (train, validation)."""
    for name, required in CHANNELS.items():
        if required and name not in config:
            raise ClientError(f"Missing required channel: {name}")
    formats = {}
    for name, settings in config.items():
        if name not in CHANNELS:
            raise ClientError(f"Extraneous channel found: {name}")
        for key in ("TrainingInputMode", "S3DistributionType"):
            if key not in settings:
                raise ClientError(
                    f"Channel configuration for '{name}' channel has no {key} "
                    "(inputdataconfig.json needs ContentType, TrainingInputMode, "
                    "S3DistributionType and RecordWrapperType)"
                )
        if name == "code":
            continue
        unsupported = ClientError(
            f"Channel configuration for '{name}' channel is not supported: {settings}"
        )
        # Pipe is accepted where the container accepts it; locally the files are read either way.
        mode = settings["TrainingInputMode"]
        if mode not in INPUT_MODES or settings["S3DistributionType"] not in DISTRIBUTIONS:
            raise unsupported
        formats[name] = content_format(settings.get("ContentType"))
        if mode == "Pipe" and formats[name] == "libsvm":
            raise unsupported
    if VALIDATION in formats and "ContentType" not in config[VALIDATION]:
        formats[VALIDATION] = formats[TRAIN]  # the container reads both with train's type
    return formats


def channel_files(folder: Path, channel: str) -> list[Path]:
    """Every data file under a channel folder, sorted; a hidden file fails the job."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):  # also inside .hidden/ folders
            raise ClientError(
                "Hidden file found in the data path! Remove that before training. "
                f"({channel}/{relative.as_posix()})"
            )
        if path.stat().st_size > 0:
            files.append(path)
    return files


# ---------------------------------------------------------------------------------------------
# Reading data
# ---------------------------------------------------------------------------------------------

MISSING_TOKENS = ("", "nan", "NaN", "NAN", "NA", "N/A", "null", "NULL")


@dataclass
class Table:
    """One channel's data: features (dense or CSR), labels, optional weights, provenance."""

    channel: str
    features: Any
    labels: np.ndarray
    weights: np.ndarray | None
    sources: list[tuple[str, int]]  # (file as channel/relative, rows) in order

    @property
    def rows(self) -> int:
        return int(self.labels.shape[0])

    @property
    def columns(self) -> int:
        return int(self.features.shape[1])

    def where(self, row: int) -> str:
        """`row 12 of train/part-0.csv` for a row index into the whole channel."""
        for name, count in self.sources:
            if row < count:
                return f"row {row + 1} of {name}"
            row -= count
        return f"row {row + 1}"


def _no_data(channel: str, folder: Path) -> ClientError:
    return ClientError(
        f"No data in {'training' if channel == TRAIN else channel} channel path {folder}"
    )


def _display(path: Path, folder: Path, channel: str) -> str:
    return f"{channel}/{path.relative_to(folder).as_posix()}"


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    return ""


def _csv_delimiter(line: str) -> str:
    """The container sniffs the delimiter from the first line; commas are the rule."""
    for candidate in (",", "\t", ";", "|", " "):
        if candidate in line.strip():
            return candidate
    return ","


def _is_number(cell: str) -> bool:
    cell = cell.strip()
    if cell in MISSING_TOKENS:
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _csv_problem(name: str, line_number: int, column: int, cell: str, csv_weights: int):
    """The message for a cell that is not a number: a header row, or a text value."""
    layout = "the label in the first column" + (
        ", the instance weight in the second (csv_weights=1)" if csv_weights else ""
    )
    if line_number == 1:
        return ClientError(
            f"CSV file {name}: line 1 looks like a header row (column {column} is "
            f"'{cell[:40]}', not a number). The built-in XGBoost algorithm reads CSV without a "
            f"header row, {layout}: write the file without its header "
            "(e.g. DataFrame.to_csv(path, header=False, index=False))"
        )
    role = {1: " (the label)", 2: " (the instance weight)" if csv_weights else ""}
    return ClientError(
        f"CSV file {name}, line {line_number}, column {column}{role.get(column, '')}: "
        f"'{cell[:40]}' is not a number. The built-in XGBoost algorithm wants numbers only, "
        f"no header row, {layout}: encode text columns as numbers first"
    )


def _parse_csv_slowly(path: Path, name: str, delimiter: str, csv_weights: int) -> np.ndarray:
    """Cell by cell: missing values become NaN; a header, text or ragged line is an error."""
    import csv

    rows: list[list[float]] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            if not "".join(row).strip():
                continue
            values = []
            for column, cell in enumerate(row, start=1):
                cell = cell.strip()
                if cell in MISSING_TOKENS:
                    values.append(math.nan)
                    continue
                try:
                    values.append(float(cell))
                except ValueError:
                    raise _csv_problem(name, line_number, column, cell, csv_weights) from None
            if rows and len(values) != len(rows[0]):
                raise ClientError(
                    f"CSV file {name}, line {line_number} has {len(values)} columns, the "
                    f"first line has {len(rows[0])}: every line needs the same columns"
                )
            rows.append(values)
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def _load_csv_file(path: Path, name: str, csv_weights: int) -> np.ndarray:
    """One CSV file as a float array: NumPy's C parser, or the careful path when it objects."""
    import warnings

    delimiter = _csv_delimiter(_first_line(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            return np.loadtxt(
                path, delimiter=delimiter, dtype=np.float64, ndmin=2, comments=None,
                encoding="utf-8",
            )  # fmt: skip
    except ValueError:  # empty cells, text, ragged lines, bad bytes: find out which
        return _parse_csv_slowly(path, name, delimiter, csv_weights)


def _read_csv(files: list[Path], folder: Path, channel: str, csv_weights: int) -> Table:
    arrays, sources = [], []
    for path in files:
        name = _display(path, folder, channel)
        array = _load_csv_file(path, name, csv_weights)
        if array.shape[0] == 0:
            continue
        if arrays and array.shape[1] != arrays[0].shape[1]:
            raise ClientError(
                f"CSV files of channel {channel} have different column counts: "
                f"{sources[0][0]} has {arrays[0].shape[1]}, {name} has {array.shape[1]}"
            )
        arrays.append(array)
        sources.append((name, array.shape[0]))
    if not arrays:
        raise _no_data(channel, folder)
    data = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    first_feature = 2 if csv_weights else 1
    if data.shape[1] <= first_feature:
        raise ClientError(
            f"CSV data of channel {channel} has {data.shape[1]} column(s): it needs the label "
            + ("and the instance weight " if csv_weights else "")
            + "followed by at least one feature column"
        )
    weights = data[:, 1].copy() if csv_weights else None
    return Table(channel, data[:, first_feature:], data[:, 0].copy(), weights, sources)


def _libsvm_matrix(path: Path, name: str) -> xgb.DMatrix:
    first = _first_line(path)
    tokens = first.split()
    if tokens and (
        ("," in first and ":" not in first)
        or any(":" not in token for token in tokens[1:])
        or not _is_number(tokens[0].split(":")[0])
    ):
        raise ClientError(
            f"First line '{first[:50]}...' of file '{name}' is not 'LIBSVM' format. Please "
            "ensure the file is in 'LIBSVM' format (or set the channel's ContentType, e.g. "
            "text/csv; LIBSVM is the default when none is given)."
        )
    try:
        return xgb.DMatrix(f"{path}?format=libsvm")
    except xgb.core.XGBoostError as error:
        message = _xgboost_message(error)
        raise ClientError(f"LIBSVM file {name} could not be read: {message}") from None


def _read_libsvm(files: list[Path], folder: Path, channel: str) -> Table:
    import scipy.sparse

    parts, labels, weights, sources = [], [], [], []
    for path in files:
        name = _display(path, folder, channel)
        matrix = _libsvm_matrix(path, name)
        if matrix.num_row() == 0:
            continue
        parts.append(matrix.get_data())
        labels.append(matrix.get_label())
        weights.append(matrix.get_weight())
        sources.append((name, matrix.num_row()))
    if not parts:
        raise _no_data(channel, folder)
    width = max(part.shape[1] for part in parts)
    parts = [scipy.sparse.csr_matrix(p, shape=(p.shape[0], width)) for p in parts]
    features = parts[0] if len(parts) == 1 else scipy.sparse.vstack(parts, format="csr")
    has_weights = all(w.size for w in weights)
    weight = np.concatenate(weights).astype(np.float64) if has_weights else None
    return Table(channel, features, np.concatenate(labels).astype(np.float64), weight, sources)


def _read_parquet(files: list[Path], folder: Path, channel: str) -> Table:
    for name in UNUSED_MODULES:  # pyarrow may want pandas after all
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
    import pyarrow as pa
    import pyarrow.parquet as pq

    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_decimal)
    arrays, sources = [], []
    for path in files:
        name = _display(path, folder, channel)
        try:
            table = pq.read_table(path)
        except Exception as error:  # pyarrow raises several types for a bad file
            raise ClientError(f"Parquet file {name} could not be read: {error}") from None
        for column in table.schema:
            if not any(test(column.type) for test in numeric):
                raise ClientError(
                    f"Parquet file {name}: column '{column.name}' is {column.type}, not "
                    "numeric. The built-in XGBoost algorithm wants numeric columns only, the "
                    "label first"
                )
        if table.num_rows:
            columns = [c.cast(pa.float64()).to_numpy() for c in table.columns]  # null -> NaN
            arrays.append(np.column_stack(columns))
            sources.append((name, table.num_rows))
    if not arrays:
        raise _no_data(channel, folder)
    if len({a.shape[1] for a in arrays}) > 1:
        raise ClientError(f"Parquet files of channel {channel} have different column counts")
    data = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    if data.shape[1] < 2:
        raise ClientError(f"Parquet data of channel {channel} needs a label and features")
    return Table(channel, data[:, 1:], data[:, 0].copy(), None, sources)


def read_channel(folder: Path, channel: str, fmt: str, csv_weights: int = 0) -> Table:
    """Load every file of one channel in the given format (csv, libsvm or parquet)."""
    files = channel_files(folder, channel)
    if not files:
        raise _no_data(channel, folder)
    if fmt == "csv":
        return _read_csv(files, folder, channel, csv_weights)
    if fmt == "libsvm":
        return _read_libsvm(files, folder, channel)
    return _read_parquet(files, folder, channel)


def check_data(table: Table, objective: str, num_class: int | None) -> None:
    """Labels the objective can learn from, finite features and weights.

    Messages name the channel, the file and the row.
    """
    labels = table.labels
    if isinstance(table.features, np.ndarray):
        infinite = np.isinf(table.features).any(axis=1)
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise ClientError(
                f"Channel {table.channel}: {table.where(row)} has an infinite feature value; "
                "XGBoost needs finite numbers (leave a value empty for missing)"
            )

    def fail(mask: np.ndarray, rule: str) -> None:
        row = int(np.flatnonzero(mask)[0])
        raise ClientError(
            f"Channel {table.channel}: label {labels[row]:g} on {table.where(row)} {rule} "
            f"(objective {objective}); the label is the first column"
        )

    if np.isnan(labels).any():
        fail(np.isnan(labels), "is missing; every row needs a label")
    if objective.startswith("binary:"):
        bad = (labels != 0) & (labels != 1)
        if bad.any():
            fail(bad, "is not 0 or 1")
    elif objective.startswith("multi:") and num_class:
        bad = (labels != np.floor(labels)) | (labels < 0) | (labels >= num_class)
        if bad.any():
            fail(bad, f"is not an integer in [0, {num_class}) (num_class={num_class})")
    elif objective == "reg:logistic":
        bad = (labels < 0) | (labels > 1)
        if bad.any():
            fail(bad, "is not in [0, 1]")
    elif objective in ("count:poisson", "reg:tweedie"):
        if (labels < 0).any():
            fail(labels < 0, "is negative")
    elif objective == "reg:gamma":
        if (labels <= 0).any():
            fail(labels <= 0, "is not positive")
    if table.weights is not None:
        bad = ~np.isfinite(table.weights) | (table.weights < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ClientError(
                f"Channel {table.channel}: instance weight {table.weights[row]:g} on "
                f"{table.where(row)} is not a non-negative number (csv_weights=1 reads the "
                "second column as the weight)"
            )


# ---------------------------------------------------------------------------------------------
# The job
# ---------------------------------------------------------------------------------------------

_XGBOOST_PREFIX = re.compile(r"^\[[0-9:]+\] \S+?:\d+: ")
# XGBoost errors that come from the user's data or parameters (the container's list, widened).
_USER_ERROR_HINTS = (
    "label must be", "label_correct", "base_score", "reg_lambda", "num_class",
    "preds.size() == info.labels_.size()", "feature_names mismatch", "invalid parameter",
    "invalid input", "unknown objective", "unknown metric", "unknown tree updater",
    "only contains pos or neg", "must be", "expected", "cannot", "can not", "not supported",
)  # fmt: skip


def _xgboost_message(error: Exception) -> str:
    """The first meaningful line of an XGBoost error, without its `[time] file:line:` prefix."""
    for line in str(error).splitlines():
        line = _XGBOOST_PREFIX.sub("", line.strip())
        if line and not line.startswith("Stack trace"):
            return line
    return type(error).__name__


def log(message: str) -> None:
    """A setup line in the container's style; never a TAB, never a bare `[N]`."""
    stamp = time.strftime("%Y-%m-%d:%H:%M:%S")
    print(f"[{stamp}:INFO] {message}".replace("\t", " "), flush=True)


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} not found: {path} (the job runner writes it)")
    data = json.loads(path.read_text() or "{}")
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def _describe(table: Table, fmt: str) -> str:
    files = len(table.sources)
    return (
        f"Channel {table.channel}: {fmt}, {files} file{'s' if files != 1 else ''}, "
        f"{table.rows} rows x {table.columns} features"
        + (", with instance weights" if table.weights is not None else "")
    )


def load_channels(
    data: Path, formats: dict[str, str], hps: dict[str, Any], objective: str
) -> dict[str, Table]:
    """Read train (and validation), check labels and that both have the same features."""
    csv_weights = hps.get("csv_weights", 0)
    tables = {}
    for channel in (TRAIN, VALIDATION):
        if channel in formats:
            table = read_channel(data / channel, channel, formats[channel], csv_weights)
            check_data(table, objective, hps.get("num_class"))
            tables[channel] = table
            log(_describe(table, formats[channel]))
    if VALIDATION not in tables:
        return tables
    train_t, val_t = tables[TRAIN], tables[VALIDATION]
    if train_t.columns != val_t.columns:
        if formats[TRAIN] != "libsvm" or formats[VALIDATION] != "libsvm":
            raise ClientError(
                f"Channel train has {train_t.columns} feature columns "
                f"({', '.join(n for n, _ in train_t.sources)}) but channel validation has "
                f"{val_t.columns} ({', '.join(n for n, _ in val_t.sources)}): both need the "
                "same features in the same order, after the label"
                + (" and the weight" if csv_weights else "")
            )
        _widen_sparse(train_t, val_t)  # LIBSVM leaves out trailing empty columns
    _warn_identical_files(data, train_t, val_t)
    return tables


def _early_stopping(plan: TrainingPlan, has_validation: bool) -> dict[str, Any] | None:
    """Early stopping settings: only with early_stopping_rounds and a validation channel."""
    if not plan.early_stopping_rounds:
        return None
    if not has_validation:
        log(
            "WARNING: early_stopping_rounds is set but there is no validation channel; "
            f"training all {plan.num_round} rounds"
        )
        return None
    metric = plan.stopping_metric  # None: the last metric XGBoost evaluates (its default)
    log(
        f"Early stopping: after {plan.early_stopping_rounds} rounds without improvement "
        f"of validation-{metric or '<the default metric>'}"
    )
    return {
        "rounds": plan.early_stopping_rounds,
        "data": VALIDATION,
        "metric": metric,
        "maximize": is_maximized(metric) if metric else None,
    }


class InOrder(xgb.callback.TrainingCallback):
    """Runs callbacks in the given order, each of them every round."""

    def __init__(self, callbacks: list[xgb.callback.TrainingCallback]) -> None:
        super().__init__()
        self.callbacks = callbacks

    def before_training(self, model):
        for callback in self.callbacks:
            model = callback.before_training(model)
        return model

    def after_training(self, model):
        for callback in self.callbacks:
            model = callback.after_training(model)
        return model

    def before_iteration(self, model, epoch, evals_log) -> bool:
        return any([c.before_iteration(model, epoch, evals_log) for c in self.callbacks])

    def after_iteration(self, model, epoch, evals_log) -> bool:
        return any([c.after_iteration(model, epoch, evals_log) for c in self.callbacks])


def fit(
    plan: TrainingPlan, tables: dict[str, Table], objective: str
) -> tuple[xgb.Booster, dict[str, Any], dict[str, Any] | None]:
    """xgb.train with the evaluation log on stdout; returns booster, history, early stopping."""
    matrices = {
        name: xgb.DMatrix(
            t.features, label=t.labels, weight=t.weights, nthread=plan.params.get("nthread", -1)
        )
        for name, t in tables.items()
    }
    evals = [(matrices[name], name) for name in (TRAIN, VALIDATION) if name in matrices]
    # XGBoost's own monitor prints the `[N]<TAB>train-...` lines. It must run before early
    # stopping, or the round that stops training goes unprinted: xgb.train keeps its
    # callbacks in a set (no order) and stops asking them once one says stop.
    callbacks: list[xgb.callback.TrainingCallback] = [xgb.callback.EvaluationMonitor()]
    stopping = _early_stopping(plan, VALIDATION in matrices)
    if stopping:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=stopping["rounds"],
                metric_name=stopping["metric"],
                data_name=VALIDATION,
                maximize=stopping["maximize"],
                save_best=False,
            )
        )
    history: dict[str, Any] = {}
    log(f"Training {plan.num_round} rounds with {json.dumps(plan.params, sort_keys=True)}")
    try:
        booster = xgb.train(
            plan.params,
            matrices[TRAIN],
            num_boost_round=plan.num_round,
            evals=evals,
            evals_result=history,
            verbose_eval=False,  # printed by the EvaluationMonitor above
            callbacks=[InOrder(callbacks)],
            custom_metric=_custom_metric(plan.custom_metrics, objective),
        )
    except xgb.core.XGBoostError as error:
        message = _xgboost_message(error)
        if any(hint in str(error).lower() for hint in _USER_ERROR_HINTS):
            raise ClientError(f"XGBoost rejected the training job: {message}") from None
        raise RuntimeError(f"XGB train call failed with exception: {message}") from error
    return booster, history, stopping


def train(ml_root: Path | str) -> dict[str, Any]:
    """Run one training job in `ml_root`; returns what eval_history.json holds.

    Raises ClientError for a user error; anything else is a framework error.
    """
    ml = Path(ml_root)
    config = ml / "input" / "config"
    hps = validate_hyperparameters(_read_json(config / "hyperparameters.json"))
    formats = validate_channels(_read_json(config / "inputdataconfig.json"))
    plan = plan_training(hps)
    objective = plan.params.get("objective", "reg:squarederror")
    log(f"Local built-in XGBoost algorithm (XGBoost {xgb.__version__})")
    log("Hyperparameters: " + json.dumps(hps, sort_keys=True))
    for note in plan.notes:
        log(note)
    tables = load_channels(ml / "input" / "data", formats, hps, objective)
    booster, history, stopping = fit(plan, tables, objective)

    rounds_trained = booster.num_boosted_rounds()
    best_iteration = best_score = None
    if stopping:
        best_iteration, best_score = int(booster.best_iteration), float(booster.best_score)
        if stopping["metric"] is None:  # XGBoost's default metric: name it for the record
            stopping["metric"] = list(history[VALIDATION])[-1]
            stopping["maximize"] = is_maximized(stopping["metric"])
        kept = f"the saved model keeps rounds 0 to {best_iteration}"
        if best_iteration + 1 < rounds_trained:
            if plan.params.get("booster") == "gblinear":
                kept = "a gblinear model cannot be cut back: the saved model is the last round's"
            else:
                booster = booster[: best_iteration + 1]
        log(
            f"Best iteration: {best_iteration} (validation-{stopping['metric']} "
            f"{best_score:.5f}); {kept}"
        )
    summary = {
        "algorithm": "sagemaker-xgboost built-in algorithm (local)",
        "xgboost_version": xgb.__version__,
        "objective": objective,
        "num_features": tables[TRAIN].columns,
        "num_rows": {name: t.rows for name, t in tables.items()},
        "data_formats": formats,
        "hyperparameters": hps,
        "xgboost_params": plan.params,
        "num_round": plan.num_round,
        "rounds_trained": rounds_trained,
        "model_rounds": booster.num_boosted_rounds(),
        "metrics": list(next(iter(history.values())).keys()) if history else [],
        "tuning_objective_metric": hps.get("_tuning_objective_metric"),
        "early_stopping": stopping,
        "best_iteration": best_iteration,
        "best_score": best_score,
        "evals_result": {d: {m: list(v) for m, v in per.items()} for d, per in history.items()},
    }
    output_data = ml / "output" / "data"
    output_data.mkdir(parents=True, exist_ok=True)
    (output_data / HISTORY_FILE_NAME).write_text(json.dumps(summary, indent=1) + "\n")
    save_model(booster, ml / "model" / MODEL_FILE_NAME)
    log(f"Model saved to model/{MODEL_FILE_NAME} (UBJSON, {booster.num_boosted_rounds()} rounds)")
    return summary


def _widen_sparse(*tables: Table) -> None:
    """Give LIBSVM channels the same number of columns (absent columns are empty)."""
    import scipy.sparse

    width = max(t.columns for t in tables)
    for t in tables:
        if t.columns < width:
            t.features = scipy.sparse.csr_matrix(t.features, shape=(t.rows, width))


def _warn_identical_files(data: Path, *tables: Table) -> None:
    """The container warns when train and validation seem to hold the same file."""
    train_files = {n.split("/", 1)[1]: n for n, _ in tables[0].sources}
    for name, _ in tables[1].sources:
        relative = name.split("/", 1)[1]
        if relative in train_files:
            a, b = data / train_files[relative], data / name
            if a.stat().st_size == b.stat().st_size:
                log(
                    f"WARNING: {train_files[relative]} and {name} look identical (same name "
                    "and size): validating on training data makes the validation score invalid"
                )


def save_model(booster: xgb.Booster, path: Path) -> None:
    """Booster.save_model in UBJSON, written next to the job and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent.parent / f".{path.name}.{os.getpid()}.partial.ubj"
    try:
        booster.save_model(str(partial))  # the .ubj extension selects UBJSON explicitly
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_failure(ml_root: Path, text: str) -> None:
    """output/failure: the text SageMaker shows as FailureReason."""
    output = Path(ml_root) / "output"
    output.mkdir(parents=True, exist_ok=True)
    (output / "failure").write_text(text)


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point: `python -m localsm.builtin_xgboost <ml_root>`; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1:
        print("usage: python -m localsm.builtin_xgboost [ML_ROOT]", file=sys.stderr)
        return 2
    ml_root = Path(args[0] if args else "/opt/ml")
    try:
        train(ml_root)
    except ClientError as error:
        reason = " ".join(str(error).split())  # one line
        print(f"ClientError: {reason}", flush=True)
        write_failure(ml_root, f"ClientError: {reason}")
        return 1
    except Exception as error:  # noqa: BLE001 - every other failure is the framework's
        trace = traceback.format_exc()
        print(trace, file=sys.stderr, flush=True)
        write_failure(ml_root, f"AlgorithmError: framework error: \n{trace}\n{error}")
        return 2
    return 0


def _as_script() -> int:
    def stop(signum, _frame):  # SIGTERM from the runner: unwind so no partial file is left
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    import warnings

    # XGBoost's warnings on one line each (the default adds the calling source line).
    warnings.formatwarning = lambda message, category, *_: f"{category.__name__}: {message}\n"
    return main()


if __name__ == "__main__":
    sys.exit(_as_script())
