"""Sections 1 and 8: how the true labels are distributed, and how the predictions are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import frames
from ..constants import THRESHOLD
from .base import (
    SCORED,
    Context,
    Section,
    Table,
    axes_for,
    bokeh_figure,
    bokeh_span,
    color,
    histogram,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True, kw_only=True, eq=False)
class LabelDistribution(
    Section,
    id="label-distribution",
    png="report_label_distribution.png",
    labels=True,
    kinds=SCORED,
):
    """Rows per true label (classification) or a histogram of the labels (regression)."""

    labels: Sequence[str] = ()  # classification: the bars' labels
    counts: Any = ()  # rows per bar (or per bin)
    shares: Sequence[str] = ()  # classification: each bar's share, worded
    edges: np.ndarray | None = None  # regression: the histogram's bin edges
    frame: Any = None  # classification: rows and share per label

    @classmethod
    def from_labels(
        cls,
        labels: np.ndarray,
        per_label: Mapping[int, int] | None = None,
        *,
        context: Context,
    ) -> LabelDistribution:
        """From the rows per class (`per_label`: classification) or, without it, a histogram
        of the true labels themselves (regression)."""
        if not per_label:
            edges = np.histogram_bin_edges(labels, bins=40)
            return cls(context=context, counts=histogram(labels, edges), edges=edges)
        counts = list(per_label.values())
        total = sum(counts)
        say = context.words(cls.id)
        return cls(
            context=context,
            labels=[str(c) for c in per_label],
            counts=counts,
            shares=[say("share", share=100 * c / total) for c in counts],
            frame=frames.label_distribution(per_label),
        )

    def tables(self) -> list[Table]:
        """Rows and share per label (classification only)."""
        if self.edges is not None:
            return []
        return [self.table("table", self.frame, {"share (%)": "{:.1f}"})]

    def to_bokeh(self) -> list[Any]:
        """Bars with their share written on top, or the histogram of the labels."""
        from bokeh.models import ColumnDataSource, HoverTool

        if self.edges is not None:
            fig = bokeh_figure(title=self.say("figure"))
            left, right = self.edges[:-1], self.edges[1:]
            fig.quad(left=left, right=right, bottom=0, top=self.counts, fill_alpha=0.7)
            fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), self.say("y")
            return [fig]
        source = ColumnDataSource(
            {
                "label": self.labels,
                "rows": self.counts,
                "share": self.shares,
                "color": [color(i) for i in range(len(self.labels))],
            }
        )
        fig = bokeh_figure(x_range=self.labels, width=520, title=self.say("figure"))
        fig.vbar(x="label", top="rows", width=0.7, color="color", source=source)
        fig.text(
            x="label",
            y="rows",
            text="share",
            source=source,
            text_align="center",
            text_baseline="bottom",
            text_font_size="12px",
        )
        tips = [(self.say(f"hover.{name}"), f"@{name}") for name in ("label", "rows", "share")]
        fig.add_tools(HoverTool(tooltips=tips))
        fig.y_range.start = 0
        fig.y_range.range_padding = 0.15
        fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), self.say("y")
        return [fig]

    def plot(self, ax: Axes | None = None) -> Figure:
        """The same bars (or histogram) as a static figure."""
        if self.edges is not None:
            [ax] = axes_for(ax, (7.6, 3.4))
            ax.stairs(self.counts, self.edges, fill=True, alpha=0.7, color=color(0))
        else:
            [ax] = axes_for(ax, (5.2, 3.4))
            colors = [color(i) for i in range(len(self.labels))]
            positions = range(len(self.labels))  # numbers, not label strings: no category axis
            bars = ax.bar(positions, self.counts, width=0.7, color=colors)
            ax.set_xticks(positions, [str(label) for label in self.labels])
            ax.bar_label(bars, labels=self.shares, padding=2, fontsize=9)
            ax.set_ylim(0, max(self.counts) * 1.15 or 1)
        ax.set_title(self.say("figure"))
        ax.set_xlabel(self.say("x"))
        ax.set_ylabel(self.say("y"))
        return ax.figure


@dataclass(frozen=True, kw_only=True, eq=False)
class PredictionDistribution(
    Section, id="prediction-distribution", png="report_prediction_distribution.png"
):
    """Histograms of the predicted probability per true class, of residuals, or of values."""

    groups: Mapping[str, np.ndarray] | None = None  # legend name -> values
    what: str = ""  # what the values are, worded (the x axis)
    edges: np.ndarray | None = None  # the bins, shared by every group
    shares: bool = False  # heights as % of each group (one histogram per class)
    counts: Mapping[str, np.ndarray] | None = None  # rows per bin, per group
    heights: Mapping[str, np.ndarray] | None = None  # what the bars show, per group
    marker: float | None = None  # a dashed line: the threshold, or zero residual

    @classmethod
    def from_predictions(
        cls,
        predictions: np.ndarray,
        labels: np.ndarray | None = None,
        *,
        classes: Sequence[int] | None = None,
        residuals: np.ndarray | None = None,
        context: Context,
    ) -> PredictionDistribution:
        """From the predictions (binary: P(label 1); multiclass: one probability per class;
        else values), the true labels when there are, the classes of a classifier and a
        regression's residuals: groups of values to compare, shared bins, bar heights."""
        say, kind = context.words(cls.id), context.kind
        groups = _groups(say, kind, predictions, labels, classes, residuals)
        finite = np.concatenate([g[np.isfinite(g)] for g in groups.values()])
        edges = (
            np.linspace(0, 1, 51)
            if kind in ("binary", "multiclass")
            else np.histogram_bin_edges(finite if finite.size else [0.0], bins=50)
        )
        shares = len(groups) > 1  # one histogram per class: compare shapes, not class sizes
        counts = {name: histogram(group, edges) for name, group in groups.items()}
        heights = {
            name: 100 * rows / max(1, groups[name].size) if shares else rows
            for name, rows in counts.items()
        }
        marker = None
        if kind == "binary":
            marker = THRESHOLD
        elif kind == "regression" and residuals is not None:
            marker = 0.0
        return cls(
            context=context,
            groups=groups,
            what=say("what"),
            edges=edges,
            shares=shares,
            counts=counts,
            heights=heights,
            marker=marker,
        )

    def _legend(self, name: str) -> str:
        return self.say("legend", name=name, rows=self.groups[name].size)

    def _y_label(self) -> str:
        return self.say("y.shares") if self.shares else self.say("y")

    def to_bokeh(self) -> list[Any]:
        """Overlaid translucent histograms, with the rows of each bin on hover."""
        from bokeh.models import ColumnDataSource, HoverTool

        fig = bokeh_figure(title=self.say("figure", what=self.what))
        for i, name in enumerate(self.groups):
            source = ColumnDataSource(
                {
                    "left": self.edges[:-1],
                    "right": self.edges[1:],
                    "rows": self.counts[name],
                    "top": self.heights[name],
                }
            )
            fig.quad(
                left="left",
                right="right",
                bottom=0,
                top="top",
                source=source,
                fill_alpha=0.45,
                color=color(i),
                legend_label=self._legend(name),
            )
        if self.marker is not None:
            fig.add_layout(bokeh_span(self.marker))
        tips = [("from", "@left{0.000}"), ("to", "@right{0.000}"), ("rows", "@rows")]
        fig.add_tools(HoverTool(tooltips=[(self.say(f"hover.{k}"), v) for k, v in tips]))
        fig.legend.click_policy = "hide"
        fig.legend.location = "top_left" if self.context.kind == "binary" else "top_right"
        fig.y_range.start = 0
        fig.xaxis.axis_label = self.what
        fig.yaxis.axis_label = self._y_label()
        return [fig]

    def plot(self, ax: Axes | None = None) -> Figure:
        """The same overlaid histograms as a static figure."""
        [ax] = axes_for(ax, (7.6, 3.4))
        for i, name in enumerate(self.groups):
            ax.stairs(
                self.heights[name],
                self.edges,
                fill=True,
                alpha=0.45,
                color=color(i),
                label=self._legend(name),
            )
        if self.marker is not None:
            ax.axvline(self.marker, ls="--", color="black", lw=1)
        ax.set_ylim(bottom=0)
        ax.legend(loc="best")
        ax.set_title(self.say("figure", what=self.what))
        ax.set_xlabel(self.what)
        ax.set_ylabel(self._y_label())
        return ax.figure


def _groups(
    say: Any,
    kind: str,
    predictions: np.ndarray,
    labels: np.ndarray | None,
    classes: Sequence[int] | None,
    residuals: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """{legend name: values}: one group per true class when there are labels."""
    if kind == "regression" and residuals is not None:
        return {say("all"): residuals}
    if kind == "binary":
        if labels is None:
            return {say("all"): predictions}
        return {say("group", label=c): predictions[labels == c] for c in (1, 0)}
    if kind == "multiclass":
        if labels is None:
            return {say("all"): predictions.max(axis=1)}
        picked = predictions[np.arange(labels.shape[0]), labels]
        return {say("group", label=c): picked[labels == c] for c in classes}
    return {say("all"): predictions}
