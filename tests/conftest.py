"""Shared test fixtures: repository paths, the bundled data, deterministic threads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CODE = REPO / "code"
DATASET = REPO / "dataset"

# Deterministic, comparable numbers: a fixed thread count for XGBoost/OpenMP in every test.
os.environ.setdefault("OMP_NUM_THREADS", "2")
# The lab uses SageMaker SDK v2 on purpose; silence its v3 notice before anything imports it.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
sys.path.insert(0, str(CODE))


@pytest.fixture(scope="session")
def bundled() -> dict[str, Path]:
    """The committed processed splits (label first, no header) and their header twins."""
    paths = {}
    for split in ("train", "validation", "test"):
        paths[split] = DATASET / f"adult_data_processed_{split}.csv"
        paths[f"{split}_wheaders"] = DATASET / f"adult_data_processed_{split}_wheaders.csv"
    return paths
