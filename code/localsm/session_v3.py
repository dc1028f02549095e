"""The SDK v3 side: a `sagemaker.core` Session over a boto3 session that the local service
answers (`bridge.py`), so `ModelTrainer` and the v3 `HyperparameterTuner` run their jobs here.

v3 waits on a job by describing it, then sleeping 5 seconds while it is not over. A 1-second
job must not cost 5 seconds of sleep, so the service long-polls: when the same job is
described again within a few seconds (someone is waiting on it), the answer waits until the
job ends (or the endpoint is ready), for at most a minute: training, tuning, processing and
transform jobs, and endpoints. A lone `describe` still answers at once. A processing job's
`wait` describes before its first sleep, so it would still sleep 5 s once: while the
process-wide clients are local it sleeps 1 s instead (sdk_compat, item 5).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from localsm import bridge, moto_server, sdk_compat
from localsm.client import LocalSageMakerClient
from localsm.logs import LocalLogs

POLL_WINDOW_SECONDS = 10.0  # describes this close together are a waiting loop
LONG_POLL_SECONDS = 60.0  # then the SDK sleeps its 5 s once and asks again
SDK_CONFIG = {  # no telemetry call home (v3 sends one per job otherwise)
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}


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
        description = self.service.describe_processing_job(ProcessingJobName=name)
        if description["ProcessingJobStatus"] in ("InProgress", "Stopping") and self._polled(name):
            self.service.processing_job(name).wait(LONG_POLL_SECONDS)
            description = self.service.describe_processing_job(ProcessingJobName=name)
        return self._answered(name, description)

    def describe_transform_job(self, TransformJobName: str) -> dict:  # noqa: N803
        name, key = TransformJobName, f"transform-job/{TransformJobName}"
        description = self.service.describe_transform_job(TransformJobName=name)
        if description["TransformJobStatus"] in ("InProgress", "Stopping") and self._polled(key):
            self.service.transform_job(name).wait(LONG_POLL_SECONDS)
            description = self.service.describe_transform_job(TransformJobName=name)
        return self._answered(key, description)

    def describe_endpoint(self, EndpointName: str) -> dict:  # noqa: N803
        """Endpoint.create describes once (`get`), so `wait_for_status`'s first describe is
        already the waiting loop's: answered when the endpoint leaves Creating/Updating."""
        name, key = EndpointName, f"endpoint/{EndpointName}"  # a job may bear the same name
        description = self.service.describe_endpoint(EndpointName=name)
        if description["EndpointStatus"] in ("Creating", "Updating") and self._polled(key):
            self.service.endpoint(name).wait(LONG_POLL_SECONDS)
            description = self.service.describe_endpoint(EndpointName=name)
        return self._answered(key, description)


def local_v3_session(jobs_dir: str | Path, region: str = "us-east-1") -> Any:
    """A `sagemaker.core.helper.session_helper.Session` whose jobs run on this machine."""
    return local_v3_session_and_service(jobs_dir, region)[0]


def local_v3_session_and_service(jobs_dir: str | Path, region: str = "us-east-1",
                                 patches: Any = None) -> tuple:  # fmt: skip
    """The session of `local_v3_session`, and the (long-polling) local service answering it
    (which `localsm.activate(service=...)` can answer every other client with). sagemaker-core's
    process-wide clients become this session's: with `patches` (a patches.Patches), until its
    `restore()`."""
    from sagemaker.core.config import load_sagemaker_config
    from sagemaker.core.helper.session_helper import Session

    service = LongPolling()
    boto_session = bridge.local_boto_session(
        region, service, LocalLogs(service), moto_server.s3_endpoint()
    )
    owner = SimpleNamespace(boto_session=boto_session, boto_region_name=region)
    service.service = LocalSageMakerClient(owner, jobs_dir)
    sdk_compat.seed_sagemaker_core(boto_session, local=True, patches=patches)
    # the user's config files (config.yaml), as sagemaker.core's Session reads them, with
    # local mode's defaults on top
    config = sdk_compat.with_local_defaults(load_sagemaker_config(), SDK_CONFIG)
    return Session(boto_session=boto_session, sagemaker_config=config), service
