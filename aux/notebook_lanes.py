"""Lanes for `make lab`: notebooks of both SDK environments run side by side.

Nothing about a notebook's run changes: each one is still its own papermill run with its own
kernel, started by a worker process of the environment of its SDK generation
(`run_notebooks.py --worker NAME` with that environment's Python). The lanes only overlap
them, which pays on two cores because a notebook keeps about one core busy on average
(`benchmarks/lab_breakdown.py` measures it). The longest notebooks start first, so that the
lanes end close together.
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
# Seconds a notebook takes alone on two cores (benchmarks/lab_breakdown.py), to order them.
EXPECTED_SECONDS = {"train_script_mode": 40, "explain_and_bias": 30, "deploy_and_predict": 20}
DEFAULT_SECONDS = 15
# Notebooks side by side run more OpenMP threads (XGBoost's) than there are cores; threads that
# spin while they wait would then burn the cores the other lane needs. Sleeping instead changes
# no result, only who gets the core.
LANE_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lanes", type=int, default=1, help="notebooks running at once (each its own kernel)"
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        help="also run the notebooks of this Python's environment (e.g. .venv-v3/bin/python)",
    )
    parser.add_argument("--list", action="store_true", help="print this environment's notebooks")
    parser.add_argument("--worker", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, script: Path, order: tuple[str, ...]) -> list[dict]:
    """Run the notebooks of this environment and of every `--python` in `args.lanes` lanes;
    their rows in the listed order."""
    wanted = set(args.only) if args.only else None
    jobs = [(sys.executable, name) for name in order if wanted is None or name in wanted]
    for python in args.python:
        if Path(python).absolute() != Path(sys.executable).absolute():
            jobs += [(python, n) for n in _listed(python, script) if wanted is None or n in wanted]
    pairs = [("-p", *pair) for pair in args.p]
    extra = [item for pair in pairs for item in pair]
    by_length = sorted(jobs, key=lambda job: -_expected(job[1]))
    with ThreadPoolExecutor(max_workers=max(1, args.lanes)) as pool:
        rows = dict(
            zip(
                by_length,
                pool.map(lambda job: _worker(*job, script, extra), by_length),
                strict=True,
            )
        )
    return [rows[job] for job in jobs]


def _expected(name: str) -> float:
    stem = Path(name).stem.removesuffix("_pt_br")
    return EXPECTED_SECONDS.get(stem, DEFAULT_SECONDS)


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
    print(f"FAILED {name} (exit code {done.returncode}):\n{tail}", flush=True)
    return {"name": name, "numbers": {}, "seconds": time.perf_counter() - start, "failed": True}
