"""A forked child of the warm runner becomes the process `python [-u] -m MODULE ARGS` or
`python [-u] SCRIPT ARGS` would have been: its own session, the client's stdin, stdout and
stderr, the job's working folder, environment, `sys.argv` and `sys.path`, a fresh random
state, the job's OpenMP/BLAS thread count. Then the module or script runs as `__main__`, and
the interpreter ends the process as it ends any script (exit code, traceback, atexit).

What a fork cannot change is applied another way or is the server's: the thread count of the
already loaded OpenMP and BLAS libraries is set with threadpoolctl; other variables such
libraries read once at load (`OMP_WAIT_POLICY`, `MALLOC_*`) keep the server's values, which
are the kernel's, as the jobs' environments are. Where the job's own folders hold a module
the server has imported already (a `numpy.py` of the user's), the child runs the real
interpreter in its place (`os.execv`), which would have imported the user's module.
"""

from __future__ import annotations

import importlib
import os
import runpy
import sys
from pathlib import Path
from typing import Any

from localsm.training.processes import JOB_VARIABLE
from localsm.warm import marker, wire

# The server's own path, less its folder and its PYTHONPATH: the stdlib and site-packages,
# to which each child puts its own folder and PYTHONPATH in front, as a new interpreter would.
SERVER_PATH = tuple(
    p for p in sys.path[1:] if p not in os.environ.get("PYTHONPATH", "").split(os.pathsep)
)


def run(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become the job's process and run it."""
    os.setsid()  # its own session and process group, as `start_new_session=True`
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    marker.show(request["env"].get(JOB_VARIABLE, ""))
    command = request["command"]
    sys.executable = request.get("executable") or sys.executable
    kind, target, args = wire.parse_command(command) or ("", "", [])
    first = os.getcwd() if kind == "module" else str(Path(target).resolve().parent)
    extra = [first, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    if not kind or _shadows_loaded_module(extra):
        os.execv(request["interpreter"], [request["interpreter"], *command[1:]])
    sys.path[:] = [*extra, *SERVER_PATH]
    importlib.invalidate_caches()
    _fresh_state()
    sys.argv = [target, *args]  # for a module, runpy puts its file in argv[0]
    if kind == "module":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(target, run_name="__main__")


def _fresh_state() -> None:
    """What a new interpreter would not share with its siblings: NumPy's global random state
    (`random` reseeds itself after a fork) and the thread count of OpenMP and BLAS."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=int(threads))


def _shadows_loaded_module(folders: list[str]) -> bool:
    """Whether a folder the job imports from first holds a top-level module or package that
    the server imported from elsewhere."""
    loaded = {name for name in sys.modules if "." not in name}
    for folder in folders:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".py"):
                name = entry[:-3]
            elif os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                name = entry  # a package (a folder without one does not shadow a module)
            else:
                continue
            module = sys.modules.get(name) if name in loaded else None
            origin = getattr(module, "__file__", None) or ""
            if module is not None and not origin.startswith(os.path.join(folder, "")):
                return True
    return False
