"""Hyperparameters of the built-in algorithm: one table of names and ranges, and their checks.

The names, ranges, cross-rules and error texts are the container's, so a job fails locally with
the message it would fail with on SageMaker.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from typing import Any

from localsm.builtin import TRAIN, VALIDATION, ClientError
from localsm.metrics import XGBOOST_METRICS


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


# Every metric name `eval_metric` accepts: XGBoost's own and the container's.
METRICS = tuple(XGBOOST_METRICS)
THRESHOLD_METRICS = ("error", "ndcg", "map")  # error@0.6, ndcg@5, map@5


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


def check_tuning(
    static: dict[str, str],
    ranges: list[tuple[str, str, dict]],
    objective: str,
    channels: set[str],
) -> str | None:
    """Why every training job of a tuning job over the built-in algorithm would fail (None:
    none would for that reason): an untunable name, a range reaching outside a
    hyperparameter's own, a rule between hyperparameters, an objective it cannot emit."""
    unknown = sorted(n for _, n, _ in ranges if ALIASES.get(n, n) not in HYPERPARAMETERS)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], [*HYPERPARAMETERS, *ALIASES], n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return (
            "The hyperparameter tuning job that you requested has the following untunable "
            f"hyperparameters: {unknown}; the built-in XGBoost algorithm has no such "
            f"hyperparameter.{hint}"
        )
    if objective.startswith(f"{VALIDATION}:") and VALIDATION not in channels:
        return (
            f"objective metric {objective} needs a validation channel: the built-in algorithm "
            "prints validation-* metrics only when fit() is given one"
        )
    first = {name: _tuned_values(kind, item)[0] for kind, name, item in ranges}
    base = {**static, **first, "_tuning_objective_metric": objective}
    try:
        validate_hyperparameters(base)
    except ClientError as error:  # one about a range is said below, with the range
        if not any(name in str(error) for name in first):
            return f"every training job would fail: {error}"
    for kind, name, item in ranges:
        for value in _tuned_values(kind, item):
            try:
                validate_hyperparameters({**base, name: value})
            except ClientError as error:
                shown = "Values" if kind == "Categorical" else "MinValue/MaxValue"
                hint = ""
                if kind == "Continuous" and HYPERPARAMETERS[ALIASES.get(name, name)].kind == "int":
                    hint = f"; {name} is an integer: use an IntegerParameter range"
                return f"{kind}ParameterRanges {name!r} ({shown} {value}): {error}{hint}"
    return None


def _tuned_values(kind: str, item: dict) -> list[str]:
    """The values a tuning job would send for a range, at its ends (every categorical one)."""
    if kind == "Categorical":
        return [str(v) for v in item["Values"]]
    ends = (item["MinValue"], item["MaxValue"])
    if kind == "Integer":
        return [str(int(float(v))) for v in ends]
    return [repr(float(v)) for v in ends]
