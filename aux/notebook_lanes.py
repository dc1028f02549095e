"""Lanes for `make lab`: the notebooks of the two SDK environments run side by side.

Nothing about a notebook's run changes: each one is still its own papermill run with its own
kernel, started by a worker process of its environment (`run_notebooks.py --worker NAME` with
that environment's Python). There is one lane per environment, and a lane runs its notebooks
one after the other, in the course's order: two notebooks of one environment at once would
share its local account (`outputs/jobs/`) while the SDK names jobs by the time (SDK v3: to
the second), and a notebook and its translation, started together, would ask for the same
job name. Two lanes pay on two cores because a notebook keeps about one core busy on average
(`benchmarks/lab_breakdown.py` measures it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RESULT = "LAB-RESULT "  # the worker's line that carries its notebook's row, as JSON
# Notebooks side by side run more OpenMP threads (XGBoost's) than there are cores; threads that
# spin while they wait would then burn the cores the other lane needs. Sleeping instead changes
# no result, only who gets the core.
LANE_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        help="also run, in a lane of its own, the notebooks of this Python's environment "
        "(e.g. .venv-v3/bin/python)",
    )
    parser.add_argument("--list", action="store_true", help="print this environment's notebooks")
    parser.add_argument("--worker", help=argparse.SUPPRESS)


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

    def run_lane(lane: tuple[str, list[str]]) -> list[dict]:
        python, names = lane
        return [_worker(python, name, script, extra) for name in names]

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        return [row for rows in pool.map(run_lane, lanes) for row in rows]


def _listed(python: str, script: Path) -> list[str]:
    """The notebooks the environment of `python` runs (its SDK generation's)."""
    listed = subprocess.run(
        [python, str(script), "--list"], capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


def _worker(python: str, name: str, script: Path, extra: list[str]) -> dict:
    """One notebook in a worker process; its row, or a failed row with the worker's last
    lines (papermill names the cell that failed)."""
    print(f"Running {name} ...", flush=True)
    start = time.perf_counter()
    done = subprocess.run(
        [python, str(script), "--worker", name, *extra],
        capture_output=True,
        text=True,
        env={**os.environ, **LANE_ENVIRONMENT},
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            row = json.loads(line[len(RESULT) :])
            print(f"Finished {name} in {row['seconds']:.1f} s", flush=True)
            return row
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
    print(
        f"FAILED {name} (exit code {done.returncode}; the executed copy under "
        f"outputs/notebooks/ shows the failing cell's error):\n{tail}",
        flush=True,
    )
    return {"name": name, "numbers": {}, "seconds": time.perf_counter() - start, "failed": True}
