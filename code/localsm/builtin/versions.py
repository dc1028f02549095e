"""The XGBoost image versions the built-in algorithm runs as, and what differs between them.

Every entry is read from aws/sagemaker-xgboost-container, on the branch named after the
version: `src/sagemaker_xgboost_container/algorithm_mode/hyperparameter_validation.py` (names,
ranges, choices), `src/sagemaker_xgboost_container/constants/xgb_constants.py` (the metrics
`eval_metric` and `_tuning_objective_metric` accept); default metrics from dmlc/xgboost's
`DefaultEvalMetric()` (`src/objective/regression_loss.h`, `multiclass_obj.cu`, `rank_obj.cu`)
at the XGBoost release each image ships (3.0-5: XGBoost 3.0, as installed here). Tables,
not code: a version is a row's span.
"""

from __future__ import annotations

import re

VERSIONS = ("0.90-1", "0.90-2", "1.0-1", "1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1", "3.0-5")
# The default where a job names no version (tests that run the algorithm directly): the one
# the course uses. 3.0-5 (branch release-3.0.5) declares the same table as 1.7-1.
LATEST = "1.7-1"
# The job process learns its image version from this variable (the runner sets it).
VERSION_VARIABLE = "LOCALSM_XGBOOST_IMAGE_VERSION"
_TAG = re.compile(r"sagemaker-xgboost:(\d+\.\d+-\d+)(?:-cpu-py3|-gpu-py3)?(?:@.*)?$")


def key(version: str) -> tuple[int, ...]:
    """`1.7-1` -> (1, 7, 1): versions in release order."""
    return tuple(int(part) for part in re.split(r"[.-]", version))


def image_version(image: str) -> str | None:
    """The version of a `sagemaker-xgboost:<v>` image URI (`1.7-1`, `1.0-1-cpu-py3`), None when
    the URI names none."""
    match = _TAG.search(image or "")
    return match.group(1) if match else None


def within(version: str, since: str, until: str | None = None) -> bool:
    """Whether `version` is in the span [since, until] (until None: every later version)."""
    return key(since) <= key(version) and (until is None or key(version) <= key(until))


# The metrics the container accepts, in the order 1.7-1 lists them (maximised, then
# minimised), each with the first version that has it.
METRICS_SINCE: dict[str, str] = {
    "accuracy": "0.90-1", "auc": "0.90-1", "aucpr": "0.90-1", "balanced_accuracy": "1.3-1",
    "f1": "0.90-1", "f1_binary": "1.2-2", "f1_macro": "1.2-2", "map": "0.90-1",
    "ndcg": "0.90-1", "precision": "1.3-1", "r2": "1.2-1", "recall": "1.3-1",
    "precision_macro": "1.3-1", "precision_micro": "1.3-1", "recall_macro": "1.3-1",
    "recall_micro": "1.3-1", "aft-nloglik": "1.2-1", "cox-nloglik": "0.90-1",
    "error": "0.90-1", "gamma-deviance": "0.90-1", "gamma-nloglik": "0.90-1",
    "interval-regression-accuracy": "1.2-1", "logloss": "0.90-1", "mae": "0.90-1",
    "mape": "1.3-1", "merror": "0.90-1", "mlogloss": "0.90-1", "mphe": "1.2-1",
    "mse": "0.90-1", "poisson-nloglik": "0.90-1", "rmse": "0.90-1", "rmsle": "1.0-1",
    "tweedie-nloglik": "0.90-1",
}  # fmt: skip

# `objective` choices in 1.7-1's order, each with the first version that has it
# (`aft_loss_distribution` is in the container's own list, as printed).
OBJECTIVES_SINCE: dict[str, str] = {
    "aft_loss_distribution": "1.2-1", "binary:logistic": "0.90-1", "binary:logitraw": "0.90-1",
    "binary:hinge": "0.90-1", "count:poisson": "0.90-1", "multi:softmax": "0.90-1",
    "multi:softprob": "0.90-1", "rank:pairwise": "0.90-1", "rank:ndcg": "0.90-1",
    "rank:map": "0.90-1", "reg:linear": "0.90-1", "reg:squarederror": "0.90-1",
    "reg:logistic": "0.90-1", "reg:gamma": "0.90-1", "reg:pseudohubererror": "1.2-1",
    "reg:squaredlogerror": "1.0-1", "reg:absoluteerror": "1.7-1", "reg:tweedie": "0.90-1",
    "survival:aft": "1.2-1", "survival:cox": "0.90-1",
}  # fmt: skip

# XGBoost's default eval_metric per objective where the image's XGBoost (0.90 ... 1.7)
# differs from a recent one: (first version, metric) in order; None: the same as a recent
# XGBoost (logloss, mlogloss), left to it. Objectives not listed: the same in every version.
DEFAULT_METRICS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "binary:logistic": (("0.90-1", "error"), ("1.3-1", None)),
    "binary:logitraw": (("0.90-1", "auc"), ("1.5-1", None)),
    "multi:softmax": (("0.90-1", "merror"), ("1.3-1", None)),
    "multi:softprob": (("0.90-1", "merror"), ("1.3-1", None)),
    "rank:pairwise": (("0.90-1", "map"), ("3.0-5", None)),  # ndcg since XGBoost 2.0
    "rank:ndcg": (("0.90-1", "map"), ("3.0-5", None)),
}


def metrics(version: str) -> tuple[str, ...]:
    """The metric names `eval_metric` accepts in `version`."""
    return tuple(m for m, since in METRICS_SINCE.items() if within(version, since))


def objectives(version: str) -> tuple[str, ...]:
    """The `objective` values `version` accepts."""
    return tuple(o for o, since in OBJECTIVES_SINCE.items() if within(version, since))


def default_metric(version: str, objective: str) -> str | None:
    """The metric the image's XGBoost evaluates when none is asked for (None: the same as the
    XGBoost installed here)."""
    chosen = None
    for since, metric in DEFAULT_METRICS.get(objective, ()):
        if within(version, since):
            chosen = metric
    return chosen
