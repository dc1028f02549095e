"""The notebooks' SageMaker (AWS) path, exercised offline against moto's mocked AWS."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from moto import mock_aws

import lab
from estimators import lab_builtin_estimator, lab_script_estimator, xgboost_image

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/LabSageMakerRole"


@pytest.fixture
def aws(monkeypatch):
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", REGION),
    ):
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def test_no_role_is_a_clear_error(aws):
    with pytest.raises(lab.LabSetupError, match="no SageMaker execution role.*role="):
        lab.setup("sagemaker")


def test_no_region_is_a_clear_error(monkeypatch, aws):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(lab.LabSetupError, match="no AWS region"):
        lab.setup("sagemaker", role=ROLE)


def test_bundled_data_uploaded_once_to_the_default_bucket(aws, capsys):
    setup = lab.setup("sagemaker", role=ROLE)
    assert setup.mode == "sagemaker" and setup.instance_type == "ml.m5.xlarge"
    bucket = setup.session.default_bucket()
    train_key = "xgboost-lab/data/train/adult_data_processed_train.csv"
    assert setup.train_uri == f"s3://{bucket}/{train_key}"
    assert setup.output_path == f"s3://{bucket}/xgboost-lab/output"
    assert capsys.readouterr().out.count("Uploaded") == 3
    lab.setup("sagemaker", role=ROLE)  # the second time, nothing to upload
    assert "Uploaded" not in capsys.readouterr().out
    # Task 2's copies with a header row go beside them, but each channel names its own file.
    with_headers = lab.setup("sagemaker", role=ROLE, headers=True)
    assert with_headers.train_uri.endswith("train/adult_data_processed_train_wheaders.csv")


def test_the_labs_data_bucket_is_used_when_present(aws):
    import boto3

    boto3.client("s3", region_name=REGION).create_bucket(Bucket="mod-abc-labdatabucket-123")
    setup = lab.setup("sagemaker", role=ROLE)
    assert setup.validation_uri == "s3://mod-abc-labdatabucket-123/scripts/data/validation/"


def test_training_and_tuning_requests_are_accepted_by_the_service(aws):
    """The notebooks' estimator and tuner calls produce requests AWS's API accepts."""
    from sagemaker.debugger import Rule, rule_configs
    from sagemaker.inputs import TrainingInput
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

    setup = lab.setup("sagemaker", role=ROLE)
    client = setup.session.sagemaker_client
    built_in = lab_builtin_estimator(
        setup, rules=[Rule.sagemaker(rule_configs.create_xgboost_report())]
    )
    built_in.set_hyperparameters(objective="binary:logistic", num_round=10, max_depth=5)
    built_in.fit(
        {
            "train": TrainingInput(setup.train_uri, content_type="text/csv"),
            "validation": TrainingInput(setup.validation_uri, content_type="text/csv"),
        },
        wait=False,
    )
    described = client.describe_training_job(TrainingJobName=built_in.latest_training_job.name)
    assert described["AlgorithmSpecification"]["TrainingImage"] == xgboost_image(
        "1.5-1", setup.region
    )

    script = lab_script_estimator(
        setup,
        hyperparameters={"objective": "binary:logistic", "eval_metric": "auc", "num_round": 5},
    )
    ranges = {"max_depth": IntegerParameter(4, 8), "eta": ContinuousParameter(0.1, 0.3)}
    tuner = HyperparameterTuner(
        script,
        objective_metric_name="validation:auc",
        hyperparameter_ranges=ranges,
        max_jobs=2,
        max_parallel_jobs=1,
        random_seed=1,
    )
    tuner.fit({"train": setup.train_uri, "validation": setup.validation_uri}, wait=False)
    tuning = client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuner.latest_tuning_job.name
    )
    static = tuning["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["sagemaker_program"] == '"xgboost_train.py"'
    assert static["sagemaker_submit_directory"].startswith('"s3://')  # the code went to S3
    # The source folder holds the entry point and its checks: they go to S3, not the lab's code.
    bucket, _, key = json.loads(static["sagemaker_submit_directory"])[5:].partition("/")
    body = setup.session.boto_session.client("s3").get_object(Bucket=bucket, Key=key)["Body"]
    with tarfile.open(fileobj=io.BytesIO(body.read()), mode="r:gz") as uploaded:
        assert sorted(uploaded.getnames()) == ["checks.py", "xgboost_train.py"]


def test_deploy_and_transform_requests_are_accepted_by_the_service(aws):
    """Task 3's calls on AWS: the endpoint on ml.m5.large, the transform on ml.m5.xlarge, the
    script-mode model's code uploaded to S3 (request shapes checked by moto's SageMaker)."""
    from sagemaker import image_uris
    from sagemaker.model import Model
    from sagemaker.transformer import Transformer
    from sagemaker.xgboost import XGBoostModel

    setup = lab.setup("sagemaker", role=ROLE)
    client = setup.session.sagemaker_client
    s3 = setup.session.boto_session.client("s3")
    bucket = setup.session.default_bucket()
    s3.put_object(Bucket=bucket, Key="m/model.tar.gz", Body=b"not checked by moto")
    model_data = f"s3://{bucket}/m/model.tar.gz"
    container = image_uris.retrieve(framework="xgboost", region=setup.region, version="1.5-1")
    built_in = Model(
        image_uri=container, model_data=model_data, role=setup.role, sagemaker_session=setup.session
    )
    built_in.deploy(
        initial_instance_count=1,
        instance_type=setup.endpoint_instance_type,
        endpoint_name="built-in-endpoint",
        wait=False,
    )
    config = client.describe_endpoint_config(EndpointConfigName="built-in-endpoint")
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert client.describe_endpoint(EndpointName="built-in-endpoint")["EndpointStatus"]

    transformer = Transformer(
        built_in.name,
        instance_count=1,
        instance_type=setup.transform_instance_type,
        strategy="MultiRecord",
        assemble_with="Line",
        accept="text/csv",
        output_path=f"s3://{bucket}/batch",
        sagemaker_session=setup.session,
    )
    transformer.transform(
        setup.test_uri,
        content_type="text/csv",
        split_type="Line",
        input_filter="$[1:]",
        join_source="Input",
        output_filter="$[0,-1]",
        wait=False,
    )
    job = client.describe_transform_job(TransformJobName=transformer.latest_transform_job.name)
    assert job["TransformResources"]["InstanceType"] == "ml.m5.xlarge"

    script = XGBoostModel(
        model_data=model_data,
        role=setup.role,
        entry_point="xgboost_train.py",
        source_dir=setup.source_dir,
        framework_version="1.7-1",
        sagemaker_session=setup.session,
    )
    script.deploy(
        initial_instance_count=1,
        instance_type=setup.endpoint_instance_type,
        endpoint_name="script-endpoint",
        wait=False,
    )
    environment = client.describe_model(ModelName=script.name)["PrimaryContainer"]["Environment"]
    assert environment["SAGEMAKER_PROGRAM"] == "xgboost_train.py"
    assert environment["SAGEMAKER_SUBMIT_DIRECTORY"].startswith("s3://")


def test_clarify_requests_are_accepted_by_the_service(aws):
    """Task 4's calls on AWS: the analysis config uploaded to the output prefix, the bundled
    data uploaded, a Clarify processing job on ml.m5.xlarge whose predictor is the model on
    ml.m5.large (request shapes checked by moto's SageMaker)."""
    from sagemaker import clarify, image_uris
    from sagemaker.model import Model

    setup = lab.setup("sagemaker", role=ROLE)
    bucket = setup.session.default_bucket()
    s3 = setup.session.boto_session.client("s3")
    s3.put_object(Bucket=bucket, Key="m/model.tar.gz", Body=b"not checked by moto")
    container = image_uris.retrieve(framework="xgboost", region=setup.region, version="1.5-1")
    model = Model(image_uri=container, model_data=f"s3://{bucket}/m/model.tar.gz",
                  role=setup.role, sagemaker_session=setup.session)  # fmt: skip
    model.create(instance_type=setup.endpoint_instance_type)
    output = lab.clarify_output_path(setup, "bias")
    assert output == f"s3://{bucket}/xgboost-lab/clarify/bias"
    sent = []  # the request as sent (moto's description leaves ProcessingResources out)
    setup.session.sagemaker_client.meta.events.register(
        "provide-client-params.sagemaker.CreateProcessingJob",
        lambda params, **_: sent.append(params),
    )
    processor = clarify.SageMakerClarifyProcessor(
        role=setup.role, instance_count=1, instance_type=setup.processing_instance_type,
        sagemaker_session=setup.session,
    )  # fmt: skip
    processor.run_bias(
        clarify.DataConfig(
            s3_data_input_path=lab.dataset_source(setup, "validation"),
            s3_output_path=output,
            label="income",
            headers=lab.column_names(),
            dataset_type="text/csv",
        ),  # fmt: skip
        clarify.BiasConfig([0], facet_name="sex_Female", facet_values_or_threshold=[1]),
        clarify.ModelConfig(
            model_name=model.name,
            instance_type=setup.endpoint_instance_type,
            instance_count=1,
            accept_type="text/csv",
        ),  # fmt: skip
        clarify.ModelPredictedLabelConfig(probability_threshold=0.5),
        wait=False,
        logs=False,
    )
    job = setup.session.sagemaker_client.describe_processing_job(
        ProcessingJobName=processor.latest_job.job_name
    )
    assert job["ProcessingJobStatus"]
    assert sent[0]["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert "sagemaker-clarify-processing" in job["AppSpecification"]["ImageUri"]
    inputs = {i["InputName"]: i["S3Input"] for i in job["ProcessingInputs"]}
    assert inputs["dataset"]["S3Uri"].startswith(f"s3://{bucket}/")
    config = s3.get_object(Bucket=bucket, Key="xgboost-lab/clarify/bias/analysis_config.json")
    analysis_config = json.loads(config["Body"].read())
    assert analysis_config["predictor"]["instance_type"] == "ml.m5.large"
    assert analysis_config["facet"] == [{"name_or_index": "sex_Female", "value_or_threshold": [1]}]


def test_the_clean_up_step_lists_the_s3_prefix_and_how_to_delete_it(aws, capsys, monkeypatch):
    setup = lab.setup("sagemaker", role=ROLE)  # uploads the three bundled splits
    monkeypatch.setenv("LAB_LANGUAGE", "pt_BR")
    capsys.readouterr()
    lab.show_leftovers(setup)
    printed = capsys.readouterr().out
    prefix = f"s3://{setup.session.default_bucket()}/xgboost-lab/"
    assert "S3: 3 objetos" in printed and f"aws s3 rm --recursive {prefix}" in printed
    assert "todos os jobs de treinamento terminaram" in printed
    assert "JupyterLab" in printed


def test_an_s3_output_dir_is_used_as_given(aws):
    setup = lab.setup("sagemaker", role=ROLE, output_dir="s3://my-bucket/my/prefix/")
    assert setup.output_path == "s3://my-bucket/my/prefix"
    assert lab.setup("sagemaker", role=ROLE, output_dir="runs/a").output_path.endswith("/runs/a")


def test_a_role_that_may_not_list_buckets_still_sets_up(aws, monkeypatch, capsys):
    import botocore.client
    from botocore.exceptions import ClientError

    real_call = botocore.client.BaseClient._make_api_call

    def call(self, operation, params):
        if operation == "ListBuckets":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    setup = lab.setup("sagemaker", role=ROLE)
    assert "Cannot list the account's S3 buckets (AccessDenied)" in capsys.readouterr().out
    assert setup.train_uri.startswith(f"s3://{setup.session.default_bucket()}/xgboost-lab/data/")


def test_the_report_goes_without_history_when_the_job_wrote_none(aws, tmp_path, capsys):
    """The real built-in container may leave no output.tar.gz beside the model on AWS."""
    from types import SimpleNamespace

    import numpy as np
    import xgboost as xgb

    setup = lab.setup("sagemaker", role=ROLE)
    data = np.loadtxt(lab.bundled_csv("validation"), delimiter=",")[:500]
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(data[:, 1:], data[:, 0]), 5)
    booster.save_model(tmp_path / "xgboost-model.json")
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "xgboost-model.json", arcname="xgboost-model")
    bucket = setup.session.default_bucket()
    setup.session.boto_session.client("s3").upload_file(
        str(archive), bucket, "job/output/model.tar.gz"
    )
    trained = SimpleNamespace(model_data=f"s3://{bucket}/job/output/model.tar.gz",
                              latest_training_job=SimpleNamespace(name="job"))  # fmt: skip
    report = lab.training_report(trained, setup.validation_uri, setup.session)
    assert "the report leaves out the loss curves" in capsys.readouterr().out
    assert report.summary()["auc"] > 0.5
