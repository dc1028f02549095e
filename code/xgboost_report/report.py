"""The report's numbers (`Report`) and how they are computed (`build_report`).

A `Report` holds numbers only; the sections (`sections/`: displays, each built from the
evaluation data it needs by `Report.displays()`) word and draw them, and `page.py` lays them
out as an HTML page, in a notebook or as PNG files. Its words are in its `language`
(English or Brazilian Portuguese); every way of showing it can pick another language and other
feature names (`Report.shown_as`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from . import frames, page
from .constants import POSITIVE_LABEL
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
from .sections import (
    SECTION_TYPES,
    ClassAccuracy,
    ClassificationReport,
    ConfusionMatrix,
    Context,
    FeatureImportance,
    LabelDistribution,
    Loss,
    PredictionDistribution,
    RocCurve,
    Section,
)
from .wording import LANGUAGES, Note, Words, in_language, language_code

Names = Sequence[str] | None  # feature names, one per feature in column order; None: as they are
DEFAULT_TITLES = {Words("page", language=code)("title") for code in LANGUAGES}


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
    language: str = "en"  # of the title, notes and skip reasons: "en" or "pt_BR"
    # section id -> what failed computing its numbers (to word `skipped` in another language)
    problems: dict[str, str | None] = field(default_factory=dict)

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
        out: dict[str, Any] = {}
        if self.label_distribution:
            out["label_distribution"] = frames.label_distribution(self.label_distribution)
        if self.importance:
            out["feature_importance"] = frames.feature_importance(
                self.importance, self.feature_names
            )
        if self.confusion_matrix is not None:
            out["confusion_matrix"] = frames.confusion_matrix(*self.ordered_confusion_matrix())
        if self.confusion:
            out["confusion_cells"] = frames.confusion_cells(self.confusion)
        if self.classification_report:
            out["classification_report"] = frames.classification_report(self.classification_report)
        if self.regression_metrics:
            out["regression_metrics"] = frames.regression_metrics(self.regression_metrics)
        return out

    def ordered_confusion_matrix(self) -> tuple[list[int], np.ndarray]:
        """(classes in display order, the confusion matrix in that order): TP top-left."""
        return ordered_matrix(self.confusion_matrix, self.kind, self.classes)

    def text(self, language: str | None = None, feature_names: Names = None) -> str:
        """A plain-text version: headline numbers, skipped sections and the main tables.

        The summary keys and the table names stay as `summary()` and `tables()` give them.
        """
        shown = self.shown_as(language, feature_names)
        say = Words("page", language=shown.language)
        lines = [shown.title, "=" * len(shown.title)]
        lines += [f"{k:18} {v}" for k, v in shown.summary().items()]
        lines += [say("text.note", note=note) for note in shown.notes]
        for section, reason in shown.skipped.items():
            lines.append(say("text.skipped", section=section, reason=reason))
        for name, frame in shown.tables().items():
            lines += ["", name, frame.round(4).to_string()]
        return "\n".join(lines)

    # ------------------------------------------------------------------ showing
    # Each way of showing the report takes `language` ("en", "pt_BR"; None: the report's own)
    # and `feature_names` (one per feature; None: the report's own), see `shown_as`.

    def shown_as(self, language: str | None = None, feature_names: Names = None) -> Report:
        """This report in `language` and/or with `feature_names` (a copy; None: unchanged).

        The default title, the notes and the skip reasons are worded again; a title the caller
        chose stays as it is. Raises ReportError for an unknown language or a list of names
        that does not hold one distinct name per feature.
        """
        if language is None and feature_names is None:
            return self
        code = self.language if language is None else language_code(language)
        names = self.feature_names
        if feature_names is not None:
            names = checked_feature_names(feature_names, self.num_features)
        renamed = dict(zip(self.feature_names, names, strict=True))
        shown = dataclasses.replace(
            self,
            title=_title(self.title, code),
            language=code,
            feature_names=names,
            importance={
                kind: {renamed.get(name, name): value for name, value in values.items()}
                for kind, values in self.importance.items()
            },
            notes=[in_language(note, code) for note in self.notes],
        )
        shown.skipped = skip_reasons(shown, shown.problems)
        return shown

    def context(self) -> Context:
        """What the sections' words depend on: kind, objective, labels or not, language."""
        labels = self.labels
        first = int(labels[0]) if labels is not None and labels.size else ""
        return Context(self.kind, self.objective, labels is not None, self.language, first)

    def header(self) -> page.Header:
        """What the page's header shows (title, date, the model's facts, headline numbers)."""
        return page.Header(
            title=self.title,
            created=self.created,
            language=self.language,
            objective=self.objective,
            rounds=self.num_rounds,
            features=self.num_features,
            rows=self.num_rows,
            labelled=self.labels is not None,
            xgboost_version=self.xgboost_version,
            summary=self.summary(),
            notes=tuple(self.notes),
        )

    def displays(self, language: str | None = None, feature_names: Names = None) -> list[Section]:
        """Every section, in page order, ready to draw in Bokeh or matplotlib (fresh on each
        call); each is built from the evaluation data it needs, never from the report."""
        shown = self.shown_as(language, feature_names)
        context = shown.context()
        return [
            section.skipped_for(context, shown.skipped[section.id])
            if section.id in shown.skipped
            else _display(shown, section, context)
            for section in SECTION_TYPES
        ]

    def sections(
        self, language: str | None = None, feature_names: Names = None
    ) -> list[dict[str, Any]]:
        """Each section: id, title, how-to-read text, skipped reason, tables, figures, html.

        Figures are Bokeh models made fresh on each call (a Bokeh model belongs to one page).
        """
        return [section.as_dict() for section in self.displays(language, feature_names)]

    def to_html(
        self,
        path: str | os.PathLike,
        language: str | None = None,
        feature_names: Names = None,
    ) -> Path:
        """Write the report as one standalone HTML file (Bokeh inline: works offline); its
        `<html lang>` is the language's ("en" or "pt-BR")."""
        shown = self.shown_as(language, feature_names)
        return page.write_html(shown.header(), shown.displays(), Path(path))

    def show(
        self,
        interactive: bool = False,
        language: str | None = None,
        feature_names: Names = None,
    ) -> None:
        """Display the report in a Jupyter notebook.

        By default the figures are static PNGs (small, and visible wherever the notebook is
        rendered, GitHub included); `interactive=True` shows the zoomable Bokeh plots instead,
        which adds about 8 MB of BokehJS to the saved notebook. The standalone page
        (`to_html`) is always interactive. Outside a notebook, prints `text()`.
        """
        shown = self.shown_as(language, feature_names)
        page.show(shown.header(), shown.displays(), interactive, shown.text())

    def save_pngs(
        self,
        folder: str | os.PathLike,
        language: str | None = None,
        feature_names: Names = None,
    ) -> list[Path]:
        """Static PNGs (matplotlib, Agg) of every figure of the sections that apply, in page
        order; `sections.STATIC_FIGURES` names the files."""
        return page.save_pngs(self.displays(language, feature_names), Path(folder))


def _display(report: Report, section: type[Section], context: Context) -> Section:
    """The section (one that applies) built from the evaluation data it needs."""
    r = report
    if section is LabelDistribution:
        return LabelDistribution.from_labels(r.labels, r.label_distribution, context=context)
    if section is Loss:
        return Loss.from_history(r.history, r.best_iteration, context=context)
    if section is FeatureImportance:
        return FeatureImportance.from_importance(r.importance, r.feature_names, context=context)
    if section is ConfusionMatrix:
        return ConfusionMatrix.from_matrix(
            r.confusion_matrix, r.classes, r.confusion, rows=r.num_rows, context=context
        )
    if section is ClassificationReport:
        return ClassificationReport.from_measures(
            r.classification_report,
            r.accuracy,
            r.regression_metrics,
            rows=r.num_rows,
            context=context,
        )
    if section is ClassAccuracy:
        return ClassAccuracy.from_curves(r.class_accuracy, context=context)
    if section is RocCurve:
        return RocCurve.from_roc(r.roc, r.auc, r.confusion, context=context)
    if section is PredictionDistribution:
        return PredictionDistribution.from_predictions(
            r.predictions, r.labels, classes=r.classes, residuals=r.residuals, context=context
        )
    raise TypeError(f"no evaluation data for section {section.id!r}")  # pragma: no cover


def skip_reasons(report: Report, problems: Mapping[str, str | None]) -> dict[str, str]:
    """{section id: why it is skipped}, in page order, for the sections that do not apply.

    `problems`: what went wrong computing a section's numbers, by section id.
    """
    context = report.context()
    reasons = {}
    for section in SECTION_TYPES:
        present = section.requires is None or bool(getattr(report, section.requires))
        why = section.why_not(context, present, problems.get(section.id))
        if why:
            reasons[section.id] = why
    return reasons


# ---------------------------------------------------------------------- building


def build_report(
    booster: xgb.Booster,
    features: Any,
    labels: Any,
    *,
    history: Any = None,
    feature_names: Names = None,
    objective: str | None = None,
    title: str | None = None,
    notes: Sequence[str] = (),
    data_name: str | None = None,
    language: str = "en",
) -> Report:
    """Compute every number of the training report (nothing is drawn yet).

    `features`: rows with the model's feature columns (NumPy, pandas, SciPy sparse, DMatrix);
    `labels`: one per row, or None; `history`: XGBoost's evals_result dict, or the path of an
    eval_history.json / output.tar.gz. Label 1 is the positive class; threshold 0.5.
    `feature_names`: one name per feature, in column order (else the model's or the data's
    names, else f0, f1, ...); a list of another length is refused (ReportError).
    `language`: of the report's words, "en" or "pt_BR" (also "pt-BR", "pt_br", "pt");
    `title`: None (or any language's default title) for the default title in `language`;
    `data_name`: what the notes call the data.
    """
    language = language_code(language)
    notes = list(notes)
    objective = objective or booster_objective(booster)
    kind = objective_kind(objective)
    dmatrix, rows, data_names = prepare_features(features, booster)
    if rows == 0:
        raise ReportError("the data holds no rows: nothing to evaluate")
    names = _feature_names(booster, feature_names, data_names, notes)
    evals, best_iteration, history_note = read_history(history)
    if history_note:
        notes.append(history_note)
    scores, predicted = predict(booster, dmatrix, kind, objective)
    if objective not in ("binary:logistic",) and kind == "binary":
        notes.append(Note("sigmoid", objective=objective))
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
        notes.append(Note("other_objective", objective=objective))
    evaluated = Note("evaluated_on", data=data_name or Note("validation_data"), rows=rows)
    report = Report(
        title=_title(title, language),
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
        notes=[in_language(note, language) for note in [evaluated, *notes]],
        language=language,
        problems=problems,
        **numbers,
    )
    report.skipped = skip_reasons(report, problems)
    return report


def _title(title: str | None, language: str) -> str:
    """The title in `language`: the given one, unless it is a language's default title."""
    if title is None or title in DEFAULT_TITLES:
        return Words("page", language=language)("title")
    return title


def checked_feature_names(names: Sequence[str], count: int) -> list[str]:
    """The feature names a caller gave, as a list; refused unless there is one distinct name
    for each of the model's `count` features."""
    if isinstance(names, str):
        raise ReportError(
            f"feature_names must be a list of {count} names, one per feature, not one string"
        )
    names = [str(name) for name in names]
    if len(names) != count:
        raise ReportError(
            f"{len(names)} feature names were given, but the model has {count} features: pass "
            "one name per feature, in the order of the data's feature columns (without the label)"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ReportError(f"feature names must differ: {', '.join(repeated)} given more than once")
    return names


def _feature_names(
    booster: xgb.Booster, given: Names, found: Sequence[str] | None, notes: list[str]
) -> list[str]:
    """The names the caller gave (checked), else those of the model or of the data when they
    fit the model, else f0, f1, ..."""
    if given is not None:
        return checked_feature_names(given, booster.num_features())
    names = list(booster.feature_names or found or [])
    if len(names) != booster.num_features():
        if names:
            notes.append(Note("names_ignored", given=len(names), count=booster.num_features()))
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
