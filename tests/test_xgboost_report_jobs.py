"""The training report from a job: built from a job's `/opt/ml` layout, and as the local
Debugger rule `CreateXgboostReport` run by a real local training job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xgboost as xgb

import lab
import xgboost_report as xr
from conftest import LAB_PARAMS
from localsm import rules


def job_root(
    tmp_path: Path,
    booster: xgb.Booster,
    bundled,
    channels=("train", "validation"),
    history: dict | None = None,
    model_name: str = "xgboost-model",
) -> Path:
    """A finished job folder laid out like /opt/ml."""
    root = tmp_path / "ml"
    (root / "model").mkdir(parents=True)
    booster.save_model(root / "model" / "saved.ubj")
    (root / "model" / "saved.ubj").rename(root / "model" / model_name)
    config = {}
    for channel in channels:
        folder = root / "input" / "data" / channel
        folder.mkdir(parents=True)
        (folder / f"{channel}.csv").write_bytes(bundled[channel].read_bytes())
        config[channel] = {
            "ContentType": "text/csv",
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "inputdataconfig.json").write_text(json.dumps(config))
    if history is not None:
        (root / "output" / "data").mkdir(parents=True)
        (root / "output" / "data" / "eval_history.json").write_text(json.dumps(history))
    return root


def test_report_from_training_job(lab_model, bundled, tmp_path, report):
    booster, history = lab_model
    wrapped = {"evals_result": history, "best_iteration": None, "num_features": 13}
    root = job_root(tmp_path, booster, bundled, history=wrapped)
    page = xr.report_from_training_job(root, tmp_path / "rule-output" / "CreateXgboostReport")
    assert page == tmp_path / "rule-output" / "CreateXgboostReport" / "xgboost_report.html"
    text = page.read_text()
    assert all(f'id="{s}"' in text for s in xr.SECTIONS) and "Skipped" not in text
    assert "evaluated on the validation channel (7,839 rows)" in text
    assert f"<b>{report.auc:.4f}</b>" in text


def test_report_from_training_job_without_validation(lab_model, bundled, tmp_path):
    booster, _ = lab_model
    root = job_root(
        tmp_path, booster, bundled, channels=("train",), model_name="xgboost-model.json"
    )
    text = xr.report_from_training_job(root, tmp_path / "out").read_text()
    assert "no validation channel" in text and "scores are optimistic" in text
    assert 'id="loss"' in text and "no evaluation history" in text


def builtin_available() -> bool:
    try:
        from localsm import builtin  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not builtin_available(), reason="built-in algorithm emulation not present")
def test_debugger_rule_runs_locally(bundled, tmp_path):
    # Local mode first: it switches off the EC2 metadata probe the SDK makes on import.
    from localsm import LocalSageMakerSession

    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    import sagemaker
    from sagemaker.debugger import Rule, rule_configs
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput

    output = tmp_path / "models"
    estimator = Estimator(
        image_uri=sagemaker.image_uris.retrieve("xgboost", "us-east-1", "1.5-1"),
        role=lab.LOCAL_ROLE,
        instance_count=1,
        instance_type="local",
        output_path=output.as_uri(),
        sagemaker_session=session,
        rules=[
            Rule.sagemaker(rule_configs.create_xgboost_report()),
            Rule.sagemaker(rule_configs.loss_not_decreasing()),
        ],
    )
    estimator.set_hyperparameters(**{**LAB_PARAMS, "num_round": 50})
    estimator.fit(
        {
            channel: TrainingInput(bundled[channel].as_uri(), content_type="text/csv")
            for channel in ("train", "validation")
        },
        logs="None",
    )
    job = estimator.latest_training_job.name
    described = session.sagemaker_client.describe_training_job(TrainingJobName=job)
    assert described["TrainingJobStatus"] == "Completed"
    statuses = {s["RuleConfigurationName"]: s for s in described["DebugRuleEvaluationStatuses"]}
    assert statuses["CreateXgboostReport"]["RuleEvaluationStatus"] == "NoIssuesFound"
    # Evaluated locally from the job's metrics (tests/test_debugger_rules.py).
    assert statuses["LossNotDecreasing"]["RuleEvaluationStatus"] in ("NoIssuesFound", "IssuesFound")
    page = output / job / "rule-output" / "CreateXgboostReport" / "xgboost_report.html"
    assert page.is_file() and page.as_uri() in statuses["CreateXgboostReport"]["StatusDetails"]
    text = page.read_text()
    assert all(f'id="{s}"' in text for s in xr.SECTIONS) and "Skipped" not in text
    assert "logloss per boosting round" in text  # the job's evaluation history was read
    # The same numbers as a report built here from the job's artifact.
    again = xr.report_from_artifact(
        output / job / "output" / "model.tar.gz",
        bundled["validation"],
        history=output / job / "output" / "output.tar.gz",
    )
    assert f"<b>{again.auc:.4f}</b>" in text and again.history


def test_rule_error_is_reported_not_raised(tmp_path):
    """A report that cannot be built marks the rule Error, with the reason, as on AWS."""
    from datetime import UTC, datetime

    from localsm import rules

    request = {
        "DebugRuleConfigurations": [
            {
                "RuleConfigurationName": "CreateXgboostReport",
                "RuleParameters": {"rule_to_invoke": "CreateXgboostReport"},
            }
        ]
    }
    (tmp_path / "ml" / "model").mkdir(parents=True)  # the job left no model
    [status] = rules.evaluate(
        request, tmp_path / "ml", tmp_path / "rule-output", lambda: datetime.now(UTC)
    )
    assert status["RuleEvaluationStatus"] == "Error"
    assert status["StatusDetails"].startswith("ReportError:")
    assert "xgboost-model" in status["StatusDetails"]
    assert (tmp_path / "rule-output" / "CreateXgboostReport" / "error.txt").is_file()


PREPARE = """
import json, sys
from localsm import rules
report_rule = {"RuleConfigurationName": "CreateXgboostReport",
               "RuleParameters": {"rule_to_invoke": "CreateXgboostReport"}}
other = {"RuleConfigurationName": "LossNotDecreasing", "RuleParameters": {}}
seen = {"none": rules.prepare({}) is None,
        "other only": rules.prepare({"DebugRuleConfigurations": [other]}) is None,
        "before": [m for m in rules.PAGE_MODULES if m in sys.modules]}
thread = rules.prepare({"DebugRuleConfigurations": [other, report_rule]})
thread.join(60)
seen["after"] = [m for m in rules.PAGE_MODULES if m in sys.modules]
print(json.dumps(seen))
"""


def test_the_report_rule_imports_its_page_while_the_job_trains():
    """`rules.prepare` imports the page's modules (Bokeh) in the background for a job that
    asks for the report rule (in a fresh interpreter, where nothing imported them yet), and
    does nothing for one that does not."""
    code = str(Path(lab.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": code}
    done = subprocess.run([sys.executable, "-c", PREPARE], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["none"] and seen["other only"]
    assert seen["before"] == []
    assert seen["after"] == list(rules.PAGE_MODULES)
