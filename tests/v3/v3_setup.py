"""The module-scoped local set-up the SDK v3 test modules share: imported by each module as
its own fixtures (`from v3_setup import outputs, setup`), so each module still gets a fresh
output folder and local session. Not a conftest.py: one in tests/v3/ would shadow
tests/conftest.py for the tests' `from conftest import ...`."""

from __future__ import annotations

from pathlib import Path

import pytest

import lab


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("v3")


@pytest.fixture(scope="module")
def setup(outputs) -> lab.Lab:
    return lab.setup("local", output_dir=str(outputs))
