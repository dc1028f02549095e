"""`localsm.activate()` under SDK v3: sagemaker-core's plain `Session()` and a `ModelTrainer`
given no session reach the local service. Runs in .venv-v3.

From aws/sagemaker-python-sdk (master, v3) `sagemaker-core/src/sagemaker/core/helper/
session_helper.py`: `Session()` uses `boto3.DEFAULT_SESSION or boto3.Session()`;
`get_execution_role()` -> `get_caller_identity_arn()` asks STS GetCallerIdentity and turns an
`assumed-role` ARN into `arn:aws:iam::<account>:role/<name>`; `default_bucket()` is
`sagemaker-<region>-<account>`; `sagemaker-core/.../config/config.py` `load_sagemaker_config`
reads `SAGEMAKER_USER_CONFIG_OVERRIDE`. `sagemaker-train/.../model_trainer.py`: no
`sagemaker_session` -> a default `Session()`; a local `data_source` is uploaded to the
default bucket.
"""

from __future__ import annotations

import time

import boto3
import numpy as np
import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")

from sagemaker.core import image_uris  # noqa: E402
from sagemaker.core.helper.session_helper import Session, get_execution_role  # noqa: E402
from sagemaker.train import ModelTrainer  # noqa: E402
from sagemaker.train.configs import Compute, InputData  # noqa: E402

import localsm  # noqa: E402
from localsm.session_v3 import local_v3_session  # noqa: E402

LOCAL_ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"


# No AWS configuration at all (tests/conftest.py): nothing of the developer's machine is read.
pytestmark = pytest.mark.usefixtures("no_aws_configuration")


def test_plain_v3_session_role_bucket_and_a_model_trainer(tmp_path, monkeypatch):
    import sagemaker.core.resources as resources

    slept: list[float] = []
    real_sleep = time.sleep

    class Clock:  # sagemaker-core's `time`: its waits' sleeps recorded
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            slept.append(seconds)
            real_sleep(seconds)

    monkeypatch.setattr(resources, "time", Clock())
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 3))
    data = tmp_path / "train"
    data.mkdir()
    np.savetxt(
        data / "train.csv",
        np.column_stack([(x[:, 0] > 0).astype(int), x]),
        delimiter=",",
        fmt="%.5g",
    )
    with localsm.activate(jobs_dir=tmp_path / "jobs", region="us-east-1"):
        session = Session()
        role = get_execution_role()
        bucket = session.default_bucket()
        image = image_uris.retrieve(framework="xgboost", region="us-east-1", version="1.7-1")
        trainer = ModelTrainer(
            training_image=image,
            role=role,
            compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
            hyperparameters={"objective": "binary:logistic", "num_round": 2},
        )
        trainer.train(
            input_data_config=[
                InputData(channel_name="train", data_source=str(data), content_type="text/csv")
            ],
            wait=True,
            logs=False,
        )
        name = trainer._latest_training_job.training_job_name
        status = boto3.client("sagemaker").describe_training_job(TrainingJobName=name)
    assert role == LOCAL_ROLE
    assert bucket == "sagemaker-us-east-1-000000000000"
    assert status["TrainingJobStatus"] == "Completed"
    assert status["ModelArtifacts"]["S3ModelArtifacts"].startswith("s3://")
    assert sum(slept) < 5  # the second describe long-polls: no 5-second sleep


def test_local_v3_session_merges_the_users_config_file(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text(
        "SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    Tags:\n"
        "      - Key: team\n        Value: course\n"
    )
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
    session = local_v3_session(tmp_path / "jobs")
    merged = session.sagemaker_config["SageMaker"]
    assert merged["TrainingJob"]["Tags"] == [{"Key": "team", "Value": "course"}]
    assert merged["PythonSDK"]["Modules"]["TelemetryOptOut"] is True


def test_rich_writes_plain_text_after_the_sdk_is_set_up():
    """sagemaker-core's waits draw a self-clearing rich `Live` panel (resources.py `wait`);
    in a notebook, rich's Jupyter output would leave an empty box behind once it clears.
    After the lab's set-up of SDK v3's output, rich's console is neither Jupyter nor a
    terminal, so the panel leaves nothing."""
    import rich

    from lab import sdklogs

    sdklogs.plain_sdk_logs()
    console = rich.get_console()
    assert not console.is_jupyter and not console.is_terminal
