"""The course copied under a learner's folder with a space and an accent, and a notebook run
from there with papermill as `aux/run_notebooks.py` runs it (the held-out check `machines`)."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEARNER = ("João Silva", "curso de ML")


def copy_course(root: Path) -> Path:
    """`<root>/João Silva/curso de ML/` holding code/, dataset/, notebooks/ and the pins."""
    course = root.joinpath(*LEARNER)
    course.mkdir(parents=True)
    ignored = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for part in ("code", "dataset", "notebooks"):
        shutil.copytree(REPO / part, course / part, ignore=ignored)
    for pins in [*REPO.glob("requirements*.txt"), REPO / "pyproject.toml"]:
        shutil.copy(pins, course)
    return course


def run_notebook(course: Path, name: str, out: Path, **parameters):
    """Execute `notebooks/<name>` of the copy in local mode from its own folder."""
    import papermill

    notebook = course / "notebooks" / name
    out.mkdir(parents=True, exist_ok=True)
    return papermill.execute_notebook(
        str(notebook),
        str(out / notebook.name),
        parameters={"mode": "local", **parameters},
        cwd=str(notebook.parent),
        kernel_name="python3",
        progress_bar=False,
    )


def printed(notebook) -> str:
    """Every text the notebook printed."""
    return "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))


def percent_named(root: Path) -> list[Path]:
    """Every file or folder under root whose name holds percent-encoding."""
    return [p for p in root.rglob("*") if "%" in p.name]
