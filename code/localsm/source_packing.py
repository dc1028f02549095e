"""Script mode's source, packed as SageMaker packs it, also when the SDK v2 keeps it local.

On SageMaker the SDK v2 tars the code into `sourcedir.tar.gz` (`fw_utils.tar_and_upload_dir`,
`_list_files_to_compress`): the contents of `source_dir` when one is given, otherwise **the
entry point alone**, plus every path in `dependencies`, each at the top of the archive. With
`local.local_code` on (the local session's setting), `EstimatorBase._prepare_for_training`
skips that step: it sets `source_dir` to the entry point's folder and sends
`sagemaker_submit_directory = "file://<that folder>"`, so the job would get the whole folder
(data, logs, notebooks, the jobs folder itself) and lose the dependencies.

`stage` writes, instead, a folder holding exactly what the archive would hold; the SDK is then
handed that folder as `source_dir` (`sdk_compat.install`, item 6). Folders are named by a hash
of their contents, so a re-run with unchanged files reuses one; they live in the jobs folder's
`.sourcedir/` (or the temporary folder when the session has none), where a model deployed
later from the estimator still finds them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FOLDER = ".sourcedir"
ORIGINAL = "_localsm_packed_from"  # on an estimator: (entry_point, source_dir) as first given


def archive_members(
    entry_point: str, source_dir: str | None, dependencies: Iterable[str]
) -> list[Path]:
    """The paths `tar_and_upload_dir` puts at the top of sourcedir.tar.gz (same order)."""
    if source_dir is None:
        members = [Path(entry_point)]
    else:
        members = [Path(source_dir) / name for name in sorted(os.listdir(source_dir))]
    return [*members, *(Path(d) for d in dependencies)]


def _outside(path: Path, own: Path) -> bool:
    """Whether `path` is neither the staging folder `own` nor one of the folders above it
    (a source_dir holding the jobs folder must not be copied into itself)."""
    resolved = path.resolve()
    return resolved != own and resolved not in own.parents


def _files(member: Path, own: Path) -> list[tuple[str, Path]]:
    """(path in the archive, file) for a member, a file or a folder."""
    if member.is_file():
        return [(member.name, member)]
    found = []
    for folder, dirs, files in os.walk(member):
        dirs[:] = sorted(d for d in dirs if _outside(Path(folder, d), own))
        for name in sorted(files):
            path = Path(folder, name)
            found.append(((Path(member.name) / path.relative_to(member)).as_posix(), path))
    return found


def stage(members: list[Path], root: Path) -> Path:
    """A folder under `root` holding `members` (files and folders) by their base names."""
    for member in members:
        if not member.exists():
            raise ValueError(
                f"{member} does not exist: check entry_point, source_dir and dependencies"
            )
    own = (root / FOLDER).resolve()
    files = [entry for member in members for entry in _files(member, own)]
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    folder = root / FOLDER / digest.hexdigest()[:20]
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="partial-", dir=folder.parent))
    for member in members:
        if member.is_dir():
            (partial / member.name).mkdir(exist_ok=True)
    for name, path in files:
        (partial / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, partial / name)
    try:
        partial.rename(folder)
    except OSError:  # another process staged the same contents first
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def staging_root(session: Any) -> Path:
    """The local service's jobs folder when the session has one, else the temporary folder."""
    jobs_dir = getattr(getattr(session, "sagemaker_client", None), "jobs_dir", None)
    return Path(jobs_dir) if jobs_dir else Path(tempfile.gettempdir()) / "localsm"


def before_prepare(estimator: Any) -> None:
    """Called before the SDK's `_prepare_for_training`: with local code on, give the estimator
    a staged `source_dir` holding what SageMaker's archive would hold, when that differs from
    the folder the SDK would send (no `source_dir`: the entry point alone; `dependencies`)."""
    from sagemaker.utils import get_config_value
    from sagemaker.workflow import is_pipeline_variable

    session = estimator.sagemaker_session
    local_code = get_config_value("local.local_code", getattr(session, "config", None))
    if not (getattr(session, "local_mode", False) and local_code):
        return
    entry_point, source_dir = getattr(estimator, ORIGINAL, (estimator.entry_point,
                                                            estimator.source_dir))  # fmt: skip
    dependencies = list(estimator.dependencies or [])
    if (
        not isinstance(entry_point, str)
        or is_pipeline_variable(entry_point)
        or estimator.git_config
        or (source_dir is not None and (not dependencies or str(source_dir).startswith("s3://")))
    ):
        return
    if source_dir is None:
        entry_point = os.path.abspath(entry_point)
    else:
        source_dir = os.path.abspath(source_dir)
    setattr(estimator, ORIGINAL, (entry_point, source_dir))
    members = archive_members(entry_point, source_dir, dependencies)
    estimator.source_dir = str(stage(members, staging_root(session)))
    estimator.entry_point = os.path.basename(entry_point) if source_dir is None else entry_point
