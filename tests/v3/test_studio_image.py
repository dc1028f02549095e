"""The notebooks' first cell in a stand-in of SageMaker Studio's current image (SageMaker
Distribution 4.4.1: Python 3.12, SDK v3, xgboost 2.1.4, uv): it either runs as it is or builds
the lab kernel, the lab then runs offline in that kernel, and the image's environment is left
exactly as it was (`pip freeze` before and after).

Slow the first time (it builds the stand-in and a lab kernel, about a minute with a warm
package cache); the stand-in is kept in .venv-studio-4.4.1/, keyed by its pins.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

pytestmark = pytest.mark.slow
PINS = REPO / "aux" / "sagemaker-distribution-4.4.1.txt"
STAND_IN = REPO / ".venv-studio-4.4.1"
# The image's conda build of xgboost has no NCCL; the SDK's serving and MLOps packages would
# pull a CUDA PyTorch from PyPI (the image has a CPU one): installed without dependencies.
NO_DEPS = ("xgboost==2.1.4", "sagemaker==3.12.0", "sagemaker-serve==1.12.0",
           "sagemaker-mlops==1.12.0")  # fmt: skip
OTHERS = ("matplotlib", "tqdm", "ipykernel", "psutil", "packaging", "uv", "pyarrow",
          "scipy")  # fmt: skip
NOTEBOOKS = [  # the SDK v2 ones first
    f"{folder}{name}{language}.ipynb"
    for folder in ("", "sdk_v3/")
    for name in ("train_built_in", "train_script_mode")
    for language in ("", "_pt_br")
]


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        pytest.fail("uv not found: it is in requirements-v3.txt (make setup installs it)")
    return found


def python312() -> str:
    """Python 3.12, found as the Makefile finds it."""
    check = "import sys; assert sys.version_info[:2] == (3, 12)"
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    pyenv = sorted((root / "versions").glob("3.12*/bin/python3.12"))
    this = [sys.executable] if sys.version_info[:2] == (3, 12) else []  # .venv-v3's own
    for candidate in (shutil.which("python3.12"), *pyenv, *this):
        found = candidate and subprocess.run([str(candidate), "-c", check], capture_output=True)
        if found and found.returncode == 0:
            return str(candidate)
    pytest.fail("Python 3.12 not found (the Makefile finds it the same way)")


@pytest.fixture(scope="module")
def stand_in() -> Path:
    """A Python 3.12 environment with the image's versions of what the lab touches, plus uv."""
    python = STAND_IN / "bin" / "python"
    wanted = hashlib.sha256((PINS.read_text() + repr(NO_DEPS + OTHERS)).encode()).hexdigest()
    stamp = STAND_IN / ".pins"
    if stamp.is_file() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(STAND_IN, ignore_errors=True)
    subprocess.run([uv(), "venv", "--quiet", "--python", python312(), str(STAND_IN)], check=True)
    install = [uv(), "pip", "install", "--quiet", "--python", str(python)]
    subprocess.run([*install, "-r", str(PINS), *OTHERS], check=True)
    subprocess.run([*install, "--no-deps", *NO_DEPS], check=True)
    stamp.write_text(wanted)
    return python


def freeze(python: Path) -> str:
    return subprocess.run([uv(), "pip", "freeze", "--python", str(python)], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def first_cell(notebook: str) -> str:
    cells = nbformat.read(REPO / "notebooks" / notebook, as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code")


def run_cell(python: Path | str, notebook: str, home: Path) -> subprocess.CompletedProcess:
    """The first cell, run as Studio runs it (from the notebook's folder), with its own home."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    cache = os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))  # keep it warm
    env.update(HOME=str(home), PATH=f"{Path(python).parent}{os.pathsep}{env['PATH']}",
               UV_CACHE_DIR=cache)  # fmt: skip
    return subprocess.run([str(python), "-c", first_cell(notebook)], capture_output=True,
                          text=True, cwd=(REPO / "notebooks" / notebook).parent, env=env,
                          timeout=900)  # fmt: skip


def test_the_first_cells_leave_the_image_as_it_was(stand_in, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    before = freeze(stand_in)
    transcript = {}
    for notebook in NOTEBOOKS:
        result = run_cell(stand_in, notebook, home)
        transcript[notebook] = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert freeze(stand_in) == before, "the first cell changed the image's environment"
    print(json.dumps(transcript, indent=1))
    for notebook in NOTEBOOKS[:4]:
        assert "KernelSwitchNeeded: " in transcript[notebook]
        assert "'XGBoost lab (SDK v2)'" in transcript[notebook]
        assert "lacks sagemaker" in transcript[notebook]
    for notebook in NOTEBOOKS[4:]:
        # Local mode here needs moto, which the image lacks: the v3 lab kernel.
        assert "'XGBoost lab (SDK v3)'" in transcript[notebook], transcript[notebook]
        assert "lacks moto" in transcript[notebook]
    kernels = home / ".local" / "share" / "jupyter" / "kernels"
    assert sorted(p.name for p in kernels.iterdir()) == ["xgboost-lab-sdk2", "xgboost-lab-sdk3"]
    for sdk in (2, 3):
        lab_python = home / ".xgboost-lab" / f"venv-sdk{sdk}" / "bin" / "python"
        notebook = NOTEBOOKS[0] if sdk == 2 else NOTEBOOKS[4]
        again = run_cell(lab_python, notebook, home)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "All packages the lab needs are installed." in again.stdout
    for sdk, notebook in ((2, NOTEBOOKS[0]), (3, NOTEBOOKS[4])):
        offline_run(notebook, f"xgboost-lab-sdk{sdk}", home, tmp_path)


def skip_without_network_namespaces() -> None:
    """The offline run needs a network namespace made by an unprivileged user: Linux with
    user namespaces allowed, and util-linux's `unshare`; elsewhere it is skipped, saying why."""
    if sys.platform != "linux":
        pytest.skip(f"running offline needs Linux network namespaces (this is {sys.platform})")
    if not shutil.which("unshare"):
        pytest.skip("running offline needs unshare (util-linux)")
    tried = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True)
    if tried.returncode != 0:
        pytest.skip(f"user namespaces are not allowed here: {tried.stderr.strip()}")


def offline_run(notebook: str, kernel: str, home: Path, tmp_path: Path) -> None:
    """A built-in notebook, top to bottom in a lab kernel, with no network at all (a new
    network namespace: only a loopback device)."""
    skip_without_network_namespaces()
    source = REPO / "notebooks" / notebook
    run = [sys.executable, "-m", "papermill", str(source), str(tmp_path / "out.ipynb"),
           "-k", kernel, "-p", "mode", "local", "-p", "num_round", "20",
           "--cwd", str(source.parent)]  # fmt: skip
    env = dict(os.environ, HOME=str(home), JUPYTER_PATH=str(home / ".local/share/jupyter"))
    env.pop("PYTHONPATH", None)
    result = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up 2>/dev/null; "
                             'exec "$@"', "sh", *run], capture_output=True, text=True, env=env,
                            timeout=600)  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "auc" in printed.lower()  # the summary prints "AUC"
