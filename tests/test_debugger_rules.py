"""Debugger's built-in rules evaluated locally (issue 26, item 6).

Reference: AWS's "List of Debugger built-in rules" (awsdocs/amazon-sagemaker-developer-guide,
doc_source/debugger-built-in-rules.md: LossNotDecreasing, Overfit, Overtraining, ClassImbalance,
TreeDepth, FeatureImportanceOverweight, their parameters and defaults), the statuses of
`DebugRuleEvaluationStatuses` in the API reference (InProgress | NoIssuesFound | IssuesFound |
Error | Stopped), and the SDK v2's `rule_configs` (sagemaker/debugger, smdebug_rulesconfig:
`Rule.sagemaker(rule_configs.loss_not_decreasing())` sends `rule_to_invoke: LossNotDecreasing`).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import xgboost as xgb

from conftest import LAB_PARAMS
from estimators import builtin_estimator, xgboost_image
from localsm import debugger_rules, rules

STATUSES = {"NoIssuesFound", "IssuesFound"}


def finished_job(tmp_path: Path, history: dict, booster: xgb.Booster | None = None) -> Path:
    """A job folder laid out like /opt/ml with an evaluation history (and a model)."""
    root = tmp_path / "ml"
    (root / "output" / "data").mkdir(parents=True)
    (root / "output" / "data" / "eval_history.json").write_text(json.dumps(history))
    if booster is not None:
        (root / "model").mkdir()
        booster.save_model(root / "model" / "xgboost-model.json")
    return root


def status(name: str, root: Path, **params: str) -> tuple[str, str]:
    return debugger_rules.evaluate(name, params, debugger_rules.Evidence(root))


def test_loss_not_decreasing_follows_the_documented_parameters(tmp_path):
    # Docs: every num_steps (10) the loss must fall by diff_percent (0.1 %) at least.
    falling = [1.0 * 0.95**i for i in range(40)]
    root = finished_job(tmp_path / "a", {"train": {"rmse": falling}})
    assert status("LossNotDecreasing", root)[0] == "NoIssuesFound"
    flat = falling[:15] + [falling[14]] * 25
    root = finished_job(tmp_path / "b", {"train": {"rmse": flat}})
    result, details = status("LossNotDecreasing", root)
    assert result == "IssuesFound" and "train-rmse" in details and "diff_percent" in details
    # num_steps larger than the run: no check is due, no issue.
    assert status("LossNotDecreasing", root, num_steps="100")[0] == "NoIssuesFound"
    # An AUC is not a loss: only the metrics XGBoost minimises are inspected.
    root = finished_job(tmp_path / "c", {"validation": {"auc": [0.8] * 30, "logloss": falling}})
    assert status("LossNotDecreasing", root)[0] == "NoIssuesFound"


def test_overfit_compares_mean_validation_and_training_loss(tmp_path):
    train = [1.0 / (i + 1) for i in range(30)]
    close = {"train": {"logloss": train}, "validation": {"logloss": [v * 1.05 for v in train]}}
    assert status("Overfit", finished_job(tmp_path / "a", close))[0] == "NoIssuesFound"
    apart = {"train": {"logloss": train}, "validation": {"logloss": [v * 1.5 for v in train]}}
    result, details = status("Overfit", finished_job(tmp_path / "b", apart))
    assert result == "IssuesFound" and "ratio_threshold=0.1" in details
    assert status("Overfit", finished_job(tmp_path / "b2", apart), ratio_threshold="0.6")[0] == (
        "NoIssuesFound"
    )
    # Without a validation channel the rule cannot run: Error, with the reason.
    result, details = status("Overfit", finished_job(tmp_path / "c", {"train": {"rmse": train}}))
    assert result == "Error" and "validation" in details


def test_overtraining_waits_patience_steps_for_an_improvement_of_delta(tmp_path):
    improving = [1.0 - 0.02 * i for i in range(30)]
    history = {"train": {"rmse": improving}, "validation": {"rmse": improving}}
    assert status("Overtraining", finished_job(tmp_path / "a", history))[0] == "NoIssuesFound"
    stuck = improving[:10] + [improving[9]] * 20
    history = {"train": {"rmse": improving}, "validation": {"rmse": stuck}}
    result, details = status("Overtraining", finished_job(tmp_path / "b", history))
    assert result == "IssuesFound" and "validation-rmse" in details and "10 steps" in details


def test_tree_depth_and_feature_importance_read_the_model(tmp_path, lab_data):
    dtrain = xgb.DMatrix(lab_data["x_train"][:2000], label=lab_data["y_train"][:2000])
    params = {"objective": "binary:logistic", "nthread": 2, "seed": 0}
    shallow = xgb.train({**params, "max_depth": 2}, dtrain, 5)
    deep = xgb.train({**params, "max_depth": 8, "min_child_weight": 0}, dtrain, 5)
    history = {"train": {"logloss": [0.5, 0.4]}}
    # Docs: depth = log2 of the largest node id, compared with `depth` (default 4).
    assert status("TreeDepth", finished_job(tmp_path / "a", history, shallow))[0] == (
        "NoIssuesFound"
    )
    result, details = status("TreeDepth", finished_job(tmp_path / "b", history, deep))
    assert result == "IssuesFound" and "depth=4" in details
    # FeatureImportanceOverweight: the top nfeatures (3) holding more than threshold (0.8).
    one = xgb.train({**params, "max_depth": 1}, dtrain, 1)  # a single split: one feature
    assert (
        status("FeatureImportanceOverweight", finished_job(tmp_path / "c", history, one))[0]
        == "IssuesFound"
    )


def test_unknown_rule_and_bad_parameter_end_in_error_with_one_line(tmp_path):
    root = finished_job(tmp_path, {"train": {"rmse": [1.0, 0.5]}})
    result, details = status("VanishingGradient", root)
    assert result == "Error" and "\n" not in details and "run the job on SageMaker" in details
    result, details = status("LossNotDecreasing", root, num_steps="ten")
    assert result == "Error" and "num_steps='ten'" in details


@pytest.mark.slow
def test_rules_through_the_sdk_on_a_built_in_job(bundled, tmp_path):
    """`Estimator(rules=[Rule.sagemaker(rule_configs.…())])` on a tiny built-in job: every
    rule AWS's XGBoost examples attach ends NoIssuesFound or IssuesFound, another rule Error,
    and the debug-output prefix holds a note (the SDK's `latest_job_debugger_artifacts_path`)."""
    from localsm import LocalSageMakerSession

    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    from sagemaker.debugger import Rule, rule_configs
    from sagemaker.inputs import TrainingInput

    attached = [
        rule_configs.loss_not_decreasing(),
        rule_configs.overfit(),
        rule_configs.overtraining(),
        rule_configs.class_imbalance(),
        rule_configs.tree_depth(),
        rule_configs.feature_importance_overweight(),
    ]
    estimator = builtin_estimator(
        session,
        tmp_path,
        xgboost_image("1.7-1"),
        rules=[Rule.sagemaker(c) for c in attached]
        + [Rule.sagemaker(rule_configs.vanishing_gradient())],
        **{**LAB_PARAMS, "num_round": 20},
    )
    estimator.fit(
        {
            channel: TrainingInput(bundled[channel].as_uri(), content_type="text/csv")
            for channel in ("train", "validation")
        },
        logs="None",
    )
    described = session.sagemaker_client.describe_training_job(
        TrainingJobName=estimator.latest_training_job.name
    )
    assert described["TrainingJobStatus"] == "Completed"
    found = {s["RuleConfigurationName"]: s for s in described["DebugRuleEvaluationStatuses"]}
    for name in ("LossNotDecreasing", "Overfit", "Overtraining", "ClassImbalance", "TreeDepth",
                 "FeatureImportanceOverweight"):  # fmt: skip
        assert found[name]["RuleEvaluationStatus"] in STATUSES, found[name]
        assert found[name]["StatusDetails"]
    # max_depth 5 > the rule's default depth 4; the lab's labels are about 3:1, under 10.
    assert found["TreeDepth"]["RuleEvaluationStatus"] == "IssuesFound"
    assert found["ClassImbalance"]["RuleEvaluationStatus"] == "NoIssuesFound"
    assert found["VanishingGradient"]["RuleEvaluationStatus"] == "Error"
    assert "run the job on SageMaker" in found["VanishingGradient"]["StatusDetails"]
    debug_output = Path(urlparse(estimator.latest_job_debugger_artifacts_path()).path)
    note = debug_output / rules.DEBUG_NOTE
    assert note.is_file() and "saves no tensors" in note.read_text()


def test_class_imbalance_counts_labels_and_mispredictions(tmp_path, lab_data):
    x, y = lab_data["x_train"], lab_data["y_train"]
    booster = xgb.train({"objective": "binary:logistic", "nthread": 2, "seed": 0},
                        xgb.DMatrix(x, label=y), 5)  # fmt: skip
    root = finished_job(tmp_path, {"train": {"logloss": [0.5]}}, booster)
    folder = root / "input" / "data" / "validation"
    folder.mkdir(parents=True)
    keep = np.r_[np.flatnonzero(y == 1)[:1100], np.flatnonzero(y == 0)[:100]]  # 11 : 1
    np.savetxt(folder / "v.csv", np.c_[y[keep], x[keep]], delimiter=",", fmt="%g")
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "inputdataconfig.json").write_text(
        json.dumps({"validation": {"ContentType": "text/csv"}})
    )
    result, details = status("ClassImbalance", root)
    assert result == "IssuesFound" and "threshold_imbalance=10" in details, details
    assert status("ClassImbalance", root, threshold_imbalance="20")[0] in STATUSES
    assert status("ClassImbalance", root, samples="5000")[0] == "NoIssuesFound"


def test_rule_verdicts_are_described_from_completed_on(bundled, tmp_path, monkeypatch):
    """While a training job is InProgress its rules are InProgress: a rule job watches the
    training until its last step, so NoIssuesFound comes at the earliest with Completed.
    Reference: AWS's example archived/tensorflow_action_on_rule/tf-mnist-stop-training-job.ipynb
    (aws/amazon-sagemaker-examples: `rule_job_summary()` lists a rule `InProgress` while the
    training runs, and only `IssuesFound` before the end) and the enum of
    `RuleEvaluationStatus` in botocore's sagemaker service-2.json. AWS's
    archived/xgboost-census-debugger-rules.ipynb polls both statuses in one loop."""
    from localsm import LocalSageMakerSession
    from localsm.training import artifacts

    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    from sagemaker.debugger import Rule, rule_configs
    from sagemaker.inputs import TrainingInput

    seen: list[tuple[str, list[str]]] = []
    upload = artifacts.upload_rule_output

    def watching(*args, **kwargs):  # runs after the rules, before the job ends
        described = session.sagemaker_client.describe_training_job(TrainingJobName=job[0])
        rules_now = [s["RuleEvaluationStatus"] for s in described["DebugRuleEvaluationStatuses"]]
        seen.append((described["TrainingJobStatus"], rules_now))
        return upload(*args, **kwargs)

    monkeypatch.setattr(artifacts, "upload_rule_output", watching)
    estimator = builtin_estimator(
        session,
        tmp_path,
        xgboost_image("1.7-1"),
        rules=[Rule.sagemaker(rule_configs.loss_not_decreasing())],
        **{**LAB_PARAMS, "num_round": 5},
    )
    job: list[str] = []
    estimator.fit(
        {"train": TrainingInput(bundled["train"].as_uri(), content_type="text/csv")},
        wait=False,
    )
    job.append(estimator.latest_training_job.name)
    estimator.latest_training_job.wait(logs="None")
    assert seen == [("InProgress", ["InProgress"])]
    described = session.sagemaker_client.describe_training_job(TrainingJobName=job[0])
    assert described["TrainingJobStatus"] == "Completed"
    assert described["DebugRuleEvaluationStatuses"][0]["RuleEvaluationStatus"] == "NoIssuesFound"
