"""FailureReason texts: short (a notebook shows them whole), one cause, the path or the line,
and what to do. Never a traceback: that stays in the job's log."""

from __future__ import annotations

import errno
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_REASON = 390  # characters; SageMaker allows 1024, a reader wants one glance
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
_TRACEBACK = "Traceback (most recent call last):"


def shorten(text: str, limit: int = MAX_REASON) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def error_summary(lines: list[str]) -> str:
    """What a failed process printed last, in one line when it was a Python traceback:
    `ValueError: bad value (train.py, line 12)`; else its last three lines."""
    lines = [line.rstrip() for line in lines if line.strip()]
    starts = [i for i, line in enumerate(lines) if line.startswith(_TRACEBACK)]
    if not starts:
        return "\n".join(lines[-3:])
    frame = None
    for line in lines[starts[-1] + 1 :]:
        match = _FRAME.match(line)
        if match:
            frame = match
        elif not line.startswith((" ", "\t")):  # the exception line ends the traceback
            where = f" ({Path(frame['file']).name}, line {frame['line']})" if frame else ""
            return f"{line.strip()}{where}"
    return "\n".join(lines[-3:])


def storage_reason(error: OSError, doing: str) -> str:
    """`ClientError: <doing>: <what the system said> (<path>)` and the way out."""
    path = error.filename or "?"
    what = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = (
            "Free space there, or write the job's files elsewhere: another output_path, or "
            "another folder for the local jobs (localsm.activate(jobs_dir=...))"
        )
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "Make that folder writable, or choose another output location"
    else:
        fix = "Check that the folder exists and is writable"
    return shorten(f"ClientError: {doing}: {what} ({path}). {fix}.")


def internal_reason(error: BaseException, log_path: Path) -> str:
    """A bug of the local service, in one line, with where it happened."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = " ".join(str(error).split())[:150]
    return shorten(
        f"InternalServerError: local training service error: {type(error).__name__}: "
        f"{message}{where}; the traceback is in {log_path}"
    )


def outcome(work: Callable[[], None], stopped: type[Exception], log: Any) -> tuple[str, str | None]:
    """Run a job's work and say how it ended: ("Completed", None), ("Stopped", None) when it
    raised `stopped`, or ("Failed", its FailureReason): a JobFailure's message, a storage
    error's path, or a bug of ours in one line (its traceback goes to the job's `log`)."""
    from localsm.training.channels import JobFailure

    try:
        work()
    except stopped:
        return "Stopped", None
    except JobFailure as failure:
        return "Failed", str(failure)
    except OSError as error:
        return "Failed", storage_reason(error, "could not read or write the job's files")
    except Exception as error:  # noqa: BLE001 - a bug of ours must still end the job
        log.line(traceback.format_exc())
        return "Failed", internal_reason(error, log.path)
    return "Completed", None
