"""Helpers the notebooks call between SDK steps: describe the setup, fetch and evaluate
artifacts, build the training report, print small tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lab.language import language
from lab.modes import Lab, LabSetupError, column_names, session_of
from lab.paths import DOWNLOADS_DIR, OUTPUTS_DIR, REPO, SPLITS
from lab.words import number, say, template, term
from localsm.logs import TRAINING_GROUP as LOG_GROUP
from localsm.roundlog import RoundCondenser
from localsm.uris import file_path


def short(uri: str) -> str:
    """A location as shown in the notebooks: inside this repository, relative to it."""
    text = str(uri)
    for prefix in (REPO.as_uri() + "/", str(REPO) + "/"):
        if text.startswith(prefix):
            return "<repo>/" + text[len(prefix) :]
    return text


def describe(lab: Lab) -> None:
    """Print the setup the notebook will use (repository paths shortened, no secrets)."""
    role = lab.role
    if lab.mode != "local":
        role = say("setup.iam_role", name=lab.role.split(":role/")[-1])
    rows = [("mode", lab.mode), ("region", lab.region), ("role", role),
            ("instance", lab.instance_type)]  # fmt: skip
    rows += [(split, short(getattr(lab, f"{split}_uri"))) for split in SPLITS]
    rows.append(("output", short(lab.output_path)))
    width = max(len(say(f"setup.{key}")) for key, _ in rows)
    for key, value in rows:
        print(f"{say(f'setup.{key}'):{width}} {value}")


def fetch(uri: str, lab: Any, folder: Path) -> Path:
    """A local copy of a file:// path or s3:// object (the first object under an s3 prefix);
    `lab`: the SDK session to read S3 with (or a `Lab` record, or an estimator/trainer)."""
    if not uri.startswith("s3://"):
        return file_path(uri)
    bucket, _, key = uri[len("s3://") :].partition("/")
    s3 = session_of(lab).boto_session.client("s3")
    if not key or key.endswith("/"):
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
        objects = [o["Key"] for o in listing if not o["Key"].endswith("/")]
        if not objects:
            raise LabSetupError(f"nothing found under {uri}")
        key = objects[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{bucket}-{key.replace('/', '-')}"
    s3.download_file(bucket, key, str(target))
    return target


def load_model(model_uri: str, lab: Any):
    """The trained booster from a model.tar.gz, loaded safely (no pickle, no path traversal)."""
    import xgboost_report

    return xgboost_report.load_model(fetch(model_uri, lab, DOWNLOADS_DIR))


def model_data(trained: Any) -> str:
    """The model artifact's URI of a v2 estimator, a v3 model trainer or a v3 training job."""
    job = _training_job(trained)
    return trained.model_data if job is None else job.model_artifacts.s3_model_artifacts


def job_name(trained: Any) -> str:
    """The name of the last training job of a v2 estimator or a v3 model trainer/job."""
    job = _training_job(trained)
    return trained.latest_training_job.name if job is None else job.training_job_name


def _training_job(trained: Any) -> Any:
    """The v3 `TrainingJob` behind `trained`, or None for a v2 estimator."""
    if hasattr(trained, "latest_training_job"):  # SDK v2
        return None
    if hasattr(trained, "training_job_name"):  # a v3 TrainingJob
        return trained
    from localsm.sdk_compat import latest_training_job

    return latest_training_job(trained)


def training_report(trained: Any, validation_uri: str, session: Any = None):
    """The training report of the last job of an estimator (v2) or model trainer (v3): built
    in seconds, in both modes, from its model artifact, its evaluation history and the
    validation data. `session`: the SDK session to read S3 with (default: the estimator's;
    needed for a v3 `TrainingJob`, which holds none)."""
    import xgboost_report

    lab = session or session_of(trained)
    model_uri = model_data(trained)
    model = fetch(model_uri, lab, DOWNLOADS_DIR)
    history_tar = _history(model_uri, lab)
    validation = fetch(validation_uri, lab, DOWNLOADS_DIR)
    report = xgboost_report.report_from_artifact(
        model,
        validation,
        history=history_tar,
        language=language(),
        feature_names=_feature_names(validation),
    )
    job = job_name(trained)
    page = OUTPUTS_DIR / "reports" / f"{job}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    report.to_html(page)
    print(say("report_page", path=short(page.as_uri())))
    return report


def _history(model_uri: str, lab: Any) -> Path | None:
    """The job's `output.tar.gz` (the per-round evaluation history), or None: a built-in
    container on AWS may write none, and the report then goes without its loss curves."""
    import botocore.exceptions

    uri = model_uri.replace("model.tar.gz", "output.tar.gz")
    try:
        path = fetch(uri, lab, DOWNLOADS_DIR)
    except botocore.exceptions.ClientError:
        path = None
    if path is None or not path.is_file():
        print(say("no_history", uri=short(uri)))
        return None
    return path


def _feature_names(data: Path) -> list[str] | None:
    """The lab's feature names when `data` has the lab's columns (the built-in algorithm's
    files carry no header, so the report would say f0...f12); None for other data."""
    names = column_names()
    with open(data) as lines:
        first = lines.readline().strip().split(",")
    return names[1:] if len(first) == len(names) else None


def evaluate(model_uri: str, data_uri: str, lab: Any) -> dict[str, float]:
    """AUC, accuracy and F1 (label 1) of a model artifact on a label-first CSV."""
    import xgboost_report

    model = fetch(model_uri, lab, DOWNLOADS_DIR)
    data = fetch(data_uri, lab, DOWNLOADS_DIR)
    return xgboost_report.report_from_artifact(model, data).summary()


def print_summary(summary: dict) -> None:
    """The report's headline numbers, rounded (notebooks compare them between runs)."""
    for key, value in summary.items():
        name = term("score", key)
        print(f"{name:24} {value:.4f}" if isinstance(value, float) else f"{name:24} {value}")


def print_scores(scores: dict[str, dict]) -> None:
    """A small table: one row per data split, rounded scores; row and column names in the
    notebook's language (lab.words' `score.<name>`), numbers with its decimal mark."""
    import pandas as pd

    frame = pd.DataFrame(scores).T
    keep = [c for c in ("auc", "accuracy", "f1", "f1_label_1", "precision", "recall") if c in frame]
    frame = frame[keep or list(frame.columns)].astype(float).round(4)
    frame = frame.rename(index=lambda k: term("score", k), columns=lambda k: term("score", k))
    print(frame.to_string(float_format=number))


def print_labeled(**values: Any) -> None:
    """One `label: value` line per keyword, in the notebook's language and aligned:
    `print_labeled(training_job=name)` prints `Training job: <name>` (`Job de treinamento:`
    in Portuguese; the labels are lab.words' `label.<keyword>`). A tuple reads `a | b`."""
    labels = {key: say(f"label.{key}") + ":" for key in values}
    width = max(map(len, labels.values()), default=0)
    for key, value in values.items():
        shown = " | ".join(map(str, value)) if isinstance(value, tuple) else value
        print(f"{labels[key]:{width}} {shown}")


def print_best_job(description: dict, hyperparameters: dict[str, str]) -> None:
    """The best training job's objective, final metrics and tuned hyperparameters."""
    metrics = {m["MetricName"]: m["Value"] for m in description.get("FinalMetricDataList", [])}
    names = {name: term("metric", name) for name in metrics}
    width = max([24, *(len(name) + 1 for name in names.values())])
    print(f"{say('best.status')} {description['TrainingJobStatus']}")
    for name, value in sorted(metrics.items()):
        print(f"{names[name]:{width}} {value:.4f}")
    for name, value in hyperparameters.items():
        number = float(value)
        print(f"{name:{width}} {int(number) if number.is_integer() else round(number, 4)}")


def show_log(
    trained: Any, lab: Any = None, every: int = 100, first: int = 3, match: str = ""
) -> None:
    """A training job's log as a learner reads it: every line but the per-round ones, of
    which the first rounds, every `every`-th and the last; then where the whole log is. Read
    through CloudWatch Logs (on AWS, and locally through the same calls). `match`: a regular
    expression; when given, only the lines it finds something in."""
    name = job_name(trained)
    logs = session_of(lab or trained).boto_session.client("logs")
    streams = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/")
    stream = streams["logStreams"][0]["logStreamName"]
    lines, token = [], None
    while True:
        more = {"nextToken": token} if token else {}
        page = logs.get_log_events(
            logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True, **more
        )
        lines += [event["message"] for event in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    if match:
        for line in (line for line in lines if re.search(match, line)):
            print(line)
        print(say("whole_stream", lines=len(lines), stream=stream, group=LOG_GROUP))
        return
    condenser = RoundCondenser(print, first=first, every=every, skipped=template("rounds_skipped"))
    for line in lines:
        condenser.feed(line)
    condenser.end_of_rounds()
    print(say("whole_stream", lines=len(lines), stream=stream, group=LOG_GROUP))
