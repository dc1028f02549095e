"""The v3 notebooks' SageMaker (AWS) path, offline against moto: what the v3 classes send.

moto accepts and records the requests; it runs no job. So these tests check request shapes
(images, channels, hyperparameters, the uploaded code), not training on AWS.
"""

from __future__ import annotations

import io
import tarfile

import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import lab  # noqa: E402

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/LabSageMakerRole"


@pytest.fixture
def setup(monkeypatch):
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", REGION)):  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield lab.setup("sagemaker", role=ROLE)


def trainer(setup, **kwargs):
    from sagemaker.core import image_uris
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, OutputDataConfig

    return ModelTrainer(
        training_image=image_uris.retrieve(framework="xgboost", region=REGION, version="1.7-1"),
        compute=Compute(instance_type=setup.instance_type, instance_count=1),
        output_data_config=OutputDataConfig(s3_output_path=setup.output_path),
        role=setup.role,
        sagemaker_session=setup.session,
        **kwargs,
    )


def inputs(setup):
    from sagemaker.train.configs import InputData

    return [
        InputData(channel_name="train", data_source=setup.train_uri, content_type="text/csv"),
        InputData(channel_name="validation", data_source=setup.validation_uri,
                  content_type="text/csv"),
    ]  # fmt: skip


def described(name: str) -> dict:
    return boto3.client("sagemaker", region_name=REGION).describe_training_job(TrainingJobName=name)


def test_setup_is_a_plain_v3_session(setup):
    from sagemaker.core.helper.session_helper import Session

    assert setup.sdk == 3 and type(setup.session) is Session
    assert setup.instance_type == "ml.m5.xlarge" and setup.role == ROLE
    bucket = setup.session.default_bucket()
    assert setup.train_uri.startswith(f"s3://{bucket}/xgboost-lab/data/")


def test_built_in_request(setup):
    hyperparameters = {"num_round": 800, "objective": "binary:logistic"}
    built_in = trainer(setup, base_job_name="xgboost-built-in", hyperparameters=hyperparameters)
    built_in.train(inputs(setup), wait=False)
    request = described(lab.job_name(built_in))
    assert request["AlgorithmSpecification"]["TrainingImage"].endswith("sagemaker-xgboost:1.7-1")
    assert request["HyperParameters"] == {"num_round": "800", "objective": "binary:logistic"}
    uris = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
            for c in request["InputDataConfig"]}  # fmt: skip
    assert uris == {"train": setup.train_uri, "validation": setup.validation_uri}
    assert request["OutputDataConfig"]["S3OutputPath"] == setup.output_path


def test_script_mode_uploads_one_script(setup):
    from sagemaker.train.configs import SourceCode

    script = trainer(
        setup,
        base_job_name="xgboost-script",
        source_code=SourceCode(source_dir=setup.source_dir, entry_script="xgboost_train.py"),
        hyperparameters={"num_round": 300, "nfold": 3},
    )
    script.train(inputs(setup), wait=False)
    request = described(lab.job_name(script))
    assert request["AlgorithmSpecification"]["ContainerEntrypoint"] == ["/bin/bash"]
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
                for c in request["InputDataConfig"]}  # fmt: skip
    assert {"code", "sm_drivers", "train", "validation"} <= set(channels)
    bucket, _, prefix = channels["code"][len("s3://") :].partition("/")
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=bucket, Prefix=prefix)
    uploaded = sorted(o["Key"].rsplit("/", 1)[-1] for o in listed["Contents"])
    assert uploaded == ["checks.py", "xgboost_train.py"]


def test_tuning_request(setup):
    from sagemaker.core.parameter import ContinuousParameter, IntegerParameter
    from test_v3_local import script_trainer, tuner_for

    script = script_trainer(setup, "xgboost-script", setup.source_dir, num_round=5,
                            eval_metric="auc")  # fmt: skip
    ranges = {"max_depth": IntegerParameter(6, 9), "eta": ContinuousParameter(0.01, 0.03)}
    tuner = tuner_for(script, ranges, jobs=6, parallel=3, seed=42)
    tuner.tune(inputs=inputs(setup), job_name="xgboost-tuning-v3", wait=False)
    client = boto3.client("sagemaker", region_name=REGION)
    tuning = client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="xgboost-tuning-v3"
    )
    config = tuning["HyperParameterTuningJobConfig"]
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 6, "MaxParallelTrainingJobs": 3}
    assert config["HyperParameterTuningJobObjective"]["MetricName"] == "validation:auc"
    static = tuning["TrainingJobDefinition"]["StaticHyperParameters"]
    tarball = static["sagemaker_submit_directory"].strip('"')
    bucket, _, key = tarball[len("s3://") :].partition("/")
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"]
    with tarfile.open(fileobj=io.BytesIO(body.read()), mode="r:gz") as uploaded:
        assert sorted(uploaded.getnames()) == ["checks.py", "xgboost_train.py"]
