"""Local mode through boto3's own extension points, for SDKs that take a boto3 session and no
client (SageMaker Python SDK v3 and its sagemaker-core).

One `boto3.Session` carries event handlers that botocore documents for this purpose:
- `before-call.sagemaker.*` answers every SageMaker API call from the local service
  (`LocalSageMakerClient`, the same one SDK v2 talks to) instead of sending it: a handler that
  returns `(http_response, parsed)` makes botocore skip signing and HTTP, and a status >= 300
  becomes the modelled `ClientError` subclass, as from AWS;
- `before-call.sagemaker-runtime.*` answers InvokeEndpoint from the local endpoints'
  model servers (`serving/runtime.py`);
- `before-call.cloudwatch-logs.*` answers the log reads (`logs.py`) from the jobs' own logs;
- `before-call.sts.GetCallerIdentity` names the local account, and IAM's policy simulation
  (newer v3 releases check a role's permissions before a job) allows the local role;
- every other service called through this session gets a clear error, never the network;
- `before-endpoint-resolution.s3` sends this session's S3 calls to a moto server on
  127.0.0.1 (`moto_server.py`): the SDK uploads local data to S3 before a job starts.
Nothing is patched, and other boto3 sessions in the same process still reach AWS.
Register before the session creates its first client: each client copies the handlers.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import boto3
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from localsm import loopback
from localsm.exceptions import aws_error
from localsm.resources import LOCAL_ACCOUNT

PARAMS_KEY = "localsm_api_params"  # ours, in botocore's per-call request context
REDIRECTED = ("s3",)  # services this session sends to the local S3, not answered here
LOCAL_KEYS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}  # no IMDS probe
LOCAL_ROLE_NAME = "LocalSageMakerExecutionRole"  # the role local jobs run as
LOCAL_ROLE_ID = "AROALOCALSAGEMAKERROLE"
LOCAL_SESSION_NAME = "local-mode"


def _keep_params(params: dict, context: dict, **_: Any) -> None:
    """`before-parameter-build`: keep the caller's parameters, since `before-call` sees only
    the serialized request (its `context` is the same dict)."""
    context[PARAMS_KEY] = copy.deepcopy(params)


class EventBridge:
    """Answers every call of one botocore service with `backend.<operation_in_snake_case>()`."""

    def __init__(self, backend: Any, service_id: str) -> None:
        self.backend = backend
        self.service_id = service_id

    def __call__(self, model: Any, context: dict, **_: Any) -> tuple[AWSResponse, dict]:
        method = getattr(self.backend, xform_name(model.name), None)
        if method is None:
            return self._error(
                400,
                "UnknownOperationException",
                f"{model.name} is not available in local mode: run this step on SageMaker",
            )
        try:
            parsed = dict(method(**context.get(PARAMS_KEY, {})) or {})
        except ClientError as error:  # the service's named errors carry AWS's code and status
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            http, parsed = self._error(
                status, error.response["Error"]["Code"], error.response["Error"]["Message"]
            )
            # a modelled error's own members (ModelError's OriginalStatusCode...), which
            # botocore puts beside "Error" in the response, as it does for AWS's answer
            parsed.update({key: value for key, value in error.response.items()
                           if key not in parsed})  # fmt: skip
            return http, parsed
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "HTTPHeaders": {},
                                               "RetryAttempts": 0})  # fmt: skip
        return AWSResponse(f"local://{self.service_id}", 200, {}, None), parsed

    def _error(self, status: int, code: str, message: str) -> tuple[AWSResponse, dict]:
        return error_response(self.service_id, status, code, message)


def error_response(service: str, status: int, code: str, message: str) -> tuple[AWSResponse, dict]:
    """What botocore turns into the modelled `ClientError` for `code`."""
    parsed = aws_error(code, message, status, HTTPHeaders={}, RetryAttempts=0)
    return AWSResponse(f"local://{service}", status, {}, None), parsed


class LocalIdentity:
    """STS as local mode needs it: who is calling. The SDK derives its default bucket's name
    from the account, and `get_execution_role()` (both SDKs), outside SageMaker, turns an
    `assumed-role` ARN into its role's ARN (sagemaker/session.py, get_caller_identity_arn):
    the caller is the local execution role, as in a SageMaker notebook."""

    def get_caller_identity(self, **_: Any) -> dict[str, str]:
        return {
            "UserId": f"{LOCAL_ROLE_ID}:{LOCAL_SESSION_NAME}",
            "Account": LOCAL_ACCOUNT,
            "Arn": f"arn:aws:sts::{LOCAL_ACCOUNT}:assumed-role/{LOCAL_ROLE_NAME}/"
            f"{LOCAL_SESSION_NAME}",
        }


class LocalIam:
    """IAM as local mode needs it: the local role may do what a job needs."""

    def simulate_principal_policy(self, ActionNames: list[str], **_: Any) -> dict:  # noqa: N803
        results = [{"EvalActionName": action, "EvalResourceName": "*", "EvalDecision": "allowed"}
                   for action in ActionNames]  # fmt: skip
        return {"EvaluationResults": results, "IsTruncated": False}

    def get_role(self, RoleName: str, **_: Any) -> dict:  # noqa: N803
        """Any role name is a role SageMaker may assume (local mode has no IAM to consult)."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "sagemaker.amazonaws.com"}}]}  # fmt: skip
        return {"Role": {"RoleName": RoleName, "RoleId": LOCAL_ROLE_ID, "Path": "/",
                         "Arn": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/{RoleName}",
                         "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
                         # as IAM sends it: URL-quoted JSON, which botocore decodes
                         "AssumeRolePolicyDocument": quote(json.dumps(trust))}}  # fmt: skip


def _refuse(model: Any, **_: Any) -> tuple[AWSResponse, dict] | None:
    """`before-call` for services local mode does not serve: an error, not a network call."""
    service = model.service_model.service_name
    if service in REDIRECTED:
        return None
    message = (f"{service}:{model.name} is not available in local mode (no network call is "
               "made): run this step on AWS")  # fmt: skip
    return error_response(service, 400, "UnknownOperationException", message)


def serve(session: boto3.Session, service_id: str, backend: Any) -> None:
    """Answer `service_id`'s calls made through `session` with `backend`."""
    session.events.register(f"before-parameter-build.{service_id}", _keep_params)
    session.events.register(f"before-call.{service_id}", EventBridge(backend, service_id))


def redirect(session: boto3.Session, service_id: str, endpoint: str) -> None:
    """Send `service_id`'s calls made through `session` to `endpoint` (path-style for S3)."""

    def to_endpoint(builtins: dict, **_: Any) -> None:
        builtins["SDK::Endpoint"] = endpoint
        if "AWS::S3::ForcePathStyle" in builtins:
            builtins["AWS::S3::ForcePathStyle"] = True

    session.events.register(f"before-endpoint-resolution.{service_id}", to_endpoint)


def local_boto_session(region: str, sagemaker: Any, logs: Any, s3_endpoint: str) -> boto3.Session:
    """A boto3 session whose SageMaker, SageMaker Runtime, CloudWatch Logs, STS, IAM and S3
    calls stay on this machine."""
    session = boto3.Session(region_name=region, **LOCAL_KEYS)
    serve(session, "sagemaker", sagemaker)
    serve(session, "cloudwatch-logs", logs)
    serve(session, "sts", LocalIdentity())
    serve(session, "iam", LocalIam())
    from localsm.serving.runtime import LocalRuntimeClient  # (serving imports this module)

    serve(session, "sagemaker-runtime", LocalRuntimeClient(sagemaker))  # InvokeEndpoint
    redirect(session, "s3", s3_endpoint)
    loopback.send_directly(session)  # never through an HTTP(S)_PROXY (loopback.py)
    session.events.register("before-call", _refuse)  # runs after the specific handlers above
    return session
