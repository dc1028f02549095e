"""A job's artifacts: `model.tar.gz` and `output.tar.gz` under `<S3OutputPath>/<job>/output/`,
and the Debugger rules' output under `…/<job>/rule-output/`.

Every job that ran leaves a model.tar.gz, as SageMaker does: a stopped or failed job's holds
whatever `/opt/ml/model` held (possibly nothing). Each file is written under a temporary name
and renamed into place, and the temporary file is removed when writing fails: never a
half-written tarball, under its final name or another.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm import s3io
from localsm.training.channels import JobFailure, uri_to_path
from localsm.training.reasons import shorten, storage_reason

TARBALLS = {"model.tar.gz": "model", "output.tar.gz": "output/data"}  # name -> folder of ml/


def model_uri(output_path: str, job_name: str, job_folder: Path) -> str:
    """Where the job's model.tar.gz goes (an s3:// or file:// URI)."""
    if output_path.startswith("s3://"):
        bucket, key = _s3_prefix(output_path, job_name, "output")
        return f"s3://{bucket}/{key}/model.tar.gz"
    return (_local_destination(output_path, job_name, job_folder) / "model.tar.gz").as_uri()


def _local_destination(output_path: str, job_name: str, job_folder: Path) -> Path:
    if output_path:
        return uri_to_path(output_path).resolve() / job_name / "output"
    return job_folder / "artifacts"


def checked_folder(folder: Path, ml: Path) -> Path:
    """A folder of /opt/ml to pack; an entry point that swapped it for a link fails the job
    (packing would follow the link anywhere on this machine)."""
    if folder.is_symlink():
        where = folder.relative_to(ml).as_posix()
        raise JobFailure(
            f"ClientError: /opt/ml/{where} ({folder}) was replaced by a link to "
            f"{os.readlink(folder)}; write the files into the folder itself"
        )
    return folder


def tar_folder(folder: Path, target: Path, note: Any = None) -> None:
    """`target`: a .tar.gz of the folder's files (none when it is missing), written under a
    temporary name and renamed. Special files and links leaving the folder are skipped (a
    model.tar.gz must hold nothing a safe extraction refuses); `note(text)` says so."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _naming(target), tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                why = _skip_reason(path, folder)
                if why:
                    if note is not None:
                        note(f"Not packed into {target.name}: {path.relative_to(folder)} ({why})")
                    continue
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def _naming(target: Path):
    """An OSError from writing `target` (tarfile's name no path) names it."""
    try:
        yield
    except OSError as error:
        error.filename = error.filename or str(target)
        raise


def _skip_reason(path: Path, folder: Path) -> str | None:
    if path.is_symlink():
        target = os.readlink(path)
        inside = (path.parent / target).resolve().is_relative_to(folder.resolve())
        return None if inside and not os.path.isabs(target) else f"a link to {target}"
    if path.is_file() or path.is_dir():
        return None
    return "not a regular file"


def save_artifacts(
    ml: Path, job_folder: Path, output_path: str, job_name: str, boto_session: Any, note: Any
) -> str:
    """Tar `ml/model` and `ml/output/data` and put them where the request asked; returns the
    model's URI. Raises JobFailure naming the path (or the S3 location) that failed."""
    folders = {name: checked_folder(ml / sub, ml) for name, sub in TARBALLS.items()}
    if output_path.startswith("s3://"):
        staging = job_folder / "artifacts"
        _pack(folders, staging, note)
        return _upload_s3(staging, output_path, job_name, boto_session)
    destination = _local_destination(output_path, job_name, job_folder)
    _pack(folders, destination, note)
    return (destination / "model.tar.gz").as_uri()


def save_fallback(ml: Path, job_folder: Path, note: Any) -> str | None:
    """A failed job whose output location could not be written: its model.tar.gz in the job
    folder instead (None when even that fails)."""
    folder = ml / "model"
    if folder.is_symlink():  # swapped for a link (the job's reason says so): nothing packed
        folder = job_folder / ".no-model"
    try:
        staging = job_folder / "artifacts"
        staging.mkdir(exist_ok=True)
        tar_folder(folder, staging / "model.tar.gz", note)
    except OSError:
        return None
    return (staging / "model.tar.gz").as_uri()


def _pack(folders: dict[str, Path], destination: Path, note: Any) -> None:
    try:
        destination.mkdir(parents=True, exist_ok=True)
        for name, folder in folders.items():
            tar_folder(folder, destination / name, note)
    except OSError as error:
        raise JobFailure(storage_reason(error, "could not write the job's artifacts")) from None


def _upload_s3(staging: Path, output_path: str, job_name: str, boto_session: Any) -> str:
    import botocore.exceptions
    from boto3.exceptions import S3UploadFailedError

    bucket, key = _s3_prefix(output_path, job_name, "output")
    try:
        s3 = s3io.s3_client(boto_session)
        for name in TARBALLS:
            s3.upload_file(str(staging / name), bucket, f"{key}/{name}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
            S3UploadFailedError) as error:  # fmt: skip
        raise JobFailure(
            shorten(f"ClientError: could not upload the model to s3://{bucket}/{key}/: {error}")
        ) from None
    return f"s3://{bucket}/{key}/model.tar.gz"


def rule_output_folder(output_path: str, job_name: str, job_folder: Path) -> Path:
    """Where the rules write: beside the model for a local output path, else in the job folder
    (then uploaded by `upload_rule_output`)."""
    if output_path and not output_path.startswith("s3://"):
        return uri_to_path(output_path) / job_name / "rule-output"
    return job_folder / "rule-output"


def upload_rule_output(folder: Path, output_path: str, job_name: str, boto_session: Any) -> None:
    """Copy the rules' files to `<S3OutputPath>/<job>/rule-output/` when that is on S3."""
    if not output_path.startswith("s3://"):
        return
    bucket, prefix = _s3_prefix(output_path, job_name, "rule-output")
    upload_folder(folder, bucket, prefix, s3io.s3_client(boto_session))


def upload_folder(folder: Path, bucket: str, prefix: str, s3: Any) -> None:
    """Every file below `folder` to `s3://<bucket>/<prefix>/<its path below folder>`."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = "/".join(p for p in (prefix, path.relative_to(folder).as_posix()) if p)
            s3.upload_file(str(path), bucket, key)


def _s3_prefix(output_path: str, job_name: str, leaf: str) -> tuple[str, str]:
    parsed = urlparse(output_path)
    return parsed.netloc, "/".join(p for p in (parsed.path.strip("/"), job_name, leaf) if p)
