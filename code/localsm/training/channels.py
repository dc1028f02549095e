"""Input channels: from a request's `InputDataConfig` to files under `ml/input/data/<name>/`.

Sources are `file://` paths (a file, a folder, or an S3-style prefix of file names) and
`s3://` prefixes read with the session's boto3 credentials; the SDK's local `FileDataSource`
is read as an S3 source.
"""

from __future__ import annotations

import glob
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm import s3io, uris

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class JobFailure(Exception):
    """Ends a job as Failed; the message becomes its FailureReason."""


def uri_to_path(uri: str) -> Path:
    """`file:///a/b` (percent-encoded or not, `file://localhost/…`) or a plain path -> Path
    (`uris.file_path`, the one decoder every path entering the service goes through)."""
    return uris.file_path(uri)


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


def stage_channels(
    request: dict, data_dir: Path, boto_session: Any, check_stop: Callable[[], None]
) -> None:
    """Every channel of the request into `data_dir/<name>/`; `check_stop()` between files
    raises when the job was stopped meanwhile."""
    for channel in request.get("InputDataConfig", []):
        name = channel["ChannelName"]
        stage_channel(name, channel, data_dir / name, boto_session, check_stop)


def stage_channel(
    name: str, channel: dict, dest: Path, boto_session: Any, check_stop: Callable[[], None]
) -> None:
    """Bring one channel's data into `ml/input/data/<name>/` (from file:// or s3://)."""
    source = channel_source(channel)
    if source is None:
        raise JobFailure(
            f"ClientError: channel '{name}': local mode reads S3DataSource channels only (not "
            "FileSystemDataSource); use an S3 or file:// location, or run this job on SageMaker"
        )
    if source.get("S3DataType", "S3Prefix") not in ("S3Prefix", "S3Object"):
        raise JobFailure(
            f"ClientError: channel '{name}': S3DataType {source['S3DataType']} is not available "
            "locally; use S3Prefix (or S3Object), or run this job on SageMaker"
        )
    uri = source["S3Uri"]
    dest.mkdir(parents=True, exist_ok=True)
    if uri.startswith("s3://"):
        _download_s3_prefix(name, uri, dest, boto_session, check_stop)
    else:
        path = uri_to_path(uri)
        # a file, a folder, or an S3-style prefix: every entry whose name starts with it
        matches = [path] if path.exists() else _prefix_matches(path)
        for match in matches:
            check_stop()
            _copy_into(match, dest)
    _check_not_empty(name, uri, dest)


def _prefix_matches(path: Path) -> list[Path]:
    return sorted(path.parent.glob(glob.escape(path.name) + "*")) if path.parent.is_dir() else []


def _check_not_empty(name: str, uri: str, dest: Path) -> None:
    """A channel with no file, or only empty files, fails before training, naming them."""
    files = [p for p in dest.rglob("*") if p.is_file()]
    if not files:
        raise JobFailure(
            f"ClientError: Data download failed: no data for channel '{name}' at {uri}. "
            "Check the path passed to fit() for this channel."
        )
    if all(p.stat().st_size == 0 for p in files):
        shown = ", ".join(p.relative_to(dest).as_posix() for p in files[:3])
        raise JobFailure(
            f"ClientError: channel '{name}': every file is empty (0 bytes): {shown} from {uri}. "
            "Write the data into the file, or pass another path to fit()."
        )


def _copy_into(source: Path, dest: Path) -> None:
    """Copy a file, or a folder's content, into `dest` (cloned where the file system can)."""
    if source.is_file():
        clone_or_copy(source, dest / source.name)
    else:
        shutil.copytree(source, dest, dirs_exist_ok=True, copy_function=clone_or_copy)


# Linux's FICLONE ioctl (linux/fs.h; `fcntl.FICLONE` from Python 3.12 on).
_FICLONE = getattr(fcntl, "FICLONE", 0x40049409) if fcntl else None


def clone_or_copy(source: str | Path, target: str | Path) -> str | Path:
    """`shutil.copy2`, but sharing the data blocks copy-on-write where the file system can
    (Btrfs, XFS, bcachefs: the FICLONE ioctl), so that a large channel costs no space.

    Not a hard link: a link is the same file, so an entry point writing into its channel
    (SageMaker's are read-only for the algorithm, not for a script) would change the
    learner's data, and a mode set on the link would be the source's. A clone is a separate
    file: writing to it copies the blocks written."""
    if _FICLONE is not None:
        try:
            with open(source, "rb") as src, open(target, "wb") as dst:
                fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            shutil.copystat(source, target)
            return target
        except OSError:  # not supported here, or across file systems: copy instead
            pass
    return shutil.copy2(source, target)


def s3_relative_path(key: str, prefix: str) -> str:
    """Where object `key` lands in a channel read from S3Prefix `prefix`: below the prefix
    when it names a folder (`a/b` holding `a/b/c.csv` gives `c.csv`, as the SDK's own local
    mode and SageMaker do), else below the prefix's folder (`a/b` matching `a/bc.csv`)."""
    if key == prefix:
        return key.rsplit("/", 1)[-1]
    rest = key[len(prefix) :]
    if prefix.endswith("/") or rest.startswith("/"):
        return rest.lstrip("/")
    return key[len(prefix.rsplit("/", 1)[0]) + 1 :] if "/" in prefix else key


def _download_s3_prefix(
    name: str, uri: str, dest: Path, boto_session: Any, check_stop: Callable[[], None]
) -> None:
    import botocore.exceptions

    parsed = urlparse(uri)
    bucket, prefix = parsed.netloc, parsed.path.lstrip("/")
    try:
        s3 = s3io.s3_client(boto_session)
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            objects += [o for o in page.get("Contents", []) if not o["Key"].endswith("/")]
        for item in objects:
            key = item["Key"]
            target = dest / s3_relative_path(key, prefix)
            if not target.resolve().is_relative_to(dest.resolve()):
                raise JobFailure(f"ClientError: unsafe S3 key {key!r} in channel '{name}'")
            target.parent.mkdir(parents=True, exist_ok=True)
            check_stop()
            s3io.download(s3, bucket, key, item.get("Size"), target)
    except botocore.exceptions.NoCredentialsError:
        raise JobFailure(
            f"ClientError: channel '{name}' reads {uri}, but no AWS credentials are configured. "
            "Configure credentials, or pass a file:// path."
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise JobFailure(
            f"ClientError: Data download failed for channel '{name}': {error}"
        ) from None
    if not objects:
        raise JobFailure(f"ClientError: Data download failed: no object under {uri} ('{name}')")
