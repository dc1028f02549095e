"""Local S3 for local mode: moto's threaded server on 127.0.0.1, one per process.

SDK v3 uploads local data to S3 before a job starts, and its jobs read and write `s3://`
URIs; moto (already the lab's AWS test double) implements S3 faithfully, so local mode
borrows it instead of writing an S3 of its own. Only sessions built by `bridge.py` reach it.
Its objects live in memory: they are gone when the kernel restarts.
"""

from __future__ import annotations

import logging
import threading

_LOCK = threading.Lock()
_ENDPOINT: str | None = None


def s3_endpoint() -> str:
    """The URL of this process's local S3 (started on first use, about a second)."""
    global _ENDPOINT
    with _LOCK:
        if _ENDPOINT is None:
            from moto.server import ThreadedMotoServer

            # werkzeug logs every request at INFO: a wall of lines in a notebook.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _ENDPOINT = f"http://{host}:{port}"
        return _ENDPOINT
