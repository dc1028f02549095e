"""Local S3 for local mode: moto's threaded server on 127.0.0.1, one per process.

SDK v3 uploads local data to S3 before a job starts, and its jobs read and write `s3://`
URIs; SDK v2's processing jobs (Clarify) do the same with the session's default bucket.
moto (already the lab's AWS test double) implements S3 faithfully, so local mode borrows it
instead of writing an S3 of its own. Only sessions built by `bridge.py` (v3), and v2 calls
naming the local bucket (`serve_local_bucket`), reach it. Its objects live in memory: they
are gone when the kernel restarts.
"""

from __future__ import annotations

import threading
from typing import Any

from localsm import loopback

_LOCK = threading.RLock()  # re-entered: the bucket-creating client may ask for the endpoint
_ENDPOINT: str | None = None
_BUCKETS: set[str] = set()  # created on the local S3 by `_bucket_endpoint`
_SERVED: set[str] = set()  # buckets some session sends to the local S3 (serve_local_bucket)
ALL_S3_LOCAL = [False]  # while localsm.activate() is on, every S3 call is local
LOCAL_CALL = "localsm_local_bucket"  # ours, in botocore's per-call request context


def s3_endpoint() -> str:
    """The URL of this process's local S3 (started on first use, about a second)."""
    global _ENDPOINT
    with _LOCK:
        if _ENDPOINT is None:
            loopback.bypass_proxies()  # clients made for this endpoint: no proxy
            _ENDPOINT = _start_s3_server()
        return _ENDPOINT


def _start_s3_server() -> str:
    """moto's S3 application behind werkzeug's threaded server, in a daemon thread.

    moto's own `ThreadedMotoServer` puts a dispatcher among all its services in front, which
    lists moto's package folder (about 150 entries, one stat each) on every request: about
    a third of the kernel's time in a v3 script-mode notebook's S3 traffic. This server only
    ever answers S3, so it serves moto's S3 application directly, with moto's request
    handler (it keeps S3 metadata headers' underscores) as `ThreadedMotoServer` does.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class QuietRequestHandler(MotoRequestHandler):
        """werkzeug logs every request at INFO (werkzeug/serving.py `log_request`): a wall of
        lines in a notebook. Not logged here, without touching werkzeug's logger."""

        def log_request(self, *_: Any, **__: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, create_backend_app("s3"), threaded=True,
                         request_handler=QuietRequestHandler)  # fmt: skip
    threading.Thread(target=server.serve_forever, name="local-s3", daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def _bucket_endpoint(bucket: str) -> str:
    """The local S3's URL, with `bucket` created there (open to unsigned calls: the server
    listens on 127.0.0.1 only, and a learner's session may have no AWS credentials)."""
    endpoint = s3_endpoint()
    with _LOCK:
        if bucket not in _BUCKETS:
            import boto3
            from botocore.config import Config

            s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local",
                              config=Config(proxies={}))  # fmt: skip
            s3.create_bucket(Bucket=bucket, ACL="public-read-write")
            _BUCKETS.add(bucket)
    return endpoint


def serve_local_bucket(session: Any, bucket: str) -> None:
    """Send the S3 calls made through boto3 `session` that name `bucket` to the local S3,
    unsigned; calls naming any other bucket still go to AWS. Register before the session
    creates its S3 clients (each client copies the session's handlers)."""

    def to_local(builtins: dict, params: dict, context: dict, **_: Any) -> None:
        if params.get("Bucket") == bucket:
            builtins["SDK::Endpoint"] = _bucket_endpoint(bucket)
            builtins["AWS::S3::ForcePathStyle"] = True
            context[LOCAL_CALL] = True

    def unsigned(context: dict, **_: Any) -> Any:
        import botocore

        return botocore.UNSIGNED if context.get(LOCAL_CALL) else None

    session.events.register("before-endpoint-resolution.s3", to_local)
    session.events.register("choose-signer.s3", unsigned)
    # Each new session makes sure of its bucket once (CreateBucket is idempotent in us-east-1):
    # moto's mock_aws, started in this process, resets the backends this server shares.
    with _LOCK:
        _BUCKETS.discard(bucket)
    loopback.bypass_proxies()
    loopback.send_directly(session)  # its S3 clients' proxy is AWS's, not the local S3's
    _SERVED.add(bucket)


def is_local(uri: str) -> bool:
    """Whether an `s3://` URI is on this machine's S3 (which needs no AWS credentials)."""
    bucket = uri.removeprefix("s3://").split("/", 1)[0]
    return ALL_S3_LOCAL[0] or bucket in _SERVED
