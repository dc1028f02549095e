"""The kernel's side of the warm runner: the server process, and a child handle that quacks
like the `subprocess.Popen` the job runner used to hold (pid, stdout, poll, wait).

One server per Python process that runs jobs, started in the background as the local service
starts (`start_soon`), else by the first job that gains from it (`worth_starting`), and ended
with the process: its standard input is the lifeline, its
private folder (a socket, the `python3` shim, its log) is removed at exit. It carries the
owner marker of `training/processes.py`, so the watchdog ends it and every child it forked
when the kernel dies.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from localsm.cpus import openmp_environment
from localsm.training import processes
from localsm.warm import marker, server, wire

READY_SECONDS = 60.0  # the server's imports; a job waits at most this long, then runs cold
PREFIX = "localsm-warm-"
ABANDONED_SECONDS = 3600.0
CODE_FOLDER = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().with_name("launcher.py")
SHIM = """#!/bin/sh
exec '{python}' -I -S '{launcher}' '{socket}' '{python}' "$0" "$@"
"""


def enabled() -> bool:
    """Linux only (macOS's system libraries are not safe to use after a fork), and not when
    `LOCALSM_WARM=0` asks for a fresh interpreter per job."""
    return sys.platform.startswith("linux") and os.environ.get("LOCALSM_WARM", "1") != "0"


class WarmRunner:
    """The server process and how to reach it. `preload`: modules its children import besides
    the jobs' (see server.PRELOAD); `env`: variables for it and so for what it imports."""

    def __init__(self, preload: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        sweep_abandoned(Path(tempfile.gettempdir()))
        self.folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # 0700: ours only
        self.socket_path = str(self.folder / "server.sock")
        self.log_path = self.folder / "server.log"
        self.failure: str | None = None
        self._ready = threading.Event()
        self._checked = threading.Lock()
        env = {**os.environ, **(env or {})}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE_FOLDER),
                                                          env.get("PYTHONPATH")]))  # fmt: skip
        # read once when XGBoost's libgomp loads in the server: its children inherit it
        env.update(openmp_environment())
        env.update(processes.marker_environment("", processes.owner_token()))
        env.pop(processes.JOB_VARIABLE)  # the server belongs to no job, only to its owner
        env[marker.SLOT] = marker.slot_value()  # where each child writes its job's marker
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-u", "-m", "localsm.warm.server", self.socket_path, *preload],
                cwd=self.folder,
                env=env,
                stdin=subprocess.PIPE,  # the lifeline
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # a Ctrl-C in the kernel's terminal is not for it
            )
        self.shim_folder = self._write_shims()

    def _write_shims(self) -> Path:
        """`python3` and `python` that run a script in a warm child (SDK v3's drivers find
        Python on PATH); anything else they hand to the real interpreter."""
        folder = self.folder / "bin"
        folder.mkdir()
        text = SHIM.format(python=sys.executable, launcher=LAUNCHER, socket=self.socket_path)
        for name in ("python3", "python"):
            (folder / name).write_text(text)
            (folder / name).chmod(0o755)
        return folder

    def ready(self, timeout: float = READY_SECONDS) -> bool:
        """Wait (once) for the server's ready line; False when it failed to start."""
        with self._checked:
            if self._ready.is_set() or self.failure:
                return self.failure is None
            out = self._process.stdout
            line = b""
            if select.select([out], [], [], timeout)[0]:
                line = out.readline()
            if line.decode(errors="replace").strip() == server.READY_LINE:
                out.close()
                self._ready.set()
                return True
            self.failure = self._describe_failure(timeout)
            self.close()
            return False

    def _describe_failure(self, timeout: float) -> str:
        code = self._process.poll()
        try:
            tail = self.log_path.read_text(errors="replace").strip().splitlines()[-1:]
        except OSError:  # closed meanwhile (the process is exiting): its folder is gone
            tail = []
        why = f"exited with code {code}" if code is not None else f"not ready in {timeout:.0f} s"
        return f"warm runner {why}" + (f": {tail[0]}" if tail else "")

    def spawn(self, command: list[str], env: dict[str, str], cwd: Path, fds: list[int],
              executable: str | None = None) -> WarmChild:  # fmt: skip
        """Fork a child that runs `command` (see wire.parse_command) with these stdin/stdout/stderr
        descriptors. Raises OSError when the server cannot be reached."""
        payload = {"command": command, "env": env, "cwd": str(cwd),
                   "executable": executable, "interpreter": sys.executable}  # fmt: skip
        try:
            sock, pid = wire.request_child(self.socket_path, payload, fds, timeout=10.0)
        except (OSError, ValueError) as error:
            raise OSError(f"warm runner: {error}") from None
        return WarmChild(command, pid, sock)

    def close(self) -> None:
        """End the server (and any child it still has) and remove its folder. One still
        importing has no child yet: it is ended at once, not waited for."""
        try:
            if self._process.stdin:
                self._process.stdin.close()
            if not self._ready.is_set():
                self._process.terminate()
            self._process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def sweep_abandoned(parent: Path) -> int:
    """Remove the folders of runners that are gone without removing theirs (their kernel and
    they were killed at once): ours, with a socket nobody listens on, or none after an hour.
    Returns how many."""
    removed = 0
    for folder in parent.glob(f"{PREFIX}*"):
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            listening = folder / "server.sock"
            if not listening.exists():
                if time.time() - folder.stat().st_mtime < ABANDONED_SECONDS:
                    continue  # a runner still importing binds its socket when ready
            else:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                    if probe.connect_ex(str(listening)) == 0:
                        continue  # a live runner: another kernel's
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


class WarmChild:
    """A forked child as the job runner sees a `subprocess.Popen`: it leads its own process
    group (so `os.killpg(pid, ...)` ends it) and its exit code arrives on the connection."""

    def __init__(self, args: list[str], pid: int, sock: socket.socket) -> None:
        self.args = args
        self.pid = pid
        self.returncode: int | None = None
        self.stdout = None  # set by `popen` below
        self._sock = sock
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None

    def wait(self, timeout: float | None = None) -> int:
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        try:
            if self.returncode is None:
                if not select.select([self._sock], [], [], timeout)[0]:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                self._read_status()
            return self.returncode
        finally:
            self._lock.release()

    def _read_status(self) -> None:
        code = wire.read_exit_code(self._sock)
        if code is None:  # the server died: so does the child
            processes.kill_process_group(self.pid)
            code = -9
        self.returncode = code
        self._sock.close()


_RUNNER: dict[int, WarmRunner] = {}  # pid -> this process's runner (a forked copy has none)
_RUNNER_LOCK = threading.Lock()


def runner(start: bool = True) -> WarmRunner | None:
    """This process's warm runner, ready (started and waited for when `start`; else only if
    it is up already); None when disabled, failed or not started."""
    current, _ = _this_process_runner(create=start)
    if current is None or current.failure:
        return None
    if not start and not current._ready.is_set():
        return None
    return current if current.ready() else None


def start_soon() -> None:
    """Start this process's runner without waiting for it: its imports run beside the
    caller's work (the local service calls this as it starts, so the runner is usually
    ready by its first job). Does nothing when disabled or already started."""
    current, created = _this_process_runner(create=True)
    if created:
        threading.Thread(target=current.ready, name="warm-runner-ready", daemon=True).start()


def _this_process_runner(create: bool) -> tuple[WarmRunner | None, bool]:
    """(this process's runner or None, whether this call started it)."""
    if not enabled():
        return None, False
    with _RUNNER_LOCK:
        current = _RUNNER.get(os.getpid())
        if current is not None or not create:
            return current, False
        try:
            processes.ensure_watchdog()
            current = _RUNNER[os.getpid()] = WarmRunner()
        except OSError:
            return None, False
        return current, True


def worth_starting(command: list[str]) -> bool:
    """Whether a process is worth starting the runner for (its imports take longer than
    the server's): all but the built-in trainer, which imports only NumPy and XGBoost (0.3 s)
    and is forked only from a runner that is up already."""
    return (wire.parse_command(command) or ())[:2] != ("module", "localsm.builtin")


def popen(command: list[str], env: dict[str, str], cwd: Path) -> WarmChild | None:
    """Start `command` in a warm child, its stdout and stderr on a pipe (`.stdout`) and
    stdin on /dev/null, as the job runner's Popen did; None when it cannot (then the caller
    starts it the usual way): not this interpreter, a form the child does not take, no
    runner."""
    if command[0] != sys.executable or wire.parse_command(command) is None:
        return None
    warm = runner(start=worth_starting(command))
    if warm is None:
        return None
    read_end, write_end = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        child = warm.spawn(command, env, cwd, [devnull, write_end, write_end])
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(devnull)
        os.close(write_end)
    child.stdout = open(read_end, "rb", buffering=0)  # noqa: SIM115 - the runner closes it
    return child


def close_runner() -> None:
    """End this process's runner. Called at exit by `training/job.py`'s handler once it has
    stopped the jobs (the runner kills the children it still has): one handler makes the
    order, whichever module was imported first."""
    current = _RUNNER.pop(os.getpid(), None)
    if current is not None:
        current.close()
