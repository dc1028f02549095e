"""DescribeTrainingJob repeats the request's switches (issue 26: AWS's example notebooks).

Reference: botocore's SageMaker API model (botocore/data/sagemaker/2017-07-24/service-2.json:
`DescribeTrainingJobResponse.EnableManagedSpotTraining`, "A Boolean indicating whether managed
spot training is enabled (True) or not (False)", and `EnableInterContainerTrafficEncryption`),
and the SDK v2 (sagemaker/session.py `_logs_for_job`, which prints "Managed Spot Training
savings" only when the description says the job used spot). AWS's example
build_and_train_models/sm-managed_spot_training_xgboost sends `use_spot_instances=True`.
"""

from __future__ import annotations

import pytest

from localsm.training.record import TrainingJobRecord


def request(**switches: bool) -> dict:
    return {
        "TrainingJobName": "spot",
        "AlgorithmSpecification": {"TrainingImage": "x", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::000000000000:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
        **switches,
    }


def described(job: dict) -> dict:
    record = TrainingJobRecord(job, "arn:aws:sagemaker:us-east-1:000000000000:training-job/spot")
    record.transition("Starting", "Launching requested ML instances")
    return record.describe()


@pytest.mark.parametrize("name", ["EnableManagedSpotTraining",
                                  "EnableInterContainerTrafficEncryption"])  # fmt: skip
def test_the_switches_of_the_request_are_described(name):
    assert described(request(**{name: True}))[name] is True
    assert described(request(**{name: False}))[name] is False
    assert described(request())[name] is False
