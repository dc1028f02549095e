"""Local hyperparameter tuning behind the unmodified HyperparameterTuner, offline."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
import sagemaker
from botocore.exceptions import ClientError
from sagemaker.analytics import HyperparameterTuningJobAnalytics
from sagemaker.exceptions import UnexpectedStatusException
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import (
    CategoricalParameter,
    ContinuousParameter,
    HyperparameterTuner,
    IntegerParameter,
)
from sagemaker.xgboost import XGBoost

import lab
from conftest import all_gone, learnable_csvs
from estimators import REGION, builtin_estimator, lab_ranges, script_estimator
from localsm import LocalSageMakerSession

LAB_RANGES = lab_ranges()
# A stand-in entry point that "trains" instantly: its score is a known function of the
# hyperparameters, printed as an XGBoost evaluation line per step.
TOY = """
import argparse, os, sys, time
parser = argparse.ArgumentParser()
for name, kind in (("x", float), ("depth", int), ("sleep", float), ("steps", int),
                   ("fail_depth", int), ("silent", int), ("pid_dir", str)):
    flags = [f"--{name}"] + ([f"-{name}"] if len(name) == 1 else [])  # the toolkit sends -x
    parser.add_argument(*flags, type=kind, default=None)
parser.add_argument("--kind", default="a")
args, _ = parser.parse_known_args()
if args.pid_dir:
    open(os.path.join(args.pid_dir, str(os.getpid())), "w").close()
if args.fail_depth is not None and args.depth == args.fail_depth:
    sys.exit("failing on purpose for depth %d" % args.depth)
score = 1 - ((args.x or 0) - 0.3) ** 2 - 0.01 * (args.depth or 0) + (args.kind == "b") * 0.05
for step in range(args.steps or 1):
    time.sleep(args.sleep or 0)
    if not args.silent:
        print("[%d]\\tvalidation-auc:%.6f" % (step, score - 0.1 / (step + 1)), flush=True)
"""


@pytest.fixture
def session(tmp_path) -> LocalSageMakerSession:
    return LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)


@pytest.fixture
def toy_source(tmp_path) -> Path:
    source = tmp_path / "toy"
    source.mkdir()
    (source / "toy.py").write_text(TOY)
    return source


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    return learnable_csvs(
        tmp_path_factory.mktemp("data"), 3, {"train": 400, "validation": 150}, 3,
        lambda x, noise: x[:, 0] - x[:, 2] + 0.4 * noise, fmt="%.5g",
    )  # fmt: skip


def toy_estimator(session, tmp_path, source, **hyperparameters) -> XGBoost:
    return script_estimator(session, tmp_path, source, "toy.py", **hyperparameters)


def tune(estimator, ranges, data, **kwargs) -> HyperparameterTuner:
    kwargs.setdefault("objective_metric_name", "validation:auc")
    kwargs.setdefault("max_jobs", 4)
    kwargs.setdefault("max_parallel_jobs", 2)
    tuner = HyperparameterTuner(estimator, hyperparameter_ranges=ranges, **kwargs)
    # The SDK names tuning jobs to the minute: several in one test need their own names.
    tuner.fit({"train": data["train"]}, job_name=f"toy-{uuid.uuid4().hex[:12]}", wait=False)
    tuner.wait()
    return tuner


def summaries(session, tuner) -> list[dict]:
    client = session.sagemaker_client
    name = tuner.latest_tuning_job.name
    result = client.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name, SortBy="Name", SortOrder="Ascending"
    )
    return result["TrainingJobSummaries"]


# ------------------------------------------------------------------------- the lab's tuner


def test_lab_tuner_script_mode(session, tmp_path, data):
    """Task 2 as the lab wrote it: no metric definitions, Random, 6 jobs, 3 in parallel."""
    estimator = script_estimator(
        session, tmp_path, eval_metric="auc", objective="binary:logistic", num_round=5
    )
    tuner = HyperparameterTuner(
        estimator,
        objective_metric_name="validation:auc",
        hyperparameter_ranges=LAB_RANGES,
        objective_type="Maximize",
        max_jobs=6,
        max_parallel_jobs=3,
        strategy="Random",
        random_seed=42,
    )
    tuner.fit({"train": data["train"], "validation": data["validation"]})
    tuner.wait()
    name = tuner.latest_tuning_job.name
    description = session.sagemaker_client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name
    )
    assert description["HyperParameterTuningJobStatus"] == "Completed"
    assert description["TrainingJobStatusCounters"]["Completed"] == 6
    assert description["ObjectiveStatusCounters"]["Succeeded"] == 6

    # The lab's results cell, as written.
    frame = HyperparameterTuningJobAnalytics(name, sagemaker_session=session).dataframe()
    frame = frame[frame["FinalObjectiveValue"] > -float("inf")]
    frame = frame.sort_values("FinalObjectiveValue", ascending=False)
    assert len(frame) == 6
    expected = set(LAB_RANGES) | {
        "TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime",
        "TrainingEndTime", "TrainingElapsedTimeSeconds",
    }  # fmt: skip
    assert set(frame.columns) == expected
    assert frame["max_depth"].between(6, 9).all() and frame["eta"].between(0.01, 0.03).all()
    assert (frame["TrainingElapsedTimeSeconds"] > 0).all()
    for job_name in frame["TrainingJobName"]:
        assert re.fullmatch(rf"{name}-00[1-6]-[0-9a-f]{{8}}", job_name)

    best = tuner.best_training_job()
    assert best == frame["TrainingJobName"].iloc[0]  # the maximum
    job = session.sagemaker_client.describe_training_job(TrainingJobName=best)
    assert job["TuningJobArn"] == description["HyperParameterTuningJobArn"]
    assert job["HyperParameters"]["_tuning_objective_metric"] == "validation:auc"
    best_estimator = tuner.best_estimator()
    assert best_estimator.model_data == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert best_estimator.hyperparameters()["max_depth"] == job["HyperParameters"]["max_depth"]


def test_builtin_algorithm_tuning(session, tmp_path, data):
    estimator = builtin_estimator(
        session, tmp_path, objective="binary:logistic", num_round=10, verbosity=0
    )
    tuner = HyperparameterTuner(
        estimator,
        objective_metric_name="validation:auc",
        hyperparameter_ranges={
            "eta": ContinuousParameter(0.1, 0.5),
            "max_depth": IntegerParameter(2, 5),
        },
        max_jobs=3,
        max_parallel_jobs=2,
        random_seed=1,
    )  # fmt: skip
    inputs = {k: TrainingInput(data[k], content_type="text/csv") for k in ("train", "validation")}
    tuner.fit(inputs)
    frame = tuner.analytics().dataframe()
    assert len(frame) == 3 and (frame["TrainingJobStatus"] == "Completed").all()
    assert frame["FinalObjectiveValue"].between(0.5, 1).all()
    assert (
        tuner.best_training_job()
        == frame.loc[frame["FinalObjectiveValue"].idxmax(), "TrainingJobName"]
    )
    assert tuner.best_estimator().model_data.endswith("model.tar.gz")


# ------------------------------------------------------------------------- strategies and seeds


def tuned_values(session, tuner) -> list[dict]:
    return [s["TunedHyperParameters"] for s in summaries(session, tuner)]


@pytest.mark.parametrize("strategy", ["Random", "Grid"])
def test_same_seed_same_hyperparameters_whatever_the_parallelism(
    session, tmp_path, toy_source, data, strategy
):
    if strategy == "Grid":
        ranges = {"depth": IntegerParameter(1, 3), "kind": CategoricalParameter(["a", "b"])}
    else:
        ranges = {"x": ContinuousParameter(0, 1), "depth": IntegerParameter(1, 9)}
    runs = []
    for parallel in (1, 2, 1):
        estimator = toy_estimator(session, tmp_path, toy_source)
        tuner = tune(estimator, ranges, data, strategy=strategy, random_seed=11,
                     max_jobs=4, max_parallel_jobs=parallel)  # fmt: skip
        runs.append(tuned_values(session, tuner))
    assert runs[0] == runs[1] == runs[2]
    other = tune(toy_estimator(session, tmp_path, toy_source), ranges, data,
                 strategy=strategy, random_seed=12, max_jobs=4)  # fmt: skip
    assert tuned_values(session, other) != runs[0]


def test_grid_visits_every_combination_once(session, tmp_path, toy_source, data):
    ranges = {"depth": IntegerParameter(1, 3), "kind": CategoricalParameter(["a", "b"])}
    estimator = toy_estimator(session, tmp_path, toy_source)
    # (The SDK sends max_jobs=None as null, which boto3 refuses on AWS too: give it.)
    tuner = HyperparameterTuner(
        estimator, "validation:auc", ranges, strategy="Grid", max_jobs=6, max_parallel_jobs=2
    )
    tuner.fit({"train": data["train"]})
    values = sorted((v["depth"], v["kind"]) for v in tuned_values(session, tuner))
    assert values == [(d, f'"{k}"') for d in ("1", "2", "3") for k in ("a", "b")]
    assert tuner.best_estimator().hyperparameters()["kind"] == '"b"'


def test_bayesian_strategy_and_scaling_types(session, tmp_path, toy_source, data):
    ranges = {
        "x": ContinuousParameter(0.01, 0.99, scaling_type="ReverseLogarithmic"),
        "depth": IntegerParameter(1, 100, scaling_type="Logarithmic"),
        "sleep": ContinuousParameter(0.001, 0.01, scaling_type="Logarithmic"),
    }
    estimator = toy_estimator(session, tmp_path, toy_source)
    tuner = tune(estimator, ranges, data, strategy="Bayesian", max_jobs=6, random_seed=5)
    frame = tuner.analytics().dataframe()
    assert len(frame) == 6 and frame["x"].between(0.01, 0.99).all()
    assert frame["depth"].between(1, 100).all()


def test_hyperband_and_auto_early_stopping(session, tmp_path, toy_source, data):
    ranges = {"x": ContinuousParameter(0, 1)}
    for kwargs in ({"strategy": "Hyperband"}, {"early_stopping_type": "Auto"}):
        estimator = toy_estimator(session, tmp_path, toy_source, steps=8, sleep=0.05)
        tuner = tune(estimator, ranges, data, max_jobs=5, random_seed=2, **kwargs)
        statuses = {s["TrainingJobStatus"] for s in summaries(session, tuner)}
        assert statuses <= {"Completed", "Stopped"}
        assert all(s["ObjectiveStatus"] == "Succeeded" for s in summaries(session, tuner))


def test_minimize_objective_with_own_metric_definitions(session, tmp_path, toy_source, data):
    estimator = toy_estimator(session, tmp_path, toy_source)
    definitions = [{"Name": "score", "Regex": r"validation-auc:([0-9.]+)"}]
    ranges = {"x": ContinuousParameter(0, 1)}
    tuner = tune(estimator, ranges, data, objective_metric_name="score",
                 objective_type="Minimize", metric_definitions=definitions)  # fmt: skip
    frame = tuner.analytics().dataframe()
    assert (
        tuner.best_training_job()
        == frame.loc[frame["FinalObjectiveValue"].idxmin(), "TrainingJobName"]
    )


# ------------------------------------------------------------------------- failures


def test_a_failing_job_does_not_stop_the_tuning_job(session, tmp_path, toy_source, data):
    estimator = toy_estimator(session, tmp_path, toy_source, fail_depth=2)
    ranges = {"depth": IntegerParameter(1, 3), "kind": CategoricalParameter(["a"])}
    tuner = HyperparameterTuner(estimator, "validation:auc", ranges, strategy="Grid", max_jobs=3)
    tuner.fit({"train": data["train"]})
    jobs = summaries(session, tuner)
    failed = [s for s in jobs if s["TrainingJobStatus"] == "Failed"]
    assert len(failed) == 1 and failed[0]["TunedHyperParameters"]["depth"] == "2"
    assert "failing on purpose for depth 2" in failed[0]["FailureReason"]
    assert failed[0]["ObjectiveStatus"] == "Failed"
    description = session.sagemaker_client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuner.latest_tuning_job.name
    )
    assert description["HyperParameterTuningJobStatus"] == "Completed"
    assert description["TrainingJobStatusCounters"]["NonRetryableError"] == 1
    frame = tuner.analytics().dataframe()
    assert frame["FinalObjectiveValue"].isna().sum() == 1  # the lab's filter drops it


def test_all_jobs_failing_fails_the_tuning_job(session, tmp_path, toy_source, data):
    estimator = toy_estimator(session, tmp_path, toy_source, fail_depth=1)
    tuner = HyperparameterTuner(
        estimator, "validation:auc", {"depth": IntegerParameter(1, 1)}, max_jobs=2
    )
    with pytest.raises(UnexpectedStatusException, match="All training jobs failed"):
        tuner.fit({"train": data["train"]})


def test_job_without_objective_in_its_log_fails(session, tmp_path, toy_source, data):
    estimator = toy_estimator(session, tmp_path, toy_source, silent=1)
    tuner = HyperparameterTuner(estimator, "validation:auc", {"x": ContinuousParameter(0, 1)},
                                max_jobs=1)  # fmt: skip
    with pytest.raises(UnexpectedStatusException, match="No objective metrics found"):
        tuner.fit({"train": data["train"]})
    (job,) = summaries(session, tuner)
    assert job["TrainingJobStatus"] == "Failed"
    described = session.sagemaker_client.describe_training_job(
        TrainingJobName=job["TrainingJobName"]
    )
    assert "No objective metrics found" in described["FailureReason"]


def test_stop_mid_tuning_leaves_no_process(session, tmp_path, toy_source, data):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    estimator = toy_estimator(session, tmp_path, toy_source, sleep=120, pid_dir=str(pid_dir))
    tuner = HyperparameterTuner(estimator, "validation:auc", {"x": ContinuousParameter(0, 1)},
                                max_jobs=4, max_parallel_jobs=2)  # fmt: skip
    tuner.fit({"train": data["train"]}, wait=False)
    deadline = time.time() + 30
    while len(list(pid_dir.iterdir())) < 2:
        assert time.time() < deadline, "the training jobs never started"
        time.sleep(0.05)
    pids = [int(p.name) for p in pid_dir.iterdir()]
    tuner.stop_tuning_job()
    tuner.wait()  # Stopped only warns, as on AWS
    description = session.sagemaker_client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuner.latest_tuning_job.name
    )
    assert description["HyperParameterTuningJobStatus"] == "Stopped"
    assert description["TrainingJobStatusCounters"]["Stopped"] == 2
    assert len(summaries(session, tuner)) == 2  # nothing launched after the stop
    assert all_gone(pids)


# ------------------------------------------------------------------------- bad input


BAD_RANGES = [
    ({"x": ContinuousParameter(0.9, 0.1)}, {}, "MinValue 0.9 is greater than MaxValue 0.1"),
    ({"x": ContinuousParameter(0, 1, scaling_type="Logarithmic")}, {}, "needs MinValue > 0"),
    ({"x": ContinuousParameter(0, 1)}, {"strategy": "Grid"}, "Grid strategy needs Integer"),
    ({"x": ContinuousParameter(0, 1)}, {"max_jobs": 2, "max_parallel_jobs": 3},
     "MaxParallelTrainingJobs (3) is greater than MaxNumberOfTrainingJobs (2)"),
    ({"x": ContinuousParameter(0, 1)}, {"objective_metric_name": "accuracy"},
     "has no metric definition"),
    ({"x": ContinuousParameter(0.1, 1.5, scaling_type="ReverseLogarithmic")}, {},
     "reverse logarithmic scaling needs"),
]  # fmt: skip


@pytest.mark.parametrize(("ranges", "options", "message"), BAD_RANGES)
def test_bad_tuning_requests_fail_before_any_job(
    session, tmp_path, toy_source, data, ranges, options, message
):
    options = dict(options)
    estimator = toy_estimator(session, tmp_path, toy_source)
    options.setdefault("objective_metric_name", "validation:auc")
    options.setdefault("max_jobs", 2)
    tuner = HyperparameterTuner(estimator, hyperparameter_ranges=ranges, **options)
    with pytest.raises(ClientError) as raised:
        tuner.fit({"train": data["train"]})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert message in str(raised.value)
    assert not list((tmp_path / "jobs").iterdir())  # no training job was started


def raw_tuning_request(ranges: dict, static: dict) -> dict:
    """A CreateHyperParameterTuningJob request, for cases the SDK never sends."""
    return {
        "HyperParameterTuningJobName": "raw-request",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize", "MetricName": "validation:auc",
            },
            "ParameterRanges": ranges,
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": static,
            "AlgorithmSpecification": {
                "TrainingImage": sagemaker.image_uris.retrieve("xgboost", REGION, "1.7-1"),
                "TrainingInputMode": "File",
            },
            "RoleArn": lab.LOCAL_ROLE,
            "OutputDataConfig": {"S3OutputPath": "file:///tmp"},
            "ResourceConfig": {"InstanceType": "local", "InstanceCount": 1, "VolumeSizeInGB": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        },
    }  # fmt: skip


def test_empty_ranges_and_static_tuned_overlap_are_refused(session, tmp_path):
    """The SDK never sends these (it drops tuned names from the static ones), boto3 users may."""
    client = session.sagemaker_client
    with pytest.raises(ClientError, match="ParameterRanges is empty"):
        client.create_hyper_parameter_tuning_job(**raw_tuning_request({}, {}))
    depth = {"IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": "3"}]}
    with pytest.raises(ClientError, match="depth are both static and tuned"):
        client.create_hyper_parameter_tuning_job(**raw_tuning_request(depth, {"depth": "2"}))
    assert not list((tmp_path / "jobs").iterdir())


# ------------------------------------------------------------------------- after a restart


def test_results_survive_a_new_session(session, tmp_path, toy_source, data):
    tuner = tune(toy_estimator(session, tmp_path, toy_source), {"x": ContinuousParameter(0, 1)},
                 data, max_jobs=2, random_seed=9)  # fmt: skip
    name = tuner.latest_tuning_job.name
    fresh = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    frame = HyperparameterTuningJobAnalytics(name, sagemaker_session=fresh).dataframe()
    assert len(frame) == 2
    attached = HyperparameterTuner.attach(name, sagemaker_session=fresh)
    assert attached.best_training_job() == tuner.best_training_job()
    listed = fresh.sagemaker_client.list_hyper_parameter_tuning_jobs()
    assert [
        s["HyperParameterTuningJobName"] for s in listed["HyperParameterTuningJobSummaries"]
    ] == [name]
