"""The notebooks' first cell: make sure the kernel has what the lab needs."""

from __future__ import annotations

from pathlib import Path

from lab.paths import REPO

# What the notebooks import (the rest of requirements.txt is for tests and tooling, and
# must not be reinstalled into SageMaker Studio's own environment).
NOTEBOOK_PACKAGES = ("sagemaker", "boto3", "xgboost", "numpy", "pandas", "scikit-learn",
                     "matplotlib", "bokeh", "optuna", "tqdm")  # fmt: skip


def ensure_requirements(requirements: Path = REPO / "requirements.txt") -> None:
    """Install the notebooks' pinned packages into this kernel's environment when missing.

    SageMaker Studio images may ship SDK v3 (which dropped the lab's API) or another XGBoost.
    When everything installed already satisfies requirements.txt this does nothing (no
    network); otherwise it runs pip once and says so. Run it before importing sagemaker.
    """
    import importlib.metadata
    import subprocess
    import sys

    wanted = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        name = line.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        if line and name.lower() in NOTEBOOK_PACKAGES:
            wanted.append(line)
    missing = []
    try:
        from packaging.requirements import Requirement

        for line in wanted:
            requirement = Requirement(line)
            try:
                version = importlib.metadata.version(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                missing.append(line)
                continue
            if not requirement.specifier.contains(version, prereleases=True):
                missing.append(line)
    except ImportError:  # no `packaging`: let pip decide
        missing = wanted
    if not missing:
        print("All packages the lab needs are installed.")
        return
    print(f"Installing {', '.join(missing)} ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    if "sagemaker" in sys.modules:
        print("sagemaker was already imported: restart the kernel to use the installed version.")
