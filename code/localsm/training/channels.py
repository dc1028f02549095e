"""Input channels: from a request's `InputDataConfig` to files under `ml/input/data/<name>/`.

Sources are `file://` paths (a file, a folder, or an S3-style prefix of file names) and
`s3://` prefixes read with the session's boto3 credentials; the SDK's local `FileDataSource`
is read as an S3 source.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class JobFailure(Exception):
    """Ends a job as Failed; the message becomes its FailureReason."""


def uri_to_path(uri: str) -> Path:
    """`file:///a/b` or a plain path -> Path."""
    return Path(urlparse(uri).path if uri.startswith("file://") else uri)


def channel_source(channel: dict) -> dict | None:
    """The channel's S3DataSource; the SDK's local `FileDataSource` is read as one."""
    data_source = channel.get("DataSource", {})
    if "FileDataSource" in data_source:
        source = data_source["FileDataSource"]
        return {
            "S3Uri": source.get("FileUri", ""),
            "S3DataType": "S3Prefix",
            "S3DataDistributionType": source.get("FileDataDistributionType", "FullyReplicated"),
        }
    return data_source.get("S3DataSource")


def input_data_config(request: dict) -> dict[str, dict]:
    """`inputdataconfig.json`: every field the XGBoost container reads, for every channel
    (it fails on a missing TrainingInputMode or S3DistributionType)."""
    spec = request["AlgorithmSpecification"]
    config = {}
    for channel in request.get("InputDataConfig", []):
        source = channel_source(channel) or {}
        entry = {
            "TrainingInputMode": channel.get("InputMode", spec.get("TrainingInputMode", "File")),
            "S3DistributionType": source.get("S3DataDistributionType", "FullyReplicated"),
            "RecordWrapperType": channel.get("RecordWrapperType", "None"),
        }
        if channel.get("ContentType"):
            entry["ContentType"] = channel["ContentType"]
        config[channel["ChannelName"]] = entry
    return config


def stage_channels(request: dict, data_dir: Path, boto_session: Any) -> None:
    """Every channel of the request into `data_dir/<name>/`."""
    for channel in request.get("InputDataConfig", []):
        name = channel["ChannelName"]
        stage_channel(name, channel, data_dir / name, boto_session)


def stage_channel(name: str, channel: dict, dest: Path, boto_session: Any) -> None:
    """Bring one channel's data into `ml/input/data/<name>/` (from file:// or s3://)."""
    source = channel_source(channel)
    if source is None:
        raise JobFailure(f"ClientError: channel '{name}': local mode reads S3DataSource only")
    if source.get("S3DataType", "S3Prefix") not in ("S3Prefix", "S3Object"):
        raise JobFailure(
            f"ClientError: channel '{name}': S3DataType {source['S3DataType']} is not supported "
            "in local mode; use S3Prefix"
        )
    uri = source["S3Uri"]
    dest.mkdir(parents=True, exist_ok=True)
    if uri.startswith("s3://"):
        _download_s3_prefix(name, uri, dest, boto_session)
        return
    path = uri_to_path(uri)
    if path.exists():
        count = _copy_into(path, dest)
    else:  # an S3-style prefix: every file in the folder whose name starts with it
        matches = sorted(path.parent.glob(path.name + "*")) if path.parent.is_dir() else []
        count = sum(_copy_into(m, dest) for m in matches)
    if count == 0:
        raise JobFailure(
            f"ClientError: Data download failed: no data for channel '{name}' at {uri}. "
            "Check the path passed to fit() for this channel."
        )


def _copy_into(source: Path, dest: Path) -> int:
    """Copy a file, or a folder's content, into `dest`; returns the number of files."""
    if source.is_file():
        shutil.copy2(source, dest / source.name)
        return 1
    shutil.copytree(source, dest, dirs_exist_ok=True)
    return sum(1 for p in dest.rglob("*") if p.is_file())


def _download_s3_prefix(name: str, uri: str, dest: Path, boto_session: Any) -> None:
    import botocore.exceptions

    parsed = urlparse(uri)
    bucket, prefix = parsed.netloc, parsed.path.lstrip("/")
    try:
        s3 = boto_session.client("s3")
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
        base = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
        for key in keys:
            target = dest / key[len(base) :]
            if not target.resolve().is_relative_to(dest.resolve()):
                raise JobFailure(f"ClientError: unsafe S3 key {key!r} in channel '{name}'")
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, key, str(target))
    except botocore.exceptions.NoCredentialsError:
        raise JobFailure(
            f"ClientError: channel '{name}' reads {uri}, but no AWS credentials are configured. "
            "Configure credentials, or pass a file:// path."
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise JobFailure(
            f"ClientError: Data download failed for channel '{name}': {error}"
        ) from None
    if not keys:
        raise JobFailure(f"ClientError: Data download failed: no object under {uri} ('{name}')")
