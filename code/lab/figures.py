"""Pictures a learner would rather look at than read, in scikit-learn's Display style: a class
method computes what to draw once (`from_...`), `plot(...)` draws it and keeps the figure
(`figure_`, `axes_`). Labels, legends and titles are in the notebook's language (`lab.words`).

- `TuningSearchDisplay` (Task 2): the training jobs of one or two tuning jobs, read through the
  SageMaker API (`ListTrainingJobsForHyperParameterTuningJob`), so it works with both SDK
  generations, on AWS and locally. `plot()` shows each job's objective in launch order with
  the best so far; `plot(kind="hyperparameters")` the objective against each tuned
  hyperparameter. Jobs that ended without an objective (failed, stopped early) are counted in
  the titles, not drawn.
- `PredictedProbabilityDisplay` (Task 3): the model's P(label 1) for each true class, with the
  threshold that turns it into a predicted label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lab.modes import session_of
from lab.tuning import _training_jobs
from lab.words import number, say

BEST_COLOR = "#c44e52"
JOB_COLOR = "#4c72b0"
CLASS_COLORS = {0: "#dd8452", 1: "#4c72b0"}


def _localize(*axes: Any) -> None:
    """Number ticks with the language's decimal point (0.92 / 0,92); other ticks (names,
    logarithmic axes) as they are. matplotlib is imported only when a figure is drawn."""
    from matplotlib.ticker import ScalarFormatter

    class CommaFormatter(ScalarFormatter):
        def __call__(self, x: float, pos: Any = None) -> str:
            return super().__call__(x, pos).replace(".", ",")

    if say("decimal_point") == ".":
        return
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(CommaFormatter())


# ------------------------------------------------------------------------------ Task 2


@dataclass
class TuningSearch:
    """What one tuning job's training jobs say, ready to draw.

    `jobs`: one dict per training job in launch order (`name`, `order` from 1, `objective`:
    None when the job ended without one, `hyperparameters`: name -> value, numbers as float).
    """

    name: str
    label: str
    metric: str
    maximize: bool
    jobs: list[dict[str, Any]]
    log_scaled: set[str] = field(default_factory=set)

    @property
    def scored(self) -> list[dict[str, Any]]:
        """The jobs that reported an objective, in launch order."""
        return [job for job in self.jobs if job["objective"] is not None]

    @property
    def skipped(self) -> int:
        """How many jobs ended without an objective (not drawn)."""
        return len(self.jobs) - len(self.scored)

    @property
    def hyperparameters(self) -> list[str]:
        """The tuned hyperparameters, in the order the first job lists them."""
        names: list[str] = []
        for job in self.jobs:
            names += [name for name in job["hyperparameters"] if name not in names]
        return names

    def best_so_far(self) -> list[float]:
        """For each scored job, the best objective among it and the jobs launched before it."""
        better = max if self.maximize else min
        best, running = [], None
        for job in self.scored:
            value = job["objective"]
            running = value if running is None else better(running, value)
            best.append(running)
        return best

    def title(self) -> str:
        """The search's label, with the count of jobs left out when there are any."""
        if not self.skipped:
            return self.label
        return f"{self.label}\n" + say("figure.skipped", skipped=self.skipped, jobs=len(self.jobs))


def read_search(client: Any, name: str, label: str) -> TuningSearch:
    """One tuning job as a `TuningSearch`: its objective (name and direction), the scaling of
    its ranges, and every training job sorted by creation time, then name (deterministic)."""
    described = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    config = described["HyperParameterTuningJobConfig"]
    objective = config["HyperParameterTuningJobObjective"]
    ranges = config.get("ParameterRanges", {})
    log_scaled = {
        item["Name"]
        for kind in ("IntegerParameterRanges", "ContinuousParameterRanges")
        for item in ranges.get(kind, [])
        if str(item.get("ScalingType", "")).startswith("Logarithmic")
    }
    summaries = sorted(
        _training_jobs(client, name),
        key=lambda s: (
            s.get("CreationTime") or s.get("TrainingStartTime") or 0,
            s["TrainingJobName"],
        ),
    )
    jobs = [
        {
            "name": summary["TrainingJobName"],
            "order": order,
            "objective": _objective(summary),
            "hyperparameters": {
                key: _number(value) for key, value in summary["TunedHyperParameters"].items()
            },
        }
        for order, summary in enumerate(summaries, start=1)
    ]
    return TuningSearch(
        name=name,
        label=label,
        metric=objective["MetricName"],
        maximize=objective["Type"] == "Maximize",
        jobs=jobs,
        log_scaled=log_scaled,
    )


def _objective(summary: dict) -> float | None:
    """The job's final objective value, or None when it has none (or not a finite one)."""
    metric = summary.get("FinalHyperParameterTuningJobObjectiveMetric")
    if not metric or metric.get("Value") is None:
        return None
    value = float(metric["Value"])
    return value if math.isfinite(value) else None


def _number(value: Any) -> Any:
    """A tuned value as the API gives it (a string) turned into a float when it is a number;
    a categorical value stays a string."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


class TuningSearchDisplay:
    """Tuning jobs side by side: objective in launch order, or against each hyperparameter.

    Build it with `from_tuning_job(session, name)` or `from_tuning_jobs(session,
    original=..., tuned=...)`; then `plot()` (launch order, best so far) or
    `plot(kind="hyperparameters")`. After `plot`: `figure_` and `axes_` (a list)."""

    def __init__(self, searches: list[TuningSearch]):
        if not searches:
            raise ValueError("no tuning job to draw")
        self.searches = list(searches)
        self.figure_ = None
        self.axes_: list[Any] = []

    @classmethod
    def from_tuning_job(cls, session: Any, name: str, *, label: str | None = None, **plot: Any):
        """One tuning job (`session`: the SDK session or a `Lab` record), drawn at once."""
        client = session_of(session).sagemaker_client
        display = cls([read_search(client, name, label or name)])
        return display.plot(**plot)

    @classmethod
    def from_tuning_jobs(cls, session: Any, *, original: str, tuned: str, **plot: Any):
        """The lab's original search (left) and this notebook's (right), drawn at once."""
        client = session_of(session).sagemaker_client
        searches = [
            read_search(client, original, say("tuning.original")),
            read_search(client, tuned, say("tuning.tuned")),
        ]
        return cls(searches).plot(**plot)

    def plot(self, kind: str = "progress", *, axes: Any = None):
        """Draw `kind` ("progress" or "hyperparameters") on new axes or on `axes` (one per
        search for "progress"; a grid, one row per search and one column per hyperparameter,
        for "hyperparameters"). Returns the display."""
        if kind not in ("progress", "hyperparameters"):
            raise ValueError(f"kind must be 'progress' or 'hyperparameters', not {kind!r}")
        if kind == "progress":
            self.axes_ = self._progress(axes)
        else:
            self.axes_ = self._hyperparameters(axes)
        self.figure_ = self.axes_[0].figure
        self.figure_.tight_layout()
        return self

    def _progress(self, axes: Any) -> list[Any]:
        """One panel per search: every scored job's objective and the best-so-far line."""
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        if axes is None:
            count = len(self.searches)
            _, axes = plt.subplots(1, count, figsize=(5.5 * count, 4), sharey=True, squeeze=False)
        axes = list(_flat(axes))
        for ax, search in zip(axes, self.searches, strict=True):
            scored = search.scored
            orders = [job["order"] for job in scored]
            ax.scatter(
                orders,
                [job["objective"] for job in scored],
                color=JOB_COLOR,
                zorder=3,
                label=say("figure.job"),
            )
            best = search.best_so_far()
            ax.step(  # drawn on to the panel's edge, so the last job's step shows too
                [*orders, orders[-1] + 0.5] if orders else [],
                [*best, best[-1]] if best else [],
                where="post",
                color=BEST_COLOR,
                label=say("figure.best_so_far"),
            )
            ax.set_xlabel(say("figure.launch_order"))
            ax.set_xlim(0.5, max(len(search.jobs), 1) + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(search.title())
            ax.grid(alpha=0.3)
            ax.legend(loc="lower right")
            _localize(ax)
        axes[0].set_ylabel(self.searches[0].metric)
        return axes

    def _hyperparameters(self, axes: Any) -> list[Any]:
        """A grid: one row per search, one column per tuned hyperparameter, the same y axis
        everywhere and the same x axis down each column (the ranges compare at a glance)."""
        import matplotlib.pyplot as plt

        names = []
        for search in self.searches:
            names += [name for name in search.hyperparameters if name not in names]
        rows, columns = len(self.searches), max(len(names), 1)
        if axes is None:
            _, axes = plt.subplots(
                rows,
                columns,
                figsize=(2.8 * columns, 2.6 * rows + 0.6),
                sharey=True,
                sharex="col",
                squeeze=False,
            )
        grid = list(_flat(axes))
        for row, search in enumerate(self.searches):
            for column, name in enumerate(names):
                ax = grid[row * columns + column]
                points = [
                    (job["hyperparameters"][name], job["objective"])
                    for job in search.scored
                    if name in job["hyperparameters"]
                ]
                if points:
                    ax.scatter(*zip(*points, strict=True), color=JOB_COLOR, s=18)
                if name in search.log_scaled:
                    ax.set_xscale("log")
                ax.grid(alpha=0.3)
                _localize(ax)
                if row == rows - 1:
                    ax.set_xlabel(name)
            grid[row * columns].set_ylabel(search.metric)
            grid[row * columns].set_title(search.title(), loc="left", fontsize=10)
        return grid


def _flat(axes: Any):
    """Axes given as one, a list or a numpy grid, one by one."""
    import numpy as np

    return np.asarray(axes, dtype=object).ravel()


# ------------------------------------------------------------------------------ Task 3


class PredictedProbabilityDisplay:
    """The predicted P(label 1) for each true class, and the threshold between the labels.

    Build it with `from_predictions(y_true, y_prob)`; `plot(ax=...)` draws two overlaid
    histograms (each class's share of its own rows, so the smaller class stays visible) and
    the threshold line. After `plot`: `figure_` and `ax_`."""

    def __init__(self, probabilities: dict[int, Any], threshold: float = 0.5, bins: int = 20):
        self.probabilities = probabilities
        self.threshold = threshold
        self.bins = bins
        self.figure_ = None
        self.ax_ = None

    @classmethod
    def from_predictions(
        cls, y_true, y_prob, *, threshold: float = 0.5, bins: int = 20, ax: Any = None
    ):
        """Split the probabilities by true label (0 and 1) and draw them."""
        import numpy as np

        y_true = np.asarray(y_true).astype(int).ravel()
        y_prob = np.asarray(y_prob, dtype=float).ravel()
        if y_true.shape != y_prob.shape:
            raise ValueError(f"{y_true.size} labels but {y_prob.size} probabilities")
        if not set(np.unique(y_true)) <= {0, 1}:
            raise ValueError("the true labels must be 0 or 1")
        probabilities = {label: y_prob[y_true == label] for label in (1, 0)}
        return cls(probabilities, threshold=threshold, bins=bins).plot(ax=ax)

    def above(self, label: int) -> float:
        """The share of the class's rows whose P(label 1) is above the threshold (predicted
        label 1)."""
        values = self.probabilities[label]
        return float((values > self.threshold).mean()) if len(values) else float("nan")

    def plot(self, ax: Any = None):
        """Draw on `ax` (new axes when None). Returns the display."""
        import matplotlib.pyplot as plt
        import numpy as np

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        edges = np.linspace(0, 1, self.bins + 1)
        for label, values in self.probabilities.items():
            if not len(values):
                continue
            weights = np.full(len(values), 1 / len(values))
            legend = say(
                "figure.true_label",
                label=label,
                rows=len(values),
                above=f"{100 * self.above(label):.0f}",
            )
            ax.hist(
                values,
                bins=edges,
                weights=weights,
                histtype="stepfilled",
                alpha=0.35,
                color=CLASS_COLORS[label],
                edgecolor=CLASS_COLORS[label],
                label=legend,
            )
        ax.axvline(
            self.threshold,
            color="black",
            linestyle="--",
            label=say("figure.threshold", threshold=number(self.threshold, 1)),
        )
        ax.set_xlim(0, 1)
        ax.set_xlabel(say("figure.probability"))
        ax.set_ylabel(say("figure.share"))
        ax.set_title(say("figure.probability_title"))
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top * 1.5)  # room for the legend above the bars
        ax.legend(loc="upper left", fontsize=9)
        _localize(ax)
        self.ax_, self.figure_ = ax, ax.figure
        self.figure_.tight_layout()
        return self
