"""The numbers behind the report, computed from the booster and the evaluated rows.

One function per quantity that `build_report` needs: predictions (optionally with the first N
rounds only), feature importance, accuracy over the iterations, the confusion matrix and its
cells, the ROC curve and the error measures of a regression. Nothing here draws.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xgboost as xgb

from .constants import IMPORTANCE_TYPES, MAX_STEPS, POSITIVE_LABEL, THRESHOLD
from .errors import ReportError, xgb_message
from .wording import Note


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def prepare_features(features: Any, booster: xgb.Booster) -> tuple[Any, int, list[str] | None]:
    """Rows as XGBoost wants them; refuses a column count the model was not trained on."""
    expected = booster.num_features()
    names = None
    if isinstance(features, xgb.DMatrix):
        if features.num_col() > expected:
            raise ReportError(
                f"the data has {features.num_col()} feature columns but the model was trained on "
                f"{expected} features"
            )
        return features, features.num_row(), features.feature_names
    if hasattr(features, "columns") and hasattr(features, "to_numpy"):  # pandas DataFrame
        names = [str(c) for c in features.columns]
        try:
            features = features.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ReportError(f"the features must all be numeric: {error}") from None
    import scipy.sparse

    if not scipy.sparse.issparse(features):
        features = np.asarray(features, dtype=np.float64)
        if features.ndim == 1:
            features = features.reshape(-1, 1) if expected == 1 else features.reshape(1, -1)
    if features.ndim != 2 or features.shape[1] != expected:
        got = features.shape[1] if features.ndim == 2 else features.shape
        raise ReportError(
            f"the data has {got} feature columns but the model was trained on {expected} "
            "features: pass the same feature columns, in the same order, as the training data "
            "(and the label separately)"
        )
    dmatrix = xgb.DMatrix(
        features,
        feature_names=booster.feature_names,
        feature_types=booster.feature_types,
        enable_categorical=bool(booster.feature_types and "c" in booster.feature_types),
        nthread=-1,
    )
    return dmatrix, features.shape[0], names


def predict(
    booster: xgb.Booster, dmatrix: xgb.DMatrix, kind: str, objective: str, rounds: int | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(scores, predicted labels): P(label 1) / class probabilities / values."""
    options = {} if rounds is None else {"iteration_range": (0, rounds)}
    if kind == "binary":
        if objective == "binary:logistic":
            scores = booster.predict(dmatrix, **options).astype(np.float64)
        else:  # logitraw, hinge: turn the margin into a probability-like score
            margin = booster.predict(dmatrix, output_margin=True, **options).astype(np.float64)
            scores = _sigmoid(margin)
        return scores, (scores > THRESHOLD).astype(int)
    if kind == "multiclass":
        margin = booster.predict(dmatrix, output_margin=True, **options).astype(np.float64)
        margin = margin.reshape(dmatrix.num_row(), -1)
        margin -= margin.max(axis=1, keepdims=True)
        probabilities = np.exp(margin)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities, probabilities.argmax(axis=1)
    return booster.predict(dmatrix, **options).astype(np.float64), None


def feature_importance(
    booster: xgb.Booster, names: list[str], notes: list[str]
) -> dict[str, dict[str, float]]:
    """{weight/gain/cover: {shown name: XGBoost's score}}; what is unavailable goes to `notes`."""
    model_names = booster.feature_names or [f"f{i}" for i in range(booster.num_features())]
    out = {}
    for kind in IMPORTANCE_TYPES:
        try:
            scores = booster.get_score(importance_type=kind)
        except (xgb.core.XGBoostError, ValueError) as error:
            notes.append(Note("importance_unavailable", kind=kind, problem=xgb_message(error)))
            continue
        values = {}
        for model_name, shown in zip(model_names, names, strict=True):
            value = scores.get(model_name, 0.0)
            values[shown] = float(np.sum(value)) if isinstance(value, list) else float(value)
        out[kind] = values
    return out


def _steps(rounds: int) -> list[int]:
    """About MAX_STEPS round counts from 1 to `rounds`, always ending with `rounds`."""
    step = max(1, rounds // MAX_STEPS)
    return sorted(set(range(step, rounds + 1, step)) | {rounds})


def class_accuracy(
    booster: xgb.Booster,
    dmatrix: xgb.DMatrix,
    kind: str,
    objective: str,
    labels: np.ndarray,
    classes: list[int],
) -> dict:
    """Each true class's share of rows predicted right, using the first N rounds only."""
    rounds = booster.num_boosted_rounds()
    steps = _steps(rounds)
    per_class: dict[int, list[float]] = {c: [] for c in classes}
    overall = []
    masks = {c: labels == c for c in classes}
    for i in steps:
        _, predicted = predict(booster, dmatrix, kind, objective, rounds=i)
        for c in classes:
            n = masks[c].sum()
            per_class[c].append(float((predicted[masks[c]] == c).mean()) if n else math.nan)
        overall.append(float((predicted == labels).mean()))
    return {"iterations": steps, "per_class": per_class, "overall": overall}


def error_by_label_bin(
    booster: xgb.Booster, dmatrix: xgb.DMatrix, objective: str, labels: np.ndarray
) -> dict:
    """Regression: mean absolute error per label range (quantile bins) over the iterations."""
    rounds = booster.num_boosted_rounds()
    steps = _steps(rounds)
    edges = np.unique(np.quantile(labels, np.linspace(0, 1, 5)))
    if edges.size < 2:
        edges = np.array([labels.min(), labels.max() + 1e-12])
    bins = np.clip(np.searchsorted(edges, labels, side="right") - 1, 0, edges.size - 2)
    names = [f"{edges[i]:.4g} to {edges[i + 1]:.4g}" for i in range(edges.size - 1)]
    per_bin: dict[str, list[float]] = {n: [] for n in names}
    overall = []
    for i in steps:
        predicted, _ = predict(booster, dmatrix, "regression", objective, rounds=i)
        error = np.abs(labels - predicted)
        for b, name in enumerate(names):
            chosen = bins == b
            per_bin[name].append(float(error[chosen].mean()) if chosen.any() else math.nan)
        overall.append(float(error.mean()))
    return {
        "iterations": steps,
        "per_class": per_bin,  # named "low to high"; `edges` has the numbers
        "overall": overall,
        "regression": True,
        "edges": [float(edge) for edge in edges],
    }


def matrix_order(kind: str, classes: list[int] | None) -> list[int]:
    """The classes in the order the confusion matrix shows them.

    Binary: positive class first, so TP sits top-left as in the Debugger report.
    """
    if kind == "binary":
        return [POSITIVE_LABEL, 1 - POSITIVE_LABEL]
    return list(classes or [])


def ordered_matrix(
    matrix: np.ndarray, kind: str, classes: list[int]
) -> tuple[list[int], np.ndarray]:
    """(order, matrix with its rows and columns in that order): see `matrix_order`."""
    order = matrix_order(kind, classes)
    index = [classes.index(c) for c in order]
    return order, matrix[np.ix_(index, index)]


def classification_numbers(
    y: np.ndarray,
    predicted: np.ndarray,
    scores: np.ndarray,
    kind: str,
    classes: list[int],
) -> dict[str, Any]:
    """Confusion matrix, classification report, accuracy; binary: cells, ROC curve, AUC."""
    from sklearn import metrics

    matrix = metrics.confusion_matrix(y, predicted, labels=classes)
    numbers: dict[str, Any] = {
        "confusion_matrix": matrix,
        "classification_report": metrics.classification_report(
            y,
            predicted,
            labels=classes,
            target_names=[str(c) for c in classes],
            output_dict=True,
            zero_division=0,
        ),
        "accuracy": float(metrics.accuracy_score(y, predicted)),
    }
    if kind == "binary":
        numbers["confusion"] = confusion_cells(matrix, y.shape[0])
        if len(np.unique(y)) == 2:  # else the ROC section says why it is skipped
            fpr, tpr, thresholds = metrics.roc_curve(y, scores, pos_label=POSITIVE_LABEL)
            numbers["auc"] = float(metrics.roc_auc_score(y, scores))
            numbers["roc"] = {"fpr": fpr, "tpr": tpr, "thresholds": thresholds}
    return numbers


def confusion_cells(matrix: np.ndarray, rows: int) -> dict[str, dict[str, Any]]:
    """Binary: TP, FN, FP, TN with their meaning, count and shares (of all rows, of the class)."""
    tn, fp, fn, tp = (int(v) for v in matrix.ravel())
    meanings = {
        "TP": ("true positive: label 1, predicted 1", tp, tp + fn),
        "FN": ("false negative: label 1, predicted 0", fn, tp + fn),
        "FP": ("false positive: label 0, predicted 1", fp, fp + tn),
        "TN": ("true negative: label 0, predicted 0", tn, fp + tn),
    }
    return {
        name: {
            "meaning": meaning,
            "count": count,
            "percent_of_all": 100.0 * count / rows,
            "percent_of_class": 100.0 * count / total if total else math.nan,
        }
        for name, (meaning, count, total) in meanings.items()
    }


def regression_numbers(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Residuals (label - prediction) and RMSE, MAE and R²."""
    from sklearn import metrics

    rows = y.shape[0]
    return {
        "residuals": y - scores,
        "regression_metrics": {
            "rmse": float(np.sqrt(metrics.mean_squared_error(y, scores))),
            "mae": float(metrics.mean_absolute_error(y, scores)),
            "r2": float(metrics.r2_score(y, scores)) if rows > 1 else math.nan,
        },
    }
