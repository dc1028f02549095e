"""Where Kernel SHAP gets the model's outputs: the shadow endpoint, as Clarify does, or the same
model loaded in this process when it is an XGBoost booster that answers exactly as the
endpoint does.

Why a second path: Kernel SHAP asks the model about num_samples x baseline rows synthetic rows
per data row (2.4 million for the course's 7,839 validation rows at num_samples=300). Sent as
CSV over HTTP to the local model server that is minutes; XGBoost predicts them in process in
seconds. The endpoint stays the authority: the loaded model is used only after it has given
the endpoint's answers for a sample of the data rows and for every baseline row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localsm.clarify import predictor
from localsm.clarify.config import PredictorSpec
from localsm.clarify.errors import AlgorithmError, InputError

Predict = Callable[[np.ndarray], np.ndarray]
CHECK_ROWS = 500  # data rows both paths must agree on
TOLERANCE = 1e-5  # the model server writes float32 scores; the booster path computes float64
LOGISTIC = ("binary:logistic", "reg:logistic")


@dataclass(frozen=True)
class Scorer:
    """A model's outputs for rows of features, and where they come from."""

    predict: Predict
    source: str  # "endpoint" or "model"


def endpoint_scorer(url: str, spec: PredictorSpec) -> Scorer:
    """The shadow endpoint's numeric answer for each row (a label text is a ClientError)."""

    def predict(matrix: np.ndarray) -> np.ndarray:
        answers, _ = predictor.predict(url, matrix, spec)
        if not all(isinstance(a, float) for a in answers):
            odd = next(a for a in answers if not isinstance(a, float))
            raise InputError(
                f"SHAP explains a number, but the model answered {odd!r}: make the model "
                "return a score or probability (ModelConfig accept_type, and "
                "ModelPredictedLabelConfig probability for a multi-output answer)"
            )
        return np.asarray(answers, dtype=np.float64)

    return Scorer(predict, "endpoint")


def booster_scorer(model_dir: Path | None, width: int) -> Scorer | None:
    """The model folder's XGBoost booster as a scorer, when it loads and has one output."""
    if model_dir is None:
        return None
    from xgboost_report.errors import ReportError
    from xgboost_report.model_io import booster_objective, load_model, num_class

    try:
        booster = load_model(model_dir)
    except ReportError:
        return None
    if num_class(booster) > 1:
        return None
    if booster.num_features() != width:
        raise InputError(
            f"the model expects {booster.num_features()} features but the dataset has {width} "
            "feature columns; check headers, the label and excluded_columns"
        )
    logistic = booster_objective(booster) in LOGISTIC

    def predict(matrix: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(matrix, dtype=np.float32)  # what XGBoost computes with
        if logistic:  # the probability from the margin in float64: no float32 rounding
            margin = booster.inplace_predict(rows, predict_type="margin", missing=np.nan)
            return 1.0 / (1.0 + np.exp(-np.asarray(margin, dtype=np.float64)))
        scores = booster.inplace_predict(rows, missing=np.nan)
        return np.asarray(scores, dtype=np.float64).reshape(len(rows), -1)[:, 0]

    return Scorer(predict, "model")


def choose(url: str | None, model_dir: Path | None, spec: PredictorSpec | None,
           rows: np.ndarray, baseline: np.ndarray) -> Scorer:  # fmt: skip
    """The loaded model when it agrees with the endpoint (or when there is no endpoint, as in
    a test of the analyzer alone); the endpoint otherwise."""
    loaded = booster_scorer(model_dir, rows.shape[1])
    if not url:
        if loaded is None:
            raise AlgorithmError(
                "SHAP needs the model's predictions, and there is neither a shadow endpoint "
                "(LOCALSM_CLARIFY_ENDPOINT_URL) nor an XGBoost model folder "
                "(LOCALSM_CLARIFY_MODEL_DIR)"
            )
        return loaded
    endpoint = endpoint_scorer(url, spec or PredictorSpec())
    if loaded is None:
        return endpoint
    sample = np.concatenate([rows[:CHECK_ROWS], baseline])
    try:
        served, computed = endpoint.predict(sample), loaded.predict(sample)
    except ValueError:
        return endpoint
    same = served.shape == computed.shape and np.allclose(served, computed, rtol=TOLERANCE,
                                                          atol=TOLERANCE)  # fmt: skip
    return loaded if same else endpoint
