"""A job's `training.log`: what its process prints and what the service says, written as it
comes and never held whole in memory.

The notebook follows the file (`LocalSageMakerSession.logs_for_job`); the job keeps only a
bounded tail of lines for its failure reason. Writing never raises: a full or read-only disk
stops the writing, keeps the error and tells the job once (which then fails with the path).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

TAIL_LINES = 200  # kept for the failure reason (the toolkit quotes the last lines)
MAX_LINE_CHARS = 4096  # a longer line is cut for the tail and for metric parsing only


class JobLog:
    """Append-only writer of one job's log, safe to call from several threads."""

    def __init__(self, path: Path, on_error: Callable[[OSError], None] | None = None) -> None:
        self.path = path
        self.error: OSError | None = None
        self._on_error = on_error
        self._lock = threading.Lock()
        self._file = None
        self._at_line_start = True
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)

    def open(self) -> None:
        """Create the file (raises OSError: the job cannot start without its log)."""
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in close()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None

    def write_output(self, chunk: bytes) -> None:
        """Raw bytes from the process, as they come (lines may be cut anywhere)."""
        with self._lock:
            self._write(chunk)
            self._at_line_start = chunk.endswith(b"\n")

    def line(self, text: str) -> None:
        """One line from the service (a status change, a note); not in the process's tail."""
        data = text.encode("utf-8", errors="replace") + b"\n"
        with self._lock:
            if not self._at_line_start:  # never glue it to a half line of the process
                data = b"\n" + data
            self._write(data)
            self._at_line_start = True

    def note(self, text: str) -> None:
        """A line from the service stamped with the time, as the jobs' status lines are."""
        from localsm.background import now

        self.line(f"{now():%Y-%m-%d %H:%M:%S} {text}")

    def remember(self, line: str) -> None:
        """Keep a process line in the bounded tail."""
        self._tail.append(line[:MAX_LINE_CHARS])

    def tail(self, count: int = TAIL_LINES) -> list[str]:
        """The last `count` lines the process printed."""
        lines = list(self._tail)
        return lines[-count:]

    def _write(self, data: bytes) -> None:
        if self._file is None or self.error is not None:
            return
        try:
            self._file.write(data)
        except OSError as error:
            error.filename = error.filename or str(self.path)
            self.error = error
            if self._on_error is not None:
                threading.Thread(target=self._on_error, args=(error,), daemon=True).start()


class LineSplitter:
    """Raw output -> lines for `on_line`, holding at most MAX_LINE_CHARS of a partial line."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self._on_line = on_line
        self._partial = b""
        self._overflow = False  # the current line was already cut and handed on

    def feed(self, chunk: bytes) -> None:
        lines = chunk.split(b"\n")
        for piece in lines[:-1]:
            self._emit(self._partial + piece)
            self._partial, self._overflow = b"", False
        self._partial += lines[-1]
        if len(self._partial) > MAX_LINE_CHARS:
            if not self._overflow:
                self._emit(self._partial[:MAX_LINE_CHARS])
                self._overflow = True
            self._partial = b""

    def flush(self) -> None:
        """The last line, when the output did not end with a newline."""
        if self._partial and not self._overflow:
            self._emit(self._partial)
        self._partial, self._overflow = b"", False

    def _emit(self, raw: bytes) -> None:
        if self._overflow:  # the rest of a cut line: already handed on
            return
        self._on_line(raw.decode("utf-8", errors="replace").rstrip("\r"))
