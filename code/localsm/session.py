"""The SDK side: a `sagemaker.local.LocalSession` wired to the local training service.

The SDK's own local mode runs jobs synchronously in Docker and its `logs_for_job` does
nothing. Here jobs run in the background, so this session streams a job's log while it runs
(as `fit(wait=True)` does on AWS) and waits on jobs without the SDK's 5-second polling.
"""

from __future__ import annotations

from pathlib import Path

import boto3
from sagemaker.config import load_sagemaker_config
from sagemaker.local import LocalSession

from localsm import moto_server, patches, sdk_compat
from localsm.client import LocalSageMakerClient
from localsm.sdk_compat import SDK_CONFIG
from localsm.serving.runtime import LocalRuntimeClient
from localsm.waits import (
    logs_for_job,
    logs_for_processing_job,
    logs_for_transform_job,
    wait_for_endpoint,
    wait_for_job,
    wait_for_processing_job,
    wait_for_transform_job,
    wait_for_tuning_job,
)

# The default bucket in local mode: on this machine (moto_server.py), started on first use;
# processing jobs (Clarify) upload their inputs and config there, and write their outputs.
LOCAL_BUCKET = "sagemaker-local-mode"


class LocalSageMakerSession(LocalSession):
    """A LocalSession whose `sagemaker_client` runs jobs as local processes (no Docker).

    Creating one enters patches.py's "sdk" and "logs" layers (the SDK wrappers of
    sdk_compat.py, the SDK's quiet logs); `close()` (or the end of a `with` block) leaves
    them."""

    LOCALSM_OWN_CLIENTS = True  # sdk_compat: its clients are set below, not by the activation

    def __init__(self, jobs_dir: str | Path, region: str = "us-east-1", boto_session=None):
        patches.enter("sdk")
        patches.enter("logs")
        self._patched = True
        try:
            self._connect(jobs_dir, region, boto_session)
        except BaseException:
            self.close()
            raise

    def _connect(self, jobs_dir: str | Path, region: str, boto_session) -> None:
        boto_session = boto_session or boto3.Session(region_name=region)
        moto_server.serve_local_bucket(boto_session, LOCAL_BUCKET)
        # The user's SageMaker config files (config.yaml, SAGEMAKER_*_CONFIG_OVERRIDE), read
        # as sagemaker.Session() reads them, with local mode's own defaults on top: this
        # session's config, the only one validated once.
        config = sdk_compat.with_local_defaults(load_sagemaker_config(), SDK_CONFIG)
        sdk_compat.register_local_config(config)
        super().__init__(boto_session=boto_session, sagemaker_config=config)
        self.config = {"local": {"local_code": True}}
        self.sagemaker_client = LocalSageMakerClient(self, jobs_dir)
        self.sagemaker_runtime_client = LocalRuntimeClient(self.sagemaker_client)

    def close(self) -> None:
        """Leave the layers this session entered (once; its jobs' records stay)."""
        if self.__dict__.pop("_patched", False):
            patches.leave("logs")
            patches.leave("sdk")

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def default_bucket(self):
        """The local bucket (served on this machine): no STS or S3 call is made to find or
        create one. Training and hosting keep their files on disk; processing jobs, whose
        inputs and outputs the SDK always sends to S3, use it."""
        return LOCAL_BUCKET

    # ------------------------------------------------------------------ waiting
    # Each wait is a function of the local service (below), so that a plain SDK session
    # answered by `localsm.activate()` waits the same way (sdk_compat.activate_sdks).

    def logs_for_job(self, job_name, wait=False, poll=5, log_type="All", timeout=None):
        """Print the job's log (and its status changes); with `wait`, follow it to the end."""
        return logs_for_job(self.sagemaker_client, job_name, wait)

    def wait_for_job(self, job, poll=5):
        """Block until the training job ends (no polling sleep), then check its status."""
        return wait_for_job(self.sagemaker_client, job)

    def wait_for_tuning_job(self, job, poll=5):
        """Block until the tuning job ends, with a progress bar (jobs done, best objective)."""
        return wait_for_tuning_job(self.sagemaker_client, job)

    def wait_for_endpoint(self, endpoint, poll=30, live_logging=False):
        """Block until the endpoint leaves Creating/Updating (no 30-second polling sleep)."""
        return wait_for_endpoint(self.sagemaker_client, endpoint)

    def wait_for_transform_job(self, job, poll=5):
        """Block until the transform job ends, then check its status."""
        return wait_for_transform_job(self.sagemaker_client, job)

    def logs_for_transform_job(self, job_name, wait=False, poll=10):
        """Print the transform job's log (following it with `wait`), as on AWS."""
        return logs_for_transform_job(self.sagemaker_client, job_name, wait)

    def wait_for_processing_job(self, job, poll=5):
        """Block until the processing job ends (no polling sleep), then check its status."""
        return wait_for_processing_job(self.sagemaker_client, job)

    def logs_for_processing_job(self, job_name, wait=False, poll=10):
        """Print the processing job's log (following it with `wait`), as on AWS."""
        return logs_for_processing_job(self.sagemaker_client, job_name, wait)
