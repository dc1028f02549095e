"""The lab's figures (issue 27, "Pictures where a learner would rather look than read"): they
build in both languages, count the jobs they leave out, and draw what the API says."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import botocore.session
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sagemaker.tuner import CategoricalParameter, HyperparameterTuner, IntegerParameter  # noqa: E402
from test_tuning import data, session, toy_estimator, toy_source  # noqa: E402, F401

import lab  # noqa: E402
from lab.figures import PredictedProbabilityDisplay, TuningSearchDisplay  # noqa: E402
from lab.words import TABLES  # noqa: E402

LANGUAGES = ["en", "pt_BR"]
START = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
MODEL = botocore.session.get_session().get_service_model("sagemaker")


@pytest.fixture(params=LANGUAGES)
def language(request, monkeypatch) -> str:
    monkeypatch.setenv("LAB_LANGUAGE", request.param)
    yield request.param
    plt.close("all")


def words(language: str, key: str, **values) -> str:
    return TABLES[language][key].format(**values)


# ------------------------------------------------------------- a client with API-shaped answers


def summary(tuning: str, number: int, status: str, value: float | None, **tuned) -> dict:
    """One `HyperParameterTrainingJobSummary` as the API returns it."""
    name = f"{tuning}-{number:03d}-{number:08x}"
    job = {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:000000000000:training-job/{name}",
        "TuningJobName": tuning,
        "CreationTime": START + timedelta(minutes=number),
        "TrainingStartTime": START + timedelta(minutes=number, seconds=30),
        "TrainingJobStatus": status,
        "TunedHyperParameters": {key: str(v) for key, v in tuned.items()},
        "ObjectiveStatus": "Succeeded" if value is not None else "Failed",
    }
    if value is not None:
        job["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": "Maximize", "MetricName": "validation:auc", "Value": value,
        }  # fmt: skip
    return job


def description(tuning: str, objective: str = "Maximize", log: tuple[str, ...] = ()) -> dict:
    """A `DescribeHyperParameterTuningJob` answer, trimmed to what the figures read."""
    ranges = [{"Name": "eta", "MinValue": "0.1", "MaxValue": "0.3",
               "ScalingType": "Logarithmic" if "eta" in log else "Auto"}]  # fmt: skip
    return {
        "HyperParameterTuningJobName": tuning,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {"Type": objective, "MetricName": "validation:auc"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 6, "MaxParallelTrainingJobs": 3},
            "ParameterRanges": {
                "IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "4", "MaxValue": "8"}],
                "ContinuousParameterRanges": ranges,
                "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
            },
        },
    }


def jobs_of(tuning: str) -> list[dict]:
    """Six jobs: a failed one and a stopped one without an objective, scores going up and down."""
    values = [0.91, None, 0.89, 0.93, None, 0.92]
    statuses = ["Completed", "Failed", "Completed", "Completed", "Stopped", "Completed"]
    return [
        summary(tuning, n, statuses[n - 1], values[n - 1], max_depth=3 + n, eta=0.05 * n,
                booster=("gbtree", "dart")[n % 2])
        for n in range(1, 7)
    ]  # fmt: skip


class FakeClient:
    """Answers the two calls the figures make, two summaries a page, in shuffled order."""

    def __init__(self, jobs: dict[str, list[dict]], descriptions: dict[str, dict]):
        self.jobs, self.descriptions = jobs, descriptions
        self.calls: list[str] = []

    def describe_hyper_parameter_tuning_job(self, HyperParameterTuningJobName):
        self.calls.append("describe")
        return self.descriptions[HyperParameterTuningJobName]

    def list_training_jobs_for_hyper_parameter_tuning_job(
        self, HyperParameterTuningJobName, MaxResults=100, NextToken=None
    ):
        self.calls.append("list")
        jobs = list(self.jobs[HyperParameterTuningJobName])
        random.Random(7).shuffle(jobs)
        start = int(NextToken or 0)
        page = {"TrainingJobSummaries": jobs[start : start + 2]}
        if start + 2 < len(jobs):
            page["NextToken"] = str(start + 2)
        return page


class FakeSession:
    def __init__(self, client):
        self.sagemaker_client = client


@pytest.fixture
def fake() -> FakeSession:
    names = ("original-tuning", "our-tuning")
    return FakeSession(
        FakeClient({n: jobs_of(n) for n in names}, {n: description(n, log=("eta",)) for n in names})
    )


def test_the_fake_answers_have_the_apis_shape():
    """Every key of the fake summaries is a member of botocore's shape, the required ones too."""
    shape = MODEL.shape_for("HyperParameterTrainingJobSummary")
    for job in jobs_of("t"):
        assert set(job) <= set(shape.members)
        assert set(shape.required_members) <= set(job)
    config = MODEL.shape_for("HyperParameterTuningJobConfig")
    assert set(description("t")["HyperParameterTuningJobConfig"]) <= set(config.members)


# ------------------------------------------------------------------ Task 2: the tuning jobs


def scatter_points(ax) -> np.ndarray:
    (collection,) = ax.collections
    return collection.get_offsets()


def test_progress_in_launch_order_with_best_so_far(fake, language):
    display = TuningSearchDisplay.from_tuning_jobs(
        fake, original="original-tuning", tuned="our-tuning"
    )
    assert len(display.axes_) == 2 and display.figure_ is display.axes_[0].figure
    left, right = display.axes_
    assert left.get_shared_y_axes().joined(left, right)
    points = scatter_points(right)
    # Launch order from CreationTime, the unscored jobs 2 and 5 left out (their places stay).
    assert points[:, 0].tolist() == [1, 3, 4, 6]
    assert points[:, 1].tolist() == pytest.approx([0.91, 0.89, 0.93, 0.92])
    (line,) = right.get_lines()
    # the best so far at each scored job, held to the panel's edge so the last step shows
    assert line.get_ydata().tolist() == pytest.approx([0.91, 0.91, 0.93, 0.93, 0.93])
    assert line.get_xdata().tolist() == [1, 3, 4, 6, 6.5]
    search = display.searches[1]
    assert search.skipped == 2 and len(search.scored) == 4
    skipped = words(language, "figure.skipped", skipped=2, jobs=6)
    assert right.get_title() == f"{words(language, 'tuning.tuned')}\n{skipped}"
    assert left.get_title().startswith(words(language, "tuning.original"))
    assert right.get_xlabel() == words(language, "figure.launch_order")
    assert left.get_ylabel() == "validation:auc"
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend == [words(language, "figure.job"), words(language, "figure.best_so_far")]
    assert_decimal_point(left, language)


def assert_decimal_point(ax, language: str) -> None:
    """The y ticks (numbers between 0 and 1) use the language's decimal point."""
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    point, other = (",", ".") if language == "pt_BR" else (".", ",")
    assert any(point in tick for tick in ticks) and not any(other in t for t in ticks), ticks


def test_best_so_far_is_monotone_in_the_objectives_direction(fake):
    for objective, check in (("Maximize", np.greater_equal), ("Minimize", np.less_equal)):
        fake.sagemaker_client.descriptions["our-tuning"] = description("our-tuning", objective)
        display = TuningSearchDisplay.from_tuning_job(fake, "our-tuning")
        best = np.array(display.searches[0].best_so_far())
        assert check(best[1:], best[:-1]).all(), (objective, best)
        scored = [job["objective"] for job in display.searches[0].scored]
        assert best[-1] == (max if objective == "Maximize" else min)(scored)
        assert display.axes_[0].get_title() != ""
    plt.close("all")


def test_the_same_jobs_draw_the_same_figure_whatever_the_listing_order(fake):
    first = TuningSearchDisplay.from_tuning_job(fake, "our-tuning").searches[0].jobs
    fake.sagemaker_client.jobs["our-tuning"].reverse()
    again = TuningSearchDisplay.from_tuning_job(fake, "our-tuning").searches[0].jobs
    assert first == again and [job["order"] for job in first] == [1, 2, 3, 4, 5, 6]
    assert fake.sagemaker_client.calls.count("list") == 2 * 3  # three pages each time
    plt.close("all")


def test_objective_against_each_hyperparameter(fake, language):
    display = TuningSearchDisplay.from_tuning_jobs(
        fake, original="original-tuning", tuned="our-tuning", kind="hyperparameters"
    )
    assert len(display.axes_) == 2 * 3  # two searches, three tuned hyperparameters
    axes = np.array(display.axes_).reshape(2, 3)
    assert [ax.get_xlabel() for ax in axes[1]] == ["max_depth", "eta", "booster"]
    assert all(ax.get_xlabel() == "" for ax in axes[0])
    assert axes[0, 0].get_shared_y_axes().joined(axes[0, 0], axes[1, 2])
    assert axes[0, 1].get_xscale() == "log" and axes[0, 0].get_xscale() == "linear"
    depth = scatter_points(axes[1, 0])
    assert depth[:, 0].tolist() == [4, 6, 7, 9] and len(scatter_points(axes[1, 2])) == 4
    assert axes[1, 0].get_title(loc="left").startswith(words(language, "tuning.tuned"))
    assert words(language, "figure.skipped", skipped=2, jobs=6) in axes[1, 0].get_title(loc="left")


def test_a_search_without_skipped_jobs_says_nothing_about_them(fake):
    fake.sagemaker_client.jobs["our-tuning"] = [
        job for job in jobs_of("our-tuning") if "FinalHyperParameterTuningJobObjectiveMetric" in job
    ]
    display = TuningSearchDisplay.from_tuning_job(fake, "our-tuning", label="ours")
    assert display.axes_[0].get_title() == "ours" and display.searches[0].skipped == 0
    plt.close("all")


def test_unknown_kind_is_refused(fake):
    display = TuningSearchDisplay.from_tuning_job(fake, "our-tuning")
    with pytest.raises(ValueError, match="kind must be"):
        display.plot("roc")
    plt.close("all")


def test_against_the_local_service_with_a_failed_job(session, tmp_path, toy_source, data):  # noqa: F811
    """Two small grid searches end to end; in the second, depth 2 fails on purpose."""
    names = []
    for fail_depth in (0, 2):
        estimator = toy_estimator(session, tmp_path, toy_source, fail_depth=fail_depth)
        ranges = {"depth": IntegerParameter(1, 3), "kind": CategoricalParameter(["a", "b"])}
        tuner = HyperparameterTuner(estimator, "validation:auc", ranges, strategy="Grid",
                                    max_jobs=6, max_parallel_jobs=3)  # fmt: skip
        tuner.fit({"train": data["train"]}, job_name=f"figures-{fail_depth}")
        names.append(tuner.latest_tuning_job.name)
    display = lab.TuningSearchDisplay.from_tuning_jobs(session, original=names[0], tuned=names[1])
    original, ours = display.searches
    assert (len(original.jobs), original.skipped) == (6, 0)
    assert (len(ours.jobs), ours.skipped) == (6, 2)  # depth 2 with kind a and kind b
    assert all(job["hyperparameters"]["depth"] != 2 for job in ours.scored)
    frame = tuner.analytics().dataframe()  # the SDK's own table agrees
    assert sorted(frame["FinalObjectiveValue"].dropna()) == sorted(
        job["objective"] for job in ours.scored
    )
    display.plot("hyperparameters")
    assert [ax.get_xlabel() for ax in display.axes_[2:]] == ["depth", "kind"]
    plt.close("all")


# ------------------------------------------------------------------ Task 3: predicted probabilities


def test_predicted_probability_per_true_class(language):
    rng = np.random.default_rng(0)
    y_true = np.r_[np.ones(300, int), np.zeros(100, int)]
    p = np.clip(np.r_[rng.normal(0.8, 0.15, 300), rng.normal(0.3, 0.2, 100)], 0, 1)
    display = PredictedProbabilityDisplay.from_predictions(y_true, p)
    ax = display.ax_
    assert display.figure_ is ax.figure
    assert display.above(1) == pytest.approx((p[:300] > 0.5).mean())
    assert display.above(0) == pytest.approx((p[300:] > 0.5).mean())
    assert len(ax.patches) == 2  # one filled histogram per class
    threshold = "0,5" if language == "pt_BR" else "0.5"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1] == words(language, "figure.threshold", threshold=threshold)
    assert legend[0] == words(language, "figure.true_label", label=1, rows=300,
                              above=f"{100 * display.above(1):.0f}")  # fmt: skip
    assert ax.get_xlabel() == words(language, "figure.probability")
    assert ax.get_ylabel() == words(language, "figure.share")
    assert ax.get_title() == words(language, "figure.probability_title")
    (line,) = ax.get_lines()
    assert line.get_xdata()[0] == 0.5
    assert_decimal_point(ax, language)


def test_each_class_histogram_is_its_share_of_rows():
    y_true = [1, 1, 1, 0]
    display = PredictedProbabilityDisplay.from_predictions(y_true, [0.9, 0.9, 0.2, 0.6], bins=10)
    counts = {
        label: np.histogram(values, bins=np.linspace(0, 1, 11))[0] / len(values)
        for label, values in display.probabilities.items()
    }
    assert counts[1].sum() == pytest.approx(1) and counts[0].sum() == pytest.approx(1)
    assert display.above(0) == 1 and display.above(1) == pytest.approx(2 / 3)
    plt.close("all")


@pytest.mark.parametrize(
    "y_true, p, message",
    [([0, 1], [0.5], "2 labels but 1"), ([0, 2], [0.1, 0.2], "must be 0 or 1")],
)
def test_predicted_probability_refuses_bad_input(y_true, p, message):
    with pytest.raises(ValueError, match=message):
        PredictedProbabilityDisplay.from_predictions(y_true, p)


def test_both_are_exported():
    assert {"TuningSearchDisplay", "PredictedProbabilityDisplay"} <= set(lab.__all__)
    assert lab.TuningSearchDisplay is TuningSearchDisplay
