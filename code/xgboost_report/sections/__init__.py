"""The report's sections, in page order: displays that hold their numbers and words and draw
their figure (see `base.Section`).

Each is built from the evaluation data it needs by its own class method (`from_labels`,
`from_history`, ...); `Report.displays()` builds them all, and everything that shows the report
(the HTML page, the notebook view, the PNG files) loops over that list; a section that does not
apply says why (`Report.skipped`). Nothing here knows the `Report`.
"""

from __future__ import annotations

from .base import Context, Section, Table
from .classification import ClassificationReport, ConfusionMatrix, RocCurve
from .distributions import LabelDistribution, PredictionDistribution
from .training import ClassAccuracy, FeatureImportance, Loss

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


__all__ = [
    "SECTIONS",
    "SECTION_TYPES",
    "STATIC_FIGURES",
    "ClassAccuracy",
    "ClassificationReport",
    "ConfusionMatrix",
    "Context",
    "FeatureImportance",
    "LabelDistribution",
    "Loss",
    "PredictionDistribution",
    "RocCurve",
    "Section",
    "Table",
]
