"""One local batch transform job: a model server fed every file under the input prefix.

As on SageMaker, each input file gives one `<file>.out` under the output path (sub-folders
below the input prefix kept), its records split, batched and filtered as the request says
(`records.py`). A `.out` is written under a temporary name and renamed once whole, so a failed
or stopped job leaves the files it finished and no partial one. The model server runs with
`SAGEMAKER_BATCH=true` and the job's strategy, and always ends with the job.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import os
import shutil
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlparse

import urllib3

from localsm import s3io
from localsm.background import BackgroundJob, JobStopped, now
from localsm.resources import arn_formatter, present
from localsm.serving.container import ModelServer, ServerFailed
from localsm.serving.records import (
    DataProcessing,
    Record,
    RecordError,
    batches,
    blame,
    output_chunk,
    read_records,
    request_body,
)
from localsm.training.channels import JobFailure, s3_relative_path, uri_to_path
from localsm.training.logstream import JobLog
from localsm.training.reasons import error_summary, outcome, shorten

MB = 1024 * 1024
DEFAULT_PAYLOAD_MB = 6
MAX_PAYLOAD_MB = 100  # SageMaker's ceiling; 0 ("no limit", for streaming) is read as this
SERVER_LIMIT = 6 * MB  # the model server's own MAX_CONTENT_LENGTH default
MAX_CONCURRENCY = 4  # requests in flight at once, whatever the job asks (one local server)
DEFAULT_TIMEOUT = 600  # ModelClientConfig.InvocationsTimeoutInSeconds default
LOG_NAME = "transform.log"
DATA_PROCESSING_DEFAULTS = {"InputFilter": "$", "OutputFilter": "$", "JoinSource": "None"}


@dataclass
class Settings:
    """The request's transform settings, checked, with SageMaker's defaults."""

    input_uri: str
    multi: bool
    payload_mb: int
    concurrency: int
    split: str
    gzip: bool
    line_ended: bool
    content_type: str | None
    accept: str | None
    processing: DataProcessing
    timeout: float

    @property
    def limit(self) -> int:
        return (self.payload_mb or MAX_PAYLOAD_MB) * MB

    @classmethod
    def from_request(cls, request: dict) -> Settings:
        """Raises JobFailure naming the setting that cannot run locally."""
        source = request["TransformInput"].get("DataSource", {}).get("S3DataSource") or {}
        if not source.get("S3Uri"):
            raise JobFailure("ClientError: TransformInput.DataSource.S3DataSource.S3Uri is missing")
        data_type = source.get("S3DataType", "S3Prefix")
        if data_type != "S3Prefix":
            raise JobFailure(
                f"ClientError: S3DataType {data_type} is not supported by local "
                "batch transform; use S3Prefix (every object under S3Uri)"
            )
        transform_input = request["TransformInput"]
        split = transform_input.get("SplitType") or "None"
        if split not in ("None", "Line"):
            raise JobFailure(
                f"ClientError: SplitType {split} is not supported by local batch "
                "transform; use Line (one record per line) or None (whole file)"
            )
        compression = transform_input.get("CompressionType") or "None"
        if compression not in ("None", "Gzip"):
            raise JobFailure(
                f"ClientError: CompressionType {compression} is not valid; use None or Gzip"
            )
        payload = int(request.get("MaxPayloadInMB", DEFAULT_PAYLOAD_MB))
        if not 0 <= payload <= MAX_PAYLOAD_MB:
            raise JobFailure(f"ClientError: MaxPayloadInMB {payload} is out of range (0-100)")
        output = request["TransformOutput"]
        try:
            processing = DataProcessing(
                request.get("DataProcessing"),
                transform_input.get("ContentType"),
                output.get("Accept"),
            )
        except ValueError as error:
            raise JobFailure(f"ClientError: DataProcessing: {error}") from None
        client = request.get("ModelClientConfig") or {}
        return cls(
            input_uri=source["S3Uri"],
            multi=request.get("BatchStrategy", "MultiRecord") == "MultiRecord",
            payload_mb=payload,
            concurrency=max(
                1, min(int(request.get("MaxConcurrentTransforms") or 1), MAX_CONCURRENCY)
            ),
            split=split,
            gzip=compression == "Gzip",
            line_ended=output.get("AssembleWith") == "Line",
            content_type=transform_input.get("ContentType"),
            accept=output.get("Accept"),
            processing=processing,
            timeout=float(client.get("InvocationsTimeoutInSeconds") or DEFAULT_TIMEOUT),
        )

    def environment(self) -> dict[str, str]:
        """What the serving container is told of the job (the SDK's local mode sets the same)."""
        env = {
            "SAGEMAKER_BATCH": "true",
            "SAGEMAKER_MAX_PAYLOAD_IN_MB": str(self.payload_mb),
            "SAGEMAKER_BATCH_STRATEGY": "MULTI_RECORD" if self.multi else "SINGLE_RECORD",
            "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": str(self.concurrency),
        }
        if self.limit > SERVER_LIMIT:  # let the server take what the job may send
            env["MAX_CONTENT_LENGTH"] = str(self.limit)
        return env


# ------------------------------------------------------------------------ input and output


@dataclass
class InputFile:
    """One input object: its path below the prefix and where to read it."""

    relative: str
    path: Path | None = None
    bucket: str = ""
    key: str = ""


def _s3(bucket_key_uri: str) -> tuple[str, str]:
    parsed = urlparse(bucket_key_uri)
    return parsed.netloc, parsed.path.lstrip("/")


@contextlib.contextmanager
def s3_errors(doing: str) -> Iterator[None]:
    """An S3 failure (no credentials, no bucket, denied) as a ClientError reason."""
    import botocore.exceptions

    try:
        yield
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise JobFailure(shorten(f"ClientError: {doing}: {error}")) from None


def list_inputs(uri: str, boto_session: Any) -> list[InputFile]:
    """Every file under the input S3Uri: a file:// file, folder or name prefix, or s3://."""
    if uri.startswith("s3://"):
        bucket, prefix = _s3(uri)
        with s3_errors(f"could not list the input {uri}"):
            pages = s3io.s3_client(boto_session).get_paginator("list_objects_v2")
            keys = [
                o["Key"]
                for page in pages.paginate(Bucket=bucket, Prefix=prefix)
                for o in page.get("Contents", [])
                if not o["Key"].endswith("/")
            ]
        files = [InputFile(s3_relative_path(k, prefix), bucket=bucket, key=k) for k in keys]
    else:
        path = uri_to_path(uri)
        if path.is_file():
            files = [InputFile(path.name, path)]
        elif path.is_dir():
            files = [InputFile(p.relative_to(path).as_posix(), p) for p in _files(path)]
        else:  # an S3-style prefix of names in a folder
            files = []
            pattern = glob.escape(path.name) + "*"
            for match in sorted(path.parent.glob(pattern)) if path.parent.is_dir() else []:
                found = [match] if match.is_file() else _files(match)
                files += [InputFile(p.relative_to(path.parent).as_posix(), p) for p in found]
    files = [f for f in files if ".." not in Path(f.relative).parts]
    if not files:
        raise JobFailure(
            f"ClientError: no input files under {uri}. Check the data location "
            "passed to transform()."
        )
    return sorted(files, key=lambda f: f.relative)


def _files(folder: Path) -> list[Path]:
    """The files of a folder tree; hidden ones (`.ipynb_checkpoints`, `.DS_Store`) skipped."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


class OutputFile:
    """One `<input>.out`: written under a temporary name, published whole by `commit()`."""

    def __init__(self, output_uri: str, relative: str, scratch: Path, boto_session: Any) -> None:
        self.name = f"{relative}.out"
        self.boto_session = boto_session
        if output_uri.startswith("s3://"):
            bucket, prefix = _s3(output_uri)
            self.s3_target = (bucket, f"{prefix.rstrip('/')}/{self.name}".lstrip("/"))
            self.final = None
            self.partial = scratch / "output" / self.name
        else:
            self.s3_target = None
            self.final = uri_to_path(output_uri) / self.name
            self.partial = self.final.with_name(f".{self.final.name}.partial")
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO | None = open(self.partial, "wb")  # noqa: SIM115 - commit/discard

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> str:
        """Publish the file under its final name; returns where it is."""
        self._file.close()
        if self.s3_target is None:
            os.replace(self.partial, self.final)
            return self.final.as_uri()
        bucket, key = self.s3_target
        with s3_errors(f"could not upload {self.name} to s3://{bucket}/{key}"):
            s3io.s3_client(self.boto_session).upload_file(str(self.partial), bucket, key)
        self.partial.unlink(missing_ok=True)
        return f"s3://{bucket}/{key}"

    def discard(self) -> None:
        """Remove the partial file (the job failed or stopped while writing it)."""
        with contextlib.suppress(OSError):
            self._file.close()
        self.partial.unlink(missing_ok=True)


@contextlib.contextmanager
def open_input(
    item: InputFile, scratch: Path, compressed: bool, boto_session: Any
) -> Iterator[BinaryIO]:
    """The input file's bytes (an s3:// object downloaded to the scratch folder first)."""
    path = item.path
    if path is None:
        path = scratch / "input" / item.relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with s3_errors(f"could not download s3://{item.bucket}/{item.key}"):
            s3io.s3_client(boto_session).download_file(item.bucket, item.key, str(path))
    try:
        with gzip.open(path, "rb") if compressed else open(path, "rb") as stream:
            yield stream
    except (gzip.BadGzipFile, EOFError) as error:
        raise JobFailure(
            f"ClientError: {item.relative} is not gzip data ({error}); set "
            "CompressionType None for uncompressed input"
        ) from None
    finally:
        if item.path is None:
            path.unlink(missing_ok=True)


# ------------------------------------------------------------------------ the job


class TransformJob(BackgroundJob):
    """A batch transform job run against a local model server (see the module docstring)."""

    kind = "transform-job"

    def __init__(
        self, request: dict, model: dict, folder: Path, region: str, owner: str, boto_session: Any
    ) -> None:
        super().__init__(request["TransformJobName"])
        self.request = request
        self.model = model
        self.folder = folder
        self.owner = owner
        self.boto_session = boto_session
        self._arn = arn_formatter("transform-job", self.name, region)
        self._lock = threading.Lock()
        self._status = "InProgress"
        self._reason: str | None = None
        self._started = None
        self._ended = None
        self._modified = self.created
        self._server: ModelServer | None = None
        self.records_done = 0  # progress, for whoever watches the job
        folder.mkdir(parents=True, exist_ok=True)
        self.log = JobLog(folder / LOG_NAME)
        self.log.open()

    @property
    def arn(self) -> str:
        return self._arn

    @property
    def log_path(self) -> Path:
        return self.log.path

    @property
    def status(self) -> str:
        return self._status

    def describe(self) -> dict:
        """The DescribeTransformJob response."""
        request = self.request
        description = {
            "TransformJobName": self.name,
            "TransformJobArn": self.arn,
            "TransformJobStatus": self._status,
            "ModelName": request["ModelName"],
            "MaxConcurrentTransforms": int(request.get("MaxConcurrentTransforms") or 1),
            "MaxPayloadInMB": int(request.get("MaxPayloadInMB", DEFAULT_PAYLOAD_MB)),
            "BatchStrategy": request.get("BatchStrategy", "MultiRecord"),
            "Environment": dict(request.get("Environment") or {}),
            "TransformInput": request["TransformInput"],
            "TransformOutput": request["TransformOutput"],
            "TransformResources": request["TransformResources"],
            "DataProcessing": {**DATA_PROCESSING_DEFAULTS, **(request.get("DataProcessing") or {})},
            "CreationTime": self.created,
        }
        for key in ("ModelClientConfig", "DataCaptureConfig", "ExperimentConfig"):
            if key in request:
                description[key] = request[key]
        description.update(
            present(
                FailureReason=self._reason,
                TransformStartTime=self._started,
                TransformEndTime=self._ended,
            )
        )
        return description

    def summary(self) -> dict:
        """The job's entry in ListTransformJobs."""
        summary = {
            "TransformJobName": self.name,
            "TransformJobArn": self.arn,
            "CreationTime": self.created,
            "LastModifiedTime": self._modified,
            "TransformJobStatus": self._status,
        }
        if self._ended is not None:
            summary["TransformEndTime"] = self._ended
        if self._reason:
            summary["FailureReason"] = self._reason
        return summary

    def stop(self) -> None:
        """StopTransformJob: Stopping now, Stopped once the server and the work have ended."""
        with self._lock:
            if not self.request_stop():
                return  # ended, or being stopped already
            self._status, self._modified = "Stopping", now()
            server = self._server
        self.log.note("Stopping the transform job")
        if server is not None:  # in-flight requests fail at once; the work sees the stop
            threading.Thread(target=server.stop, name=f"stop-{self.name}", daemon=True).start()

    # ---------------------------------------------------------------- the work

    def run(self) -> None:
        self._started = now()
        self._end(*outcome(self._work, JobStopped, self.log))

    def _work(self) -> None:
        self.log.note(f"Starting transform job {self.name} with model {self.request['ModelName']}")
        settings = Settings.from_request(self.request)
        inputs = list_inputs(settings.input_uri, self.boto_session)
        self.check_stopped()
        server = ModelServer(
            self.folder / "server",
            self._container(),
            self.log,
            self.owner,
            self.boto_session,
            settings.environment(),
        )
        with self._lock:
            self._server = server
        http = urllib3.PoolManager(maxsize=settings.concurrency, retries=False)
        pool = ThreadPoolExecutor(settings.concurrency, thread_name_prefix=f"{self.name}-req")
        try:
            try:
                server.start()
            except ServerFailed as failure:
                self.check_stopped()
                raise JobFailure(shorten(str(failure))) from None
            self.check_stopped()
            url = f"http://127.0.0.1:{server.port}/invocations"
            for item in inputs:
                self.check_stopped()
                count, where = self._transform_file(item, settings, url, http, pool)
                plural = "" if count == 1 else "s"
                self.log.note(f"{item.relative}: {count} record{plural} transformed into {where}")
        finally:
            server.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            http.clear()
            shutil.rmtree(self.folder / "scratch", ignore_errors=True)

    def _container(self) -> dict:
        """The model's container, the job's Environment over the model's."""
        container = dict(
            self.model.get("PrimaryContainer") or (self.model.get("Containers") or [{}])[0]
        )
        container["Environment"] = {
            **(container.get("Environment") or {}),
            **(self.request.get("Environment") or {}),
        }
        return container

    def _transform_file(
        self,
        item: InputFile,
        settings: Settings,
        url: str,
        http: urllib3.PoolManager,
        pool: ThreadPoolExecutor,
    ) -> tuple[int, str]:
        """One input file into its .out; returns the record count and where the .out is."""
        scratch = self.folder / "scratch"
        output_uri = self.request["TransformOutput"]["S3OutputPath"]
        out = OutputFile(output_uri, item.relative, scratch, self.boto_session)
        headers = {
            k: v
            for k, v in (("Content-Type", settings.content_type), ("Accept", settings.accept))
            if v
        }
        count = 0
        try:
            with open_input(item, scratch, settings.gzip, self.boto_session) as stream:
                records = read_records(stream, settings.split, settings.processing, settings.limit)
                pending: deque[tuple[list[Record], Future]] = deque()
                for batch in batches(
                    records, settings.multi, settings.limit, settings.split == "Line"
                ):
                    self.check_stopped()
                    body = request_body(batch, settings.split)
                    pending.append(
                        (batch, pool.submit(_post, http, url, body, headers, settings.timeout))
                    )
                    if len(pending) > settings.concurrency:  # keep `concurrency` in flight
                        count += self._deliver(out, item, settings, *pending.popleft())
                while pending:
                    count += self._deliver(out, item, settings, *pending.popleft())
            self.check_stopped()
            return count, out.commit()
        except RecordError as error:
            raise JobFailure(self._record_reason(item, error)) from None
        finally:
            out.discard()  # a committed file is no longer there to remove

    def _deliver(
        self,
        out: OutputFile,
        item: InputFile,
        settings: Settings,
        batch: list[Record],
        future: Future,
    ) -> int:
        """Write one request's answer (in input order); raise on an error answer."""
        try:
            status, body = future.result()
        except (urllib3.exceptions.HTTPError, OSError) as error:
            self.check_stopped()
            raise JobFailure(self._connection_reason(item, batch, error, settings)) from None
        if status != 200:
            self.check_stopped()
            record, message = blame(batch, body.decode("utf-8", errors="replace").strip())
            number, line = (record.number, record.line) if record else (None, None)
            raise RecordError(f"the model server answered {status}: {message}", number, line)
        out.write(
            output_chunk(batch, body, settings.accept, settings.processing, settings.line_ended)
        )
        self.records_done += len(batch)
        return len(batch)

    # ---------------------------------------------------------------- reasons and status

    def _record_reason(self, item: InputFile, error: RecordError) -> str:
        where = error.where()
        return shorten(
            f"ClientError: {item.relative}{', ' + where if where else ''}: {error.message}"
        )

    def _connection_reason(
        self, item: InputFile, batch: list[Record], error: Exception, settings: Settings
    ) -> str:
        """A request that got no answer: the server ended, or it took too long."""
        first, last = batch[0].number, batch[-1].number
        records = f"record {first}" if first == last else f"records {first}-{last}"
        server = self._server
        if server is not None and server.wait_ended(1.0):
            return shorten(
                f"AlgorithmError: the model server exited (code {server.exit_code}) while "
                f"transforming {item.relative}, {records}: {self._server_end(server.exit_code)}"
            )
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            return shorten(
                f"ClientError: {item.relative}, {records}: the model server did not "
                f"answer within {settings.timeout:.0f} s (raise ModelClientConfig "
                "InvocationsTimeoutInSeconds, or send smaller requests)"
            )
        return shorten(
            f"ClientError: {item.relative}, {records}: the request to the model "
            f"server failed: {error}"
        )

    def _server_end(self, code: int | None) -> str:
        """Why the server ended: its traceback's last line, or the signal that killed it."""
        tail = self.log.tail(50)
        if any(line.startswith("Traceback") for line in tail):
            return error_summary(tail)
        if code is not None and code < 0:
            return f"killed by signal {-code}" + (" (out of memory?)" if code == -9 else "")
        return next((line for line in reversed(tail) if line.strip()), "no output")

    def _end(self, status: str, reason: str | None = None) -> None:
        """The job's last step: whatever happened, it ends, logged, and wakes its waiters."""
        try:
            with self._lock:
                if self.stop_requested:  # a failure caused by the stop is the stop
                    status, reason = "Stopped", None
                self._status, self._reason = status, reason
                self._ended = self._modified = now()
            self.log.note(f"Transform job {status}" + (f": {reason}" if reason else ""))
        finally:
            self.log.close()
            self.finished()


def _post(
    http: urllib3.PoolManager, url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    """One `/invocations` request: its status and body."""
    response = http.request(
        "POST", url, body=body, headers=headers, timeout=urllib3.Timeout(connect=10.0, read=timeout)
    )
    return response.status, response.data
