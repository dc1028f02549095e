"""Finished local jobs kept: the last N per base name; older ones are removed as a new job of
the same base name is created, so that the jobs folder does not grow without bound.

The base name is the job name less the timestamp the SDK appends to `base_job_name`:
SDK v2's `sagemaker.utils.sagemaker_timestamp` (`-%Y-%m-%d-%H-%M-%S-<ms>`) or
`sagemaker_short_timestamp` (`-%y%m%d-%H%M`), SDK v3's `sagemaker.train.utils`
(`-%Y%m%d%H%M%S`). A name without such a suffix is its own base (a tuning job's training
jobs, names the user chose): never pruned by count.

Never removed: a job without its final `description.json` (running, or in another session),
a job this session created, a job whose model.tar.gz lies inside its own folder (a model an
endpoint may still use). `LOCALSM_KEEP_JOBS` sets N (default 20; 0 keeps every job);
`make clean` still removes them all.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Collection
from pathlib import Path

from localsm import uris
from localsm.training import storage

KEEP_VARIABLE = "LOCALSM_KEEP_JOBS"
DEFAULT_KEEP = 20
_TIMESTAMP = re.compile(r"-(\d{4}(-\d{2}){5}-\d{3}|\d{14}|\d{6}-\d{4})$")


def base_name(job_name: str) -> str:
    """`job_name` less the SDK's timestamp suffix (the name itself when it has none)."""
    return _TIMESTAMP.sub("", job_name)


def keep_count() -> int:
    """N, from LOCALSM_KEEP_JOBS (0: keep every job); the default when unset or not a number."""
    value = os.environ.get(KEEP_VARIABLE, "").strip()
    return max(0, int(value)) if value.isdigit() else DEFAULT_KEEP


def prune_finished_jobs(
    jobs_dir: Path, new_job: str, protected: Collection[str], keep: int | None = None
) -> list[str]:
    """Remove the finished jobs of `new_job`'s base name beyond the newest `keep - 1` (the
    new job makes `keep`); returns the names removed. Failures to remove are left for later."""
    keep = keep_count() if keep is None else keep
    base = base_name(new_job)
    if keep <= 0 or base == new_job or not jobs_dir.is_dir():
        return []
    finished = []
    for folder in jobs_dir.iterdir():
        if folder.name in protected or base_name(folder.name) != base or folder.name == base:
            continue
        description = folder / storage.DESCRIPTION_NAME
        if description.is_file() and not _model_inside(folder):
            finished.append((description.stat().st_mtime, folder))
    finished.sort(reverse=True)
    removed = []
    for _, folder in finished[max(keep - 1, 0) :]:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder.name)
    return removed


def _model_inside(folder: Path) -> bool:
    """Whether the job's model.tar.gz was written inside its folder (no output path)."""
    try:
        description = storage.load_description(folder) or {}
    except ValueError:  # unreadable: kept, as if it held its model
        return True
    uri = description.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")
    if not uri or uri.startswith("s3://"):
        return False
    return uris.file_path(uri).resolve().is_relative_to(folder.resolve())
