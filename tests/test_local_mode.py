"""The local training service behind the unmodified SageMaker SDK, end to end and offline."""

from __future__ import annotations

import json
import signal
import tarfile
import time
from pathlib import Path

import pytest
import sagemaker
import xgboost as xgb
from botocore.exceptions import ClientError
from sagemaker.exceptions import UnexpectedStatusException
from sagemaker.inputs import TrainingInput
from sagemaker.xgboost import XGBoost

import lab
from conftest import alive, all_gone, learnable_csvs
from estimators import REGION, ROLE, builtin_estimator, script_estimator
from localsm import LocalSageMakerSession


@pytest.fixture
def session(tmp_path) -> LocalSageMakerSession:
    return LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> dict[str, str]:
    """A small, learnable binary problem as label-first CSVs (file:// URIs)."""
    return learnable_csvs(
        tmp_path_factory.mktemp("data"), 7, {"train": 600, "validation": 200}, 4,
        lambda x, noise: x[:, 0] + 0.5 * x[:, 1] + 0.3 * noise, fmt="%.6g",
    )  # fmt: skip


def csv_channels(uris: dict[str, str]) -> dict[str, TrainingInput]:
    return {k: TrainingInput(uris[k], content_type="text/csv") for k in ("train", "validation")}


def model_files(model_data: str) -> dict[str, bytes]:
    path = Path(model_data.removeprefix("file://"))
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


# ------------------------------------------------------------------------- script mode


def test_script_mode_end_to_end(session, tmp_path, small_data, capsys):
    estimator = script_estimator(session, tmp_path, num_round=15, nfold=3, eta=0.3)
    estimator.fit({"train": small_data["train"], "validation": small_data["validation"]})
    out = capsys.readouterr().out
    assert "Training - Training in progress." in out and "Completed - Training job completed" in out
    assert "validation-auc:" in out
    name = estimator.latest_training_job.name
    description = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert description["TrainingJobStatus"] == "Completed"
    assert description["SecondaryStatus"] == "Completed"
    statuses = [t["Status"] for t in description["SecondaryStatusTransitions"]]
    assert statuses == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    metrics = {m["MetricName"]: m["Value"] for m in description["FinalMetricDataList"]}
    assert metrics["validation:auc"] > 0.8  # the XGBoost image's predefined definitions
    assert estimator.model_data == description["ModelArtifacts"]["S3ModelArtifacts"]
    expected = tmp_path / "models" / name / "output" / "model.tar.gz"
    assert estimator.model_data == expected.as_uri()
    files = model_files(estimator.model_data)
    booster = xgb.Booster()
    booster.load_model(bytearray(files["xgboost-model.json"]))
    assert booster.num_features() == 4
    assert (expected.parent / "output.tar.gz").is_file()
    # The /opt/ml layout and the toolkit's contract, as the job saw it.
    ml = tmp_path / "jobs" / name / "ml"
    hyperparameters = json.loads((ml / "input/config/hyperparameters.json").read_text())
    assert hyperparameters["sagemaker_program"] == '"xgboost_train.py"'
    data_config = json.loads((ml / "input/config/inputdataconfig.json").read_text())
    assert set(data_config["train"]) >= {"TrainingInputMode", "S3DistributionType"}
    resource = json.loads((ml / "input/config/resourceconfig.json").read_text())
    assert resource["current_host"] == "algo-1" and resource["hosts"] == ["algo-1"]
    assert (ml / "code" / "xgboost_train.py").is_file()
    assert (ml / "input" / "data" / "train" / "train.csv").is_file()


def test_toolkit_environment_and_arguments(session, tmp_path, small_data):
    """The entry point sees SM_* variables and sorted `--key value` arguments."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "show_env.py").write_text(
        "import json, os, sys\n"
        "keys = sorted(k for k in os.environ if k.startswith('SM_'))\n"
        "env = {k: os.environ[k] for k in keys}\n"
        "out = os.path.join(os.environ['SM_MODEL_DIR'], 'seen.json')\n"
        "json.dump({'argv': sys.argv[1:], 'env': env, 'cwd': os.getcwd()}, open(out, 'w'))\n"
    )
    estimator = script_estimator(
        session, tmp_path, source, "show_env.py", b=2, alpha=0.5, flag=True, name="x y"
    )
    estimator.fit({"train": small_data["train"]}, logs="None")
    seen = json.loads(model_files(estimator.model_data)["seen.json"])
    assert seen["argv"] == ["--alpha", "0.5", "-b", "2", "--flag", "True", "--name", "x y"]
    env = seen["env"]
    ml = tmp_path / "jobs" / estimator.latest_training_job.name / "ml"
    assert env["SM_CHANNEL_TRAIN"] == str(ml / "input" / "data" / "train")
    assert env["SM_MODEL_DIR"] == str(ml / "model")
    assert env["SM_OUTPUT_DATA_DIR"] == str(ml / "output" / "data")
    assert env["SM_CHANNELS"] == '["train"]'
    assert json.loads(env["SM_HPS"]) == {"alpha": 0.5, "b": 2, "flag": True, "name": "x y"}
    assert env["SM_HP_NAME"] == "x y" and env["SM_HP_B"] == "2"
    assert env["SM_USER_ENTRY_POINT"] == "show_env.py"
    assert env["SM_MODULE_NAME"] == "show_env"
    assert env["SM_CURRENT_HOST"] == "algo-1"
    assert json.loads(env["SM_USER_ARGS"]) == seen["argv"]
    assert seen["cwd"] == str(ml / "code")


def test_requirements_txt_is_reported_not_installed(session, tmp_path, small_data):
    source = tmp_path / "src"
    source.mkdir()
    (source / "noop.py").write_text("print('ok')\n")
    (source / "requirements.txt").write_text("some-package==1.0\n")
    estimator = script_estimator(session, tmp_path, source, "noop.py")
    estimator.fit({"train": small_data["train"]}, logs="None")
    log = (tmp_path / "jobs" / estimator.latest_training_job.name / "training.log").read_text()
    assert "requirements.txt found in the source directory: local mode does not install it" in log


def test_fit_without_waiting_then_describe(session, tmp_path, small_data, capsys):
    estimator = script_estimator(session, tmp_path, num_round=10, nfold=2)
    estimator.fit({"train": small_data["train"]}, wait=False)
    name = estimator.latest_training_job.name
    first = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert first["TrainingJobStatus"] == "InProgress"
    assert "TrainingEndTime" not in first
    estimator.latest_training_job.wait(logs="None")
    final = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert final["TrainingJobStatus"] == "Completed"
    assert final["TrainingEndTime"] >= final["TrainingStartTime"] >= final["CreationTime"]
    # A job can be attached to later, as the tuner's best_estimator() does.
    attached = XGBoost.attach(name, sagemaker_session=session)
    assert attached.model_data == estimator.model_data
    listed = session.sagemaker_client.list_training_jobs(NameContains=name)
    assert [s["TrainingJobName"] for s in listed["TrainingJobSummaries"]] == [name]


def test_crashing_entry_point_fails_with_reason(session, tmp_path, small_data):
    source = tmp_path / "src"
    source.mkdir()
    (source / "crash.py").write_text("raise RuntimeError('boom: the script crashed')\n")
    estimator = script_estimator(session, tmp_path, source, "crash.py")
    with pytest.raises(UnexpectedStatusException) as raised:
        estimator.fit({"train": small_data["train"]}, logs="None")
    assert "ExecuteUserScriptError" in str(raised.value)
    assert "boom: the script crashed" in str(raised.value)
    description = session.sagemaker_client.describe_training_job(
        TrainingJobName=estimator.latest_training_job.name
    )
    assert description["TrainingJobStatus"] == "Failed"
    assert "ExitCode 1" in description["FailureReason"]
    # The toolkit's format, with the exception and where it was raised, not the traceback.
    reason = description["FailureReason"]
    assert "RuntimeError: boom: the script crashed (crash.py, line 1)" in reason
    assert "Traceback" not in reason
    # As on SageMaker, a failed job's /opt/ml/model is uploaded (here: empty).
    assert model_files(estimator.model_data) == {}
    assert estimator.model_data == description["ModelArtifacts"]["S3ModelArtifacts"]


def test_entry_point_failure_file_becomes_reason(session, tmp_path, small_data):
    """Our training script writes $SM_OUTPUT_DIR/failure; that is the FailureReason."""
    estimator = script_estimator(session, tmp_path, eta=1.5)
    with pytest.raises(UnexpectedStatusException, match=r"argument --eta: 1.5 is not in"):
        estimator.fit({"train": small_data["train"]}, logs="None")


def raw_request(name: str, data_uri: str, tmp_path: Path, **hyperparameters: str) -> dict:
    """A CreateTrainingJob request as the SDK sends it, for cases the SDK itself would block."""
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": sagemaker.image_uris.retrieve("xgboost", REGION, "1.7-1"),
            "TrainingInputMode": "File",
        },
        "RoleArn": ROLE,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": data_uri}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": (tmp_path / "models").as_uri()},
        "ResourceConfig": {"InstanceType": "local", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "HyperParameters": hyperparameters,
    }


def test_missing_entry_point(session, tmp_path, small_data):
    """The SDK checks the entry point exists; the service checks again when it copies it."""
    client = session.sagemaker_client
    request = raw_request(
        "no-entry-point",
        small_data["train"],
        tmp_path,
        sagemaker_program='"train.py"',
        sagemaker_submit_directory=json.dumps(tmp_path.as_uri()),
    )
    client.create_training_job(**request)
    with pytest.raises(UnexpectedStatusException, match="entry point 'train.py' not found"):
        session.wait_for_job("no-entry-point")


def test_missing_channel_data(session, tmp_path):
    estimator = script_estimator(session, tmp_path)
    with pytest.raises(UnexpectedStatusException, match="no data for channel 'train'"):
        estimator.fit({"train": (tmp_path / "nothing-here.csv").as_uri()}, logs="None")


# ------------------------------------------------------------------------- request checks


def test_invalid_and_duplicate_job_names(session, tmp_path, small_data):
    estimator = script_estimator(session, tmp_path, num_round=5, nfold=2)
    with pytest.raises(ClientError) as raised:
        estimator.fit({"train": small_data["train"]}, job_name="bad_name!", wait=False)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "regular expression pattern" in str(raised.value)
    estimator.fit({"train": small_data["train"]}, job_name="lab-job-1", wait=False)
    with pytest.raises(ClientError, match="must be unique") as raised:
        estimator.fit({"train": small_data["train"]}, job_name="lab-job-1", wait=False)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    session.wait_for_job("lab-job-1")


def test_request_validated_against_the_service_model(session):
    client = session.sagemaker_client
    with pytest.raises(ClientError, match='Missing required parameter in input: "RoleArn"'):
        client.create_training_job(
            TrainingJobName="x",
            AlgorithmSpecification={"TrainingImage": "sagemaker-xgboost:1.7-1"},
            OutputDataConfig={"S3OutputPath": "file:///tmp"},
            ResourceConfig={"InstanceType": "local", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )
    with pytest.raises(ClientError, match="not found"):
        client.describe_training_job(TrainingJobName="no-such-job")


def test_unknown_image_is_refused_with_a_way_out(session, tmp_path, small_data):
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-image:latest"
    estimator = builtin_estimator(session, tmp_path, image=image)
    with pytest.raises(ClientError, match="this algorithm is not available locally") as raised:
        estimator.fit({"train": small_data["train"]})
    # in SageMaker's terms, not the course helper's (issue 26)
    assert "run this job on SageMaker" in str(raised.value) and "lab." not in str(raised.value)


# ------------------------------------------------------------------------- stopping


SLEEPER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
with open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "..", "..", "..", "pids"), "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
print("sleeping", flush=True)
time.sleep(300)
"""


def _start_sleeper(session, tmp_path, small_data) -> tuple[str, list[int]]:
    source = tmp_path / "src"
    source.mkdir()
    (source / "sleeper.py").write_text(SLEEPER)
    estimator = script_estimator(session, tmp_path, source, "sleeper.py")
    estimator.fit({"train": small_data["train"]}, wait=False)
    name = estimator.latest_training_job.name
    pids_file = tmp_path / "jobs" / name / "ml" / "pids"
    deadline = time.time() + 30
    while not pids_file.exists() or not pids_file.read_text():
        assert time.time() < deadline, "the job never started"
        time.sleep(0.05)
    return name, [int(p) for p in pids_file.read_text().split()]


def test_stop_training_job_ends_the_process_tree(session, tmp_path, small_data):
    name, pids = _start_sleeper(session, tmp_path, small_data)
    assert all(alive(p) for p in pids)
    session.sagemaker_client.stop_training_job(TrainingJobName=name)
    session.sagemaker_client.job(name).wait(30)
    description = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert description["TrainingJobStatus"] == "Stopped"
    assert all_gone(pids)
    # SageMaker uploads /opt/ml/model after SIGTERM and the grace period: an empty model here.
    assert model_files(description["ModelArtifacts"]["S3ModelArtifacts"]) == {}


def test_ctrl_c_while_following_the_log_stops_the_job(session, tmp_path, small_data):
    name, pids = _start_sleeper(session, tmp_path, small_data)
    # Simulate Ctrl-C in the notebook while fit() follows the log.
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            session.logs_for_job(name, wait=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    description = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert description["TrainingJobStatus"] == "Stopped"
    assert all_gone(pids)


def test_max_runtime_stops_the_job(session, tmp_path, small_data):
    source = tmp_path / "src"
    source.mkdir()
    (source / "slow.py").write_text("import time\ntime.sleep(60)\n")
    estimator = script_estimator(session, tmp_path, source, "slow.py")
    estimator.max_run = 1
    estimator.fit({"train": small_data["train"]}, logs="None")  # Stopped only warns
    description = session.sagemaker_client.describe_training_job(
        TrainingJobName=estimator.latest_training_job.name
    )
    assert description["TrainingJobStatus"] == "Stopped"
    assert description["SecondaryStatus"] == "MaxRuntimeExceeded"


# ------------------------------------------------------------------------- lab.setup


def test_lab_setup_local(tmp_path, capsys):
    setup = lab.setup("local", output_dir=str(tmp_path / "out"))
    assert "Mode: local" in capsys.readouterr().out
    assert setup.mode == "local" and setup.instance_type == "local"
    assert setup.role == "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"
    assert setup.train_uri == lab.bundled_csv("train").as_uri()
    assert setup.output_path == (tmp_path / "out" / "models").as_uri()
    assert isinstance(setup.session, LocalSageMakerSession)
    with pytest.raises(lab.LabSetupError, match="not found"):
        lab.setup("local", train=str(tmp_path / "missing.csv"))
    with pytest.raises(lab.LabSetupError, match="unknown mode"):
        lab.setup("cloud")


def test_lab_auto_mode(monkeypatch, tmp_path):
    import lab.modes  # where detect_mode reads it (lab is a package)

    monkeypatch.setattr(lab.modes, "SAGEMAKER_METADATA", tmp_path / "resource-metadata.json")
    assert lab.detect_mode()[0] == "local"
    (tmp_path / "resource-metadata.json").write_text("{}")
    assert lab.detect_mode()[0] == "sagemaker"


# ------------------------------------------------------------------------- s3:// in local mode


def test_s3_channels_and_output_through_boto3(tmp_path, small_data, monkeypatch):
    """Local jobs read s3:// channels and write s3:// outputs with the session's boto3 (moto)."""
    from moto import mock_aws

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(key, value)
    with mock_aws():
        session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
        s3 = session.boto_session.client("s3")
        s3.create_bucket(Bucket="lab-bucket")
        body = Path(small_data["train"].removeprefix("file://")).read_bytes()
        s3.put_object(Bucket="lab-bucket", Key="data/train/part-1.csv", Body=body)
        estimator = script_estimator(session, tmp_path, num_round=5, nfold=2)
        estimator.output_path = "s3://lab-bucket/output"
        estimator.fit({"train": "s3://lab-bucket/data/train/"}, logs="None")
        name = estimator.latest_training_job.name
        assert estimator.model_data == f"s3://lab-bucket/output/{name}/output/model.tar.gz"
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="lab-bucket")["Contents"]}
        assert f"output/{name}/output/model.tar.gz" in keys
        staged = tmp_path / "jobs" / name / "ml" / "input" / "data" / "train" / "part-1.csv"
        assert staged.read_bytes() == body
