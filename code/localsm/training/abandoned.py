"""Jobs whose kernel died before they ended: found by any later session, settled once.

A running job keeps `status.json` (its description so far and the process that runs it). When
that process is gone and the job has no `description.json`, the job is over: its leftover
processes are ended, whatever `/opt/ml/model` holds is packed as for a stopped job, and it is
described `Stopped` with the reason, by every session, from then on.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from localsm import rules
from localsm.training import artifacts, processes, storage
from localsm.training.channels import JobFailure

ORPHAN_FOLDER_SECONDS = 60  # a folder with no status yet may be a job another session starts


def describe_elsewhere(job_dir: Path, boto_session: Any) -> dict | None:
    """The description of a job this session does not run: saved, running in another live
    session, or settled now because its session died. None when there is no such job."""
    saved = storage.load_description(job_dir)
    if saved is not None:
        return saved
    status = storage.load_status(job_dir)
    if status is None:
        return _without_status(job_dir)
    if processes.owner_alive(status.get("owner", "")):
        return status["description"]
    return settle(job_dir, status, boto_session)


def settle(job_dir: Path, status: dict, boto_session: Any) -> dict:
    """End a job whose owner died: no process left, model packed, described Stopped."""
    processes.end_job_processes(str(job_dir), processes.STOP_GRACE_SECONDS)
    description = dict(status["description"])
    pid = status.get("owner", "?").partition("@")[0]
    message = (
        f"Stopped: the Python process that ran this job (pid {pid}, a notebook kernel) ended "
        f"during {description.get('SecondaryStatus', 'the job')}; a local job ends with it. "
        "Run the job again under another name."
    )
    ended = _last_sign_of_life(job_dir)
    transitions = [dict(t) for t in description.get("SecondaryStatusTransitions", [])]
    if transitions and "EndTime" not in transitions[-1]:
        transitions[-1]["EndTime"] = ended
    transitions.append({"Status": "Stopped", "StartTime": ended, "EndTime": ended,
                        "StatusMessage": message})  # fmt: skip
    description.update(
        TrainingJobStatus="Stopped",
        SecondaryStatus="Stopped",
        SecondaryStatusTransitions=transitions,
        LastModifiedTime=ended,
        TrainingEndTime=ended,
        ModelArtifacts={"S3ModelArtifacts": _pack_model(job_dir, description, boto_session)},
    )
    start = description.get("TrainingStartTime") or description["CreationTime"]
    seconds = max(1, round((ended - start).total_seconds()))
    description.update(TrainingTimeInSeconds=seconds, BillableTimeInSeconds=seconds)
    if description.get("DebugRuleEvaluationStatuses"):
        description["DebugRuleEvaluationStatuses"] = rules.abandoned(
            description["DebugRuleEvaluationStatuses"], ended, "The training job ended as Stopped"
        )
    _append_log(job_dir, f"{ended:%Y-%m-%d %H:%M:%S} Stopped - {message}")
    try:
        storage.save_description(job_dir, description)
        (job_dir / storage.STATUS_NAME).unlink(missing_ok=True)
    except OSError:  # a full disk: described the same way next time
        pass
    return description


def _pack_model(job_dir: Path, description: dict, boto_session: Any) -> str:
    output_path = description.get("OutputDataConfig", {}).get("S3OutputPath") or ""
    name = description["TrainingJobName"]
    try:
        return artifacts.save_artifacts(
            job_dir / "ml", job_dir, output_path, name, boto_session, None
        )
    except (JobFailure, OSError):
        fallback = artifacts.save_fallback(job_dir / "ml", job_dir, None)
        return fallback or artifacts.model_uri(output_path, name, job_dir)


def _last_sign_of_life(job_dir: Path) -> datetime:
    """When the job last wrote its log or status: the best guess of when its kernel died."""
    times = [(job_dir / n).stat().st_mtime for n in (storage.LOG_NAME, storage.STATUS_NAME)
             if (job_dir / n).exists()]  # fmt: skip
    return datetime.fromtimestamp(max(times, default=time.time()), UTC)


def _append_log(job_dir: Path, line: str) -> None:
    try:
        with open(job_dir / storage.LOG_NAME, "a", encoding="utf-8") as log:
            log.write(line + "\n")
    except OSError:
        pass


def _without_status(job_dir: Path) -> dict | None:
    """A job folder with neither status nor description: a job whose kernel died while it was
    being created (or one a session is creating right now: left alone for a minute)."""
    try:
        age = time.time() - job_dir.stat().st_mtime
    except OSError:
        return None
    if age < ORPHAN_FOLDER_SECONDS:
        return None
    processes.end_job_processes(str(job_dir))
    created = datetime.fromtimestamp(job_dir.stat().st_mtime, UTC)
    description = {
        "TrainingJobName": job_dir.name,
        "CreationTime": created,
        "LastModifiedTime": created,
        "TrainingJobStatus": "Failed",
        "SecondaryStatus": "Failed",
        "FailureReason": (
            f"ClientError: the job folder {job_dir} holds no record of the job (its session "
            "ended while creating it). Delete the folder to reuse the name."
        ),
    }
    return description
