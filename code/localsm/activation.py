"""One switch for local mode, as moto's `mock_aws` is one switch for its fakes.

`localsm.activate()` makes every boto3 client of this process answer SageMaker, SageMaker
Runtime, S3, CloudWatch Logs, CloudWatch metrics (a training job's, for the SDK's analytics),
STS and IAM on this machine, whoever made the client and
whenever (before or after the call): SDK v2's `sagemaker.Session()`, SDK v3's sagemaker-core,
plain `boto3.client(...)`. Any other service gets an error naming it, never the network.
Leaving (`deactivate()`, or the end of a `with` block) puts everything back as it was.

How (botocore's documented event system; moto/core/models.py does the same with one
`before-send` handler in `botocore.handlers.BUILTIN_HANDLERS`):
- the handlers go into `BUILTIN_HANDLERS`, which every botocore session copies when it is
  created, and onto the event emitter of every session and client that already exists
  (each client has its own copy of its session's emitter, found through `gc`);
- `before-call` answers the served services from the local service (`bridge.py`'s
  `EventBridge`), a response that makes botocore skip signing and HTTP;
- S3 goes to the local S3 (`moto_server.py`): `before-endpoint-resolution.s3` names its
  endpoint, and requests are signed with the local keys whatever credentials the client has
  (none needed); `AWS_ENDPOINT_URL_S3` reaches clients no handler list covers (s3fs);
- the environment gets local credentials and a region, as moto's does (restored on exit);
- SDK v2's waits on a plain `sagemaker.Session()` follow the job instead of sleeping 5-30 s,
  and its telemetry stays home (`sdk_compat.activate_sdks`).
Every such change is made, recorded and undone by patches.py (its "local" layer), which the
outermost activation enters and the last one to end leaves: importing this module changes
nothing.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.auth import S3SigV4Auth
from botocore.credentials import Credentials

from localsm import bridge, loopback, patches

SERVED = ("sagemaker", "sagemaker-runtime", "cloudwatch-logs", "cloudwatch", "sts", "iam")
LOCAL_S3 = "localsm_activated_s3"  # ours, in botocore's per-call request context
LOCAL_CREDENTIALS = Credentials("local-mode", "local-mode")
DEFAULT_JOBS_DIR = "sagemaker-local-jobs"  # under the working folder, when none is given

_LOCK = threading.RLock()
_STACK: list[Activation] = []  # active activations, innermost last


class Activation:
    """The local service answering this process's boto3 clients; `deactivate()` or the end
    of a `with` block undoes it."""

    def __init__(self, jobs_dir: str | Path | None = None, region: str | None = None,
                 service: Any = None) -> None:  # fmt: skip
        self.jobs_dir = Path(jobs_dir or Path.cwd() / DEFAULT_JOBS_DIR).resolve()
        self.region = region or _configured_region() or "us-east-1"
        self._service = _long_polling(service) if service is not None else None
        self._backends: dict[str, Any] | None = None
        self.active = False

    # ------------------------------------------------------------------ the local service

    @property
    def service(self) -> Any:
        """What answers `sagemaker` calls: the given service, or one made on first use."""
        with _LOCK:
            if self._service is None:
                self._service = _new_service(self.jobs_dir, self.region)
            return self._service

    @property
    def local_client(self) -> Any:
        """The `LocalSageMakerClient` itself (under any long-polling wrapper)."""
        return self.service.service

    def backend(self, service_id: str) -> Any:
        """The object answering `service_id` (one of SERVED)."""
        with _LOCK:
            if self._backends is None:
                from localsm.cloudwatch import LocalCloudWatch
                from localsm.logs import LocalLogs
                from localsm.serving.runtime import LocalRuntimeClient

                self._backends = {
                    "sagemaker": bridge.EventBridge(self.service, "sagemaker"),
                    "sagemaker-runtime": bridge.EventBridge(
                        LocalRuntimeClient(self.local_client), "sagemaker-runtime"),
                    "cloudwatch-logs": bridge.EventBridge(
                        LocalLogs(self.local_client), "cloudwatch-logs"),
                    "cloudwatch": bridge.EventBridge(
                        LocalCloudWatch(self.local_client), "cloudwatch"),
                    "sts": bridge.EventBridge(bridge.LocalIdentity(), "sts"),
                    "iam": bridge.EventBridge(bridge.LocalIam(), "iam"),
                }  # fmt: skip
            return self._backends[service_id]

    # ------------------------------------------------------------------ on and off

    def start(self) -> Activation:
        """Switch local mode on (an already active one stays below this one)."""
        with _LOCK:
            if self.active:
                return self
            if not _STACK:
                _switch_on(self.region)
            _STACK.append(self)
            self.active = True
        return self

    def deactivate(self) -> None:
        """Switch this activation off; the last one off restores every client and setting."""
        with _LOCK:
            if not self.active:
                return
            self.active = False
            _STACK.remove(self)
            if not _STACK:
                _switch_off()

    def __enter__(self) -> Activation:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.deactivate()


def activate(jobs_dir: str | Path | None = None, region: str | None = None,
             service: Any = None) -> Activation:  # fmt: skip
    """Answer every boto3 client of this process on this machine until `.deactivate()`
    (also a context manager). `jobs_dir`: where jobs keep their files (default
    `./sagemaker-local-jobs`); `service`: an existing local service to answer with."""
    return Activation(jobs_dir, region, service).start()


def current() -> Activation | None:
    """The innermost active activation, if any."""
    with _LOCK:
        return _STACK[-1] if _STACK else None


def _long_polling(service: Any) -> Any:
    """`service` (a LocalSageMakerClient) behind the long-polling describes of session_v3."""
    from localsm.long_polling import LongPolling

    if isinstance(service, LongPolling):
        return service
    wrapper = LongPolling()
    wrapper.service = service
    return wrapper


def _configured_region() -> str | None:
    return boto3.Session().region_name


def _new_service(jobs_dir: Path, region: str) -> Any:
    """A long-polling local SageMaker service whose own S3 calls reach the local S3."""
    from localsm import moto_server
    from localsm.client import LocalSageMakerClient
    from localsm.logs import LocalLogs
    from localsm.long_polling import LongPolling

    service = LongPolling()
    boto_session = bridge.local_boto_session(
        region, service, LocalLogs(service), moto_server.s3_endpoint()
    )
    owner = SimpleNamespace(boto_session=boto_session, boto_region_name=region)
    service.service = LocalSageMakerClient(owner, jobs_dir)
    return service


# ---------------------------------------------------------------------- event handlers


def _service_id(model: Any) -> str:
    return model.service_model.service_id.hyphenize()


def _keep_params(params: dict, model: Any, context: dict, **_: Any) -> None:
    """`before-parameter-build`: the caller's parameters, for the served services only (an S3
    upload's body is never copied)."""
    if _STACK and _service_id(model) in SERVED:
        try:
            context[bridge.PARAMS_KEY] = copy.deepcopy(params)
        except TypeError:  # a file object as a Body: passed on as given
            context[bridge.PARAMS_KEY] = dict(params)


def _answer(model: Any, context: dict, **kwargs: Any) -> Any:
    """`before-call`: the served services answered here, S3 let through (to the local S3),
    every other service refused without a network call."""
    activation = current()
    if activation is None:
        return None
    service = _service_id(model)
    if service in SERVED:
        return activation.backend(service)(model=model, context=context, **kwargs)
    if service == "s3":
        return None
    message = (f"{model.service_model.service_name}:{model.name} is not available in local "
               "mode (no network call was made): local mode answers SageMaker, SageMaker "
               "Runtime, S3, CloudWatch Logs and metrics, STS and IAM. Run this step on AWS, "
               "outside localsm.activate().")  # fmt: skip
    return bridge.error_response(service, 400, "UnknownOperationException", message)


def _to_local_s3(builtins: dict, context: dict, **_: Any) -> None:
    """`before-endpoint-resolution.s3`: the local S3, path-style."""
    if not _STACK:
        return
    from localsm import moto_server

    builtins["SDK::Endpoint"] = moto_server.s3_endpoint()
    builtins["AWS::S3::ForcePathStyle"] = True
    for key in ("AWS::S3::UseArnRegion", "AWS::UseFIPS", "AWS::UseDualStack",
                "AWS::S3::Accelerate"):  # fmt: skip
        if builtins.get(key):
            builtins[key] = False
    context[LOCAL_S3] = True


def _no_client_signature(context: dict, **_: Any) -> Any:
    """`choose-signer.s3`: a local S3 call is not signed with the client's credentials
    (it may have none); `_sign_locally` signs it with the local keys instead."""
    return UNSIGNED if context.get(LOCAL_S3) else None


def _sign_locally(request: Any, signature_version: Any, region_name: str, **_: Any) -> None:
    """`before-sign.s3`: the local keys' signature (the local S3 treats signed requests as
    its owner's, as S3 does; unsigned ones only reach public objects)."""
    if signature_version is UNSIGNED and request.context.get(LOCAL_S3):
        S3SigV4Auth(LOCAL_CREDENTIALS, "s3", region_name or "us-east-1").add_auth(request)


HANDLERS = (
    ("before-parameter-build", _keep_params),
    ("before-call", _answer),
    ("before-endpoint-resolution.s3", _to_local_s3),
    ("choose-signer.s3", _no_client_signature),
    ("before-sign.s3", _sign_locally),
    ("before-send.s3", loopback.send_loopback_directly),  # the local S3, never via a proxy
)


# ---------------------------------------------------------------------- switching


def _switch_on(region: str) -> None:
    """Every change to botocore, boto3, the SDKs and the environment: patches.py's "local"
    layer (recorded there, undone by `_switch_off`)."""
    patches.enter("local", region=region, handlers=HANDLERS, local_client_of=_local_client_of,
                  credentials=LOCAL_CREDENTIALS, current=current)  # fmt: skip


def _switch_off() -> None:
    patches.leave("local")


def _local_client_of(session: Any) -> Any:
    """The LocalSageMakerClient answering an SDK session's `sagemaker_client` while local mode
    is on, else None (then the SDK's own code runs)."""
    from botocore.client import BaseClient

    from localsm.client import LocalSageMakerClient

    activation = current()
    client = getattr(session, "sagemaker_client", None)
    if isinstance(client, LocalSageMakerClient):
        return client
    if activation is not None and isinstance(client, BaseClient):
        return activation.local_client
    return None


def deactivate_all() -> None:
    """Switch every activation off (for tests and kernels that start over)."""
    with _LOCK:
        for activation in reversed(list(_STACK)):
            activation.deactivate()
