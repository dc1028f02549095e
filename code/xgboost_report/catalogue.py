"""Which constant of a language's wording module holds which part of the report's text:
`wording.py` (English) and `wording_pt_br.py` (Brazilian Portuguese) build their tables with
`catalogue`, so both have the same parts, named once."""

from __future__ import annotations

from typing import Any

PARTS = {
    "page": "PAGE",
    "reasons": "REASONS",
    "label-distribution": "LABEL_DISTRIBUTION",
    "loss": "LOSS",
    "feature-importance": "FEATURE_IMPORTANCE",
    "confusion-matrix": "CONFUSION_MATRIX",
    "classification-report": "CLASSIFICATION_REPORT",
    "class-accuracy": "CLASS_ACCURACY",
    "roc-curve": "ROC_CURVE",
    "prediction-distribution": "PREDICTION_DISTRIBUTION",
    "notes": "NOTES",
    "tables": "TABLES",
}


def catalogue(namespace: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A language's table, {part: {key: text}}, from its module's constants."""
    return {part: namespace[name] for part, name in PARTS.items()}
