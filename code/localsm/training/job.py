"""One local training job: runs the phases SageMaker reports (Starting, Downloading, Training,
Uploading) in the background and keeps its record (`record.py`) up to date."""

from __future__ import annotations

import atexit
import re
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from localsm import metrics, rules, toolkit
from localsm.background import BackgroundJob, now
from localsm.resources import arn_formatter
from localsm.training import artifacts, runner, storage
from localsm.training.channels import JobFailure, stage_channels
from localsm.training.record import TrainingJobDescription, TrainingJobRecord

_RUNNING: set[TrainingJob] = set()
_RUNNING_LOCK = threading.Lock()

# `verdict(job)` runs as a completed job ends: a reason makes it Failed (the tuner's "no
# objective metric" rule), None leaves it Completed.
Verdict = Callable[["TrainingJob"], str | None]


class _Stopped(Exception):
    pass


class TrainingJob(BackgroundJob):
    """A training job run as a local process under the SageMaker container contract."""

    kind = "training-job"

    def __init__(
        self,
        request: dict,
        *,
        jobs_dir: Path,
        region: str,
        boto_session: Any = None,
        threads: int = 1,
        verdict: Verdict | None = None,
        on_done: Callable[[TrainingJob], None] | None = None,
    ) -> None:
        super().__init__(request["TrainingJobName"])
        self.record = TrainingJobRecord(request, arn_formatter("training-job", self.name, region))
        self.region = region
        self.folder = jobs_dir / self.name
        self.ml = self.folder / "ml"
        self.log_path = self.folder / storage.LOG_NAME
        self.boto_session = boto_session
        self.threads = threads
        self.verdict = verdict
        self.on_done = on_done
        self._log_lines: list[tuple[datetime, str]] = []
        self._metric_cache: dict[str, tuple[int, list[float]]] = {}
        self._process: runner.JobProcess | None = None

    @property
    def request(self) -> dict:
        return self.record.request

    @property
    def arn(self) -> str:
        return self.record.arn

    @property
    def status(self) -> str:
        return self.record.status

    @property
    def final_metrics(self) -> list[dict]:
        return self.record.final_metrics

    def describe(self) -> TrainingJobDescription:
        return self.record.describe()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Create the folder and start the job in the background (returns at once)."""
        self.folder.mkdir(parents=True, exist_ok=False)
        self.log_path.touch()
        self._transition("Starting", "Launching requested ML instances")
        if self.request.get("DebugRuleConfigurations"):
            self.record.rule_statuses = rules.initial_statuses(self.request, now())
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        super().start()

    def stop(self) -> None:
        """Stop the job: the whole process tree is ended, the job becomes Stopped."""
        with self.record.lock:
            if not self.request_stop():
                return
            self.record.status = "Stopping"
            self._transition("Stopping", "Stopping the training job")
            process = self._process
        if process is not None:
            process.stop()

    def run(self) -> None:
        try:
            runner.prepare_layout(self.ml, self.request, self._log)
            self._check_stopped()
            self._transition("Downloading", "Downloading input data")
            stage_channels(self.request, self.ml / "input" / "data", self.boto_session)
            self._check_stopped()
            self._transition("Training", "Training in progress.")
            self.record.started = now()
            self._run_process()
            self._check_stopped()
            self._transition("Uploading", "Uploading generated training model")
            self._upload()
            self._run_rules()
            self._finish("Completed", "Completed", "Training job completed")
        except _Stopped:
            self._finish("Stopped", "Stopped", "The job was stopped")
        except JobFailure as failure:
            self._finish("Failed", "Failed", "Training job failed", str(failure))
        except Exception as error:  # noqa: BLE001 - any crash of ours must still end the job
            with open(self.log_path, "a") as log:
                traceback.print_exc(file=log)
            reason = f"InternalServerError: local training service error: {error!r}"
            self._finish("Failed", "Failed", "Training job failed", reason)

    # ---------------------------------------------------------------- the process

    def _run_process(self) -> None:
        command, env, cwd = runner.command_and_env(
            self.ml, self.request, self.name, self.region, self.threads
        )
        with self.record.lock:
            self._check_stopped()
            self._process = runner.JobProcess(command, env, cwd)
        limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        code = self._process.run(self.log_path, self._on_line, limit, self.stop)
        self.record.final_metrics = metrics.final_metrics(
            self._log_lines, self._metric_definitions()
        )
        if code != 0:
            self._check_stopped()
            script_mode = toolkit.is_script_mode(self.request.get("HyperParameters", {}))
            tail = [line for _, line in self._log_lines if line.strip()][-3:]
            raise JobFailure(runner.failure_reason(self.ml, code, command, script_mode, tail))

    def _on_line(self, line: str) -> None:
        self._log_lines.append((now(), line))

    def _metric_definitions(self) -> list[dict]:
        spec = self.request["AlgorithmSpecification"]
        objective = self.request.get("HyperParameters", {}).get("_tuning_objective_metric", "")
        text = "\n".join(metrics.cloudwatch_line(line) for _, line in self._log_lines)
        return metrics.definitions_for(spec, text, (objective,) if objective else ())

    def running_metric(self, name: str) -> list[float]:
        """Every value of metric `name` the job has logged so far (for early stopping)."""
        definitions = [d for d in self._metric_definitions() if d["Name"] == name]
        if not definitions:
            return []
        regex = re.compile(definitions[0]["Regex"])
        position, values = self._metric_cache.get(name, (0, []))
        lines = self._log_lines[position:]
        for _, line in lines:
            match = regex.search(metrics.cloudwatch_line(line))
            if match and match.groups():
                try:
                    values.append(float(match.group(1)))
                except ValueError:
                    pass
        self._metric_cache[name] = (position + len(lines), values)
        return list(values)

    # ---------------------------------------------------------------- artifacts and rules

    def _upload(self) -> None:
        output_path = self.request["OutputDataConfig"].get("S3OutputPath") or ""
        self.record.model_uri = artifacts.upload_artifacts(
            self.ml, self.folder / "artifacts", output_path, self.name, self.boto_session
        )

    def _run_rules(self) -> None:
        """Debugger rules (the training report) once the model is out, before Completed."""
        if not self.request.get("DebugRuleConfigurations"):
            return
        self._log(f"{now():%Y-%m-%d %H:%M:%S} Running Debugger rules locally")
        output_path = self.request["OutputDataConfig"].get("S3OutputPath") or ""
        folder = artifacts.rule_output_folder(output_path, self.name, self.folder)
        self.record.rule_statuses = rules.evaluate(self.request, self.ml, folder, now)
        artifacts.upload_rule_output(folder, output_path, self.name, self.boto_session)

    # ---------------------------------------------------------------- status

    def _check_stopped(self) -> None:
        if self.stop_requested:
            raise _Stopped()

    def _log(self, message: str) -> None:
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(message + "\n")

    def _transition(self, status: str, message: str) -> None:
        stamp = self.record.transition(status, message)
        # Status changes go to the log too, as the SDK prints them on AWS.
        self._log(f"{stamp:%Y-%m-%d %H:%M:%S} {status} - {message}")

    def _finish(self, status: str, secondary: str, message: str, reason: str | None = None) -> None:
        if status == "Stopped" and self._process is not None and self._process.timed_out:
            secondary, message = "MaxRuntimeExceeded", "Job stopped: MaxRuntimeInSeconds exceeded"
        if status == "Completed" and self.verdict is not None:
            reason = self._verdict()
            status, secondary = ("Failed", "Failed") if reason else (status, secondary)
        if self.record.rule_statuses and status != "Completed":
            why = f"The training job ended as {status}"
            self.record.rule_statuses = rules.abandoned(self.record.rule_statuses, now(), why)
        self.record.end(status, secondary, message, reason)
        self._log(f"{self.record.ended:%Y-%m-%d %H:%M:%S} {secondary} - {message}")
        if reason:
            self._log(f"Job failed: {reason}")
        storage.save_description(self.folder, self.describe())
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        if self.on_done is not None:
            try:
                self.on_done(self)
            except Exception:  # noqa: BLE001 - a hook must not leave the job unfinished
                self._log(traceback.format_exc())
        self.finished()

    def _verdict(self) -> str | None:
        try:
            return self.verdict(self)
        except Exception as error:  # noqa: BLE001 - a hook must not leave the job unfinished
            self._log(traceback.format_exc())
            return f"InternalServerError: local service error while ending the job: {error!r}"


@atexit.register
def _stop_all() -> None:
    """No orphan processes when the Python process that started the jobs exits."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for job in running:
        job.stop()
