"""Sections 4, 5 and 7: the confusion matrix, the measures derived from it, the ROC curve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import frames
from ..evaluate import ordered_matrix
from .base import CLASSIFIERS, SCORED, Context, Section, Table, axes_for, bokeh_figure, color

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CELL_NAMES = {(1, 1): "TP", (1, 0): "FN", (0, 1): "FP", (0, 0): "TN"}  # (true, predicted)


@dataclass(frozen=True, kw_only=True, eq=False)
class ConfusionMatrix(
    Section,
    id="confusion-matrix",
    png="report_confusion_matrix.png",
    labels=True,
    kinds=CLASSIFIERS,
    otherwise="classification_only",
):
    """True against predicted classes; each cell coloured by its share of the true class."""

    order: Sequence[int] = ()  # the classes in display order (binary: positive first)
    matrix: np.ndarray | None = None  # rows: true class, columns: predicted, in `order`
    rates: np.ndarray | None = None  # each cell's share of its row
    rows: int = 0  # of the data
    cells: Any = None  # binary: the four cells (TP, FN, FP, TN) as a table

    @classmethod
    def from_matrix(
        cls,
        matrix: np.ndarray,
        classes: list[int],
        confusion: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        rows: int,
        context: Context,
    ) -> ConfusionMatrix:
        """From the confusion matrix in the order of `classes`, the binary cells (`confusion`,
        else None) and the number of rows; computes the display order and each cell's share."""
        order, matrix = ordered_matrix(matrix, context.kind, classes)
        totals = matrix.sum(axis=1, keepdims=True)
        rates = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
        cells = frames.confusion_cells(confusion) if confusion else None
        return cls(context=context, order=order, matrix=matrix, rates=rates, rows=rows, cells=cells)

    def _cell_text(self, r: int, c: int, sep: str) -> str:
        """'TP 5,493 (70.1 %)', the parts joined by `sep` (names for binary models only)."""
        binary = self.context.kind == "binary"
        name = CELL_NAMES.get((self.order[r], self.order[c]), "") if binary else ""
        share = 100 * self.matrix[r, c] / self.rows
        count = self.say("count", rows=int(self.matrix[r, c]))
        return sep.join(part for part in (name, count, self.say("share", share=share)) if part)

    def _text_color(self, r: int, c: int) -> str:
        return "white" if self.rates[r, c] > 0.5 else "black"

    def tables(self) -> list[Table]:
        """Rows per cell; for a binary model also the four cells with their meaning."""
        matrix = (
            frames.confusion_matrix(self.order, self.matrix)
            .set_axis([self.say("row", label=c) for c in self.order], axis=0)
            .set_axis([self.say("column", label=c) for c in self.order], axis=1)
        )
        out = [self.table("table", matrix)]
        if self.cells is not None:
            cells = self.cells.assign(
                meaning=[self.say(f"meaning.{name}") for name in self.cells.index]
            )
            formats = {"% of all rows": "{:.1f}", "% of its true class": "{:.1f}"}
            out.append(self.table("table.cells", cells, formats))
        return out

    def to_bokeh(self) -> list[Any]:
        """A heat map with each cell's count and share written in it."""
        from bokeh.models import ColumnDataSource, HoverTool
        from bokeh.transform import linear_cmap

        cells = [(r, c) for r in range(len(self.order)) for c in range(len(self.order))]
        source = ColumnDataSource(
            {
                "predicted": [str(self.order[c]) for _, c in cells],
                "true": [str(self.order[r]) for r, _ in cells],
                "rows": [int(self.matrix[r, c]) for r, c in cells],
                "rate": [float(self.rates[r, c]) for r, c in cells],
                "label": [self._cell_text(r, c, " ") for r, c in cells],
                "text_color": [self._text_color(r, c) for r, c in cells],
            }
        )
        factors = [str(c) for c in self.order]
        size = 140 * len(self.order) + 120
        fig = bokeh_figure(
            x_range=factors,
            y_range=list(reversed(factors)),
            width=min(size, 760),
            height=min(size, 760),
            title=self.say("figure"),
            tools="save",
            toolbar_location=None,
            x_axis_location="above",
        )
        fig.rect(
            "predicted",
            "true",
            width=0.98,
            height=0.98,
            source=source,
            fill_color=linear_cmap("rate", "Blues256", 1, 0),
            line_color=None,
        )
        fig.text(
            "predicted",
            "true",
            text="label",
            source=source,
            text_align="center",
            text_baseline="middle",
            text_color="text_color",
            text_font_size="13px",
        )
        fields = {
            "true": "@true",
            "predicted": "@predicted",
            "rows": "@rows",
            "rate": "@rate{0.0%}",
        }
        fig.add_tools(HoverTool(tooltips=[(self.say(f"hover.{k}"), v) for k, v in fields.items()]))
        fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), self.say("y")
        fig.grid.visible = False
        return [fig]

    def plot(self, ax: Axes | None = None) -> Figure:
        """The same heat map as a static figure."""
        [ax] = axes_for(ax, (4.8, 4.2))
        ax.imshow(self.rates, cmap="Blues", vmin=0, vmax=1)
        for r in range(len(self.order)):
            for c in range(len(self.order)):
                text = self._cell_text(r, c, "\n")
                ax.text(c, r, text, ha="center", va="center", color=self._text_color(r, c))
        ax.set_xticks(range(len(self.order)), [str(c) for c in self.order])
        ax.set_yticks(range(len(self.order)), [str(c) for c in self.order])
        ax.set_xlabel(self.say("x"))
        ax.set_ylabel(self.say("y"))
        ax.set_title(self.say("figure.static"))
        return ax.figure


@dataclass(frozen=True, kw_only=True, eq=False)
class ClassificationReport(
    Section,
    id="classification-report",
    labels=True,
    kinds=SCORED,
    otherwise="classification_only",
):
    """Precision, recall, F1 and support per class, and accuracy (regression: RMSE, MAE, R²)."""

    classes: Any = None  # the classification report as a table (None for a regression)
    accuracy: float | None = None
    rows: int = 0
    errors: Any = None  # a regression's error measures as a table

    @classmethod
    def from_measures(
        cls,
        report: Mapping[str, Any] | None,
        accuracy: float | None,
        regression: Mapping[str, float] | None = None,
        *,
        rows: int,
        context: Context,
    ) -> ClassificationReport:
        """From scikit-learn's classification report (dict) and the accuracy on `rows` rows,
        or from a regression's error measures (`regression`: {name: value})."""
        return cls(
            context=context,
            classes=frames.classification_report(report) if report else None,
            accuracy=accuracy,
            rows=rows,
            errors=frames.regression_metrics(regression) if regression else None,
        )

    def html(self) -> str:
        """The accuracy, as a headline."""
        accuracy = self.accuracy
        if self.classes is None:
            return ""
        text = self.say("accuracy", accuracy=accuracy, percent=accuracy * 100, rows=self.rows)
        return f'<p class="big">{text}</p>'

    def tables(self) -> list[Table]:
        """The classification report, or the regression's error measures."""
        if self.classes is not None:
            formats = {"precision": "{:.4f}", "recall": "{:.4f}", "f1-score": "{:.4f}"}
            return [self.table("table", self.classes, formats, index=True)]
        if self.errors is not None:
            return [self.table("table", self.errors, {"value": "{:.4f}"})]
        return []


@dataclass(frozen=True, kw_only=True, eq=False)
class RocCurve(
    Section,
    id="roc-curve",
    png="report_roc.png",
    labels=True,
    kinds=("binary",),
    otherwise="binary_only",
    requires="roc",  # both classes among the labels
):
    """True-positive against false-positive rate over all thresholds, with the AUC."""

    roc: Mapping[str, np.ndarray] | None = None  # fpr, tpr, thresholds
    auc: float | None = None
    point: tuple[float, float] | None = None  # (fpr, tpr) at the model's threshold

    @classmethod
    def from_roc(
        cls,
        roc: Mapping[str, np.ndarray],
        auc: float,
        confusion: Mapping[str, Mapping[str, Any]],
        *,
        context: Context,
    ) -> RocCurve:
        """From the curve's points (scikit-learn's `roc_curve`: fpr, tpr, thresholds), the AUC
        and the binary confusion cells (where the model's threshold sits on the curve)."""
        cells = {name: cell["count"] for name, cell in confusion.items()}
        point = (
            cells["FP"] / max(1, cells["FP"] + cells["TN"]),
            cells["TP"] / max(1, cells["TP"] + cells["FN"]),
        )
        return cls(context=context, roc=roc, auc=auc, point=point)

    def html(self) -> str:
        """The AUC, as a headline."""
        return f'<p class="big">{self.say("auc", auc=self.auc)}</p>'

    def to_bokeh(self) -> list[Any]:
        """The curve, the chance diagonal and the threshold's point; hover shows thresholds."""
        from bokeh.models import ColumnDataSource, HoverTool

        roc, auc = self.roc, self.auc
        source = ColumnDataSource(
            {"fpr": roc["fpr"], "tpr": roc["tpr"], "threshold": np.minimum(roc["thresholds"], 1.0)}
        )
        fig = bokeh_figure(
            width=520,
            height=480,
            title=self.say("figure", auc=auc),
            x_range=(-0.01, 1.01),
            y_range=(-0.01, 1.01),
        )
        fig.line("fpr", "tpr", source=source, line_width=2, legend_label=self.say("model", auc=auc))
        fig.line([0, 1], [0, 1], line_dash="dashed", color="gray", legend_label=self.say("chance"))
        fig.scatter(
            [self.point[0]], [self.point[1]], size=9, color=color(3), legend_label=self.say("point")
        )
        fields = {"fpr": "@fpr{0.000}", "tpr": "@tpr{0.000}", "threshold": "@threshold{0.000}"}
        fig.add_tools(HoverTool(tooltips=[(self.say(f"hover.{k}"), v) for k, v in fields.items()]))
        fig.legend.location = "bottom_right"
        fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), self.say("y")
        return [fig]

    def plot(self, ax: Axes | None = None) -> Figure:
        """The curve and the chance diagonal as a static figure."""
        roc = self.roc
        [ax] = axes_for(ax, (4.8, 4.4))
        ax.plot(roc["fpr"], roc["tpr"], lw=2, label=self.say("model.static", auc=self.auc))
        ax.plot([0, 1], [0, 1], "--", color="gray", label=self.say("chance"))
        ax.set_xlabel(self.say("x.static"))
        ax.set_ylabel(self.say("y.static"))
        ax.set_title(self.say("figure.static"))
        ax.legend(loc="lower right")
        ax.set_aspect("equal")
        return ax.figure
