"""SHAP values in Clarify's `kernel_shap` structure: Kernel SHAP against the baseline
(`kernel_shap.py`), on the model's outputs (`scoring.py`), as `SHAPConfig` asks.

- `baseline`: rows given inline in the config; none given, k-means centres of the dataset
  (`baseline.py`, `num_clusters`).
- `num_samples`: coalitions per row (default 2M + 2048, at most 2^M - 2: then exact); `seed`.
- `use_logit`: false, the values explain the model's output (for binary:logistic, the
  probability); true, its log-odds: each coalition's mean output goes through the logit.
- `expected_value`: the mean model output on the baseline rows (through the logit when
  use_logit); every row's values add up to its output minus `expected_value`.
- `agg_method`: the global value of a feature from its local values: `mean_abs`, `median`
  or `mean_sq`. `save_local_shap_values`: `explanations_shap/out.csv`, one column per feature
  named `<feature>_<label>` (`_label0` for the model's single output), as Clarify names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from localsm.clarify import kernel_shap
from localsm.clarify.config import ShapSpec
from localsm.clarify.errors import InputError
from localsm.clarify.scoring import Scorer


@dataclass(frozen=True)
class ShapResult:
    """What analysis.json, out.csv and the report need."""

    label_name: str
    features: list[str]
    local: np.ndarray  # rows x features
    global_values: dict[str, float]
    expected_value: float
    space: str  # "log-odds" or "output"
    agg_method: str
    samples: int  # coalitions per row (the most any row got)
    active: int  # features that differ from the baseline (the most any row had)
    seed: int | None
    baseline: np.ndarray  # the baseline rows used
    baseline_built: bool  # by k-means (no baseline in the config)
    source: str  # "endpoint" or "model": where the predictions came from


def check_baseline(baseline: object, features: list[str]) -> np.ndarray | None:
    """The inline baseline rows as a matrix (each row: every feature column, no label)."""
    if baseline is None:
        return None
    if isinstance(baseline, str) or isinstance(baseline, dict):
        raise InputError(
            "methods.shap.baseline: local Clarify reads a baseline given inline as a list of "
            "rows (SHAPConfig(baseline=[[...]])), not a file URI or a JSON object"
        )
    rows = list(baseline) if isinstance(baseline, list) else []
    if not rows:
        raise InputError("methods.shap.baseline must hold at least one row")
    matrix = np.empty((len(rows), len(features)))
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(features):
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise InputError(
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
        raise InputError(
            f"baseline row {row}, column {column!r}: {value!r} is not a number"
        ) from None


def check_spec(spec: ShapSpec) -> None:
    """num_samples and seed as the SDK writes them: whole numbers (num_samples >= 1)."""
    for key in ("num_samples", "seed"):
        value = getattr(spec, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputError(f"methods.shap.{key} {value!r} must be a whole number")
    if spec.num_samples is not None and spec.num_samples < 1:
        raise InputError(f"methods.shap.num_samples {spec.num_samples} must be 1 or more")


def explain(scorer: Scorer, matrix: np.ndarray, baseline: np.ndarray, features: list[str],
            spec: ShapSpec, label_name: str = "label0",
            built: bool = False) -> ShapResult:  # fmt: skip
    """Kernel SHAP values of every row, and the global values by `agg_method`."""
    predict = _probabilities(scorer.predict) if spec.use_logit else scorer.predict
    link = kernel_shap.logit if spec.use_logit else kernel_shap.identity
    found = kernel_shap.explain(predict, matrix, baseline, spec.num_samples, spec.seed, link)
    chosen = _features_to_explain(spec.features_to_explain, features)
    local = found.values[:, [features.index(name) for name in chosen]]
    return ShapResult(
        label_name=label_name,
        features=chosen,
        local=local,
        global_values=dict(zip(chosen, aggregate(local, spec.agg_method).tolist(), strict=True)),
        expected_value=found.expected_value,
        space="log-odds" if spec.use_logit else "output",
        agg_method=spec.agg_method,
        samples=found.samples,
        active=found.active,
        seed=spec.seed,
        baseline=baseline,
        baseline_built=built,
        source=scorer.source,
    )


def _probabilities(predict: kernel_shap.Predict) -> kernel_shap.Predict:
    """The model's outputs, refused unless they are probabilities (use_logit needs them)."""

    def checked(matrix: np.ndarray) -> np.ndarray:
        scores = predict(matrix)
        if len(scores) and (np.nanmin(scores) < 0.0 or np.nanmax(scores) > 1.0):
            raise InputError(
                "methods.shap.use_logit is true but the model's output is not a probability "
                f"(values from {np.nanmin(scores):.4g} to {np.nanmax(scores):.4g}); set "
                "use_logit=False"
            )
        return scores

    return checked


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
            raise InputError(
                f"methods.shap.features_to_explain: {ref!r} is not a feature column; the "
                f"features are: {', '.join(features)}"
            )
    return list(dict.fromkeys(chosen))


def explanations_section(result: ShapResult) -> dict:
    """Clarify's `explanations` section."""
    entry = {"global_shap_values": result.global_values, "expected_value": result.expected_value}
    return {"kernel_shap": {result.label_name: entry}}


def local_values(result: ShapResult, join: pd.Series | None = None) -> pd.DataFrame:
    """`explanations_shap/out.csv`: one row per data row, one column per explained feature,
    named `<feature>_<label>` (the join key first when the config names one)."""
    columns = [f"{name}_{result.label_name}" for name in result.features]
    frame = pd.DataFrame(result.local, columns=columns)
    if join is not None:
        frame.insert(0, str(join.name), join.to_numpy())
    return frame


def baseline_file(result: ShapResult) -> str:
    """`explanations_shap/baseline.csv`: the baseline rows used, in the dataset's format
    (features only, no header), so that the file can be given back as a baseline."""
    return pd.DataFrame(result.baseline).to_csv(header=False, index=False, float_format="%.10g")


def model_dir(folder: str | None) -> Path | None:
    """The model folder the local job names (LOCALSM_CLARIFY_MODEL_DIR), if any."""
    return Path(folder) if folder else None
