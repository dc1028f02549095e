"""Local processing jobs through the unmodified SageMaker SDK v2: Clarify's `run_bias` and
`run_explainability` on a locally trained model, the job's API (describe, list, stop), its
shadow endpoint, the local S3 bucket it writes to, and its failures.

The analyzer's own numbers are tested in test_clarify_analyzer.py; here, what a learner's
`SageMakerClarifyProcessor` sees.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from sagemaker import clarify, image_uris
from sagemaker.exceptions import UnexpectedStatusException

import lab
from estimators import small_builtin_estimator
from localsm import moto_server
from localsm.session import LOCAL_BUCKET
from localsm.training import processes


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return lab.setup("local", output_dir=str(tmp_path_factory.mktemp("processing")))


@pytest.fixture(scope="module")
def client(setup):
    return setup.session.sagemaker_client


@pytest.fixture(scope="module")
def model(setup):
    """A small built-in XGBoost model, registered as a SageMaker model (as Clarify needs)."""
    model = small_builtin_estimator(setup).create_model()
    model.create(instance_type="local")
    yield model
    model.delete_model()


@pytest.fixture(scope="module")
def processor(setup):
    return clarify.SageMakerClarifyProcessor(
        role=setup.role, instance_count=1, instance_type="local", sagemaker_session=setup.session
    )


def data_config(setup, name: str, **overrides) -> clarify.DataConfig:
    settings = {
        "s3_data_input_path": lab.dataset_source(setup, "validation"),
        "s3_output_path": lab.clarify_output_path(setup, name),
        "label": "income",
        "headers": lab.column_names(),
        "dataset_type": "text/csv",
    }
    return clarify.DataConfig(**{**settings, **overrides})


def model_config(name: str) -> clarify.ModelConfig:
    return clarify.ModelConfig(
        model_name=name, instance_type="local", instance_count=1, accept_type="text/csv"
    )


BIAS = clarify.BiasConfig(
    label_values_or_threshold=[0], facet_name="sex_Female", facet_values_or_threshold=[1]
)


def s3_keys(setup, uri: str) -> list[str]:
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    s3 = setup.session.boto_session.client("s3")
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"][len(prefix) :].lstrip("/") for o in listing)


def job_processes(client, name: str) -> list:
    folder = client.processing_job(name).folder
    return processes.marked_processes(processes.JOB_VARIABLE, str(folder))


# ------------------------------------------------------------------ runs through the SDK


def test_run_bias_completes_and_writes_to_the_local_bucket(setup, client, model, processor):
    started = time.monotonic()
    config = data_config(setup, "bias")
    processor.run_bias(config, BIAS, model_config(model.name),
                       clarify.ModelPredictedLabelConfig(probability_threshold=0.5),
                       pre_training_methods="all", post_training_methods="all",
                       logs=False)  # fmt: skip
    elapsed = time.monotonic() - started
    description = processor.latest_job.describe()
    assert description["ProcessingJobStatus"] == "Completed"
    assert description["ProcessingStartTime"] <= description["ProcessingEndTime"]
    assert description["AppSpecification"]["ImageUri"].endswith("sagemaker-clarify-processing:1.0")
    keys = s3_keys(setup, config.s3_output_path)
    assert {"analysis.json", "analysis_config.json", "report.html", "report.ipynb"} <= set(keys)
    folder = lab.download_analysis(setup, config.s3_output_path)
    analysis = lab.read_analysis(folder)
    pre = lab.bias_table(analysis, "pre")
    post = lab.bias_table(analysis, "post")
    assert {"CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL"} <= set(pre.index.levels[1])
    assert {"DPPL", "DI", "AD", "RD", "FT", "GE"} <= set(post.index.levels[1])
    # The shadow endpoint came and went: nothing serves once the job has ended.
    assert client.list_endpoints(NameContains="sm-clarify")["Endpoints"] == []
    assert client.list_endpoint_configs(NameContains="sm-clarify")["EndpointConfigs"] == []
    assert not job_processes(client, description["ProcessingJobName"])
    assert elapsed < 60  # the benchmark measures it; this only catches a hang


def test_run_explainability_names_every_feature(setup, model, processor):
    config = data_config(setup, "shap")
    shap = clarify.SHAPConfig(baseline=[[0.0] * 13], num_samples=10, agg_method="mean_abs",
                              save_local_shap_values=True, seed=0)  # fmt: skip
    processor.run_explainability(config, model_config(model.name), shap, logs=False)
    folder = lab.download_analysis(setup, config.s3_output_path)
    importance = lab.shap_importance(lab.read_analysis(folder))
    assert sorted(importance.index) == sorted(lab.column_names()[1:])
    features = lab.read_split("validation", setup).drop(columns="income")
    local = lab.local_explanations(folder, features, [0, 1])
    assert local.shape == (13, 5)  # the baseline's values, then a value/SHAP pair per row
    assert (local.iloc[:, 0] == 0.0).all()  # the baseline given: zeros


def test_logs_are_printed_as_the_job_runs(setup, processor, capsys):
    processor.run_pre_training_bias(data_config(setup, "pre-logs"), BIAS, logs=True)
    printed = capsys.readouterr().out
    assert "Starting processing job" in printed
    assert "Processing job Completed" in printed
    assert "Shadow endpoint" not in printed  # pre-training bias needs no model


def test_list_and_describe(setup, client, processor):
    processor.run_pre_training_bias(data_config(setup, "pre-list"), BIAS, logs=False)
    name = processor.latest_job.job_name
    summaries = client.list_processing_jobs(NameContains=name)["ProcessingJobSummaries"]
    assert [s["ProcessingJobName"] for s in summaries] == [name]
    assert summaries[0]["ProcessingJobStatus"] == "Completed"
    page = client.list_processing_jobs(MaxResults=1, SortBy="CreationTime")
    assert len(page["ProcessingJobSummaries"]) == 1 and "NextToken" in page
    with pytest.raises(ClientError, match="does not exist"):
        client.describe_processing_job(ProcessingJobName="no-such-job")


def boto3_analysis_config(model_name: str) -> dict:
    """A bias and SHAP analysis config as AWS's boto3 example writes it."""
    return {
        "dataset_type": "text/csv",
        "headers": lab.column_names(),
        "label": "income",
        "label_values_or_threshold": [0],
        "facet": [{"name_or_index": "sex_Female", "value_or_threshold": [1]}],
        "methods": {
            "pre_training_bias": {"methods": "all"},
            "shap": {
                "baseline": [[0] * 13],
                "num_samples": 20,
                "agg_method": "mean_abs",
                "use_logit": False,
                "save_local_shap_values": True,
            },
            "report": {"name": "report", "title": "Analysis Report"},
        },  # fmt: skip
        "predictor": {
            "model_name": model_name,
            "instance_type": "ml.m5.xlarge",
            "initial_instance_count": 1,
            "accept_type": "text/csv",
            "content_type": "text/csv",
        },  # fmt: skip
    }


def s3_input(name: str, uri: str, path: str) -> dict:
    return {"InputName": name, "S3Input": {"S3DataType": "S3Prefix", "S3InputMode": "File",
                                           "S3Uri": uri, "LocalPath": path}}  # fmt: skip


def test_a_boto3_job_reads_its_config_whatever_the_object_is_called(setup, client, model):
    # As AWS's boto3 example calls it (aws/amazon-sagemaker-examples, responsible_ai/
    # sm-clarify_fairness_and_explainability_with_boto3.ipynb): the config uploaded as
    # `bias_analysis_config.json`, given as the input named `analysis_config` (the name the
    # developer guide requires: doc_source/clarify-processing-job-configure-analysis.md).
    config = boto3_analysis_config(model.name)
    bucket = setup.session.default_bucket()
    s3 = setup.session.boto_session.client("s3")
    s3.put_object(Bucket=bucket, Key="boto3-clarify/bias_analysis_config.json",
                  Body=json.dumps(config).encode())  # fmt: skip
    output = f"s3://{bucket}/boto3-clarify/bias_analysis_output"

    client.create_processing_job(
        ProcessingJobName="boto3-clarify-job",
        AppSpecification={"ImageUri": image_uris.retrieve("clarify", setup.region, "1.0")},
        ProcessingInputs=[
            s3_input(
                "analysis_config",
                f"s3://{bucket}/boto3-clarify/bias_analysis_config.json",
                "/opt/ml/processing/input/config",
            ),
            s3_input("dataset", setup.validation_uri, "/opt/ml/processing/input/data"),
        ],  # fmt: skip
        ProcessingOutputConfig={
            "Outputs": [
                {
                    "OutputName": "analysis_result",
                    "S3Output": {
                        "S3Uri": output,
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },  # fmt: skip
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },  # fmt: skip
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        RoleArn=setup.role,
    )
    client.processing_job("boto3-clarify-job").wait(120)
    description = client.describe_processing_job(ProcessingJobName="boto3-clarify-job")
    assert description["ProcessingJobStatus"] == "Completed", description.get("FailureReason")
    assert s3_keys(setup, output) == ["analysis.json", "explanations_shap/baseline.csv",
                                      "explanations_shap/out.csv", "report.html",
                                      "report.ipynb"]  # fmt: skip
    analysis = json.loads(s3.get_object(Bucket=bucket, Key="boto3-clarify/bias_analysis_output/"
                                        "analysis.json")["Body"].read())  # fmt: skip
    assert "pre_training_bias_metrics" in analysis and "kernel_shap" in analysis["explanations"]


# ------------------------------------------------------------------ failures


def test_a_model_that_does_not_exist_fails_with_a_reason(setup, client, processor):
    config = data_config(setup, "no-model")
    with pytest.raises(UnexpectedStatusException) as caught:
        processor.run_post_training_bias(
            config,
            BIAS,
            model_config("no-such-model"),
            clarify.ModelPredictedLabelConfig(),
            logs=False,
        )
    description = processor.latest_job.describe()
    assert description["ProcessingJobStatus"] == "Failed"
    assert "no-such-model" in description["FailureReason"]
    assert description["FailureReason"] in str(caught.value)
    assert "Traceback" not in description["FailureReason"]
    assert "analysis.json" not in s3_keys(setup, config.s3_output_path)


def test_a_facet_not_in_the_headers_fails_with_a_reason(setup, processor):
    config = data_config(setup, "bad-facet")
    bias = clarify.BiasConfig(label_values_or_threshold=[0], facet_name="gender",
                              facet_values_or_threshold=[1])  # fmt: skip
    with pytest.raises(UnexpectedStatusException):
        processor.run_pre_training_bias(config, bias, logs=False)
    description = processor.latest_job.describe()
    assert description["FailureReason"].startswith("ClientError:")
    assert "gender" in description["FailureReason"]
    assert description.get("ExitMessage")
    assert "analysis.json" not in s3_keys(setup, config.s3_output_path)


def test_other_images_are_refused_at_create(setup, client):
    request = {
        "ProcessingJobName": "sklearn-job",
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }  # fmt: skip
        },
        "AppSpecification": {"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.2"},
        "RoleArn": setup.role,
    }
    with pytest.raises(ClientError, match="Clarify image only"):
        client.create_processing_job(**request)
    with pytest.raises(ClientError, match="validation error"):
        client.create_processing_job(**{**request, "ProcessingResources": {}})


def test_a_local_path_outside_opt_ml_processing_fails(setup, client):
    image = image_uris.retrieve("clarify", setup.region, "1.0")
    client.create_processing_job(
        ProcessingJobName="odd-path",
        ProcessingResources={
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "local", "VolumeSizeInGB": 30}
        },  # fmt: skip
        AppSpecification={"ImageUri": image},
        RoleArn=setup.role,
        ProcessingInputs=[
            {
                "InputName": "data",
                "S3Input": {
                    "S3Uri": setup.validation_uri,
                    "LocalPath": "/data",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],  # fmt: skip
    )
    job = client.processing_job("odd-path")
    job.wait(30)
    description = client.describe_processing_job(ProcessingJobName="odd-path")
    assert description["ProcessingJobStatus"] == "Failed"
    assert "'/data'" in description["FailureReason"]


def test_stop_ends_the_job_and_its_shadow_endpoint(setup, client, model, processor):
    config = data_config(setup, "stopped")
    shap = clarify.SHAPConfig(baseline=[[0.0] * 13], num_samples=10)
    processor.run_explainability(config, model_config(model.name), shap, wait=False, logs=False)
    name = processor.latest_job.job_name
    client.stop_processing_job(ProcessingJobName=name)
    assert client.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"] in (
        "Stopping", "Stopped")  # fmt: skip
    client.processing_job(name).wait(60)
    assert client.describe_processing_job(ProcessingJobName=name)["ProcessingJobStatus"] == (
        "Stopped"
    )
    assert not job_processes(client, name)
    assert client.list_endpoints(NameContains="sm-clarify")["Endpoints"] == []
    assert "analysis.json" not in s3_keys(setup, config.s3_output_path)


# ------------------------------------------------------------------ the local bucket


def test_only_the_local_bucket_is_served_here(setup):
    s3 = setup.session.boto_session.client("s3")
    s3.put_object(Bucket=LOCAL_BUCKET, Key="probe.json", Body=json.dumps({"ok": 1}).encode())
    body = s3.get_object(Bucket=LOCAL_BUCKET, Key="probe.json")["Body"].read()
    assert json.loads(body) == {"ok": 1}
    # Where each call would go (answered before sending: no network in tests).
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x")  # fmt: skip
    moto_server.serve_local_bucket(session, LOCAL_BUCKET)
    sent = []

    def record(params, **_):
        sent.append(params["url"])
        return AWSResponse(params["url"], 200, {}, None), {"Contents": []}

    session.events.register("before-call.s3", record)
    for bucket in (LOCAL_BUCKET, "somebody-elses-bucket"):
        session.client("s3").list_objects_v2(Bucket=bucket)
    assert sent[0].startswith(moto_server.s3_endpoint())
    assert not sent[1].startswith("http://127.0.0.1")
