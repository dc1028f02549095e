"""The report of a model artifact (notebooks, AWS mode) or of a finished local training job."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .constants import HISTORY_FILE_NAME, REPORT_FILE_NAME
from .errors import ReportError
from .inputs import read_dataset
from .model_io import load_model, local_path
from .report import Report, build_report
from .wording import Note


def report_from_artifact(
    model_tar_or_file: str | os.PathLike,
    validation_csv: str | os.PathLike,
    history: Any = None,
    *,
    allow_pickle: bool = False,
    title: str | None = None,
    content_type: str | None = None,
    feature_names: Sequence[str] | None = None,
    language: str = "en",
) -> Report:
    """The report of a model artifact (model.tar.gz or model file) on a label-first CSV.

    What the notebooks use in AWS mode, from the downloaded artifact: seconds, no Debugger
    wait. `history`: an evals_result dict, an eval_history.json or an output.tar.gz holding one.
    `feature_names`: one per feature, for a CSV without a header row (else f0, f1, ...);
    `language`: "en" or "pt_BR" (see `build_report`).
    """
    booster = load_model(model_tar_or_file, allow_pickle=allow_pickle)
    data = read_dataset(validation_csv, booster.num_features(), content_type)
    return build_report(
        booster,
        data.features,
        data.labels,
        history=history,
        feature_names=data.feature_names if feature_names is None else feature_names,
        title=title,
        notes=data.notes,
        data_name=Path(local_path(validation_csv)).name,
        language=language,
    )


def report_from_training_job(
    ml_root: Path,
    destination: Path,
    *,
    language: str = "en",
    feature_names: Sequence[str] | None = None,
) -> Path:
    """The report of a finished local training job (a folder laid out like /opt/ml).

    Reads the model in model/, the validation channel (the train channel when there is none,
    said in the report) and output/data/eval_history.json; writes
    `destination/xgboost_report.html` and returns its path. `language` and `feature_names`:
    as for `build_report`.
    """
    ml_root, destination = Path(ml_root), Path(destination)
    booster = load_model(ml_root / "model")
    config_file = ml_root / "input" / "config" / "inputdataconfig.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    data_root = ml_root / "input" / "data"
    notes = []

    def has_data(channel: str) -> bool:
        folder = data_root / channel
        return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))

    channel = "validation"
    if not has_data(channel):
        if not has_data("train"):
            raise ReportError(f"{data_root}: the job has neither a validation nor a train channel")
        channel = "train"
        notes.append(Note("no_validation_channel"))
    content_type = (config.get(channel) or {}).get("ContentType")
    data = read_dataset(data_root / channel, booster.num_features(), content_type)
    report = build_report(
        booster,
        data.features,
        data.labels,
        history=ml_root / "output" / "data" / HISTORY_FILE_NAME,
        feature_names=feature_names
        if feature_names is not None or booster.feature_names
        else data.feature_names,
        notes=notes + data.notes,
        data_name=Note("channel", channel=channel),
        language=language,
    )
    return report.to_html(destination / REPORT_FILE_NAME)
