"""Task 3 with SDK v3's own resources under `localsm.activate()`: sagemaker-core's `Model`,
`EndpointConfig`, `Endpoint` (`invoke`) and `TransformJob`, through a plain `Session()`.
Runs in .venv-v3.

Written from aws/sagemaker-python-sdk (master, v3) `sagemaker-core/src/sagemaker/core/
resources.py`: `Endpoint.create` describes the endpoint once (`cls.get`), `wait_for_status`
describes, then sleeps `poll` (5 s) while the status is not the target; `TransformJob.wait`
does the same until a terminal status; `Endpoint.invoke` calls sagemaker-runtime
InvokeEndpoint. From botocore's API model (`botocore/data/sagemaker-runtime/2017-05-13/
service-2.json`): `ModelError` is HTTP 424 with members `Message`, `OriginalStatusCode`,
`OriginalMessage`, `LogStreamArn`, which botocore's parser puts beside `Error` in the
response (botocore/parsers.py `_do_modeled_error_parse`). From aws/sagemaker-xgboost-container
`src/sagemaker_xgboost_container/algorithm_mode/serve.py`: an unsupported content type is
answered 415.
"""

from __future__ import annotations

import io
import socket
import tarfile
import time

import boto3
import numpy as np
import psutil
import pytest

pytest.importorskip("sagemaker.core", reason="SDK v3 tests run in .venv-v3 (make test)")

import xgboost as xgb  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from sagemaker.core import image_uris  # noqa: E402
from sagemaker.core.helper.session_helper import Session  # noqa: E402
from sagemaker.core.resources import Endpoint, EndpointConfig, Model, TransformJob  # noqa: E402
from sagemaker.core.shapes import (  # noqa: E402
    ContainerDefinition,
    ProductionVariant,
    TransformDataSource,
    TransformInput,
    TransformOutput,
    TransformResources,
    TransformS3DataSource,
)

import localsm  # noqa: E402
from localsm.session_v3 import local_v3_session_and_service  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"


# No AWS configuration at all (tests/conftest.py): nothing of the developer's machine is read.
pytestmark = pytest.mark.usefixtures("no_aws_configuration")


@pytest.fixture
def core_sleeps(monkeypatch) -> list[float]:
    """The sleeps of sagemaker-core's waits (its module's `time`), recorded and skipped."""
    import sagemaker.core.resources as resources

    slept: list[float] = []

    class Clock:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            slept.append(seconds)

    monkeypatch.setattr(resources, "time", Clock())
    return slept


def model_and_rows(folder) -> tuple[xgb.Booster, np.ndarray, bytes]:
    """A small binary:logistic booster, rows to score and its model.tar.gz."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 3)).round(4)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3},
        xgb.DMatrix(x, label=(x[:, 0] + x[:, 1] > 0).astype(int)),
        num_boost_round=8,
    )
    booster.save_model(str(folder / "xgboost-model.json"))
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(folder / "xgboost-model.json", "xgboost-model")
    return booster, x[:40], archive.getvalue()


def serving_children() -> list[psutil.Process]:
    """This process's model-server processes still alive."""
    return [
        child
        for child in psutil.Process().children(recursive=True)
        if child.is_running() and "localsm.serving" in " ".join(child.cmdline())
    ]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def create_hosting(session, bucket: str, image: str) -> tuple:
    """Model, endpoint configuration and endpoint through sagemaker-core's resources."""
    model = Model.create(
        session=session.boto_session,  # the process-wide clients sagemaker-core keeps
        region="us-east-1",
        model_name="task3-model",
        primary_container=ContainerDefinition(
            image=image, model_data_url=f"s3://{bucket}/model/model.tar.gz"
        ),
        execution_role_arn=ROLE,
    )
    config = EndpointConfig.create(
        endpoint_config_name="task3-config",
        production_variants=[
            ProductionVariant(
                variant_name="AllTraffic",
                model_name=model.model_name,
                initial_instance_count=1,
                instance_type="ml.m5.large",
            )
        ],
    )
    endpoint = Endpoint.create(
        endpoint_name="task3-endpoint", endpoint_config_name=config.endpoint_config_name
    )
    return model, config, endpoint


def create_transform(model, bucket: str):
    """A batch transform of `test/test.csv` through sagemaker-core's TransformJob."""
    return TransformJob.create(
        transform_job_name="task3-transform",
        model_name=model.model_name,
        transform_input=TransformInput(
            data_source=TransformDataSource(
                s3_data_source=TransformS3DataSource(
                    s3_data_type="S3Prefix", s3_uri=f"s3://{bucket}/test/test.csv"
                )
            ),
            content_type="text/csv",
            split_type="Line",
        ),
        transform_output=TransformOutput(
            s3_output_path=f"s3://{bucket}/batch", assemble_with="Line", accept="text/csv"
        ),
        transform_resources=TransformResources(instance_type="ml.m5.xlarge", instance_count=1),
    )


@pytest.mark.parametrize("session_kind", ["plain Session()", "local_v3_session"])
def test_core_resources_host_answer_refuse_transform_and_delete(
    tmp_path, core_sleeps, session_kind
):
    booster, rows, archive = model_and_rows(tmp_path)
    expected = booster.predict(xgb.DMatrix(rows))
    csv_rows = "\n".join(",".join(f"{v:g}" for v in row) for row in rows)
    if session_kind == "local_v3_session":  # what the course's setup makes: its own boto3
        session, service = local_v3_session_and_service(tmp_path / "jobs")  # session answers
    else:
        session, service = None, None
    with localsm.activate(
        jobs_dir=tmp_path / "jobs", region="us-east-1", service=service
    ) as activation:
        session = session or Session()
        bucket = session.default_bucket()
        s3 = boto3.client("s3")
        s3.put_object(Bucket=bucket, Key="model/model.tar.gz", Body=archive)
        s3.put_object(Bucket=bucket, Key="test/test.csv", Body=csv_rows.encode())
        image = image_uris.retrieve(framework="xgboost", region="us-east-1", version="1.7-1")
        model, config, endpoint = create_hosting(session, bucket, image)
        endpoint.wait_for_status("InService")
        assert endpoint.endpoint_status == "InService"
        assert core_sleeps == []  # the wait's describe long-polled: no 5-second sleep

        answer = endpoint.invoke(body=csv_rows, content_type="text/csv", accept="text/csv")
        served = np.array(answer.body.read().decode().split(), dtype=float)
        np.testing.assert_allclose(served, expected, rtol=1e-6)

        with pytest.raises(ClientError) as refused:
            endpoint.invoke(body='{"age": 39}', content_type="application/json")
        response = refused.value.response
        assert refused.value.__class__.__name__ == "ModelError"
        assert response["Error"]["Code"] == "ModelError"
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
        assert response["OriginalStatusCode"] == 415
        assert "application/json" in response["OriginalMessage"]

        job = create_transform(model, bucket)
        job.wait()
        assert job.transform_job_status == "Completed"
        assert core_sleeps == []
        scored = s3.get_object(Bucket=bucket, Key="batch/test.csv.out")["Body"].read().decode()
        np.testing.assert_allclose(np.array(scored.split(), dtype=float), expected, rtol=1e-6)

        servers = activation.local_client.endpoint(endpoint.endpoint_name).servers.values()
        ports = [server.port for server in servers]
        assert ports and all(port_open(port) for port in ports)
        endpoint.delete()
        config.delete()
        model.delete()
        sagemaker = boto3.client("sagemaker")
        assert sagemaker.list_endpoints()["Endpoints"] == []
        assert sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
        assert sagemaker.list_models()["Models"] == []
        assert not any(port_open(port) for port in ports)
        assert serving_children() == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "nothing"),
    [("deploy_and_predict.ipynb", "none"), ("deploy_and_predict_pt_br.ipynb", "nenhum")],
)
def test_task3_notebook_runs_with_papermill(tmp_path, monkeypatch, name, nothing):
    """The v3 Task 3 notebook, small: the endpoint answers as XGBoost does, JSON is refused
    with 415, the batch transform scores as XGBoost does, and nothing is left."""
    import re

    from course_copy import copy_course, printed, run_notebook

    from lab.language import VARIABLE, language_of

    monkeypatch.setenv(VARIABLE, language_of(name))  # as aux/run_notebooks.py does
    course = copy_course(tmp_path)
    text = printed(
        run_notebook(
            course, f"sdk_v3/{name}", tmp_path / "executed", num_round=20, latency_calls=20
        )
    )
    assert re.search(r"XGBoost: 0\.0e\+00", text), text
    assert "ModelError (HTTP 415)" in text
    batch = "transformação em lote" if nothing == "nenhum" else "batch transform"
    scores = re.findall(rf"^({batch}|XGBoost)\s+(.+)$", text, re.MULTILINE)
    assert len(scores) == 2 and scores[0][1] == scores[1][1], scores
    assert text.count(f" {nothing}\n") == 4, text  # endpoints, configs, models, jobs
