"""Benchmark: where the seconds of `make lab` go, per notebook, cell, phase, local job, process.

Runs each notebook of this environment as `aux/run_notebooks.py` does (papermill, mode=local,
LAB_LANGUAGE per notebook; executed copies in /tmp/bench/) with `lab_breakdown_trace/` first
on PYTHONPATH: its `sitecustomize` has every Python process of the run (kernel, jobs, model
servers, Clarify, the script check) append timestamps to a trace file, and records the kernel's
imports, sleeps and the local service's steps. Printed per notebook: kernel start, each code
cell (papermill's times; the kernel's CPU and imports in it), phases; every local job: create
-> spawn -> entry point running -> imports -> exit -> end (upload, report) and how long the
kernel kept waiting after the end; the kernel's sleeps. Then the critical path (CPU-bound
versus waiting, what one lane per core could overlap), start-up costs alone (fresh processes,
median of 3) and the install footprint.

    .venv/bin/python benchmarks/lab_breakdown.py [--only NAME ...] [--skip-isolated]
    .venv-v3/bin/python benchmarks/lab_breakdown.py

Targets (issue 17): every notebook <= 120 s on 2 cores; the four v2 training notebooks one
after the other <= 60 s; a built-in job's create -> entry point running <= 0.2 s. On a shared
machine timings are noisy: the CPU others used during each notebook is printed beside it.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "code"))
from localsm.cpus import available_cpus  # noqa: E402

sys.path.insert(0, str(REPO / "aux"))
import footprint  # noqa: E402  (beside this file)
import run_notebooks  # noqa: E402  (also puts code/ on sys.path)

TRACER = Path(__file__).resolve().parent / "lab_breakdown_trace"
JOBS_DIR = REPO / "outputs" / "jobs"
RAW = Path("/tmp/bench")
SDK = run_notebooks.sdk_generation()
WARM = "localsm.warm.server"  # the warm runner's server, in its argv
TRAINING_NOTEBOOKS = ("train_built_in", "train_script_mode")  # their _pt_br twins too
# First match wins: (phase, pattern in the cell's source).
PHASES = (
    ("imports", r"ensure_requirements|^import lab"),
    ("setup", r"lab\.setup\("),
    ("script check", r"code/script/xgboost_train\.py"),  # the shell cell of Task 2
    ("clean-up", r"show_leftovers|hosting_left|delete_endpoint|\.delete\(\)"),
    ("Clarify", r"clarify|download_analysis|bias_table|report_link|shap|local_explanations"),
    ("deploy", r"\.deploy\(|predict|transformer|measure_latency|bad_requests"),
    ("training/tuning", r"\.(fit|train|tune)\(|Estimator\(|Trainer\(|Tuner\(|XGBoost\(|image_"),
    ("training/tuning", r"set_hyperparameters|static_hyperparameters"),
    ("reports/evaluation", r"report|summary|evaluate\(|load_model|analytics|best_|show_log"),
)
WAITS = {  # the kernel's calls that wait for a job of each kind
    "training": ("logs_for_job", "wait_for_job", "describe_training_job", ".TrainingJob.wait"),
    "tuning": ("tuning_job", "HyperParameterTuningJob.wait"),
    "transform": ("transform_job", "TransformJob.wait"),
    "processing": ("processing_job", "ProcessingJob.wait"),
    "endpoint": ("wait_for_endpoint",),
}
FOLDERS = {"transform-jobs": "transform", "processing-jobs": "processing", "endpoints": "endpoint"}
ENTRY_HINTS = ("localsm.builtin", "localsm.clarify", "localsm.serving", "xgboost_train")


def sample_kernel(samples: list, halt: threading.Event) -> None:
    """The kernel's CPU seconds every 0.1 s (this process's child running ipykernel)."""
    import psutil

    me, kernel = psutil.Process(), None
    while not halt.wait(0.1):
        try:
            kernel = kernel or next((c for c in me.children() if _is_kernel(c.cmdline())), None)
            if kernel is not None:
                samples.append((time.time(), sum(kernel.cpu_times()[:2])))
        except psutil.Error:
            kernel = None


def machine_busy() -> float:
    """CPU seconds this machine has been busy (all cores, all users) since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_notebook(name: str, folder: Path) -> dict:
    """Run one notebook as aux/run_notebooks.py does, traced; returns its raw record."""
    import papermill

    stem = name.replace("/", "_").removesuffix(".ipynb")
    trace = folder / f"{stem}.trace"
    trace.unlink(missing_ok=True)
    os.environ[run_notebooks.LANGUAGE_VARIABLE] = run_notebooks.language_of(name)
    # the variables of one of make lab's two lanes (OpenMP threads: each lane's share)
    os.environ.update(run_notebooks.lanes.lane_environment(2), LAB_BENCH_TRACE=str(trace))
    os.environ["PYTHONPATH"] = f"{TRACER}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    samples, halt = [], threading.Event()
    sampler = threading.Thread(target=sample_kernel, args=(samples, halt), daemon=True)
    busy, ours, start = machine_busy(), os.times(), time.time()
    sampler.start()
    try:
        notebook = papermill.execute_notebook(
            str(run_notebooks.NOTEBOOKS / name), str(folder / f"{stem}.ipynb"),
            parameters={"mode": "local"}, cwd=str((run_notebooks.NOTEBOOKS / name).parent),
            kernel_name="python3", progress_bar=False,
            extra_arguments=run_notebooks.HEADLESS_KERNEL_ARGUMENTS)  # fmt: skip
    finally:
        end = time.time()
        halt.set()
        sampler.join()
        for variable in ("LAB_BENCH_TRACE", "PYTHONPATH"):
            os.environ.pop(variable, None)
    after = os.times()
    tree_cpu = sum(after[2:4]) - sum(ours[2:4])  # the kernel's tree, reaped at shutdown
    record = {
        "name": name, "start": start, "end": end, "papermill": dict(notebook.metadata.papermill),
        "cells": [_cell(c) for c in notebook.cells if c.cell_type == "code"],
        "tree_cpu": tree_cpu, "machine_busy": machine_busy() - busy,
        "kernel_samples": samples, "trace": str(trace),
        "summary": run_notebooks.summarize(notebook),
    }  # fmt: skip
    (folder / f"{stem}.json").write_text(json.dumps(record, indent=1, default=str))
    return record


def _cell(cell) -> dict:
    meta = cell.metadata.get("papermill", {})
    start, end = (_stamp(meta.get(f"{key}_time")) for key in ("start", "end"))
    return {"source": cell.source, "tags": cell.metadata.get("tags", []), "start": start,
            "end": end}  # fmt: skip


def _stamp(iso: str | dict | None) -> float | None:
    """An ISO time (papermill's, or a description's `{"__datetime__": ...}`) as a timestamp."""
    iso = iso["__datetime__"] if isinstance(iso, dict) else iso
    return datetime.fromisoformat(iso).timestamp() if iso else None


def read_trace(path: str) -> list[dict]:
    lines = Path(path).read_text().splitlines() if Path(path).is_file() else []
    return [ast.literal_eval(line) for line in lines if line.endswith("}")]  # not a cut line


def processes(events: list[dict]) -> dict[int, dict]:
    """pid -> {start fields, main: t, exit: {...}} (a pid is not reused within a notebook)."""
    found: dict[int, dict] = {}
    for event in events:
        if event["kind"] == "start":
            found[event["pid"]] = {**event, "main": None, "exit": None}
        elif event["kind"] in ("main", "exit") and event["pid"] in found:
            found[event["pid"]][event["kind"]] = event["t"] if event["kind"] == "main" else event
    return found


def _is_kernel(argv: list[str]) -> bool:
    return "ipykernel_launcher" in " ".join(argv)


def kernel_of(procs: dict[int, dict]) -> dict | None:
    return next((p for p in procs.values() if _is_kernel(p["argv"])), None)


def _key(path: str | None) -> tuple[str, str] | None:
    """(kind, name) of the job whose folder under outputs/jobs/ holds `path`."""
    try:
        parts = Path(path).relative_to(JOBS_DIR).parts
    except (TypeError, ValueError):
        return None
    kind = FOLDERS.get(parts[0])
    return (kind, parts[1]) if kind and len(parts) > 1 else ("training", parts[0])


def _calls(events: list[dict], label: str, key: tuple | None = None) -> list[dict]:
    """The wrapped calls whose name has `label`; with `key`, those about that job (its name,
    or a path in its folder)."""
    found = [e for e in events if e["kind"] == "call" and label in e["name"]]
    return [e for e in found if key is None or _key(e["what"]) == key or e["what"] == key[1]]


def jobs(events: list[dict], procs: dict[int, dict]) -> list[dict]:
    """Every local job the notebook ran, with its timestamps (see job_row)."""
    found = []
    for call in _calls(events, "BackgroundJob.finished"):
        kind, _, rest = (call.get("what") or "").partition(":")
        name, _, created = rest.rpartition("@")
        created = float(created) if created not in ("", "None") else call["t"]
        found.append({"kind": kind.removesuffix("-job"), "name": name, "end": call["t"],
                      "created": created})  # fmt: skip
    for call in _calls(events, "ModelServer.start"):
        kind, name = _key(call["what"]) or ("", "")
        if kind == "endpoint":  # (a transform job's server is part of that job)
            found.append({"kind": kind, "name": name, "created": call["t"], "end": call["end"]})
    for job in found:
        job.update(job_row(job, events, procs))
    return sorted(found, key=lambda j: j["created"])


def job_row(job: dict, events: list[dict], procs: dict[int, dict]) -> dict:
    """create -> spawn -> entry running -> exit -> end of one job, and its in-kernel steps."""
    key = job["kind"], job["name"]
    mine = sorted((p for p in procs.values() if _key(p["job"]) == key), key=lambda p: p["t"])
    entry = next((p for p in mine if any(h in " ".join(p["argv"]) for h in ENTRY_HINTS)),
                 mine[-1] if mine else None)  # fmt: skip
    spawns = _calls(events, "JobProcess.__init__", key)
    ended = [c["end"] for c in _calls(events, "JobProcess.run", key)]
    out = entry["exit"] if entry else None
    seconds = {label: sum(c["end"] - c["t"] for c in _calls(events, label, key))
               for label in ("save_artifacts", "rules.evaluate", "end_job_processes")}  # fmt: skip
    row = {"spawn": spawns[0]["t"] if spawns else None, "fork": entry and entry["fork"],
           "main": entry and entry["main"], "imports": out["imports"] if out else None,
           "exit": out["t"] if out else max(ended, default=None),
           "cpu": sum(p["exit"]["cpu"] for p in mine if p["exit"]),
           "upload": seconds["save_artifacts"], "report": seconds["rules.evaluate"],
           "reap": seconds["end_job_processes"]}  # fmt: skip
    if job["kind"] == "training":
        path = JOBS_DIR / job["name"] / "description.json"
        row["tuning"] = path.is_file() and "TuningJobArn" in json.loads(path.read_text())
    waits = [c for label in WAITS[job["kind"]] for c in _calls(events, label, key)]
    ends = [c["end"] for c in waits if c["t"] <= job["end"] <= c["end"]]  # those waiting then
    row["noticed"] = min(ends, default=None)
    return row


def union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def overlap(intervals: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of (merged) `intervals` inside [start, end]."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


def minus(intervals: list[tuple[float, float]], taken: list[tuple[float, float]]) -> list:
    """Parts of (merged) `intervals` outside (merged) `taken`."""
    left = []
    for start, end in intervals:
        cursor = start
        for a, b in taken:
            if b <= cursor or a >= end:
                continue
            if a > cursor:
                left.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            left.append((cursor, end))
    return left


def busy_intervals(found: list[dict], procs: dict[int, dict], events: list[dict]) -> list:
    """When something ran for the notebook outside the kernel's main thread: a job (its
    service steps and processes), a model server starting or stopping, any other process
    but the warm runner (it waits for requests its whole life; its children count)."""
    spans = [(j["created"], j["end"]) for j in found]
    spans += [(c["t"], c["end"]) for c in _calls(events, "ModelServer.stop")]
    for proc in procs.values():
        if proc["exit"] and not _is_kernel(proc["argv"]) and WARM not in proc["argv"]:
            spans.append((proc["fork"] or proc["t"], proc["exit"]["t"]))
    return union(spans)


def phase_of(cell: dict) -> str:
    if {"parameters", "injected-parameters"} & set(cell["tags"]):
        return "parameters"
    for phase, pattern in PHASES:
        if re.search(pattern, cell["source"], re.MULTILINE):
            return phase
    return "other"


def kernel_cpu(samples: list, start: float, end: float) -> float | None:
    """The kernel's CPU seconds between two times (from the last samples before each)."""
    before = [[cpu for stamp, cpu in samples if stamp <= t] for t in (start, end)]
    values = [b[-1] if b else (samples[0][1] if samples else None) for b in before]
    return None if None in values else values[1] - values[0]


def analyse(record: dict) -> dict:
    """The notebook's numbers: cells, phases, jobs, sleeps, critical-path shares."""
    events = read_trace(record["trace"])
    procs = processes(events)
    found = jobs(events, procs)
    kernel = kernel_of(procs) or {}
    busy = busy_intervals(found, procs, events)
    sleeps = [e for e in events if e["kind"] == "sleep" and "/ipykernel/" not in e["where"]]
    main = kernel.get("thread")
    idle = minus(union([(s["t"], s["end"]) for s in sleeps if s["thread"] == main]), busy)
    imports = [e for e in events if e["kind"] == "import"]
    cells = [c for c in record["cells"] if c["start"] and c["end"]]
    for cell in cells:
        span = cell["start"], cell["end"]
        cell.update(phase=phase_of(cell), seconds=span[1] - span[0], busy=overlap(busy, *span),
                    idle=overlap(idle, *span), cpu=kernel_cpu(record["kernel_samples"], *span),
                    imports=sum(overlap([(i["t"], i["end"])], *span) for i in imports))  # fmt: skip
    started = _stamp(record["papermill"].get("start_time")) or record["start"]
    first = cells[0]["start"] if cells else started
    wall = record["end"] - record["start"]
    gaps = sum(b["start"] - a["end"] for a, b in zip(cells, cells[1:], strict=False))
    shares = {
        "kernel start": first - started,
        "kernel work": sum(c["seconds"] - c["busy"] - c["idle"] for c in cells),
        "jobs busy": sum(c["busy"] for c in cells),
        "idle sleep": sum(c["idle"] for c in cells),
        "papermill": wall - sum(c["seconds"] for c in cells) - (first - started),
    }
    phases: dict[str, float] = {"kernel start": shares["kernel start"]}
    for cell in cells:
        phases[cell["phase"]] = phases.get(cell["phase"], 0.0) + cell["seconds"]
    phases["papermill"] = shares["papermill"]
    last = cells[-1]["end"] if cells else first
    gone = (kernel.get("exit") or {}).get("t", last)  # the kernel's last atexit handler
    papermill = {"before kernel": started - record["start"], "between cells": gaps,
                 "last cell -> kernel atexit": gone - last,
                 "atexit -> end (interpreter teardown)": record["end"] - gone}  # fmt: skip
    others = [p for p in procs.values() if p is not kernel and not _job_of(p, found)]
    return {"name": record["name"], "wall": wall, "cells": cells, "jobs": found, "phases": phases,
            "shares": shares, "papermill": papermill, "sleeps": sleeps, "idle": idle,
            "kernel": kernel, "first": first, "started": started, "imports": imports,
            "others": others, "procs": procs, "tree_cpu": record["tree_cpu"],
            "machine_busy": record["machine_busy"]}  # fmt: skip


def _job_of(proc: dict, found: list[dict]) -> bool:
    return any(_key(proc["job"]) == (j["kind"], j["name"]) for j in found)


def _s(value: float | None, width: int = 6) -> str:
    return f"{value:>{width}.2f}" if value is not None else f"{'-':>{width}}"


def _diff(later: float | None, earlier: float | None, width: int = 6) -> str:
    return _s(later - earlier if later is not None and earlier is not None else None, width)


def _source(text: str, width: int = 56) -> str:
    lines = (x.strip() for x in text.splitlines())
    return " | ".join(x for x in lines if x and not x.startswith("#"))[:width]


def print_notebook(result: dict) -> None:
    cpu, kernel = result["tree_cpu"], result["kernel"]
    print(f"\n=== {result['name']}: {result['wall']:.1f} s wall; its processes used {cpu:.1f} "
          f"CPU-s ({cpu / result['wall']:.2f} cores); others on the machine used "
          f"{max(0.0, result['machine_busy'] - cpu):.1f} CPU-s meanwhile")  # fmt: skip
    early = sum(i["end"] - i["t"] for i in result["imports"] if i["end"] <= result["first"])
    print(f"  kernel start {result['first'] - result['started']:.2f} s: papermill -> fork "
          f"{_diff(kernel.get('fork'), result['started'], 0)}, fork -> ipykernel running "
          f"{_diff(kernel.get('main'), kernel.get('fork'), 0)}, -> first cell "
          f"{_diff(result['first'], kernel.get('main'), 0)} (imports {early:.2f})\n  papermill: "
          + ", ".join(f"{k} {v:.2f}" for k, v in result["papermill"].items()))  # fmt: skip
    print(f"  {'cell':>4} {'phase':18} {'s':>6} {'kCPU':>6} {'import':>6} {'jobs':>6} "
          f"{'idle':>6}  source")  # fmt: skip
    for index, cell in enumerate(result["cells"]):
        print(f"  {index:>4} {cell['phase']:18} {_s(cell['seconds'])} {_s(cell['cpu'])} "
              f"{_s(cell['imports'])} {_s(cell['busy'])} {_s(cell['idle'])}  "
              f"{_source(cell['source'])}")  # fmt: skip
    print("  phases: " + ", ".join(f"{k} {v:.1f}" for k, v in result["phases"].items()))
    slow = sorted(result["imports"], key=lambda i: i["t"] - i["end"])[:6]
    print("  slowest imports in the kernel: "
          + ", ".join(f"{i['name']} {i['end'] - i['t']:.2f}" for i in slow))  # fmt: skip
    print_jobs(result["jobs"])
    print_sleeps(result)
    for proc in result["others"]:
        args = " ".join(Path(a).name if "/" in a else a for a in proc["argv"][1:])[:48]
        out = proc["exit"] or {}
        print(f"  other process {args:48} fork>entry {_diff(proc['main'], proc['fork'])} "
              f"imports {_s(out.get('imports'))} entry>exit {_diff(out.get('t'), proc['main'])} "
              f"cpu {_s(out.get('cpu'))}")  # fmt: skip


JOB_HEADER = (
    f"  {'job':10} {'name':44} {'wall':>6} {'>spawn':>6} {'>entry':>6} {'create':>6} "
    f"{'import':>6} {'run':>6} {'>end':>6} {'reap':>6} {'upload':>6} {'report':>6} {'seen+':>6} "
    f"{'cpu':>6}"
)


def print_jobs(found: list[dict]) -> None:
    """Per job: wall; create -> spawn (staging); spawn -> entry point running; create -> entry;
    imports in the process; the rest of it; exit (its atexit) -> end, of which the search for
    left-over processes, upload, report; the kernel's wait after the end; the processes' CPU.
    An endpoint's `>end`: entry -> server answering."""
    if not found:
        return
    print(JOB_HEADER)
    for job in found:
        kind = job["kind"] + ("*" if job.get("tuning") else "")
        run = None
        if job["exit"] and job["main"]:
            run = job["exit"] - job["main"] - (job["imports"] or 0.0)
        mark = job["main"] if job["kind"] == "endpoint" else job["exit"]
        after = job["end"] - mark if mark else None
        print(f"  {kind:10} {job['name'][:44]:44} {_diff(job['end'], job['created'])} "
              f"{_diff(job['spawn'], job['created'])} {_diff(job['main'], job['spawn'])} "
              f"{_diff(job['main'], job['created'])} {_s(job['imports'])} {_s(run)} {_s(after)} "
              + " ".join(_s(job[k] or None) for k in ("reap", "upload", "report"))
              + f" {_diff(job['noticed'], job['end'])} {_s(job['cpu'] or None)}")  # fmt: skip
    if any(j.get("tuning") for j in found):
        print("  (training*: a training job of the tuning job)")


def print_sleeps(result: dict) -> None:
    """The kernel's time.sleep calls by caller: count, seconds, seconds with nothing running."""
    by_caller: dict[str, list[float]] = {}
    for sleep in result["sleeps"]:
        totals = by_caller.setdefault("/".join(Path(sleep["where"]).parts[-3:]), [0, 0.0, 0.0])
        totals[0] += 1
        totals[1] += sleep["end"] - sleep["t"]
        totals[2] += overlap(result["idle"], sleep["t"], sleep["end"])
    for where, (count, seconds, idle) in sorted(by_caller.items(), key=lambda kv: -kv[1][1]):
        print(f"  kernel sleeps at {where:56} {count:3d} x {seconds:6.2f} s, idle {idle:5.2f} s")


def print_critical_path(results: list[dict], cores: int) -> None:
    """Per notebook: where the wall time went; then what two parallel lanes could save."""
    keys = ("kernel start", "kernel work", "jobs busy", "idle sleep", "papermill")
    print("\n=== critical path in seconds ('jobs busy': a job or another process was running; "
          "'idle sleep': the kernel slept with nothing running)")  # fmt: skip
    print(f"{'notebook':36} {'wall':>6}" + "".join(f"{k:>13}" for k in keys)
          + f"{'CPU':>7}{'CPU/wall':>9}{'others':>7}")  # fmt: skip
    for r in results:
        others = max(0.0, r["machine_busy"] - r["tree_cpu"])
        print(f"{r['name']:36} {r['wall']:6.1f}" + "".join(f"{r['shares'][k]:13.1f}" for k in keys)
              + f"{r['tree_cpu']:7.1f}{r['tree_cpu'] / r['wall']:9.2f}{others:7.1f}")  # fmt: skip
    wall, cpu = sum(r["wall"] for r in results), sum(r["tree_cpu"] for r in results)
    totals = {k: sum(r["shares"][k] for r in results) for k in keys}
    print(f"{'total':36} {wall:6.1f}" + "".join(f"{totals[k]:13.1f}" for k in keys)
          + f"{cpu:7.1f}{cpu / wall:9.2f}")  # fmt: skip
    teardown = sum(r["papermill"]["atexit -> end (interpreter teardown)"] for r in results)
    waiting = totals["idle sleep"] + teardown
    lanes = max(cpu / cores, max(r["wall"] for r in results))
    print(f"CPU-bound: {cpu:.1f} CPU-s ({cpu / wall:.2f} of {cores} cores busy on average)\n"
          f"waiting: idle sleep + the kernels' teardown {waiting:.1f} s")  # fmt: skip
    print(f"one lane per core could take at best max(CPU / {cores}, longest notebook) = "
          f"{lanes:.1f} s instead of {wall:.1f} s")  # fmt: skip
    training = [r for r in results if Path(r["name"]).stem.startswith(TRAINING_NOTEBOOKS)]
    if training:
        print(f"the {len(training)} training notebooks one after the other: "
              f"{sum(r['wall'] for r in training):.1f} s (target for v2: <= 60 s)")  # fmt: skip


TIMED = ("import sys, time; sys.path.insert(0, {code!r}); {before}; t = time.perf_counter(); "
         "{statement}; print(time.perf_counter() - t, file=sys.__stdout__)")  # fmt: skip
QUIET = "import io, tempfile; sys.stdout = io.StringIO()"
STARTUP = {  # label: (statement timed, what runs before it)
    2: {"import sagemaker": ("import sagemaker", "")},
    3: {"import sagemaker.core": ("import sagemaker.core", ""),
        "import sagemaker.train": ("import sagemaker.train", ""),
        "import sagemaker.core.helper.session_helper (lab.setup's)":
            ("import sagemaker.core.helper.session_helper", "")},
}.get(SDK, {}) | {
    "import xgboost": ("import xgboost", ""),
    "import xgboost, sklearn and pandas blocked (the built-in job's)":
        ("import xgboost", "sys.modules.update(sklearn=None, pandas=None)"),
    "import lab": ("import lab", ""),
    "lab.setup('local') (lab imported)":
        ("lab.setup('local', output_dir=tempfile.mkdtemp())", f"{QUIET}; import lab"),
}  # fmt: skip


def _runs(command: list[str], runs: int, env: dict | None = None) -> list[float]:
    """`runs` fresh processes: the number each prints, else their wall seconds."""
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env,
                             check=True).stdout.split()  # fmt: skip
        values.append(float(out[-1]) if out else time.perf_counter() - start)
    return values


def isolated(runs: int = 3) -> None:
    print(f"\n=== start-up costs alone (fresh processes, median of {runs} [each run])")
    rows = {"python -c pass (process wall)": _runs([sys.executable, "-c", "pass"], runs)}
    for label, (statement, before) in STARTUP.items():
        code = TIMED.format(code=str(REPO / "code"), before=before or "pass", statement=statement)
        rows[label] = _runs([sys.executable, "-c", code], runs)
    probes = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            probes.append(probe(Path(folder)))
    for index, which in enumerate(("1st job of a process", "2nd job")):
        for key in ("create -> spawn", "spawn -> entry", "create -> entry running"):
            values = [p[index][key] for p in probes if len(p) > index]
            rows[f"built-in job via SDK v{SDK}, {which}: {key}"] = values
    for label, values in rows.items():
        print(f"  {label:66} {statistics.median(values):6.3f} s  {[round(v, 3) for v in values]}")
    print("  (target: a built-in job's create -> entry running <= 0.2 s)")


def probe(folder: Path) -> list[dict]:
    """Two built-in jobs through the SDK in a fresh traced process; their start-up times."""
    trace = folder / "probe.trace"
    env = {**os.environ, "LAB_BENCH_TRACE": str(trace),
           "PYTHONPATH": os.pathsep.join((str(TRACER), str(REPO / "code")))}  # fmt: skip
    _runs([sys.executable, __file__, "--probe-job", str(folder)], 1, env)
    procs = processes(read_trace(str(trace)))
    rows = []
    for path in (folder / "jobs").glob("*/description.json"):
        description = json.loads(path.read_text())
        created = _stamp(description["CreationTime"])
        spawn = next(_stamp(t["StartTime"]) for t in description["SecondaryStatusTransitions"]
                     if t["Status"] == "Training")  # fmt: skip
        entry = next(p["main"] for p in procs.values() if p["job"] == str(path.parent))
        rows.append({"created": created, "create -> spawn": spawn - created, "spawn -> entry":
                     entry - spawn, "create -> entry running": entry - created})  # fmt: skip
    return sorted(rows, key=lambda r: r["created"])


def probe_job(folder: Path) -> None:
    """(--probe-job) Two built-in jobs, run as benchmarks/local_overhead.py runs them."""
    import contextlib
    import io

    sys.path.insert(0, str(REPO / "benchmarks"))
    import local_overhead

    import lab

    with contextlib.redirect_stdout(io.StringIO()):
        if SDK == 3:
            setup = lab.setup("local", output_dir=str(folder))
            for _ in range(2):
                local_overhead.v3_job(setup)
            return
        from localsm import LocalSageMakerSession

        session = LocalSageMakerSession(jobs_dir=folder / "jobs")
        data = [lab.bundled_csv(split) for split in ("train", "validation")]
        for _ in range(2):
            local_overhead.sdk_job(session, folder / "models", *data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="notebook file names to run")
    parser.add_argument("--skip-isolated", action="store_true", help="no start-up costs alone")
    parser.add_argument("--probe-job", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_job:
        return probe_job(args.probe_job)
    (folder := RAW / f"v{SDK}").mkdir(parents=True, exist_ok=True)
    print(f"SDK v{SDK}, {Path(sys.prefix).name}, Python {sys.version.split()[0]}, "
          f"{available_cpus()} cores, load average {os.getloadavg()[0]:.2f} at start; "
          f"raw files in {folder}/")  # fmt: skip
    results = []
    for name in args.only or run_notebooks.ORDER:
        results.append(analyse(run_notebook(name, folder)))
        print_notebook(results[-1])
    print_critical_path(results, available_cpus())
    if not args.skip_isolated:
        isolated()
    footprint.report(REPO, {m for r in results for p in r["procs"].values() if p["exit"]
               for m in p["exit"]["modules"]})  # fmt: skip


if __name__ == "__main__":
    main()
