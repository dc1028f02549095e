"""CloudWatch metrics, locally: `GetMetricStatistics` for the namespace
`/aws/sagemaker/TrainingJobs`, which SDK v2's `TrainingJobAnalytics`
(`estimator.training_job_analytics`) reads.

SageMaker publishes each value its metric definitions find in a job's log to that namespace,
dimension `TrainingJobName`; CloudWatch answers with one datapoint per `Period` holding the
requested statistics of the values logged in it. The local log has no time per line, so every
value counts as logged when the job ended: one datapoint per metric, which is CloudWatch's
answer too for a job shorter than the period (the SDK asks for 60 s).
"""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from localsm.metrics import MetricTracker
from localsm.training import storage

TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs"
STATISTICS = {"Average": fmean, "Minimum": min, "Maximum": max, "Sum": sum,
              "SampleCount": len}  # fmt: skip


class LocalMetrics:
    """The CloudWatch read the SDK makes, over the local jobs' logs."""

    def __init__(self, client: Any) -> None:
        self.client = client  # the LocalSageMakerClient whose jobs these are

    def get_metric_statistics(
        self,
        Namespace: str,  # noqa: N803
        MetricName: str,  # noqa: N803
        StartTime: datetime,  # noqa: N803
        EndTime: datetime,  # noqa: N803
        Dimensions: list[dict] | None = None,  # noqa: N803
        Statistics: list[str] | None = None,  # noqa: N803
        **_: Any,
    ) -> dict[str, Any]:
        job = {d["Name"]: d["Value"] for d in Dimensions or []}.get("TrainingJobName")
        values = self._values(job, MetricName) if Namespace == TRAINING_NAMESPACE else []
        if not values:
            return {"Label": MetricName, "Datapoints": []}
        description = self.client.describe_training_job(TrainingJobName=job)
        stamp = description.get("TrainingEndTime") or datetime.now(UTC)
        if not _within(stamp, StartTime, EndTime):
            return {"Label": MetricName, "Datapoints": []}
        point: dict[str, Any] = {"Timestamp": stamp, "Unit": "None"}
        for statistic in Statistics or ["Average"]:
            if statistic in STATISTICS:
                point[statistic] = float(STATISTICS[statistic](values))
        return {"Label": MetricName, "Datapoints": [point]}

    def _values(self, job: str | None, metric: str) -> list[float]:
        """Every value of `metric` the job's definitions find in its log, in order."""
        if not job:
            return []
        path = self.client.jobs_dir / job / storage.LOG_NAME
        if not path.is_file():
            return []
        description = self.client.describe_training_job(TrainingJobName=job)
        tracker = MetricTracker.for_job(description.get("AlgorithmSpecification", {}))
        now = datetime.now  # the tracker stamps values; CloudWatch's time is the job's end
        with open(path, encoding="utf-8", errors="replace") as log:
            for line in log:
                tracker.feed(line.rstrip("\n"), now)
        return tracker.series(metric)


def _within(stamp: datetime, start: datetime, end: datetime) -> bool:
    """Whether `stamp` lies in [start, end] (naive times are UTC, as botocore sends them)."""

    def utc(moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    return utc(start) <= utc(stamp) <= utc(end)
