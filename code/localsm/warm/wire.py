"""The warm runner's wire format, shared by the kernel, the server and the `python3` shim.

One connection per process: the client sends one request (its length, then JSON, with the
child's stdin, stdout and stderr descriptors attached through SCM_RIGHTS), the server answers
`{"pid": N}` once the child is forked and `{"status": S}` (a raw wait status) once it has
ended. A client that closes its end early has its child killed. Standard library only: the
shim imports this module with `python -I -S`.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

MAX_REQUEST = 1 << 22  # a request holds the job's environment: a few KiB, never MiBs
LENGTH_BYTES = 8


def send_request(sock: socket.socket, payload: dict[str, Any], fds: list[int]) -> None:
    """The descriptors ride on a one-byte message, then the length and the JSON."""
    data = json.dumps(payload).encode("utf-8")
    socket.send_fds(sock, [b"R"], fds)
    sock.sendall(len(data).to_bytes(LENGTH_BYTES, "big") + data)


def request_child(
    socket_path: str, payload: dict[str, Any], fds: list[int], timeout: float | None = None
) -> tuple[socket.socket, int]:
    """Connect, send the request, read the child's pid: (connection, pid). The connection
    then carries the wait status. Raises OSError or ValueError when that fails."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        send_request(sock, payload, fds)
        answer = read_answer(sock)
        if not answer or "pid" not in answer:
            raise OSError("the warm runner did not start the process")
        sock.settimeout(None)
    except (OSError, ValueError):
        sock.close()
        raise
    return sock, answer["pid"]


def receive_request(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """What `send_request` sent: (payload, descriptors). Raises ValueError on garbage."""
    marker, fds, _, _ = socket.recv_fds(sock, 1, 3)
    try:
        if marker != b"R" or len(fds) != 3:
            raise ValueError("not a warm-runner request")
        size = int.from_bytes(_read_exactly(sock, LENGTH_BYTES), "big")
        if size > MAX_REQUEST:
            raise ValueError(f"a request of {size} bytes")
        return json.loads(_read_exactly(sock, size)), list(fds)
    except (ValueError, OSError):
        for fd in fds:
            os.close(fd)
        raise


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ValueError("the request ended early")
        data += chunk
    return bytes(data)


def send_answer(sock: socket.socket, **answer: int) -> bool:
    """One answer line; False when the client has gone."""
    try:
        sock.sendall(json.dumps(answer).encode("ascii") + b"\n")
        return True
    except OSError:
        return False


def read_answer(sock: socket.socket) -> dict[str, int] | None:
    """One answer line, read byte by byte so that nothing after it is consumed (the caller
    may `select` on the socket for the next one); None at end of stream."""
    data = bytearray()
    while len(data) < 256:
        byte = sock.recv(1)
        if not byte:
            return None
        if byte == b"\n":
            return json.loads(data)
        data += byte
    raise ValueError("answer line too long")


def read_exit_code(sock: socket.socket) -> int | None:
    """The child's exit code as `subprocess` gives it (negative: the signal that ended it),
    or None when the server went away without saying."""
    try:
        answer = read_answer(sock)
    except (OSError, ValueError):
        return None
    if answer is None or "status" not in answer:
        return None
    return os.waitstatus_to_exitcode(answer["status"])


def parse_command(command: list[str]) -> tuple[str, str, list[str]] | None:
    """('module' | 'script', target, args) for `python [-u] (-m MODULE | SCRIPT) ARGS`, the
    only forms the runner takes; None for anything else (started the usual way)."""
    rest = list(command[1:])
    while rest and rest[0] == "-u":
        rest.pop(0)
    if len(rest) >= 2 and rest[0] == "-m" and rest[1] and not rest[1].startswith("-"):
        return "module", rest[1], rest[2:]
    if rest and rest[0] and not rest[0].startswith("-"):
        return "script", rest[0], rest[1:]
    return None
