"""The base of every long-running local resource (training jobs, tuning jobs): a thread that
does the work, an event set when it has ended, and a stop request the work checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime


def now() -> datetime:
    """The service's clock (timezone-aware UTC, as boto3 returns times)."""
    return datetime.now(UTC)


class JobStopped(Exception):
    """Raised in a job's work once a stop was requested: the work unwinds, the job ends Stopped."""


class BackgroundJob:
    """Runs `run()` in a daemon thread; `wait()` blocks until `finished()` has been called."""

    kind = "job"

    def __init__(self, name: str) -> None:
        self.name = name
        self.created = now()
        self._stop_requested = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self.run, name=f"{self.kind}-{name}", daemon=True)

    def start(self) -> None:
        """Start the work in the background; returns at once."""
        self._thread.start()

    def run(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (or `timeout` seconds); True when it has."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    def check_stopped(self) -> None:
        """Raise JobStopped when a stop was requested (called between steps of the work)."""
        if self.stop_requested:
            raise JobStopped()

    def request_stop(self) -> bool:
        """Ask the work to stop; False when it has ended or was asked already."""
        if self.done or self._stop_requested.is_set():
            return False
        self._stop_requested.set()
        return True

    def finished(self) -> None:
        """Called by the work as its last step: wakes every `wait()`."""
        self._done.set()
