"""A processing job's files: container paths under `/opt/ml` mapped into the job's folder,
its inputs brought in (File mode) and its outputs sent out when the job has completed.

Inputs are read the way a training channel is (`training/channels.py`: a file:// path or an
s3:// prefix); outputs go to s3:// (the session's S3, the local bucket included) or file://.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from localsm import s3io
from localsm.training.artifacts import upload_folder
from localsm.training.channels import JobFailure, stage_channel, uri_to_path
from localsm.training.reasons import shorten

CONTAINER_ROOT = PurePosixPath("/opt/ml")
MESSAGE_PATH = "output/message"  # what the container leaves as ExitMessage (under /opt/ml)
MAX_EXIT_MESSAGE = 1024  # DescribeProcessingJob's ExitMessage holds up to 1 KB


def local_folder(ml: Path, container_path: str, what: str) -> Path:
    """Where a container path (`/opt/ml/processing/...`) lives in the job's folder. Local
    processing runs no container, so only paths under /opt/ml/processing can be given."""
    path = PurePosixPath(container_path)
    if not path.is_relative_to(CONTAINER_ROOT / "processing") or ".." in path.parts:
        raise JobFailure(
            f"ClientError: {what} LocalPath {container_path!r}: local processing maps only "
            "paths under /opt/ml/processing/ (the SDK's defaults); choose one there"
        )
    return ml / path.relative_to(CONTAINER_ROOT)


def stage_inputs(
    ml: Path, inputs: list[dict], boto_session: Any, check_stop: Callable[[], None]
) -> None:
    """Every ProcessingInput into its LocalPath (S3 inputs only, File mode)."""
    for item in inputs:
        name = item["InputName"]
        source = item.get("S3Input")
        if source is None:
            raise JobFailure(
                f"ClientError: input '{name}': local processing reads S3Input only "
                "(no DatasetDefinition)"
            )
        if source.get("S3InputMode", "File") != "File":
            raise JobFailure(
                f"ClientError: input '{name}': S3InputMode {source['S3InputMode']} is not "
                "supported locally; use File"
            )
        dest = local_folder(ml, source["LocalPath"], f"input '{name}'")
        channel = {"DataSource": {"S3DataSource": source}}
        stage_channel(name, channel, dest, boto_session, check_stop)


def prepare_outputs(ml: Path, outputs: list[dict]) -> None:
    """Create every output's LocalPath, as the container finds them."""
    for item in outputs:
        local_folder(ml, item["S3Output"]["LocalPath"], f"output '{item['OutputName']}'").mkdir(
            parents=True, exist_ok=True
        )


def upload_outputs(
    ml: Path, outputs: list[dict], boto_session: Any, note: Callable[[str], None]
) -> None:
    """Send each output's LocalPath content to its S3Uri (s3:// or file://)."""
    for item in outputs:
        source = local_folder(ml, item["S3Output"]["LocalPath"], f"output '{item['OutputName']}'")
        uri = item["S3Output"]["S3Uri"]
        files = sorted(p for p in source.rglob("*") if p.is_file())
        if uri.startswith("s3://"):
            _upload_s3(source, uri, boto_session)
        else:
            target = uri_to_path(uri)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copytree(source, target, dirs_exist_ok=True)
        note(f"Output '{item['OutputName']}': {len(files)} file(s) written to {uri}")


def _upload_s3(source: Path, uri: str, boto_session: Any) -> None:
    import botocore.exceptions
    from boto3.exceptions import S3UploadFailedError

    parsed = urlparse(uri)
    bucket, prefix = parsed.netloc, parsed.path.strip("/")
    try:
        upload_folder(source, bucket, prefix, s3io.s3_client(boto_session))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
            S3UploadFailedError) as error:  # fmt: skip
        raise JobFailure(
            shorten(f"ClientError: could not upload the output to {uri}: {error}")
        ) from None


def exit_message(ml: Path) -> str:
    """What the container wrote to /opt/ml/output/message (its first KB)."""
    try:
        with open(ml / MESSAGE_PATH, "rb") as message:
            data = message.read(MAX_EXIT_MESSAGE)
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()
