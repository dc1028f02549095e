"""The local service behind long-polling describes (see session_v3.py): SDK v3 waits on a
job by describing it, then sleeping 5 s while it is not over; when the same job is described
again within POLL_WINDOW_SECONDS, the answer waits until the job ends (at most
LONG_POLL_SECONDS), so no short job costs a 5-second sleep."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localsm.client import LocalSageMakerClient

POLL_WINDOW_SECONDS = 10.0  # describes this close together are a waiting loop
LONG_POLL_SECONDS = 60.0  # then the SDK sleeps its 5 s once and asks again
RUNNING = ("InProgress", "Stopping")  # a processing or transform job not over yet


class LongPolling:
    """The local service as the bridge sees it: every operation as is, except that a repeated
    describe of a running job waits for it to end (at most LONG_POLL_SECONDS)."""

    def __init__(self) -> None:
        self.service: LocalSageMakerClient | None = None
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service, name)

    def _polled(self, name: str) -> bool:
        """Whether the previous describe of `name` was *answered* moments ago (its end counts,
        so that a describe right after a long poll that ran out still counts as polling)."""
        with self._lock:
            last = self._last.get(name, -POLL_WINDOW_SECONDS)
            return time.monotonic() - last < POLL_WINDOW_SECONDS

    def _answered(self, name: str, description: dict) -> dict:
        with self._lock:
            self._last[name] = time.monotonic()
        return description

    def describe_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803
        job = self.service.job(TrainingJobName)
        if job is not None and self._polled(TrainingJobName):
            job.wait(LONG_POLL_SECONDS)
        described = self.service.describe_training_job(TrainingJobName=TrainingJobName)
        return self._answered(TrainingJobName, described)

    def describe_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str) -> dict:  # noqa: N803
        name = HyperParameterTuningJobName
        job = self.service.tuning_job(name)
        if job is not None and self._polled(name):
            job.wait(LONG_POLL_SECONDS)
        described = self.service.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
        return self._answered(name, described)

    def describe_processing_job(self, ProcessingJobName: str) -> dict:  # noqa: N803
        name = ProcessingJobName
        return self._long_polled(
            name, lambda: self.service.describe_processing_job(ProcessingJobName=name),
            "ProcessingJobStatus", RUNNING, lambda: self.service.processing_job(name),
        )  # fmt: skip

    def describe_transform_job(self, TransformJobName: str) -> dict:  # noqa: N803
        name = TransformJobName
        return self._long_polled(
            f"transform-job/{name}",
            lambda: self.service.describe_transform_job(TransformJobName=name),
            "TransformJobStatus", RUNNING, lambda: self.service.transform_job(name),
        )  # fmt: skip

    def describe_endpoint(self, EndpointName: str) -> dict:  # noqa: N803
        """Endpoint.create describes once (`get`), so `wait_for_status`'s first describe is
        already the waiting loop's: answered when the endpoint leaves Creating/Updating."""
        name = EndpointName
        return self._long_polled(
            f"endpoint/{name}",  # a job may bear the same name
            lambda: self.service.describe_endpoint(EndpointName=name),
            "EndpointStatus", ("Creating", "Updating"), lambda: self.service.endpoint(name),
        )  # fmt: skip

    def _long_polled(self, key: str, describe: Any, status_key: str, busy: tuple[str, ...],
                     resource: Any) -> dict:  # fmt: skip
        """`describe()`, answered once the resource leaves a `busy` status when `key` was
        described moments ago (someone is waiting on it)."""
        description = describe()
        if description[status_key] in busy and self._polled(key):
            resource().wait(LONG_POLL_SECONDS)
            description = describe()
        return self._answered(key, description)
