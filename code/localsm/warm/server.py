"""The warm runner's server: `python -u -m localsm.warm.server <socket path> [MODULE ...]`.

It imports what the local jobs import (NumPy, pandas, XGBoost, the model server, ...) once,
then forks one child per request on its Unix socket. The child becomes the job's process
(`child.py`); the server reports its pid and, once it has ended, its wait status. The server
only forks: it never trains, never runs an OpenMP region (a GNU OpenMP thread pool does not
survive a fork), and holds no thread.

Its standard input is the kernel's lifeline: at end of file (the kernel closed it or died),
or on SIGTERM (the kernel's watchdog), it kills the children still running, removes its
folder and exits.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import selectors
import shutil
import signal
import socket
import sys

from localsm.training.processes import kill_process_group
from localsm.warm import wire

# What the local jobs, model servers and processing jobs import at start-up. A module that
# is not installed is skipped: the child imports what it needs itself.
PRELOAD = (
    "numpy",
    "pandas",
    "xgboost",
    "threadpoolctl",
    "werkzeug.serving",
    "localsm.builtin.train",
    "localsm.serving.app",
    "localsm.serving.handlers",
    "localsm.clarify.analyzer",
    "localsm.warm.child",
)
READY_LINE = "warm runner ready"
LIFELINE = 0  # standard input


def preload(extra: tuple[str, ...] = ()) -> None:
    """Import the jobs' modules, and `extra` (a runner for other processes, such as
    `aux/warm_kernels.py`'s notebook kernels, names what those import)."""
    with contextlib.redirect_stdout(sys.stderr):  # the client reads READY_LINE on stdout
        for name in (*PRELOAD, *extra):
            try:
                importlib.import_module(name)
            except ImportError:
                pass
    # What is loaded now lives as long as any child: the collector need not scan it again in
    # every child, nor at every child's exit (which takes a third of a second otherwise).
    gc.freeze()


class Server:
    """The accept/fork/reap loop. `serve()` returns in a forked child only, with the request
    the child is to run; in the server it returns None when the lifeline ends."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, socket.socket] = {}  # pid -> its client's connection
        self.terminated = False
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)

    def serve(self) -> tuple[dict, list[int]] | None:
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select through the wakeup fd
        signal.signal(signal.SIGTERM, self._terminate)  # the watchdog's: end as at lifeline end
        signal.set_wakeup_fd(self.wake_write)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(LIFELINE, selectors.EVENT_READ, "lifeline")
        self.selector.register(self.wake_read, selectors.EVENT_READ, "reap")
        while True:
            for key, _ in self.selector.select():
                if key.data == "accept":
                    forked = self._accept()
                    if forked is not None:
                        return forked
                elif key.data == "lifeline":
                    if not os.read(LIFELINE, 4096):
                        self._end_all()
                        return None
                elif key.data == "reap":
                    self._drain_wakeups()
                    self._reap()
                    if self.terminated:
                        self._end_all()
                        return None
                else:
                    self._client_left(key.fileobj, key.data)

    def _accept(self) -> tuple[dict, list[int]] | None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return None
        conn.settimeout(5.0)  # a client sends its request at once; a stuck one is dropped
        try:
            request, fds = wire.receive_request(conn)
        except (ValueError, OSError):
            conn.close()
            return None
        conn.settimeout(None)
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: the client starts a new interpreter
            for fd in fds:
                os.close(fd)
            conn.close()
            return None
        if pid == 0:
            self._become_child(conn)
            return request, fds
        for fd in fds:
            os.close(fd)
        if wire.send_answer(conn, pid=pid):
            self.children[pid] = conn
            self.selector.register(conn, selectors.EVENT_READ, pid)
        else:  # the client has gone already: so does its child
            kill_process_group(pid)  # a child leads its own group
            self.children[pid] = conn
        return None

    def _terminate(self, *_: object) -> None:
        self.terminated = True  # the wakeup fd wakes the loop, which ends

    def _become_child(self, conn: socket.socket) -> None:
        """Drop everything of the server's in the forked child."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self.selector.close()
        for sock in (self.listener, conn, *self.children.values()):
            sock.close()
        os.close(self.wake_read)
        os.close(self.wake_write)

    def _client_left(self, conn: socket.socket, pid: int) -> None:
        """A client's connection is readable: it never sends after its request, so it has
        closed it (a killed shim or kernel): end its child."""
        try:
            data = conn.recv(1)
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(conn)
            kill_process_group(pid)  # a child leads its own group

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_read, 4096):
                pass
        except BlockingIOError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                wire.send_answer(conn, status=status)
                try:
                    self.selector.unregister(conn)
                except (KeyError, ValueError):
                    pass
                conn.close()

    def _end_all(self) -> None:
        for pid in list(self.children):
            kill_process_group(pid)  # a child leads its own group
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def main(socket_path: str, *extra: str) -> None:
    preload(extra)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    print(READY_LINE, flush=True)
    forked = Server(listener).serve()
    if forked is None:  # the kernel has gone: so does the runner's folder (socket, shim, log)
        shutil.rmtree(os.path.dirname(socket_path), ignore_errors=True)
        return
    from localsm.warm import child

    child.run(*forked)  # in the forked child: its exceptions end it as they would `python`


if __name__ == "__main__":
    main(*sys.argv[1:])
