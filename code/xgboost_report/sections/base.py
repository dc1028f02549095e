"""What every report section shares: its words, tables, and a figure drawn by either renderer.

A section is built from a finished `Report` (numbers only). It computes what its figure needs
once (`compute`), then draws it as Bokeh models (`to_bokeh`: the HTML page and the interactive
notebook view) or as a matplotlib figure (`to_matplotlib`: PNG files and the static notebook
view), in the manner of scikit-learn's `*Display` classes. Bokeh and matplotlib are imported
only when something is drawn. Its words are in the report's language (`Report.language`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..wording import Words, in_language

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..report import Report

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


@dataclass
class Table:
    """A table of a section: its caption, the DataFrame, and text formats for some columns."""

    caption: str
    frame: Any
    formats: dict[str, str] | None = None


ALL_KINDS = ("binary", "multiclass", "regression", "other")
CLASSIFIERS = ("binary", "multiclass")
SCORED = ("binary", "multiclass", "regression")  # predictions comparable with labels one by one


class Section:
    """One section of the report; subclasses draw their figure in both renderers.

    A subclass declares in its class line its `id`, its PNG file name (`png`, when it has a
    figure) and what it needs: labels (`labels=True`), an objective among `kinds` (else the
    reason `otherwise` from wording.REASONS), a report field that is not empty (`requires`,
    else the section's `missing` text).
    """

    id: ClassVar[str]
    png_name: ClassVar[str | None]
    needs_labels: ClassVar[bool]
    kinds: ClassVar[tuple[str, ...]]
    otherwise: ClassVar[str]
    requires: ClassVar[str | None]

    def __init_subclass__(
        cls,
        *,
        id: str,
        png: str | None = None,
        labels: bool = False,
        kinds: tuple[str, ...] = ALL_KINDS,
        otherwise: str = "not_for_objective",
        requires: str | None = None,
    ) -> None:
        """Record what the class line declares (see the class docstring)."""
        super().__init_subclass__()
        cls.id, cls.png_name, cls.needs_labels = id, png, labels
        cls.kinds, cls.otherwise, cls.requires = kinds, otherwise, requires

    def __init__(self, report: Report, tables: Mapping[str, Any] | None = None) -> None:
        """The section of `report`; `tables`: `report.tables()`, when the caller has them."""
        self.report = report
        self.language = report.language
        self.say = words_for(self.id, report)
        self.skipped = report.skipped.get(self.id)
        self.title = self.say("title")
        self.text = self.say("how")
        self._tables = report.tables() if tables is None else tables
        if self.skipped is None:
            self.compute()

    @classmethod
    def why_not(cls, report: Report, problem: str | None = None) -> str | None:
        """Why this section does not apply to the report (None: it applies).

        `problem`: what went wrong computing its numbers, when something did. A `missing` text
        may use {problem}, {note} (" (problem)", or nothing) and {first} (the first label).
        The reason is in the report's language.
        """
        if cls.needs_labels and report.labels is None:
            return reason("no_labels", report.language)
        if report.kind not in cls.kinds:
            return reason(cls.otherwise, report.language, objective=report.objective)
        if cls.requires and not getattr(report, cls.requires):
            problem = in_language(problem, report.language)
            first = (
                int(report.labels[0]) if report.labels is not None and report.labels.size else ""
            )
            note = f" ({problem})" if problem else ""
            return words_for(cls.id, report)("missing", problem=problem, note=note, first=first)
        return None

    def compute(self) -> None:
        """Work out, once, what both renderers draw (called only when the section applies)."""

    @property
    def has_figure(self) -> bool:
        """Whether the section draws a figure (it applies and has one)."""
        return self.png_name is not None and self.skipped is None

    def html(self) -> str:
        """An extra paragraph under the text (a headline number, a remark), as HTML."""
        return ""

    def tables(self) -> list[Table]:
        """The section's tables, in display order."""
        return []

    def table(
        self, caption: str, frame: Any, formats: dict[str, str] | None = None, index: bool = False
    ) -> Table:
        """A Table captioned with the text of key `caption`, its column labels (and the index's
        name; with `index`, its labels too) in the report's language (wording.TABLES)."""
        labels = Words("tables", language=self.language)
        shown = frame.rename(columns=labels.label)
        if index:
            shown = shown.rename(index=labels.label)
        if shown.index.name is not None:
            shown = shown.rename_axis(labels.label(shown.index.name))
        if formats is not None:
            formats = {labels.label(column): pattern for column, pattern in formats.items()}
        return Table(self.say(caption), shown, formats)

    def to_bokeh(self) -> list[Any]:
        """The figure as fresh Bokeh models (a Bokeh model belongs to one page only)."""
        return []

    def to_matplotlib(self) -> Figure | None:
        """The figure as a matplotlib Figure (not pyplot: nothing global, no display needed)."""
        return None

    def as_dict(self) -> dict[str, Any]:
        """id, title, text, skipped, tables (caption, frame, formats), Bokeh figures, html."""
        applies = self.skipped is None
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "skipped": self.skipped,
            "tables": [(t.caption, t.frame, t.formats) for t in self.tables()] if applies else [],
            "figures": self.to_bokeh() if applies else [],
            "html": self.html() if applies else "",
        }


def words_for(section: str, report: Report) -> Words:
    """The words of a section, in the report's language and the variant for its model and
    data."""
    return Words(section, report.kind, report.labels is not None, report.language)


def reason(key: str, language: str = "en", **values: Any) -> str:
    """A skip reason shared by several sections (see wording.REASONS), in `language`."""
    return Words("reasons", language=language)(key, **values)


def color(i: int) -> str:
    """The i-th colour of the palette, cycling."""
    return PALETTE[i % len(PALETTE)]


def bokeh_figure(**kwargs: Any) -> Any:
    """A Bokeh figure with the report's size, tools and title style, without the logo."""
    from bokeh.plotting import figure

    options = {"width": 760, "height": 340, "tools": TOOLS, "toolbar_location": "right"}
    options.update(kwargs)
    fig = figure(**options)
    fig.title.text_font_size = "13px"
    fig.toolbar.logo = None
    return fig


def bokeh_span(at: float, line_color: str = "black") -> Any:
    """A dashed vertical line at `at` (a threshold, zero, the best iteration)."""
    from bokeh.models import Span

    return Span(location=at, dimension="height", line_dash="dashed", line_color=line_color)


def mpl_figure(width: float, height: float) -> Figure:
    """A matplotlib Figure of this size in inches, with an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, ignoring NaN and infinite values."""
    counts, _ = np.histogram(values[np.isfinite(values)], bins=edges)
    return counts
