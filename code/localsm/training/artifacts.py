"""A finished job's artifacts: `model.tar.gz` and `output.tar.gz` under
`<S3OutputPath>/<job>/output/`, and the Debugger rules' output under `…/<job>/rule-output/`,
each file written atomically (never a half-written tarball under its final name)."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm.training.channels import uri_to_path

TARBALLS = ("model.tar.gz", "output.tar.gz")


def tar_folder(folder: Path, target: Path) -> None:
    """`target` (a .tar.gz of the folder's content), written atomically."""
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    os.replace(partial, target)


def upload_artifacts(
    ml: Path, staging: Path, output_path: str, job_name: str, boto_session: Any
) -> str:
    """Tar `ml/model` and `ml/output/data`, put them where the request asked; returns the
    model's URI (`s3://…` or `file://…`). No output path: they stay in `staging`."""
    staging.mkdir(exist_ok=True)
    tar_folder(ml / "model", staging / "model.tar.gz")
    tar_folder(ml / "output" / "data", staging / "output.tar.gz")
    if output_path.startswith("s3://"):
        bucket, key = _s3_prefix(output_path, job_name, "output")
        s3 = boto_session.client("s3")
        for name in TARBALLS:
            s3.upload_file(str(staging / name), bucket, f"{key}/{name}")
        return f"s3://{bucket}/{key}/model.tar.gz"
    destination = uri_to_path(output_path) / job_name / "output" if output_path else staging
    destination.mkdir(parents=True, exist_ok=True)
    if destination != staging:
        for name in TARBALLS:
            partial = destination / f".{name}.partial"
            shutil.copyfile(staging / name, partial)
            os.replace(partial, destination / name)
    return (destination / "model.tar.gz").resolve().as_uri()


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
    s3 = boto_session.client("s3")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(folder)}")


def _s3_prefix(output_path: str, job_name: str, leaf: str) -> tuple[str, str]:
    parsed = urlparse(output_path)
    return parsed.netloc, "/".join(p for p in (parsed.path.strip("/"), job_name, leaf) if p)
