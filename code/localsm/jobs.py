"""One local training job: its folder, its data, its process, its artifacts, its status.

A job folder `<jobs_dir>/<job name>/` holds `ml/` (laid out like `/opt/ml` in a SageMaker
container), `training.log` (what the process printed) and `description.json` (what
`describe_training_job` returns, kept so a job can be described after a restart).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm import metrics, rules, toolkit

PACKAGE_PARENT = Path(__file__).resolve().parent.parent  # the code/ folder
STOP_GRACE_SECONDS = 2.0
LOG_NAME = "training.log"
DESCRIPTION_NAME = "description.json"
_RUNNING: set[TrainingJob] = set()
_RUNNING_LOCK = threading.Lock()


class JobFailure(Exception):
    """Ends a job as Failed; the message becomes its FailureReason."""


def now() -> datetime:
    return datetime.now(UTC)


def uri_to_path(uri: str) -> Path:
    """`file:///a/b` or a plain path -> Path."""
    return Path(urlparse(uri).path if uri.startswith("file://") else uri)


def _copy_into(source: Path, dest: Path) -> int:
    """Copy a file, or a folder's content, into `dest`; returns the number of files."""
    if source.is_file():
        shutil.copy2(source, dest / source.name)
        return 1
    shutil.copytree(source, dest, dirs_exist_ok=True)
    return sum(1 for p in dest.rglob("*") if p.is_file())


def channel_source(channel: dict) -> dict | None:
    """The channel's S3DataSource; the SDK's local `FileDataSource` is read as one."""
    data_source = channel.get("DataSource", {})
    if "FileDataSource" in data_source:
        source = data_source["FileDataSource"]
        return {
            "S3Uri": source.get("FileUri", ""),
            "S3DataType": "S3Prefix",
            "S3DataDistributionType": source.get("FileDataDistributionType", "FullyReplicated"),
        }
    return data_source.get("S3DataSource")


def stage_channel(name: str, channel: dict, dest: Path, boto_session: Any) -> None:
    """Bring one channel's data into `ml/input/data/<name>/` (from file:// or s3://)."""
    source = channel_source(channel)
    if source is None:
        raise JobFailure(f"ClientError: channel '{name}': local mode reads S3DataSource only")
    if source.get("S3DataType", "S3Prefix") not in ("S3Prefix", "S3Object"):
        raise JobFailure(
            f"ClientError: channel '{name}': S3DataType {source['S3DataType']} is not supported "
            "in local mode; use S3Prefix"
        )
    uri = source["S3Uri"]
    dest.mkdir(parents=True, exist_ok=True)
    if uri.startswith("s3://"):
        _download_s3_prefix(name, uri, dest, boto_session)
        return
    path = uri_to_path(uri)
    if path.exists():
        count = _copy_into(path, dest)
    else:  # an S3-style prefix: every file in the folder whose name starts with it
        matches = sorted(path.parent.glob(path.name + "*")) if path.parent.is_dir() else []
        count = sum(_copy_into(m, dest) for m in matches)
    if count == 0:
        raise JobFailure(
            f"ClientError: Data download failed: no data for channel '{name}' at {uri}. "
            "Check the path passed to fit() for this channel."
        )


def _download_s3_prefix(name: str, uri: str, dest: Path, boto_session: Any) -> None:
    import botocore.exceptions

    parsed = urlparse(uri)
    bucket, prefix = parsed.netloc, parsed.path.lstrip("/")
    try:
        s3 = boto_session.client("s3")
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
        base = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
        for key in keys:
            target = dest / key[len(base) :]
            if not target.resolve().is_relative_to(dest.resolve()):
                raise JobFailure(f"ClientError: unsafe S3 key {key!r} in channel '{name}'")
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
    except botocore.exceptions.NoCredentialsError:
        raise JobFailure(
            f"ClientError: channel '{name}' reads {uri}, but no AWS credentials are configured. "
            "Configure credentials, or pass a file:// path."
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise JobFailure(
            f"ClientError: Data download failed for channel '{name}': {error}"
        ) from None
    if not keys:
        raise JobFailure(f"ClientError: Data download failed: no object under {uri} ('{name}')")


def _tar_folder(folder: Path, target: Path) -> None:
    """`target` (a .tar.gz of the folder's content), written atomically."""
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    os.replace(partial, target)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _from_iso(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            return datetime.fromisoformat(value["__datetime__"])
        return {k: _from_iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_iso(v) for v in value]
    return value


def load_description(job_dir: Path) -> dict | None:
    """The saved description of a finished job, or None."""
    path = job_dir / DESCRIPTION_NAME
    return _from_iso(json.loads(path.read_text())) if path.is_file() else None


class TrainingJob:
    """A training job run as a local process under the SageMaker container contract."""

    def __init__(
        self,
        request: dict,
        *,
        jobs_dir: Path,
        region: str,
        account: str,
        boto_session: Any = None,
        threads: int | None = None,
        on_done: Any = None,
    ) -> None:
        self.request = request
        self.name: str = request["TrainingJobName"]
        self.arn = f"arn:aws:sagemaker:{region}:{account}:training-job/{self.name.lower()}"
        self.region = region
        self.folder = jobs_dir / self.name
        self.ml = self.folder / "ml"
        self.log_path = self.folder / LOG_NAME
        self.boto_session = boto_session
        self.threads = threads or os.cpu_count() or 1
        self.on_done = on_done
        self.status = "InProgress"
        self.secondary = "Starting"
        self.failure_reason: str | None = None
        self.created = now()
        self.started: datetime | None = None
        self.ended: datetime | None = None
        self.transitions: list[dict] = []
        self.final_metrics: list[dict] = []
        self.model_uri: str | None = None
        self.extra: dict[str, Any] = {}  # e.g. DebugRuleEvaluationStatuses
        self._log_lines: list[tuple[datetime, str]] = []
        self._metric_cache: dict[str, tuple[int, list[float]]] = {}
        self._process: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Create the folder and start the job in the background (returns at once)."""
        self.folder.mkdir(parents=True, exist_ok=False)
        self.log_path.touch()
        self._transition("Starting", "Launching requested ML instances")
        if self.request.get("DebugRuleConfigurations"):
            self.extra["DebugRuleEvaluationStatuses"] = rules.initial_statuses(self.request, now())
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        self._thread = threading.Thread(target=self._run, name=f"job-{self.name}", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended; True when it has."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def stop(self) -> None:
        """Stop the job: the whole process tree is ended, the job becomes Stopped."""
        with self._lock:
            if self.done or self._stop.is_set():
                return
            self._stop.set()
            self.status = "Stopping"
            self._transition("Stopping", "Stopping the training job")
            process = self._process
        if process is not None:
            _kill_tree(process)

    # ---------------------------------------------------------------- the run

    def _run(self) -> None:
        try:
            self._prepare()
            self._check_stopped()
            self._transition("Downloading", "Downloading input data")
            for channel in self.request.get("InputDataConfig", []):
                name = channel["ChannelName"]
                stage_channel(name, channel, self.ml / "input" / "data" / name, self.boto_session)
            self._check_stopped()
            self._transition("Training", "Training in progress.")
            self.started = now()
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

    def _prepare(self) -> None:
        """The `/opt/ml` layout and its config files."""
        spec = self.request["AlgorithmSpecification"]
        for sub in ("input/config", "input/data", "model", "output/data", "code"):
            (self.ml / sub).mkdir(parents=True, exist_ok=True)
        config = self.ml / "input" / "config"
        hyperparameters = self.request.get("HyperParameters", {})
        (config / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=1))
        (config / "inputdataconfig.json").write_text(json.dumps(self.input_data_config, indent=1))
        (config / "resourceconfig.json").write_text(json.dumps(self.resource_config, indent=1))
        if self.request.get("DebugHookConfig"):
            (config / "debughookconfig.json").write_text(
                json.dumps(self.request["DebugHookConfig"])
            )
        if self.request.get("CheckpointConfig"):
            (config / "checkpointconfig.json").write_text(
                json.dumps(self.request["CheckpointConfig"])
            )
        if toolkit.is_script_mode(hyperparameters):
            self._stage_code(toolkit.decode(hyperparameters))
        elif not metrics.is_xgboost_image(spec.get("TrainingImage", "")):
            raise JobFailure("ClientError: local mode runs the SageMaker XGBoost images only")

    def _stage_code(self, decoded: dict[str, Any]) -> None:
        submit = str(decoded.get("sagemaker_submit_directory", ""))
        program = str(decoded["sagemaker_program"])
        if not submit.startswith("file://") and not Path(submit).is_dir():
            raise JobFailure(
                f"ClientError: sagemaker_submit_directory {submit!r} must be a local folder in "
                "local mode (set local.local_code, as lab.setup does)"
            )
        source = uri_to_path(submit)
        if not (source / program).is_file():
            raise JobFailure(
                f"ClientError: entry point {program!r} not found in {source}; check entry_point "
                "and source_dir"
            )
        ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
        shutil.copytree(source, self.ml / "code", dirs_exist_ok=True, ignore=ignore)
        if (self.ml / "code" / "requirements.txt").is_file():
            self._log(
                "requirements.txt found in the source directory: local mode does not "
                "install it (SageMaker would run pip install -r requirements.txt)."
            )

    @property
    def input_data_config(self) -> dict[str, dict]:
        spec = self.request["AlgorithmSpecification"]
        config = {}
        for channel in self.request.get("InputDataConfig", []):
            source = channel_source(channel) or {}
            entry = {
                "TrainingInputMode": channel.get(
                    "InputMode", spec.get("TrainingInputMode", "File")
                ),
                "S3DistributionType": source.get("S3DataDistributionType", "FullyReplicated"),
                "RecordWrapperType": channel.get("RecordWrapperType", "None"),
            }
            if channel.get("ContentType"):
                entry["ContentType"] = channel["ContentType"]
            config[channel["ChannelName"]] = entry
        return config

    @property
    def resource_config(self) -> dict[str, Any]:
        count = self.request.get("ResourceConfig", {}).get("InstanceCount", 1)
        hosts = [f"algo-{i + 1}" for i in range(count)]
        instance_type = self.request.get("ResourceConfig", {}).get("InstanceType", "local")
        return {
            "current_host": "algo-1",
            "hosts": hosts,
            "current_instance_type": instance_type,
            "current_group_name": "homogeneousCluster",
            "instance_groups": [
                {
                    "instance_group_name": "homogeneousCluster",
                    "instance_type": instance_type,
                    "hosts": hosts,
                }
            ],  # fmt: skip
            "network_interface_name": "eth0",
        }

    def _command_and_env(self) -> tuple[list[str], dict[str, str], Path]:
        hyperparameters = self.request.get("HyperParameters", {})
        env = dict(os.environ)
        env.update(self.request.get("Environment", {}))
        env.update(OMP_NUM_THREADS=str(self.threads), PYTHONUNBUFFERED="1")
        if toolkit.is_script_mode(hyperparameters):
            env.update(
                toolkit.environment(
                    ml_root=self.ml,
                    job_name=self.name,
                    region=self.region,
                    hyperparameters=hyperparameters,
                    input_data_config=self.input_data_config,
                    resource_config=self.resource_config,
                    threads=self.threads,
                )
            )
            return toolkit.command(hyperparameters), env, self.ml / "code"
        # Run by path, not `-m localsm.builtin_xgboost`: the package's __init__ imports the
        # SageMaker SDK (seconds), which the algorithm does not need.
        command = [sys.executable, "-u", str(PACKAGE_PARENT / "localsm" / "builtin_xgboost.py")]
        command.append(str(self.ml))
        return command, env, self.ml

    def _run_process(self) -> None:
        command, env, cwd = self._command_and_env()
        with self._lock:
            self._check_stopped()
            self._process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the whole tree
            )
        limit = self.request.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
        timer = threading.Timer(limit, self._timeout) if limit else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            with open(self.log_path, "a", encoding="utf-8") as log:
                for raw in self._process.stdout:
                    line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    self._log_lines.append((now(), line))
                    log.write(line + "\n")
                    log.flush()
            code = self._process.wait()
        finally:
            if timer:
                timer.cancel()
        self.final_metrics = metrics.final_metrics(self._log_lines, self._metric_definitions())
        if code != 0:
            self._check_stopped()
            raise JobFailure(self._failure_reason(code, command))

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

    def _timeout(self) -> None:
        self.extra["timed_out"] = True
        self.stop()

    def _failure_reason(self, code: int, command: list[str]) -> str:
        failure_file = self.ml / "output" / "failure"
        written = failure_file.read_text().strip() if failure_file.is_file() else ""
        if not toolkit.is_script_mode(self.request.get("HyperParameters", {})):
            return written or f"AlgorithmError: framework error: exit code {code}"
        if written:
            return f"AlgorithmError: {written}"
        tail = [line for _, line in self._log_lines if line.strip()][-3:]
        message = "\n".join(tail).replace('"', "'")
        note = " (the process was killed: out of memory?)" if code in (137, -9) else ""
        return (
            f"AlgorithmError: ExecuteUserScriptError:\nExitCode {code}{note}\n"
            f'ErrorMessage "{message}"\nCommand "{" ".join(command[1:])}"'
        )

    def _upload(self) -> None:
        """model.tar.gz and output.tar.gz to `<S3OutputPath>/<job>/output/`, atomically."""
        output_path = self.request["OutputDataConfig"].get("S3OutputPath") or ""
        staging = self.folder / "artifacts"
        staging.mkdir(exist_ok=True)
        _tar_folder(self.ml / "model", staging / "model.tar.gz")
        _tar_folder(self.ml / "output" / "data", staging / "output.tar.gz")
        if output_path.startswith("s3://"):
            parsed = urlparse(output_path)
            key = "/".join(p for p in (parsed.path.strip("/"), self.name, "output") if p)
            s3 = self.boto_session.client("s3")
            for name in ("model.tar.gz", "output.tar.gz"):
                s3.upload_file(str(staging / name), parsed.netloc, f"{key}/{name}")
            self.model_uri = f"s3://{parsed.netloc}/{key}/model.tar.gz"
            return
        base = uri_to_path(output_path) if output_path else self.folder
        destination = base / self.name / "output" if output_path else staging
        destination.mkdir(parents=True, exist_ok=True)
        if destination != staging:
            for name in ("model.tar.gz", "output.tar.gz"):
                partial = destination / f".{name}.partial"
                shutil.copyfile(staging / name, partial)
                os.replace(partial, destination / name)
        self.model_uri = (destination / "model.tar.gz").resolve().as_uri()

    def _run_rules(self) -> None:
        """Debugger rules (the training report) once the model is out, before Completed."""
        if not self.request.get("DebugRuleConfigurations"):
            return
        self._log(f"{now():%Y-%m-%d %H:%M:%S} Running Debugger rules locally")
        output_path = self.request["OutputDataConfig"].get("S3OutputPath") or ""
        local_output = output_path and not output_path.startswith("s3://")
        base = uri_to_path(output_path) / self.name if local_output else self.folder
        statuses = rules.evaluate(self.request, self.ml, base / "rule-output", now)
        self.extra["DebugRuleEvaluationStatuses"] = statuses
        if output_path.startswith("s3://"):
            parsed = urlparse(output_path)
            prefix = "/".join(p for p in (parsed.path.strip("/"), self.name, "rule-output") if p)
            s3 = self.boto_session.client("s3")
            for path in sorted((base / "rule-output").rglob("*")):
                if path.is_file():
                    key = f"{prefix}/{path.relative_to(base / 'rule-output')}"
                    s3.upload_file(str(path), parsed.netloc, key)

    # ---------------------------------------------------------------- status

    def _check_stopped(self) -> None:
        if self._stop.is_set():
            raise _Stopped()

    def _log(self, message: str) -> None:
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(message + "\n")

    def _transition(self, status: str, message: str) -> None:
        with self._lock:
            stamp = now()
            if self.transitions and "EndTime" not in self.transitions[-1]:
                self.transitions[-1]["EndTime"] = stamp
            self.transitions.append(
                {"Status": status, "StartTime": stamp, "StatusMessage": message}
            )
            self.secondary = status
        # Status changes go to the log too, as the SDK prints them on AWS.
        self._log(f"{stamp:%Y-%m-%d %H:%M:%S} {status} - {message}")

    def _finish(self, status: str, secondary: str, message: str, reason: str | None = None) -> None:
        if status == "Stopped" and self.extra.pop("timed_out", False):
            secondary, message = "MaxRuntimeExceeded", "Job stopped: MaxRuntimeInSeconds exceeded"
        statuses = self.extra.get("DebugRuleEvaluationStatuses")
        if statuses and status != "Completed":
            why = f"The training job ended as {status}"
            self.extra["DebugRuleEvaluationStatuses"] = rules.abandoned(statuses, now(), why)
        with self._lock:
            self.ended = now()
            self.status = status
            self.failure_reason = reason
            self._transition(secondary, message)
            self.transitions[-1]["EndTime"] = self.ended
            self._process = None
        if reason:
            self._log(f"Job failed: {reason}")
        if self.on_done is not None:
            try:
                self.on_done(self)
            except Exception:  # noqa: BLE001 - a hook must not leave the job unfinished
                self._log(traceback.format_exc())
        (self.folder / DESCRIPTION_NAME).write_text(json.dumps(_iso(self.describe()), indent=1))
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        self._done.set()

    def describe(self) -> dict[str, Any]:
        """The `DescribeTrainingJob` response for this job."""
        request = self.request
        with self._lock:
            desc: dict[str, Any] = {
                "TrainingJobName": self.name,
                "TrainingJobArn": self.arn,
                "TrainingJobStatus": self.status,
                "SecondaryStatus": self.secondary,
                "HyperParameters": dict(request.get("HyperParameters", {})),
                "AlgorithmSpecification": dict(request["AlgorithmSpecification"]),
                "RoleArn": request["RoleArn"],
                "InputDataConfig": request.get("InputDataConfig", []),
                "OutputDataConfig": {"KmsKeyId": "", **request["OutputDataConfig"]},
                "ResourceConfig": request["ResourceConfig"],
                "StoppingCondition": request.get("StoppingCondition", {}),
                "CreationTime": self.created,
                "LastModifiedTime": self.transitions[-1]["StartTime"],
                "SecondaryStatusTransitions": [dict(t) for t in self.transitions],
                "EnableNetworkIsolation": request.get("EnableNetworkIsolation", False),
                "EnableInterContainerTrafficEncryption": False,
                "EnableManagedSpotTraining": False,
            }
            for key in ("DebugHookConfig", "DebugRuleConfigurations", "ProfilerConfig",
                        "Environment", "CheckpointConfig", "TuningJobArn"):  # fmt: skip
                if request.get(key):
                    desc[key] = request[key]
            if self.started:
                desc["TrainingStartTime"] = self.started
            if self.ended:
                desc["TrainingEndTime"] = self.ended
                seconds = max(
                    1, round((self.ended - (self.started or self.created)).total_seconds())
                )
                desc["TrainingTimeInSeconds"] = seconds
                desc["BillableTimeInSeconds"] = seconds
            if self.final_metrics:
                desc["FinalMetricDataList"] = [dict(m) for m in self.final_metrics]
            if self.model_uri:
                desc["ModelArtifacts"] = {"S3ModelArtifacts": self.model_uri}
            if self.failure_reason:
                desc["FailureReason"] = self.failure_reason
            for key, value in self.extra.items():
                if key[0].isupper():
                    desc[key] = value
        return desc


class _Stopped(Exception):
    pass


def _kill_tree(process: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers."""
    try:
        group = os.getpgid(process.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            # The group may outlive its leader: make sure the children are gone too.
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        return


@atexit.register
def _stop_all() -> None:
    """No orphan processes when the Python process that started the jobs exits."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for job in running:
        job.stop()
