"""SageMaker Debugger rules attached to a local training job.

On AWS a rule runs as its own processing job beside the training job, and
`DescribeTrainingJob` lists it in `DebugRuleEvaluationStatuses`. Locally the one rule the lab
uses, `CreateXgboostReport`, runs right after training (in seconds, with no Debugger tensors:
it reads the model, the validation channel and the evaluation history the job left). Every
other rule is accepted and reported as not evaluated, never silently dropped.
"""

from __future__ import annotations

import importlib
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from localsm.language import service_language

REPORT_RULE = "CreateXgboostReport"
REPORT_FOLDER = REPORT_RULE  # <output>/<job>/rule-output/CreateXgboostReport/
# What writing the report's page imports (Bokeh above all: about a second).
PAGE_MODULES = ("xgboost_report", "bokeh.embed", "bokeh.models", "bokeh.plotting",
                "bokeh.resources", "bokeh.transform")  # fmt: skip


def rule_name(rule: dict) -> str:
    """The rule a configuration invokes (the SDK names it in RuleParameters)."""
    return rule.get("RuleParameters", {}).get("rule_to_invoke") or rule["RuleConfigurationName"]


def prepare(request: dict) -> threading.Thread | None:
    """When the job asks for the report rule, import what the rule's page needs in a
    background thread while the job trains in its own process: otherwise the kernel imports
    it after training, and `fit` waits that much longer. Join the thread before `evaluate`."""
    if not any(rule_name(r) == REPORT_RULE for r in request.get("DebugRuleConfigurations") or []):
        return None
    thread = threading.Thread(target=_import_page_modules, name="report-rule-imports", daemon=True)
    thread.start()
    return thread


def _import_page_modules() -> None:
    for name in PAGE_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the rule itself reports what is missing
            return


def initial_statuses(request: dict, now: datetime) -> list[dict]:
    """Every configured rule starts InProgress, as on AWS."""
    return [
        {
            "RuleConfigurationName": rule["RuleConfigurationName"],
            "RuleEvaluationStatus": "InProgress",
            "LastModifiedTime": now,
        }
        for rule in request.get("DebugRuleConfigurations") or []
    ]


def abandoned(statuses: list[dict], now: datetime, why: str) -> list[dict]:
    """The training job did not complete: rules still InProgress are Stopped."""
    return [
        {**s, "RuleEvaluationStatus": "Stopped", "StatusDetails": why, "LastModifiedTime": now}
        if s["RuleEvaluationStatus"] == "InProgress"
        else s
        for s in statuses
    ]


def evaluate(
    request: dict, ml_root: Path, rule_output: Path, now: Callable[[], datetime]
) -> list[dict]:
    """Run the rules after a completed training job; returns their final statuses."""
    statuses = []
    for rule in request.get("DebugRuleConfigurations") or []:
        status = {"RuleConfigurationName": rule["RuleConfigurationName"]}
        if rule_name(rule) != REPORT_RULE:
            status.update(
                RuleEvaluationStatus="Stopped",
                StatusDetails=f"Not evaluated: local mode runs only the {REPORT_RULE} rule; "
                "run the job on SageMaker to evaluate this rule.",
            )
        else:
            try:
                from xgboost_report import report_from_training_job

                page = report_from_training_job(
                    ml_root, rule_output / REPORT_FOLDER, language=service_language()
                )
                status.update(
                    RuleEvaluationStatus="NoIssuesFound",
                    StatusDetails=f"Report written to {page.as_uri()}",
                )
            except Exception as error:  # noqa: BLE001 - a rule error must not fail the job
                status.update(
                    RuleEvaluationStatus="Error",
                    StatusDetails=f"{type(error).__name__}: {error}".strip()[:1000],
                )
                try:
                    (rule_output / REPORT_FOLDER).mkdir(parents=True, exist_ok=True)
                    (rule_output / REPORT_FOLDER / "error.txt").write_text(traceback.format_exc())
                except OSError:  # a full or read-only output: the status says what went wrong
                    pass
        status["LastModifiedTime"] = now()
        statuses.append(status)
    return statuses
