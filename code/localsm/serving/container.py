"""One model server: its folder (the container's `/opt/ml`), its environment, its process.

Like the SDK's `sagemaker/local/image.py` serving path, minus Docker: the model artifact
(`ModelDataUrl`, a `model.tar.gz` on file:// or s3://) is unpacked into `<root>/model`, the
code of a script-mode model into `<root>/code`, and `python -m localsm.serving <root>` runs with
the model's `Environment`. The process carries the job markers of `training/processes.py`, so
it ends with `stop()`, and with the notebook kernel through the watchdog.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from localsm import toolkit
from localsm.cpus import openmp_environment
from localsm.serving.__main__ import FAILURE_FILE, READY_LINE
from localsm.serving.model_data import as_s3_uri
from localsm.training import processes, runner
from localsm.training.channels import JobFailure, uri_to_path
from localsm.training.logstream import JobLog, LineSplitter
from localsm.training.source import extract_tarball, read_s3_object, stage_source

START_TIMEOUT_SECONDS = 60.0


class ServerFailed(Exception):
    """The server did not start (or ended): the message is a FailureReason."""


def artifact_bytes(uri: str, boto_session: Any) -> bytes:
    """The model artifact's bytes from file:// (or a path), s3:// or an https S3 URL."""
    try:
        location = as_s3_uri(uri)  # ModelDataUrl may be an https S3 URL too
        if location.startswith("s3://"):
            return read_s3_object(location, boto_session)
        return uri_to_path(location).read_bytes()
    except Exception as error:  # noqa: BLE001 - any failure to read it is the user's to fix
        raise ServerFailed(
            f"ClientError: could not read the model artifact {uri}: {error}. "
            "Check ModelDataUrl (the training job's model.tar.gz)."
        ) from None


def unpack_model(uri: str, dest: Path, boto_session: Any) -> None:
    """Extract `model.tar.gz` safely (tarfile's `data` filter: no escaping paths or links)."""
    dest.mkdir(parents=True, exist_ok=True)
    extract_tarball(artifact_bytes(uri, boto_session), dest, lambda error: ServerFailed(
        f"ClientError: the model artifact {uri} is not a model.tar.gz tarball ({error}). "
        "Point ModelDataUrl at a training job's output/model.tar.gz."
    ))  # fmt: skip


def layout(root: Path, container: dict, boto_session: Any, log: JobLog) -> dict[str, str]:
    """The folders of one model server; returns the container's environment."""
    environment = dict(container.get("Environment") or {})
    url = container.get("ModelDataUrl")
    if url:
        unpack_model(url, root / "model", boto_session)
    else:
        (root / "model").mkdir(parents=True, exist_ok=True)
    program = environment.get("SAGEMAKER_PROGRAM")
    if program:
        source = {
            "sagemaker_program": program,
            "sagemaker_submit_directory": environment.get("SAGEMAKER_SUBMIT_DIRECTORY", ""),
        }
        try:
            stage_source(root / "code", source, log.line, boto_session)
        except JobFailure as error:
            raise ServerFailed(str(error)) from None
    return environment


class ModelServer:
    """A model server process: `start()` returns once it answers (or raises ServerFailed)."""

    def __init__(
        self,
        root: Path,
        container: dict,
        log: JobLog,
        owner: str,
        boto_session: Any,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.container = container
        self.log = log
        self.owner = owner
        self.boto_session = boto_session
        self.extra_env = extra_env or {}
        self.port: int | None = None
        self._ready = threading.Event()
        self._ended = threading.Event()
        self._process: runner.JobProcess | None = None
        self.exit_code: int | None = None

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        environment = layout(self.root, self.container, self.boto_session, self.log)
        env = dict(os.environ)
        env.update(environment)
        env.update(self.extra_env)
        env.update(PYTHONUNBUFFERED="1", **openmp_environment())
        env.update(processes.marker_environment(str(self.root), self.owner))
        # code/ first (the server itself), then what the XGBoost image gives the scripts it
        # serves besides PyPI packages (`sagemaker_xgboost_container`, script_image/README.md).
        env["PYTHONPATH"] = toolkit.image_python_path(runner.code_path(env.get("PYTHONPATH")))
        command = [sys.executable, "-u", "-m", "localsm.serving", str(self.root)]
        processes.ensure_watchdog()
        self._process = runner.JobProcess(command, env, self.root, str(self.root))
        threading.Thread(target=self._pump, name=f"server-{self.root.name}", daemon=True).start()
        if not self._ready.wait(timeout) or self.port is None:
            self.stop()
            raise ServerFailed(self.failure_reason(timeout))

    def _pump(self) -> None:
        splitter = LineSplitter(self._on_line)

        def output(chunk: bytes) -> None:
            self.log.write_output(chunk)
            splitter.feed(chunk)

        try:
            self.exit_code = self._process.run(output, None, lambda: None)
        finally:
            splitter.flush()
            self._ended.set()
            self._ready.set()  # wake start(): it sees no port

    def _on_line(self, line: str) -> None:
        self.log.remember(line)
        if line.startswith(READY_LINE) and self.port is None:
            self.port = int(line[len(READY_LINE) :])
            self._ready.set()

    def failure_reason(self, timeout: float) -> str:
        written = runner.read_failure_file(self.root / FAILURE_FILE)
        if written:
            return written
        if not self._ended.is_set():
            return f"ClientError: the model server did not answer within {timeout:.0f} s"
        if self.exit_code is not None and self.exit_code < 0:  # ended by a signal
            name = _signal_name(-self.exit_code)
            return (
                f"AlgorithmError: the model server process was ended by {name} (out of "
                "memory, or stopped by another program)"
            )
        last = next((line for line in reversed(self.log.tail()) if line.strip()), "")
        return f"AlgorithmError: the model server exited with code {self.exit_code}: {last[:300]}"

    @property
    def running(self) -> bool:
        return self.port is not None and not self._ended.is_set()

    def stop(self) -> None:
        """End the server and everything it started."""
        if self._process is not None:
            self._process.stop()
            self._ended.wait(5)

    def wait_ended(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
