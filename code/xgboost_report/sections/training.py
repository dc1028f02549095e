"""Sections 2, 3 and 6: what training did round by round, and which features the trees use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .. import frames
from .base import SCORED, Context, Section, Table, axes_for, bokeh_figure, bokeh_span, color

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True, kw_only=True, eq=False)
class Loss(Section, id="loss", png="report_loss.png", requires="history"):
    """The evaluation metrics per boosting round, one figure per metric, one line per data set."""

    history: Mapping[str, Mapping[str, list[float]]] | None = None
    best_iteration: int | None = None
    metrics: tuple[str, ...] = ()

    @classmethod
    def from_history(
        cls,
        history: Mapping[str, Mapping[str, list[float]]],
        best_iteration: int | None = None,
        *,
        context: Context,
    ) -> Loss:
        """From XGBoost's evaluation history ({data set: {metric: values per round}}) and the
        round early stopping kept; the metrics sorted by name (a data set may lack some)."""
        metrics = tuple(sorted({m for per in history.values() for m in per}))
        return cls(context=context, history=history, best_iteration=best_iteration, metrics=metrics)

    def _series(self, metric: str) -> list[tuple[int, str, list[float]]]:
        """(colour index, data name, values) of every data set that has `metric`."""
        return [
            (i, data_name, per[metric])
            for i, (data_name, per) in enumerate(self.history.items())
            if metric in per
        ]

    def html(self) -> str:
        """Where the best iteration is, when early stopping chose one."""
        best = self.best_iteration
        return "" if best is None else f"<p>{self.say('best', best=best)}</p>"

    def to_bokeh(self) -> list[Any]:
        """One figure per metric; hovering shows every data set's value at that round."""
        from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem

        figures = []
        for metric in self.metrics:
            fig = bokeh_figure(title=self.say("figure", metric=metric))
            items = []
            for i, data_name, values in self._series(metric):
                source = ColumnDataSource(
                    {
                        "round": list(range(len(values))),
                        "value": values,
                        "data": [data_name] * len(values),
                    }
                )
                line = fig.line("round", "value", source=source, line_width=2, color=color(i))
                label = self.say("legend", data=data_name, value=values[-1])
                items.append(LegendItem(label=label, renderers=[line]))
            if self.best_iteration is not None:
                fig.add_layout(bokeh_span(self.best_iteration, "gray"))
            tips = [(self.say("hover.data"), "@data"), (self.say("hover.round"), "@round")]
            tips.append((metric, "@value{0.00000}"))
            fig.add_tools(HoverTool(tooltips=tips, mode="vline"))
            fig.add_layout(Legend(items=items, click_policy="hide", location="top_right"))
            fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), metric
            figures.append(fig)
        return figures

    def plot(self, ax: Axes | Sequence[Axes] | None = None) -> Figure:
        """The metrics stacked one above the other (one Axes per metric)."""
        panels = axes_for(ax, (6.4, 3.4 * len(self.metrics)), (len(self.metrics), 1))
        for ax, metric in zip(panels, self.metrics, strict=True):
            for i, data_name, values in self._series(metric):
                ax.plot(values, lw=1.6, color=color(i), label=data_name)
            if self.best_iteration is not None:
                ax.axvline(self.best_iteration, ls="--", color="gray")
            ax.set_xlabel(self.say("x"))
            ax.set_ylabel(metric)
            ax.set_title(self.say("figure", metric=metric))
            ax.legend()
        return panels[0].figure


@dataclass(frozen=True, kw_only=True, eq=False)
class FeatureImportance(
    Section, id="feature-importance", png="report_feature_importance.png", requires="importance"
):
    """Weight, gain and cover of every feature, each as shares that add up to 1."""

    frame: Any = None  # XGBoost's raw values, one row per feature, by gain
    shares: Mapping[str, Any] | None = None  # importance type -> shares, small to large

    @classmethod
    def from_importance(
        cls,
        importance: Mapping[str, Mapping[str, float]],
        feature_names: Sequence[str],
        *,
        context: Context,
    ) -> FeatureImportance:
        """From XGBoost's importances ({type: {feature: value}}) of the named features."""
        frame = frames.feature_importance(importance, feature_names)
        shares = {}
        for kind in frame.columns:
            values = frame[kind]
            total = values.sum()
            share = values / total if total else values
            shares[kind] = share.sort_values()
        return cls(context=context, frame=frame, shares=shares)

    def tables(self) -> list[Table]:
        """XGBoost's raw values per feature (weight as a count)."""
        formats = {c: "{:.0f}" if c == "weight" else "{:.4f}" for c in self.frame.columns}
        return [self.table("table", self.frame, formats)]

    def _kind(self, kind: str) -> str:
        """An importance type (weight, gain, cover) in the report's language."""
        return self.say(f"kind.{kind}")

    def to_bokeh(self) -> list[Any]:
        """One bar chart per importance type, side by side; hover shows the raw value too."""
        from bokeh.layouts import row
        from bokeh.models import ColumnDataSource, HoverTool

        plots = []
        for i, (kind, share) in enumerate(self.shares.items()):
            order = share.index.tolist()
            raw = self.frame[kind][order].tolist()
            source = ColumnDataSource({"feature": order, "share": share.tolist(), "raw": raw})
            fig = bokeh_figure(
                y_range=order,
                width=300,
                height=max(260, 22 * len(order) + 60),
                title=self.say("panel", kind=self._kind(kind)),
                tools="save",
                toolbar_location=None,
            )
            fig.hbar(y="feature", right="share", height=0.7, source=source, color=color(i))
            tips = [
                (self.say("hover.feature"), "@feature"),
                (self.say("hover.share"), "@share{0.000}"),
            ]
            tips.append((self._kind(kind), "@raw{0.000}"))
            fig.add_tools(HoverTool(tooltips=tips))
            fig.x_range.start = 0
            fig.xaxis.ticker.desired_num_ticks = 4
            fig.xaxis.axis_label = self.say("x")
            plots.append(fig)
        return [row(*plots)]

    def plot(self, ax: Axes | Sequence[Axes] | None = None) -> Figure:
        """The same bar charts side by side (one Axes per importance type); on a new figure,
        with the section's title above them."""
        size = (10, 0.28 * len(self.frame) + 1.6)
        panels = axes_for(ax, size, (1, len(self.shares)))
        for i, (kind, share) in enumerate(self.shares.items()):
            panel = panels[i]
            panel.barh(share.index, share.to_numpy(), color=color(i))
            panel.set_title(self.say("panel", kind=self._kind(kind)))
            panel.set_xlabel(self.say("x"))
            panel.tick_params(axis="y", labelsize=8)
        fig = panels[0].figure
        if ax is None:
            fig.suptitle(self.say("figure"))
        return fig


@dataclass(frozen=True, kw_only=True, eq=False)
class ClassAccuracy(
    Section,
    id="class-accuracy",
    png="report_class_accuracy.png",
    labels=True,
    kinds=SCORED,
    otherwise="classification_only",
    requires="class_accuracy",  # None when XGBoost cannot predict with the first N rounds
):
    """Accuracy of each true class (regression: error per label range) over the rounds used."""

    iterations: Sequence[int] = ()
    lines: tuple[tuple[str, Sequence[float]], ...] = ()  # (legend, values) per class or range
    overall: tuple[str, Sequence[float]] | None = None
    regression: bool = False

    @classmethod
    def from_curves(cls, curves: Mapping[str, Any], *, context: Context) -> ClassAccuracy:
        """From `evaluate.class_accuracy` (or `error_by_label_bin`): the rounds used and, per
        class (or label range), the value after each; one line each, and the overall line."""
        say = context.words(cls.id)
        names = list(curves["per_class"])
        if "edges" in curves:  # regression: the label ranges, worded from their numbers
            edges = curves["edges"]
            names = [say("range", low=low, high=high) for low, high in pairwise(edges)]
        values = curves["per_class"].values()
        lines = tuple((say("legend", name=name), v) for name, v in zip(names, values, strict=True))
        return cls(
            context=context,
            iterations=curves["iterations"],
            lines=lines,
            overall=(say("overall"), curves["overall"]),
            regression=curves.get("regression", False),
        )

    def to_bokeh(self) -> list[Any]:
        """The lines, any of which a click on the legend hides."""
        from bokeh.models import Legend, LegendItem

        fig = bokeh_figure(title=self.say("figure"))
        items = []
        for i, (label, values) in enumerate(self.lines):
            line = fig.line(self.iterations, values, line_width=2, color=color(i))
            items.append(LegendItem(label=label, renderers=[line]))
        label, values = self.overall
        line = fig.line(self.iterations, values, line_width=2, line_dash="dashed", color="black")
        items.append(LegendItem(label=label, renderers=[line]))
        location = "top_right" if self.regression else "bottom_right"
        fig.add_layout(Legend(items=items, click_policy="hide", location=location))
        fig.xaxis.axis_label, fig.yaxis.axis_label = self.say("x"), self.say("y")
        return [fig]

    def plot(self, ax: Axes | None = None) -> Figure:
        """The same lines as a static figure."""
        [ax] = axes_for(ax, (7.6, 3.4))
        for i, (label, values) in enumerate(self.lines):
            ax.plot(self.iterations, values, lw=1.6, color=color(i), label=label)
        label, values = self.overall
        ax.plot(self.iterations, values, lw=1.6, ls="--", color="black", label=label)
        ax.legend(loc="upper right" if self.regression else "lower right")
        ax.set_title(self.say("figure"))
        ax.set_xlabel(self.say("x"))
        ax.set_ylabel(self.say("y"))
        return ax.figure
