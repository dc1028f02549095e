"""`localsm.activate()`: AWS's own SDK v2 and boto3 code, unchanged, answered on this machine.

Written from the SDK's and botocore's behaviour, not from the lab's notebooks:
- aws/sagemaker-python-sdk (master-v2) `src/sagemaker/session.py`: `Session()` takes
  `boto3.DEFAULT_SESSION or boto3.Session()`; `get_caller_identity_arn` asks STS
  GetCallerIdentity, turns an `assumed-role` ARN into the role's ARN and asks IAM GetRole;
  `default_bucket()` is `sagemaker-<region>-<account>`; `logs_for_job`/`wait_for_*` sleep
  `poll` seconds between describes (`_wait_until`, `_logs_for_job`).
- `src/sagemaker/estimator.py` `_prepare_for_training`: no `output_path` -> `""` in local mode
  with `local_code`, else `s3://<default bucket>/`.
- `src/sagemaker/s3.py` `S3Uploader.upload`, `src/sagemaker/tuner.py`
  `HyperparameterTuner.attach`, `src/sagemaker/analytics.py`
  `HyperparameterTuningJobAnalytics`: a default `Session()` when none is passed.
- `src/sagemaker/config/config.py` `load_sagemaker_config`: the user's config file is
  `SAGEMAKER_USER_CONFIG_OVERRIDE` or ~/.config/sagemaker/config.yaml;
  `config_schema.py`: `SageMaker.TrainingJob.Tags`, merged into CreateTrainingJob by
  `Session.train` (`_append_sagemaker_config_tags`).
- boto/botocore `botocore/handlers.py` (`BUILTIN_HANDLERS`, copied by every session),
  `botocore/client.py` (`before-call` may return the response; `before-send` sees the
  request that would go out), getmoto/moto `moto/core/models.py` (mock_aws's switch).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import boto3
import botocore.handlers
import numpy as np
import pytest
import sagemaker
import sagemaker.session
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from sagemaker.analytics import HyperparameterTuningJobAnalytics
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.s3 import S3Downloader, S3Uploader
from sagemaker.tuner import HyperparameterTuner, IntegerParameter

import localsm
import localsm.activation
from estimators import aws_builtin_estimator
from localsm import LocalSageMakerSession

REGION = "us-east-1"
LOCAL_ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"
AWS_SAGEMAKER_URL = "https://api.sagemaker.us-east-1.amazonaws.com/"


@pytest.fixture(autouse=True)
def no_aws_configuration(tmp_path, monkeypatch):
    """A machine with no AWS configuration at all: no AWS_* variables, empty credentials and
    config files (so nothing on the developer's machine is read)."""
    for key in list(os.environ):
        if key.startswith("AWS_") or key.startswith("SAGEMAKER_USER_CONFIG"):
            monkeypatch.delenv(key)
    for name in ("credentials", "config"):
        (tmp_path / f"aws-{name}").write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no IMDS probe in the test
    (tmp_path / "empty-sagemaker-config.yaml").write_text("SchemaVersion: '1.0'\n")
    monkeypatch.setenv(
        "SAGEMAKER_USER_CONFIG_OVERRIDE", str(tmp_path / "empty-sagemaker-config.yaml")
    )
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def tiny_csv(tmp_path) -> Path:
    """A learnable binary problem, label first, no header: 80 rows."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(80, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    path = tmp_path / "data" / "train.csv"
    path.parent.mkdir()
    np.savetxt(path, np.column_stack([y, x]), delimiter=",", fmt="%.5g")
    return path


@pytest.fixture
def long_sleeps(monkeypatch) -> list[float]:
    """Sleeps of a second or more made by the SDK's own module (its polling waits)."""
    slept: list[float] = []
    real = time.sleep

    class Clock:  # the SDK's `time`, whose sleep is recorded
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            if seconds >= 1:
                slept.append(seconds)
            real(seconds)

    monkeypatch.setattr(sagemaker.session, "time", Clock())
    return slept


def test_plain_sdk_builtin_job_without_output_path(tmp_path, tiny_csv, long_sleeps):
    """AWS's notebook code with one added line: session, role, bucket, upload, a built-in
    job on a real instance type with no output_path, fit; no 5-10 s polling sleep."""
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        session = sagemaker.Session()
        role = sagemaker.get_execution_role()
        bucket = session.default_bucket()
        train = session.upload_data(str(tiny_csv), key_prefix="demo/train")
        estimator = Estimator(  # as AWS's examples write it
            sagemaker.image_uris.retrieve("xgboost", REGION, "1.7-1"),
            role,
            instance_count=1,
            instance_type="ml.m5.xlarge",
            sagemaker_session=session,
            hyperparameters={"objective": "binary:logistic", "num_round": "3"},
        )
        estimator.fit({"train": TrainingInput(train, content_type="text/csv")})
        model = estimator.model_data
        description = session.describe_training_job(estimator.latest_training_job.name)
        objects = boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
    assert role == LOCAL_ROLE
    assert bucket == "sagemaker-us-east-1-000000000000"
    assert train == f"s3://{bucket}/demo/train/train.csv"
    assert description["TrainingJobStatus"] == "Completed"
    assert model == f"s3://{bucket}/{estimator.latest_training_job.name}/output/model.tar.gz"
    assert model.split(f"{bucket}/", 1)[1] in {o["Key"] for o in objects}
    assert long_sleeps == []


def test_clients_made_before_and_after_activation(tmp_path):
    """boto3 clients made before the call are answered too; other services are refused
    by name, without a network call (the test's socket guard would fail it)."""
    early = boto3.client("sagemaker", region_name=REGION)
    early_s3 = boto3.Session(region_name=REGION).resource("s3")
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        assert early.list_training_jobs()["TrainingJobSummaries"] == []
        early_s3.create_bucket(Bucket="made-before")
        early_s3.Object("made-before", "a.txt").put(Body=b"hello")
        late = boto3.client("runtime.sagemaker", region_name=REGION)
        with pytest.raises(ClientError) as missing:
            late.invoke_endpoint(EndpointName="nowhere", Body=b"1,2", ContentType="text/csv")
        with pytest.raises(ClientError) as other:
            boto3.client("dynamodb", region_name=REGION).list_tables()
        identity = boto3.client("sts").get_caller_identity()
        body = boto3.client("s3").get_object(Bucket="made-before", Key="a.txt")["Body"].read()
    assert missing.value.response["Error"]["Code"] == "ValidationError"
    assert "dynamodb" in str(other.value) and "not available in local mode" in str(other.value)
    assert ":assumed-role/LocalSageMakerExecutionRole/" in identity["Arn"]
    assert body == b"hello"


def test_s3_uploader_attach_and_analytics_without_a_session(tmp_path, tiny_csv, long_sleeps):
    """The SDK's helpers that make their own default Session() reach the local service."""
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        session = sagemaker.Session()
        bucket = session.default_bucket()
        train = S3Uploader.upload(str(tiny_csv), f"s3://{bucket}/tune/train")
        validation = S3Uploader.upload(str(tiny_csv), f"s3://{bucket}/tune/validation")
        estimator = aws_builtin_estimator(sagemaker.get_execution_role(), "ml.m5.xlarge", 2)
        tuner = HyperparameterTuner(
            estimator,
            "validation:auc",
            {"max_depth": IntegerParameter(1, 3)},
            max_jobs=2,
            max_parallel_jobs=2,
        )
        tuner.fit(
            {
                "train": TrainingInput(train, content_type="text/csv"),
                "validation": TrainingInput(validation, content_type="text/csv"),
            }
        )
        name = tuner.latest_tuning_job.name
        best = HyperparameterTuner.attach(name).best_training_job()
        table = HyperparameterTuningJobAnalytics(name).dataframe()
        listed = S3Downloader.list(f"s3://{bucket}/tune")
    assert best in set(table["TrainingJobName"])
    assert len(table) == 2 and set(table["TrainingJobStatus"]) == {"Completed"}
    assert long_sleeps == []  # the tuner's wait followed the jobs
    assert sorted(listed) == [
        f"s3://{bucket}/tune/train/train.csv",
        f"s3://{bucket}/tune/validation/train.csv",
    ]


def test_sdk_local_session_keeps_its_empty_output_path(tmp_path, tiny_csv, long_sleeps):
    """instance_type="local" with the SDK's own LocalSession (local_code on): the SDK sends an
    empty S3OutputPath and its local mode keeps the model in a local folder (no Docker)."""
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        session = sagemaker.local.LocalSession()
        session.config = {"local": {"local_code": True}}
        estimator = aws_builtin_estimator(LOCAL_ROLE, "local", 2, sagemaker_session=session)
        estimator.fit({"train": TrainingInput(tiny_csv.as_uri(), content_type="text/csv")})
        description = session.sagemaker_client.describe_training_job(
            TrainingJobName=estimator.latest_training_job.name
        )
    assert description["OutputDataConfig"]["S3OutputPath"] == ""
    assert description["TrainingJobStatus"] == "Completed"
    assert estimator.model_data.startswith("file://")
    assert Path(estimator.model_data.removeprefix("file://")).is_file()
    assert long_sleeps == []


def test_local_bucket_needs_no_credentials(tmp_path, tiny_csv):
    """The local session's bucket is on this machine: a job reading from it and writing to it
    runs with no AWS credentials configured, as `upload_data` to it already did."""
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    assert session.boto_session.get_credentials() is None
    bucket = session.default_bucket()
    train = session.upload_data(str(tiny_csv), bucket=bucket, key_prefix="nocreds/train")
    estimator = aws_builtin_estimator(
        LOCAL_ROLE,
        "local",
        2,
        output_path=f"s3://{bucket}/nocreds/output",
        sagemaker_session=session,
    )
    estimator.fit({"train": TrainingInput(train, content_type="text/csv")}, logs="None")
    assert estimator.model_data.startswith(f"s3://{bucket}/nocreds/output/")


def test_local_session_merges_the_users_config_file(tmp_path, tiny_csv, monkeypatch):
    """The user's config.yaml reaches the local session as it reaches sagemaker.Session():
    its default training-job tags are on the job; telemetry stays off."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "SchemaVersion: '1.0'\nSageMaker:\n  TrainingJob:\n    Tags:\n"
        "      - Key: team\n        Value: course\n"
    )
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(config))
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    modules = session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]
    assert modules["TelemetryOptOut"] is True
    estimator = aws_builtin_estimator(
        LOCAL_ROLE,
        "local",
        2,
        output_path=(tmp_path / "models").as_uri(),
        sagemaker_session=session,
    )
    estimator.fit({"train": TrainingInput(tiny_csv.as_uri(), content_type="text/csv")}, logs="None")
    arn = estimator.latest_training_job.describe()["TrainingJobArn"]
    tags = session.sagemaker_client.list_tags(ResourceArn=arn)["Tags"]
    assert {"Key": "team", "Value": "course"} in tags


def _stub_aws(client) -> list[str]:
    """Record the URL each call of `client` would send, answering it with an empty 200
    (`before-send` sees the request after every handler, signing included)."""
    sent: list[str] = []

    class Body:  # what botocore reads an HTTP body from (urllib3's response)
        @staticmethod
        def stream(**_):
            yield b"{}"

    def answer(request, **_):
        sent.append(request.url)
        return AWSResponse(request.url, 200, {}, Body())

    client.meta.events.register("before-send", answer)
    return sent


def test_deactivate_restores_clients_and_settings(tmp_path):
    """After the context: the environment, botocore's handler list and every client are as
    before; a client made after (or before) goes to AWS again with its own credentials."""
    before_env = dict(os.environ)
    before_handlers = list(botocore.handlers.BUILTIN_HANDLERS)
    early = boto3.client(
        "sagemaker",
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    default_session = boto3.DEFAULT_SESSION  # boto3.client made it
    with localsm.activate(jobs_dir=tmp_path / "jobs") as activation:
        assert localsm.activation.current() is activation
        assert os.environ["AWS_ACCESS_KEY_ID"] != "AKIDEXAMPLE"
        during = boto3.client("sagemaker", region_name=REGION)
        assert during.list_training_jobs()["TrainingJobSummaries"] == []
        assert boto3.Session().get_credentials() is not None
        boto3.setup_default_session()  # a default session made now has the local keys
        boto3.client("sagemaker").list_training_jobs()
    assert localsm.activation.current() is None
    assert boto3.DEFAULT_SESSION is default_session
    assert dict(os.environ) == before_env
    after_handlers = botocore.handlers.BUILTIN_HANDLERS
    assert after_handlers[: len(before_handlers)] == before_handlers
    # (moto, which serves the local S3, adds its own handler when first imported)
    assert not any(
        getattr(spec[1], "__module__", "").startswith("localsm") for spec in after_handlers
    )
    assert boto3.Session().get_credentials() is None  # credentials gone again
    late = boto3.client(
        "sagemaker",
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    for client in (early, late):
        sent = _stub_aws(client)
        client.list_training_jobs()
        assert sent == [AWS_SAGEMAKER_URL]
        handlers = client.meta.events._emitter._handlers  # nothing of ours is left
        assert not any(
            h.__module__ == "localsm.activation"
            for h in handlers.prefix_search("before-call.sagemaker.ListTrainingJobs")
        )


def test_lab_setup_local_activates_and_sagemaker_mode_deactivates(tmp_path, monkeypatch):
    """`lab.setup("local")` is the activation: a plain boto3 client sees the lab's jobs."""
    import lab

    setup = lab.setup("local", output_dir=str(tmp_path))
    assert localsm.activation.current() is not None
    client = boto3.client("sagemaker")
    assert client.list_training_jobs()["TrainingJobSummaries"] == []
    assert localsm.activation.current().local_client is setup.session.sagemaker_client
    monkeypatch.setattr("lab.modes._setup_sagemaker", lambda *_: "aws")
    assert lab.setup("sagemaker") == "aws"
    assert localsm.activation.current() is None


def test_training_job_analytics_reads_the_jobs_metrics(tmp_path, tiny_csv):
    """`estimator.training_job_analytics` asks CloudWatch GetMetricStatistics (namespace
    /aws/sagemaker/TrainingJobs, dimension TrainingJobName, Period 60, Average: sagemaker
    `analytics.py` TrainingJobAnalytics._fetch_metric): a job shorter than the period is one
    datapoint, the average of the values its metric definition found in the log."""
    definition = {"Name": "train:logloss", "Regex": "train-logloss:([0-9\\.]+)"}
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        estimator = aws_builtin_estimator(
            LOCAL_ROLE, "ml.m5.xlarge", 3, metric_definitions=[definition]
        )
        session = estimator.sagemaker_session
        train = session.upload_data(str(tiny_csv), key_prefix="analytics/train")
        estimator.fit({"train": TrainingInput(train, content_type="text/csv")}, logs="None")
        table = estimator.training_job_analytics.dataframe()
        name = estimator.latest_training_job.name
    log = (tmp_path / "jobs" / name / "training.log").read_text()
    values = [float(v) for v in re.findall(r"train-logloss:([0-9.]+)", log)]
    assert len(values) == 3
    assert list(table["metric_name"]) == ["train:logloss"]
    assert table["value"].iloc[0] == pytest.approx(sum(values) / 3)


def test_deploy_and_predict_with_a_plain_session(tmp_path, tiny_csv, long_sleeps):
    """`deploy` -> CreateModel, CreateEndpointConfig, CreateEndpoint, then `wait_for_endpoint`
    (sagemaker `session.py`: 30 s between describes on AWS); `Predictor.predict` and a plain
    boto3 `runtime.sagemaker` client -> InvokeEndpoint; `delete_endpoint`."""
    from sagemaker.serializers import CSVSerializer

    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        session = sagemaker.Session()
        train = session.upload_data(str(tiny_csv), key_prefix="deploy/train")
        estimator = aws_builtin_estimator(sagemaker.get_execution_role(), "ml.m5.xlarge", 3)
        estimator.fit({"train": TrainingInput(train, content_type="text/csv")}, logs="None")
        predictor = estimator.deploy(1, "ml.m5.large", serializer=CSVSerializer())
        rows = np.loadtxt(tiny_csv, delimiter=",")[:2, 1:]
        through_sdk = predictor.predict(rows).decode().split()
        runtime = boto3.client("runtime.sagemaker")
        answer = runtime.invoke_endpoint(
            EndpointName=predictor.endpoint_name,
            Body=",".join(str(v) for v in rows[0]),
            ContentType="text/csv",
        )
        through_boto3 = answer["Body"].read().decode().split()
        predictor.delete_endpoint()
    assert len(through_sdk) == 2 and 0 < float(through_sdk[0]) < 1
    assert through_boto3 == through_sdk[:1]
    assert long_sleeps == []


def test_clients_outside_botocores_handler_list_reach_s3_by_endpoint_variable(
    tmp_path, monkeypatch
):
    """s3fs (pandas' `s3://`) makes aiobotocore clients, which read `AWS_ENDPOINT_URL_S3`
    and the credentials from the environment as botocore does (botocore `configprovider.py`,
    service-specific endpoint variables). Stand-in: a client stripped of the activation's
    handlers, so only the environment leads it to the local S3."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "s3fs" else real_find_spec(name, *a),
    )
    with localsm.activate(jobs_dir=tmp_path / "jobs"):
        endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
        boto3.client("s3").create_bucket(Bucket="for-pandas")
        bare = boto3.client("s3")
        for event, handler in localsm.activation.HANDLERS:
            bare.meta.events.unregister(event, handler)
        bare.put_object(Bucket="for-pandas", Key="table.csv", Body=b"a,b\n1,2\n")
        keys = [
            o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="for-pandas")["Contents"]
        ]
    assert endpoint.startswith("http://127.0.0.1:")
    assert bare.meta.endpoint_url == endpoint
    assert keys == ["table.csv"]
    assert "AWS_ENDPOINT_URL_S3" not in os.environ


def test_behind_a_proxy_the_local_s3_is_reached_directly_and_no_proxy_is_restored(monkeypatch):
    """botocore picks a client's proxy when the client is made, for AWS's endpoint
    (botocore/endpoint.py, httpsession.py): an activated S3 call to 127.0.0.1 must not go to
    a corporate proxy, and the loopback names added to NO_PROXY go when local mode ends."""
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # a closed port: a dead proxy
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    s3 = boto3.client("s3", region_name=REGION)  # made before: its proxy is already chosen
    with localsm.activate():
        assert "127.0.0.1" in os.environ["NO_PROXY"]
        s3.create_bucket(Bucket="behind-a-proxy")
        s3.put_object(Bucket="behind-a-proxy", Key="k", Body=b"ok")
        assert s3.get_object(Bucket="behind-a-proxy", Key="k")["Body"].read() == b"ok"
    assert "NO_PROXY" not in os.environ and "no_proxy" not in os.environ
