"""Checks made when a job is created, before any time is spent training: what SageMaker also
refuses early (one instance locally, metric definitions that can match, an output location
that can be written, credentials for `s3://`), each refusal naming the parameter and the path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from localsm import moto_server, s3io
from localsm.exceptions import ValidationException
from localsm.metrics import definition_problem
from localsm.training.channels import channel_source, uri_to_path

PROBE_BYTES = 4096  # written and removed: a full disk fails here, not after training


def check_definition(request: dict, operation: str, boto_session: Any) -> None:
    """A CreateTrainingJob request, or a tuning job's TrainingJobDefinition."""
    check_instance_count(request, operation)
    check_metric_definitions(request["AlgorithmSpecification"], operation)
    output_path = request.get("OutputDataConfig", {}).get("S3OutputPath") or ""
    s3_uris = [("OutputDataConfig.S3OutputPath", output_path)] if output_path else []
    for channel in request.get("InputDataConfig", []):
        uri = (channel_source(channel) or {}).get("S3Uri", "")
        s3_uris.append((f"InputDataConfig channel '{channel['ChannelName']}'", uri))
    check_credentials([(what, uri) for what, uri in s3_uris if uri.startswith("s3://")],
                      operation, boto_session)  # fmt: skip
    if output_path.startswith("s3://"):
        check_bucket(output_path, operation, boto_session)
    elif output_path:
        check_writable(uri_to_path(output_path).resolve(), "OutputDataConfig.S3OutputPath "
                       f"{output_path}", operation)  # fmt: skip


def check_instance_count(request: dict, operation: str) -> None:
    """One instance, one process: never several hosts silently trained as one."""
    resources = request.get("ResourceConfig") or request.get(
        "HyperParameterTuningResourceConfig", {}
    )
    count = resources.get("InstanceCount", 1)
    if count != 1:
        raise ValidationException(
            operation,
            f"ResourceConfig.InstanceCount is {count}: local mode runs one instance (one "
            "process), and distributed training needs several. Use instance_count=1, or run "
            "this job on SageMaker.",
        )


def check_metric_definitions(spec: dict, operation: str) -> None:
    """Every metric definition can yield a value (SageMaker would never report one that
    cannot; a silently dropped definition hides a typo)."""
    for i, definition in enumerate(spec.get("MetricDefinitions") or []):
        problem = definition_problem(definition)
        if problem:
            raise ValidationException(
                operation,
                f"AlgorithmSpecification.MetricDefinitions[{i}] ({definition['Name']!r}, Regex "
                f"{definition['Regex']!r}): {problem}",
            )


def check_writable(folder: Path, what: str, operation: str) -> None:
    """Create `folder` when missing and write a few bytes there (then remove them)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".localsm-probe-")
        try:
            os.write(descriptor, b"\0" * PROBE_BYTES)
        finally:
            os.close(descriptor)
            os.unlink(probe)
    except OSError as error:
        where = error.filename or folder
        raise ValidationException(
            operation,
            f"{what}: cannot write to {where}: {error.strerror or error}. Choose a writable "
            "folder with free space (the estimator's output_path).",
        ) from None


def check_credentials(uses: list[tuple[str, str]], operation: str, boto_session: Any) -> None:
    """`s3://` locations need AWS credentials: say so now, not after training."""
    uses = [(what, uri) for what, uri in uses if not moto_server.is_local(uri)]
    if not uses or boto_session is None:  # the local S3 needs none
        return
    if boto_session.get_credentials() is not None:
        return
    what, uri = uses[0]
    raise ValidationException(
        operation,
        f"{what} is {uri}, on S3, but no AWS credentials are configured. Configure them "
        "(aws configure, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or use local file:// "
        "paths in local mode.",
    )


def check_bucket(output_path: str, operation: str, boto_session: Any) -> None:
    """The output bucket exists and answers (a typo in its name fails here)."""
    import botocore.exceptions

    bucket = urlparse(output_path).netloc
    try:
        s3io.s3_client(boto_session).head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        why = {"404": "does not exist", "NoSuchBucket": "does not exist",
               "403": "is not accessible with these credentials"}.get(code, str(error))  # fmt: skip
        raise ValidationException(
            operation, f"OutputDataConfig.S3OutputPath {output_path}: bucket {bucket} {why}"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise ValidationException(
            operation, f"OutputDataConfig.S3OutputPath {output_path}: S3 cannot be reached: {error}"
        ) from None
