"""The report's sections, in page order: each holds its numbers and words and draws its figure.

Everything that shows the report (the HTML page, the notebook view, the PNG files) loops over
`sections_of(report)`; a section that does not apply says why (`Report.skipped`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import Section, Table
from .classification import ClassificationReport, ConfusionMatrix, RocCurve
from .distributions import LabelDistribution, PredictionDistribution
from .training import ClassAccuracy, FeatureImportance, Loss

if TYPE_CHECKING:
    from ..report import Report

SECTION_TYPES: tuple[type[Section], ...] = (
    LabelDistribution,
    Loss,
    FeatureImportance,
    ConfusionMatrix,
    ClassificationReport,
    ClassAccuracy,
    RocCurve,
    PredictionDistribution,
)
# Section ids, in page order: the HTML page, the notebook view and the tests share them.
SECTIONS = tuple(section.id for section in SECTION_TYPES)
# The static PNG of a section, when it has one (`save_pngs` writes these names).
STATIC_FIGURES = {section.png_name: section.id for section in SECTION_TYPES if section.png_name}


def skip_reasons(report: Report, problems: Mapping[str, str | None]) -> dict[str, str]:
    """{section id: why it is skipped}, in page order, for the sections that do not apply.

    `problems`: what went wrong computing a section's numbers, by section id.
    """
    reasons = {}
    for section in SECTION_TYPES:
        why = section.why_not(report, problems.get(section.id))
        if why:
            reasons[section.id] = why
    return reasons


def sections_of(report: Report) -> list[Section]:
    """Every section of the report, in page order, ready to draw (fresh on each call)."""
    tables = report.tables()
    return [section(report, tables) for section in SECTION_TYPES]


__all__ = [
    "SECTIONS",
    "SECTION_TYPES",
    "STATIC_FIGURES",
    "ClassAccuracy",
    "ClassificationReport",
    "ConfusionMatrix",
    "FeatureImportance",
    "LabelDistribution",
    "Loss",
    "PredictionDistribution",
    "RocCurve",
    "Section",
    "Table",
    "sections_of",
    "skip_reasons",
]
