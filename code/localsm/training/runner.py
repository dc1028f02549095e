"""The container side of a training job: the `/opt/ml` layout, the command the image would
run, and the process itself (its own process group, its log, its time limit, its stop).

Like `sagemaker/local/image.py` in the SDK, minus Docker: the process runs on this machine
with the job's folder standing in for `/opt/ml`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from localsm import metrics, toolkit
from localsm.builtin import versions
from localsm.cpus import openmp_environment
from localsm.training import drivers, processes, reasons
from localsm.training.channels import JobFailure, input_data_config
from localsm.training.reasons import MAX_REASON, shorten
from localsm.training.source import stage_source
from localsm.warm import client

CODE_FOLDER = Path(__file__).resolve().parent.parent.parent  # code/: holds the localsm package
ML_FOLDERS = ("input/config", "input/data", "model", "output/data", "code")
CHUNK_BYTES = 1 << 16
PUMP_WAKE_SECONDS = 0.1  # how often a silent process is checked for having exited
ESCAPED_PIPE_SECONDS = 2.0  # after the job's processes are ended, wait this long for EOF


def code_path(python_path: str | None) -> str:
    """A PYTHONPATH with code/ first, so a process we start can import `localsm` (and the
    report package) whatever the kernel's own path."""
    return os.pathsep.join(p for p in (str(CODE_FOLDER), python_path) if p)


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


def prepare_layout(
    ml: Path, request: dict, log: Callable[[str], None], boto_session: Any = None
) -> None:
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
        stage_source(ml / "code", toolkit.decode(hyperparameters), log, boto_session)
    elif not metrics.is_xgboost_image(spec.get("TrainingImage", "")):
        raise JobFailure("ClientError: local mode runs the SageMaker XGBoost images only")


def command_and_env(
    ml: Path, request: dict, job_name: str, region: str, threads: int, markers: dict[str, str]
) -> tuple[list[str], dict[str, str], Path]:
    """What the image would run, with which environment (`markers`: the job's process
    markers, see processes.py), from which folder."""
    if drivers.uses_drivers(request):  # SDK v3 script mode: the SDK's own driver scripts
        command, env = drivers.command_and_env(ml, request, job_name, threads)
        return command, {**env, **markers}, ml
    hyperparameters = request.get("HyperParameters", {})
    env = dict(os.environ)
    env.update(request.get("Environment", {}))
    env.update(PYTHONUNBUFFERED="1", **openmp_environment(threads), **markers)
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
    # The built-in algorithm: our emulation of the image's entry, with code/ importable, told
    # which image version it stands in for (its hyperparameter table and default metrics).
    env["PYTHONPATH"] = code_path(env.get("PYTHONPATH"))
    image = request["AlgorithmSpecification"].get("TrainingImage", "")
    env[versions.VERSION_VARIABLE] = versions.image_version(image) or versions.LATEST
    return [sys.executable, "-u", "-m", "localsm.builtin", str(ml)], env, ml


class JobProcess:
    """One job's process: started in its own session (process group), its output copied to
    the log as it comes, ended with every process it started (those that left its group
    included) when it exits, by `stop()`, or when `max_runtime` seconds have passed."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, job_folder: str) -> None:
        self.command = command
        self.job_folder = job_folder
        # A fork of the pre-imported warm runner when it can (see localsm.warm), else a new
        # interpreter; either way the same process contract.
        self._popen = client.popen(command, env, cwd) or subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the whole tree
        )
        self.timed_out = False
        self._reap_lock = threading.Lock()
        self._reaped = False

    def run(
        self,
        on_output: Callable[[bytes], None],
        max_runtime: float | None,
        on_timeout: Callable[[], None],
    ) -> int:
        """Hand the output to `on_output` until the process and everything it started have
        ended; returns its exit code. After `max_runtime` seconds `on_timeout()` is called."""

        def time_out() -> None:
            self.timed_out = True
            on_timeout()

        timer = threading.Timer(max_runtime, time_out) if max_runtime else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            self._pump(on_output)
            return self._popen.wait()
        finally:
            if timer:
                timer.cancel()
            self.reap()

    def _pump(self, on_output: Callable[[bytes], None]) -> None:
        """Read until end of output. When the process has exited, whatever it left behind is
        ended (as a container ends with its main process), which closes their copies of the
        pipe; one that still holds it after that is not waited for."""
        pipe = self._popen.stdout
        fd = pipe.fileno()
        reaped_at = None
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], PUMP_WAKE_SECONDS)
                if ready:
                    chunk = os.read(fd, CHUNK_BYTES)
                    if not chunk:
                        return
                    on_output(chunk)
                if self._popen.poll() is None:  # (a cheap waitpid, even while output flows)
                    continue
                if reaped_at is None:
                    self.reap()
                    reaped_at = time.monotonic()
                elif time.monotonic() - reaped_at > ESCAPED_PIPE_SECONDS:
                    return
        finally:
            pipe.close()

    def stop(self) -> None:
        """SIGTERM the job's processes, SIGKILL what is left after the grace period."""
        pid = self._popen.pid
        processes.kill_process_group(pid, signal.SIGTERM)
        # Those that left the group (setsid) get one SIGTERM too; the group's got theirs.
        for process in processes.marked_processes(processes.JOB_VARIABLE, self.job_folder):
            try:
                if os.getpgid(process.pid) != pid:
                    process.terminate()
            except (psutil.Error, ProcessLookupError):
                pass
        try:
            self._popen.wait(processes.STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        self.reap(grace=0.0)

    def reap(self, grace: float = 0.0) -> None:
        """End every process of the job still there (once the main one has exited or been
        stopped): its group, then anything carrying the job's marker."""
        with self._reap_lock:
            if self._reaped:
                return
            processes.kill_process_group(self._popen.pid)
            left = processes.end_job_processes(self.job_folder, grace)
            if self._popen.poll() is None:
                try:
                    self._popen.wait(5)
                except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
                    pass
            # Once the main process has exited and nothing was left, nothing can come back.
            self._reaped = left == 0 and self._popen.returncode is not None


def failure_reason(
    ml: Path, code: int, command: list[str], script_mode: bool, tail: list[str]
) -> str:
    """The FailureReason of a process that exited with `code`: what it wrote to
    `output/failure`, else the toolkit's `ExecuteUserScriptError` with the error it printed."""
    written = read_failure_file(ml / "output" / "failure")
    if not script_mode:
        return written or f"AlgorithmError: framework error: exit code {code}"
    if written:
        return shorten(f"AlgorithmError: {written}")
    message = shorten(reasons.error_summary(tail), 200).replace('"', "'")
    note = " (the process was killed: out of memory?)" if code in (137, -9) else ""
    shown = shorten(" ".join(Path(command[0]).name if i == 0 else a
                             for i, a in enumerate(command)), 100)  # fmt: skip
    return (
        f"AlgorithmError: ExecuteUserScriptError:\nExitCode {code}{note}\n"
        f'ErrorMessage "{message}"\nCommand "{shown}"'
    )


def read_failure_file(path: Path) -> str:
    """`output/failure` as the reason (first bytes only: an entry point may write anything)."""
    try:
        with open(path, "rb") as failure:
            data = failure.read(MAX_REASON * 4)
    except OSError:
        return ""
    return shorten(data.decode("utf-8", errors="replace").strip())
