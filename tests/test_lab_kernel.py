"""The lab-kernel installer (code/lab/kernel.py) on learners' machines: XGBoost's CPU build
counts as XGBoost, the user's pip index settings are honoured, a machine without network is
told so in one sentence, and an old Python is told what to do. The setup commands are
recorded, never run.

pip's settings are those of https://pip.pypa.io/en/stable/topics/configuration/ (variables
PIP_<OPTION>, `pip config list` keys such as global.index-url); uv reads UV_INDEX_URL /
UV_DEFAULT_INDEX / UV_INDEX and not pip's (https://docs.astral.sh/uv/reference/environment/).
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys

import pytest

from lab import kernel


@pytest.fixture
def setup_commands(monkeypatch):
    """No pip or uv index settings, uv on PATH, and every setup command recorded; `listed`
    is what `pip config list` prints."""
    for name in kernel.PIP_INDEX_VARIABLES + kernel.UV_INDEX_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")
    commands: list[list[str]] = []
    state = {"listed": ""}

    def run(command, **kwargs):
        commands.append(command)
        stdout = state["listed"] if command[1:] == ["-m", "pip", "config", "list"] else None
        return subprocess.CompletedProcess(command, 0, stdout=stdout)

    monkeypatch.setattr(subprocess, "run", run)
    return commands, state


def installer(commands: list[list[str]]) -> str:
    """'uv' or 'pip': what built the environment."""
    created = next(c for c in commands if "venv" in c[:3])
    return "uv" if created[0].endswith("uv") else "pip"


def test_without_pip_settings_uv_builds_it_with_pip_inside(setup_commands, tmp_path):
    commands, _ = setup_commands
    kernel.build_lab_kernel(2, tmp_path)
    assert installer(commands) == "uv"
    assert "--seed" in next(c for c in commands if "venv" in c[:3])  # pip for in-place fixes


@pytest.mark.parametrize("variable", ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"])
def test_a_pip_index_variable_makes_pip_build_it(setup_commands, tmp_path, monkeypatch, variable):
    commands, _ = setup_commands
    monkeypatch.setenv(variable, "https://pypi.example.internal/simple")
    kernel.build_lab_kernel(2, tmp_path)
    assert installer(commands) == "pip"
    installs = [c for c in commands if c[1:4] == ["-m", "pip", "install"]]
    assert installs and all(
        c[0] == str(tmp_path / "venv-sdk2" / "bin" / "python") for c in installs
    )


def test_an_index_in_pip_conf_makes_pip_build_it(setup_commands, tmp_path):
    commands, state = setup_commands
    state["listed"] = "global.index-url='https://pypi.example.internal/simple'\n"
    kernel.build_lab_kernel(3, tmp_path)
    assert installer(commands) == "pip"


def test_uv_index_variables_keep_uv(setup_commands, tmp_path, monkeypatch):
    commands, _ = setup_commands
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.example.internal/simple")
    monkeypatch.setenv("UV_INDEX_URL", "https://pypi.example.internal/simple")
    kernel.build_lab_kernel(2, tmp_path)
    assert installer(commands) == "uv"


def test_no_network_is_said_in_one_sentence(monkeypatch, tmp_path):
    def offline(command, stdout=None, **kwargs):
        stdout.write(
            "WARNING: Retrying ... NewConnectionError('Failed to establish a new connection: "
            "[Errno -3] Temporary failure in name resolution')\n"
        )
        return subprocess.CompletedProcess(command, 1)

    monkeypatch.setattr(subprocess, "run", offline)
    with pytest.raises(kernel.KernelSwitchNeeded) as stop:
        kernel._run(["/usr/bin/uv", "pip", "install", "sagemaker"], tmp_path)
    message = str(stop.value)
    assert "cannot reach it" in message and "network" in message
    assert message.count(". ") == 0 and message.endswith("again.")


def test_another_failure_still_names_its_log(monkeypatch, tmp_path):
    monkeypatch.setattr(subprocess, "run", lambda c, **k: subprocess.CompletedProcess(c, 2))
    with pytest.raises(kernel.KernelSwitchNeeded, match=r"exit code 2.*setup\.log"):
        kernel._run(["/usr/bin/uv", "pip", "install", "sagemaker"], tmp_path)


def test_a_python_310_kernel_is_told_what_to_do():
    with pytest.raises(kernel.KernelSwitchNeeded) as stop:
        kernel.check_python((3, 10, 13))
    message = str(stop.value)
    assert "Python 3.10.13" in message and "3.11.4 or later" in message
    assert "uv python install 3.12" in message and "Change Kernel" in message
    kernel.check_python((3, 11, 4))  # old enough is fine


def test_the_python_check_comes_before_any_setup(monkeypatch, tmp_path):
    monkeypatch.setattr(kernel, "MIN_PYTHON", (99, 0, 0))
    monkeypatch.setattr(kernel, "LAB_HOME", tmp_path)
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    with pytest.raises(kernel.KernelSwitchNeeded, match="needs Python 99.0.0"):
        kernel.ensure_requirements(sdk=2, local_mode=True)
    assert calls == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("installed", "line"), [
    ("xgboost", "xgboost-cpu>=2.1,<3.1"),  # the Studio image's conda xgboost
    ("xgboost-cpu", "xgboost>=3.0,<3.1"),
])  # fmt: skip
def test_either_xgboost_distribution_counts(monkeypatch, installed, line):
    real = importlib.metadata.version

    def version(name):
        if name in ("xgboost", "xgboost-cpu"):
            if name != installed:
                raise importlib.metadata.PackageNotFoundError(name)
            return "3.0.5"
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert kernel.missing_requirements([line]) == []
    assert kernel.missing_requirements(["xgboost>=3.1"]) == ["xgboost>=3.1"]


@pytest.mark.parametrize("sdk", [2, 3])
def test_the_lab_kernel_gets_one_xgboost_and_the_local_s3_server(sdk):
    lines = kernel.requirement_lines(sdk)
    names = [line.split(";")[0].split(">")[0].split("[")[0] for line in lines]
    assert len([n for n in names if n in ("xgboost", "xgboost-cpu")]) == 1
    expected = "xgboost-cpu" if sys.platform == "linux" else None
    assert expected is None or expected in names
    assert {"moto", "flask", "flask-cors", "werkzeug"} <= set(names)
    assert not {"pytest", "nbval", "ruff", "playwright"} & set(names)


class _NoOpenMP:
    """A meta-path finder for which `import xgboost` fails as on a Mac without libomp: the
    error XGBoost's `_load_lib` raises (dmlc/xgboost python-package/xgboost/core.py, class
    XGBoostError(ValueError), "XGBoost Library (libxgboost.dylib) could not be loaded ...
    libomp.dylib for Mac OSX"), or the bare dlopen OSError."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def find_spec(self, name, path=None, target=None):
        if name == "xgboost":
            raise self.error
        return None


class XGBoostError(ValueError):
    pass


LOAD_FAILURE = XGBoostError(
    "XGBoost Library (libxgboost.dylib) could not be loaded.\nLikely causes:\n"
    "  * OpenMP runtime is not installed\n    - libomp.dylib for Mac OSX\n"
    'Error message(s): ["dlopen(.../libxgboost.dylib, 0x0006): Library not loaded: '
    '@rpath/libomp.dylib"]'
)


@pytest.fixture
def without_openmp(monkeypatch):
    """`import xgboost` fails for want of the OpenMP runtime (set `.error` to choose how)."""
    finder = _NoOpenMP(LOAD_FAILURE)
    for name in [n for n in sys.modules if n == "xgboost" or n.startswith("xgboost.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    return finder


@pytest.mark.parametrize(
    "error",
    [LOAD_FAILURE, OSError("dlopen(libxgboost.dylib): Library not loaded: @rpath/libomp.dylib")],
)
def test_a_mac_without_libomp_is_told_brew_install_libomp(without_openmp, monkeypatch, error):
    without_openmp.error = error
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(kernel.KernelSwitchNeeded) as stop:
        kernel.ensure_requirements(sdk=2, local_mode=True)  # every package is installed here
    message = stop.value._render_traceback_()
    assert len(message) == 1 and "`brew install libomp`" in message[0]
    assert message[0].count(". ") == 0 and message[0].endswith("again.")  # one sentence


def test_linux_without_libgomp_names_its_package(without_openmp, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(kernel.KernelSwitchNeeded, match="libgomp1"):
        kernel.check_openmp()


def test_another_xgboost_import_failure_is_left_to_the_notebook(without_openmp):
    without_openmp.error = ValueError("numpy.dtype size changed")
    kernel.check_openmp()  # not an OpenMP problem: no misleading advice


def test_the_first_cell_loads_xgboost_where_openmp_is_there(capsys):
    kernel.ensure_requirements(sdk=2, local_mode=True)
    assert "xgboost" in sys.modules
