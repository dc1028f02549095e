"""A course checkout under a folder with a space and an accent (`João Silva/curso de ML`),
behind a corporate proxy: SDK v2 local jobs read and write exactly where the request says.

Sources: RFC 8089 (file URIs are percent-encoded; `Path.as_uri()` writes them so);
aws/sagemaker-python-sdk `master-v2` src/sagemaker/estimator.py (`"file://" + source_dir`,
unencoded) and src/sagemaker/local/utils.py `move_to_destination` (a `file://` output path
names the folder the artifacts go to); DESIGN.md "The training container layout"
(`<S3OutputPath>/<job>/output/model.tar.gz`) and "Real-time endpoints and batch transform"
(`<input file>.out` under the output path).
"""

from __future__ import annotations

import re
import shutil
import socket
import tarfile
from pathlib import Path

import numpy as np
import pytest
from course_copy import copy_course, percent_named, printed, run_notebook
from sagemaker.inputs import TrainingInput
from sagemaker.serializers import CSVSerializer
from sagemaker.tuner import HyperparameterTuner, IntegerParameter

from conftest import SCRIPT_DIR
from estimators import builtin_estimator, script_estimator, xgboost_image
from localsm import LocalSageMakerSession
from localsm.session import LOCAL_BUCKET

REGION = "us-east-1"


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """`<tmp>/João Silva/curso de ML`, the working folder, with small label-first CSVs."""
    folder = tmp_path / "João Silva" / "curso de ML"
    (folder / "data").mkdir(parents=True)
    rng = np.random.default_rng(3)
    for name, rows in (("train", 300), ("validation", 100)):
        x = rng.normal(size=(rows, 3))
        y = (x[:, 0] + 0.3 * rng.normal(size=rows) > 0).astype(int)
        np.savetxt(folder / "data" / f"{name} set.csv", np.column_stack([y, x]), delimiter=",")
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def behind_a_proxy(monkeypatch) -> str:
    """HTTP(S)_PROXY pointing at a closed port: any call sent to it fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = f"http://127.0.0.1:{port}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return proxy


def test_builtin_job_deploy_and_transform(checkout, tmp_path, behind_a_proxy):
    session = LocalSageMakerSession(jobs_dir=checkout / "outputs" / "jobs", region=REGION)
    data = checkout / "data"
    estimator = builtin_estimator(  # models in file:///…/Jo%C3%A3o%20Silva/…/models
        session, checkout, xgboost_image("1.7-1"), objective="binary:logistic", num_round=5,
        max_depth=2,
    )  # fmt: skip
    channels = {
        name: TrainingInput((data / f"{name} set.csv").as_uri(), content_type="text/csv")
        for name in ("train", "validation")
    }
    estimator.fit(channels, logs="None")
    job = estimator.latest_training_job.name
    model = checkout / "models" / job / "output" / "model.tar.gz"
    assert estimator.model_data == model.as_uri()
    with tarfile.open(model) as tar:
        assert "xgboost-model" in tar.getnames()

    predictor = estimator.deploy(1, "local", serializer=CSVSerializer())  # reads the model
    try:
        answer = predictor.predict(np.loadtxt(data / "validation set.csv", delimiter=",")[:3, 1:])
        assert len(answer.decode().split()) == 3
    finally:
        predictor.delete_endpoint()

    features = checkout / "batch in" / "rows ç.csv"
    features.parent.mkdir()
    np.savetxt(features, np.loadtxt(data / "validation set.csv", delimiter=",")[:5, 1:],
               delimiter=",")  # fmt: skip
    transformer = estimator.transformer(1, "local", output_path=(checkout / "batch out").as_uri())
    transformer.transform(features.parent.as_uri(), content_type="text/csv", split_type="Line")
    transformer.wait(logs=False)
    assert len((checkout / "batch out" / "rows ç.csv.out").read_text().split()) == 5
    assert percent_named(tmp_path) == []


def test_script_mode_tuning_from_the_checkout(checkout, tmp_path, behind_a_proxy):
    source = checkout / "code" / "script"  # SDK v2 sends "file://" + this, unencoded
    shutil.copytree(SCRIPT_DIR, source)
    session = LocalSageMakerSession(jobs_dir=checkout / "outputs" / "jobs", region=REGION)
    estimator = script_estimator(
        session, checkout, source, num_round=5, eval_metric="auc", objective="binary:logistic"
    )
    tuner = HyperparameterTuner(
        estimator,
        objective_metric_name="validation:auc",
        hyperparameter_ranges={"max_depth": IntegerParameter(2, 3)},
        max_jobs=2,
        max_parallel_jobs=2,
        strategy="Grid",
    )
    data = checkout / "data"
    tuner.fit({name: (data / f"{name} set.csv").as_uri() for name in ("train", "validation")})
    tuner.wait()
    best = tuner.best_training_job()
    assert (checkout / "models" / best / "output" / "model.tar.gz").is_file()
    jobs = sorted(p.name for p in (checkout / "models").iterdir())
    assert len(jobs) == 2 and best in jobs
    assert percent_named(tmp_path) == []
    # No folder made beside the checkout either (the bug wrote into `Jo%C3%A3o%20Silva/`).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["João Silva"]


def test_local_bucket_behind_a_proxy(tmp_path, behind_a_proxy):
    """The local S3 (127.0.0.1) is reached directly, though the session's S3 client was made
    for AWS's endpoint while HTTP(S)_PROXY pointed at a closed port."""
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    s3 = session.boto_session.client("s3")
    s3.put_object(Bucket=LOCAL_BUCKET, Key="João Silva/a b.txt", Body=b"ok")
    body = s3.get_object(Bucket=LOCAL_BUCKET, Key="João Silva/a b.txt")["Body"].read()
    assert body == b"ok"


@pytest.mark.slow
def test_built_in_notebook_from_the_learners_folder(tmp_path):
    """The held-out check's v2 half: Task 1's notebook, run from a copy of the course under
    `João Silva/curso de ML`, writes its job folders and the artifact it downloads (step 1.6)
    into that copy's outputs/ and nowhere else (its S3 is local mode's, in memory)."""
    course = copy_course(tmp_path)
    notebook = run_notebook(course, "train_built_in.ipynb", tmp_path / "executed", num_round=20)
    assert re.search(r"auc\S*\s+0\.[89]\d+", printed(notebook), re.IGNORECASE)
    assert list((course / "outputs" / "jobs").glob("xgboost-built-in-*/ml"))
    assert list((course / "outputs" / "artifacts").glob("xgboost-built-in-*/xgboost-model"))
    assert percent_named(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["João Silva", "executed"]
