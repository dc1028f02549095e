"""Local real-time endpoints through the unmodified SageMaker SDK v2 and through the client
itself (the codecs, handler and WSGI app in process: test_serving_codecs.py).

Every model server is a process; `no_leftover_servers` fails any test that leaves one behind,
and the module's session ends with none either.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import numpy as np
import psutil
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError
from sagemaker import image_uris
from sagemaker.deserializers import CSVDeserializer, JSONDeserializer, JSONLinesDeserializer
from sagemaker.estimator import Estimator
from sagemaker.exceptions import UnexpectedStatusException
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.predictor import Predictor
from sagemaker.serializers import CSVSerializer, JSONSerializer
from sagemaker.xgboost import XGBoostModel

import lab
from conftest import SCRIPT_DIR, write_tarball
from estimators import lab_script_estimator, small_builtin_estimator
from localsm.language import VARIABLE as SERVICE_LANGUAGE
from localsm.training import processes
from xgboost_report.model_io import load_model

FEATURES = 13  # the lab's data: label first, then 13 features
ROWS = 200


# ------------------------------------------------------------------ processes


def server_processes() -> dict[int, str]:
    """pid -> server folder of every model server process this test process started."""
    owner = processes.owner_token()
    found = {}
    for process in psutil.process_iter():
        try:
            env = process.environ()
        except (psutil.Error, OSError):
            continue
        folder = env.get(processes.JOB_VARIABLE, "")
        if env.get(processes.OWNER_VARIABLE) == owner and f"{os.sep}endpoints{os.sep}" in folder:
            found[process.pid] = folder
    return found


def processes_of(endpoint) -> list[psutil.Process]:
    """The live processes of an endpoint's servers (by the job marker of each server root)."""
    return [
        p
        for s in endpoint.servers.values()
        for p in processes.marked_processes(processes.JOB_VARIABLE, str(s.root))
    ]


@pytest.fixture(autouse=True)
def no_leftover_servers():
    """No test may leave a model server process of its own running."""
    before = set(server_processes())
    yield
    left = {pid: root for pid, root in server_processes().items() if pid not in before}
    assert not left, f"model server processes left running: {left}"


# ------------------------------------------------------------------ shared fixtures


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    setup = lab.setup("local", output_dir=str(tmp_path_factory.mktemp("serving")))
    yield setup
    setup.session.sagemaker_client.delete_all_endpoints()
    assert not server_processes(), "model server processes left when the session ended"


@pytest.fixture(scope="module")
def client(setup):
    return setup.session.sagemaker_client


@pytest.fixture(scope="module")
def runtime(setup):
    return setup.session.sagemaker_runtime_client


@pytest.fixture(scope="module")
def image(setup) -> str:
    return image_uris.retrieve("xgboost", setup.region, "1.5-1")


@pytest.fixture(scope="module")
def estimator(setup) -> Estimator:
    """A built-in XGBoost model trained on the lab's data (few rounds: quick)."""
    return small_builtin_estimator(setup)


@pytest.fixture(scope="module")
def booster(estimator) -> xgb.Booster:
    return load_model(estimator.model_data)


@pytest.fixture(scope="module")
def rows(bundled) -> np.ndarray:
    """Feature rows of the test split (label column dropped)."""
    return np.loadtxt(bundled["test"], delimiter=",")[:ROWS, 1:]


@pytest.fixture(scope="module")
def predictor(estimator):
    """One built-in endpoint shared by the tests that only invoke it."""
    predictor = estimator.deploy(
        initial_instance_count=1,
        instance_type="local",
        serializer=CSVSerializer(),
        deserializer=CSVDeserializer(),
    )
    yield predictor
    predictor.delete_model()
    predictor.delete_endpoint()


def csv_body(rows: np.ndarray) -> bytes:
    return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows).encode()


def model_error(runtime, endpoint_name: str, body: bytes, content_type: str) -> dict:
    with pytest.raises(ClientError) as caught:
        runtime.invoke_endpoint(EndpointName=endpoint_name, Body=body, ContentType=content_type)
    response = caught.value.response
    assert response["Error"]["Code"] == "ModelError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
    return response


def tarball(path: Path, files: dict[str, bytes]) -> str:
    return write_tarball(path, files).as_uri()


def failed_deploy(model: Model, client) -> str:
    """Deploy a model that cannot serve: the SDK raises; returns the FailureReason."""
    with pytest.raises(UnexpectedStatusException) as caught:
        model.deploy(initial_instance_count=1, instance_type="local")
    description = client.describe_endpoint(EndpointName=model.endpoint_name)
    assert description["EndpointStatus"] == "Failed"
    assert description["FailureReason"] in str(caught.value)
    folder = f"{os.sep}endpoints{os.sep}{model.endpoint_name}{os.sep}"
    assert not [root for root in server_processes().values() if folder in root]
    client.delete_endpoint(EndpointName=model.endpoint_name)
    return description["FailureReason"]


# ------------------------------------------------------------------ built-in endpoints (SDK)


def test_builtin_deploy_predicts_what_xgboost_predicts(predictor, booster, rows, client):
    answer = predictor.predict(rows)
    served = np.array([float(line[0]) for line in answer])
    expected = booster.inplace_predict(rows)
    assert served.shape == (ROWS,)
    assert np.max(np.abs(served - expected)) <= 1e-6
    description = client.describe_endpoint(EndpointName=predictor.endpoint_name)
    assert description["EndpointStatus"] == "InService"
    assert description["ProductionVariants"][0]["VariantName"] == "AllTraffic"
    listed = client.list_endpoints()["Endpoints"]
    assert predictor.endpoint_name in [e["EndpointName"] for e in listed]


def test_accept_json_and_jsonlines(predictor, setup, booster, rows):
    expected = booster.inplace_predict(rows[:3])

    def answer(deserializer):
        return Predictor(
            predictor.endpoint_name,
            setup.session,
            serializer=CSVSerializer(),
            deserializer=deserializer,
        ).predict(rows[:3])

    as_json = answer(JSONDeserializer())
    assert list(as_json) == ["predictions"]
    assert [list(p) for p in as_json["predictions"]] == [["score"]] * 3
    np.testing.assert_allclose([p["score"] for p in as_json["predictions"]], expected, atol=1e-6)
    as_lines = answer(JSONLinesDeserializer())
    np.testing.assert_allclose([p["score"] for p in as_lines], expected, atol=1e-6)


def test_inference_output_selects_keys(estimator, booster, rows):
    predictor = estimator.deploy(
        initial_instance_count=1,
        instance_type="local",
        serializer=CSVSerializer(),
        deserializer=JSONDeserializer(),
        env={"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability"},
    )
    try:
        answer = predictor.predict(rows[:20])["predictions"]
    finally:
        predictor.delete_model()
        predictor.delete_endpoint()
    expected = booster.inplace_predict(rows[:20])
    assert [sorted(a) for a in answer] == [["predicted_label", "probability"]] * 20
    assert [a["predicted_label"] for a in answer] == (expected > 0.5).astype(int).tolist()
    np.testing.assert_allclose([a["probability"] for a in answer], expected, atol=1e-6)


BAD_REQUESTS = {
    "json body": (b'{"instances": [[1, 2]]}', "application/json", 415, ["application/json"]),
    "label column": (
        b"0" + b",1" * FEATURES + b"\n",
        "text/csv",
        400,
        ["14 values", "13 features", "Leave the label column out"],
    ),
    "text cell": (
        b"1" + b",1" * 12 + b"\n1,1,Private" + b",1" * 10 + b"\n",
        "text/csv",
        415,  # unparsable CSV: 415 from the image (algorithm_mode/serve.py)
        ["Row 2, column 3", "'Private' is not a number"],
    ),
    "empty body": (b"", "text/csv", 400, ["empty"]),
    "over 6 MiB": (b"1" * (6 * 1024 * 1024 + 1), "text/csv", 413, ["6,291,457 bytes", "6 MiB"]),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_bad_requests_are_model_errors(case, predictor, runtime, rows):
    body, content_type, status, fragments = BAD_REQUESTS[case]
    response = model_error(runtime, predictor.endpoint_name, body, content_type)
    assert response["OriginalStatusCode"] == status
    for fragment in fragments:
        assert fragment in response["OriginalMessage"]
        assert fragment in response["Error"]["Message"]
    assert "endpoint.log" in response["Error"]["Message"]
    assert len(predictor.predict(rows[:1])) == 1  # the server still answers


def test_json_through_the_sdk_is_a_model_error_with_415(predictor, setup, rows):
    sender = Predictor(predictor.endpoint_name, setup.session, serializer=JSONSerializer())
    with pytest.raises(ClientError) as caught:
        sender.predict(rows[:1].tolist())
    assert caught.value.response["Error"]["Code"] == "ModelError"
    assert caught.value.response["OriginalStatusCode"] == 415


def test_a_portuguese_notebooks_endpoint_answers_in_portuguese(estimator, runtime, monkeypatch):
    """A model server speaks the language of the kernel that starts it (`lab.setup` sets
    LOCALSM_LANGUAGE to the notebook's): Task 3's refused requests read Portuguese there."""
    monkeypatch.setenv(SERVICE_LANGUAGE, "pt_BR")
    predictor = estimator.deploy(initial_instance_count=1, instance_type="local")
    try:
        body = b"0" + b",1" * FEATURES + b"\n"
        response = model_error(runtime, predictor.endpoint_name, body, "text/csv")
    finally:
        predictor.delete_model()
        predictor.delete_endpoint()
    assert response["OriginalMessage"].startswith("Cada linha tem 14 valores, mas o modelo foi")
    assert "Deixe a coluna do rótulo de fora." in response["OriginalMessage"]


def test_invoking_an_unknown_endpoint_is_a_validation_error(runtime, predictor):
    with pytest.raises(ClientError) as caught:
        runtime.invoke_endpoint(EndpointName="no-such-endpoint", Body=b"1", ContentType="text/csv")
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "Endpoint no-such-endpoint of account 000000000000 not found" in error["Message"]


# ------------------------------------------------------------------ script mode (SDK)


def test_script_mode_deploy_answers_through_the_entry_point(setup, rows, runtime, tmp_path):
    estimator = lab_script_estimator(
        setup,
        hyperparameters={
            "objective": "binary:logistic",
            "num_round": 10,
            "nfold": 2,
            "max_depth": 3,
        },
    )
    train = tmp_path / "train.csv"  # the lab's CSV with its header row; part of it (quick)
    lines = lab.bundled_csv("train", headers=True).read_text().splitlines(keepends=True)
    train.write_text("".join(lines[:3001]))
    estimator.fit({"train": TrainingInput(train.as_uri(), content_type="text/csv")}, logs="None")
    predictor = estimator.deploy(
        initial_instance_count=1,
        instance_type="local",
        serializer=CSVSerializer(),
        deserializer=JSONDeserializer(),
    )
    try:
        answer = predictor.predict(rows[:50])
        # Refused by the entry point's input_fn (the built-in codecs would name other types).
        response = model_error(runtime, predictor.endpoint_name, b"{}", "application/json")
    finally:
        predictor.delete_model()
        predictor.delete_endpoint()
    # The script's output_fn shape ({"predictions": [p, ...]}), not the built-in's [{"score"}].
    expected = load_model(estimator.model_data).inplace_predict(rows[:50])
    assert np.max(np.abs(np.array(answer["predictions"]) - expected)) <= 1e-6
    # The image wraps the entry point's functions in sagemaker-containers' ClientError, which
    # its Flask worker answers with 500 (aws/sagemaker-containers `_transformer.py`; see
    # test_serving_handlers.py); the message says what input_fn refused.
    assert response["OriginalStatusCode"] == 500
    assert (
        "input_fn: ValueError: content type 'application/json' is not supported"
        in (response["OriginalMessage"])
    )


def test_entry_point_without_model_fn_fails_naming_it(setup, estimator, client, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    text = (SCRIPT_DIR / "xgboost_train.py").read_text()
    (source / "serve.py").write_text(text.replace("def model_fn(", "def _no_model_fn("))
    (source / "checks.py").write_text((SCRIPT_DIR / "checks.py").read_text())  # it imports it
    model = XGBoostModel(
        model_data=estimator.model_data,
        entry_point="serve.py",
        source_dir=str(source),
        framework_version="1.7-1",
        role=setup.role,
        sagemaker_session=setup.session,
    )
    reason = failed_deploy(model, client)
    assert reason.startswith("ClientError: the entry point serve.py has no model_fn(model_dir)")


# ------------------------------------------------------------------ statuses (client)


def model_and_config(client, name: str, container: dict) -> None:
    """Model `m-<name>` and endpoint configuration `c-<name>` (one variant, `v`)."""
    client.create_model(
        ModelName=f"m-{name}", PrimaryContainer=container, ExecutionRoleArn=lab.LOCAL_ROLE
    )
    variant = {"VariantName": "v", "ModelName": f"m-{name}", "InitialInstanceCount": 1,
               "InstanceType": "local"}  # fmt: skip
    client.create_endpoint_config(EndpointConfigName=f"c-{name}", ProductionVariants=[variant])


def status_and_config(client, name: str) -> tuple[str, str]:
    described = client.describe_endpoint(EndpointName=name)
    assert "FailureReason" not in described
    return described["EndpointStatus"], described["EndpointConfigName"]


def test_describe_list_update_and_delete(client, runtime, estimator, image, booster, rows):
    container = {"Image": image, "ModelDataUrl": estimator.model_data}
    model_and_config(client, "old", container)
    labels = {"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label"}  # the new model answers 0 or 1
    model_and_config(client, "new", {**container, "Environment": labels})
    expected = booster.inplace_predict(rows[:5])

    def ask() -> list[str]:
        answer = runtime.invoke_endpoint(
            EndpointName="lifecycle", Body=csv_body(rows[:5]), ContentType="text/csv"
        )
        assert answer["InvokedProductionVariant"] == "v"
        return answer["Body"].read().decode().split()

    client.create_endpoint(EndpointName="lifecycle", EndpointConfigName="c-old")
    endpoint, old, new = client.endpoint("lifecycle"), [], []
    assert status_and_config(client, "lifecycle") == ("Creating", "c-old")
    with pytest.raises(ClientError, match="is Creating and cannot answer requests; wait until"):
        ask()
    try:
        assert endpoint.wait(60)
        assert status_and_config(client, "lifecycle") == ("InService", "c-old")
        summary = client.list_endpoints(NameContains="lifecyc")["Endpoints"]
        assert [(e["EndpointName"], e["EndpointStatus"]) for e in summary] == [
            ("lifecycle", "InService")
        ]
        np.testing.assert_allclose([float(v) for v in ask()], expected, atol=1e-6)
        old = processes_of(endpoint)
        assert len(old) == 1 and {p.pid for p in old} <= set(server_processes())

        client.update_endpoint(EndpointName="lifecycle", EndpointConfigName="c-new")
        assert status_and_config(client, "lifecycle")[0] == "Updating"
        with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
            client.update_endpoint(EndpointName="lifecycle", EndpointConfigName="c-new")
        assert endpoint.wait(60)
        assert status_and_config(client, "lifecycle") == ("InService", "c-new")
        assert ask() == [str(int(p > 0.5)) for p in expected]  # the new model's answers
        assert not any(p.is_running() for p in old)  # the old server has ended
        new = processes_of(endpoint)
        assert len(new) == 1
    finally:
        client.delete_endpoint(EndpointName="lifecycle")
    assert "lifecycle" not in [e["EndpointName"] for e in client.list_endpoints()["Endpoints"]]
    assert not any(p.is_running() for p in new)
    with pytest.raises(ClientError, match="Could not find endpoint"):
        client.describe_endpoint(EndpointName="lifecycle")
    for name in ("old", "new"):  # configurations and models outlive the endpoint
        client.delete_endpoint_config(EndpointConfigName=f"c-{name}")
        assert client.describe_model(ModelName=f"m-{name}")["ModelName"] == f"m-{name}"
        client.delete_model(ModelName=f"m-{name}")
    names = [m["ModelName"] for m in client.list_models()["Models"]]
    assert "m-old" not in names and "m-new" not in names


def test_deleting_a_creating_endpoint_leaves_no_server(client, estimator, image):
    model_and_config(client, "brief", {"Image": image, "ModelDataUrl": estimator.model_data})
    client.create_endpoint(EndpointName="brief", EndpointConfigName="c-brief")
    assert client.describe_endpoint(EndpointName="brief")["EndpointStatus"] == "Creating"
    endpoint = client.endpoint("brief")
    client.delete_endpoint(EndpointName="brief")  # (no_leftover_servers checks the rest)
    assert endpoint.wait(60) and endpoint.servers == {}
    client.delete_endpoint_config(EndpointConfigName="c-brief")
    client.delete_model(ModelName="m-brief")


def test_a_server_that_dies_makes_the_endpoint_failed(estimator, client, runtime, rows):
    predictor = estimator.deploy(
        initial_instance_count=1, instance_type="local", serializer=CSVSerializer()
    )
    name = predictor.endpoint_name
    try:
        (server,) = client.endpoint(name).servers.values()
        os.kill(server._process._popen.pid, signal.SIGKILL)
        assert server.wait_ended(10)
        described = client.describe_endpoint(EndpointName=name)
        assert described["EndpointStatus"] == "Failed"
        assert "ended by SIGKILL" in described["FailureReason"]
        with pytest.raises(ClientError) as caught:
            runtime.invoke_endpoint(
                EndpointName=name, Body=csv_body(rows[:1]), ContentType="text/csv"
            )
        error = caught.value.response["Error"]
        assert error["Code"] == "ValidationError"
        assert f"Endpoint {name} is Failed" in error["Message"]
        assert "FailureReason" in error["Message"]
    finally:
        predictor.delete_model()
        predictor.delete_endpoint()


# ------------------------------------------------------------------ bad input at the API


@pytest.fixture(scope="module")
def arn(client) -> str:
    return f"arn:aws:sagemaker:{client.region}:000000000000"


@pytest.mark.parametrize(
    "operation, argument, label, kind",
    [
        ("describe_model", "ModelName", "model", "model"),
        ("delete_model", "ModelName", "model", "model"),
        ("describe_endpoint_config", "EndpointConfigName", "endpoint configuration",
         "endpoint-config"),
        ("delete_endpoint_config", "EndpointConfigName", "endpoint configuration",
         "endpoint-config"),
        ("describe_endpoint", "EndpointName", "endpoint", "endpoint"),
        ("delete_endpoint", "EndpointName", "endpoint", "endpoint"),
    ],
)  # fmt: skip
def test_unknown_names_are_validation_errors_naming_the_arn(
    client, arn, operation, argument, label, kind
):
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**{argument: "nope"})
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f'Could not find {label} "{arn}:{kind}/nope".'


def test_references_to_missing_models_and_configs(client, arn, image, estimator):
    with pytest.raises(ClientError, match=f'Could not find model "{arn}:model/ghost"'):
        client.create_endpoint_config(
            EndpointConfigName="c-ghost",
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "ghost",
                    "InitialInstanceCount": 1,
                    "InstanceType": "local",
                }
            ],
        )
    assert client.list_endpoint_configs(NameContains="c-ghost")["EndpointConfigs"] == []
    with pytest.raises(ClientError, match=f'endpoint configuration "{arn}:endpoint-config/c-no"'):
        client.create_endpoint(EndpointName="e-ghost", EndpointConfigName="c-no")
    container = {"Image": image, "ModelDataUrl": estimator.model_data}
    client.create_model(
        ModelName="twice", PrimaryContainer=container, ExecutionRoleArn=lab.LOCAL_ROLE
    )
    try:
        with pytest.raises(ClientError, match=f'Cannot create already existing model "{arn}'):
            client.create_model(
                ModelName="twice", PrimaryContainer=container, ExecutionRoleArn=lab.LOCAL_ROLE
            )
    finally:
        client.delete_model(ModelName="twice")


def test_create_model_with_missing_model_data(client, image, tmp_path):
    url = (tmp_path / "missing" / "model.tar.gz").as_uri()
    with pytest.raises(ClientError) as caught:
        client.create_model(
            ModelName="no-data",
            ExecutionRoleArn=lab.LOCAL_ROLE,
            PrimaryContainer={"Image": image, "ModelDataUrl": url},
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert f"Could not find model data at {url}" in error["Message"]
    with pytest.raises(ClientError, match="serves the SageMaker XGBoost images only"):
        client.create_model(
            ModelName="other",
            ExecutionRoleArn=lab.LOCAL_ROLE,
            PrimaryContainer={"Image": "my/image:1", "ModelDataUrl": url},
        )


@pytest.mark.parametrize(
    "files, fragments",
    [
        ({"notes.txt": b"hello"}, ["holds no XGBoost model that loads", "notes.txt"]),
        (None, ["is not a model.tar.gz tarball"]),
    ],
)
def test_an_artifact_without_a_model_fails_the_endpoint(
    setup, image, client, tmp_path, files, fragments
):
    path = tmp_path / "model.tar.gz"
    if files is None:
        path.write_text("plain text, not a tarball")
        url = path.as_uri()
    else:
        url = tarball(path, files)
    model = Model(image_uri=image, model_data=url, role=setup.role, sagemaker_session=setup.session)
    reason = failed_deploy(model, client)
    assert reason.startswith("ClientError: ")
    for fragment in fragments:
        assert fragment in reason


def test_bind_to_a_port_in_use_fails_naming_it(setup, image, estimator, client):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        model = Model(
            image_uri=image,
            model_data=estimator.model_data,
            role=setup.role,
            sagemaker_session=setup.session,
            env={"SAGEMAKER_BIND_TO_PORT": str(port)},
        )
        reason = failed_deploy(model, client)
    assert f"cannot listen on 127.0.0.1:{port}" in reason
    assert "SAGEMAKER_BIND_TO_PORT" in reason
