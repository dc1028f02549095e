"""The metrics the container adds to XGBoost's own (accuracy, f1, precision, r2, ...).

XGBoost does not know them, so they are computed here with NumPy on the predicted classes,
with scikit-learn's definitions, and handed to `xgb.train` as one custom metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from localsm.builtin import UserError

if TYPE_CHECKING:
    import xgboost as xgb

# Metrics the container adds on top (computed here with NumPy, on the predicted classes).
CONTAINER_METRICS = (
    "accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "mse", "precision",
    "precision_macro", "precision_micro", "r2", "recall", "recall_macro", "recall_micro",
)  # fmt: skip


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
            raise UserError(
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


def custom_metric(names: list[str], objective: str) -> Callable | None:
    """The `custom_metric` for xgb.train that computes `names` (None when there are none)."""
    if not names:
        return None

    def evaluate(preds: np.ndarray, data: xgb.DMatrix) -> list[tuple[str, float]]:
        labels = data.get_label()
        return [(n, container_metric(n, labels, preds, objective)) for n in names]

    return evaluate
