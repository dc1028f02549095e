"""Hyperparameters of the built-in algorithm: one table of names and ranges, and their checks.

The names, ranges, cross-rules and error texts are the container's, for the image version the
job asked for (a row per name and span of versions), so a job fails locally with the message it
would fail with on SageMaker.
"""

from __future__ import annotations

import ast
import functools
import json
import math
from dataclasses import dataclass
from typing import Any

from localsm.builtin import VALIDATION, UserError, versions
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


UPDATERS = (
    "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker", "sync",
    "refresh", "prune", "shotgun", "coord_descent",
)  # fmt: skip
EVERY = ("0.90-1", None)  # a span: every version


def since(first: str, last: str | None = None) -> tuple[str, str | None]:
    """The versions from `first` to `last` (None: to the latest)."""
    return (first, last)


# (name, versions, how it is parsed and checked): the container's table, one row per name and
# span of versions (hyperparameter_validation.py on each version's branch; see versions.py).
# The choices of `objective`, `eval_metric` and `_tuning_objective_metric` are per version too.
ROWS: tuple[tuple[str, tuple[str, str | None], Spec], ...] = (
    # --- read by the container itself, never passed to XGBoost ---
    ("num_round", EVERY, integer(1)),  # the only required one
    ("csv_weights", EVERY, integer(0, 1)),
    ("early_stopping_rounds", EVERY, integer(1)),
    ("_tuning_objective_metric", EVERY, Spec("objective_metric")),  # "validation:auc"
    ("save_model_on_termination", since("1.0-1"), one_of("true", "false")),
    ("use_dask_gpu_training", since("1.5-1"), one_of("true", "false")),
    ("_nfold", since("1.2-1", "1.2-1"), integer(2)),
    ("_kfold", since("1.2-2"), integer(2)),
    ("_num_cv_round", since("1.2-2"), integer(1)),
    # --- general ---
    ("booster", EVERY, one_of("gbtree", "gblinear", "dart")),
    ("silent", since("0.90-1", "1.0-1"), integer(0, 1)),
    ("verbosity", EVERY, integer(0, 3)),
    ("nthread", EVERY, integer(1)),
    # --- tree booster ---
    ("eta", EVERY, real(0, 1)),
    ("gamma", EVERY, real(0)),
    ("max_depth", EVERY, integer(0)),
    ("min_child_weight", EVERY, real(0)),
    ("max_delta_step", EVERY, real(0)),
    ("subsample", EVERY, real(0, 1, low_open=True)),
    ("colsample_bytree", EVERY, real(0, 1, low_open=True)),
    ("colsample_bylevel", EVERY, real(0, 1, low_open=True)),
    ("colsample_bynode", EVERY, real(0, 1, low_open=True)),
    ("lambda", EVERY, real(0)),
    ("alpha", EVERY, real(0)),
    ("tree_method", since("0.90-1", "1.0-1"), one_of("auto", "exact", "approx", "hist")),
    ("tree_method", since("1.2-1"), one_of("auto", "exact", "approx", "hist", "gpu_hist")),
    ("sketch_eps", EVERY, real(0, 1, low_open=True, high_open=True)),
    ("scale_pos_weight", EVERY, real(0, low_open=True)),
    ("updater", since("0.90-1", "1.5-1"), list_of(*UPDATERS)),
    ("updater", since("1.7-1"), list_of(*(u for u in UPDATERS if u != "grow_local_histmaker"))),
    ("dsplit", EVERY, one_of("row", "col")),
    ("refresh_leaf", EVERY, integer(0, 1)),
    ("process_type", EVERY, one_of("default", "update")),
    ("grow_policy", EVERY, one_of("depthwise", "lossguide")),
    ("max_leaves", EVERY, integer(0)),
    ("max_bin", EVERY, integer(0)),
    ("predictor", since("0.90-1", "1.0-1"), one_of("cpu_predictor")),
    ("predictor", since("1.2-1"), one_of("auto", "cpu_predictor", "gpu_predictor")),
    ("sampling_method", since("1.3-1"), one_of("uniform", "gradient_based")),
    ("single_precision_histogram", since("1.2-1", "1.5-1"), one_of("true", "false")),
    ("deterministic_histogram", since("1.2-1"), one_of("true", "false")),
    ("prob_buffer_row", since("1.3-1"), integer(1, low_open=True)),
    ("monotone_constraints", since("1.0-1"), Spec("tuple")),  # "(1,0,-1)": -1/0/1 each
    # "[[1,2],[3,4]]": the container's range is [1, +inf), so feature 0 is refused there too
    ("interaction_constraints", since("1.0-1"), Spec("nested", low=1)),
    ("num_parallel_tree", since("0.90-2"), integer(1)),
    # --- dart booster ---
    ("sample_type", EVERY, one_of("uniform", "weighted")),
    ("normalize_type", EVERY, one_of("tree", "forest")),
    ("rate_drop", EVERY, real(0, 1)),
    ("one_drop", EVERY, integer(0, 1)),
    ("skip_drop", EVERY, real(0, 1)),
    # --- linear booster ---
    ("lambda_bias", EVERY, real(0, 1)),
    # --- learning task ---
    ("objective", EVERY, Spec("objective")),
    ("num_class", EVERY, integer(2)),
    ("base_score", EVERY, real(0)),
    ("eval_metric", EVERY, Spec("metrics")),  # comma-separated
    ("seed", EVERY, integer(-(2**31), 2**31 - 1, low_open=True, high_open=True)),
    ("tweedie_variance_power", EVERY, real(1, 2, low_open=True, high_open=True)),
    ("aft_loss_distribution", since("1.2-1"), one_of("normal", "logistic", "extreme")),
    ("aft_loss_distribution_scale", since("1.2-1"), real(0)),
)


@functools.cache
def table(version: str = versions.LATEST) -> dict[str, Spec]:
    """The hyperparameters image `version` accepts, by name."""
    found: dict[str, Spec] = {}
    for name, (first, last), spec in ROWS:
        if versions.within(version, first, last):
            if spec.kind == "objective":
                spec = Spec("choice", choices=versions.objectives(version))
            found[name] = spec
    return found


def aliases(version: str = versions.LATEST) -> dict[str, str]:
    """Alias -> name (declared from 0.90-2 on)."""
    return ALIASES if versions.within(version, "0.90-2") else {}


REQUIRED = ("num_round",)
ALIASES = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
           "reg_alpha": "alpha"}  # fmt: skip
# Read by the container, not by XGBoost.
CONTAINER_ONLY = (
    "num_round", "csv_weights", "early_stopping_rounds", "_tuning_objective_metric",
    "save_model_on_termination", "use_dask_gpu_training", "_nfold", "_kfold", "_num_cv_round",
)  # fmt: skip
NOT_SUPPORTED_LOCALLY = {
    "_nfold": "k-fold cross-validation mode",
    "_kfold": "k-fold cross-validation mode",
    "_num_cv_round": "k-fold cross-validation mode",
}
# Accepted for compatibility; XGBoost 3 no longer has them and would only warn.
REMOVED_IN_XGBOOST_3 = ("predictor", "single_precision_histogram", "deterministic_histogram",
                        "lambda_bias", "dsplit", "sketch_eps", "prob_buffer_row",
                        "silent")  # fmt: skip


# Every metric name `eval_metric` accepts in some version: XGBoost's own and the container's.
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


def _check_metric(metric: str, version: str) -> None:
    """One `eval_metric` item: a name `version` knows, or `error@t` / `ndcg@n` / `map@n`."""
    if "<function" in metric:
        raise UserError(f"User defined evaluation metric {metric} is not supported yet.")
    if "@" in metric:
        name, _, threshold = metric.partition("@")
        if name not in THRESHOLD_METRICS:
            raise UserError(
                f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized "
                "threshold should be one of these options: 'error', 'ndcg', 'map'."
            )
        try:
            float(threshold)
        except ValueError:
            raise UserError(f"Threshold value 't' in '{name}@t' expects float input.") from None
    elif metric not in versions.metrics(version):
        raise UserError(
            f"Hyperparameter eval_metric: value {metric} not in range "
            f"{sorted(versions.metrics(version))}"
        )


def _check_range(name: str, spec: Spec, value: Any, version: str) -> None:
    if spec.kind in ("int", "float"):
        if not spec.contains(value):
            raise UserError(f"Hyperparameter {name}: {value} is not in {spec.range_text()}")
    elif spec.kind == "choice":
        if value not in spec.choices:
            raise UserError(f"Hyperparameter {name}: {value} is not in {spec.range_text()}")
    elif spec.kind == "list":
        if any(item not in spec.choices for item in value):
            raise UserError(
                f"Hyperparameter {name}: value {value} not in range {spec.range_text()}"
            )
    elif spec.kind == "metrics":
        for metric in value:
            _check_metric(metric, version)
    elif spec.kind == "objective_metric":  # the container's list: validation:<metric> only
        names = [f"{VALIDATION}:{m}" for m in versions.metrics(version)]
        if value not in names:
            raise UserError(f"Hyperparameter {name}: {value} is not in {names}")
    elif spec.kind == "tuple":
        if any(v not in (-1, 0, 1) for v in value):
            raise UserError(f"Hyperparameter {name}: value {value} not in range [-1, 0, 1]")
    elif spec.kind == "nested":
        if any(v < (spec.low or 0) for group in value for v in group):
            raise UserError(
                f"Hyperparameter {name}: value {value} not in range [{spec.low:g}, +inf) "
                "(the container's range for feature indices)"
            )


def _check_combinations(hps: dict[str, Any]) -> None:
    """The container's rules between hyperparameters."""
    objective = hps.get("objective", "reg:squarederror")  # XGBoost's default objective
    if objective.startswith("multi:") and "num_class" not in hps:
        raise UserError("Require input for parameter 'num_class' for multi-classification")
    metrics = list(hps.get("eval_metric", []))
    if "_tuning_objective_metric" in hps:
        metrics.append(hps["_tuning_objective_metric"].partition(":")[2])
    if "auc" in metrics and not objective.startswith(("binary:", "rank:")):
        raise UserError("Metric 'auc' can only be applied for classification and ranking problems.")
    if "aft-nloglik" in metrics and objective != "survival:aft":
        raise UserError("Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")
    tree_method = hps.get("tree_method")
    if "monotone_constraints" in hps and tree_method not in ("exact", "hist"):
        raise UserError(
            "monotone_constraints can be used only when the tree_method parameter is set to "
            "either 'exact' or 'hist'."
        )
    if "interaction_constraints" in hps and tree_method not in ("exact", "hist", "approx"):
        raise UserError(
            "interaction_constraints can be used only when the tree_method parameter is set to "
            "either 'exact', 'hist' or 'approx'."
        )
    updater = hps.get("updater")
    if updater and hps.get("booster") == "gblinear":
        if len(updater) != 1 or updater[0] not in ("shotgun", "coord_descent"):
            raise UserError(
                "Linear updater should be one of these options: 'shotgun', 'coord_descent'."
            )
    elif updater and hps.get("process_type") == "update":
        if any(u not in ("refresh", "prune") for u in updater):
            raise UserError(
                "process_type 'update' can only be used with updater 'refresh' and 'prune'"
            )


def validate_hyperparameters(raw: dict[str, Any], version: str = versions.LATEST) -> dict[str, Any]:
    """Strings from hyperparameters.json -> typed values under their canonical names, checked
    against image `version`'s table.

    Raises UserError with the container's message for the first problem found. Keys that
    start with `sagemaker_` are the SDK's and are ignored; aliases become canonical names.
    """
    known, alias = table(version), aliases(version)
    given: dict[str, tuple[str, str]] = {}  # canonical name -> (name as given, text)
    for key, value in raw.items():
        if key.startswith("sagemaker_"):
            continue
        canonical = alias.get(key, key)
        if canonical in given:
            raise UserError(
                f"Hyperparameters {given[canonical][0]} and {key} are the same parameter; "
                "give only one of them"
            )
        given[canonical] = (key, _decode(value))
    for name in REQUIRED:
        if name not in given:
            raise UserError(f"Missing required hyperparameter: {name}")
    parsed: dict[str, Any] = {}
    for canonical, (key, text) in given.items():
        spec = known.get(canonical)
        if spec is None:
            raise UserError(f"Extraneous hyperparameter found: {key}")
        try:
            parsed[canonical] = _parse(spec, text)
        except ValueError:
            raise UserError(f"Hyperparameter {key}: could not parse value") from None
    for canonical, value in parsed.items():
        _check_range(given[canonical][0], known[canonical], value, version)
    _check_combinations(parsed)
    for name, what in NOT_SUPPORTED_LOCALLY.items():
        if name in parsed:
            raise UserError(
                f"Hyperparameter {name}: the {what} of the built-in algorithm is not "
                "supported in local mode; run this job on SageMaker, or remove it"
            )
    return parsed


def inside(name: str, value: float, version: str = versions.LATEST) -> float:
    """A tuned continuous value moved just inside an open end of `name`'s range (SageMaker
    samples a range that touches an open bound, such as colsample_bylevel 0-1, from inside)."""
    spec = table(version).get(aliases(version).get(name, name))
    if spec is None or spec.kind != "float":
        return value
    if spec.low_open and spec.low is not None and value <= spec.low:
        return math.nextafter(spec.low, math.inf)
    if spec.high_open and spec.high is not None and value >= spec.high:
        return math.nextafter(spec.high, -math.inf)
    return value


def check_tuning(
    static: dict[str, str],
    ranges: list[tuple[str, str, dict]],
    objective: str,
    channels: set[str],
    version: str = versions.LATEST,
) -> str | None:
    """Why every training job of a tuning job over the built-in algorithm would fail (None:
    none would for that reason): an untunable name, a range reaching outside a
    hyperparameter's own, a rule between hyperparameters, an objective it cannot emit. Each
    answer names the hyperparameter at fault."""
    known, alias = table(version), aliases(version)
    unknown = sorted(n for _, n, _ in ranges if alias.get(n, n) not in known)
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], [*known, *alias], n=3)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return (
            "The hyperparameter tuning job that you requested has the following untunable "
            f"hyperparameters: {unknown}; the built-in XGBoost algorithm (image version "
            f"{version}) has no such hyperparameter.{hint}"
        )
    if objective.startswith(f"{VALIDATION}:") and VALIDATION not in channels:
        return (
            f"objective metric {objective} needs a validation channel: the built-in algorithm "
            "prints validation-* metrics only when fit() is given one"
        )
    for kind, name, item in ranges:  # each range alone, against its hyperparameter's range
        spec = known[alias.get(name, name)]
        for value in _tuned_values(kind, item):
            problem = _range_problem(name, spec, value, version)
            if problem:
                hint = ""
                if kind == "Continuous" and spec.kind == "int":
                    hint = f"; {name} is an integer: use an IntegerParameter range"
                shown = "Values" if kind == "Categorical" else "MinValue/MaxValue"
                return f"{kind}ParameterRanges {name!r} ({shown} {value}): {problem}{hint}"
    middle = {name: _middle(kind, item) for kind, name, item in ranges}
    base = {**static, **middle, "_tuning_objective_metric": objective}
    try:
        validate_hyperparameters(base, version)
    except UserError as error:
        return f"every training job would fail: {error}"
    for kind, name, item in ranges:  # each tuned value with the others: the cross-rules
        for value in _tuned_values(kind, item):
            if kind == "Continuous":
                value = repr(inside(name, float(value), version))
            try:
                validate_hyperparameters({**base, name: value}, version)
            except UserError as error:
                shown = "Values" if kind == "Categorical" else "MinValue/MaxValue"
                return f"{kind}ParameterRanges {name!r} ({shown} {value}): {error}"
    return None


def _range_problem(name: str, spec: Spec, value: str, version: str) -> str | None:
    """What is wrong with one end (or value) of a range for `name` alone; an open end of a
    continuous hyperparameter may be touched (values are sampled inside it)."""
    try:
        parsed = _parse(spec, value)
    except ValueError:
        return f"Hyperparameter {name}: could not parse value"
    if spec.kind == "float":
        spec = Spec("float", spec.low, spec.high)  # the closure: [low, high]
    try:
        _check_range(name, spec, parsed, version)
    except UserError as error:
        return str(error)
    return None


def _tuned_values(kind: str, item: dict) -> list[str]:
    """The values a tuning job could send for a range: its ends (every categorical one)."""
    if kind == "Categorical":
        return [str(v) for v in item["Values"]]
    ends = (item["MinValue"], item["MaxValue"])
    if kind == "Integer":
        return [str(int(float(v))) for v in ends]
    return [repr(float(v)) for v in ends]


def _middle(kind: str, item: dict) -> str:
    """A value inside a range (its middle; the first categorical value)."""
    if kind == "Categorical":
        return str(item["Values"][0])
    low, high = float(item["MinValue"]), float(item["MaxValue"])
    if kind == "Integer":
        return str(int(low))
    return repr((low + high) / 2)
