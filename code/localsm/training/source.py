"""Script mode's source code, into `ml/code/`: a local folder (the SDK v2's local mode) or the
`sourcedir.tar.gz` an SDK uploaded to S3 (SDK v2 on AWS-style sessions, the v3 tuner)."""

from __future__ import annotations

import io
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm import s3io, uris
from localsm.training.channels import JobFailure, uri_to_path

IGNORED = ("__pycache__", ".ipynb_checkpoints", "*.pyc")


def stage_source(
    dest: Path, decoded: dict[str, Any], log: Callable[[str], None], boto_session: Any = None
) -> None:
    """Copy (or download and unpack) `sagemaker_submit_directory` into `dest`, and check
    that the entry point `sagemaker_program` is there."""
    submit = str(decoded.get("sagemaker_submit_directory", ""))
    program = str(decoded["sagemaker_program"])
    if submit.startswith("s3://"):
        _unpack(_download(submit, boto_session), dest, submit)
        where = submit
    elif uris.is_file_uri(submit) or Path(submit).is_dir():
        source = uri_to_path(submit)
        if not (source / program).is_file():
            raise JobFailure(
                f"ClientError: entry point {program!r} not found in {source}; check entry_point "
                "and source_dir"
            )
        shutil.copytree(source, dest, dirs_exist_ok=True, ignore=_ignore(dest))
        where = str(source)
    else:
        raise JobFailure(
            f"ClientError: sagemaker_submit_directory {submit!r} must be a local folder or an "
            "s3:// tarball (with the SDK's LocalSession, set config {'local': {'local_code': "
            "True}})"
        )
    if not (dest / program).is_file():
        raise JobFailure(f"ClientError: entry point {program!r} not found in {where}")
    if (dest / "requirements.txt").is_file():
        log(
            "requirements.txt found in the source directory: local mode does not "
            "install it (SageMaker would run pip install -r requirements.txt)."
        )


def _ignore(dest: Path) -> Callable[[str, list[str]], set[str]]:
    """What the copy leaves out: caches, and the folder the job itself lives in when that is
    inside the source folder (a jobs folder under source_dir would copy itself forever)."""
    patterns = shutil.ignore_patterns(*IGNORED)
    home = dest.resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(patterns(folder, names))
        for name in names:
            path = Path(folder, name).resolve()
            if path == home or path in home.parents:
                skipped.add(name)
        return skipped

    return ignore


def read_s3_object(uri: str, boto_session: Any) -> bytes:
    """The bytes of one s3:// object (errors as boto3 raises them)."""
    parsed = urlparse(uri)
    s3 = s3io.s3_client(boto_session)
    return s3.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()


def _download(uri: str, boto_session: Any) -> bytes:
    try:
        return read_s3_object(uri, boto_session)
    except Exception as error:  # noqa: BLE001 - any failure to fetch the code is the user's to fix
        raise JobFailure(
            f"ClientError: could not download the source code {uri}: {error}. Check that the "
            "object exists and the session's credentials can read it."
        ) from None


def extract_tarball(data: bytes, dest: Path, unreadable: Callable[[Exception], Exception]) -> None:
    """Extract a tarball safely: no absolute paths, no `..`, no links out (tarfile's `data`
    filter); raises `unreadable(error)` when it is no tarball."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            archive.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise unreadable(error) from None


def _unpack(data: bytes, dest: Path, uri: str) -> None:
    extract_tarball(data, dest, lambda error: JobFailure(
        f"ClientError: the source code {uri} is not a readable tarball: {error}"
    ))  # fmt: skip
