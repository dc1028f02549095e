"""Sections 1 and 8: how the true labels are distributed, and how the predictions are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..constants import THRESHOLD
from .base import (
    SCORED,
    Section,
    Table,
    bokeh_figure,
    bokeh_span,
    color,
    histogram,
    mpl_figure,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class LabelDistribution(
    Section,
    id="label-distribution",
    png="report_label_distribution.png",
    labels=True,
    kinds=SCORED,
):
    """Rows per true label (classification) or a histogram of the labels (regression)."""

    def compute(self) -> None:
        """Bars (label, rows, share) for classes; bin edges and counts for continuous labels."""
        self.edges = None
        per_label = self.report.label_distribution
        if per_label:
            self.labels = [str(c) for c in per_label]
            self.counts = list(per_label.values())
            total = sum(self.counts)
            self.shares = [self.say("share", share=100 * c / total) for c in self.counts]
        else:  # regression: a histogram, drawn from the labels themselves
            self.edges = np.histogram_bin_edges(self.report.labels, bins=40)
            self.counts = histogram(self.report.labels, self.edges)

    def tables(self) -> list[Table]:
        """Rows and share per label (classification only)."""
        if self.edges is not None:
            return []
        frame = self._tables["label_distribution"]
        return [self.table("table", frame, {"share (%)": "{:.1f}"})]

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

    def to_matplotlib(self) -> Figure:
        """The same bars (or histogram) as a static figure."""
        if self.edges is not None:
            fig = mpl_figure(7.6, 3.4)
            ax = fig.add_subplot()
            ax.stairs(self.counts, self.edges, fill=True, alpha=0.7, color=color(0))
        else:
            fig = mpl_figure(5.2, 3.4)
            ax = fig.add_subplot()
            colors = [color(i) for i in range(len(self.labels))]
            positions = range(len(self.labels))  # numbers, not label strings: no category axis
            bars = ax.bar(positions, self.counts, width=0.7, color=colors)
            ax.set_xticks(positions, [str(label) for label in self.labels])
            ax.bar_label(bars, labels=self.shares, padding=2, fontsize=9)
            ax.set_ylim(0, max(self.counts) * 1.15 or 1)
        ax.set_title(self.say("figure"))
        ax.set_xlabel(self.say("x"))
        ax.set_ylabel(self.say("y"))
        return fig


class PredictionDistribution(
    Section, id="prediction-distribution", png="report_prediction_distribution.png"
):
    """Histograms of the predicted probability per true class, of residuals, or of values."""

    def compute(self) -> None:
        """The groups of values to compare, shared bin edges, and each group's bar heights."""
        self.groups = self._groups()
        self.what = self.say("what")
        probability = self.report.kind in ("binary", "multiclass")
        finite = np.concatenate([g[np.isfinite(g)] for g in self.groups.values()])
        self.edges = (
            np.linspace(0, 1, 51)
            if probability
            else np.histogram_bin_edges(finite if finite.size else [0.0], bins=50)
        )
        self.shares = (
            len(self.groups) > 1
        )  # one histogram per class: compare shapes, not class sizes
        self.counts = {name: histogram(group, self.edges) for name, group in self.groups.items()}
        self.heights = {
            name: 100 * counts / max(1, self.groups[name].size) if self.shares else counts
            for name, counts in self.counts.items()
        }
        self.marker = None  # a dashed line: the threshold, or zero residual
        if self.report.kind == "binary":
            self.marker = THRESHOLD
        elif self.report.kind == "regression" and self.report.residuals is not None:
            self.marker = 0.0

    def _groups(self) -> dict[str, np.ndarray]:
        """{legend name: values}: one group per true class when there are labels."""
        r, group = self.report, self.say
        if r.kind == "regression" and r.residuals is not None:
            return {group("all"): r.residuals}
        if r.kind == "binary":
            if r.labels is None:
                return {group("all"): r.predictions}
            return {group("group", label=c): r.predictions[r.labels == c] for c in (1, 0)}
        if r.kind == "multiclass":
            if r.labels is None:
                return {group("all"): r.predictions.max(axis=1)}
            picked = r.predictions[np.arange(r.num_rows), r.labels]
            return {group("group", label=c): picked[r.labels == c] for c in r.classes}
        return {group("all"): r.predictions}

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
        fig.legend.location = "top_left" if self.report.kind == "binary" else "top_right"
        fig.y_range.start = 0
        fig.xaxis.axis_label = self.what
        fig.yaxis.axis_label = self._y_label()
        return [fig]

    def to_matplotlib(self) -> Figure:
        """The same overlaid histograms as a static figure."""
        fig = mpl_figure(7.6, 3.4)
        ax = fig.add_subplot()
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
        return fig
