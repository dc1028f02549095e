"""The house rules a newcomer relies on: small modules and functions, a small script folder."""

from __future__ import annotations

import ast
import subprocess

import pytest

from conftest import REPO, SCRIPT_DIR

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def python_files() -> list[str]:
    """Every Python file git tracks or would track (untracked, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(name for name in listed if (REPO / name).is_file())


@pytest.mark.parametrize("name", python_files())
def test_modules_and_functions_stay_small(name):
    source = (REPO / name).read_text(encoding="utf-8")
    lines = source.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines; split it by concern"
    long = [
        f"{node.name} (line {node.lineno}, {node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_script_mode_source_folder_holds_the_entry_point_and_its_checks():
    """`lab.source_dir` is uploaded whole by every script-mode job on AWS: the entry point a
    learner reads and the one module of input checks it imports, nothing else."""
    shipped = sorted(
        p.name for p in SCRIPT_DIR.iterdir() if p.name not in ("__pycache__", ".ipynb_checkpoints")
    )
    assert shipped == ["checks.py", "xgboost_train.py"]


def test_the_entry_point_reads_in_200_lines():
    """Issue 27: arguments, data, cross-validation, training, metric line, saving, serving."""
    lines = (SCRIPT_DIR / "xgboost_train.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 200, f"xgboost_train.py: {lines} lines; move input checks to checks.py"


@pytest.mark.parametrize("name", ["checks.py", "xgboost_train.py"])
def test_the_uploaded_files_parse_as_python_3_8(name):
    """SageMaker's XGBoost 1.7-1 image runs them with Python 3.8 (aws/sagemaker-xgboost-container,
    docker/1.7-1/base/Dockerfile.cpu: `ARG PYTHON_VERSION=3.8.19`): no newer syntax."""
    source = (SCRIPT_DIR / name).read_text(encoding="utf-8")
    ast.parse(source, feature_version=(3, 8))
    assert "from __future__ import annotations" in source  # `X | None` hints stay unevaluated
