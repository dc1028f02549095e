"""Named SageMaker API errors, raised as boto3 raises them (moto's `exceptions.py` pattern).

Each class is a `botocore.exceptions.ClientError`, so callers catch it the way they catch an
AWS error, and `error.response["Error"]["Code"]` is the code AWS would send.
"""

from __future__ import annotations

from botocore.exceptions import ClientError


def aws_error(code: str, message: str, status: int, **metadata) -> dict:
    """The parsed AWS error response botocore hands `ClientError` (its `.response`)."""
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, **metadata},
    }


class SageMakerClientError(ClientError):
    """An AWS-style error response for one API operation."""

    code = "ValidationException"
    status = 400

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(aws_error(self.code, message, self.status), operation)


class ValidationException(SageMakerClientError):
    """A request AWS would refuse (also what SageMaker answers for most unknown names)."""


class ResourceNotFound(SageMakerClientError):
    code = "ResourceNotFound"


class ResourceInUse(SageMakerClientError):
    code = "ResourceInUse"


class InternalFailure(SageMakerClientError):
    code = "InternalFailure"
    status = 500
