"""Tuning ranges and refusals as SageMaker gives them (issue 26, item 3).

References (read, not copied):
- aws/sagemaker-xgboost-container (branch 1.7-1),
  `src/sagemaker_xgboost_container/algorithm_mode/hyperparameter_validation.py`:
  `colsample_bylevel` is `Interval(min_open=0, max_closed=1)`, `eta` `[0, 1]`;
  `src/sagemaker_algorithm_toolkit/hyperparameter_validation.py`, `Interval.format_as_continuous`:
  the range the algorithm publishes for tuning takes the open end as its MinValue (0 for
  `colsample_bylevel`), so a tuning range 0-1 is valid; the values a training job gets must
  still pass the container's own check, i.e. lie inside (0, 1].
- AWS's Hyperband example tunes `colsample_bylevel` over ContinuousParameter(0, 1) (issue 26).
- SageMaker API reference, CreateTrainingJob / CreateHyperParameterTuningJob: a request local
  mode cannot run is refused at create time, here with "run this job on SageMaker".
"""

from __future__ import annotations

import uuid

import pytest
import sagemaker
from botocore.exceptions import ClientError
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter
from test_tuning import data, raw_tuning_request  # noqa: F401 - data: module-scoped fixture

from estimators import REGION, ROLE, builtin_estimator
from localsm import LocalSageMakerSession
from localsm.builtin.hyperparameters import check_tuning, inside
from localsm.tuning import _sample


@pytest.fixture
def session(tmp_path) -> LocalSageMakerSession:
    return LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)


def _inputs(data) -> dict[str, TrainingInput]:  # noqa: F811
    return {k: TrainingInput(data[k], content_type="text/csv") for k in ("train", "validation")}


def _tuner(estimator, ranges, **options) -> HyperparameterTuner:
    options.setdefault("objective_metric_name", "validation:auc")
    return HyperparameterTuner(estimator, hyperparameter_ranges=ranges, max_jobs=2,
                               max_parallel_jobs=2, **options)  # fmt: skip


def test_a_range_may_touch_an_open_end_and_values_stay_inside(session, tmp_path, data):  # noqa: F811
    estimator = builtin_estimator(session, tmp_path, objective="binary:logistic", num_round=3)
    ranges = {"colsample_bylevel": ContinuousParameter(0, 1), "num_round": IntegerParameter(2, 4)}
    estimator.set_hyperparameters(objective="binary:logistic")
    tuner = _tuner(estimator, ranges, strategy="Hyperband")
    tuner.fit(_inputs(data), job_name=f"open-{uuid.uuid4().hex[:10]}")
    frame = tuner.analytics().dataframe()
    assert (frame["TrainingJobStatus"] == "Completed").all()
    assert ((frame["colsample_bylevel"] > 0) & (frame["colsample_bylevel"] <= 1)).all()


class _Trial:
    """An optuna trial that samples the lower end, the value SageMaker must never send."""

    def suggest_float(self, name, low, high, log=False):
        return low


def test_sampled_values_are_moved_inside_an_open_end():
    item = {"Name": "colsample_bylevel", "MinValue": "0", "MaxValue": "1"}
    value = float(_sample(_Trial(), "Continuous", "colsample_bylevel", item, inside))
    assert 0 < value < 1e-300
    assert inside("eta", 0.0) == 0.0  # [0, 1]: 0 is inside
    assert inside("tweedie_variance_power", 2.0) < 2.0  # (1, 2)


def test_a_range_outside_names_its_hyperparameter_not_another():
    ranges = [("Integer", "num_round", {"MinValue": "10", "MaxValue": "50"}),
              ("Continuous", "eta", {"MinValue": "0.1", "MaxValue": "2"}),
              ("Continuous", "colsample_bylevel", {"MinValue": "0", "MaxValue": "1"})]  # fmt: skip
    problem = check_tuning({"objective": "binary:logistic"}, ranges, "validation:auc",
                           {"train", "validation"})  # fmt: skip
    assert problem.startswith("ContinuousParameterRanges 'eta' (MinValue/MaxValue 2.0): ")
    assert "Hyperparameter eta: 2.0 is not in [0, 1]" in problem and "num_round" not in problem
    ranges[1] = ("Continuous", "eta", {"MinValue": "0.1", "MaxValue": "0.5"})
    assert check_tuning({"objective": "binary:logistic"}, ranges, "validation:auc",
                        {"train", "validation"}) is None  # fmt: skip
    bad_static = check_tuning({"objective": "binary:logistic", "booster": "x"}, ranges,
                              "validation:auc", {"train", "validation"})  # fmt: skip
    assert "Hyperparameter booster: x is not in" in bad_static


def _not_available(raised) -> str:
    message = raised.value.response["Error"]["Message"]
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "this algorithm is not available locally" in message
    assert "run this job on SageMaker" in message and "lab." not in message
    return message


OTHER_IMAGES = [
    sagemaker.image_uris.retrieve("image-classification", REGION),
    sagemaker.image_uris.retrieve("xgboost", REGION, "latest"),  # the 0.72 image
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-image:1",
]


@pytest.mark.parametrize("image", OTHER_IMAGES, ids=["image-classification", "latest", "own"])
def test_images_local_mode_cannot_run_are_refused_at_create(session, tmp_path, data, image):  # noqa: F811
    estimator = builtin_estimator(session, tmp_path, image, epochs=1)
    with pytest.raises(ClientError) as raised:
        estimator.fit(_inputs(data))
    _not_available(raised)
    tuner = _tuner(estimator, {"learning_rate": ContinuousParameter(0.01, 0.1)},
                   objective_metric_name="validation:accuracy")  # fmt: skip
    with pytest.raises(ClientError) as raised:
        tuner.fit(_inputs(data))
    message = _not_available(raised)
    assert "validation:auc" not in message  # not told to use the metric it already names
    assert not list((tmp_path / "jobs").iterdir())


def test_other_refusals_speak_sagemaker_terms(session, tmp_path, data):  # noqa: F811
    estimator = builtin_estimator(session, tmp_path, num_round=2)
    estimator.instance_count = 2
    with pytest.raises(ClientError) as raised:
        estimator.fit(_inputs(data))
    message = raised.value.response["Error"]["Message"]
    assert "ResourceConfig.InstanceCount is 2" in message
    assert "run this job on SageMaker" in message and "lab." not in message
    request = raw_tuning_request(
        {"ContinuousParameterRanges": [{"Name": "eta", "MinValue": "0", "MaxValue": "1"}]},
        {"num_round": "2"},
    )
    request["TrainingJobDefinitions"] = [request.pop("TrainingJobDefinition")]
    with pytest.raises(ClientError) as raised:
        session.sagemaker_client.create_hyper_parameter_tuning_job(**request)
    message = raised.value.response["Error"]["Message"]
    assert "run this tuning job on SageMaker" in message and "lab." not in message
    with pytest.raises(ClientError) as raised:
        session.sagemaker_client.create_processing_job(
            ProcessingJobName="p", RoleArn=ROLE,
            AppSpecification={"ImageUri": OTHER_IMAGES[2]},
            ProcessingResources={"ClusterConfig": {"InstanceCount": 1,
                                 "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 1}},
        )  # fmt: skip
    message = raised.value.response["Error"]["Message"]
    assert "run this job on SageMaker" in message and "lab." not in message


def test_autotune_auto_parameters_are_refused_in_one_line():
    """`ParameterRanges.AutoParameters` (botocore's SageMaker service-2.json: "hyperparameter
    names and example values to be used by Autotune to determine optimal ranges") hold no
    range: SageMaker picks them by unpublished rules, so local mode refuses at create time,
    naming them, in SageMaker's terms. AWS's sagemaker-core/get_started.ipynb
    (aws/amazon-sagemaker-examples) tunes XGBoost this way; before, the local answer was
    "ParameterRanges is empty", which the request is not."""
    from localsm.exceptions import ValidationException
    from localsm.tuning_request import validate_request

    request = {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 6, "MaxParallelTrainingJobs": 2},
            "HyperParameterTuningJobObjective": {"Type": "Maximize",
                                                 "MetricName": "validation:auc"},
            "ParameterRanges": {"AutoParameters": [{"Name": "max_depth", "ValueHint": "5"},
                                                   {"Name": "eta", "ValueHint": "0.1"}]},
        },
        "TrainingJobDefinition": {"StaticHyperParameters": {}},
        "Autotune": {"Mode": "Enabled"},
    }  # fmt: skip
    with pytest.raises(ValidationException) as raised:
        validate_request(request)
    message = str(raised.value)
    assert "AutoParameters (max_depth, eta)" in message and "\n" not in message
    assert "run this tuning job on SageMaker" in message and "lab." not in message
