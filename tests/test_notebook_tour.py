"""What a learner sees: every committed notebook rendered in JupyterLab (headless Chromium).

`aux/notebook_tour.py` opens each notebook of notebooks/ and notebooks/sdk_v3/ with one
JupyterLab server and one browser, checks the rendered page (stderr and error boxes, long
outputs, figures, the training report's tiles, stray formulas, links) and leaves screenshots
in `outputs/tour/`. It renders the committed outputs without a kernel, so this environment
tours the SDK v3 notebooks too.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

TOUR = REPO / "aux" / "notebook_tour.py"
CHROMIUM = Path("/usr/bin/chromium")

sys.path.insert(0, str(TOUR.parent))
from notebook_tour_checks import intends_math  # noqa: E402


def requirement_or_skip(missing: str | None, fix: str) -> None:
    """Skip without `missing` locally; fail in CI, which provides it."""
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing} is missing; CI installs it: {fix}")
    pytest.skip(f"{missing} is not installed ({fix}); CI runs this test")


def test_every_committed_notebook_reads_well_in_jupyterlab():
    requirement_or_skip(None if CHROMIUM.exists() else str(CHROMIUM), "apt-get install -y chromium")
    requirement_or_skip(
        None if importlib.util.find_spec("playwright") else "playwright",
        "pip install -r requirements-test.txt",
    )
    result = subprocess.run(
        [sys.executable, str(TOUR), "--timeout", "240"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:  # the tour's summary and its list of problems
        pytest.fail((result.stdout + result.stderr[-4000:])[-12000:], pytrace=False)


@pytest.mark.parametrize(
    ("markdown", "intended"),
    [
        ("It costs $5 per hour and $10 per day.", False),
        ('`input_filter="$[1:]"` and `output_filter="$[0,-1]"`', False),
        ("The class imbalance $n_a - n_d$ over the rows.", True),
        ("$$\\frac{a}{b}$$", True),
        ("```\nprice = '$5'; other = '$6'\n```", False),
    ],
)
def test_a_formula_is_intended_only_when_written_as_one(markdown, intended):
    assert intends_math(markdown) is intended
