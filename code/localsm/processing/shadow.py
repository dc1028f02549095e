"""The shadow endpoint of a Clarify job: Clarify asks the model named in the analysis
config's `predictor` for predictions through a temporary endpoint that the job creates from
the model and deletes when it ends (an existing `endpoint_name` is used as it is).

Created through the local service's own hosting operations, so it is a real local endpoint
(listed by ListEndpoints while the job runs) served by the same model server as `deploy()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from localsm.training.channels import JobFailure
from localsm.training.reasons import shorten

NAME_PREFIX = "sm-clarify"
MAX_NAME = 63
START_TIMEOUT_SECONDS = 120.0


@dataclass
class ShadowEndpoint:
    """A running endpoint the analyzer may call: its URL and the model's unpacked folder."""

    name: str
    url: str
    model_dir: Path
    owned: bool  # created by the job (then deleted by it)

    def environment(self) -> dict[str, str]:
        """What the analyzer process is told of the endpoint."""
        return {
            "LOCALSM_CLARIFY_ENDPOINT_URL": self.url,
            "LOCALSM_CLARIFY_MODEL_DIR": str(self.model_dir),
        }


def predictor_config(folder: Path) -> dict | None:
    """The `predictor` section of the analysis config in the `analysis_config` input's folder
    (whatever the file is called; None when the job needs no model)."""
    from localsm.clarify.config import find_config
    from localsm.clarify.errors import ClarifyError

    try:
        config = json.loads(find_config(folder).read_text())
    except (OSError, ValueError, ClarifyError):
        return None  # the analyzer reports a missing or unreadable config, naming the file
    predictor = config.get("predictor") if isinstance(config, dict) else None
    return predictor if isinstance(predictor, dict) else None


def start(client: Any, job_name: str, predictor: dict) -> ShadowEndpoint:
    """Bring up the endpoint the predictor names (or create one from its model)."""
    if predictor.get("endpoint_name"):
        return _attach(client, predictor["endpoint_name"], owned=False)
    model = predictor.get("model_name")
    if not model:
        raise JobFailure("ClientError: the analysis config's predictor names no model_name "
                         "and no endpoint_name")  # fmt: skip
    prefix = predictor.get("endpoint_name_prefix") or NAME_PREFIX
    name = f"{prefix}-{job_name}"[:MAX_NAME].rstrip("-")
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": model,
        "InitialInstanceCount": int(predictor.get("initial_instance_count") or 1),
        "InstanceType": predictor.get("instance_type") or "local",
    }
    try:
        client.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    except ClientError as error:
        raise JobFailure(
            shorten(f"ClientError: predictor.model_name {model!r}: {_message(error)}")
        ) from None
    try:
        client.create_endpoint(EndpointName=name, EndpointConfigName=name)
    except ClientError as error:
        _delete_config(client, name)
        raise JobFailure(
            shorten(f"ClientError: shadow endpoint {name}: {_message(error)}")
        ) from None
    return _attach(client, name, owned=True)


def _attach(client: Any, name: str, owned: bool) -> ShadowEndpoint:
    try:
        endpoint = client.endpoint(name)
    except ClientError as error:
        raise JobFailure(
            shorten(f"ClientError: predictor.endpoint_name: {_message(error)}")
        ) from None
    endpoint.wait(START_TIMEOUT_SECONDS)
    description = endpoint.describe()
    if description["EndpointStatus"] != "InService":
        if owned:
            stop(client, name)
        reason = description.get("FailureReason") or description["EndpointStatus"]
        raise JobFailure(
            shorten(f"ClientError: the shadow endpoint {name} did not start: {reason}")
        )
    _, server = endpoint.pick_server(None)
    return ShadowEndpoint(
        name=name,
        url=f"http://127.0.0.1:{server.port}/invocations",
        model_dir=server.root / "model",
        owned=owned,
    )


def stop(client: Any, name: str) -> None:
    """Delete the endpoint and its configuration (never raises: the job is ending)."""
    try:
        client.delete_endpoint(EndpointName=name)
    except ClientError:
        pass
    _delete_config(client, name)


def _delete_config(client: Any, name: str) -> None:
    try:
        client.delete_endpoint_config(EndpointConfigName=name)
    except ClientError:
        pass


def _message(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Message", str(error))
