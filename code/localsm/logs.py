"""CloudWatch Logs, locally: the log group `/aws/sagemaker/TrainingJobs`, one stream per
training job (`<job>/algo-1-<start time>`), read from the job's own `training.log`.

SDK v3 follows a job's log with DescribeLogStreams and GetLogEvents; this answers both. The
forward token is the byte offset already read, so each call returns only new whole lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localsm.exceptions import SageMakerClientError
from localsm.training import storage

TRAINING_GROUP = "/aws/sagemaker/TrainingJobs"
MAX_EVENTS = 10_000  # GetLogEvents' own limit per call


class ResourceNotFoundException(SageMakerClientError):
    code = "ResourceNotFoundException"


class LocalLogs:
    """The two CloudWatch Logs read operations the SDKs use, over the local jobs' logs."""

    def __init__(self, client: Any) -> None:
        self.client = client  # the LocalSageMakerClient whose jobs these are

    def _log_path(self, operation: str, group: str, job_name: str) -> Path:
        path = self.client.jobs_dir / job_name / storage.LOG_NAME
        if group != TRAINING_GROUP or not path.is_file():
            raise ResourceNotFoundException(
                operation, f"The specified log stream does not exist: {group} {job_name}"
            )
        return path

    def describe_log_streams(
        self,
        logGroupName: str,
        logStreamNamePrefix: str = "",
        **_: Any,  # noqa: N803
    ) -> dict[str, Any]:
        job_name = logStreamNamePrefix.split("/")[0]
        path = self._log_path("DescribeLogStreams", logGroupName, job_name)
        stamp = int(path.stat().st_ctime * 1000)
        return {"logStreams": [{"logStreamName": f"{job_name}/algo-1-{stamp // 1000}",
                                "creationTime": stamp}]}  # fmt: skip

    def get_log_events(
        self,
        logGroupName: str,  # noqa: N803
        logStreamName: str,  # noqa: N803
        nextToken: str | None = None,  # noqa: N803
        **_: Any,
    ) -> dict[str, Any]:
        path = self._log_path("GetLogEvents", logGroupName, logStreamName.split("/")[0])
        offset = int(nextToken[2:]) if nextToken and nextToken.startswith("f/") else 0
        with open(path, "rb") as log:
            log.seek(offset)
            chunk = log.read()
        whole = chunk[: chunk.rfind(b"\n") + 1]  # a partial last line waits for the next call
        lines = whole.split(b"\n")[:-1][:MAX_EVENTS]
        read = sum(len(line) + 1 for line in lines)
        stamp = int(path.stat().st_mtime * 1000)
        events = [
            {"timestamp": stamp, "message": line.decode("utf-8", errors="replace"),
             "ingestionTime": stamp}
            for line in lines
        ]  # fmt: skip
        token = f"f/{offset + read}"
        return {"events": events, "nextForwardToken": token, "nextBackwardToken": f"b/{offset}"}
