"""The notebooks' helper: package check for SageMaker Studio, display helpers."""

from __future__ import annotations

import importlib.metadata
import logging
import subprocess
import sys

import pytest

import lab
from lab import kernel, sdklogs


def test_requirements_already_satisfied_means_no_setup(monkeypatch, capsys):
    monkeypatch.setenv("LAB_LANGUAGE", "en")  # whatever notebook ran before in this process
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    lab.ensure_requirements()
    assert calls == []
    assert "All packages the lab needs are installed" in capsys.readouterr().out


@pytest.fixture
def studio_image(monkeypatch, tmp_path):
    """An environment the lab did not create, holding SDK v3 where the v2 lab needs v2; the
    setup commands are recorded (and the venv they would create is faked)."""
    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda n: "3.12.0" if n == "sagemaker" else real_version(n)
    )
    monkeypatch.setattr(kernel, "LAB_HOME", tmp_path / "home" / ".xgboost-lab")
    commands: list[list[str]] = []

    def run(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    return commands


def test_a_foreign_environment_is_never_changed(studio_image, capsys):
    """The v2 lab in a v3 image: a lab kernel is built in the home folder and named; nothing
    is installed into the running environment."""
    with pytest.raises(kernel.KernelSwitchNeeded) as stop:
        lab.ensure_requirements(sdk=2)
    message = stop.value._render_traceback_()
    assert len(message) == 1 and "XGBoost lab (SDK v2)" in message[0]
    assert "lacks sagemaker" in message[0] and "Kernel > Change Kernel" in message[0]
    prefix = kernel.LAB_HOME / "venv-sdk2"
    for command in studio_image:
        assert sys.prefix not in command[-1:], command  # never the image's own environment
    installs = [c for c in studio_image if "install" in c and "ipykernel" not in c[:3]]
    assert installs and all(str(prefix / "bin" / "python") in " ".join(c) for c in installs)
    assert "sagemaker>=2.257,<3" in installs[0] and "pytest>=8" not in installs[0]
    # smclarify (local Clarify) alone, without its dependencies (requirements-nodeps.txt).
    assert installs[1][-2:] == ["--no-deps", "smclarify==0.5"]
    assert any(c[-4:] == ["--name", "xgboost-lab-sdk2", "--display-name",
                          "XGBoost lab (SDK v2)"] for c in studio_image)  # fmt: skip
    assert (prefix / kernel.MARKER).is_file()
    studio_image.clear()
    with pytest.raises(kernel.KernelSwitchNeeded, match="already there"):
        lab.ensure_requirements(sdk=2)  # run again in the wrong kernel: no second build
    assert studio_image == []


def test_the_lab_environment_is_completed_in_place(studio_image, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    (tmp_path / kernel.MARKER).write_text("{}")
    lab.ensure_requirements(sdk=2)
    assert studio_image == [
        [sys.executable, "-m", "pip", "install", "--quiet", "sagemaker>=2.257,<3"]
    ]


def test_a_failed_setup_says_where_its_log_is(studio_image, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda c, **k: subprocess.CompletedProcess(c, 1))
    with pytest.raises(kernel.KernelSwitchNeeded, match=r"exit code 1.*setup\.log"):
        lab.ensure_requirements(sdk=2)


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


def test_the_notebook_language_comes_from_its_name(monkeypatch):
    monkeypatch.delenv("LAB_LANGUAGE", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "/x/notebooks/train_built_in_pt_br.ipynb")
    assert lab.language() == "pt_BR"
    monkeypatch.setenv("JPY_SESSION_NAME", "/x/notebooks/train_built_in.ipynb")
    assert lab.language() == "en"
    monkeypatch.setenv("LAB_LANGUAGE", "pt-BR")  # the runners' (and a user's) choice wins
    assert lab.language() == "pt_BR"
    monkeypatch.delenv("JPY_SESSION_NAME")
    monkeypatch.setenv("LAB_LANGUAGE", "en")
    assert lab.language() == "en"


def test_every_lab_message_exists_in_both_languages():
    import string

    from lab import words

    assert set(words.ENGLISH) == set(words.PORTUGUESE)
    for key, english in words.ENGLISH.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(english) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(words.PORTUGUESE[key]) if f}


def test_describe_speaks_the_notebooks_language(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB_LANGUAGE", "pt_BR")
    monkeypatch.setenv("LOCALSM_LANGUAGE", "en")  # (restored after the test: setup sets it)
    setup = lab.setup("local", output_dir=str(tmp_path))
    lab.describe(setup)
    printed = capsys.readouterr().out
    assert "Modo: local (escolhido explicitamente)" in printed and "região:" in printed


def test_print_labeled_says_the_labels_in_the_notebooks_language(monkeypatch, capsys):
    monkeypatch.setenv("LAB_LANGUAGE", "en")
    lab.print_labeled(training_job="job-1", endpoint=("ep-1", "InService"))
    assert capsys.readouterr().out == "Training job: job-1\nEndpoint:     ep-1 | InService\n"
    monkeypatch.setenv("LAB_LANGUAGE", "pt_BR")
    lab.print_labeled(training_job="job-1", trees=800)
    assert capsys.readouterr().out == "Job de treinamento: job-1\nÁrvores:            800\n"
    lab.print_latency({"calls": 200, "p50_ms": 3.71, "p99_ms": 10.84})
    assert capsys.readouterr().out == (
        "200 requisições de uma linha: mediana de 3,7 ms, percentil 99 de 10,8 ms\n"
    )


def test_local_mode_drops_the_sdk_v3_notices_of_defaults(caplog):
    """`StoppingCondition not provided. Using default: ...` (SDK v3's ModelTrainer): shown
    on AWS, dropped in local mode (tests/v3/test_v3_local.py checks it with the SDK)."""
    logger = logging.getLogger(sdklogs.TRAIN_LOGGER)
    notice = "StoppingCondition not provided. Using default:\nmax_runtime_in_seconds=3600"
    try:
        for show in (False, False, True):
            caplog.clear()
            sdklogs.sdk_notices(show=show)
            with caplog.at_level(logging.INFO, logger=sdklogs.TRAIN_LOGGER):
                logger.info(notice)
                logger.info("Training image URI: sagemaker-xgboost:1.7-1")
            expected = [notice] * show + ["Training image URI: sagemaker-xgboost:1.7-1"]
            assert [r.getMessage() for r in caplog.records] == expected
            assert len(logger.filters) == (not show)
    finally:
        sdklogs.sdk_notices(show=True)


@pytest.mark.parametrize(
    ("logger_name", "notice", "kept"),
    [
        # botocore/credentials.py (INFO): in local mode these are the keys
        # localsm.activate() sets, not the learner's; shown on AWS
        pytest.param(
            sdklogs.CREDENTIALS_LOGGER,
            ("Found credentials in environment variables.",),
            "Found credentials in shared credentials file: ~/.aws/credentials",
            id="botocore-local-credentials",
        ),
        # SDK v3's image_uris.retrieve, for an image with one variant only
        pytest.param(
            sdklogs.IMAGE_URIS_LOGGER,
            ("Ignoring unnecessary instance type: %s.", None),
            "Same images are used for training and inference.",
            id="sdk-v3-image-lookup",
        ),
    ],
)
def test_local_mode_drops_a_notice_and_keeps_its_neighbours(caplog, logger_name, notice, kept):
    """One notice of a logger dropped in local mode, shown on AWS; the logger's other lines
    are always shown."""
    logger = logging.getLogger(logger_name)
    dropped = notice[0] % notice[1:] if len(notice) > 1 else notice[0]
    try:
        for show in (False, True):
            caplog.clear()
            sdklogs.sdk_notices(show=show)
            with caplog.at_level(logging.INFO, logger=logger_name):
                logger.info(*notice)
                logger.info(kept)
            shown = [r.getMessage() for r in caplog.records]
            assert (dropped in shown) == show
            assert shown[-1] == kept
    finally:
        sdklogs.sdk_notices(show=True)


def test_setup_checks_the_packages_of_the_mode_the_notebook_asked_for(
    studio_image, monkeypatch, tmp_path
):
    """In a SageMaker image the first cell checks SageMaker mode's packages (the detected
    mode); a notebook then run with mode="local" needs moto: setup("local") says so before any
    job fails with ModuleNotFoundError."""
    real_version = importlib.metadata.version

    def version(name):
        if name == "moto":
            raise importlib.metadata.PackageNotFoundError(name)
        return "2.257.0" if name == "sagemaker" else real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(lab.modes, "sdk_generation", lambda: 2)
    monkeypatch.setattr(lab.modes, "detect_mode", lambda: ("sagemaker", "in SageMaker"))
    metadata = tmp_path / "resource-metadata.json"  # what SageMaker's images have
    metadata.write_text("{}")
    monkeypatch.setattr(kernel, "SAGEMAKER_METADATA", metadata)
    lab.ensure_requirements(sdk=2)  # the first cell: SageMaker mode lacks nothing
    assert studio_image == []
    with pytest.raises(kernel.KernelSwitchNeeded) as stop:
        lab.setup("local")
    message = stop.value._render_traceback_()[0]
    assert "lacks moto for the SDK v2 lab in local mode" in message
    assert "XGBoost lab (SDK v2)" in message


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "Creating training_job resource."), ("pt_BR", "Criando o recurso training_job.")],
)
def test_sdk_v3_progress_lines_read_in_the_notebooks_language(monkeypatch, language, shown):
    """sagemaker-core's own progress line (resources.py, `Creating {resource} resource.`,
    with rich's [bold] markup) as a plain line, in Portuguese in a pt_BR notebook."""
    monkeypatch.setenv("LAB_LANGUAGE", language)
    message = "[bold]Creating training_job resource.[/bold]"
    record = logging.LogRecord("sagemaker.core", logging.INFO, __file__, 1, message, None, None)
    assert sdklogs.PlainText().filter(record) is True
    assert record.getMessage() == shown


def test_the_tuning_tables_api_columns_in_the_notebooks_language(monkeypatch):
    """`HyperparameterTuningJobAnalytics.dataframe()` names its columns as the API does
    (sagemaker/analytics.py: TrainingJobStatus, FinalObjectiveValue); the Portuguese notebooks
    show them in Portuguese, the English ones as they are; hyperparameters keep their names."""
    import pandas as pd

    frame = pd.DataFrame({"max_depth": [4], "TrainingJobStatus": ["Completed"],
                          "FinalObjectiveValue": [0.92]})  # fmt: skip
    monkeypatch.setenv("LAB_LANGUAGE", "en")
    assert list(lab.localized(frame).columns) == list(frame.columns)
    monkeypatch.setenv("LAB_LANGUAGE", "pt_BR")
    shown = lab.localized(frame)
    assert list(shown.columns) == ["max_depth", "situação do job", "valor final do objetivo"]
    assert shown.iloc[0].tolist() == [4, "Completed", 0.92]
