"""Every word the report shows, kept as data: one table per section, one for the page.

A key may have variants for the model's kind and for data without labels, tried from the most
specific: `how.multiclass.unlabelled`, `how.multiclass`, `how.unlabelled`, `how`. The texts are
`str.format` templates; `{threshold}` and `{positive}` are always available. Another language
is another table with the same keys (see `LANGUAGES`).
"""

from __future__ import annotations

from typing import Any

from .constants import POSITIVE_LABEL, THRESHOLD

REASONS = {  # why a section is skipped, shared by several sections
    "no_labels": "the data has no labels (only feature columns), so nothing can be compared "
    "with the truth; pass the labelled validation data to see this section",
    "classification_only": "does not apply to a {objective} model (classification only)",
    "binary_only": "does not apply to a {objective} model (binary classification only)",
    "not_for_objective": "does not apply to a {objective} model",
}

PAGE = {
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
    "group": "true label {label}",
    "all": "all rows",
    "legend": "{name} ({rows:,} rows)",
    "y": "rows",
    "y.shares": "% of the class's rows",
    "hover.from": "from",
    "hover.to": "to",
    "hover.rows": "rows",
}

ENGLISH: dict[str, dict[str, str]] = {
    "page": PAGE,
    "reasons": REASONS,
    "label-distribution": LABEL_DISTRIBUTION,
    "loss": LOSS,
    "feature-importance": FEATURE_IMPORTANCE,
    "confusion-matrix": CONFUSION_MATRIX,
    "classification-report": CLASSIFICATION_REPORT,
    "class-accuracy": CLASS_ACCURACY,
    "roc-curve": ROC_CURVE,
    "prediction-distribution": PREDICTION_DISTRIBUTION,
}
LANGUAGES = {"en": ENGLISH}


class Words:
    """The words of one part of the report (a section id, "page" or "reasons").

    `kind` and `labelled` pick the variants written for the model's objective and for data
    without labels; a key without such a variant falls back to its plain form.
    """

    def __init__(
        self, part: str, kind: str = "", labelled: bool = True, language: str = "en"
    ) -> None:
        self.table = LANGUAGES[language][part]
        self.suffixes = [f".{kind}.unlabelled", f".{kind}", ".unlabelled", ""]
        if labelled:
            self.suffixes = [f".{kind}", ""]

    def __call__(self, key: str, **values: Any) -> str:
        """The text of `key` with `values` filled in."""
        for suffix in self.suffixes:
            text = self.table.get(key + suffix)
            if text is not None:
                return text.format(threshold=THRESHOLD, positive=POSITIVE_LABEL, **values)
        raise KeyError(key)
