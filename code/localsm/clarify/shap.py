"""SHAP values in Clarify's `kernel_shap` structure, computed exactly with TreeSHAP.

Clarify estimates SHAP values with Kernel SHAP: it samples feature coalitions, replaces the
missing features with a baseline, and asks the endpoint for predictions. For an XGBoost model
the exact values come from the trees themselves (`pred_contribs=True`, path-dependent TreeSHAP,
in the model's margin: log-odds for binary:logistic), so the local run needs neither sampling
nor a baseline. `use_logit` picks the space: true, log-odds (exact); false (the SDK default),
probabilities: each row's log-odds values are rescaled so they add up to p(x) - p(base).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from localsm.clarify.config import ShapSpec
from localsm.clarify.errors import ClientError

LOGISTIC = ("binary:logistic", "reg:logistic")
EXP = ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox")
IDENTITY = ("reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror",
            "reg:absoluteerror", "reg:quantileerror", "binary:logitraw", "rank:pairwise",
            "rank:ndcg", "rank:map")  # fmt: skip


@dataclass(frozen=True)
class ShapResult:
    """What analysis.json, out.csv and the report need."""

    label_name: str
    features: list[str]
    local: np.ndarray  # rows x features, in `space`
    global_values: dict[str, float]
    expected_value: float
    space: str  # "log-odds", "probability" or "output"
    agg_method: str
    baseline_rows: int = 0
    baseline_mean: float | None = None


def load_booster(model_dir: Path | None):
    """The XGBoost booster in the model folder; anything else is a ClientError."""
    if model_dir is None:
        raise ClientError(
            "SHAP needs the model: LOCALSM_CLARIFY_MODEL_DIR is not set (the local processing "
            "job sets it to the folder the predictor's model was unpacked into)"
        )
    from xgboost_report.errors import ReportError
    from xgboost_report.model_io import load_model

    try:
        return load_model(model_dir)
    except ReportError as error:
        raise ClientError(
            "local Clarify computes SHAP exactly for XGBoost models only, and the model "
            f"folder holds none that loads ({error}); run this analysis on SageMaker for "
            "other models"
        ) from None


def link_of(booster) -> str:
    """How the booster's output follows from its margin: logistic, exp or identity."""
    from xgboost_report.model_io import booster_objective

    objective = booster_objective(booster)
    for link, names in (("logistic", LOGISTIC), ("exp", EXP), ("identity", IDENTITY)):
        if objective in names:
            return link
    raise ClientError(
        f"the model's objective {objective} has several outputs or no additive margin; "
        "local Clarify explains single-output XGBoost models: run this one on SageMaker"
    )


def check_baseline(baseline: object, features: list[str]) -> np.ndarray | None:
    """The inline baseline rows as a matrix (each row: every feature column, no label)."""
    if baseline is None:
        return None
    if isinstance(baseline, str) or isinstance(baseline, dict):
        raise ClientError(
            "methods.shap.baseline: local Clarify reads a baseline given inline as a list of "
            "rows (SHAPConfig(baseline=[[...]])), not a file URI or a JSON object"
        )
    rows = list(baseline) if isinstance(baseline, list) else []
    if not rows:
        raise ClientError("methods.shap.baseline must hold at least one row")
    matrix = np.empty((len(rows), len(features)))
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(features):
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise ClientError(
                f"baseline row {i} has {got} values; expected {len(features)}, one per "
                f"feature column ({', '.join(features)}), without the label"
            )
        for j, value in enumerate(row):
            matrix[i - 1, j] = _number(value, i, features[j])
    return matrix


def _number(value: object, row: int, column: str) -> float:
    if value is None:
        return np.nan  # a missing value, as in the dataset
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ClientError(
            f"baseline row {row}, column {column!r}: {value!r} is not a number"
        ) from None


def explain(booster, matrix: np.ndarray, features: list[str], spec: ShapSpec,
            label_name: str = "label0") -> ShapResult:  # fmt: skip
    """Exact TreeSHAP for every row, in the space `use_logit` asks for, and the global
    values by `agg_method`."""
    import xgboost as xgb

    if booster.num_features() != len(features):
        raise ClientError(
            f"the model expects {booster.num_features()} features but the dataset has "
            f"{len(features)} feature columns ({', '.join(features)}); check headers, the "
            "label and excluded_columns"
        )
    link = link_of(booster)
    if spec.use_logit and link != "logistic":
        raise ClientError(
            "methods.shap.use_logit is true but the model's output is not a probability; "
            "set use_logit=False"
        )
    data = xgb.DMatrix(matrix, missing=np.nan)
    contribs = booster.predict(data, pred_contribs=True, validate_features=False)
    contribs = np.asarray(contribs, dtype=np.float64)
    values, base_margin = contribs[:, :-1], float(contribs[0, -1])
    if spec.use_logit or link == "identity":
        space, expected = ("log-odds" if spec.use_logit else "output"), base_margin
    else:
        values = rescale(values, base_margin, link)
        space = "probability" if link == "logistic" else "output"
        expected = float(_inverse_link(np.array([base_margin]), link)[0])
    chosen = _features_to_explain(spec.features_to_explain, features)
    columns = [features.index(name) for name in chosen]
    local = values[:, columns]
    return ShapResult(
        label_name=label_name,
        features=chosen,
        local=local,
        global_values=dict(zip(chosen, aggregate(local, spec.agg_method).tolist(), strict=True)),
        expected_value=expected,
        space=space,
        agg_method=spec.agg_method,
    )


def rescale(values: np.ndarray, base_margin: float, link: str) -> np.ndarray:
    """Each row's margin contributions scaled by (f(m) - f(m_base)) / (m - m_base), so they
    add up to the output's change; where m == m_base, by f'(m) (the limit). Written here:
    XGBoost has no output-space TreeSHAP for non-linear links."""
    delta = values.sum(axis=1)
    margin = base_margin + delta
    change = _inverse_link(margin, link) - _inverse_link(np.array([base_margin]), link)[0]
    small = np.abs(delta) < 1e-12
    ratio = np.where(small, _slope(margin, link), change / np.where(small, 1.0, delta))
    return values * ratio[:, None]


def _inverse_link(margin: np.ndarray, link: str) -> np.ndarray:
    if link == "logistic":
        return 1.0 / (1.0 + np.exp(-margin))
    return np.exp(margin) if link == "exp" else margin


def _slope(margin: np.ndarray, link: str) -> np.ndarray:
    output = _inverse_link(margin, link)
    return output * (1.0 - output) if link == "logistic" else output


def aggregate(values: np.ndarray, method: str) -> np.ndarray:
    """Global values per feature: mean |value|, median value, or mean squared value."""
    if method == "median":
        return np.median(values, axis=0)
    if method == "mean_sq":
        return np.mean(values**2, axis=0)
    return np.mean(np.abs(values), axis=0)


def _features_to_explain(wanted: list | None, features: list[str]) -> list[str]:
    if not wanted:
        return list(features)
    chosen = []
    for ref in wanted:
        if isinstance(ref, int) and not isinstance(ref, bool) and 0 <= ref < len(features):
            chosen.append(features[ref])
        elif isinstance(ref, str) and ref in features:
            chosen.append(ref)
        else:
            raise ClientError(
                f"methods.shap.features_to_explain: {ref!r} is not a feature column; the "
                f"features are: {', '.join(features)}"
            )
    return list(dict.fromkeys(chosen))


def baseline_mean(booster, baseline: np.ndarray, use_logit: bool) -> float:
    """The model's mean prediction on the baseline rows (log-odds when use_logit)."""
    import xgboost as xgb

    data = xgb.DMatrix(baseline, missing=np.nan)
    return float(np.mean(booster.predict(data, output_margin=use_logit, validate_features=False)))


def explanations_section(result: ShapResult) -> dict:
    """Clarify's `explanations` section."""
    entry = {"global_shap_values": result.global_values, "expected_value": result.expected_value}
    return {"kernel_shap": {result.label_name: entry}}


def local_values(result: ShapResult, join: pd.Series | None = None) -> pd.DataFrame:
    """`explanations_shap/out.csv`: one row per data row, one column per explained feature
    (the join key first when the config names one)."""
    frame = pd.DataFrame(result.local, columns=result.features)
    if join is not None:
        frame.insert(0, str(join.name), join.to_numpy())
    return frame
