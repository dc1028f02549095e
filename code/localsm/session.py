"""The SDK side: a `sagemaker.local.LocalSession` wired to the local training service.

The SDK's own local mode runs jobs synchronously in Docker and its `logs_for_job` does
nothing. Here jobs run in the background, so this session streams a job's log while it runs
(as `fit(wait=True)` does on AWS) and waits on jobs without the SDK's 5-second polling.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
# Resolving a region or credentials with none configured makes botocore ask the EC2 metadata
# service (a network call, and seconds of timeouts off EC2); the SDK creates boto3 clients of
# its own (Estimator's TensorBoardApp), so switch that probe off for the process in local
# mode. Regions and credentials from the environment or ~/.aws still work (s3:// data).
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
# The SDK's config loader reports at INFO level that no config file exists: noise in local mode.
logging.getLogger("sagemaker.config").setLevel(logging.WARNING)

import boto3  # noqa: E402
import sagemaker.utils  # noqa: E402
from sagemaker.local import LocalSession  # noqa: E402
from sagemaker.session import _check_job_status  # noqa: E402

from localsm.client import LocalSageMakerClient  # noqa: E402

# SDK defaults for local mode: no telemetry call home.
SDK_CONFIG = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}
WAKE_UP_SECONDS = 0.05


def _validate_each_config_once(validate):
    """The SDK re-validates its config against a large JSON schema on every config lookup
    (about 20 per `fit`, over a second in all). A config that passed once passes again."""
    passed: set[str] = set()

    def validate_once(config=None):
        key = json.dumps(config, sort_keys=True, default=str)
        if key not in passed:
            validate(config)
            passed.add(key)

    validate_once.__wrapped__ = validate
    return validate_once


if not hasattr(sagemaker.utils.validate_sagemaker_config, "__wrapped__"):
    sagemaker.utils.validate_sagemaker_config = _validate_each_config_once(
        sagemaker.utils.validate_sagemaker_config
    )


class LocalSageMakerSession(LocalSession):
    """A LocalSession whose `sagemaker_client` runs jobs as local processes (no Docker)."""

    def __init__(self, jobs_dir: str | Path, region: str = "us-east-1", boto_session=None):
        self._jobs_dir = Path(jobs_dir)
        boto_session = boto_session or boto3.Session(region_name=region)
        super().__init__(boto_session=boto_session, sagemaker_config=SDK_CONFIG)
        self.config = {"local": {"local_code": True}}

    def _initialize(self, boto_session, sagemaker_client, sagemaker_runtime_client, **kwargs):
        super()._initialize(boto_session, sagemaker_client, sagemaker_runtime_client, **kwargs)
        self.sagemaker_client = LocalSageMakerClient(self, self._jobs_dir)

    # ------------------------------------------------------------------ waiting

    def logs_for_job(self, job_name, wait=False, poll=5, log_type="All", timeout=None):
        """Print the job's log (and its status changes); with `wait`, follow it to the end."""
        client: LocalSageMakerClient = self.sagemaker_client
        job = client.job(job_name)
        if job is None:  # a job from an earlier session: print what it left
            description = client.describe_training_job(job_name)
            log = client.jobs_dir / job_name / "training.log"
            if log.is_file():
                sys.stdout.write(log.read_text())
            if wait:
                _check_job_status(job_name, description, "TrainingJobStatus")
            return description
        position = 0
        try:
            while True:
                finished = job.done
                position = _print_new_log(job.log_path, position)
                if finished or not wait:
                    break
                job.wait(WAKE_UP_SECONDS)
        except KeyboardInterrupt:
            print(f"\nInterrupted: stopping training job {job_name} ...", flush=True)
            job.stop()
            job.wait()
            raise
        description = job.describe()
        if wait:
            _check_job_status(job_name, description, "TrainingJobStatus")
            seconds = description.get("TrainingTimeInSeconds")
            if seconds is not None:
                print(f"Training seconds: {seconds}\nBillable seconds: {seconds} (local: free)")
        return description

    def wait_for_job(self, job, poll=5):
        """Block until the training job ends (no polling sleep), then check its status."""
        client: LocalSageMakerClient = self.sagemaker_client
        running = client.job(job)
        if running is not None:
            try:
                running.wait()
            except KeyboardInterrupt:
                running.stop()
                running.wait()
                raise
        description = client.describe_training_job(job)
        _check_job_status(job, description, "TrainingJobStatus")
        return description

    def wait_for_tuning_job(self, job, poll=5):
        """Block until the tuning job ends, with a progress bar (jobs done, best objective)."""
        client: LocalSageMakerClient = self.sagemaker_client
        tuning_job = client.tuning_job(job)
        if tuning_job is not None and not tuning_job.done:
            try:
                _follow_tuning_job(tuning_job)
            except KeyboardInterrupt:
                print(f"\nInterrupted: stopping tuning job {job} and its training jobs ...")
                tuning_job.stop()
                tuning_job.wait()
                raise
        description = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
        _check_job_status(job, description, "HyperParameterTuningJobStatus")
        return description


def _follow_tuning_job(tuning_job) -> None:
    """A tqdm bar (plain text, so it reads the same in JupyterLab and in papermill output)."""
    from tqdm import tqdm

    bar = tqdm(total=tuning_job.total, desc=tuning_job.name, unit="job", file=sys.stdout,
               mininterval=0.5, ascii=True)  # fmt: skip
    try:
        while True:
            finished = tuning_job.wait(WAKE_UP_SECONDS * 4)
            summaries = tuning_job.training_job_summaries()
            done = sum(s["TrainingJobStatus"] != "InProgress" for s in summaries)
            bar.update(done - bar.n)
            best = tuning_job.best()
            if best is not None:
                value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
                bar.set_postfix_str(f"best {tuning_job.objective_name}={value:.6f}", refresh=False)
            if finished:
                break
    finally:
        bar.close()


def _print_new_log(path: Path, position: int) -> int:
    """Print what was appended to `path` since `position`; returns the new position."""
    with open(path, "rb") as log:
        log.seek(position)
        chunk = log.read()
    # Print whole lines only; a partial last line waits for the next call.
    cut = chunk.rfind(b"\n") + 1
    if cut:
        sys.stdout.write(chunk[:cut].decode("utf-8", errors="replace"))
        sys.stdout.flush()
    return position + cut
