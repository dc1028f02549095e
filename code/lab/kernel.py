"""The notebooks' first cell: use this kernel if it has what the lab needs, else build a lab
kernel beside it, and never change an environment the lab did not create.

SageMaker Studio's images hold the learner's own environment (SageMaker Distribution 4.x
ships SDK v3; 3.x ships SDK v2 with botocore pinned by aiobotocore): installing the lab's
pins there would break other packages, so a missing package is never installed into it. The
lab builds its own environment in the home folder instead (with `uv` when the image has it
and pip's configuration names no index of its own, else venv + pip, which reads it),
registers it as a Jupyter kernel for this user, and says which one to pick.
In an environment the lab built itself (marked by a file in its prefix) a missing package is
installed in place, since nobody else uses it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lab.paths import REPO, SAGEMAKER_METADATA

# What the notebooks import, per SDK generation (the rest of the requirements files is for
# tests and tooling). Local mode also needs Werkzeug (local endpoints), moto (local S3) and,
# for local Clarify, smclarify's one import we lack (pyfunctional).
# XGBoost is `xgboost-cpu` where PyPI has that build, `xgboost` elsewhere (the requirements
# files choose by platform); either distribution satisfies either name.
NOTEBOOK_PACKAGES = {
    2: ("sagemaker", "boto3", "xgboost", "xgboost-cpu", "numpy", "pandas", "scikit-learn",
        "matplotlib", "bokeh", "optuna", "tqdm", "psutil"),
    3: ("sagemaker-core", "sagemaker-train", "boto3", "xgboost", "xgboost-cpu", "numpy",
        "pandas", "scikit-learn", "matplotlib", "bokeh", "optuna", "tqdm", "psutil"),
}  # fmt: skip
SAME_PACKAGE = {"xgboost-cpu": "xgboost", "xgboost": "xgboost-cpu"}
# moto's S3 backend is served by its Flask application (localsm/moto_server.py).
LOCAL_MODE_PACKAGES = {
    2: ("moto", "flask", "flask-cors", "werkzeug", "pyfunctional"),
    3: ("moto", "flask", "flask-cors", "werkzeug", "pyfunctional"),
}
REQUIREMENTS = {2: REPO / "requirements.txt", 3: REPO / "requirements-v3.txt"}
# Installed without their dependencies, for local mode (the file says why).
NO_DEPS_REQUIREMENTS = {2: REPO / "requirements-nodeps.txt", 3: REPO / "requirements-nodeps.txt"}
LAB_HOME = Path.home() / ".xgboost-lab"
MARKER = "xgboost-lab-environment.json"  # in the prefix of an environment the lab built
KERNEL_PACKAGES = ("ipykernel>=6.29", "packaging")  # a Jupyter kernel, and this check
UNUSED_PACKAGES = ("rfc3987-syntax",)  # installed as an extra, then left out (Makefile)
# The code uses datetime.UTC (3.11) and tarfile's extraction filters (3.11.4).
MIN_PYTHON = (3, 11, 4)
# pip settings that choose or reach the package index (variables, and pip.conf keys as
# `pip config list` names them): uv reads none of them, so with any of these set the lab
# kernel is built with pip, which does; unless uv's own index variables are set.
PIP_INDEX_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX",
                       "PIP_TRUSTED_HOST", "PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY")  # fmt: skip
PIP_INDEX_KEYS = ("index-url", "extra-index-url", "find-links", "no-index", "trusted-host",
                  "cert", "client-cert", "proxy")  # fmt: skip
UV_INDEX_VARIABLES = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL",
                      "UV_FIND_LINKS", "UV_NO_INDEX")  # fmt: skip
# What pip and uv print when they cannot reach the index (name resolution, connection, proxy).
OFFLINE_SIGNS = ("NewConnectionError", "Failed to establish a new connection",
                 "Temporary failure in name resolution", "Name or service not known",
                 "Network is unreachable", "ConnectTimeoutError", "ProxyError",
                 "dns error", "tcp connect error", "error sending request",
                 "Could not connect", "Failed to fetch")  # fmt: skip


class KernelSwitchNeeded(RuntimeError):
    """Stops a notebook whose kernel lacks packages: shown as its message, not a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom error display
        return [str(self)]


def kernel_name(sdk: int) -> tuple[str, str]:
    """(name, display name) of the lab kernel for an SDK generation."""
    return f"xgboost-lab-sdk{sdk}", f"XGBoost lab (SDK v{sdk})"


def requirement_lines(sdk: int, local_mode: bool = True) -> list[str]:
    """The requirement lines of the packages the notebooks import (tooling left out), those
    whose environment marker holds on this platform."""
    from packaging.requirements import Requirement

    names = NOTEBOOK_PACKAGES[sdk] + (LOCAL_MODE_PACKAGES[sdk] if local_mode else ())
    lines = _lines(REQUIREMENTS[sdk], names)
    return [line for line in lines if (m := Requirement(line).marker) is None or m.evaluate()]


def no_deps_lines(sdk: int, local_mode: bool = True) -> list[str]:
    """The requirement lines to install with `--no-deps` (local mode only)."""
    path = NO_DEPS_REQUIREMENTS.get(sdk)
    return _lines(path) if local_mode and path else []


def _lines(path: Path, names: tuple[str, ...] | None = None) -> list[str]:
    """The requirement lines of a file (those of `names` only, when given)."""
    lines = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        name = line.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        if line and (names is None or name.lower() in names):
            lines.append(line)
    return lines


def missing_requirements(lines: list[str]) -> list[str]:
    """The lines that this environment does not satisfy (absent, or another version)."""
    from packaging.requirements import Requirement

    missing = []
    for line in lines:
        requirement = Requirement(line)
        version = _installed_version(requirement.name)
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(line)
    return missing


def _installed_version(name: str) -> str | None:
    """The installed version of `name` (or of the same package under its other name)."""
    for candidate in (name, SAME_PACKAGE.get(name)):
        try:
            return importlib.metadata.version(candidate) if candidate else None
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def check_python(version: tuple[int, ...] | None = None) -> None:
    """Stop, saying what to do, in a kernel whose Python is older than the lab needs: a lab
    kernel built from it would not run the lab either."""
    version = tuple(version or sys.version_info[:3])
    if version >= MIN_PYTHON:
        return
    need = ".".join(map(str, MIN_PYTHON))
    raise KernelSwitchNeeded(
        f"This kernel runs Python {'.'.join(map(str, version))} and the lab needs Python {need} "
        "or later (3.12 for SDK v3): pick a kernel with Python 3.11 or 3.12 (Kernel > Change "
        "Kernel; in SageMaker Studio, a JupyterLab space with a current SageMaker Distribution "
        "image), or install one (uv python install 3.12, pyenv, or python.org) and follow "
        "README.md's setup."
    )


def built_by_the_lab(prefix: Path | None = None) -> bool:
    """Whether this kernel's environment is one the lab created."""
    return (Path(prefix or sys.prefix) / MARKER).is_file()


def ensure_requirements(sdk: int = 2, local_mode: bool | None = None) -> None:
    """The first cell: go on in this kernel, or build and name the lab kernel and stop.

    `local_mode`: whether the notebook will run jobs locally (default: outside SageMaker).
    """
    check_python()
    if local_mode is None:  # outside SageMaker (the test lab.modes.detect_mode makes)
        local_mode = not SAGEMAKER_METADATA.is_file()
    missing = missing_requirements(requirement_lines(sdk, local_mode))
    missing_no_deps = missing_requirements(no_deps_lines(sdk, local_mode))
    if not missing and not missing_no_deps:
        from lab.words import say

        check_openmp()
        print(say("installed"))
        return
    if built_by_the_lab():
        _install_in_place(missing, missing_no_deps)
        check_openmp()
        return
    missing += missing_no_deps
    name, display = kernel_name(sdk)
    seconds = build_lab_kernel(sdk, LAB_HOME)
    built = f"built it in {seconds:.0f} s" if seconds else "it is already there"
    lab_kind = f"SDK v{sdk} lab" + (" in local mode" if local_mode else "")
    raise KernelSwitchNeeded(
        f"This kernel lacks {', '.join(_names(missing))} for the {lab_kind}, and the lab "
        f"does not change environments it did not create: its own kernel '{display}' is ready "
        f"({built}, in {LAB_HOME}). Pick it (Kernel > Change Kernel), then run the notebook "
        "again."
    )


def ensure_mode_packages(sdk: int, local_mode: bool) -> None:
    """`setup(mode)`'s check: the packages of the mode the notebook asked for (the first cell
    checks those of the detected mode, before the notebook's `mode` parameter is set), with
    the first cell's remedy when one is missing."""
    lines = requirement_lines(sdk, local_mode)
    if missing_requirements(lines) or missing_requirements(no_deps_lines(sdk, local_mode)):
        ensure_requirements(sdk, local_mode)


def check_openmp(importer: Callable[[str], object] = importlib.import_module) -> None:
    """Stop, naming the fix, when XGBoost's library cannot load for want of the OpenMP runtime
    (XGBoost's macOS wheels link libomp.dylib, which macOS lacks; its import then raises
    XGBoostError "XGBoost Library (libxgboost.dylib) could not be loaded", or OSError from
    dlopen). Package metadata alone cannot tell."""
    try:
        importer("xgboost")
    except (OSError, ValueError) as error:  # XGBoostError is a ValueError
        text = str(error)
        if not any(sign in text for sign in ("libomp", "libgomp", "OpenMP", "could not be loaded")):
            return  # another failure: the notebook meets it, unchanged, where it imports XGBoost
        if sys.platform == "darwin":
            fix = "install it with `brew install libomp` (Homebrew, https://brew.sh)"
        else:
            fix = "install it with the system's package manager (libgomp1 on Debian and Ubuntu)"
        raise KernelSwitchNeeded(
            "XGBoost cannot load here because the OpenMP runtime it needs is missing: "
            f"{fix}, then restart the kernel and run this cell again."
        ) from None


def _names(lines: list[str]) -> list[str]:
    from packaging.requirements import Requirement

    return [Requirement(line).name for line in lines]


def _install_in_place(missing: list[str], missing_no_deps: list[str]) -> None:
    print(f"Installing {', '.join(missing + missing_no_deps)} into the lab's own environment ...")
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    if missing:
        _run([*pip, *missing], Path(sys.prefix))
    if missing_no_deps:
        _run([*pip, "--no-deps", *missing_no_deps], Path(sys.prefix))


def build_lab_kernel(sdk: int, home: Path) -> float:
    """Create (once) the lab environment for `sdk` under `home` and register its kernel for
    this user; returns the seconds spent (0 when it existed already)."""
    prefix = home / f"venv-sdk{sdk}"
    if built_by_the_lab(prefix):
        return 0.0
    start = time.monotonic()
    home.mkdir(parents=True, exist_ok=True)
    name, display = kernel_name(sdk)
    print(f"Building the lab kernel '{display}' in {prefix} (about a minute) ...", flush=True)
    python = prefix / "bin" / "python"
    uv = uv_for_the_index()
    if uv:
        # --seed: pip in the environment too (the lab completes it in place with pip).
        _run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(prefix)], home)
        # uv leaves out the bytecode pip writes at install time: every kernel start would
        # compile the SDK's large modules again (seconds; never cached where
        # PYTHONDONTWRITEBYTECODE is set).
        install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python)]
    else:
        _run([sys.executable, "-m", "venv", str(prefix)], home)
        install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*install, *requirement_lines(sdk), *KERNEL_PACKAGES], home)
    if no_deps_lines(sdk):
        _run([*install, "--no-deps", *no_deps_lines(sdk)], home)
    # An optional extra that costs every `import sagemaker` 1.1 s (the Makefile's UNUSED)
    _run([str(python), "-m", "pip", "uninstall", "--quiet", "-y", *UNUSED_PACKAGES], home)
    _run([str(python), "-m", "ipykernel", "install", "--user", "--name", name,
          "--display-name", display], home)  # fmt: skip
    prefix.mkdir(parents=True, exist_ok=True)  # (made by the venv step; kept explicit)
    (prefix / MARKER).write_text(json.dumps({"sdk": sdk, "requirements": str(REQUIREMENTS[sdk])}))
    return time.monotonic() - start


def uv_for_the_index() -> str | None:
    """uv, when it is here and would use the index the user chose: uv ignores pip's
    configuration, so where pip's settings name an index (or a proxy, or certificates) and
    uv's own variables do not, the lab kernel is built with pip instead."""
    uv = shutil.which("uv")
    if not uv or any(os.environ.get(name) for name in UV_INDEX_VARIABLES):
        return uv
    return None if pip_index_settings() else uv


def pip_index_settings() -> list[str]:
    """The pip settings in force that choose or reach the package index: variables, and
    pip.conf keys as `pip config list` reads them (global, user and site files)."""
    found = [name for name in PIP_INDEX_VARIABLES if os.environ.get(name)]
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    for line in (listed.stdout or "").splitlines():
        key = line.split("=", 1)[0].strip()  # e.g. global.index-url='https://...'
        if key.rsplit(".", 1)[-1] in PIP_INDEX_KEYS:
            found.append(key)
    return found


def _run(command: list[str], folder: Path) -> None:
    """Run a setup command quietly; on failure say what failed and where its output is."""
    log = folder / "setup.log"
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        start = out.tell()
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0 and _offline(log, start):
        raise KernelSwitchNeeded(
            "The lab kernel needs packages from the package index, and this machine cannot "
            f"reach it (see {log}): connect it to the network (or name a reachable index in "
            "PIP_INDEX_URL), then run this cell again."
        )
    if result.returncode != 0:
        raise KernelSwitchNeeded(
            f"Setting up the lab environment failed (exit code {result.returncode}) running "
            f"{Path(command[0]).name} {command[1] if len(command) > 1 else ''}: see {log}. "
            "Check the network access to the package index, then run this cell again."
        )


def _offline(log: Path, start: int) -> bool:
    """Whether the output a command wrote to `log` after `start` says the index is out of
    reach."""
    with open(log, encoding="utf-8", errors="replace") as text:
        text.seek(start)
        written = text.read()
    return any(sign in written for sign in OFFLINE_SIGNS)
