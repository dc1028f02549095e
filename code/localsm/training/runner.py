"""The container side of a training job: the `/opt/ml` layout, the command the image would
run, and the process itself (its own process group, its log, its time limit, its stop).

Like `sagemaker/local/image.py` in the SDK, minus Docker: the process runs on this machine
with the job's folder standing in for `/opt/ml`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localsm import metrics, toolkit
from localsm.training.channels import JobFailure, input_data_config, uri_to_path

CODE_FOLDER = Path(__file__).resolve().parent.parent.parent  # code/: holds the localsm package
STOP_GRACE_SECONDS = 2.0
ML_FOLDERS = ("input/config", "input/data", "model", "output/data", "code")


def resource_config(request: dict) -> dict[str, Any]:
    """`resourceconfig.json`: the hosts of the job (local mode runs `algo-1`)."""
    resources = request.get("ResourceConfig", {})
    hosts = [f"algo-{i + 1}" for i in range(resources.get("InstanceCount", 1))]
    instance_type = resources.get("InstanceType", "local")
    group = {"instance_group_name": "homogeneousCluster", "instance_type": instance_type,
             "hosts": hosts}  # fmt: skip
    return {
        "current_host": "algo-1",
        "hosts": hosts,
        "current_instance_type": instance_type,
        "current_group_name": "homogeneousCluster",
        "instance_groups": [group],
        "network_interface_name": "eth0",
    }


def prepare_layout(ml: Path, request: dict, log: Callable[[str], None]) -> None:
    """The `/opt/ml` folders and config files, and the source code in script mode."""
    for sub in ML_FOLDERS:
        (ml / sub).mkdir(parents=True, exist_ok=True)
    config = ml / "input" / "config"
    hyperparameters = request.get("HyperParameters", {})
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=1))
    (config / "inputdataconfig.json").write_text(json.dumps(input_data_config(request), indent=1))
    (config / "resourceconfig.json").write_text(json.dumps(resource_config(request), indent=1))
    for key, name in (("DebugHookConfig", "debughookconfig"), ("CheckpointConfig",
                                                              "checkpointconfig")):  # fmt: skip
        if request.get(key):
            (config / f"{name}.json").write_text(json.dumps(request[key]))
    spec = request["AlgorithmSpecification"]
    if toolkit.is_script_mode(hyperparameters):
        _stage_code(ml / "code", toolkit.decode(hyperparameters), log)
    elif not metrics.is_xgboost_image(spec.get("TrainingImage", "")):
        raise JobFailure("ClientError: local mode runs the SageMaker XGBoost images only")


def _stage_code(dest: Path, decoded: dict[str, Any], log: Callable[[str], None]) -> None:
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
    shutil.copytree(source, dest, dirs_exist_ok=True, ignore=ignore)
    if (dest / "requirements.txt").is_file():
        log(
            "requirements.txt found in the source directory: local mode does not "
            "install it (SageMaker would run pip install -r requirements.txt)."
        )


def command_and_env(
    ml: Path, request: dict, job_name: str, region: str, threads: int
) -> tuple[list[str], dict[str, str], Path]:
    """What the image would run, with which environment, from which folder."""
    hyperparameters = request.get("HyperParameters", {})
    env = dict(os.environ)
    env.update(request.get("Environment", {}))
    env.update(OMP_NUM_THREADS=str(threads), PYTHONUNBUFFERED="1")
    if toolkit.is_script_mode(hyperparameters):
        env.update(
            toolkit.environment(
                ml_root=ml,
                job_name=job_name,
                region=region,
                hyperparameters=hyperparameters,
                input_data_config=input_data_config(request),
                resource_config=resource_config(request),
                threads=threads,
            )
        )
        return toolkit.command(hyperparameters), env, ml / "code"
    # The built-in algorithm: our emulation of the image's entry, with code/ importable.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CODE_FOLDER), env.get("PYTHONPATH")) if p)
    return [sys.executable, "-u", "-m", "localsm.builtin", str(ml)], env, ml


class JobProcess:
    """One job's process: started in its own process group, its output copied line by line to
    the log, ended (the whole group) by `stop()` or when `max_runtime` seconds have passed."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.command = command
        self._popen = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the whole tree
        )
        self.timed_out = False

    def run(
        self,
        log_path: Path,
        on_line: Callable[[str], None],
        max_runtime: float | None,
        on_timeout: Callable[[], None],
    ) -> int:
        """Copy the output to `log_path` (and `on_line`) until the process exits; its code.
        After `max_runtime` seconds `on_timeout()` is called (it stops the job)."""

        def time_out() -> None:
            self.timed_out = True
            on_timeout()

        timer = threading.Timer(max_runtime, time_out) if max_runtime else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            with open(log_path, "a", encoding="utf-8") as log:
                for raw in self._popen.stdout:
                    line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                    on_line(line)
                    log.write(line + "\n")
                    log.flush()
            return self._popen.wait()
        finally:
            if timer:
                timer.cancel()

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers."""
        kill_group(self._popen)


def kill_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left of it."""
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


def failure_reason(
    ml: Path, code: int, command: list[str], script_mode: bool, tail: list[str]
) -> str:
    """The FailureReason of a process that exited with `code`: what it wrote to
    `output/failure`, else the toolkit's `ExecuteUserScriptError` with the log's last lines."""
    failure_file = ml / "output" / "failure"
    written = failure_file.read_text().strip() if failure_file.is_file() else ""
    if not script_mode:
        return written or f"AlgorithmError: framework error: exit code {code}"
    if written:
        return f"AlgorithmError: {written}"
    message = "\n".join(tail).replace('"', "'")
    note = " (the process was killed: out of memory?)" if code in (137, -9) else ""
    return (
        f"AlgorithmError: ExecuteUserScriptError:\nExitCode {code}{note}\n"
        f'ErrorMessage "{message}"\nCommand "{" ".join(command[1:])}"'
    )
