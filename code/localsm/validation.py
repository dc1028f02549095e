"""Request validation with botocore's own SageMaker service model, errors as AWS raises them."""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

from localsm.exceptions import ValidationException


@functools.cache
def service_model():
    """The SageMaker API description botocore ships (loaded once, ~0.3 s)."""
    return botocore.session.get_session().get_service_model("sagemaker")


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


@functools.cache
def _pattern(text: str) -> re.Pattern | None:
    try:
        return re.compile(text)
    except re.error:  # a Java-only construct: leave that check to AWS
        return None


def _constraints(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    """What ParamValidator leaves out: string patterns, enums and maximum lengths."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, member in shape.members.items():
            if key in value:
                _constraints(value[key], member, f"{path}.{key}" if path else key, errors)
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _constraints(item, shape.member, f"{path}[{i}]", errors)
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _constraints(key, shape.key, f"{path} key", errors)
            _constraints(item, shape.value, f"{path}.{key}", errors)
    elif shape.type_name == "string" and isinstance(value, str):
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            errors.append(
                f"Value at '{path}' failed to satisfy constraint: Member must have "
                f"length less than or equal to {meta['max']}"
            )
        pattern = _pattern(meta["pattern"]) if "pattern" in meta else None
        if pattern is not None and not pattern.fullmatch(value):
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member "
                f"must satisfy regular expression pattern: {meta['pattern']}"
            )
        if shape.enum and value not in shape.enum:
            errors.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member "
                f"must satisfy enum value set: [{', '.join(shape.enum)}]"
            )


def validate(operation_name: str, params: dict[str, Any]) -> None:
    """Raise ValidationException when `params` is not a request AWS would accept."""
    shape = operation(operation_name).input_shape
    report = ParamValidator().validate(params, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    if not errors:
        _constraints(params, shape, "", errors)
    if errors:
        count = len(errors)
        raise ValidationException(
            operation_name,
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors),
        )


LOCAL_INSTANCE_TYPES = ("local", "local_gpu")


def as_validatable(request: dict) -> dict:
    """A copy that AWS's model accepts where only local mode differs: `file://` URIs, the
    SDK's local `FileDataSource`, the `local` instance type (unknown to AWS) and the empty
    `S3OutputPath` the SDK's local mode sends for an estimator without `output_path`
    (sagemaker/estimator.py `_prepare_for_training`: the artifacts stay in a local folder)."""

    def fix(value: Any) -> Any:
        if isinstance(value, dict) and "FileDataSource" in value:  # the SDK's file_input
            source = value["FileDataSource"]
            value = {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": source.get("FileUri"),
                    "S3DataDistributionType": source.get("FileDataDistributionType"),
                }
            }
        if isinstance(value, dict):
            return {k: _local_value(k, v) or fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str) and value.startswith("file://"):
            return "s3://local-file" + (value[len("file://") :] or "/")
        return value

    return fix(request)


def _local_value(key: str, value: Any) -> str | None:
    """What AWS's model accepts in place of a value only local mode sends, else None."""
    if key == "InstanceType" and value in LOCAL_INSTANCE_TYPES:
        return "ml.m5.xlarge"
    if key == "S3OutputPath" and value == "":
        return "s3://local-file/"
    return None
