"""`make lab`'s warm kernels (aux/warm_kernels.py): a notebook's kernel is forked from a runner
that imported the notebooks' modules, and is otherwise the kernel Jupyter would start: this
run's environment (read when the kernel starts, not when the runner did), ipykernel's inline
figures, the parent Jupyter gave it, and nothing left once the run ends."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO

sys.path.insert(0, str(REPO / "aux"))
import warm_kernels  # noqa: E402

from lab.modes import sdk_generation  # noqa: E402
from localsm.warm import client as warm  # noqa: E402

CHECK = """\
import json, os, sys
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0])
print(json.dumps({"executable": sys.executable, "value": os.environ.get("LAB_WARM_TEST"),
                  "backend": plt.get_backend(), "preloaded": "pandas" in sys.modules,
                  "parent": sys.modules["ipykernel.kernelapp"].IPKernelApp.instance().parent_handle,
                  "folder": os.getcwd()}))
"""


def run(tmp_path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CHECK)])
    NotebookClient(notebook, kernel_name="python3", timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    return notebook


@pytest.mark.skipif(not warm.enabled(), reason="the warm runner runs on Linux only")
def test_a_notebook_runs_in_a_forked_kernel_as_in_a_plain_one(tmp_path, monkeypatch):
    import json

    with warm_kernels.warm_kernels(sdk_generation()) as on:
        assert on
        folder = Path(os.environ["JUPYTER_PATH"].split(os.pathsep)[0])
        monkeypatch.setenv("LAB_WARM_TEST", "set after the runner started")
        outputs = run(tmp_path).cells[0].outputs
    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    seen = json.loads(text)
    assert seen["executable"] == str(folder / "bin" / "python3")  # the runner's shim: forked
    assert seen["preloaded"]
    assert seen["value"] == "set after the runner started"
    assert seen["backend"] == warm_kernels.INLINE_BACKEND
    assert seen["parent"] == os.getpid()  # what JPY_PARENT_PID tells a plain kernel
    assert Path(seen["folder"]) == tmp_path
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure, inline
    assert not folder.exists()  # the runner, its shim and the kernel spec are gone
    assert os.environ.get("JUPYTER_PATH") is None or str(folder) not in os.environ["JUPYTER_PATH"]


def test_without_the_warm_runner_kernels_start_the_usual_way(monkeypatch):
    monkeypatch.setenv("LOCALSM_WARM", "0")
    before = os.environ.get("JUPYTER_PATH")
    with warm_kernels.warm_kernels(sdk_generation()) as on:
        assert not on
        assert os.environ.get("JUPYTER_PATH") == before
