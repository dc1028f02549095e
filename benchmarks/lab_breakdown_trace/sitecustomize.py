"""Process timestamps for benchmarks/lab_breakdown.py; inert unless LAB_BENCH_TRACE is set.

The benchmark puts this folder first on PYTHONPATH, so every Python process of a lab run (the
notebook kernel, each job's process, model servers, Clarify, the script-help subprocess) loads
this module while Python starts, before its entry point runs. Each appends lines (Python
literals, one per line: no `json` import here) to the file LAB_BENCH_TRACE names:

  start  when the process was forked (from /proc, 10 ms ticks) and when this module ran
  main   the entry point's first import statement: the entry point is running
  exit   CPU seconds, seconds spent in top-level import statements, top-level modules loaded

In the notebook kernel only, where the local service runs (in threads):

  import each top-level import statement of 20 ms or more on the main thread (cells run there)
  sleep  each time.sleep of 10 ms or more, with its caller (the SDK's polling)
  call   start and end of the service and SDK functions named in WRAPPED

Nothing else changes, except that an SDK v3 script-mode job's driver processes keep
PYTHONPATH and LAB_BENCH_TRACE (localsm.training.drivers passes them no kernel variable).
"""

import os
import sys

TRACE = os.environ.get("LAB_BENCH_TRACE")
# module: attributes whose calls the kernel records (a dotted name is a class attribute)
WRAPPED = {
    "localsm.background": ("BackgroundJob.finished",),
    "localsm.rules": ("evaluate",),
    "localsm.training.artifacts": ("save_artifacts",),
    "localsm.training.runner": ("prepare_layout", "JobProcess.__init__", "JobProcess.run"),
    "localsm.training.channels": ("stage_channels",),
    "localsm.training.processes": ("end_job_processes",),
    "localsm.serving.container": ("ModelServer.start", "ModelServer.stop"),
    "localsm.session": tuple(
        f"LocalSageMakerSession.{name}"
        for name in (
            "logs_for_job",
            "wait_for_job",
            "wait_for_tuning_job",
            "wait_for_endpoint",
            "wait_for_transform_job",
            "wait_for_processing_job",
        )  # fmt: skip
    ),
    "localsm.session_v3": (
        "LongPolling.describe_training_job",
        "LongPolling.describe_hyper_parameter_tuning_job",
        "LongPolling.describe_processing_job",
    ),
    "sagemaker.core.resources": tuple(
        f"{name}.wait"
        for name in (
            "TrainingJob",
            "HyperParameterTuningJob",
            "ProcessingJob",
            "TransformJob",
        )  # fmt: skip
    ),
    "xgboost_report": ("report_from_artifact", "report_from_training_job"),
}
# what names a job on the objects whose methods are wrapped (a model server: its folder)
NAME_ATTRIBUTES = ("training_job_name", "hyper_parameter_tuning_job_name", "processing_job_name",
                   "transform_job_name", "job_folder", "root")  # fmt: skip


def _install() -> None:
    import _thread
    import atexit
    import builtins
    import time

    fd = os.open(TRACE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    state = {"depth": 0, "imports": 0.0, "main": False, "pid": os.getpid()}

    def emit(kind: str, **fields) -> None:
        os.write(fd, (repr({"kind": kind, "pid": state["pid"], **fields}) + "\n").encode())

    site_time = time.time()
    emit("start", t=site_time, fork=_fork_time(time), ppid=os.getppid(), argv=sys.orig_argv,
         job=os.environ.get("LOCALSM_JOB"), thread=_thread.get_ident())  # fmt: skip
    main_thread, real_import = _thread.get_ident(), builtins.__import__
    kernel = any("ipykernel_launcher" in a for a in sys.orig_argv)

    def timed_import(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        if _thread.get_ident() != main_thread:
            return real_import(name, globals, locals, fromlist, level)
        if not state["main"] and globals is not None and globals.get("__name__") == "__main__":
            state["main"] = True
            emit("main", t=time.time())
        state["depth"] += 1
        start = time.time() if state["depth"] == 1 else 0.0
        try:
            return real_import(name, globals, locals, fromlist, level)
        finally:
            state["depth"] -= 1
            if not state["depth"]:
                end = time.time()
                state["imports"] += end - start
                if kernel and end - start >= 0.02:  # which cell paid for which import
                    emit("import", name=name, t=start, end=end)

    def at_exit() -> None:
        times = os.times()
        modules = sorted({m.partition(".")[0] for m in list(sys.modules) if m[:1] != "_"})
        emit("exit", t=time.time(), cpu=times.user + times.system, imports=state["imports"],
             children=times.children_user + times.children_system, modules=modules)  # fmt: skip

    builtins.__import__ = timed_import
    atexit.register(at_exit)
    if kernel:
        _kernel_hooks(emit, time, _thread)
    if "localsm.warm.server" in sys.orig_argv:
        _warm_server_hooks(emit, time, state)


def _warm_server_hooks(emit, time, state) -> None:
    """A warm runner's child is a job's process that Python never started: it gets its own
    `start` (what it runs, for which job) once it has the job's request, and counts its own
    imports from there; `main` and `exit` then come as in any process."""

    def after_fork() -> None:
        state.update(pid=os.getpid(), imports=0.0, main=False, depth=0)

    os.register_at_fork(after_in_child=after_fork)
    sys.meta_path.insert(0, _WarmChildPatch(emit, time, state))


class _WarmChildPatch:
    """Wraps `localsm.warm.child.run` once the server imports it."""

    def __init__(self, emit, time, state) -> None:
        self.emit, self.time, self.state = emit, time, state

    def find_spec(self, name, path=None, target=None):
        if name != "localsm.warm.child":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            real_run = module.run

            def run(request, fds):
                now = self.time.time()
                self.emit("start", t=now, fork=now, ppid=os.getppid(), argv=request["command"],
                          job=request["env"].get("LOCALSM_JOB"), thread=0)  # fmt: skip
                self.state.update(main=False, imports=0.0)  # the job's __main__ is next
                return real_run(request, fds)

            module.run = run

        spec.loader.exec_module = exec_module
        return spec


def _fork_time(time) -> float | None:
    """When this process was forked: its /proc start tick, turned into wall-clock time."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _kernel_hooks(emit, time, _thread) -> None:
    """Record sleeps and the WRAPPED calls; let v3 driver processes keep the trace."""
    real_sleep = time.sleep

    def traced_sleep(seconds):
        start = time.time()
        try:
            real_sleep(seconds)
        finally:
            if seconds >= 0.01:
                frame = sys._getframe(1)
                where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
                emit("sleep", t=start, end=time.time(), asked=seconds, where=where,
                     thread=_thread.get_ident())  # fmt: skip

    time.sleep = traced_sleep
    sys.meta_path.insert(0, _PatchOnImport(emit, time, _thread))


class _PatchOnImport:
    """A meta path finder that lets the real finders load a module in WRAPPED (or the v3
    drivers), then wraps its functions once the module has run."""

    def __init__(self, emit, time, _thread) -> None:
        self.emit, self.time, self.thread = emit, time, _thread

    def find_spec(self, name, path=None, target=None):
        if name not in WRAPPED and name != "localsm.training.drivers":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                real_exec = spec.loader.exec_module

                def exec_module(module, real_exec=real_exec):
                    real_exec(module)
                    self.patch(module)

                spec.loader.exec_module = exec_module
                return spec
        return None

    def patch(self, module) -> None:
        if module.__name__ == "localsm.training.drivers":
            module.KEPT_VARIABLES = (*module.KEPT_VARIABLES, "PYTHONPATH", "LAB_BENCH_TRACE")
            return
        for dotted in WRAPPED[module.__name__]:
            owner_name, _, attribute = dotted.rpartition(".")
            owner = getattr(module, owner_name) if owner_name else module
            label = f"{module.__name__}.{dotted}"
            setattr(owner, attribute, self.wrap(getattr(owner, attribute), label))

    def wrap(self, real, label):
        emit, time, thread = self.emit, self.time, self.thread

        def traced(*args, **kwargs):
            start = time.time()
            try:
                return real(*args, **kwargs)
            finally:
                emit("call", name=label, t=start, end=time.time(), what=_what(args, kwargs),
                     thread=thread.get_ident())  # fmt: skip

        traced.__wrapped__ = real
        traced.__name__, traced.__doc__ = real.__name__, real.__doc__
        return traced


def _what(args, kwargs):
    """What a call concerns: its first str or path argument, else its object's job name."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, str | os.PathLike):
            return os.fspath(value)
    if args:
        subject = args[0]
        if hasattr(subject, "kind") and hasattr(subject, "name"):
            created = getattr(subject, "created", None)
            stamp = created.timestamp() if hasattr(created, "timestamp") else None
            return f"{subject.kind}:{subject.name}@{stamp}"
        for attribute in NAME_ATTRIBUTES:
            value = getattr(subject, attribute, None)
            if isinstance(value, str | os.PathLike):
                return os.fspath(value)
    return None


if TRACE:
    try:
        _install()
    except OSError:  # the trace cannot be written: run untraced rather than not at all
        pass
