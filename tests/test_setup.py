"""`make setup`: the Python it is given is checked before anything is created, a half-built
environment is built again, and the requirements files give a learner's environment the CPU
build of XGBoost, only the moto parts local mode uses, and no test tools.

The Makefile runs with VENV/VENV_V3 in a temporary folder: the project's own environments are
never touched. Markers are PEP 508's (https://peps.python.org/pep-0508/); the wheels each
platform gets were read from PyPI's file lists of xgboost and xgboost-cpu (3.0.5, 2.1.4).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
LEARNER = {2: REPO / "requirements.txt", 3: REPO / "requirements-v3.txt"}
TESTING = {2: REPO / "requirements-test.txt", 3: REPO / "requirements-v3-test.txt"}
TEST_ONLY = ("pytest", "pytest-xdist", "nbval", "ruff", "playwright")
# (sys_platform, platform_machine) -> the XGBoost distribution PyPI has a CPU build of there
PLATFORMS = {
    ("linux", "x86_64"): "xgboost-cpu",
    ("linux", "aarch64"): "xgboost-cpu",
    ("win32", "AMD64"): "xgboost-cpu",
    ("darwin", "arm64"): "xgboost",  # macOS wheels have no CUDA code (and no NCCL dependency)
    ("darwin", "x86_64"): "xgboost",
}


def make(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`make ARGS` in the repository, free of an enclosing make's flags (`make test`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)  # fmt: skip


def python310() -> str:
    found = sorted(Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")).glob(
        "versions/3.10*/bin/python3.10"))  # fmt: skip
    if not found:
        pytest.skip("no Python 3.10 under pyenv (install one with `pyenv install 3.10`)")
    return str(found[0])


def requirements(path: Path) -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def applying(path: Path, platform: tuple[str, str]) -> dict[str, Requirement]:
    environment = {"sys_platform": platform[0], "platform_machine": platform[1]}
    return {r.name: r for r in requirements(path) if not r.marker or r.marker.evaluate(environment)}


def test_python_310_is_refused_before_anything_is_created(tmp_path):
    start = time.monotonic()
    done = make("setup", f"PYTHON={python310()}", f"VENV={tmp_path}/.venv",
                f"VENV_V3={tmp_path}/.venv-v3")  # fmt: skip
    assert done.returncode != 0
    assert time.monotonic() - start < 60
    assert "needs Python 3.11.4 or later" in done.stderr and "is Python 3.10" in done.stderr
    for way in ("pyenv install 3.11", "uv python install 3.11", "python.org"):
        assert way in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_python_for_sdk_v3_stops_before_the_v2_environment_is_built(tmp_path):
    if sys.version_info[:2] == (3, 12):
        pytest.skip("this test needs a Python other than 3.12 to hand make")
    done = make("setup", f"PYTHON={sys.executable}", f"PYTHON_V3={sys.executable}",
                f"VENV={tmp_path}/.venv", f"VENV_V3={tmp_path}/.venv-v3", timeout=60)  # fmt: skip
    assert done.returncode != 0
    assert "(SDK v3) needs Python 3.12" in done.stderr and "PYTHON_V3=" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def empty_requirements(tmp_path) -> list[str]:
    """make arguments that build .venv in tmp_path from empty requirements (fast, offline),
    with .venv-v3 marked as built, so that only the v2 environment's recipe runs."""
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    (tmp_path / "v3").mkdir()
    (tmp_path / "v3" / ".requirements-installed").touch()
    return [f"PYTHON={sys.executable}", f"VENV={tmp_path}/.venv", f"VENV_V3={tmp_path}/v3",
            f"REQUIREMENTS={empty}", f"REQUIREMENTS_NODEPS={empty}", "WARM_V2=", "WARM=",
            f"{tmp_path}/.venv/.requirements-installed"]  # fmt: skip


def test_a_half_built_environment_is_built_again(tmp_path, empty_requirements):
    """A venv whose install failed or was interrupted (no stamp) is removed and rebuilt."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / ".venv")],
                   check=True)  # fmt: skip
    (tmp_path / ".venv" / "left-by-the-failed-build").touch()
    done = make(*empty_requirements)
    assert done.returncode == 0, done.stderr
    assert "building" in done.stdout and "again" in done.stdout
    assert not (tmp_path / ".venv" / "left-by-the-failed-build").exists()
    assert (tmp_path / ".venv" / ".requirements-installed").is_file()
    assert (tmp_path / ".venv" / "bin" / "python").is_file()
    again = make(*empty_requirements)  # built: nothing to do
    assert again.returncode == 0 and "building" not in again.stdout


def test_a_folder_that_is_not_an_environment_is_left_alone(tmp_path, empty_requirements):
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "notes.txt").write_text("mine")
    done = make(*empty_requirements)
    assert done.returncode != 0 and "is not a virtual environment" in done.stderr
    assert (tmp_path / ".venv" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("sdk", [2, 3])
@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_each_platform_gets_one_cpu_xgboost_that_reads_the_containers_models(sdk, platform):
    """xgboost-cpu where PyPI has it, xgboost elsewhere; below 3.1 either way (3.1 dropped
    the legacy binary model format the SageMaker XGBoost containers write)."""
    chosen = applying(LEARNER[sdk], platform)
    xgboosts = [name for name in chosen if name in ("xgboost", "xgboost-cpu")]
    assert xgboosts == [PLATFORMS[platform]]
    specifier = chosen[xgboosts[0]].specifier
    assert specifier.contains("3.0.5") and not specifier.contains("3.1.0")
    assert not any(name.startswith("nvidia") for name in chosen)


@pytest.mark.parametrize("sdk", [2, 3])
def test_a_learners_environment_has_no_test_tools_and_only_the_moto_parts_it_uses(sdk):
    learner = {r.name: r for r in requirements(LEARNER[sdk])}
    assert not set(TEST_ONLY) & set(learner)
    # localsm/moto_server.py serves moto's S3 backend with moto's Flask application.
    assert learner["moto"].extras == {"s3"}
    assert {"flask", "flask-cors", "werkzeug"} <= set(learner)
    testing = {r.name for r in requirements(TESTING[sdk])}
    assert {"pytest", "pytest-xdist", "nbval"} <= testing


def test_the_sdk_v3_xgboost_cpu_pin_follows_the_studio_image():
    """The Makefile pins xgboost-cpu to the image's xgboost (the pins name `xgboost`)."""
    pins = (REPO / "aux" / "sagemaker-distribution-4.4.1.txt").read_text().splitlines()
    assert any(line.startswith("xgboost==") for line in pins)
    assert "s/^xgboost==/xgboost-cpu==/p" in (REPO / "Makefile").read_text()


def test_scripts_notebooks_and_the_makefile_keep_lf_line_endings():
    """.gitattributes (https://git-scm.com/docs/gitattributes#_eol): LF on every checkout."""
    paths = ["Makefile", ".ci/run", "code/lab/kernel.py", "notebooks/train_built_in.ipynb",
             "requirements.txt"]  # fmt: skip
    listed = subprocess.run(["git", "check-attr", "eol", "--", *paths], cwd=REPO,
                            capture_output=True, text=True, check=False)  # fmt: skip
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    assert listed.stdout.splitlines() == [f"{path}: eol: lf" for path in paths]


def test_an_environment_that_cannot_import_the_lab_is_not_marked_built(
    tmp_path, empty_requirements
):
    arguments = [a if a != "WARM=" else "WARM=no_such_module" for a in empty_requirements]
    done = make(*arguments)
    assert done.returncode != 0 and "cannot import what the lab needs" in done.stderr
    assert "No module named 'no_such_module'" in done.stderr
    assert not (tmp_path / ".venv" / ".requirements-installed").exists()
