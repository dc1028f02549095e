"""The local service's own S3 transfers: one client per boto3 session, and downloads that
suit the small files a job reads.

Every job used to build a new S3 client for each channel, upload and check (about 10 ms of
the kernel's time each; botocore clients are thread-safe, so one per session serves every
job). `download_file` starts an s3transfer manager with its thread pool and asks for the
object's size (HeadObject) before each GET: worth it for a large object, which it fetches
in parallel ranges, but most of what a local job stages is small (SDK v3's driver scripts,
a dozen files per job). Objects up to s3transfer's own multipart threshold are read with
one GetObject instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

SINGLE_GET_BYTES = 8 * 1024 * 1024  # s3transfer's default multipart_threshold
COPY_CHUNK = 1024 * 1024
ATTRIBUTE = "_localsm_s3_client"  # on a boto3 session: its client (a dict keyed by session
# would keep every session alive: a client holds its session's handlers, which hold it)
_LOCK = threading.Lock()


def s3_client(boto_session: Any) -> Any:
    """The S3 client of `boto_session` (created on first use; the session's event handlers,
    such as the local bucket's redirection, must be registered before). Kept on the session
    itself, so that both go together. A session without credentials gets a new client each
    time: one kept would go on failing after the learner configures them."""
    with _LOCK:
        client = getattr(boto_session, ATTRIBUTE, None)
        if client is not None:
            return client
        client = boto_session.client("s3")
        if boto_session.get_credentials() is not None:
            setattr(boto_session, ATTRIBUTE, client)
        return client


def download(s3: Any, bucket: str, key: str, size: int | None, target: Path) -> None:
    """Write object `key` to `target`: one GetObject when it is known to be small, else
    boto3's managed download (ranged parts in parallel)."""
    if size is None or size > SINGLE_GET_BYTES:
        s3.download_file(bucket, key, str(target))
        return
    partial = target.with_name(target.name + ".part")  # as download_file: no half a file
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        with open(partial, "wb") as file:
            shutil.copyfileobj(body, file, COPY_CHUNK)
        os.replace(partial, target)
    finally:
        body.close()
        partial.unlink(missing_ok=True)
