# ruff: noqa: F811 - `outputs` and `setup` are the fixtures imported from v3_setup
"""SDK v3, unmodified, against the local service: ModelTrainer (built-in algorithm and script
mode, ours and a third-party entry point) and the v3 tuner, offline. Runs in .venv-v3."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")

from sagemaker.core import image_uris  # noqa: E402
from sagemaker.core.parameter import ContinuousParameter, IntegerParameter  # noqa: E402
from sagemaker.train import ModelTrainer  # noqa: E402
from sagemaker.train.configs import Compute, InputData, OutputDataConfig, SourceCode  # noqa: E402
from sagemaker.train.tuner import HyperparameterTuner  # noqa: E402
from v3_setup import outputs, setup  # noqa: E402, F401 - the module's fixtures

import lab  # noqa: E402
from conftest import SCRIPT_DIR  # noqa: E402
from localsm.warm import client as warm  # noqa: E402

IMAGE = image_uris.retrieve(framework="xgboost", region="us-east-1", version="1.7-1")


def trainer(setup: lab.Lab, **kwargs) -> ModelTrainer:
    return ModelTrainer(
        compute=Compute(instance_type=setup.instance_type, instance_count=1),
        output_data_config=OutputDataConfig(s3_output_path=setup.output_path),
        role=setup.role,
        sagemaker_session=setup.session,
        **kwargs,
    )


def script_trainer(
    setup: lab.Lab,
    base_job_name: str,
    source_dir: str = str(SCRIPT_DIR),
    entry_script: str = "xgboost_train.py",
    **hyperparameters,
) -> ModelTrainer:
    """A v3 script-mode trainer on the XGBoost image (our entry point unless told)."""
    source = SourceCode(source_dir=source_dir, entry_script=entry_script)
    return trainer(setup, training_image=IMAGE, base_job_name=base_job_name,
                   source_code=source, hyperparameters=hyperparameters)  # fmt: skip


def tuner_for(model_trainer: ModelTrainer, ranges: dict, jobs: int, parallel: int,
              seed: int) -> HyperparameterTuner:  # fmt: skip
    """The v3 tuner as the notebooks configure it: maximise validation AUC, Random search."""
    return HyperparameterTuner(
        model_trainer=model_trainer,
        objective_metric_name="validation:auc",
        hyperparameter_ranges=ranges,
        objective_type="Maximize",
        max_jobs=jobs,
        max_parallel_jobs=parallel,
        strategy="Random",
        random_seed=seed,
    )


def channels(train: str, validation: str) -> list[InputData]:
    return [
        InputData(channel_name="train", data_source=train, content_type="text/csv"),
        InputData(channel_name="validation", data_source=validation, content_type="text/csv"),
    ]


def test_setup_gives_what_v3_needs(setup):
    assert setup.sdk == 3 and setup.mode == "local"
    assert setup.train_uri.startswith("s3://sagemaker-us-east-1-000000000000/")
    assert setup.output_path.endswith("/xgboost-lab/output")


def test_local_mode_drops_model_trainers_notices_of_its_defaults(setup, caplog):
    """`StoppingCondition not provided. Using default: ...`: noise locally (lab.sdklogs); the
    trainer's other lines still show."""
    with caplog.at_level(logging.INFO):
        trainer(setup, training_image=IMAGE, base_job_name="v3-quiet")
    said = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("Training image URI:") for line in said), said
    assert not [line for line in said if "not provided. Using default" in line], said


def test_built_in_algorithm_trains(setup, monkeypatch):
    built_in = trainer(
        setup,
        training_image=IMAGE,
        base_job_name="v3-built-in",
        hyperparameters={"num_round": 20, "objective": "binary:logistic", "eval_metric": "auc"},
    )
    sleeps: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: sleeps.append(s) or real_sleep(min(s, 0.01)))
    built_in.train(channels(setup.train_uri, setup.validation_uri), wait=True, logs=False)
    monkeypatch.setattr(time, "sleep", real_sleep)
    name = lab.job_name(built_in)
    described = setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "Completed"
    metrics = {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}
    assert metrics["validation:auc"] > 0.88
    assert lab.model_data(built_in).endswith(f"/{name}/output/model.tar.gz")
    assert lab.evaluate(lab.model_data(built_in), setup.test_uri, setup)["auc"] > 0.88
    # The service answered the SDK's wait as soon as the job ended: no 5-second poll sleep.
    assert not [s for s in sleeps if s >= 1], sleeps


def test_script_mode_runs_our_entry_point(setup):
    script = script_trainer(setup, "v3-script", num_round=30, nfold=3, eval_metric="auc")
    script.train(channels(setup.train_uri, setup.validation_uri), wait=True, logs=False)
    name = lab.job_name(script)
    described = setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    metrics = {m["MetricName"]: m["Value"] for m in described.get("FinalMetricDataList", [])}
    assert metrics.get("validation:auc", 0) > 0.88 or metrics == {}
    assert lab.evaluate(lab.model_data(script), setup.validation_uri, setup)["auc"] > 0.88


THIRD_PARTY = """
import argparse, json, os, sys
import numpy as np
import xgboost as xgb

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()
train = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(train[:, 1:], train[:, 0]),
                    args.rounds)
booster.save_model(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"))
print(json.dumps({"hosts": json.loads(os.environ["SM_HOSTS"]), "rounds": args.rounds}))
print("python:", sys.executable)
"""


def script_and_data(folder: Path, script: str, rows: int) -> tuple[Path, Path]:
    """`folder`/src holding `script` as train.py, and `folder`/data holding the first `rows`
    rows of the bundled validation split as train.csv (a local folder v3 uploads first)."""
    source, data = folder / "src", folder / "data"
    source.mkdir()
    (source / "train.py").write_text(script)
    data.mkdir()
    lines = Path(lab.bundled_csv("validation")).read_text().splitlines()[:rows]
    (data / "train.csv").write_text("\n".join(lines) + "\n")
    return source, data


def test_a_third_party_toolkit_entry_point_trains_from_a_local_folder(setup, outputs, tmp_path):
    """Any script that follows the training-toolkit contract, and local data folders that
    v3 uploads first, as it does on AWS."""
    source, data = script_and_data(tmp_path, THIRD_PARTY, rows=500)
    other = script_trainer(setup, "v3-third-party", str(source), "train.py", rounds=3)
    other.train([InputData(channel_name="train", data_source=str(data))], wait=True, logs=False)
    name = lab.job_name(other)
    described = setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    log = (outputs / "jobs" / name / "training.log").read_text()
    assert '{"hosts": ["algo-1"], "rounds": 3}' in log
    if warm.enabled():  # the drivers' `python3` handed the script to the warm runner
        assert re.search(r"python: \S*localsm-warm-\w+/bin/python3", log), log
    booster = lab.load_model(lab.model_data(other), setup)
    assert booster.num_boosted_rounds() == 3


IMAGE_HELPERS = """
import os
import xgboost as xgb
from sagemaker_xgboost_container.data_utils import get_dmatrix

dtrain = get_dmatrix(os.environ["SM_CHANNEL_TRAIN"], "csv")
booster = xgb.train({"objective": "binary:logistic"}, dtrain, 2)
booster.save_model(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"))
"""


def test_a_v3_entry_script_imports_the_images_helpers(setup, tmp_path):
    """The XGBoost image's `sagemaker_xgboost_container.data_utils` (aws/sagemaker-xgboost-
    container 1.7-1), importable by a v3 script as by a v2 one (tests/test_script_image.py)."""
    source, data = script_and_data(tmp_path, IMAGE_HELPERS, rows=300)
    helpers = script_trainer(setup, "v3-image-helpers", str(source), "train.py")
    helpers.train([InputData(channel_name="train", data_source=str(data))], wait=True, logs=False)
    described = setup.session.sagemaker_client.describe_training_job(
        TrainingJobName=lab.job_name(helpers)
    )
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")


def test_the_v3_tuner_runs_four_jobs_two_at_a_time(setup):
    script = script_trainer(setup, "v3-tuned", num_round=20, nfold=2, eval_metric="auc")
    ranges = {"max_depth": IntegerParameter(3, 6), "eta": ContinuousParameter(0.1, 0.3)}
    tuner = tuner_for(script, ranges, jobs=4, parallel=2, seed=7)
    name = f"v3-tuning-{int(time.time() * 1000) % 10**9}"
    tuner.tune(inputs=channels(setup.train_uri, setup.validation_uri), job_name=name, wait=True)
    frame = tuner.analytics().dataframe()
    assert len(frame) == 4 and set(frame["TrainingJobStatus"]) == {"Completed"}
    best = tuner.best_training_job()
    assert best == frame.sort_values("FinalObjectiveValue").iloc[-1]["TrainingJobName"]


def test_bad_input_reaches_v3_as_the_same_clear_errors(setup):
    """The one service answers both SDKs: a request it refuses is the modelled ClientError
    with AWS's code, a job that fails has a short FailureReason naming the parameter."""
    from botocore.exceptions import ClientError
    from sagemaker.core.utils.exceptions import FailedStatusError

    two_hosts = trainer(setup, training_image=IMAGE, hyperparameters={"num_round": 2})
    two_hosts.compute = Compute(instance_type=setup.instance_type, instance_count=2)
    with pytest.raises(ClientError) as refused:
        two_hosts.train(channels(setup.train_uri, setup.validation_uri), wait=True, logs=False)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "InstanceCount" in str(refused.value)
    unknown = trainer(setup, training_image=IMAGE, hyperparameters={"num_round": 2, "depth": 3})
    with pytest.raises(FailedStatusError, match="Extraneous hyperparameter found: depth"):
        unknown.train(channels(setup.train_uri, setup.validation_uri), wait=True, logs=False)
    name = lab.job_name(unknown)
    reason = setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)[
        "FailureReason"
    ]
    assert len(reason) < 400 and "Traceback" not in reason


def test_the_local_session_never_reaches_aws(setup):
    """IAM checks that newer v3 releases make are answered; any other service is refused
    with a clear error instead of a network call (the suite blocks the network too)."""
    from botocore.exceptions import ClientError

    boto_session = setup.session.boto_session
    iam = boto_session.client("iam")
    simulated = iam.simulate_principal_policy(
        PolicySourceArn=setup.role, ActionNames=["ecr:GetAuthorizationToken"]
    )
    assert simulated["EvaluationResults"][0]["EvalDecision"] == "allowed"
    role = iam.get_role(RoleName=setup.role.split("/")[-1])["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == (
        "sagemaker.amazonaws.com"
    )
    with pytest.raises(ClientError, match="not available in local mode"):
        boto_session.client("ec2").describe_vpcs()


def test_clarify_runs_through_sagemaker_core(setup):
    """v3's SageMakerClarifyProcessor: the analysis config and the data go to the local S3, the
    processing job runs here, and a repeated describe waits for it instead of sleeping."""
    from sagemaker.core import clarify

    processor = clarify.SageMakerClarifyProcessor(
        role=setup.role, instance_count=1, instance_type=setup.processing_instance_type,
        sagemaker_session=setup.session,
    )  # fmt: skip
    output = lab.clarify_output_path(setup, "v3-bias")
    data = clarify.DataConfig(
        s3_data_input_path=lab.dataset_source(setup, "validation"), s3_output_path=output,
        label="income", headers=lab.column_names(), dataset_type="text/csv",
    )  # fmt: skip
    bias = clarify.BiasConfig([0], facet_name="sex_Female", facet_values_or_threshold=[1])
    started = time.monotonic()
    processor.run_pre_training_bias(data, bias, methods=["CI", "DPL"], logs=False)
    elapsed = time.monotonic() - started
    job = processor.latest_job
    assert job.processing_job_status == "Completed"
    analysis = lab.read_analysis(lab.download_analysis(setup, output))
    metrics = analysis["pre_training_bias_metrics"]["facets"]["sex_Female"][0]["metrics"]
    assert {m["name"] for m in metrics} == {"CI", "DPL"}
    assert elapsed < 30  # one 1-second SDK sleep at most (sdk_compat); this only catches a hang
