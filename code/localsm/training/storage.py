"""What a job leaves on disk so it can be described after a restart: `description.json`.

A job folder `<jobs_dir>/<job name>/` holds `ml/` (laid out like `/opt/ml` in a container),
`training.log` (what the process printed), `status.json` while it runs (the description so far
and the process that runs it, so that another session can describe it, or settle it when that
process died: `abandoned.py`) and `description.json` (the final `DescribeTrainingJob` answer,
written when the job ends).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

LOG_NAME = "training.log"
DESCRIPTION_NAME = "description.json"
STATUS_NAME = "status.json"


def to_json(value: Any) -> Any:
    """A JSON-ready copy: datetimes become `{"__datetime__": iso}`."""
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of `to_json`."""
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            return datetime.fromisoformat(value["__datetime__"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def save_json(path: Path, value: Any) -> None:
    """Write `value` (datetimes included) to `path` atomically."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(json.dumps(to_json(value), indent=1))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)  # a full disk must not leave it behind


def load_json(path: Path) -> Any | None:
    """What `save_json` wrote, or None when there is no such file."""
    return from_json(json.loads(path.read_text())) if path.is_file() else None


def save_description(job_dir: Path, description: dict) -> None:
    save_json(job_dir / DESCRIPTION_NAME, description)


def load_description(job_dir: Path) -> dict | None:
    """The saved description of a finished job, or None."""
    return load_json(job_dir / DESCRIPTION_NAME)


def save_status(job_dir: Path, owner: str, description: dict) -> None:
    """status.json: the running job's description and its owner (`processes.owner_token`)."""
    save_json(job_dir / STATUS_NAME, {"owner": owner, "description": description})


def load_status(job_dir: Path) -> dict | None:
    """What `save_status` wrote last, or None."""
    try:
        return load_json(job_dir / STATUS_NAME)
    except ValueError:  # cut short by a full disk: as if there were none
        return None


def saved_job_names(jobs_dir: Path) -> set[str]:
    """The jobs under `jobs_dir` that this or another session started (a folder with a
    description or a status)."""
    return {
        p.name
        for p in jobs_dir.iterdir()
        if (p / DESCRIPTION_NAME).is_file() or (p / STATUS_NAME).is_file()
    }
