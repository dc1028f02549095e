"""Metric lines and metric definitions as SageMaker reads them (issue 26, item 1).

References (read, not copied):
- aws/sagemaker-xgboost-container, `src/sagemaker_xgboost_container/algorithm_mode/metrics.py`
  (branch 1.7-1): the image's metric regexes are written against the CloudWatch rendering of a
  TAB, `#011` (`.*\\[[0-9]+\\].*#011validation-<metric>:...`).
- aws/sagemaker-xgboost-container issue #121: `describe_training_job` of a built-in XGBoost job
  lists `AlgorithmSpecification.MetricDefinitions` as `train:<m>` / `validation:<m>` with the
  regex `.*\\[[0-9]+\\].*#011<set>-<m>:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*`.
- aws/sagemaker-python-sdk (master-v2), `src/sagemaker/analytics.py`: `TrainingJobAnalytics`
  reads `AlgorithmSpecification["MetricDefinitions"]`, then CloudWatch `GetMetricStatistics`
  (namespace `/aws/sagemaker/TrainingJobs`, dimension `TrainingJobName`, statistic Average).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import sagemaker
from sagemaker.analytics import TrainingJobAnalytics
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner
from test_tuning import data  # noqa: F401 - the module-scoped data fixture

from estimators import REGION, builtin_estimator, script_estimator
from localsm import LocalSageMakerSession, bridge, metrics
from localsm.cloudwatch import LocalCloudWatch

XGBOOST = {"TrainingImage": sagemaker.image_uris.retrieve("xgboost", REGION, "1.7-1")}
# A script that prints its metric line with a literal "#011" (as CloudWatch shows a TAB, and
# as some AWS examples print it) or with a real TAB, chosen by --sep.
PRINTER = """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("-x", "--x", type=float, default=0.5)
parser.add_argument("--sep", default="tab")
args, _ = parser.parse_known_args()
sep = "\\t" if args.sep == "tab" else "#011"
for step in range(3):
    print("[%d]%strain-auc:%.5f%svalidation-auc:%.5f" % (step, sep, 0.9, sep, args.x), flush=True)
"""
OWN_DEFINITIONS = [{"Name": "validation:auc", "Regex": "validation-auc:([0-9\\.]+)"}]
CLOCK = datetime(2026, 1, 1, tzinfo=UTC)


def _final(tracker: metrics.MetricTracker) -> dict[str, float]:
    return {m["MetricName"]: m["Value"] for m in tracker.final()}


@pytest.mark.parametrize("separator", ["\t", "#011"])
@pytest.mark.parametrize("own", [False, True])
def test_tracker_reads_tab_and_its_cloudwatch_rendering(separator, own):
    spec = {**XGBOOST, **({"MetricDefinitions": OWN_DEFINITIONS} if own else {})}
    tracker = metrics.MetricTracker.for_job(spec, ("validation:auc",))
    tracker.feed(f"[19]{separator}validation-auc:0.91", lambda: CLOCK)
    tracker.feed("validation-auc printed without a round number: 0.5", lambda: CLOCK)
    assert _final(tracker)["validation:auc"] == 0.91


def _tune(session, tmp_path, data, separator: str, definitions: list | None):  # noqa: F811
    source = tmp_path / "printer"
    source.mkdir(exist_ok=True)
    (source / "printer.py").write_text(PRINTER)
    estimator = script_estimator(session, tmp_path, source, "printer.py", sep=separator)
    tuner = HyperparameterTuner(
        estimator,
        objective_metric_name="validation:auc",
        hyperparameter_ranges={"x": ContinuousParameter(0.6, 0.8)},
        metric_definitions=definitions,
        max_jobs=1,
        max_parallel_jobs=1,
    )
    tuner.fit({"train": data["train"]}, job_name=f"sep-{uuid.uuid4().hex[:10]}")
    return tuner


@pytest.mark.parametrize("separator", ["tab", "literal"])
@pytest.mark.parametrize("definitions", [None, OWN_DEFINITIONS], ids=["image's", "own"])
def test_tuner_finds_the_objective_in_either_rendering(tmp_path, data, separator, definitions):  # noqa: F811
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    tuner = _tune(session, tmp_path, data, separator, definitions)
    frame = tuner.analytics().dataframe()
    assert list(frame["TrainingJobStatus"]) == ["Completed"]
    assert frame["FinalObjectiveValue"].iloc[0] == pytest.approx(frame["x"].iloc[0], abs=1e-5)


def test_builtin_job_describes_the_image_metric_definitions(tmp_path, data):  # noqa: F811
    """Built-in XGBoost: MetricDefinitions described, and SDK v2's training_job_analytics
    reads the metrics through CloudWatch (served locally on this boto3 session)."""
    boto_session = boto3.Session(region_name=REGION, **bridge.LOCAL_KEYS)
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", boto_session=boto_session)
    bridge.serve(boto_session, "cloudwatch", LocalCloudWatch(session.sagemaker_client))
    estimator = builtin_estimator(
        session, tmp_path, objective="binary:logistic", num_round=4, eval_metric="auc"
    )
    estimator.fit({k: TrainingInput(data[k], content_type="text/csv")
                   for k in ("train", "validation")}, logs="None")  # fmt: skip
    name = estimator.latest_training_job.name
    described = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    definitions = {d["Name"]: d["Regex"] for d in described["AlgorithmSpecification"]
                   ["MetricDefinitions"]}  # fmt: skip
    number = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
    assert definitions["validation:auc"] == rf".*\[[0-9]+\].*#011validation-auc:{number}.*"
    assert definitions["train:auc"] == rf".*\[[0-9]+\].*#011train-auc:{number}.*"
    assert {"train:rmse", "validation:logloss", "validation:error"} <= set(definitions)

    frame = estimator.training_job_analytics.dataframe()
    assert set(frame.columns) == {"timestamp", "metric_name", "value"}
    by_metric = dict(zip(frame["metric_name"], frame["value"], strict=True))
    final = {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}
    assert set(by_metric) == {"train:auc", "validation:auc"}  # only what the log printed
    assert 0.5 < by_metric["validation:auc"] <= 1
    # The SDK's period is one minute: a job of a few seconds gives one datapoint per metric,
    # the average of its rounds (the final round's value is among them).
    assert len(frame) == 2 and final["validation:auc"] > 0.5

    # A later session reads the same metrics from the job's log.
    fresh_boto = boto3.Session(region_name=REGION, **bridge.LOCAL_KEYS)
    fresh = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", boto_session=fresh_boto)
    bridge.serve(fresh_boto, "cloudwatch", LocalCloudWatch(fresh.sagemaker_client))
    again = TrainingJobAnalytics(name, sagemaker_session=fresh).dataframe()
    assert set(again["metric_name"]) == {"train:auc", "validation:auc"}


def test_cloudwatch_buckets_by_period_and_ignores_other_namespaces(tmp_path):
    class Job:
        tracker = metrics.MetricTracker.for_job(XGBOOST)

    for i, value in enumerate((0.5, 0.7, 0.9)):
        Job.tracker.feed(f"[{i}]#011validation-auc:{value}", lambda i=i: CLOCK + timedelta(
            seconds=40 * i))  # fmt: skip

    class Client:
        def job(self, name):
            return Job if name == "j" else None

    backend = LocalCloudWatch(Client())
    request = {"MetricName": "validation:auc", "StartTime": CLOCK, "Period": 60,
               "EndTime": CLOCK + timedelta(minutes=5), "Statistics": ["Average", "Maximum"],
               "Dimensions": [{"Name": "TrainingJobName", "Value": "j"}]}  # fmt: skip
    answer = backend.get_metric_statistics(Namespace="/aws/sagemaker/TrainingJobs", **request)
    points = answer["Datapoints"]
    assert [p["Timestamp"] for p in points] == [CLOCK, CLOCK + timedelta(seconds=60)]
    assert points[0]["Average"] == pytest.approx(0.6) and points[0]["Maximum"] == 0.7
    assert points[1]["Average"] == pytest.approx(0.9)
    other = backend.get_metric_statistics(Namespace="AWS/EC2", **request)
    assert other["Datapoints"] == []
