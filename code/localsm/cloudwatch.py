"""CloudWatch Metrics, locally: `GetMetricStatistics` over the namespace
`/aws/sagemaker/TrainingJobs`, where SageMaker publishes each training job's metric definitions'
values (dimension `TrainingJobName`). SDK v2's `TrainingJobAnalytics.dataframe()` reads them so.

Values come from the job's metric tracker while this session runs it; for a job another
session ran, from its log read again with the definitions it is described with (each value
then stamped with the log's last change: the log keeps no time per line).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from localsm.exceptions import SageMakerClientError
from localsm.metrics import MetricTracker
from localsm.training import storage

NAMESPACE = "/aws/sagemaker/TrainingJobs"
DIMENSION = "TrainingJobName"
STATISTICS = {
    "SampleCount": lambda values: float(len(values)),
    "Average": statistics.fmean,
    "Sum": lambda values: float(sum(values)),
    "Minimum": min,
    "Maximum": max,
}


class InvalidParameterCombinationException(SageMakerClientError):
    code = "InvalidParameterCombination"


class LocalCloudWatch:
    """The CloudWatch (metrics) operations the SDKs use, over the local training jobs."""

    def __init__(self, client: Any) -> None:
        self.client = client  # the LocalSageMakerClient whose jobs these are

    def get_metric_statistics(
        self,
        Namespace: str,  # noqa: N803 - the API's parameter names
        MetricName: str,  # noqa: N803
        StartTime: datetime,  # noqa: N803
        EndTime: datetime,  # noqa: N803
        Period: int,  # noqa: N803
        Dimensions: list[dict] | None = None,  # noqa: N803
        Statistics: list[str] | None = None,  # noqa: N803
        **_: Any,
    ) -> dict[str, Any]:
        """Datapoints of one job's metric, one per `Period` seconds that holds a value."""
        if not Statistics:
            raise InvalidParameterCombinationException(
                "GetMetricStatistics", "Must specify either Statistics or ExtendedStatistics"
            )
        job = next((d["Value"] for d in Dimensions or [] if d.get("Name") == DIMENSION), None)
        if Namespace != NAMESPACE or job is None:
            return {"Label": MetricName, "Datapoints": []}  # CloudWatch: no such metric, no data
        start, end = _utc(StartTime), _utc(EndTime)
        buckets: dict[int, list[float]] = {}
        for stamp, value in self._points(job, MetricName):
            stamp = _utc(stamp)
            if start <= stamp < end:
                buckets.setdefault(int((stamp - start).total_seconds()) // Period, []).append(value)
        datapoints = []
        for index, values in sorted(buckets.items()):
            point = {"Timestamp": start + timedelta(seconds=index * Period), "Unit": "None"}
            point.update({name: STATISTICS[name](values) for name in Statistics})
            datapoints.append(point)
        return {"Label": MetricName, "Datapoints": datapoints}

    def _points(self, job_name: str, metric: str) -> list[tuple[datetime, float]]:
        running = self.client.job(job_name)
        if running is not None:
            return running.tracker.points(metric)
        try:
            description = self.client.describe_training_job(TrainingJobName=job_name)
        except SageMakerClientError:
            return []  # CloudWatch knows no metric for an unknown job: no datapoints
        log = self.client.jobs_dir / job_name / storage.LOG_NAME
        if not log.is_file():
            return []
        stamp = datetime.fromtimestamp(log.stat().st_mtime, UTC)
        tracker = MetricTracker.for_job(description["AlgorithmSpecification"])
        with open(log, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                tracker.feed(line.rstrip("\n"), lambda: stamp)
        return tracker.points(metric)


def _utc(moment: datetime) -> datetime:
    """An aware UTC time (botocore passes what the caller gave: naive means UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
