"""`make lab`'s lanes (aux/notebook_lanes.py): every notebook of every environment runs once, in
one worker per environment (its Python), one at a time; rows come back in the listed order,
and a failing notebook, or a worker that dies, gives failed rows instead of stopping the
others."""

from __future__ import annotations

import argparse
import sys
import textwrap

from conftest import REPO

sys.path.insert(0, str(REPO / "aux"))
import notebook_lanes as lanes  # noqa: E402

# Stands in for run_notebooks.py: `--list` names the notebooks of "its environment" (the file
# name says which); `--worker NAME ...` runs them in turn: broken.ipynb gives a failed row,
# crash.ipynb ends the worker (the notebooks after it never run).
FAKE_RUNNER = """
import json, os, sys
from pathlib import Path
names = {"v2": ["a.ipynb", "train_script_mode.ipynb"],
         "v3": ["sdk_v3/b.ipynb", "broken.ipynb", "sdk_v3/c.ipynb", "crash.ipynb", "last.ipynb"]}
if sys.argv[1] == "--list":
    print("\\n".join(names[os.environ["FAKE_ENV"]]))
    sys.exit()
args = sys.argv[2:]
extra = args[args.index("-p"):] if "-p" in args else []
for name in args[: len(args) - len(extra)]:
    print("%s" + name, flush=True)
    if name == "crash.ipynb":
        sys.exit("Kernel died: worker gone")
    row = {"name": name, "numbers": {"validation AUC": 0.9}, "seconds": 0.1,
           "policy": os.environ.get("OMP_WAIT_POLICY"), "extra": extra, "pid": os.getpid(),
           "threads": os.environ.get("OMP_NUM_THREADS")}
    if name == "broken.ipynb":
        row.update(numbers={}, failed=True, error="PapermillExecutionError: cell 3 failed")
    print("noise")
    print("%s" + json.dumps(row), flush=True)
"""


def fake_environments(tmp_path):
    runner = tmp_path / "run_notebooks.py"
    runner.write_text(textwrap.dedent(FAKE_RUNNER % (lanes.STARTED, lanes.RESULT)))
    v3_python = tmp_path / "python-v3"  # a Python that lists the "v3" notebooks
    v3_python.write_text(f'#!/bin/sh\nFAKE_ENV=v3 exec {sys.executable} "$@"\n')
    v3_python.chmod(0o755)
    return runner, v3_python


def test_lanes_run_each_notebook_once_in_its_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(lanes, "available_cpus", lambda: 4)
    runner, v3_python = fake_environments(tmp_path)
    args = argparse.Namespace(only=None, p=[["num_round", "5"]], python=[str(v3_python)])
    rows = lanes.run(args, runner, ("a.ipynb", "train_script_mode.ipynb"))

    assert [row["name"] for row in rows] == [
        "a.ipynb", "train_script_mode.ipynb", "sdk_v3/b.ipynb", "broken.ipynb",
        "sdk_v3/c.ipynb", "crash.ipynb", "last.ipynb",
    ]  # fmt: skip
    good = [row for row in rows if not row.get("failed")]
    assert [row["name"] for row in good] == [
        "a.ipynb", "train_script_mode.ipynb", "sdk_v3/b.ipynb", "sdk_v3/c.ipynb"
    ]  # fmt: skip
    assert all(row["policy"] == "PASSIVE" for row in good)
    assert all(row["threads"] == "2" for row in good)  # 4 cores, 2 lanes
    assert all(row["extra"] == ["-p", "num_round", "5"] for row in good)
    assert len({row["pid"] for row in good}) == 2  # one worker per lane, not per notebook
    assert all(row["numbers"] == {} for row in rows if row.get("failed"))
    out = capsys.readouterr().out
    assert "FAILED broken.ipynb (the executed copy" in out
    assert "error):\nPapermillExecutionError: cell 3 failed" in out
    # The worker died in crash.ipynb: it and the notebook after it fail, with its last words.
    assert "FAILED crash.ipynb (the executed copy" in out
    assert "FAILED last.ipynb (not run):" in out
    assert "exit code 1:\nKernel died: worker gone" in out
    assert "Running last.ipynb" not in out
    # One notebook at a time in an environment (they share its jobs and the SDK's job names).
    assert out.index("Finished a.ipynb") < out.index("Running train_script_mode.ipynb")
    assert out.index("FAILED broken.ipynb") < out.index("Running sdk_v3/c.ipynb")


def test_only_selects_notebooks_across_environments(tmp_path):
    runner, v3_python = fake_environments(tmp_path)
    args = argparse.Namespace(only=["sdk_v3/b.ipynb"], p=[], python=[str(v3_python)])
    rows = lanes.run(args, runner, ("a.ipynb",))
    assert [row["name"] for row in rows] == ["sdk_v3/b.ipynb"]


def test_each_lane_gets_its_share_of_the_cores_unless_the_caller_chose(monkeypatch):
    """Two lanes on 2 cores: one OpenMP thread each (the local jobs take it as their cap,
    localsm/cpus.job_threads); a thread count the caller set is kept."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(lanes, "available_cpus", lambda: 2)
    assert lanes.lane_environment(2) == {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
    assert lanes.lane_environment(1)["OMP_NUM_THREADS"] == "2"
    assert lanes.lane_environment(3)["OMP_NUM_THREADS"] == "1"
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert lanes.lane_environment(2)["OMP_NUM_THREADS"] == "4"
