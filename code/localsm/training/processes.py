"""Every process of a local training job, found and ended, whatever it did to hide.

A container ends with all its processes; a local job must too. Each process a job starts gets
two variables that every descendant inherits, even one that left the job's process group with
`setsid`: `LOCALSM_JOB` (the job's folder) and `LOCALSM_OWNER` (the Python process that runs
the job: the notebook kernel). `end_job_processes` ends a job's processes; a watchdog process,
one per kernel, ends them all when the kernel dies without cleaning up (SIGKILL, a crash,
`shutdown_kernel(now=True)`), which `atexit` cannot cover.

psutil (a dependency of the SageMaker SDK) reads other processes' environments portably
(Linux `/proc`, macOS, Windows). Run as a script, this file is the watchdog: it imports only
the standard library and psutil, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import psutil

JOB_VARIABLE = "LOCALSM_JOB"
OWNER_VARIABLE = "LOCALSM_OWNER"
STOP_GRACE_SECONDS = 2.0  # SIGTERM, then SIGKILL (SageMaker waits 120 s; a local job 2 s)
_WATCHDOG: dict[int, tuple[subprocess.Popen, int]] = {}  # owner pid -> (watchdog, pipe fd)
_WATCHDOG_LOCK = threading.Lock()


def owner_token(pid: int | None = None) -> str:
    """`<pid>@<start time>` of a process: a pid alone may be reused after it exits."""
    process = psutil.Process(pid)
    return f"{process.pid}@{process.create_time():.3f}"


def owner_alive(token: str) -> bool:
    """Whether the process a token names is still running (a zombie is not)."""
    pid, _, started = token.partition("@")
    try:
        process = psutil.Process(int(pid))
        same = abs(process.create_time() - float(started)) < 0.01
        return same and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, ValueError):
        return False


def marker_environment(job_folder: str, owner: str) -> dict[str, str]:
    """The variables that mark a job's processes (see the module docstring)."""
    return {JOB_VARIABLE: job_folder, OWNER_VARIABLE: owner}


def marked_processes(variable: str, value: str) -> list[psutil.Process]:
    """Processes (other than this one) whose environment has `variable=value`."""
    found = []
    me = os.getpid()
    for process in psutil.process_iter():
        if process.pid == me:
            continue
        try:
            if process.environ().get(variable) == value:
                found.append(process)
        except (psutil.Error, OSError):  # gone, a zombie, or another user's
            continue
    return found


def end_processes(processes: list[psutil.Process], grace: float) -> None:
    """SIGTERM each process, SIGKILL those still there after `grace` seconds."""
    if grace > 0:
        for process in processes:
            try:
                process.terminate()
            except psutil.Error:
                pass
        _, processes = psutil.wait_procs(processes, timeout=grace)
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=5)


def end_job_processes(job_folder: str, grace: float = 0.0) -> int:
    """End every process that carries the job's marker; returns how many there were."""
    processes = marked_processes(JOB_VARIABLE, job_folder)
    if processes:
        end_processes(processes, grace)
    return len(processes)


def kill_process_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group led by `pid` (a job's process runs in its own session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def ensure_watchdog() -> None:
    """Start this process's watchdog once: it ends the jobs' processes when we die.

    It waits for end-of-file on a pipe whose only writer is this process (the descriptor is
    not inherited by the jobs), so it wakes however this process ends.
    """
    with _WATCHDOG_LOCK:
        running = _WATCHDOG.get(os.getpid())
        if running is not None and running[0].poll() is None:
            return
        read_end, write_end = os.pipe()  # both not inheritable (PEP 446)
        try:
            watchdog = subprocess.Popen(
                [sys.executable, "-I", os.path.abspath(__file__), owner_token()],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a signal to the kernel's group must not reach it
            )
        finally:
            os.close(read_end)
        _WATCHDOG[os.getpid()] = (watchdog, write_end)


def _watch(owner: str) -> None:
    """The watchdog: block until the owner's end of the pipe closes, then end its jobs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C meant for the kernel's terminal
    while sys.stdin.buffer.read(4096):
        pass
    end_processes(marked_processes(OWNER_VARIABLE, owner), STOP_GRACE_SECONDS)


if __name__ == "__main__":
    _watch(sys.argv[1])
