"""The house rules a newcomer relies on: small modules, small functions, one script uploaded."""

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


def test_the_script_mode_source_folder_holds_only_the_entry_point():
    """`lab.source_dir` is uploaded whole by every script-mode job on AWS."""
    shipped = sorted(
        p.name for p in SCRIPT_DIR.iterdir() if p.name not in ("__pycache__", ".ipynb_checkpoints")
    )
    assert shipped == ["xgboost_train.py"]
