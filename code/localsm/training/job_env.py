"""The own Python environment of an SDK v3 job that installs a requirements file.

In the container, the SDK's `sm_train.sh` runs `python3 install_requirements.py <file>`
(`sys.executable -m pip install -r <file>`) and then the entry script with the same
`python3`: what pip installs goes to the image's Python, which the job owns. Locally that
`python3` would be the kernel's, so such a job gets a virtual environment of its own in its
folder (`venv --without-pip`: milliseconds, no network). Its site-packages holds a `.pth`
that adds the kernel environment's site-packages after its own, so everything installed in
the kernel is there (a requirement already satisfied needs no download) and what the job
installs comes first. Its `bin/` goes first on the job's PATH, with `pip`/`pip3` that run
pip with that environment's Python. pip comes from the kernel environment, else from the
wheel that Python's `ensurepip` bundles (an environment built without pip).

The warm runner (localsm.warm) forks the kernel's interpreter, which would not see the job's
packages, so these jobs run their `python3` as a new process.
"""

from __future__ import annotations

import importlib.util
import re
import sysconfig
import venv
from pathlib import Path

from localsm.training.reasons import shorten

FOLDER = "python-env"  # in the job folder, beside ml/
INSTALL_SCRIPT = "install_requirements.py"  # the SDK's step that runs pip (see drivers.py)
PIP_WRAPPER = '#!/bin/sh\nexec "{python}" -m pip "$@"\n'
# pip's site configuration (`sys.prefix/pip.conf`): no call to PyPI about pip's own version
# (a job offline would wait on it); not a variable, so the drivers' listing stays as AWS's.
PIP_CONF = "[global]\ndisable-pip-version-check = true\n"
# The SDK's install_requirements.py failing: subprocess.CalledProcessError on its pip command
_PIP_FAILED = re.compile(
    r"CalledProcessError: Command '\[.*'-m', 'pip', 'install', '-r', '(?P<file>[^']+)'.*\]'"
)


def installs_requirements(ml: Path, driver_channel: str) -> bool:
    """Whether the job's staged `sm_train.sh` installs a requirements file."""
    script = ml / "input" / "data" / driver_channel / "sm_train.sh"
    try:
        return INSTALL_SCRIPT in script.read_text(encoding="utf-8")
    except OSError:
        return False


def _bundled_pip() -> str | None:
    """The pip wheel of `ensurepip` (importable from the zip), when the kernel has no pip."""
    if importlib.util.find_spec("pip") is not None:
        return None
    import ensurepip

    wheels = sorted((Path(ensurepip.__file__).parent / "_bundled").glob("pip-*.whl"))
    return str(wheels[-1]) if wheels else None


def create(job_folder: Path) -> Path:
    """The job's environment (created once, its folder returned)."""
    root = job_folder / FOLDER
    python = root / "bin" / "python3"
    if not python.exists():
        venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(root)
        purelib = next((root / "lib").glob("python3*/site-packages"))  # as venv made it
        kernel = dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]))
        lines = [f"import site; site.addsitedir({path!r})" for path in kernel]
        wheel = _bundled_pip()
        if wheel:
            lines.append(wheel)
        (purelib / "_localsm_kernel.pth").write_text("\n".join(lines) + "\n")
        (root / "pip.conf").write_text(PIP_CONF)
    for name in ("pip", "pip3"):
        wrapper = root / "bin" / name
        wrapper.write_text(PIP_WRAPPER.format(python=python))
        wrapper.chmod(0o755)
    return root


def requirements_reason(tail: list[str]) -> str | None:
    """A one-line FailureReason when the job failed installing its requirements file (the
    SDK's install step raised CalledProcessError on pip), naming the file and pip's error."""
    match = next((m for m in map(_PIP_FAILED.search, reversed(tail)) if m), None)
    if match is None:
        return None
    errors = [line.strip() for line in tail if line.startswith("ERROR: ")]
    said = errors[-1][len("ERROR: ") :] if errors else ""
    if said.startswith("Could not open requirements file"):
        return shorten(
            f"AlgorithmError: pip could not read {match['file']} ({said}): put it in the "
            "source_dir folder, or name it relative to that folder in SourceCode(requirements=...)."
        )
    return shorten(
        f"AlgorithmError: pip could not install the packages of {match['file']} in the job's "
        f"environment{f' (pip: {said})' if said else ''}. Install them in the notebook's "
        "environment first (the job sees its packages; no download needed), or run this job "
        "on SageMaker."
    )
