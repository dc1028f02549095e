"""A warm child's job marker where other processes look for it: `/proc/<pid>/environ`.

The local service finds a job's processes by the `LOCALSM_JOB` variable each one carries
(`training/processes.py`; psutil reads it from `/proc/<pid>/environ`). That file shows the
memory that held the environment the process was *started* with, which for a forked child is
the server's: setting `os.environ` does not change it. So the server starts with one spare
variable, `SLOT`, and each child writes `LOCALSM_JOB=<its folder>` over it, in place, in its
own copy of that memory (padded with a filler variable to the same length), before it runs
the job. A process the job forks without `exec` inherits the marker too.

Written by hand: setproctitle does this for the command line, nothing does it for the
environment. Linux only, as the warm runner is; where it cannot (the slot is too short, the
kernel gives no `env_start`), the child's processes are still ended with its process group
and with the kernel, and it says so on standard error.
"""

from __future__ import annotations

import ctypes
import sys

from localsm.training.processes import JOB_VARIABLE

SLOT = "LOCALSM_JOB_SLOT"
SLOT_BYTES = 4096
FILLER = b"LOCALSM_FILLER="


def slot_value() -> str:
    """The spare variable's value in the server's environment."""
    return "x" * SLOT_BYTES


def show(job_folder: str) -> bool:
    """Write the marker over the slot of this process's start-up environment."""
    if not job_folder:
        return True
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        env_start = int(fields[47])  # field 50 of proc(5): env_start
        with open("/proc/self/environ", "rb") as environ:
            block = environ.read()
    except (OSError, ValueError, IndexError):
        return _cannot("no /proc environment block")
    key = f"{SLOT}=".encode()
    at = 0 if block.startswith(key) else block.find(b"\0" + key) + 1
    if at == 0 and not block.startswith(key):
        return _cannot("no slot in the environment block")
    length = len(key) + SLOT_BYTES
    entry = f"{JOB_VARIABLE}={job_folder}".encode() + b"\0" + FILLER
    if len(entry) > length:
        return _cannot(f"a job folder over {SLOT_BYTES - 40} bytes")
    ctypes.memmove(env_start + at, entry.ljust(length, b"x"), length)
    return True


def _cannot(why: str) -> bool:
    print(f"localsm.warm: this process shows no job marker ({why})", file=sys.stderr)
    return False
