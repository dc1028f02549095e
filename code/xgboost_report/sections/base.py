"""What every report section shares: its words, tables, and a figure drawn by either renderer.

Sections are displays in the manner of scikit-learn's `*Display` classes: a class method
(`from_labels`, `from_history`, `from_predictions`, ...) computes, once, what the section shows
from the evaluation data it needs (labels, probabilities, history, importances...) and a
`Context` (the model's kind and objective, whether the data has labels, the language); the
result is a small immutable object that draws itself with matplotlib (`plot(ax=...)`; PNG files
and the static notebook view) or as Bokeh models (`to_bokeh`: the HTML page and the interactive
notebook view). No section sees the whole report. Bokeh and matplotlib are imported only when
something is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..wording import Words, in_language

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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


@dataclass(frozen=True)
class Context:
    """What a section's words depend on: the model's kind ("binary", "multiclass",
    "regression", "other") and objective, whether the data has labels, the language; and the
    data's first label (a skip reason may quote it)."""

    kind: str
    objective: str = ""
    labelled: bool = True
    language: str = "en"
    first_label: int | str = ""

    def words(self, part: str) -> Words:
        """The words of `part` (a section id), in the variant for this model and data."""
        return Words(part, self.kind, self.labelled, self.language)


@dataclass(frozen=True, kw_only=True, eq=False)
class Section:
    """One section of the report (a display); subclasses draw their figure in both renderers.

    A subclass declares in its class line its `id`, its PNG file name (`png`, when it has a
    figure) and what it needs: labels (`labels=True`), an objective among `kinds` (else the
    reason `otherwise` from wording.REASONS), evaluation data that is not empty (`requires`:
    the name the report gives it; else the section's `missing` text). A section that does not
    apply is made by `skipped_for` and holds only its words and why it is skipped.
    """

    id: ClassVar[str]
    png_name: ClassVar[str | None]
    needs_labels: ClassVar[bool]
    kinds: ClassVar[tuple[str, ...]]
    otherwise: ClassVar[str]
    requires: ClassVar[str | None]

    context: Context
    skipped: str | None = None

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

    @classmethod
    def skipped_for(cls, context: Context, why: str) -> Section:
        """The section when it does not apply: its words and `why` (see `why_not`)."""
        return cls(context=context, skipped=why)

    @classmethod
    def why_not(
        cls, context: Context, present: bool = True, problem: str | None = None
    ) -> str | None:
        """Why this section does not apply (None: it applies), in the context's language.

        `present`: whether the evaluation data it `requires` is there; `problem`: what went
        wrong computing it, when something did. A `missing` text may use {problem}, {note}
        (" (problem)", or nothing) and {first} (the first label).
        """
        language = context.language
        if cls.needs_labels and not context.labelled:
            return reason("no_labels", language)
        if context.kind not in cls.kinds:
            return reason(cls.otherwise, language, objective=context.objective)
        if cls.requires and not present:
            problem = in_language(problem, language)
            note = f" ({problem})" if problem else ""
            say = context.words(cls.id)
            return say("missing", problem=problem, note=note, first=context.first_label)
        return None

    @property
    def say(self) -> Words:
        """The section's words, in its language and the variant for its model and data."""
        return self.context.words(self.id)

    @property
    def language(self) -> str:
        return self.context.language

    @property
    def title(self) -> str:
        return self.say("title")

    @property
    def text(self) -> str:
        """How to read the section."""
        return self.say("how")

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
        name; with `index`, its labels too) in the section's language (wording.TABLES)."""
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

    def plot(self, ax: Axes | Sequence[Axes] | None = None) -> Figure | None:
        """Draw the figure with matplotlib on `ax` (a sequence of Axes for a figure of several
        panels), or on a new Figure of the report's size when None (not pyplot: nothing global,
        no display needed); returns the Figure drawn on."""
        return None

    def to_matplotlib(self) -> Figure | None:
        """The figure as a new matplotlib Figure of the report's size (`plot()`)."""
        return self.plot()

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


def axes_for(
    ax: Axes | Sequence[Axes] | None,
    size: tuple[float, float],
    grid: tuple[int, int] | None = None,
) -> list[Axes]:
    """The Axes to draw on: those given (one, or as many as `grid` holds), else those of a new
    Figure of `size` inches (one Axes, or a `grid` of rows and columns of them)."""
    count = 1 if grid is None else grid[0] * grid[1]
    if ax is None:
        fig = mpl_figure(*size)
        if grid is None:
            return [fig.add_subplot()]
        return [fig.add_subplot(*grid, i + 1) for i in range(count)]
    axes = list(np.ravel(ax)) if isinstance(ax, list | tuple | np.ndarray) else [ax]
    if len(axes) != count:
        raise ValueError(f"this figure has {count} panels: pass {count} Axes, not {len(axes)}")
    return axes


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
