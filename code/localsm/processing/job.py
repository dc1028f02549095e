"""One local processing job: inputs brought into its `/opt/ml/processing` folders, the
container's program run as a local process (the Clarify analyzer, `localsm.clarify`), with a
shadow endpoint when its analysis needs a model, then its outputs sent out.

Statuses as SageMaker's: InProgress, then Completed, Failed (with a FailureReason and the
container's ExitMessage), or Stopping and Stopped. However it ends, its processes and its
shadow endpoint are gone and whoever waits on it wakes up; a failed or stopped job uploads
nothing, so no half-written output is presented as a result.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

from localsm.background import BackgroundJob, JobStopped, now
from localsm.cpus import openmp_environment
from localsm.processing import shadow, staging
from localsm.resources import arn_formatter, present
from localsm.training import processes, runner, storage
from localsm.training.channels import JobFailure
from localsm.training.logstream import JobLog
from localsm.training.reasons import outcome, shorten

LOG_NAME = "processing.log"
CONFIG_INPUT = "/opt/ml/processing/input/config"  # where Clarify reads its analysis config
DESCRIBED = ("ProcessingInputs", "ProcessingOutputConfig", "ProcessingResources",
             "StoppingCondition", "AppSpecification", "Environment", "NetworkConfig",
             "RoleArn", "ExperimentConfig")  # fmt: skip


class ProcessingJob(BackgroundJob):
    """A processing job run on this machine (see the module docstring)."""

    kind = "processing-job"

    def __init__(self, request: dict, client: Any, folder: Path, threads: int) -> None:
        super().__init__(request["ProcessingJobName"])
        self.request = request
        self.client = client  # the local service: hosting operations for the shadow endpoint
        self.folder = folder
        self.ml = folder / "ml"
        self.threads = threads
        self.arn = arn_formatter("processing-job", self.name, client.region)
        self.status = "InProgress"
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._exit_message = ""
        self._started = self._ended = None
        self._modified = self.created
        self._process: runner.JobProcess | None = None
        folder.mkdir(parents=True, exist_ok=False)  # (the name was checked unique)
        self.log = JobLog(folder / LOG_NAME)
        self.log.open()

    @property
    def log_path(self) -> Path:
        return self.log.path

    def describe(self) -> dict:
        """The DescribeProcessingJob response."""
        description = {k: self.request[k] for k in DESCRIBED if k in self.request}
        description.update(
            ProcessingJobName=self.name,
            ProcessingJobArn=self.arn,
            ProcessingJobStatus=self.status,
            CreationTime=self.created,
            LastModifiedTime=self._modified,
        )
        description.update(
            present(
                ExitMessage=self._exit_message or None,
                FailureReason=self._reason,
                ProcessingStartTime=self._started,
                ProcessingEndTime=self._ended,
            )
        )
        return description

    def summary(self) -> dict:
        """The job's entry in ListProcessingJobs."""
        keys = ("ProcessingJobName", "ProcessingJobArn", "CreationTime", "ProcessingEndTime",
                "LastModifiedTime", "ProcessingJobStatus", "FailureReason",
                "ExitMessage")  # fmt: skip
        description = self.describe()
        return {k: description[k] for k in keys if k in description}

    def stop(self) -> None:
        """StopProcessingJob: Stopping now, Stopped once its process has ended."""
        with self._lock:
            if not self.request_stop():
                return
            self.status, self._modified = "Stopping", now()
            process = self._process
        self.log.note("Stopping the processing job")
        if process is not None:
            process.stop()

    # ---------------------------------------------------------------- the work

    def run(self) -> None:
        self._started = now()
        self._end(*outcome(self._work, JobStopped, self.log))

    def _work(self) -> None:
        boto_session = self.client.sagemaker_session.boto_session
        self.log.note(f"Starting processing job {self.name}")
        inputs = self.request.get("ProcessingInputs", [])
        outputs = self.request.get("ProcessingOutputConfig", {}).get("Outputs", [])
        staging.stage_inputs(self.ml, inputs, boto_session, self.check_stopped)
        staging.prepare_outputs(self.ml, outputs)
        self.check_stopped()
        folder = staging.local_folder(self.ml, CONFIG_INPUT, "the analysis config")
        predictor = shadow.predictor_config(folder)
        endpoint = None
        try:
            if predictor is not None:
                self.log.note("Starting the shadow endpoint for the model's predictions")
                endpoint = shadow.start(self.client, self.name, predictor)
                self.log.note(f"Shadow endpoint {endpoint.name} is InService")
                self.check_stopped()
            self._run_container(endpoint.environment() if endpoint else {})
        finally:
            if endpoint is not None and endpoint.owned:
                shadow.stop(self.client, endpoint.name)
                self.log.note(f"Shadow endpoint {endpoint.name} deleted")
        self.check_stopped()
        staging.upload_outputs(self.ml, outputs, boto_session, self.log.note)

    def _run_container(self, extra_env: dict[str, str]) -> None:
        command = [sys.executable, "-u", "-m", "localsm.clarify", str(self.ml)]
        env = dict(os.environ)
        env.update(self.request.get("Environment") or {})
        env.update(extra_env)
        env.update(
            **openmp_environment(self.threads),
            PYTHONUNBUFFERED="1",
            PYTHONPATH=runner.code_path(os.environ.get("PYTHONPATH")),
            **processes.marker_environment(str(self.folder), self.client.owner),
        )
        processes.ensure_watchdog()
        with self._lock:
            self.check_stopped()
            self._process = runner.JobProcess(command, env, self.ml, str(self.folder))
        limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        code = self._process.run(self.log.write_output, limit, self.stop)
        self.check_stopped()
        self._exit_message = staging.exit_message(self.ml)
        if code != 0:
            message = self._exit_message or f"See job logs for more information (exit code {code})"
            if not message.startswith(("ClientError:", "AlgorithmError:")):
                message = f"AlgorithmError: {message}"
            raise JobFailure(shorten(message))

    # ---------------------------------------------------------------- status

    def _end(self, status: str, reason: str | None = None) -> None:
        """The job's last step: its processes ended, its record final, its waiters woken."""
        try:
            if self._process is not None:
                self._process.reap()
            with self._lock:
                timed_out = self._process is not None and self._process.timed_out
                if self.stop_requested and not timed_out:  # a failure caused by the stop
                    status, reason = "Stopped", None
                elif timed_out:
                    limit = self.request["StoppingCondition"]["MaxRuntimeInSeconds"]
                    status, reason = "Stopped", f"MaxRuntimeInSeconds ({limit} s) exceeded"
                self.status, self._reason = status, reason
                self._ended = self._modified = now()
            self.log.note(f"Processing job {status}" + (f": {reason}" if reason else ""))
            storage.save_description(self.folder, self.describe())
        except OSError as error:
            self.log.line(f"The job's description could not be saved: {error}")
        finally:
            self.log.close()
            self.finished()
