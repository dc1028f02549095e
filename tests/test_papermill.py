"""The notebooks run headless with papermill: small parameters, and other data."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import DATASET, REPO

NOTEBOOKS = REPO / "notebooks"
SMALL = {
    "train_built_in.ipynb": {"num_round": 20},
    "train_built_in_pt_br.ipynb": {"num_round": 20},
    "train_script_mode.ipynb": {"num_round": 20, "max_jobs": 2, "max_parallel_jobs": 2},
    "train_script_mode_pt_br.ipynb": {"num_round": 20, "max_jobs": 2, "max_parallel_jobs": 2},
}


def run(name: str, out: Path, **parameters) -> nbformat.NotebookNode:
    import papermill

    return papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(out / name),
        parameters={"mode": "local", **parameters},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )


def printed(notebook: nbformat.NotebookNode, tag: str = "lab-summary") -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if tag in cell.metadata.get("tags", [])
        for output in cell.get("outputs", [])
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SMALL))
def test_notebook_runs_with_small_parameters(name, tmp_path):
    notebook = run(name, tmp_path, **SMALL[name])
    text = printed(notebook)
    assert re.search(r"auc\S*\s+0\.[89]\d+", text, re.IGNORECASE), text


def one_hot_adult(folder: Path) -> dict[str, str]:
    """Another encoding of Adult: every categorical code one-hot encoded (more columns)."""
    paths = {}
    categorical = ["workclass", "marital_status", "occupation", "relationship", "race"]
    for split in ("train", "validation", "test"):
        frame = pd.read_csv(DATASET / f"adult_data_processed_{split}_wheaders.csv")
        frame = pd.get_dummies(frame, columns=categorical, dtype=int)
        path = folder / f"{split}.csv"
        frame.to_csv(path, header=False, index=False)
        paths[f"{split}_csv"] = str(path)
    return paths


@pytest.mark.slow
def test_built_in_notebook_on_data_with_more_features(tmp_path):
    data = one_hot_adult(tmp_path)
    width = len(Path(data["train_csv"]).read_text().splitlines()[0].split(",")) - 1
    assert width > 13
    notebook = run("train_built_in.ipynb", tmp_path, num_round=30, **data)
    outputs = [o.get("text", "") for c in notebook.cells for o in c.get("outputs", [])]
    artifact = "".join(text for text in outputs if "Trees:" in text)
    assert re.search(rf"^Features: +{width}$", artifact, re.MULTILINE), artifact
    assert re.search(r"auc\S*\s+0\.[89]\d+", printed(notebook), re.IGNORECASE)
