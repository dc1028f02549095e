"""The notebooks' helper: package check for SageMaker Studio, display helpers."""

from __future__ import annotations

import importlib.metadata
import subprocess

import lab


def test_requirements_already_satisfied_means_no_pip(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    lab.ensure_requirements()
    assert calls == []
    assert "All packages the lab needs are installed" in capsys.readouterr().out


def test_missing_or_wrong_versions_are_installed_once(monkeypatch, tmp_path, capsys):
    """A Studio image with SDK v3: pip installs the pinned v2, and only the notebook packages."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# comment\nsagemaker>=2.257,<3  # the lab's API\nxgboost>=3.0,<3.1\npytest>=8\n"
    )
    real_version = importlib.metadata.version

    def version(name):
        return "3.4.0" if name == "sagemaker" else real_version(name)

    calls = []
    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(subprocess, "run", lambda command, **k: calls.append(command))
    lab.ensure_requirements(requirements)
    assert len(calls) == 1
    assert calls[0][-1] == "sagemaker>=2.257,<3"  # not pytest: tooling stays out of Studio
    assert "Installing sagemaker>=2.257,<3" in capsys.readouterr().out


def test_short_hides_the_machine_path():
    assert lab.short(lab.bundled_csv("train").as_uri()) == (
        "<repo>/dataset/adult_data_processed_train.csv"
    )
    assert lab.short("s3://bucket/key") == "s3://bucket/key"


def test_describe_prints_no_machine_path(tmp_path, capsys):
    setup = lab.setup("local")
    lab.describe(setup)
    out = capsys.readouterr().out
    assert str(lab.REPO) not in out
    assert "<repo>/dataset/adult_data_processed_validation.csv" in out
