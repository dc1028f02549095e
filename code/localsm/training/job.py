"""One local training job: runs the phases SageMaker reports (Starting, Downloading, Training,
Uploading) in the background and keeps its record (`record.py`) up to date.

However a job ends (completed, failed, stopped, its disk full), it ends: its processes are gone,
its model.tar.gz is written (a stopped or failed job's too, as SageMaker uploads /opt/ml/model
then), its description is saved, and whoever waits on it wakes up.
"""

from __future__ import annotations

import atexit
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localsm import metrics, rules, toolkit
from localsm.background import BackgroundJob, now
from localsm.resources import arn_formatter
from localsm.training import artifacts, drivers, job_env, processes, runner, storage
from localsm.training.channels import JobFailure, stage_channels
from localsm.training.logstream import JobLog, LineSplitter
from localsm.training.reasons import internal_reason, storage_reason
from localsm.training.record import TrainingJobDescription, TrainingJobRecord
from localsm.warm import client as warm

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
        owner: str,
        boto_session: Any = None,
        threads: int = 1,
        verdict: Verdict | None = None,
        on_done: Callable[[TrainingJob], None] | None = None,
    ) -> None:
        super().__init__(request["TrainingJobName"])
        self.record = TrainingJobRecord(request, arn_formatter("training-job", self.name, region))
        self.region = region
        self.owner = owner  # processes.owner_token() of the process running the job
        self.folder = jobs_dir / self.name
        self.ml = self.folder / "ml"
        # Described from the start: DescribeTrainingJob's ModelArtifacts is a required member.
        self.record.planned_model_uri = artifacts.model_uri(
            self._output_path, self.name, self.folder
        )
        self.log_path = self.folder / storage.LOG_NAME
        self.log = JobLog(self.log_path, on_error=self._log_failed)
        self.boto_session = boto_session
        self.threads = threads
        self.verdict = verdict
        self.on_done = on_done
        objective = request.get("HyperParameters", {}).get("_tuning_objective_metric", "")
        self.tracker = metrics.MetricTracker.for_job(
            request["AlgorithmSpecification"], (objective,) if objective else ()
        )
        self._splitter = LineSplitter(self._on_line)
        self._process: runner.JobProcess | None = None
        self._abort_reason: str | None = None
        self._artifacts_failed = False
        self._rule_imports: threading.Thread | None = None  # rules.prepare's, while it trains
        self._rule_results: list[dict] | None = None  # the rules' verdicts, shown at Completed
        self._stopped_during = "Starting"

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

    def running_metric(self, name: str) -> list[float]:
        """Every value of metric `name` the job has logged so far (for early stopping)."""
        return self.tracker.series(name)

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Create the folder, its log and status, then start the job in the background.

        Raises FileExistsError when the folder exists, OSError when it cannot be written (the
        folder is then removed: no half-registered job)."""
        self.folder.mkdir(parents=True, exist_ok=False)
        try:
            self.log.open()
            if self.request.get("DebugRuleConfigurations"):
                self.record.rule_statuses = rules.initial_statuses(self.request, now())
            self._transition("Starting", "Launching requested ML instances", save=False)
            storage.save_status(self.folder, self.owner, self.describe())
        except OSError:
            self.log.close()
            _remove_tree(self.folder)
            raise
        try:
            processes.ensure_watchdog()
        except OSError as error:  # the job still runs; only a killed kernel would orphan it
            self.log.line(f"Could not start the watchdog process ({error}): the job's processes "
                          "end with this kernel only if it exits normally")  # fmt: skip
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        super().start()

    def stop(self) -> None:
        """Stop the job: its processes get SIGTERM (SIGKILL after a grace period); it ends
        Stopped with whatever /opt/ml/model holds by then."""
        with self.record.lock:
            if self.record.ended is not None or not self.request_stop():
                return  # it has ended (or is being stopped) already
            self._stopped_during = self.record.secondary
            self.record.status = "Stopping"
            self._transition("Stopping", "Stopping the training job")
            process = self._process
        if process is not None:
            process.stop()

    def _log_failed(self, error: OSError) -> None:
        """The log cannot be written (a full disk, most likely): end the job, Failed."""
        with self.record.lock:
            if self.done or self._abort_reason:
                return
            self._abort_reason = storage_reason(error, "could not write the job's log")
            process = self._process
        if process is not None:
            process.stop()

    def run(self) -> None:
        try:
            self._phases()
        except _Stopped:
            message = f"Stopped by StopTrainingJob during {self._stopped_during}"
            self._finish("Stopped", "Stopped", message)
        except JobFailure as failure:
            self._finish("Failed", "Failed", "Training job failed", str(failure))
        except OSError as error:  # a full or read-only disk: say which path
            reason = storage_reason(error, "could not write the job's files")
            self._finish("Failed", "Failed", "Training job failed", reason)
        except Exception as error:  # noqa: BLE001 - any crash of ours must still end the job
            self.log.line(traceback.format_exc())
            reason = internal_reason(error, self.log_path)
            self._finish("Failed", "Failed", "Training job failed", reason)
        else:
            self._finish("Completed", "Completed", "Training job completed")

    def _phases(self) -> None:
        runner.prepare_layout(self.ml, self.request, self.log.line, self.boto_session)
        self._check_stopped()
        self._transition("Downloading", "Downloading input data")
        data = self.ml / "input" / "data"
        stage_channels(self.request, data, self.boto_session, self._check_stopped)
        if drivers.uses_drivers(self.request):
            drivers.prepare(self.ml)
        self._check_stopped()
        self._transition("Training", "Training in progress.")
        self.record.started = now()
        self._rule_imports = rules.prepare(self.request)
        self._run_process()
        self._check_stopped()
        self._transition("Uploading", "Uploading generated training model")
        self._upload()
        self._check_stopped()
        self._run_rules()

    # ---------------------------------------------------------------- the process

    def _run_process(self) -> None:
        markers = processes.marker_environment(str(self.folder), self.owner)
        command, env, cwd = runner.command_and_env(
            self.ml, self.request, self.name, self.region, self.threads, markers
        )
        with self.record.lock:
            self._check_stopped()
            try:
                self._process = runner.JobProcess(command, env, cwd, str(self.folder))
            except OSError as error:
                raise JobFailure(
                    f"ClientError: could not start {command[0]} in {cwd}: {error.strerror}"
                ) from None
        limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        code = self._process.run(self._on_output, limit, self.stop)
        self._splitter.flush()
        self.record.final_metrics = self.tracker.final()
        self._check_stopped()
        if code != 0:
            script_mode = toolkit.is_script_mode(self.request.get("HyperParameters", {}))
            tail = self.log.tail(20)
            uses_drivers = drivers.uses_drivers(self.request)
            raise JobFailure(
                (uses_drivers and job_env.requirements_reason(self.log.tail(60)))
                or runner.failure_reason(self.ml, code, command, script_mode, tail)
            )

    def _on_output(self, chunk: bytes) -> None:
        self.log.write_output(chunk)
        self._splitter.feed(chunk)

    def _on_line(self, line: str) -> None:
        self.log.remember(line)
        self.tracker.feed(line, now)

    # ---------------------------------------------------------------- artifacts and rules

    @property
    def _output_path(self) -> str:
        return self.request["OutputDataConfig"].get("S3OutputPath") or ""

    def _upload(self) -> None:
        try:
            self.record.model_uri = artifacts.save_artifacts(
                self.ml, self.folder, self._output_path, self.name, self.boto_session,
                self.log.line,
            )  # fmt: skip
        except (JobFailure, OSError):
            self._artifacts_failed = True
            raise

    def _keep_model(self) -> None:
        """A stopped or failed job's model.tar.gz (possibly empty), as SageMaker uploads
        /opt/ml/model then; in the job folder when the output location cannot be written."""
        if self.record.model_uri:
            return
        if not self._artifacts_failed:
            try:
                self._upload()
                return
            except (JobFailure, OSError) as error:
                self.log.line(f"The model could not be saved: {error}")
        fallback = artifacts.save_fallback(self.ml, self.folder, self.log.line)
        self.record.model_uri = fallback or artifacts.model_uri(
            self._output_path, self.name, self.folder
        )

    def _run_rules(self) -> None:
        """Debugger rules (the training report) once the model is out, before Completed; their
        verdicts are described from Completed on (`_end`): on SageMaker a rule watches until
        the last step, so none ends NoIssuesFound while its training job is InProgress."""
        if not self.request.get("DebugRuleConfigurations"):
            return
        self.log.line(f"{now():%Y-%m-%d %H:%M:%S} Running Debugger rules locally")
        folder = artifacts.rule_output_folder(self._output_path, self.name, self.folder)
        if self._rule_imports is not None:
            self._rule_imports.join()
        self._rule_results = rules.evaluate(self.request, self.ml, folder, now)
        artifacts.upload_rule_output(folder, self._output_path, self.name, self.boto_session)
        try:  # no Debugger tensors locally: the debug-output prefix says so
            rules.write_debug_output_note(self.request, self.name, self.folder, self.boto_session)
        except Exception as error:  # noqa: BLE001 - a note that cannot be written fails nothing
            self.log.line(f"The debug-output note could not be written: {error}")

    # ---------------------------------------------------------------- status

    def _check_stopped(self) -> None:
        if self._abort_reason:
            raise JobFailure(self._abort_reason)
        if self.stop_requested:
            raise _Stopped()

    def _transition(self, status: str, message: str, save: bool = True) -> None:
        stamp = self.record.transition(status, message)
        # Status changes go to the log too, as the SDK prints them on AWS.
        self.log.line(f"{stamp:%Y-%m-%d %H:%M:%S} {status} - {message}")
        if save:
            self._save_status()

    def _save_status(self) -> None:
        try:
            storage.save_status(self.folder, self.owner, self.describe())
        except OSError:  # the disk is full or gone: the log's own error ends the job
            pass

    def _finish(self, status: str, secondary: str, message: str, reason: str | None = None) -> None:
        """End the job; never raises, and always wakes whoever waits on it."""
        try:
            self._end(status, secondary, message, reason)
        except Exception as error:  # noqa: BLE001 - the job must end whatever happened here
            self.log.line(traceback.format_exc())
            if self.record.ended is None:
                why = internal_reason(error, self.log_path)
                self.record.end("Failed", "Failed", "Training job failed", why)
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(self)
            if self.on_done is not None:
                try:
                    self.on_done(self)
                except Exception:  # noqa: BLE001 - a hook must not leave the job unfinished
                    self.log.line(traceback.format_exc())
            self.log.close()
            self.finished()

    def _end(self, status: str, secondary: str, message: str, reason: str | None) -> None:
        if self._process is not None:
            self._process.reap()  # nothing the job started outlives it
        if status == "Stopped" and self._process is not None and self._process.timed_out:
            limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
            secondary = "MaxRuntimeExceeded"
            message = f"Job stopped: MaxRuntimeInSeconds ({limit} s) exceeded"
        if status == "Completed" and self.verdict is not None:
            reason = self._verdict()
            status, secondary = ("Failed", "Failed") if reason else (status, secondary)
        if status != "Completed":
            self._keep_model()
        if self.record.rule_statuses and status != "Completed":
            why = f"The training job ended as {status}"
            self.record.rule_statuses = rules.abandoned(self.record.rule_statuses, now(), why)
        with self.record.lock:
            self.record.end(status, secondary, message, reason)
            if status == "Completed" and self._rule_results is not None:
                self.record.rule_statuses = self._rule_results
        self.log.line(f"{self.record.ended:%Y-%m-%d %H:%M:%S} {secondary} - {message}")
        if reason:
            self.log.line(f"Job failed: {reason}")
        try:
            storage.save_description(self.folder, self.describe())
            (self.folder / storage.STATUS_NAME).unlink(missing_ok=True)
        except OSError as error:
            self.log.line(f"The job's description could not be saved: {error}")

    def _verdict(self) -> str | None:
        try:
            return self.verdict(self)
        except Exception as error:  # noqa: BLE001 - a hook must not leave the job unfinished
            self.log.line(traceback.format_exc())
            return f"InternalServerError: local service error while ending the job: {error!r}"


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@atexit.register
def _stop_all() -> None:
    """No orphan processes when the Python process that started the jobs exits normally (the
    watchdog covers the other ways it can end): stop the jobs (SIGTERM, then their grace
    period), then end the warm runner, which kills any child still left."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for job in running:
        job.stop()
    warm.close_runner()
