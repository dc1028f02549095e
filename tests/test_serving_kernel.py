"""A local endpoint ends with the Python process (the notebook kernel) that started it, even
when that process is killed outright: no model server is left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import tarfile
import textwrap
import time

import numpy as np
import psutil
import xgboost as xgb

from conftest import REPO
from localsm.training import processes

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
KERNEL = """
import sys, time, types
sys.path.insert(0, {code!r})
from localsm.client import LocalSageMakerClient
session = types.SimpleNamespace(boto_region_name="us-east-1", boto_session=None)
client = LocalSageMakerClient(session, {jobs!r})
client.create_model(ModelName="m", ExecutionRoleArn="arn:aws:iam::000000000000:role/R",
                    PrimaryContainer={{"Image": {image!r}, "ModelDataUrl": {artifact!r}}})
client.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[{{
    "VariantName": "AllTraffic", "ModelName": "m", "InitialInstanceCount": 1,
    "InstanceType": "local"}}])
client.create_endpoint(EndpointName="e", EndpointConfigName="c")
client.endpoint("e").wait()
print(client.describe_endpoint(EndpointName="e")["EndpointStatus"], flush=True)
time.sleep(600)
"""


def tiny_artifact(folder) -> str:
    rng = np.random.default_rng(0)
    x, y = rng.random((50, 3)), rng.integers(0, 2, 50)
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(x, y), 3)
    booster.save_model(str(folder / "model.ubj"))
    with tarfile.open(folder / "model.tar.gz", "w:gz") as archive:
        archive.add(folder / "model.ubj", arcname="xgboost-model")  # the image's file name
    return (folder / "model.tar.gz").as_uri()


def test_a_killed_kernel_leaves_no_model_server(tmp_path):
    jobs = tmp_path / "jobs"
    code = KERNEL.format(
        code=str(REPO / "code"), jobs=str(jobs), image=IMAGE, artifact=tiny_artifact(tmp_path)
    )
    kernel = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert kernel.stdout.readline().strip() == "InService"
        root = str(jobs / "endpoints" / "e" / "AllTraffic-1")
        servers = processes.marked_processes(processes.JOB_VARIABLE, root)
        assert servers, "the endpoint's model server should be running"
        kernel.send_signal(signal.SIGKILL)
    finally:
        kernel.kill()
        kernel.wait(30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(p.is_running() for p in servers):
        time.sleep(0.1)
    alive = [p for p in servers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"model server left running after the kernel died: {alive}"
