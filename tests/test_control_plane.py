"""The local service's control plane through a boto3 SageMaker client, as AWS's own code calls
it: tags on every resource local mode creates, the members every response must carry,
ListTrainingJobs' paging and `ModelDataUrl` in every form the API takes.

Written from botocore's SageMaker API model (`botocore/data/sagemaker/2017-07-24/
service-2.json`: required members, TagList at most 50, ListTags' MaxResults at least 50,
ModelDataUrl's pattern `(https|s3)://([^/]+)/?(.*)`), the SageMaker API reference (AddTags
"adds or overwrites" tags, a key unique per resource; ListTrainingJobs pages first, then
filters by StatusEquals) and, where they agree with those, moto's tests
(getmoto/moto `tests/test_sagemaker/test_sagemaker_{training,models,endpoint,processing,
transform}.py`: add_tags/list_tags/delete_tags per resource).
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from types import SimpleNamespace

import botocore.session
import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError

from localsm import bridge, moto_server
from localsm.client import LocalSageMakerClient
from localsm.logs import LocalLogs
from localsm.serving.model_data import NotAnS3Url, as_s3_uri

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/SageMakerRole"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
CLARIFY = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"
BUCKET = "control-plane"
MODEL_KEY = "models/model.tar.gz"
SLEEPER = "import time\nprint('sleeping', flush=True)\ntime.sleep(120)\n"


class _Late:
    """The service as the bridge sees it, set once its session exists."""

    service: LocalSageMakerClient | None = None

    def __getattr__(self, name: str):
        return getattr(self.service, name)


@pytest.fixture
def aws(tmp_path):
    """A boto3 session whose SageMaker and S3 clients the local service answers; the local
    bucket holds a small XGBoost model.tar.gz and one CSV."""
    late = _Late()
    boto = bridge.local_boto_session(REGION, late, LocalLogs(late), moto_server.s3_endpoint())
    owner = SimpleNamespace(boto_session=boto, boto_region_name=REGION)
    late.service = service = LocalSageMakerClient(owner, tmp_path / "jobs")
    s3 = boto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=MODEL_KEY, Body=_model_tarball())
    s3.put_object(Bucket=BUCKET, Key="train/train.csv", Body=b"1,0.5,0.2\n0,0.1,0.9\n" * 20)
    yield SimpleNamespace(sm=boto.client("sagemaker"), s3=s3, service=service, tmp=tmp_path)
    service.delete_all_endpoints()
    for job in list(service._jobs.values()) + list(service._processing_jobs.values()):
        job.stop()
    for job in list(service._tuning_jobs.values()):
        job.stop()
        job.wait(60)
    for job in list(service._jobs.values()) + list(service._transform_jobs.values()):
        job.wait(60)


def _model_tarball() -> bytes:
    rows = np.random.default_rng(0).normal(size=(40, 2))
    booster = xgb.train(
        {"objective": "binary:logistic"}, xgb.DMatrix(rows, label=rows[:, 0] > 0), 2
    )
    raw = bytes(booster.save_raw("json"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(raw)
        archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


# ------------------------------------------------------------------ requests


def training_request(name: str, data: str = f"s3://{BUCKET}/train/", **hyperparameters) -> dict:
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": XGBOOST, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": data}},
                "ContentType": "text/csv",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "HyperParameters": hyperparameters or {"num_round": "2"},
    }


def sleeper_request(aws, name: str) -> dict:
    """A script-mode job that runs (InProgress) until it is stopped."""
    source = aws.tmp / f"src-{name}"
    source.mkdir()
    (source / "sleeper.py").write_text(SLEEPER)
    return training_request(
        name,
        sagemaker_program='"sleeper.py"',
        sagemaker_submit_directory=json.dumps(source.as_uri()),
    )


def failing_request(name: str) -> dict:
    """A job whose channel has no data: it ends Failed at once."""
    return training_request(name, data=f"s3://{BUCKET}/nothing-here/")


def create_model(aws, name: str, tags: list[dict], url: str = "") -> str:
    container = {"Image": XGBOOST, "ModelDataUrl": url or f"s3://{BUCKET}/{MODEL_KEY}"}
    return aws.sm.create_model(
        ModelName=name, PrimaryContainer=container, ExecutionRoleArn=ROLE, Tags=tags
    )["ModelArn"]


def create_endpoint_config(aws, name: str, tags: list[dict]) -> str:
    create_model(aws, f"{name}-model", [])
    variant = {"VariantName": "v", "ModelName": f"{name}-model", "InitialInstanceCount": 1,
               "InstanceType": "ml.m5.large"}  # fmt: skip
    return aws.sm.create_endpoint_config(
        EndpointConfigName=name, ProductionVariants=[variant], Tags=tags
    )["EndpointConfigArn"]


def create_endpoint(aws, name: str, tags: list[dict]) -> str:
    create_endpoint_config(aws, f"{name}-config", [])
    return aws.sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config",
                                  Tags=tags)["EndpointArn"]  # fmt: skip


def create_training_job(aws, name: str, tags: list[dict]) -> str:
    return aws.sm.create_training_job(**failing_request(name), Tags=tags)["TrainingJobArn"]


def create_tuning_job(aws, name: str, tags: list[dict]) -> str:
    definition = failing_request("unused")
    del definition["TrainingJobName"]
    del definition["HyperParameters"]
    # The container accepts only validation:<metric> objectives (hyperparameter_validation.py,
    # aws/sagemaker-xgboost-container 1.7-1), which need a validation channel.
    validation = dict(definition["InputDataConfig"][0], ChannelName="validation")
    definition["InputDataConfig"].append(validation)
    definition["StaticHyperParameters"] = {"objective": "binary:logistic"}
    config = {
        "Strategy": "Random",
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
        "HyperParameterTuningJobObjective": {"Type": "Minimize",
                                             "MetricName": "validation:logloss"},
        "ParameterRanges": {"IntegerParameterRanges": [
            {"Name": "num_round", "MinValue": "1", "MaxValue": "3"}]},
    }  # fmt: skip
    return aws.sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig=config,
        TrainingJobDefinition=definition,
        Tags=tags,
    )["HyperParameterTuningJobArn"]


def create_transform_job(aws, name: str, tags: list[dict]) -> str:
    create_model(aws, f"{name}-model", [])
    return aws.sm.create_transform_job(
        TransformJobName=name,
        ModelName=f"{name}-model",
        TransformInput={"DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/nothing-here/"}}},
        TransformOutput={"S3OutputPath": f"s3://{BUCKET}/transformed"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
        Tags=tags,
    )["TransformJobArn"]  # fmt: skip


def create_processing_job(aws, name: str, tags: list[dict]) -> str:
    return aws.sm.create_processing_job(
        ProcessingJobName=name,
        ProcessingResources={"ClusterConfig": {
            "InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}},
        AppSpecification={"ImageUri": CLARIFY},
        RoleArn=ROLE,
        Tags=tags,
    )["ProcessingJobArn"]  # fmt: skip


CREATE = {
    "training-job": create_training_job,
    "hyper-parameter-tuning-job": create_tuning_job,
    "model": create_model,
    "endpoint-config": create_endpoint_config,
    "endpoint": create_endpoint,
    "transform-job": create_transform_job,
    "processing-job": create_processing_job,
}
DESCRIBE = {  # kind: (operation, name parameter)
    "training-job": ("DescribeTrainingJob", "TrainingJobName"),
    "hyper-parameter-tuning-job": (
        "DescribeHyperParameterTuningJob", "HyperParameterTuningJobName"),
    "model": ("DescribeModel", "ModelName"),
    "endpoint-config": ("DescribeEndpointConfig", "EndpointConfigName"),
    "endpoint": ("DescribeEndpoint", "EndpointName"),
    "transform-job": ("DescribeTransformJob", "TransformJobName"),
    "processing-job": ("DescribeProcessingJob", "ProcessingJobName"),
}  # fmt: skip


LIST = {  # kind: the List operation that lists it
    "training-job": "ListTrainingJobs",
    "hyper-parameter-tuning-job": "ListHyperParameterTuningJobs",
    "model": "ListModels",
    "endpoint-config": "ListEndpointConfigs",
    "endpoint": "ListEndpoints",
    "transform-job": "ListTransformJobs",
    "processing-job": "ListProcessingJobs",
}


def missing_list_members(sm, operation: str) -> dict[str, list[str]]:
    """Members botocore's model marks required that `operation`'s answer or its summaries
    lack (empty when none)."""
    shape = sm.meta.service_model.operation_model(operation).output_shape
    answer = getattr(sm, botocore.xform_name(operation))()
    missing = {operation: [m for m in shape.required_members if m not in answer]}
    for key, member in shape.members.items():
        if member.type_name == "list" and member.member.type_name == "structure":
            for item in answer.get(key, []):
                lacking = [m for m in member.member.required_members if m not in item]
                if lacking:
                    missing[member.member.name] = lacking
    return {k: v for k, v in missing.items() if v}


def required_members(operation: str) -> list[str]:
    """The members botocore's SageMaker model marks required in `operation`'s response."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.operation_model(operation).output_shape.required_members)


# ------------------------------------------------------------------ tags


@pytest.mark.parametrize("kind", list(CREATE))
def test_tags_given_at_create_then_added_overwritten_and_deleted(aws, kind):
    """AddTags adds or overwrites (API reference, AddTags: tag keys are unique per resource);
    tags given at create time are the resource's tags (moto: test_add_tags_to_*,
    test_delete_tags_from_*)."""
    name = f"tagged-{kind}"[:32]
    arn = CREATE[kind](
        aws, name, [{"Key": "team", "Value": "ml"}, {"Key": "stage", "Value": "dev"}]
    )
    assert arn.endswith(f":{kind}/{name}")
    sm = aws.sm
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "ml"},
        {"Key": "stage", "Value": "dev"},
    ]
    sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}, {"Key": "cost", "Value": ""}]
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "ml"},
        {"Key": "stage", "Value": "prod"},  # overwritten in place, not a second "stage"
        {"Key": "cost", "Value": ""},
    ]
    response = sm.delete_tags(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "stage", "Value": "prod"},
        {"Key": "cost", "Value": ""},
    ]
    operation, parameter = DESCRIBE[kind]
    described = getattr(sm, botocore.xform_name(operation))(**{parameter: name})
    missing = [m for m in required_members(operation) if m not in described]
    assert not missing, f"{operation} lacks required members {missing}"
    assert missing_list_members(sm, LIST[kind]) == {}


def test_list_tags_pages_and_a_resource_holds_at_most_50(aws):
    """TagList has at most 50 members and ListTags' MaxResults at least 50 (API model)."""
    arn = create_model(aws, "many-tags", [{"Key": f"k{i:02}", "Value": str(i)} for i in range(30)])
    aws.sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": f"k{i:02}", "Value": "x"} for i in range(25, 50)]
    )
    page = aws.sm.list_tags(ResourceArn=arn, MaxResults=50)
    assert [t["Key"] for t in page["Tags"]] == [f"k{i:02}" for i in range(50)]
    assert "NextToken" not in page
    with pytest.raises(ClientError, match="at most 50") as caught:
        aws.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "x"}])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert len(aws.sm.list_tags(ResourceArn=arn)["Tags"]) == 50  # nothing added


def test_tags_of_an_unknown_resource_are_a_validation_error(aws):
    """moto answers ValidationException for a resource it cannot find (models.py,
    _get_resource_from_arn); so does the local service, naming the ARN."""
    for operation, call in (
        ("ListTags", lambda arn: aws.sm.list_tags(ResourceArn=arn)),
        (
            "AddTags",
            lambda arn: aws.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
        ),
        ("DeleteTags", lambda arn: aws.sm.delete_tags(ResourceArn=arn, TagKeys=["a"])),
    ):
        arn = f"arn:aws:sagemaker:{REGION}:000000000000:model/no-such-model"
        with pytest.raises(ClientError, match="no-such-model") as caught:
            call(arn)
        assert caught.value.response["Error"]["Code"] == "ValidationException", operation


def test_a_deleted_and_recreated_model_starts_with_its_new_tags(aws):
    arn = create_model(aws, "again", [{"Key": "old", "Value": "1"}])
    aws.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "added", "Value": "2"}])
    aws.sm.delete_model(ModelName="again")
    assert create_model(aws, "again", [{"Key": "new", "Value": "3"}]) == arn
    assert aws.sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "new", "Value": "3"}]


def test_tuning_job_tags_reach_the_training_jobs_it_launches(aws):
    """API reference, AddTags and CreateHyperParameterTuningJob: the tuning job's tags are
    added to the training jobs it launches."""
    create_tuning_job(aws, "tuned", [{"Key": "project", "Value": "lab"}])
    job = aws.service.tuning_job("tuned")
    job.wait(60)
    summaries = aws.sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tuned")["TrainingJobSummaries"]  # fmt: skip
    names = [s["TrainingJobName"] for s in summaries]
    assert names
    shape = aws.sm.meta.service_model.shape_for("HyperParameterTrainingJobSummary")
    assert [m for m in shape.required_members if m not in summaries[0]] == []
    arn = aws.sm.describe_training_job(TrainingJobName=names[0])["TrainingJobArn"]
    assert {"Key": "project", "Value": "lab"} in aws.sm.list_tags(ResourceArn=arn)["Tags"]


# ------------------------------------------------------------------ training jobs


def wait_for(aws, name: str, statuses: tuple[str, ...]) -> dict:
    deadline = time.monotonic() + 60
    while True:
        described = aws.sm.describe_training_job(TrainingJobName=name)
        if described["TrainingJobStatus"] in statuses or time.monotonic() > deadline:
            return described
        time.sleep(0.1)


def test_describe_training_job_has_model_artifacts_while_it_runs(aws):
    """ModelArtifacts is a required member of DescribeTrainingJob's response (API model); it
    names where the job's model.tar.gz goes, `<S3OutputPath>/<job>/output/model.tar.gz`
    (moto's test_create_training_job checks the same shape)."""
    aws.sm.create_training_job(**sleeper_request(aws, "running"))
    described = aws.sm.describe_training_job(TrainingJobName="running")
    assert described["TrainingJobStatus"] == "InProgress"
    expected = f"s3://{BUCKET}/output/running/output/model.tar.gz"
    assert described["ModelArtifacts"] == {"S3ModelArtifacts": expected}
    missing = [m for m in required_members("DescribeTrainingJob") if m not in described]
    assert not missing
    aws.sm.stop_training_job(TrainingJobName="running")
    stopped = wait_for(aws, "running", ("Stopped",))
    assert stopped["ModelArtifacts"] == {"S3ModelArtifacts": expected}


def test_list_training_jobs_pages_before_filtering_by_status(aws):
    """API reference, ListTrainingJobs: with StatusEquals and MaxResults, the MaxResults jobs
    are taken first (newest first), ignoring the status, and then filtered by it."""
    aws.sm.create_training_job(**failing_request("oldest"))
    wait_for(aws, "oldest", ("Failed",))
    aws.sm.create_training_job(**sleeper_request(aws, "middle"))
    aws.sm.create_training_job(**failing_request("newest"))
    wait_for(aws, "newest", ("Failed",))

    def names(page: dict) -> list[str]:
        return [s["TrainingJobName"] for s in page["TrainingJobSummaries"]]

    first = aws.sm.list_training_jobs(MaxResults=2, StatusEquals="InProgress")
    assert names(first) == ["middle"]  # from the page [newest, middle]
    assert first["NextToken"]
    second = aws.sm.list_training_jobs(
        MaxResults=2, StatusEquals="InProgress", NextToken=first["NextToken"]
    )
    assert names(second) == [] and "NextToken" not in second  # the page [oldest]
    one = aws.sm.list_training_jobs(MaxResults=1, StatusEquals="Failed")
    assert names(one) == ["newest"] and one["NextToken"]
    after = aws.sm.list_training_jobs(
        MaxResults=1, StatusEquals="Failed", NextToken=one["NextToken"]
    )
    assert names(after) == []  # the page [middle]: InProgress, filtered out
    # Without MaxResults, the status filter applies to every job.
    assert names(aws.sm.list_training_jobs(StatusEquals="Failed")) == ["newest", "oldest"]
    aws.sm.stop_training_job(TrainingJobName="middle")


# ------------------------------------------------------------------ ModelDataUrl


@pytest.mark.parametrize(
    "url",
    [
        "s3://{b}/{k}",
        "https://s3-us-east-1.amazonaws.com/{b}/{k}",
        "https://{b}.s3.us-east-1.amazonaws.com/{k}",
        "https://s3.us-east-1.amazonaws.com/{b}/{k}",
        "https://s3.amazonaws.com/{b}/{k}",
        "https://{b}.s3.amazonaws.com/{k}",
    ],
)
def test_create_model_takes_model_data_url_in_every_form(aws, url):
    """ModelDataUrl's pattern is `(https|s3)://([^/]+)/?(.*)` (API model): an s3:// URI, or an
    S3 object URL, path style or virtual-hosted (Amazon S3 User Guide, virtual hosting)."""
    url = url.format(b=BUCKET, k=MODEL_KEY)
    create_model(aws, "from-url", [], url=url)
    described = aws.sm.describe_model(ModelName="from-url")
    assert described["PrimaryContainer"]["ModelDataUrl"] == url  # as given
    missing = url.replace("model.tar.gz", "missing.tar.gz")
    with pytest.raises(ClientError, match="Could not find model data"):
        create_model(aws, "missing", [], url=missing)


def test_endpoint_serves_a_model_given_by_https_url(aws):
    url = f"https://{BUCKET}.s3.{REGION}.amazonaws.com/{MODEL_KEY}"
    create_model(aws, "https-model", [], url=url)
    variant = {"VariantName": "v", "ModelName": "https-model", "InitialInstanceCount": 1,
               "InstanceType": "ml.m5.large"}  # fmt: skip
    aws.sm.create_endpoint_config(EndpointConfigName="https-config", ProductionVariants=[variant])
    aws.sm.create_endpoint(EndpointName="https-endpoint", EndpointConfigName="https-config")
    deadline = time.monotonic() + 60
    while aws.sm.describe_endpoint(EndpointName="https-endpoint")["EndpointStatus"] == "Creating":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    described = aws.sm.describe_endpoint(EndpointName="https-endpoint")
    assert described["EndpointStatus"] == "InService", described.get("FailureReason")


def test_model_data_url_forms_name_the_same_object():
    expected = "s3://my.bucket/a/b/model.tar.gz"
    for url in (
        "https://s3-eu-west-1.amazonaws.com/my.bucket/a/b/model.tar.gz",
        "https://my.bucket.s3.eu-west-1.amazonaws.com/a/b/model.tar.gz",
        "https://my.bucket.s3-eu-west-1.amazonaws.com/a/b/model.tar.gz",
        "https://s3.dualstack.eu-west-1.amazonaws.com/my.bucket/a/b/model.tar.gz",
        "https://my.bucket.s3.eu-west-1.amazonaws.com/a/b/model%2Etar.gz",
        expected,
    ):
        assert as_s3_uri(url) == expected, url
    assert as_s3_uri("file:///tmp/model.tar.gz") == "file:///tmp/model.tar.gz"
    for wrong in ("https://example.com/model.tar.gz", "https://s3.amazonaws.com/only-bucket"):
        with pytest.raises(NotAnS3Url, match="ModelDataUrl"):
            as_s3_uri(wrong)


def test_an_https_url_outside_s3_is_refused_at_create_model(aws):
    with pytest.raises(ClientError, match="not an Amazon S3 object URL") as caught:
        create_model(aws, "elsewhere", [], url="https://example.com/model.tar.gz")
    assert caught.value.response["Error"]["Code"] == "ValidationException"


# ------------------------------------------------------------------ list order and pages


def test_lists_sort_and_page_by_the_api_references_defaults(aws):
    """SortBy/SortOrder/MaxResults left out: each List operation's documented default
    (botocore's SageMaker model, the request members' documentation)."""
    for name in ("b-model", "c-model", "a-model"):
        create_model(aws, name, [])
    models = [m["ModelName"] for m in aws.sm.list_models()["Models"]]
    assert models == ["a-model", "c-model", "b-model"]  # CreationTime, Descending
    for name in ("b-proc", "c-proc", "a-proc"):
        create_processing_job(aws, name, [])
    processing = aws.sm.list_processing_jobs()["ProcessingJobSummaries"]
    assert [p["ProcessingJobName"] for p in processing] == ["b-proc", "c-proc", "a-proc"]
    for name in ("b-tune", "a-tune"):
        create_tuning_job(aws, name, [])
    tuning = aws.sm.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [t["HyperParameterTuningJobName"] for t in tuning] == ["a-tune", "b-tune"]  # Name


def test_a_tuning_jobs_training_jobs_list_by_the_api_references_defaults():
    """ListTrainingJobsForHyperParameterTuningJob (API reference): SortBy defaults to Name,
    SortOrder to Ascending, and with SortBy=FinalObjectiveMetricValue the training jobs that
    did not return an objective metric are not listed."""
    from localsm import tuning

    def summary(name: str, value: float | None) -> dict:
        found = {"TrainingJobName": name, "TrainingJobStatus": "Completed"}
        if value is not None:
            found["FinalHyperParameterTuningJobObjectiveMetric"] = {"Value": value}
        return found

    summaries = [summary("t-002", 0.8), summary("t-003", None), summary("t-001", 0.9)]
    named = tuning.sort_summaries(summaries, {})
    assert [s["TrainingJobName"] for s in named] == ["t-001", "t-002", "t-003"]
    scored = tuning.sort_summaries(summaries, {"SortBy": "FinalObjectiveMetricValue"})
    assert [s["TrainingJobName"] for s in scored] == ["t-002", "t-001"]
    best_first = {"SortBy": "FinalObjectiveMetricValue", "SortOrder": "Descending"}
    assert [s["TrainingJobName"] for s in tuning.sort_summaries(summaries, best_first)] == [
        "t-001",
        "t-002",
    ]


# ------------------------------------------------------------------ refused at create time


def _refusal(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    message = caught.value.response["Error"]["Message"]
    assert "\n" not in message and "not available locally" in message
    return message


def test_what_local_mode_cannot_host_is_refused_at_create_time(aws):
    """Features of the API that local mode does not run are refused when the resource is
    created, never answered differently: ContainerDefinition.Mode 'MultiModel' (CreateModel),
    ProductionVariant.ServerlessConfig and AsyncInferenceConfig (CreateEndpointConfig),
    several Containers (an inference pipeline) — API reference of each operation."""
    model = {"Image": XGBOOST, "ModelDataUrl": f"s3://{BUCKET}/models/", "Mode": "MultiModel"}
    message = _refusal(lambda: aws.sm.create_model(
        ModelName="multi", PrimaryContainer=model, ExecutionRoleArn=ROLE))  # fmt: skip
    assert "MultiModel" in message
    single = {"Image": XGBOOST, "ModelDataUrl": f"s3://{BUCKET}/{MODEL_KEY}"}
    _refusal(lambda: aws.sm.create_model(
        ModelName="pipeline", Containers=[single, single], ExecutionRoleArn=ROLE))  # fmt: skip
    create_model(aws, "one", [])
    serverless = {"VariantName": "v", "ModelName": "one",
                  "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1}}  # fmt: skip
    _refusal(lambda: aws.sm.create_endpoint_config(
        EndpointConfigName="serverless", ProductionVariants=[serverless]))  # fmt: skip
    variant = {"VariantName": "v", "ModelName": "one", "InitialInstanceCount": 1,
               "InstanceType": "ml.m5.large"}  # fmt: skip
    output = {"OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/async"}}
    message = _refusal(lambda: aws.sm.create_endpoint_config(
        EndpointConfigName="async", ProductionVariants=[variant],
        AsyncInferenceConfig=output))  # fmt: skip
    assert "AsyncInferenceConfig" in message


def test_a_warm_start_tuning_job_is_refused_at_create_time(aws):
    """HyperParameterTuningJobWarmStartConfig (CreateHyperParameterTuningJob, API reference):
    local mode keeps no parent tuning jobs' results to start from, so it refuses."""
    definition = failing_request("unused")
    del definition["TrainingJobName"]
    del definition["HyperParameters"]
    config = {
        "Strategy": "Random",
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
        "ParameterRanges": {"IntegerParameterRanges": [
            {"Name": "num_round", "MinValue": "1", "MaxValue": "3"}]},
    }  # fmt: skip
    warm = {"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
            "WarmStartType": "IdenticalDataAndAlgorithm"}  # fmt: skip
    message = _refusal(lambda: aws.sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="warm", HyperParameterTuningJobConfig=config,
        TrainingJobDefinition=definition, WarmStartConfig=warm))  # fmt: skip
    assert "WarmStartConfig" in message
