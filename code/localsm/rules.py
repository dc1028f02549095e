"""SageMaker Debugger rules attached to a local training job.

On AWS a rule runs as its own processing job beside the training job, and
`DescribeTrainingJob` lists it in `DebugRuleEvaluationStatuses`. Locally the one rule the lab
uses, `CreateXgboostReport`, runs right after training (in seconds, with no Debugger tensors:
it reads the model, the validation channel and the evaluation history the job left). The
built-in rules AWS's XGBoost examples attach (`debugger_rules.RULES`) are evaluated from the
same evidence and end NoIssuesFound or IssuesFound; any other rule ends Error with the reason.
No Debugger tensors are saved: the debug-output prefix gets a note saying so.
"""

from __future__ import annotations

import importlib
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from localsm import debugger_rules, s3io
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
    evidence = debugger_rules.Evidence(ml_root)
    for rule in request.get("DebugRuleConfigurations") or []:
        status = {"RuleConfigurationName": rule["RuleConfigurationName"]}
        name = rule_name(rule)
        if name == REPORT_RULE:
            status.update(_report(ml_root, rule_output))
        else:
            try:
                result, details = debugger_rules.evaluate(
                    name, rule.get("RuleParameters") or {}, evidence
                )
            except Exception as error:  # noqa: BLE001 - a rule error must not fail the job
                result, details = "Error", f"{name}: {type(error).__name__}: {error}"
            status.update(RuleEvaluationStatus=result, StatusDetails=details.strip()[:1000])
        status["LastModifiedTime"] = now()
        statuses.append(status)
    return statuses


def _report(ml_root: Path, rule_output: Path) -> dict:
    """The CreateXgboostReport rule: its page, or Error with the reason."""
    try:
        from xgboost_report import report_from_training_job

        page = report_from_training_job(
            ml_root, rule_output / REPORT_FOLDER, language=service_language()
        )
        return {"RuleEvaluationStatus": "NoIssuesFound",
                "StatusDetails": f"Report written to {page.as_uri()}"}  # fmt: skip
    except Exception as error:  # noqa: BLE001 - a rule error must not fail the job
        try:
            (rule_output / REPORT_FOLDER).mkdir(parents=True, exist_ok=True)
            (rule_output / REPORT_FOLDER / "error.txt").write_text(traceback.format_exc())
        except OSError:  # a full or read-only output: the status says what went wrong
            pass
        return {"RuleEvaluationStatus": "Error",
                "StatusDetails": f"{type(error).__name__}: {error}".strip()[:1000]}  # fmt: skip


DEBUG_NOTE = "local-mode-debug-output.txt"
DEBUG_NOTE_TEXT = """\
This is the debug-output prefix of training job {job}, run in SageMaker local mode.

On SageMaker, the Debugger hook in the training container saves tensors here (the collections
of the job's DebugHookConfig, as smdebug event files under index/ and events/). Local mode runs
no Debugger hook and saves no tensors: this note is the only file it writes here.

The job's Debugger rules ({rules}) were evaluated locally after training from what the job
left: the per-round metrics (output/data/eval_history.json in output.tar.gz), the model
(model.tar.gz) and the validation channel. Their results are in DescribeTrainingJob's
DebugRuleEvaluationStatuses; the CreateXgboostReport rule writes under rule-output/.
"""


def write_debug_output_note(
    request: dict, job_name: str, job_folder: Path, boto_session: object = None
) -> str | None:
    """Write the note above to `<DebugHookConfig.S3OutputPath>/<job>/debug-output/`; returns
    where it went (None: no hook configured). Raises OSError or boto's errors."""
    hook = request.get("DebugHookConfig") or {}
    base = hook.get("S3OutputPath") or request.get("OutputDataConfig", {}).get("S3OutputPath")
    if not hook or not base:
        return None
    names = ", ".join(r["RuleConfigurationName"] for r in request.get("DebugRuleConfigurations")
                      or []) or "none"  # fmt: skip
    text = DEBUG_NOTE_TEXT.format(job=job_name, rules=names)
    if base.startswith("s3://"):
        from urllib.parse import urlparse

        parsed = urlparse(base)
        bucket = parsed.netloc
        prefix = "/".join(p for p in (parsed.path.strip("/"), job_name, "debug-output") if p)
        s3io.s3_client(boto_session).put_object(
            Bucket=bucket, Key=f"{prefix}/{DEBUG_NOTE}", Body=text.encode()
        )
        return f"s3://{bucket}/{prefix}/{DEBUG_NOTE}"
    from localsm.training.channels import uri_to_path

    folder = uri_to_path(base) / job_name / "debug-output"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEBUG_NOTE).write_text(text)
    return (folder / DEBUG_NOTE).as_uri()
