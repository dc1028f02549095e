"""Lanes for `make lab`: the notebooks of the two SDK environments run side by side.

Nothing about a notebook's run changes: each one is still its own papermill run with its own
kernel. There is one lane per environment: one worker process of that environment's Python
(`run_notebooks.py --worker NAME ...`, which starts and imports papermill once, not once per
notebook: about 2 s each on a busy machine) runs the lane's notebooks one after the other, in
the course's order: two notebooks of one environment at once would share its local account
(`outputs/jobs/`) while the SDK names jobs by the time (SDK v3: to the second), and a
notebook and its translation, started together, would ask for the same job name. Two lanes
pay on two cores because a notebook keeps about one core busy on average
(`benchmarks/lab_breakdown.py` measures it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from localsm.cpus import available_cpus

RESULT = "LAB-RESULT "  # the worker's line that carries a notebook's row, as JSON
STARTED = "LAB-STARTED "  # the worker's line before it starts a notebook
# Notebooks side by side run more OpenMP threads (XGBoost's) than there are cores; threads that
# spin while they wait would then burn the cores the other lane needs. Sleeping instead changes
# no result, only who gets the core.
LANE_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def lane_environment(lanes: int) -> dict[str, str]:
    """The variables of each of `lanes` lanes: sleeping OpenMP threads, and each lane's share
    of the cores as its OpenMP thread count (the local service caps every job's threads by it:
    localsm/cpus.job_threads), unless the caller set one. On this course's data (27,000 rows)
    a second thread costs more than it gains: measured on 2 cores, a 3-fold cross-validation
    of 300 rounds took 5.3 s and 5.5 CPU-s on one thread, 6.0 s and 7.3 CPU-s on two, with
    the same result (XGBoost's histogram method does not depend on the thread count)."""
    share = max(1, available_cpus() // max(1, lanes))
    return {**LANE_ENVIRONMENT, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS") or str(share)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        help="also run, in a lane of its own, the notebooks of this Python's environment "
        "(e.g. .venv-v3/bin/python)",
    )
    parser.add_argument("--list", action="store_true", help="print this environment's notebooks")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, script: Path, order: tuple[str, ...]) -> list[dict]:
    """Run this environment's notebooks and those of every `--python`, one lane per
    environment; their rows in the listed order."""
    wanted = set(args.only) if args.only else None
    lanes = [(sys.executable, list(order))]
    lanes += [
        (python, _listed(python, script))
        for python in args.python
        if Path(python).absolute() != Path(sys.executable).absolute()
    ]
    lanes = [
        (python, [n for n in names if wanted is None or n in wanted]) for python, names in lanes
    ]
    extra = [item for name, value in args.p for item in ("-p", name, value)]
    env = lane_environment(sum(1 for _, names in lanes if names))

    def run_lane(lane: tuple[str, list[str]]) -> list[dict]:
        python, names = lane
        return _worker(python, names, script, extra, env) if names else []

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        return [row for rows in pool.map(run_lane, lanes) for row in rows]


def _listed(python: str, script: Path) -> list[str]:
    """The notebooks the environment of `python` runs (its SDK generation's)."""
    listed = subprocess.run(
        [python, str(script), "--list"], capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


def _worker(
    python: str, names: list[str], script: Path, extra: list[str], env: dict[str, str]
) -> list[dict]:
    """A lane's notebooks in one worker process of its environment, in order; their rows. A
    notebook that failed gives a failed row (papermill names the cell); if the worker itself
    dies, the notebooks it did not finish get failed rows with its last lines."""
    rows: dict[str, dict] = {}
    started: set[str] = set()
    with tempfile.TemporaryFile(mode="w+") as errors:
        worker = subprocess.Popen(
            [python, str(script), "--worker", *names, *extra],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, **env},
        )
        for line in worker.stdout:
            if line.startswith(STARTED):
                name = line[len(STARTED) :].strip()
                started.add(name)
                say_running(name)
            elif line.startswith(RESULT):
                row = json.loads(line[len(RESULT) :])
                rows[row["name"]] = row
                say_finished(row)
        code = worker.wait()
        errors.seek(0)
        tail = "\n".join(errors.read().strip().splitlines()[-15:])
    for name in names:
        if name not in rows:
            why = f"the worker ended with exit code {code}:\n{tail}"
            rows[name] = failed_row(name, why, started=name in started)
            say_finished(rows[name])
    return [rows[name] for name in names]


def failed_row(name: str, error: str, seconds: float = 0.0, started: bool = True) -> dict:
    """The row of a notebook that failed (`started`: whether it ran at all)."""
    return {"name": name, "numbers": {}, "seconds": seconds, "failed": True, "error": error,
            "started": started}  # fmt: skip


def announce(name: str) -> None:
    """(In a worker) tell the lane that `name` starts."""
    print(STARTED + name, flush=True)


def say_running(name: str) -> None:
    print(f"Running {name} ...", flush=True)


def say_finished(row: dict) -> None:
    if not row.get("failed"):
        print(f"Finished {row['name']} in {row['seconds']:.1f} s", flush=True)
        return
    where = (
        "the executed copy under outputs/notebooks/ shows the failing cell's error"
        if row.get("started", True)
        else "not run"
    )
    print(f"FAILED {row['name']} ({where}):\n{row.get('error', '')}", flush=True)
