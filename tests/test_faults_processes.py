"""The fault catalogue, part two: entry points that crash, hang or spam, kernels killed while
their jobs run, and stops at each phase of a job (see test_faults.py for what every row
asserts)."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import threading
import time
from collections.abc import Callable

from test_faults import BUILTIN, GOOD, SCRIPT, Bench, Fault, Outcome, run_rows

import lab
from conftest import CODE as REPO_CODE
from conftest import all_gone

# ------------------------------------------------------------------ entry points


def entry(source: str, **options) -> Callable[[Bench], Outcome]:
    """A script-mode job whose entry point is `source`."""
    return lambda b: b.fit(b.script(textwrap.dedent(source), **options), b.csv(GOOD))


def timed(act: Callable[[Bench], Outcome], seconds: float) -> Callable[[Bench], Outcome]:
    """`act`, which must end within `seconds` (no hang)."""

    def run(b: Bench) -> Outcome:
        start = time.monotonic()
        outcome = act(b)
        assert time.monotonic() - start < seconds, "the job hung"
        return outcome

    return run


DAEMON = """
    import subprocess, sys
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                     start_new_session=True{streams})
    print("[0]\\tvalidation-auc:0.7", flush=True)
"""


def spam_keeps_memory_bounded(b: Bench) -> Outcome:
    source = """
        import sys
        block = ("spam " * 19 + "\\n") * 10000
        for _ in range(30):
            sys.stdout.write(block)
        print("[0]\\tvalidation-auc:0.61")
    """
    outcome = entry(source)(b)
    name = outcome.description["TrainingJobName"]
    job = b.client.job(name)
    assert len(job.log.tail()) <= 200  # what the job keeps of 300,000 lines
    assert (b.jobs / name / "training.log").stat().st_size > 28_000_000  # all of it on disk
    assert outcome.description["FinalMetricDataList"][0]["Value"] == 0.61
    return outcome


def long_line_then_metric(b: Bench) -> Outcome:
    source = """
        import sys
        sys.stdout.write("x" * 20_000_000)
        print()
        print("[3]\\tvalidation-auc:0.9")
    """
    outcome = entry(source)(b)
    assert outcome.description["FinalMetricDataList"][0]["Value"] == 0.9
    return outcome


ENTRY_POINTS = [
    Fault("entry-points", "exception", entry("""
        def load():
            raise ValueError("bad value 42 in column age")
        load()
    """), "Failed", ("ValueError: bad value 42 in column age (fault.py, line 3)",
                     "ExitCode 1")),
    Fault("entry-points", "sys.exit with a message",
          entry("import sys\nsys.exit('cannot go on: /data/x.csv is missing')\n"), "Failed",
          ("cannot go on: /data/x.csv is missing",)),
    Fault("entry-points", "silent exit 3", entry("import os\nos._exit(3)\n"), "Failed",
          ("ExitCode 3", "Command")),
    Fault("entry-points", "killed by SIGKILL",
          entry("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"), "Failed",
          ("ExitCode -9", "out of memory?")),
    Fault("entry-points", "import error", entry("import not_a_module_xyz\n"), "Failed",
          ("No module named 'not_a_module_xyz' (fault.py, line 1)",)),
    Fault("entry-points", "spam then crash", entry("""
        for i in range(20000):
            print("progress line", i)
        raise KeyError("income")
    """), "Failed", ("KeyError: 'income' (fault.py, line 4)",)),
    Fault("entry-points", "huge failure file", entry("""
        import os
        open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w").write("E" * 10**6)
        raise SystemExit(1)
    """), "Failed", ("AlgorithmError: EEEE",)),
    Fault("entry-points", "hangs past MaxRuntimeInSeconds",
          timed(entry("import time\ntime.sleep(600)\n", max_run=1), 20), "Stopped",
          ("MaxRuntimeInSeconds (1 s) exceeded",)),
    Fault("entry-points", "ignores SIGTERM", timed(entry("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(600)
    """, max_run=1), 20), "Stopped", ("MaxRuntimeInSeconds (1 s) exceeded",)),
    Fault("entry-points", "daemon holds the pipe",
          timed(entry(DAEMON.format(streams="")), 20), "Completed"),
    Fault("entry-points", "daemon spams after exit", timed(entry("""
        import subprocess, sys
        code = "while True: print('still here', flush=True)"
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        print("[0]\\tvalidation-auc:0.7", flush=True)
    """), 20), "Completed"),
    Fault("entry-points", "detached daemon",
          entry(DAEMON.format(streams=", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL")),
          "Completed"),
    Fault("entry-points", "29 MB of output", spam_keeps_memory_bounded, "Completed"),
    Fault("entry-points", "20 MB line", long_line_then_metric, "Completed"),
    Fault("entry-points", "binary output",
          entry("import os\nos.write(1, bytes(range(256)) * 4000)\n"), "Completed"),
]  # fmt: skip


# ------------------------------------------------------------------ killed kernels

SLEEPER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                         start_new_session=True)
model = os.environ["SM_MODEL_DIR"]
open(os.path.join(model, "partial-model.txt"), "w").write("rounds so far")
open(os.path.join(model, "..", "pids"), "w").write(f"{os.getpid()} {child.pid}")
time.sleep(600)
"""
KERNEL = """
import sys, time
sys.path[:0] = [{code!r}, {script!r}]
from localsm import LocalSageMakerSession
from sagemaker.xgboost import XGBoost
session = LocalSageMakerSession(jobs_dir={jobs!r})
estimator = XGBoost(entry_point="fault.py", source_dir={source!r}, framework_version="1.7-1",
                    role={role!r}, instance_count=1, instance_type="local",
                    output_path={models!r}, sagemaker_session=session)
inputs = {{"train": {train!r}}}
{start}
"""
FIT = "estimator.fit(inputs, wait=False, job_name='orphan')"
STAY = "\ntime.sleep(600)  # the kernel lives on until it is killed"
TUNE = """
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner
tuner = HyperparameterTuner(estimator, "validation:auc", {"x": ContinuousParameter(0, 1)},
                            max_jobs=1, max_parallel_jobs=1)
tuner.fit(inputs, job_name="orphan-tuning", wait=False)
"""


def kernel_code(b: Bench, start: str) -> str:
    source = b.tmp / "src"
    source.mkdir(exist_ok=True)
    (source / "fault.py").write_text(SLEEPER)
    return KERNEL.format(
        code=str(REPO_CODE), script=str(REPO_CODE / "script"), jobs=str(b.jobs),
        source=str(source), role=lab.LOCAL_ROLE, models=b.models.as_uri(),
        train=b.file("train.csv", GOOD), start=start,
    )  # fmt: skip


def wait_for_pids(b: Bench, seconds: float = 60) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [p for p in b.jobs.glob("*/ml/pids") if p.read_text().strip()]
        if found:
            return [int(pid) for pid in found[0].read_text().split()]
        time.sleep(0.1)
    raise AssertionError("the job never started its entry point")


def after_the_kernel(b: Bench, pids: list[int], name: str) -> Outcome:
    """What a new session finds: the processes gone, the job settled, its name taken."""
    assert all_gone(pids, 15), "the job's processes outlived their kernel"
    fresh = Bench(b.tmp)
    outcome = fresh.outcome(name)
    with tarfile.open(outcome.description["ModelArtifacts"]["S3ModelArtifacts"][7:]) as tar:
        assert tar.getnames() == ["partial-model.txt"]  # /opt/ml/model, packed as on a stop
    assert fresh.client.describe_training_job(TrainingJobName=name) == outcome.description
    again = fresh.script(textwrap.dedent(SLEEPER))
    refused = fresh.fit(again, fresh.csv(GOOD), job_name=name)
    assert refused.status == "Refused" and "already exists" in refused.reason
    return outcome


def kill_a_kernel_running(b: Bench, code: str) -> set:
    """Start a kernel-like Python that runs `code`, SIGKILL it once its job runs; the pids."""
    kernel = subprocess.Popen([sys.executable, "-c", kernel_code(b, code + STAY)])
    try:
        return wait_for_pids(b)
    finally:
        kernel.kill()
        kernel.wait()


def sigkill_the_kernel(b: Bench) -> Outcome:
    return after_the_kernel(b, kill_a_kernel_running(b, FIT), "orphan")


def shutdown_kernel_now(b: Bench) -> Outcome:
    from jupyter_client import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(b.tmp))
    try:
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        client.execute(kernel_code(b, FIT))
        pids = wait_for_pids(b)
    finally:
        manager.shutdown_kernel(now=True)
    return after_the_kernel(b, pids, "orphan")


def sigkill_while_tuning(b: Bench) -> Outcome:
    pids = kill_a_kernel_running(b, TUNE)
    assert all_gone(pids, 15)
    fresh = Bench(b.tmp)
    tuning = fresh.client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="orphan-tuning"
    )
    assert tuning["HyperParameterTuningJobStatus"] == "Stopped"
    assert "pid" in tuning["FailureReason"]
    [name] = [p.name for p in b.jobs.iterdir() if p.name.startswith("orphan-tuning-")]
    return fresh.outcome(name)


KILLED = "the Python process that ran this job (pid"
KILLED_KERNELS = [
    Fault("killed-kernels", "SIGKILL during fit", sigkill_the_kernel, "Stopped",
          (KILLED, "during Training")),
    Fault("killed-kernels", "shutdown_kernel(now=True)", shutdown_kernel_now, "Stopped",
          (KILLED, "during Training")),
    Fault("killed-kernels", "SIGKILL during tuning", sigkill_while_tuning, "Stopped", (KILLED,)),
]  # fmt: skip


# ------------------------------------------------------------------ stops at each phase


def gate(b: Bench, module: str, attribute: str) -> tuple[threading.Event, threading.Event]:
    """Hold the job when it reaches `module.attribute` until `release` is set."""
    entered, release = threading.Event(), threading.Event()
    target = importlib.import_module(module)
    real = getattr(target, attribute)

    def held(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    b.monkeypatch.setattr(target, attribute, held)
    return entered, release


def stop_at(module: str, attribute: str, phase: str, model: list[str] | None = None):
    """Stop a job while it is in `phase` (held at `module.attribute`); `model`: the files its
    model.tar.gz must hold."""

    def act(b: Bench) -> Outcome:
        entered, release = gate(b, module, attribute)
        estimator = b.script(**SCRIPT)
        estimator.fit(b.csv(GOOD), wait=False)
        name = estimator.latest_training_job.name
        assert entered.wait(60)
        assert b.client.describe_training_job(TrainingJobName=name)["SecondaryStatus"] == phase
        b.client.stop_training_job(TrainingJobName=name)
        release.set()
        assert b.client.job(name).wait(60)
        return with_model(b.outcome(name), model or [])

    return act


def with_model(outcome: Outcome, names: list[str]) -> Outcome:
    with tarfile.open(outcome.description["ModelArtifacts"]["S3ModelArtifacts"][7:]) as tar:
        assert sorted(tar.getnames()) == sorted(names), tar.getnames()
    return outcome


def stop_script_while_training(b: Bench) -> Outcome:
    estimator = b.script(textwrap.dedent(SLEEPER))
    estimator.fit(b.csv(GOOD), wait=False)
    name = estimator.latest_training_job.name
    pids = wait_for_pids(b)
    b.client.stop_training_job(TrainingJobName=name)
    b.client.stop_training_job(TrainingJobName=name)  # twice: no error
    assert b.client.job(name).wait(30) and all_gone(pids, 15)
    return with_model(b.outcome(name), ["partial-model.txt"])


def stop_builtin_while_training(save: bool) -> Callable[[Bench], Outcome]:
    def act(b: Bench) -> Outcome:
        hps = {**BUILTIN, "num_round": "100000", "save_model_on_termination": str(save).lower()}
        estimator = b.builtin(**hps)
        estimator.fit(b.csv(GOOD, validation=GOOD), wait=False)
        name = estimator.latest_training_job.name
        log = b.jobs / name / "training.log"
        deadline = time.monotonic() + 60
        while "[5]\t" not in log.read_text():
            assert time.monotonic() < deadline, "no round printed"
            time.sleep(0.05)
        b.client.stop_training_job(TrainingJobName=name)
        assert b.client.job(name).wait(30)
        return with_model(b.outcome(name), ["xgboost-model"] if save else [])

    return act


def stop_right_away(b: Bench) -> Outcome:
    estimator = b.script(**SCRIPT)
    estimator.fit(b.csv(GOOD), wait=False)
    name = estimator.latest_training_job.name
    b.client.stop_training_job(TrainingJobName=name)
    assert b.client.job(name).wait(30)
    return b.outcome(name)


def stop_after_completion(b: Bench) -> Outcome:
    estimator = b.builtin(**BUILTIN)
    outcome = b.fit(estimator, b.csv(GOOD))
    assert b.client.stop_training_job(TrainingJobName=outcome.description["TrainingJobName"]) == {}
    return b.outcome(outcome.description["TrainingJobName"])


STOPS = [
    Fault("stops", "while Starting", stop_at("localsm.training.runner", "prepare_layout",
                                             "Starting"), "Stopped", ("during Starting",)),
    Fault("stops", "while Downloading", stop_at("localsm.training.job", "stage_channels",
                                                "Downloading"), "Stopped",
          ("during Downloading",)),
    Fault("stops", "while Training (script)", stop_script_while_training, "Stopped",
          ("StopTrainingJob during Training",)),
    Fault("stops", "while Training, save_model_on_termination",
          stop_builtin_while_training(True), "Stopped", ("during Training",)),
    Fault("stops", "while Training, no save_model_on_termination",
          stop_builtin_while_training(False), "Stopped", ("during Training",)),
    Fault("stops", "while Uploading", stop_at("localsm.training.artifacts", "save_artifacts",
                                              "Uploading", ["xgboost-model.json"]),
          "Stopped", ("during Uploading",)),
    Fault("stops", "right after create", stop_right_away, "Stopped", ("StopTrainingJob",)),
    Fault("stops", "after completion", stop_after_completion, "Completed"),
]  # fmt: skip

CATALOGUE = {"entry-points": ENTRY_POINTS, "killed-kernels": KILLED_KERNELS, "stops": STOPS}

test_entry_points = run_rows(ENTRY_POINTS)
test_killed_kernels = run_rows(KILLED_KERNELS)
test_stops = run_rows(STOPS)


def test_a_stopped_builtin_model_with_termination_save_loads(tmp_path, monkeypatch):
    """save_model_on_termination keeps the rounds trained before SIGTERM, loadable."""
    import xgboost_report

    bench = Bench(tmp_path, monkeypatch)
    outcome = stop_builtin_while_training(True)(bench)
    booster = xgboost_report.load_model(outcome.description["ModelArtifacts"]["S3ModelArtifacts"])
    assert booster.num_boosted_rounds() >= 5


def test_the_watchdog_needs_no_atexit(tmp_path):
    """os._exit skips atexit: the watchdog alone ends the job's processes."""
    bench = Bench(tmp_path)
    code = kernel_code(bench, FIT + STAY)
    kernel = subprocess.Popen([sys.executable, "-c", code])
    try:
        pids = wait_for_pids(bench)
        os.kill(kernel.pid, signal.SIGTERM)  # default action: no Python cleanup at all
    finally:
        kernel.wait(30)
    assert all_gone(pids, 15)
