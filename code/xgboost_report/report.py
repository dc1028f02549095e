"""The report's numbers (`Report`) and how they are computed (`build_report`).

A `Report` holds numbers only; the sections (`sections/`) word and draw them, and `page.py`
lays them out as an HTML page, in a notebook or as PNG files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from . import page
from .constants import DEFAULT_TITLE, POSITIVE_LABEL
from .errors import ReportError, xgb_message
from .evaluate import (
    class_accuracy,
    classification_numbers,
    error_by_label_bin,
    feature_importance,
    ordered_matrix,
    predict,
    prepare_features,
    regression_numbers,
)
from .inputs import read_history
from .model_io import booster_objective, num_class, objective_kind
from .sections import Section, sections_of, skip_reasons


@dataclass(eq=False, kw_only=True)
class Report:
    """The numbers of a training report, and ways to show them (HTML, notebook, PNG, dict).

    The fields that only some models or data have are None when they do not apply.
    """

    title: str
    created: datetime
    objective: str
    kind: str
    num_rows: int
    num_features: int
    num_rounds: int
    feature_names: list[str]
    xgboost_version: str
    labels: np.ndarray | None = None
    predictions: np.ndarray  # binary: P(label 1); multiclass: (rows, classes); else: values
    predicted_labels: np.ndarray | None = None
    classes: list[int] | None = None
    label_distribution: dict[int, int] | None = None
    importance: dict[str, dict[str, float]] = field(default_factory=dict)
    history: dict[str, dict[str, list[float]]] | None = None
    best_iteration: int | None = None
    # rows: true class, columns: predicted, order `classes`
    confusion_matrix: np.ndarray | None = None
    # binary: TP/FN/FP/TN count and percentages
    confusion: dict[str, dict[str, float]] | None = None
    classification_report: dict | None = None
    accuracy: float | None = None
    roc: dict[str, np.ndarray] | None = None
    auc: float | None = None
    class_accuracy: dict | None = None  # {"iterations": [...], "per_class": {c: [...]}, "overall"}
    residuals: np.ndarray | None = None
    regression_metrics: dict[str, float] | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # section id -> why, in page order
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ numbers

    def summary(self) -> dict[str, Any]:
        """A small dict of rounded headline numbers (what the notebooks print and compare)."""
        out: dict[str, Any] = {"objective": self.objective, "rows": self.num_rows}
        if self.auc is not None:
            out["auc"] = round(self.auc, 4)
        if self.accuracy is not None:
            out["accuracy"] = round(self.accuracy, 4)
        report = self.classification_report or {}
        if self.kind == "binary" and report:
            positive = report[str(POSITIVE_LABEL)]
            out["precision"] = round(positive["precision"], 4)
            out["recall"] = round(positive["recall"], 4)
            for label in (1, 0):
                out[f"f1_label_{label}"] = round(report[str(label)]["f1-score"], 4)
            for name in ("TP", "FN", "FP", "TN"):
                out[name.lower()] = int(self.confusion[name]["count"])
        elif report:
            out["f1_macro"] = round(report["macro avg"]["f1-score"], 4)
            for label in self.classes or []:
                out[f"f1_label_{label}"] = round(report[str(label)]["f1-score"], 4)
        if self.regression_metrics:
            out.update({k: round(v, 4) for k, v in self.regression_metrics.items()})
        return out

    def tables(self) -> dict[str, Any]:
        """The report's tables as pandas DataFrames, by name."""
        import pandas as pd

        out: dict[str, Any] = {}
        if self.label_distribution:
            total = sum(self.label_distribution.values())
            out["label_distribution"] = pd.DataFrame(
                {
                    "label": list(self.label_distribution),
                    "rows": list(self.label_distribution.values()),
                    "share (%)": [100 * n / total for n in self.label_distribution.values()],
                }
            ).set_index("label")
        if self.importance:
            frame = pd.DataFrame(self.importance).reindex(self.feature_names).fillna(0.0)
            key = "gain" if "gain" in frame else frame.columns[0]
            out["feature_importance"] = frame.sort_values(key, ascending=False, kind="stable")
        if self.confusion_matrix is not None:
            order, matrix = self.ordered_confusion_matrix()
            labels = [str(c) for c in order]
            out["confusion_matrix"] = pd.DataFrame(
                matrix,
                index=pd.Index([f"true {c}" for c in labels]),
                columns=[f"predicted {c}" for c in labels],
            )
        if self.confusion:
            out["confusion_cells"] = pd.DataFrame(
                [
                    {
                        "cell": name,
                        "meaning": cell["meaning"],
                        "rows": int(cell["count"]),
                        "% of all rows": cell["percent_of_all"],
                        "% of its true class": cell["percent_of_class"],
                    }
                    for name, cell in self.confusion.items()
                ]
            ).set_index("cell")
        if self.classification_report:
            frame = pd.DataFrame(
                {k: v for k, v in self.classification_report.items() if isinstance(v, dict)}
            ).T
            frame["support"] = frame["support"].astype(int)
            out["classification_report"] = frame
        if self.regression_metrics:
            out["regression_metrics"] = pd.DataFrame(
                {"value": self.regression_metrics}
            ).rename_axis("metric")
        return out

    def ordered_confusion_matrix(self) -> tuple[list[int], np.ndarray]:
        """(classes in display order, the confusion matrix in that order): TP top-left."""
        return ordered_matrix(self.confusion_matrix, self.kind, self.classes)

    def text(self) -> str:
        """A plain-text version: headline numbers, skipped sections and the main tables."""
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k:18} {v}" for k, v in self.summary().items()]
        for note in self.notes:
            lines.append(f"note: {note}")
        for section, reason in self.skipped.items():
            lines.append(f"skipped {section}: {reason}")
        for name, frame in self.tables().items():
            lines += ["", name, frame.round(4).to_string()]
        return "\n".join(lines)

    # ------------------------------------------------------------------ showing

    def displays(self) -> list[Section]:
        """Every section, in page order, ready to draw in Bokeh or matplotlib."""
        return sections_of(self)

    def sections(self) -> list[dict[str, Any]]:
        """Each section: id, title, how-to-read text, skipped reason, tables, figures, html.

        Figures are Bokeh models made fresh on each call (a Bokeh model belongs to one page).
        """
        return [section.as_dict() for section in self.displays()]

    def to_html(self, path: str | os.PathLike) -> Path:
        """Write the report as one standalone HTML file (Bokeh inline: works offline)."""
        return page.write_html(self, Path(path))

    def show(self, interactive: bool = False) -> None:
        """Display the report in a Jupyter notebook.

        By default the figures are static PNGs (small, and visible wherever the notebook is
        rendered, GitHub included); `interactive=True` shows the zoomable Bokeh plots instead,
        which adds about 8 MB of BokehJS to the saved notebook. The standalone page
        (`to_html`) is always interactive. Outside a notebook, prints `text()`.
        """
        page.show(self, interactive)

    def save_pngs(self, folder: str | os.PathLike) -> list[Path]:
        """Static PNGs (matplotlib, Agg) of every figure of the sections that apply, in page
        order; `sections.STATIC_FIGURES` names the files."""
        return page.save_pngs(self, Path(folder))


# ---------------------------------------------------------------------- building


def build_report(
    booster: xgb.Booster,
    features: Any,
    labels: Any,
    *,
    history: Any = None,
    feature_names: Sequence[str] | None = None,
    objective: str | None = None,
    title: str = DEFAULT_TITLE,
    notes: Sequence[str] = (),
    data_name: str = "the validation data",
) -> Report:
    """Compute every number of the training report (nothing is drawn yet).

    `features`: rows with the model's feature columns (NumPy, pandas, SciPy sparse, DMatrix);
    `labels`: one per row, or None; `history`: XGBoost's evals_result dict, or the path of an
    eval_history.json / output.tar.gz. Label 1 is the positive class; threshold 0.5.
    """
    notes = list(notes)
    objective = objective or booster_objective(booster)
    kind = objective_kind(objective)
    dmatrix, rows, data_names = prepare_features(features, booster)
    if rows == 0:
        raise ReportError("the data holds no rows: nothing to evaluate")
    names = _feature_names(booster, feature_names or booster.feature_names or data_names, notes)
    evals, best_iteration, history_note = read_history(history)
    if history_note:
        notes.append(history_note)
    scores, predicted = predict(booster, dmatrix, kind, objective)
    if objective not in ("binary:logistic",) and kind == "binary":
        notes.append(
            f"{objective} outputs no probabilities: the scores shown are the sigmoid of the raw "
            "margin (same ranking, so the ROC curve and AUC are exact)"
        )
    y = _labels(labels, rows)
    classes = _classes(booster, kind, scores)
    if y is not None and classes is not None:
        y = _class_labels(y, classes, kind, objective)
    numbers, problems = _compare_with_labels(
        booster, dmatrix, objective, y, classes, (scores, predicted)
    )
    problems["loss"] = history_note
    importance = feature_importance(booster, names, notes)
    if kind == "other":
        notes.append(
            f"the report covers binary, multi-class and regression objectives; for {objective} "
            "it shows the loss curves, the feature importance and the predicted values only"
        )
    report = Report(
        title=title,
        created=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        objective=objective,
        kind=kind,
        num_rows=rows,
        num_features=booster.num_features(),
        num_rounds=booster.num_boosted_rounds(),
        feature_names=names,
        xgboost_version=xgb.__version__,
        labels=y,
        predictions=scores,
        predicted_labels=predicted,
        classes=classes,
        importance=importance,
        history=evals,
        best_iteration=best_iteration,
        notes=[f"evaluated on {data_name} ({rows:,} rows)"] + notes,
        **numbers,
    )
    report.skipped = skip_reasons(report, problems)
    return report


def _feature_names(booster: xgb.Booster, given: Sequence[str] | None, notes: list[str]) -> list:
    """The names to show: the given ones when they fit the model, else f0, f1, ..."""
    names = list(given or [])
    if len(names) != booster.num_features():
        if names:
            notes.append(
                f"{len(names)} feature names were given for {booster.num_features()} features: "
                "using f0, f1, ... instead"
            )
        names = [f"f{i}" for i in range(booster.num_features())]
    return names


def _labels(labels: Any, rows: int) -> np.ndarray | None:
    """The labels as floats, one per row and none missing (None when there are none)."""
    if labels is None:
        return None
    y = np.asarray(labels, dtype=np.float64).ravel()
    if y.shape[0] != rows:
        raise ReportError(f"{y.shape[0]} labels for {rows} rows: pass one label per row")
    if np.isnan(y).any():
        raise ReportError(f"row {int(np.flatnonzero(np.isnan(y))[0]) + 1} has no label")
    return y


def _classes(booster: xgb.Booster, kind: str, scores: np.ndarray) -> list[int] | None:
    """The classes of a classifier (binary: 0 and 1), None for the other objectives."""
    if kind == "binary":
        return [0, 1]
    if kind == "multiclass":
        count = num_class(booster) or (scores.shape[1] if scores.ndim == 2 else 0)
        return list(range(count))
    return None


def _class_labels(y: np.ndarray, classes: list[int], kind: str, objective: str) -> np.ndarray:
    """The labels as class numbers; a label that is not a class of the model is refused."""
    unknown = np.setdiff1d(np.unique(y), classes)
    if unknown.size:
        raise ReportError(
            f"label {unknown[0]:g} is not a class of this {objective} model (classes: "
            f"{', '.join(map(str, classes))}); the label must be the first column, encoded "
            "as 0/1" + (" " if kind == "binary" else ", 1, ... ") + "as in training"
        )
    return y.astype(int)


def _compare_with_labels(
    booster: xgb.Booster,
    dmatrix: xgb.DMatrix,
    objective: str,
    y: np.ndarray | None,
    classes: list[int] | None,
    prediction: tuple[np.ndarray, np.ndarray | None],
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """(the Report fields that need labels, {section id: what failed computing it}).

    `prediction`: (scores, predicted labels) of the whole model, as `predict` gives them.
    """
    kind = objective_kind(objective)
    scores, predicted = prediction
    numbers: dict[str, Any] = {}
    if y is None or kind == "other":
        return numbers, {}
    if kind == "regression":
        numbers.update(regression_numbers(y, scores))
    else:
        numbers.update(classification_numbers(y, predicted, scores, kind, classes))
        numbers["label_distribution"] = {c: int((y == c).sum()) for c in classes}
    try:
        if kind == "regression":
            numbers["class_accuracy"] = error_by_label_bin(booster, dmatrix, objective, y)
        else:
            numbers["class_accuracy"] = class_accuracy(
                booster, dmatrix, kind, objective, y, classes
            )
    except xgb.core.XGBoostError as error:
        return numbers, {"class-accuracy": xgb_message(error)}
    return numbers, {}
