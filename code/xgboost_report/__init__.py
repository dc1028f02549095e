"""The XGBoost training report: a local stand-in for SageMaker Debugger's `CreateXgboostReport`.

From a trained booster, a labelled data set (the validation split) and, when there is one, the
per-round evaluation history, it computes what the Debugger's report shows: label distribution,
loss per iteration, feature importance, confusion matrix, classification report, accuracy of
each class over the iterations, ROC curve and the distribution of the predictions. It renders
them as one standalone HTML page (Bokeh, inline, works offline), in a notebook (`show`), and as
static PNG files (matplotlib). No SageMaker needed; seconds instead of the rule's minutes.

Model files load without ever unpickling by default: XGBoost JSON, UBJSON and the legacy binary
format of XGBoost 1.x (what SageMaker's own containers write as `xgboost-model`) are recognised
by their content; a pickle or joblib file is refused unless the caller opts in.

Entry points: `load_model`, `build_report`, `report_from_artifact` (notebooks, AWS mode) and
`report_from_training_job` (the local Debugger rule, see `localsm/rules.py`).

Languages: every entry point takes `language="en"` or `"pt_BR"` (Brazilian Portuguese; "pt-BR",
"pt_br" and "pt" too; anything else is a ValueError), and every way of showing a report
(`Report.to_html`, `show`, `save_pngs`, `displays`, `sections`, `text`) can take another one;
the page's `<html lang>` is "en" or "pt-BR". Feature names: the same functions and methods take
`feature_names`, one name per feature (the built-in algorithm's CSVs have no header, so the
report would say f0, f1, ...); a list of another length is a ValueError naming both counts.

Modules: `model_io` (model files), `inputs` (data sets, evaluation history), `evaluate` and
`report` (the numbers), `frames` (the tables), `sections/` (one display per report section,
in the manner of scikit-learn's: built by a `from_...` class method from the evaluation data it
needs, immutable, drawn with `plot(ax=...)` in matplotlib or `to_bokeh()`), `wording` and
`wording_pt_br` (every text shown, in English and in Brazilian Portuguese; `catalogue` names
their parts once), `page` (HTML page,
notebook view, PNG files, from a `Header` and the sections), `jobs` (reports of artifacts and
training jobs). Imports go one way: report -> page -> sections -> frames, evaluate, wording.
"""

from __future__ import annotations

from .constants import (
    DEFAULT_TITLE,
    HISTORY_FILE_NAME,
    IMPORTANCE_TYPES,
    LABEL_COLUMN_NAMES,
    MAX_STEPS,
    MODEL_PREFIX,
    PNG_DPI,
    POSITIVE_LABEL,
    REPORT_FILE_NAME,
    THRESHOLD,
)
from .errors import PickleRefused, ReportError
from .inputs import Dataset, read_dataset, read_history
from .jobs import report_from_artifact, report_from_training_job
from .model_io import PICKLE_RISK, booster_objective, load_model, objective_kind, sniff_format
from .report import Report, build_report
from .sections import SECTIONS, STATIC_FIGURES

__all__ = [
    "DEFAULT_TITLE",
    "HISTORY_FILE_NAME",
    "IMPORTANCE_TYPES",
    "LABEL_COLUMN_NAMES",
    "MAX_STEPS",
    "MODEL_PREFIX",
    "PICKLE_RISK",
    "PNG_DPI",
    "POSITIVE_LABEL",
    "REPORT_FILE_NAME",
    "SECTIONS",
    "STATIC_FIGURES",
    "THRESHOLD",
    "Dataset",
    "PickleRefused",
    "Report",
    "ReportError",
    "booster_objective",
    "build_report",
    "load_model",
    "objective_kind",
    "read_dataset",
    "read_history",
    "report_from_artifact",
    "report_from_training_job",
    "sniff_format",
]
