"""SDK v3 script mode: the container runs the SDK's own driver scripts.

A v3 `ModelTrainer` with `SourceCode` sends `ContainerEntrypoint ["/bin/bash"]` and
`ContainerArguments` that run `/opt/ml/input/data/sm_drivers/sm_train.sh`, and two channels:
`code` (the source folder) and `sm_drivers` (the SDK's scripts, which set the `SM_*`
environment from the `input/config` files and then run the entry script). Locally the job's
`ml/` folder stands in for `/opt/ml`, so the driver files and the arguments get that path in
place of `/opt/ml`; the drivers then run unchanged, with this environment's Python first on
`PATH` (they look for `python3` and `pip3` there), or, for a job that installs a
requirements file, the job's own environment (job_env.py).

The drivers' shell script names `/opt/ml/…` unquoted (`cat /opt/ml/input/config/…`,
`source /opt/ml/input/sm_training.env`): a job folder under `João Silva/curso de ML` would be
split at its spaces, and so is `$SM_PYTHON_CMD` (the job's Python environment there). Such
a folder is reached through a link with a plain name instead (`shell_safe`), in a private
temporary folder; the link is left there when the job ends
(a job may outlive the kernel that started it).
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

from localsm import toolkit
from localsm.cpus import openmp_environment
from localsm.training import job_env
from localsm.warm import client

CONTAINER_ROOT = "/opt/ml"
DRIVER_CHANNEL = "sm_drivers"
REWRITTEN = (".sh", ".py", ".json")
# What a container's environment holds besides the job's own variables. The drivers print
# every variable they see, so the kernel's environment is not passed on.
KEPT_VARIABLES = ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "OMP_NUM_THREADS")
_LINKS: dict[Path, str] = {}  # a path -> its link with a shell-safe name
_LINK_FOLDERS: dict[Path, str] = {}  # a job folder -> the private folder of its links


def shell_root(ml: Path) -> str:
    """`ml` as the drivers may name it unquoted: itself when no shell word splits it, else a
    link to it in a private temporary folder (`tempfile.mkdtemp`: not guessable by others)."""
    return shell_safe(ml)


def shell_safe(path: Path) -> str:
    """`path` itself when no shell word splits it, else a link with its name to it in a
    private temporary folder, one per job folder (`ml` and the job's Python environment)."""
    if shlex.quote(str(path)) == str(path):
        return str(path)
    if path not in _LINKS:
        if path.parent not in _LINK_FOLDERS:
            _LINK_FOLDERS[path.parent] = tempfile.mkdtemp(prefix="localsm-ml-")
        link = Path(_LINK_FOLDERS[path.parent]) / path.name
        link.symlink_to(path, target_is_directory=True)
        _LINKS[path] = str(link) if shlex.quote(str(link)) == str(link) else str(path)
    return _LINKS[path]


def uses_drivers(request: dict) -> bool:
    """Whether the job runs its own entrypoint (SDK v3 script mode) instead of the image's."""
    return bool(request["AlgorithmSpecification"].get("ContainerEntrypoint"))


def prepare(ml: Path) -> None:
    """Point the staged driver files at `ml` instead of `/opt/ml`."""
    folder = ml / "input" / "data" / DRIVER_CHANNEL
    root = shell_root(ml)
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.is_file() and path.suffix in REWRITTEN:
            text = path.read_text(encoding="utf-8")
            if CONTAINER_ROOT in text:
                path.write_text(text.replace(CONTAINER_ROOT, root), encoding="utf-8")


def command_and_env(
    ml: Path, request: dict, job_name: str, threads: int
) -> tuple[list[str], dict[str, str]]:
    """The entrypoint and arguments with `ml` for `/opt/ml`, and a container-like environment."""
    spec = request["AlgorithmSpecification"]
    root = shell_root(ml)
    arguments = [a.replace(CONTAINER_ROOT, root) for a in spec.get("ContainerArguments", [])]
    env = {k: os.environ[k] for k in KEPT_VARIABLES if k in os.environ}
    python_bin = str(Path(sys.executable).parent)
    if job_env.installs_requirements(ml, DRIVER_CHANNEL):  # pip installs into its own
        first = [os.path.join(shell_safe(job_env.create(ml.parent)), "bin")]
    else:
        warm = client.runner()  # its `python3` runs the drivers' scripts in warm children
        first = [str(warm.shim_folder)] if warm is not None else []
    env.update(
        PATH=os.pathsep.join((*first, python_bin, "/usr/local/bin", "/usr/bin", "/bin")),
        TRAINING_JOB_NAME=job_name,
        PYTHONUNBUFFERED="1",
        **openmp_environment(threads),
        PYTHONPATH=toolkit.image_python_path(),  # the image's helper packages
        **request.get("Environment", {}),
    )
    return [*spec["ContainerEntrypoint"], *arguments], env
