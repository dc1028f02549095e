"""The `python3` of a local SDK v3 job: `launcher.py SOCKET INTERPRETER SHIM ARGS...`.

SDK v3's driver scripts find Python on PATH and run `python3 <script>` twice, then the
entry script through `sys.executable`. The job's PATH starts with the warm runner's shim
folder, whose `python3` runs this file with `python -I -S` (a few milliseconds). For
`python3 [-u] SCRIPT ARGS` or `-m MODULE` it asks the warm runner to fork a child with this
process's stdin, stdout, stderr, environment and folder, and then stands in for it:
signals are passed on to the child's process group, and it exits as the child did (by the
same signal, if one ended it). If this process is killed, the runner ends the child. Any
other form (`--version`, `-c`), or no runner, and it becomes the real interpreter (`execv`).
"""

import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from localsm.warm import wire  # noqa: E402 - the code folder first (we run with -I)

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
             signal.SIGUSR2)  # fmt: skip


def become_interpreter(interpreter: str, args: list[str]) -> None:
    os.execv(interpreter, [interpreter, *args])


def start(socket_path: str, interpreter: str, shim: str, args: list[str]) -> tuple:
    """(connection, pid) of the warm child, or None when the runner cannot be reached."""
    payload = {"command": [shim, *args], "env": dict(os.environ), "cwd": os.getcwd(),
               "executable": shim, "interpreter": interpreter}  # fmt: skip
    try:
        return wire.request_child(socket_path, payload, [0, 1, 2])
    except (OSError, ValueError):
        return None


def stand_in(sock: socket.socket, pid: int) -> None:
    """Pass signals on until the child's wait status arrives; then end the same way."""

    def forward(signum: int, _frame: object) -> None:
        try:
            os.killpg(pid, signum)
        except OSError:
            pass

    for signum in FORWARDED:
        signal.signal(signum, forward)
    code = wire.read_exit_code(sock)
    if code is None:  # the runner died: its child must not live on
        forward(signal.SIGKILL, None)
        sys.exit(137)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def main(argv: list[str]) -> None:
    socket_path, interpreter, shim, *args = argv
    started = (
        start(socket_path, interpreter, shim, args) if wire.parse_command(["", *args]) else None
    )
    if started is None:
        become_interpreter(interpreter, args)
    stand_in(*started)


if __name__ == "__main__":
    main(sys.argv[1:])
