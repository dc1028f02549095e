"""SDK v3 from a course checkout under `João Silva/curso de ML`, behind a corporate proxy:
ModelTrainer uploads local data to the local S3 (127.0.0.1) and the job reads it back,
never through HTTP(S)_PROXY. Runs in .venv-v3.

Sources: aws/sagemaker-python-sdk `master` sagemaker-train src/sagemaker/train/model_trainer.py
(a local `data_source` path is uploaded to S3 before the job starts); botocore/endpoint.py
`EndpointCreator.create_endpoint` (a client's proxy is chosen once, for AWS's endpoint).
"""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")

from course_copy import copy_course, percent_named, printed, run_notebook  # noqa: E402
from sagemaker.core import image_uris  # noqa: E402
from sagemaker.train import ModelTrainer  # noqa: E402
from sagemaker.train.configs import Compute, InputData, OutputDataConfig, SourceCode  # noqa: E402

import lab  # noqa: E402
from conftest import SCRIPT_DIR  # noqa: E402


@pytest.fixture
def behind_a_proxy(monkeypatch) -> None:
    """HTTP(S)_PROXY pointing at a closed port: any call sent to it fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def checkout(tmp_path, monkeypatch, behind_a_proxy) -> Path:
    """`<tmp>/João Silva/curso de ML`, the working folder, with two small label-first CSVs."""
    folder = tmp_path / "João Silva" / "curso de ML"
    (folder / "data").mkdir(parents=True)
    monkeypatch.chdir(folder)
    rng = np.random.default_rng(5)
    for name in ("treino ç", "validação"):
        x = rng.normal(size=(300, 3))
        y = (x[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
        np.savetxt(folder / "data" / f"{name}.csv", np.column_stack([y, x]), delimiter=",")
    return folder


def trainer(setup: lab.Lab, name: str, **kwargs) -> ModelTrainer:
    return ModelTrainer(
        training_image=image_uris.retrieve(
            framework="xgboost", region="us-east-1", version="1.7-1"
        ),  # fmt: skip
        compute=Compute(instance_type=setup.instance_type, instance_count=1),
        output_data_config=OutputDataConfig(s3_output_path=setup.output_path),
        role=setup.role,
        sagemaker_session=setup.session,
        base_job_name=name,
        **kwargs,
    )


def completed(setup: lab.Lab, model_trainer: ModelTrainer) -> str:
    name = lab.job_name(model_trainer)
    described = setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    return name


def test_model_trainer_with_local_data_behind_a_proxy(tmp_path, checkout):
    setup = lab.setup("local", output_dir=str(checkout / "outputs"))
    hyperparameters = {"num_round": 5, "objective": "binary:logistic"}
    built_in = trainer(setup, "v3-joao", hyperparameters=hyperparameters)
    data = checkout / "data" / "treino ç.csv"
    channel = InputData(channel_name="train", data_source=str(data), content_type="text/csv")
    built_in.train([channel], wait=True, logs=False)
    name = completed(setup, built_in)
    staged = checkout / "outputs" / "jobs" / name / "ml" / "input" / "data" / "train"
    assert [p.name for p in staged.iterdir()] == ["treino ç.csv"]
    assert percent_named(tmp_path) == []


def test_script_mode_from_the_checkout(tmp_path, checkout):
    """v3's driver script names /opt/ml unquoted: the job folder has spaces here."""
    source = checkout / "code" / "script"
    shutil.copytree(SCRIPT_DIR, source)
    setup = lab.setup("local", output_dir=str(checkout / "outputs"))
    code = SourceCode(source_dir=str(source), entry_script="xgboost_train.py")
    hyperparameters = {"num_round": 5, "nfold": 2, "eval_metric": "auc"}
    script = trainer(setup, "v3-joao-script", source_code=code, hyperparameters=hyperparameters)
    inputs = [
        InputData(
            channel_name=channel,
            data_source=str(checkout / "data" / f"{name}.csv"),
            content_type="text/csv",
        )  # fmt: skip
        for channel, name in (("train", "treino ç"), ("validation", "validação"))
    ]
    script.train(inputs, wait=True, logs=False)
    completed(setup, script)
    assert percent_named(tmp_path) == []


@pytest.mark.slow
def test_built_in_notebook_from_the_learners_folder(tmp_path):
    """The held-out check's v3 half: sdk_v3/train_built_in.ipynb run from a copy of the
    course under `João Silva/curso de ML` keeps every file inside that copy."""
    course = copy_course(tmp_path)
    notebook = run_notebook(
        course, "sdk_v3/train_built_in.ipynb", tmp_path / "executed", num_round=20
    )
    assert re.search(r"auc\S*\s+0\.[89]\d+", printed(notebook), re.IGNORECASE)
    assert any(Path(course / "outputs" / "jobs").iterdir())
    assert percent_named(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["João Silva", "executed"]
