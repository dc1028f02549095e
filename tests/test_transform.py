"""Local batch transform jobs: records in, `.out` files out, as SageMaker's contract says."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import tarfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from localsm.serving.records import DataProcessing, JsonPath, Record, RecordError, output_chunk
from localsm.serving.transform import TransformJob
from localsm.training import processes

FEATURES = 4


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[xgb.Booster, dict]:
    """A tiny binary:logistic booster and the describe_model dict of its model.tar.gz."""
    folder = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, FEATURES))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "nthread": 1},
        xgb.DMatrix(x, label=y),
        num_boost_round=5,
    )
    with warnings.catch_warnings():  # "UBJSON by default": the format SageMaker's 1.7 writes
        warnings.simplefilter("ignore")
        booster.save_model(folder / "xgboost-model")
    with tarfile.open(folder / "model.tar.gz", "w:gz") as tar:
        tar.add(folder / "xgboost-model", arcname="xgboost-model")
    container = {
        "Image": "xgboost:1.7-1",
        "ModelDataUrl": (folder / "model.tar.gz").as_uri(),
        "Environment": {},
    }
    return booster, {"ModelName": "tiny", "PrimaryContainer": container}


def write_csv(path: Path, rows: np.ndarray, label: np.ndarray | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(f"{v:.6f}" for v in row) for row in rows]
    if label is not None:
        lines = [f"{int(lab)},{line}" for lab, line in zip(label, lines, strict=True)]
    path.write_text("\n".join(lines) + "\n")


def rows(count: int, seed: int) -> np.ndarray:
    return np.round(np.random.default_rng(seed).normal(size=(count, FEATURES)), 6)


def make_request(name: str, source: Path, output: Path, **settings) -> dict:
    request = {
        "TransformJobName": name,
        "ModelName": "tiny",
        "BatchStrategy": "MultiRecord",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": source.as_uri()}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        "TransformOutput": {
            "S3OutputPath": output.as_uri(),
            "Accept": "text/csv",
            "AssembleWith": "Line",
        },
        "TransformResources": {"InstanceType": "local", "InstanceCount": 1},
    }
    request.update(settings)
    return request


def run_job(tmp_path: Path, model: dict, request: dict, timeout: float = 60) -> TransformJob:
    job = TransformJob(
        request,
        model,
        tmp_path / "jobs" / request["TransformJobName"],
        "us-east-1",
        processes.owner_token(),
        None,
    )
    job.start()
    assert job.wait(timeout), "the job did not end"
    return job


def server_processes(job: TransformJob) -> list:
    return processes.marked_processes(processes.JOB_VARIABLE, str(job.folder / "server"))


def read_out(path: Path) -> np.ndarray:
    return np.array([float(v) for v in path.read_text().split()])


def assert_no_partial_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*.partial")]


# ------------------------------------------------------------------------ jobs


@pytest.mark.parametrize("strategy", ["MultiRecord", "SingleRecord"])
def test_each_input_file_gives_its_predictions(tmp_path, trained, strategy):
    booster, model = trained
    data = {"a.csv": rows(30, 1), "sub/b.csv": rows(25, 2)}
    for name, values in data.items():
        write_csv(tmp_path / "in" / name, values)
    request = make_request(
        f"job-{strategy.lower()}",
        tmp_path / "in",
        tmp_path / "out",
        BatchStrategy=strategy,
        MaxConcurrentTransforms=2,
    )
    job = run_job(tmp_path, model, request)
    described = job.describe()
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["TransformEndTime"] >= described["TransformStartTime"]
    assert described["BatchStrategy"] == strategy
    for name, values in data.items():
        out = read_out(tmp_path / "out" / f"{name}.out")
        np.testing.assert_allclose(out, booster.inplace_predict(values), atol=1e-6)
    assert sorted(
        p.relative_to(tmp_path / "out").as_posix()
        for p in (tmp_path / "out").rglob("*")
        if p.is_file()
    ) == ["a.csv.out", "sub/b.csv.out"]
    assert not server_processes(job)
    log = job.log_path.read_text()
    assert "a.csv: 30 records" in log and "sub/b.csv: 25 records" in log
    assert job.summary()["TransformJobStatus"] == "Completed"


def test_a_gzipped_file_sent_whole(tmp_path, trained):
    booster, model = trained
    values = rows(15, 10)
    text = "\n".join(",".join(f"{v:.6f}" for v in row) for row in values) + "\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part.csv.gz").write_bytes(gzip.compress(text.encode()))
    request = make_request("job-gzip", tmp_path / "in", tmp_path / "out")
    request["TransformInput"].update(SplitType="None", CompressionType="Gzip")
    job = run_job(tmp_path, model, request)
    assert job.describe()["TransformJobStatus"] == "Completed", job.describe().get("FailureReason")
    out = read_out(tmp_path / "out" / "part.csv.gz.out")
    np.testing.assert_allclose(out, booster.inplace_predict(values), atol=1e-6)
    assert "part.csv.gz: 1 record transformed" in job.log_path.read_text()


def test_filters_and_join_keep_the_label_beside_the_prediction(tmp_path, trained):
    booster, model = trained
    values = rows(20, 3)
    labels = np.arange(20) % 2
    write_csv(tmp_path / "in" / "labelled.csv", values, labels)
    processing = {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"}
    request = make_request("job-join", tmp_path / "in", tmp_path / "out", DataProcessing=processing)
    job = run_job(tmp_path, model, request)
    assert job.describe()["TransformJobStatus"] == "Completed", job.describe().get("FailureReason")
    lines = (tmp_path / "out" / "labelled.csv.out").read_text().splitlines()
    pairs = np.array([[float(v) for v in line.split(",")] for line in lines])
    assert pairs.shape == (20, 2)
    np.testing.assert_array_equal(pairs[:, 0], labels)
    np.testing.assert_allclose(pairs[:, 1], booster.inplace_predict(values), atol=1e-6)
    assert job.describe()["DataProcessing"] == processing


def test_a_text_cell_fails_the_job_naming_file_and_record(tmp_path, trained):
    _, model = trained
    write_csv(tmp_path / "in" / "a.csv", rows(5, 4))
    bad = rows(6, 5).astype(str)
    bad[2, 1] = "abc"
    (tmp_path / "in" / "b.csv").write_text("\n".join(",".join(r) for r in bad) + "\n")
    job = run_job(tmp_path, model, make_request("job-bad", tmp_path / "in", tmp_path / "out"))
    described = job.describe()
    assert described["TransformJobStatus"] == "Failed"
    reason = described["FailureReason"]
    assert reason.startswith("ClientError: b.csv, record 3:"), reason
    assert "'abc' is not a number" in reason and "Traceback" not in reason
    assert (tmp_path / "out" / "a.csv.out").is_file()
    assert not (tmp_path / "out" / "b.csv.out").exists()
    assert_no_partial_files(tmp_path / "out")
    assert not server_processes(job)
    assert job.summary()["FailureReason"] == reason


def test_an_empty_input_folder_fails(tmp_path, trained):
    _, model = trained
    (tmp_path / "in").mkdir()
    job = run_job(tmp_path, model, make_request("job-empty", tmp_path / "in", tmp_path / "out"))
    described = job.describe()
    assert described["TransformJobStatus"] == "Failed"
    assert described["FailureReason"].startswith("ClientError: no input files under file://")


def test_a_record_over_the_payload_limit_fails_naming_it(tmp_path, trained):
    _, model = trained
    big = ",".join(["0.5"] * 300_000)  # 1.2 MB on one line
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.csv").write_text(f"1,2,3,4\n\n{big}\n")
    request = make_request("job-big", tmp_path / "in", tmp_path / "out", MaxPayloadInMB=1)
    job = run_job(tmp_path, model, request)
    reason = job.describe()["FailureReason"]
    assert reason.startswith(
        "ClientError: big.csv, record 2 (line 3): 1,199,999 bytes, over MaxPayloadInMB (1 MB"
    ), reason
    assert not (tmp_path / "out" / "big.csv.out").exists()
    assert_no_partial_files(tmp_path / "out")


def long_job_under_way(tmp_path, model, name: str, seed: int) -> TransformJob:
    """A SingleRecord job over 20,000 rows, started and 20 records in (or ended early)."""
    write_csv(tmp_path / "in" / "long.csv", np.tile(rows(10, seed), (2000, 1)))
    request = make_request(name, tmp_path / "in", tmp_path / "out", BatchStrategy="SingleRecord")
    job = TransformJob(
        request, model, tmp_path / "jobs" / name, "us-east-1", processes.owner_token(), None
    )
    job.start()
    deadline = time.monotonic() + 60
    while job.records_done < 20 and not job.done and time.monotonic() < deadline:
        time.sleep(0.02)
    return job


def test_stop_ends_the_server_and_leaves_no_partial_output(tmp_path, trained):
    _, model = trained
    job = long_job_under_way(tmp_path, model, "job-stop", seed=6)
    assert not job.done, job.describe().get("FailureReason")
    job.stop()
    assert job.describe()["TransformJobStatus"] in ("Stopping", "Stopped")
    assert job.wait(30)
    assert job.describe()["TransformJobStatus"] == "Stopped"
    assert "FailureReason" not in job.describe()
    assert not server_processes(job)
    assert not (tmp_path / "out" / "long.csv.out").exists()
    assert_no_partial_files(tmp_path / "out")


def test_a_server_that_dies_fails_the_job(tmp_path, trained):
    _, model = trained
    job = long_job_under_way(tmp_path, model, "job-crash", seed=8)
    for process in server_processes(job):  # as the kernel's OOM killer would (not reaped here)
        os.kill(process.pid, signal.SIGKILL)
    assert job.wait(30)
    reason = job.describe()["FailureReason"]
    assert reason.startswith(
        "AlgorithmError: the model server exited (code -9) while transforming long.csv, record"
    ), reason
    assert reason.endswith("killed by signal 9 (out of memory?)"), reason
    assert_no_partial_files(tmp_path / "out")
    assert not (tmp_path / "out" / "long.csv.out").exists()


def test_a_model_artifact_that_cannot_be_read_fails_the_job(tmp_path, trained):
    _, model = trained
    write_csv(tmp_path / "in" / "a.csv", rows(3, 9))
    broken = {
        **model,
        "PrimaryContainer": {
            **model["PrimaryContainer"],
            "ModelDataUrl": (tmp_path / "no.tar.gz").as_uri(),
        },
    }
    job = run_job(tmp_path, broken, make_request("job-nomodel", tmp_path / "in", tmp_path / "out"))
    reason = job.describe()["FailureReason"]
    assert reason.startswith("ClientError: could not read the model artifact"), reason


def test_s3_input_and_output_through_the_boto_session(tmp_path, trained):
    moto = pytest.importorskip("moto")
    import boto3

    booster, model = trained
    values = rows(12, 7)
    with moto.mock_aws():
        session = boto3.Session(region_name="us-east-1")
        s3 = session.client("s3")
        s3.create_bucket(Bucket="data")
        body = "\n".join(",".join(f"{v:.6f}" for v in r) for r in values) + "\n"
        s3.put_object(Bucket="data", Key="batch/in/part-1.csv", Body=body.encode())
        request = make_request("job-s3", tmp_path, tmp_path)
        request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] = "s3://data/batch/in"
        request["TransformOutput"]["S3OutputPath"] = "s3://data/batch/out/"
        job = TransformJob(
            request,
            model,
            tmp_path / "jobs" / "job-s3",
            "us-east-1",
            processes.owner_token(),
            session,
        )
        job.start()
        assert job.wait(60)
        assert job.describe()["TransformJobStatus"] == "Completed", job.describe()
        out = s3.get_object(Bucket="data", Key="batch/out/part-1.csv.out")["Body"].read()
    np.testing.assert_allclose(
        [float(v) for v in out.split()], booster.inplace_predict(values), atol=1e-6
    )
    assert not (tmp_path / "jobs" / "job-s3" / "scratch").exists()


# ------------------------------------------------------------------------ records, no server


def test_json_paths_select_csv_fields_as_sagemaker_does():
    fields = ["id", "a", "b", "c"]
    assert JsonPath("$", "InputFilter").fields(fields) == fields
    assert JsonPath("$[1:]", "InputFilter").fields(fields) == ["a", "b", "c"]
    assert JsonPath("$[:-1]", "InputFilter").fields(fields) == ["id", "a", "b"]
    assert JsonPath("$[0,-1]", "OutputFilter").fields(fields) == ["id", "c"]
    assert JsonPath("$[2]", "OutputFilter").fields(fields) == ["b"]
    with pytest.raises(RecordError, match="index 9 is out of range"):
        JsonPath("$[0,9]", "OutputFilter").fields(fields)
    with pytest.raises(ValueError, match="a CSV record is an array"):
        JsonPath("$.features", "InputFilter").check_csv()
    with pytest.raises(ValueError, match="must start with"):
        JsonPath("[1:]", "InputFilter")


def test_json_lines_join_adds_sagemaker_output():
    processing = DataProcessing(
        {
            "InputFilter": "$.features",
            "JoinSource": "Input",
            "OutputFilter": "$['id','SageMakerOutput']",
        },
        "application/jsonlines",
        "text/csv",
    )
    source = json.dumps({"id": 7, "features": [1, 2]}).encode()
    assert processing.prepare(source) == b"[1,2]"
    record = Record(1, 1, source, processing.prepare(source))
    second = Record(2, 2, b'{"id": 8, "features": [3, 4]}', b"[3,4]")
    chunk = output_chunk([record, second], b"0.25\n0.75\n", "text/csv", processing, True)
    lines = [json.loads(line) for line in io.BytesIO(chunk)]
    assert lines == [{"id": 7, "SageMakerOutput": 0.25}, {"id": 8, "SageMakerOutput": 0.75}]
    with pytest.raises(RecordError, match="answered 1 line"):
        output_chunk([record, second], b"0.25\n", "text/csv", processing, True)
