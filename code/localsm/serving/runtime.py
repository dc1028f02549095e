"""The local SageMaker Runtime client: `invoke_endpoint` on the endpoints of a local service.

What `Predictor.predict` calls (`sagemaker_session.sagemaker_runtime_client`). It answers as
boto3 does: `Body` is a botocore `StreamingBody`; a model server's 4xx/5xx becomes the
`ModelError` AWS raises (with `OriginalStatusCode` and `OriginalMessage`); an unknown endpoint
is a `ValidationError`.
"""

from __future__ import annotations

import io
import os
from typing import Any

from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from localsm.exceptions import aws_error
from localsm.serving.endpoint import EndpointGone

OPERATION = "InvokeEndpoint"


def _error(code: str, message: str, status: int, **extra: Any) -> ClientError:
    return ClientError({**aws_error(code, message, status), **extra}, OPERATION)


class LocalRuntimeClient:
    """`invoke_endpoint` for the endpoints of one `LocalSageMakerClient`."""

    def __init__(self, sagemaker_client: Any) -> None:
        self.sagemaker_client = sagemaker_client

    def invoke_endpoint(
        self,
        EndpointName: str,
        Body: Any,
        ContentType: str | None = None,  # noqa: N803
        Accept: str | None = None,
        CustomAttributes: str | None = None,  # noqa: N803
        TargetVariant: str | None = None,
        **ignored: Any,
    ) -> dict[str, Any]:  # noqa: N803
        """POST `Body` to the endpoint's model server, as SageMaker Runtime does."""
        endpoint = self._endpoint(EndpointName)
        body = Body.read() if hasattr(Body, "read") else Body
        body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        headers = {"Content-Type": ContentType or "application/octet-stream"}
        if Accept:
            headers["Accept"] = Accept
        if CustomAttributes:
            headers["X-Amzn-SageMaker-Custom-Attributes"] = CustomAttributes
        try:
            variant, response = endpoint.invoke(body, headers, TargetVariant)
        except EndpointGone as gone:
            status = str(gone)
            hint = ("describe it for its FailureReason" if status == "Failed"
                    else "wait until it is InService")  # fmt: skip
            raise _error(
                "ValidationError",
                f"Endpoint {EndpointName} is {status} and cannot answer requests; {hint}",
                400,
            ) from None
        except KeyError:
            raise _error(
                "ValidationError", f"Endpoint {EndpointName} has no variant {TargetVariant}", 400
            ) from None
        data = response.data
        if response.status >= 400:
            raise self._model_error(EndpointName, endpoint, response.status, data)
        kind = response.headers.get("Content-Type", Accept or "")
        return {
            "Body": StreamingBody(io.BytesIO(data), len(data)),
            "ContentType": kind,
            "InvokedProductionVariant": variant,
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    def _endpoint(self, name: str) -> Any:
        try:
            return self.sagemaker_client.endpoint(name)
        except ClientError:
            account = self.sagemaker_client.account
            raise _error(
                "ValidationError", f"Endpoint {name} of account {account} not found.", 400
            ) from None

    @staticmethod
    def _model_error(name: str, endpoint: Any, status: int, data: bytes) -> ClientError:
        kind = "client" if status < 500 else "server"
        message = data.decode("utf-8", errors="replace")[:1000]
        log = _shown_path(endpoint.log_path)
        return _error(
            "ModelError",
            f'Received {kind} error ({status}) from primary with message "{message}". See the '
            f"endpoint's log {log} for more information.",
            424,
            OriginalStatusCode=status,
            OriginalMessage=message,
        )


def _shown_path(path: os.PathLike) -> str:
    """The log's path relative to the working directory when below it (no home paths shown)."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
