"""The built-in algorithm's hyperparameters per image version (issue 26, item 2).

Written from aws/sagemaker-xgboost-container, on the branch of each version (0.90-1, 0.90-2,
1.0-1, 1.2-1, 1.2-2, 1.3-1, 1.5-1, 1.7-1):
- `src/sagemaker_xgboost_container/algorithm_mode/hyperparameter_validation.py`: the names each
  version declares (`hpv.Hyperparameters(...)`), their ranges, the aliases (`declare_alias`,
  from 0.90-2);
- `src/sagemaker_algorithm_toolkit/hyperparameter_validation.py`: `Hyperparameters.validate`
  raises "Extraneous hyperparameter found: <name>" for any other name;
- `src/sagemaker_xgboost_container/constants/xgb_constants.py`: the metric names.
Default metrics from dmlc/xgboost, `DefaultEvalMetric()` in `src/objective/regression_loss.h`,
`multiclass_obj.cu` and `rank_obj.cu` at v0.90, v1.0.2, v1.2.1, v1.3.3, v1.5.2, v1.7.6.
"""

from __future__ import annotations

import pytest
import sagemaker
from botocore.exceptions import ClientError
from sagemaker.inputs import TrainingInput
from test_tuning import data  # noqa: F401 - the module-scoped data fixture

from estimators import REGION, builtin_estimator
from localsm import LocalSageMakerSession
from localsm.builtin import UserError, versions
from localsm.builtin.hyperparameters import table, validate_hyperparameters
from localsm.builtin.train import plan_training

# The names every version declares (0.90-1's list), then what each later version adds/drops.
BASE_NAMES = {
    "num_round", "csv_weights", "early_stopping_rounds", "booster", "silent", "verbosity",
    "nthread", "eta", "gamma", "max_depth", "min_child_weight", "max_delta_step", "subsample",
    "colsample_bytree", "colsample_bylevel", "colsample_bynode", "lambda", "alpha",
    "tree_method", "sketch_eps", "scale_pos_weight", "updater", "dsplit", "refresh_leaf",
    "process_type", "grow_policy", "max_leaves", "max_bin", "predictor", "sample_type",
    "normalize_type", "rate_drop", "one_drop", "skip_drop", "lambda_bias",
    "tweedie_variance_power", "objective", "num_class", "base_score",
    "_tuning_objective_metric", "eval_metric", "seed",
}  # fmt: skip
V12 = {"aft_loss_distribution", "aft_loss_distribution_scale", "single_precision_histogram",
       "deterministic_histogram"}  # fmt: skip
V10 = {"num_parallel_tree", "monotone_constraints", "interaction_constraints",
       "save_model_on_termination"}  # fmt: skip
EXPECTED_NAMES = {
    "0.90-1": BASE_NAMES,
    "0.90-2": BASE_NAMES | {"num_parallel_tree"},
    "1.0-1": BASE_NAMES | V10,
    "1.2-1": (BASE_NAMES - {"silent"}) | V10 | V12 | {"_nfold"},
    "1.2-2": (BASE_NAMES - {"silent"}) | V10 | V12 | {"_kfold", "_num_cv_round"},
    "1.3-1": (BASE_NAMES - {"silent"}) | V10 | V12
    | {"_kfold", "_num_cv_round", "sampling_method", "prob_buffer_row"},
    "1.5-1": (BASE_NAMES - {"silent"}) | V10 | V12
    | {"_kfold", "_num_cv_round", "sampling_method", "prob_buffer_row", "use_dask_gpu_training"},
    "1.7-1": (BASE_NAMES - {"silent"}) | V10 | (V12 - {"single_precision_histogram"})
    | {"_kfold", "_num_cv_round", "sampling_method", "prob_buffer_row", "use_dask_gpu_training"},
}  # fmt: skip
EXPECTED_NAMES["3.0-5"] = EXPECTED_NAMES["1.7-1"]  # branch release-3.0.5: the same table


@pytest.mark.parametrize("version", versions.VERSIONS)
def test_each_version_declares_the_containers_names(version):
    assert set(table(version)) == EXPECTED_NAMES[version]


@pytest.mark.parametrize("version", versions.VERSIONS)
def test_every_declared_name_is_accepted(version):
    """A valid value of every name the version declares passes (cross-rules satisfied)."""
    samples = {"csv_weights": "1", "booster": "gbtree", "tree_method": "hist",
               "updater": "grow_colmaker,prune", "predictor": "cpu_predictor",
               "objective": "binary:logistic", "eval_metric": "error", "num_class": "2",
               "_tuning_objective_metric": "validation:error", "seed": "1",
               "monotone_constraints": "(1,0)", "interaction_constraints": "[[1,2]]"}  # fmt: skip
    hps = {"num_round": "1"}
    for name, spec in table(version).items():
        if name.startswith("_") and name != "_tuning_objective_metric":
            continue  # k-fold modes: refused locally on purpose
        if name == "num_class":
            continue  # only with multi:* objectives
        value = samples.get(name)
        if value is None:
            value = spec.choices[0] if spec.choices else str(int(spec.low or 0) + 1)
            if spec.kind == "float":
                low, high = spec.low or 0, spec.high if spec.high is not None else 10
                value = repr((low + high) / 2)
        hps[name] = value
    validate_hyperparameters(hps, version)


@pytest.mark.parametrize("version", ["0.90-1", "0.90-2", "1.0-1"])
def test_silent_is_accepted_where_the_container_declares_it(version):
    assert validate_hyperparameters({"num_round": "3", "silent": "1"}, version)["silent"] == 1


@pytest.mark.parametrize("version", ["1.2-1", "1.3-1", "1.5-1", "1.7-1"])
def test_silent_is_extraneous_from_1_2_1(version):
    with pytest.raises(UserError, match="^Extraneous hyperparameter found: silent$"):
        validate_hyperparameters({"num_round": "3", "silent": "0"}, version)


def test_version_specific_choices_and_aliases():
    with pytest.raises(UserError, match=r"objective: reg:absoluteerror is not in"):
        validate_hyperparameters({"num_round": "1", "objective": "reg:absoluteerror"}, "1.5-1")
    assert (
        validate_hyperparameters({"num_round": "1", "objective": "reg:absoluteerror"}, "1.7-1")[
            "objective"
        ]
        == "reg:absoluteerror"
    )
    with pytest.raises(UserError, match="tree_method: gpu_hist is not in"):
        validate_hyperparameters({"num_round": "1", "tree_method": "gpu_hist"}, "1.0-1")
    with pytest.raises(UserError, match="eval_metric: value rmsle not in range"):
        validate_hyperparameters({"num_round": "1", "eval_metric": "rmsle"}, "0.90-2")
    with pytest.raises(UserError, match="eval_metric: value mape not in range"):
        validate_hyperparameters({"num_round": "1", "eval_metric": "mape"}, "1.2-2")
    assert validate_hyperparameters({"num_round": "1", "learning_rate": "0.3"}, "0.90-2") == {
        "num_round": 1, "eta": 0.3}  # fmt: skip
    with pytest.raises(UserError, match="Extraneous hyperparameter found: learning_rate"):
        validate_hyperparameters({"num_round": "1", "learning_rate": "0.3"}, "0.90-1")
    with pytest.raises(UserError, match=r"interaction_constraints: value \[\[0, 1\]\] not in"):
        validate_hyperparameters({"num_round": "1", "tree_method": "hist",
                                  "interaction_constraints": "[[0,1]]"}, "1.7-1")  # fmt: skip


@pytest.mark.parametrize(
    ("version", "objective", "metrics"),
    [("0.90-2", "binary:logistic", ["error"]), ("1.2-1", "multi:softmax", ["merror"]),
     ("1.3-1", "binary:logitraw", ["auc"]), ("1.7-1", "binary:logistic", []),
     ("1.7-1", "rank:pairwise", ["map"]), ("1.7-1", "reg:squarederror", []),
     ("3.0-5", "rank:pairwise", [])],
)  # fmt: skip
def test_default_metric_is_that_versions_xgboost(version, objective, metrics):
    """[] means XGBoost's own default, which the installed XGBoost shares with that version."""
    hps = validate_hyperparameters(
        {"num_round": "1", "objective": objective}
        | ({"num_class": "3"} if objective.startswith("multi:") else {}),
        version,
    )
    assert plan_training(hps, version).metrics == metrics


def test_image_version_from_uris():
    for version in ("0.90-2", "1.0-1", "1.2-1", "1.3-1", "1.5-1", "1.7-1", "3.0-5"):
        uri = sagemaker.image_uris.retrieve("xgboost", REGION, version)
        assert versions.image_version(uri) == version
    assert versions.image_version(sagemaker.image_uris.retrieve("xgboost", REGION, "1")) is None


@pytest.mark.parametrize(
    ("version", "silent", "status", "line"),
    [("1.0-1", "0", "Completed", "validation-error:"),
     ("1.7-1", None, "Completed", "validation-logloss:"),
     ("1.7-1", "0", "Failed", None)],
)  # fmt: skip
def test_jobs_run_as_the_requested_version(tmp_path, data, version, silent, status, line):  # noqa: F811
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    image = sagemaker.image_uris.retrieve("xgboost", REGION, version)
    hps = {"objective": "binary:logistic", "num_round": 2}
    estimator = builtin_estimator(
        session, tmp_path, image, **hps, **({"silent": silent} if silent else {})
    )
    inputs = {k: TrainingInput(data[k], content_type="text/csv") for k in ("train", "validation")}
    try:
        estimator.fit(inputs, logs="None")
    except Exception:  # noqa: BLE001 - the SDK raises on Failed; the description says why
        pass
    name = estimator.latest_training_job.name
    job = session.sagemaker_client.describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == status
    log = (tmp_path / "jobs" / name / "training.log").read_text()
    if line:
        assert line in log
    else:
        assert job["FailureReason"] == "ClientError: Extraneous hyperparameter found: silent"


def test_a_version_without_local_validators_is_refused_at_create(tmp_path, data):  # noqa: F811
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs", region=REGION)
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.72-1"
    estimator = builtin_estimator(session, tmp_path, image, num_round=2)
    with pytest.raises(ClientError) as raised:
        estimator.fit({"train": TrainingInput(data["train"], content_type="text/csv")})
    message = str(raised.value)
    assert "image version 0.72-1 is not available locally" in message
    assert "run this job on SageMaker" in message and "lab." not in message
    assert not list((tmp_path / "jobs").iterdir())
