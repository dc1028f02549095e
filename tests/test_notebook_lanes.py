"""`make lab`'s lanes (aux/notebook_lanes.py): every notebook of every environment runs once, in
a worker of its own environment's Python, one at a time per environment; rows come back in the
listed order, and a failing notebook gives a failed row with its worker's last lines instead
of stopping the others."""

from __future__ import annotations

import argparse
import sys
import textwrap

from conftest import REPO

sys.path.insert(0, str(REPO / "aux"))
import notebook_lanes as lanes  # noqa: E402

# Stands in for run_notebooks.py: `--list` names the notebooks of "its environment" (the file
# name says which), `--worker NAME` prints the row of NAME, or fails for broken.ipynb.
FAKE_RUNNER = """
import json, os, sys
from pathlib import Path
names = {"v2": ["a.ipynb", "train_script_mode.ipynb"], "v3": ["sdk_v3/b.ipynb", "broken.ipynb"]}
env = Path(sys.executable).name
if sys.argv[1] == "--list":
    print("\\n".join(names[os.environ["FAKE_ENV"]]))
else:
    name = sys.argv[2]
    if name == "broken.ipynb":
        sys.exit("PapermillExecutionError: cell 3 failed")
    row = {"name": name, "numbers": {"validation AUC": 0.9}, "seconds": 0.1,
           "policy": os.environ.get("OMP_WAIT_POLICY"), "extra": sys.argv[3:]}
    print("noise")
    print("%s" + json.dumps(row))
"""


def test_lanes_run_each_notebook_once_in_its_environment(tmp_path, monkeypatch, capsys):
    runner = tmp_path / "run_notebooks.py"
    runner.write_text(textwrap.dedent(FAKE_RUNNER % lanes.RESULT))
    v3_python = tmp_path / "python-v3"  # a Python that lists the "v3" notebooks
    v3_python.write_text(f'#!/bin/sh\nFAKE_ENV=v3 exec {sys.executable} "$@"\n')
    v3_python.chmod(0o755)
    args = argparse.Namespace(only=None, p=[["num_round", "5"]], python=[str(v3_python)])
    rows = lanes.run(args, runner, ("a.ipynb", "train_script_mode.ipynb"))

    assert [row["name"] for row in rows] == [
        "a.ipynb", "train_script_mode.ipynb", "sdk_v3/b.ipynb", "broken.ipynb"
    ]  # fmt: skip
    good = [row for row in rows if not row.get("failed")]
    assert all(row["policy"] == "PASSIVE" for row in good)
    assert all(row["extra"] == ["-p", "num_round", "5"] for row in good)
    failed = rows[-1]
    assert failed["failed"] and failed["numbers"] == {}
    out = capsys.readouterr().out
    assert "FAILED broken.ipynb (exit code 1; the executed copy" in out
    assert "error):\nPapermillExecutionError: cell 3 failed" in out
    # One notebook at a time in an environment (they share its jobs and the SDK's job names).
    assert out.index("Finished a.ipynb") < out.index("Running train_script_mode.ipynb")


def test_only_selects_notebooks_across_environments(tmp_path):
    runner = tmp_path / "run_notebooks.py"
    runner.write_text(textwrap.dedent(FAKE_RUNNER % lanes.RESULT))
    v3_python = tmp_path / "python-v3"
    v3_python.write_text(f'#!/bin/sh\nFAKE_ENV=v3 exec {sys.executable} "$@"\n')
    v3_python.chmod(0o755)
    args = argparse.Namespace(only=["sdk_v3/b.ipynb"], p=[], python=[str(v3_python)])
    rows = lanes.run(args, runner, ("a.ipynb",))
    assert [row["name"] for row in rows] == ["sdk_v3/b.ipynb"]
