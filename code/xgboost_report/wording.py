"""Every word the report shows, kept as data: one table per section, one for the page.

A key may have variants for the model's kind and for data without labels, tried from the most
specific: `how.multiclass.unlabelled`, `how.multiclass`, `how.unlabelled`, `how`. The texts are
`str.format` templates; `{threshold}` and `{positive}` are always available. Another language
is another table with the same keys (see `LANGUAGES`): `wording_pt_br.PORTUGUESE` is Brazilian
Portuguese, where the numbers a template formats get a decimal comma (0,8512; 6.512 rows).
"""

from __future__ import annotations

import numbers
from typing import Any

from .catalogue import catalogue
from .constants import DEFAULT_TITLE, POSITIVE_LABEL, THRESHOLD
from .errors import ReportError
from .wording_pt_br import PORTUGUESE

REASONS = {  # why a section is skipped, shared by several sections
    "no_labels": "the data has no labels (only feature columns), so nothing can be compared "
    "with the truth; pass the labelled validation data to see this section",
    "classification_only": "does not apply to a {objective} model (classification only)",
    "binary_only": "does not apply to a {objective} model (binary classification only)",
    "not_for_objective": "does not apply to a {objective} model",
}

PAGE = {
    "title": DEFAULT_TITLE,  # when the caller gives none
    "objective": "Objective",
    "rounds": "Boosting rounds in the model",
    "features": "Features",
    "rows": "Rows evaluated",
    "no_labels": " (no labels)",
    "xgboost": "XGBoost",
    "created": "Created on {created:%Y-%m-%d %H:%M:%S} UTC",
    "notes": "Notes",
    "sections_skipped": "Sections skipped",
    "contents": "Contents",
    "skipped_mark": "(skipped)",
    "skipped": "Skipped:",
    "headline.auc": "AUC",
    "headline.accuracy": "accuracy",
    "headline.f1_label_1": "F1, label 1",
    "headline.f1_label_0": "F1, label 0",
    "headline.f1_macro": "F1, macro average",
    "headline.rmse": "RMSE",
    "headline.mae": "MAE",
    "headline.r2": "R²",
    "footer": "Generated locally by code/xgboost_report/ from the model, the evaluated data and "
    "the evaluation history; SageMaker Debugger's CreateXgboostReport rule reports the same "
    "sections from its saved tensors.",
    "text.note": "note: {note}",
    "text.skipped": "skipped {section}: {reason}",
}

LABEL_DISTRIBUTION = {
    "title": "Distribution of true labels",
    "how": "How many rows of the evaluated data carry each label. When one class dominates, "
    "accuracy alone flatters the model: always predicting the majority class already scores its "
    "share. Look at per-class recall and F1 below instead.",
    "how.regression": "A histogram of the target values in the evaluated data. Compare it with "
    "the residuals below: a model is usually least accurate where labels are rare.",
    "figure": "Rows per true label",
    "figure.regression": "Histogram of the labels",
    "x": "true label",
    "x.regression": "label",
    "y": "rows",
    "hover.label": "label",
    "hover.rows": "rows",
    "hover.share": "share",
    "table": "Rows per label",
    "share": "{share:.1f} %",
}

LOSS = {
    "title": "Loss and metrics per iteration",
    "how": "The evaluation metrics XGBoost computed after every boosting round, on the training "
    "and the validation data. Both curves should fall (or, for AUC, rise) and flatten. A "
    "validation curve that turns back up while the training curve keeps improving means the "
    "model is overfitting: fewer rounds, a smaller eta or early stopping would help.",
    "figure": "{metric} per boosting round",
    "legend": "{data} (last {value:.5f})",
    "x": "boosting round",
    "hover.data": "data",
    "hover.round": "round",
    "best": "The dashed line marks the best iteration ({best}) chosen by early stopping.",
    "missing": "no per-iteration evaluation history was given{note}: pass history= (the "
    "evals_result dict of xgb.train, or an eval_history.json)",
}

FEATURE_IMPORTANCE = {
    "title": "Feature importance",
    "how": "Three views of how the trees use each feature, each scaled so that the features add "
    "up to 1. Weight counts the splits on a feature; gain is the average loss reduction those "
    "splits bring; cover is the average number of rows they affect. Gain is usually the most "
    "telling. Importance shows what the model relies on, not cause and effect, and correlated "
    "features share it.",
    "figure": "Feature importance",
    "panel": "by {kind}",
    "x": "share",
    "hover.feature": "feature",
    "hover.share": "share",
    "table": "Importance per feature (XGBoost's raw values)",
    "missing": "XGBoost gives no feature importance for this model",
    "kind.weight": "weight",
    "kind.gain": "gain",
    "kind.cover": "cover",
}

CONFUSION_MATRIX = {
    "title": "Confusion matrix",
    "how": "Rows are the true labels, columns the predicted ones (threshold {threshold} on the "
    "predicted probability; label {positive} is the positive class). The diagonal holds the "
    "correct predictions: true positives (TP) and true negatives (TN). False negatives (FN) are "
    "positive rows the model missed; false positives (FP) are negative rows it flagged. The "
    "colour shows each cell's share of its row.",
    "figure": "Confusion matrix (rows: true label)",
    "figure.static": "Confusion matrix",
    "x": "predicted label",
    "y": "true label",
    "hover.true": "true",
    "hover.predicted": "predicted",
    "hover.rows": "rows",
    "hover.rate": "share of row",
    "table": "Rows per cell",
    "table.cells": "The four cells",
    "row": "true {label}",
    "column": "predicted {label}",
    "count": "{rows:,}",
    "share": "({share:.1f} %)",
    "meaning.TP": "true positive: label 1, predicted 1",
    "meaning.FN": "false negative: label 1, predicted 0",
    "meaning.FP": "false positive: label 0, predicted 1",
    "meaning.TN": "true negative: label 0, predicted 0",
}

CLASSIFICATION_REPORT = {
    "title": "Evaluation of the confusion matrix",
    "title.regression": "Evaluation of the predictions",
    "how": "Per class: precision = TP / (TP + FP), the share of rows predicted as the class that "
    "really belong to it; recall = TP / (TP + FN), the share of the class the model finds; F1, "
    "their harmonic mean, is high only when both are; support is the number of rows of the "
    "class. Accuracy is the share of all rows predicted right. The macro average weighs every "
    "class equally; the weighted average weighs them by support.",
    "how.regression": "Error measures on the evaluated data: RMSE and MAE are in the label's "
    "unit (lower is better; RMSE weighs large errors more); R² is the share of the label's "
    "variance the model explains (1 is perfect, 0 is no better than the mean).",
    "accuracy": "Accuracy: <b>{accuracy:.4f}</b> ({percent:.1f} % of {rows:,} rows)",
    "table": "Classification report",
    "table.regression": "Error measures",
}

CLASS_ACCURACY = {
    "title": "Accuracy of each class over iterations",
    "title.regression": "Absolute error per label range over iterations",
    "how": "For each true class, the share of its rows predicted correctly (the diagonal of the "
    "confusion matrix divided by its row) when the model uses only its first N boosting rounds; "
    "the dashed line is the overall accuracy. Curves that flatten early mean later rounds add "
    "little for that class.",
    "how.regression": "The mean absolute error, for rows grouped by the size of their label, "
    "recomputed with the first N boosting rounds of the model. It shows which label ranges the "
    "later rounds still improve and which they leave behind.",
    "figure": "Share of each true class predicted correctly",
    "figure.regression": "Mean absolute error per label range",
    "legend": "label {name}",
    "overall": "all rows",
    "x": "boosting rounds used",
    "y": "accuracy",
    "y.regression": "mean absolute error",
    "missing": "XGBoost cannot predict with part of this model: {problem}",
    "range": "{low:.4g} to {high:.4g}",
}

ROC_CURVE = {
    "title": "ROC curve",
    "how": "The true-positive rate (recall of label 1) against the false-positive rate for every "
    "possible threshold on the predicted probability; the dot marks threshold {threshold}. The "
    "area under the curve (AUC) is the chance that a random positive row scores higher than a "
    "random negative one: 0.5 is guessing, 1 is perfect. It does not depend on the threshold.",
    "figure": "ROC curve, AUC = {auc:.4f}",
    "figure.static": "ROC curve",
    "model": "model (AUC {auc:.4f})",
    "model.static": "model (AUC {auc:.3f})",
    "chance": "chance (AUC 0.5)",
    "point": "threshold {threshold}",
    "x": "false-positive rate (FP / (FP + TN))",
    "x.static": "false-positive rate",
    "y": "true-positive rate (TP / (TP + FN))",
    "y.static": "true-positive rate",
    "hover.fpr": "false-positive rate",
    "hover.tpr": "true-positive rate",
    "hover.threshold": "threshold",
    "auc": "AUC: <b>{auc:.4f}</b>",
    "missing": "the labels hold only class {first}: a ROC curve needs both classes",
}

PREDICTION_DISTRIBUTION = {
    "title": "Distribution of predicted probabilities",
    "title.regression": "Distribution of residuals",
    "title.other": "Distribution of predictions",
    "how": "Histograms of the predicted probability of label {positive}, one per true class, "
    "each in percent of that class's rows. A good model pushes label 1 rows towards 1 and label "
    "0 rows towards 0; the overlap around the threshold ({threshold}) is where its mistakes are.",
    "how.unlabelled": "A histogram of the predicted probability of label {positive} (no labels "
    "given).",
    "how.multiclass": "For each true class, a histogram (in percent of the class's rows) of the "
    "probability the model gives to that class. Mass near 1 means confident, correct "
    "predictions; mass near 0 means the model believes the row belongs elsewhere.",
    "how.multiclass.unlabelled": "A histogram of the probability of the predicted class (no "
    "labels given).",
    "how.regression": "Residual = true label - prediction. A narrow histogram centred on 0 is "
    "what you want; a shifted centre means the model is biased, long tails show rows it gets "
    "badly wrong.",
    "how.regression.unlabelled": "A histogram of the predicted values (the data has no labels, "
    "so no residuals).",
    "how.other": "A histogram of the model's raw predictions.",
    "what": "predicted probability of label {positive}",
    "what.multiclass": "probability given to the true class",
    "what.multiclass.unlabelled": "probability of the predicted class",
    "what.regression": "residual (label - prediction)",
    "what.regression.unlabelled": "prediction",
    "what.other": "prediction",
    "figure": "Histogram of the {what}",
    "figure.regression": "Histogram of the {what}",  # a variant for the article in Portuguese
    "figure.regression.unlabelled": "Histogram of the {what}",
    "group": "true label {label}",
    "all": "all rows",
    "legend": "{name} ({rows:,} rows)",
    "y": "rows",
    "y.shares": "% of the class's rows",
    "hover.from": "from",
    "hover.to": "to",
    "hover.rows": "rows",
}

NOTES = {  # the report's notes (Report.notes), worded again when it is shown in another language
    "validation_data": "the validation data",
    "channel": "the {channel} channel",
    "evaluated_on": "evaluated on {data} ({rows:,} rows)",
    "sigmoid": "{objective} outputs no probabilities: the scores shown are the sigmoid of the raw "
    "margin (same ranking, so the ROC curve and AUC are exact)",
    "other_objective": "the report covers binary, multi-class and regression objectives; for "
    "{objective} it shows the loss curves, the feature importance and the predicted values only",
    "names_ignored": "{given} feature names came with the data for {count} features: using f0, "
    "f1, ... instead",
    "importance_unavailable": "feature importance by {kind} is not available: {problem}",
    "no_validation_channel": "the job had no validation channel: the report evaluates the model "
    "on its own training data, so the scores are optimistic (add a validation channel)",
    "libsvm_files": "read {count} LibSVM file(s) from {path}",
    "features_only": "{source} has {columns} columns, as many as the model has features: read as "
    "features without labels",
    "history_missing": "no evaluation history at {path}",
    "history_not_in_archive": "{path} holds no {name}",
    "history_unreadable": "{path}: unreadable archive ({problem})",
    "history_not_json": "{path}: not a JSON evaluation history ({problem})",
    "history_not_object": "the evaluation history is not a JSON object",
    "history_empty": "the evaluation history holds no per-round metrics",
}

TABLES = {  # the column and row labels of Report.tables(), as the sections show them
    "label": "label",
    "rows": "rows",
    "share (%)": "share (%)",
    "cell": "cell",
    "meaning": "meaning",
    "% of all rows": "% of all rows",
    "% of its true class": "% of its true class",
    "precision": "precision",
    "recall": "recall",
    "f1-score": "f1-score",
    "support": "support",
    "accuracy": "accuracy",
    "macro avg": "macro avg",
    "micro avg": "micro avg",
    "weighted avg": "weighted avg",
    "metric": "metric",
    "value": "value",
    "weight": "weight",
    "gain": "gain",
    "cover": "cover",
}

ENGLISH = catalogue(globals())
LANGUAGES = {"en": ENGLISH, "pt_BR": PORTUGUESE}
HTML_LANG = {"en": "en", "pt_BR": "pt-BR"}  # the page's <html lang>, as BCP 47 writes it
DECIMAL_COMMA = frozenset({"pt_BR"})  # languages that write 0,5 and 6.512
ALIASES = {"en": "en", "pt_br": "pt_BR", "pt": "pt_BR"}  # lower case, "-" read as "_"


def language_code(language: str) -> str:
    """The code of a report language ("en" or "pt_BR"); pt-BR, pt_br and pt mean pt_BR."""
    code = ALIASES.get(str(language).strip().replace("-", "_").lower())
    if code is None:
        raise ReportError(
            f"unknown report language {language!r}: use 'en' (English) or 'pt_BR' (Brazilian "
            "Portuguese; 'pt-BR', 'pt_br' and 'pt' are read as 'pt_BR')"
        )
    return code


class Words:
    """The words of one part of the report (a section id, "page" or "reasons").

    `kind` and `labelled` pick the variants written for the model's objective and for data
    without labels; a key without such a variant falls back to its plain form.
    """

    def __init__(
        self, part: str, kind: str = "", labelled: bool = True, language: str = "en"
    ) -> None:
        self.language = language_code(language)
        self.table = LANGUAGES[self.language][part]
        self.suffixes = [f".{kind}.unlabelled", f".{kind}", ".unlabelled", ""]
        if labelled:
            self.suffixes = [f".{kind}", ""]

    def __call__(self, key: str, **values: Any) -> str:
        """The text of `key` with `values` filled in (numbers written the language's way)."""
        for suffix in self.suffixes:
            text = self.table.get(key + suffix)
            if text is not None:
                values = {"threshold": THRESHOLD, "positive": POSITIVE_LABEL, **values}
                if self.language in DECIMAL_COMMA:
                    values = {k: _Number(v) if _is_number(v) else v for k, v in values.items()}
                return text.format(**values)
        raise KeyError(key)

    def label(self, text: Any) -> Any:
        """A table label in this language (`text` itself when the table does not know it)."""
        return self.table.get(text, text) if isinstance(text, str) else text

    def number(self, value: Any, spec: str = "") -> str:
        """`format(value, spec)`, with the language's decimal and thousands separators."""
        text = format(value, spec)
        return _swap_separators(text) if self.language in DECIMAL_COMMA else text


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _swap_separators(text: str) -> str:
    """6,512.5 -> 6.512,5 (English separators to Portuguese ones)."""
    return text.translate(str.maketrans(",.", ".,"))


class _Number:
    """A number that formats with a decimal comma ({:.4f} of 0.5 gives 0,5000)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return _swap_separators(format(self.value, spec))


class Note(str):
    """A note of the NOTES table: a `str` (its text in `language`) that knows its key and
    values, so that the report can word it again in another language (`in_language`)."""

    key: str
    values: dict[str, Any]
    language: str

    def __new__(cls, key: str, language: str = "en", **values: Any) -> Note:
        code = language_code(language)
        shown = {name: in_language(value, code) for name, value in values.items()}
        note = super().__new__(cls, Words("notes", language=code)(key, **shown))
        note.key, note.values, note.language = key, values, code
        return note

    def in_language(self, language: str) -> Note:
        """The same note in `language`."""
        return (
            self
            if language_code(language) == self.language
            else Note(self.key, language, **self.values)
        )

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle by key, not by text
        return (_note, (self.key, self.language, self.values))


def _note(key: str, language: str, values: dict[str, Any]) -> Note:
    return Note(key, language, **values)


def in_language(text: Any, language: str) -> Any:
    """A `Note` worded in `language`; any other text (or value) as it is."""
    return text.in_language(language) if isinstance(text, Note) else text
