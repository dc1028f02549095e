"""One local real-time endpoint: its statuses and the model servers of its variants.

`Creating` -> `InService` once every variant's server answers, `Failed` (with FailureReason)
when one cannot start; `update()` starts the new configuration's servers, then retires the old
ones (`Updating` -> `InService`; if the new ones fail, the old ones keep serving and the
FailureReason says why); `delete()` (`Deleting`) ends every server. Each variant runs one model
server process, whatever its instance count: locally, more copies would only share two cores.
"""

from __future__ import annotations

import random
import shutil
import threading
from pathlib import Path
from typing import Any

import urllib3

from localsm.background import now
from localsm.resources import arn_formatter
from localsm.serving.container import ModelServer, ServerFailed
from localsm.training.logstream import JobLog
from localsm.training.reasons import shorten

LOG_NAME = "endpoint.log"
INVOKE_TIMEOUT_SECONDS = 60.0  # SageMaker's limit for one invocation
_HTTP = urllib3.PoolManager(maxsize=32, retries=False)  # keep-alive; 8+ callers in parallel


class EndpointGone(Exception):
    """The endpoint cannot answer (deleted, failed, or its server ended)."""


class Endpoint:
    """A local endpoint (see the module docstring)."""

    def __init__(
        self,
        name: str,
        config: dict,
        models: dict[str, dict],
        folder: Path,
        region: str,
        owner: str,
        boto_session: Any,
    ) -> None:
        self.name = name
        self.arn = arn_formatter("endpoint", name, region)
        self.folder = folder
        self.owner = owner
        self.boto_session = boto_session
        self.created = self.modified = now()
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.config, self.models = config, models
        self.tags: list[dict] = []  # CreateEndpoint's Tags, then AddTags/DeleteTags
        self.servers: dict[str, ModelServer] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._settled = threading.Event()
        shutil.rmtree(folder, ignore_errors=True)  # an earlier endpoint of the same name
        folder.mkdir(parents=True)
        self.log = JobLog(folder / LOG_NAME)
        self.log.open()
        self._start(config, models, "InService")

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME

    # ------------------------------------------------------------------ lifecycle

    def _start(self, config: dict, models: dict[str, dict], previous: str) -> None:
        self._settled.clear()
        args = (config, models, previous)
        threading.Thread(target=self._bring_up, args=args, daemon=True).start()

    def _bring_up(self, config: dict, models: dict[str, dict], previous: str) -> None:
        """Start one server per variant; switch to them only when all answer."""
        self._generation += 1
        started: dict[str, ModelServer] = {}
        try:
            for variant in config["ProductionVariants"]:
                name = variant["VariantName"]
                self.log.line(f"Starting variant {name} (model {variant['ModelName']}) ...")
                root = self.folder / f"{name}-{self._generation}"
                root.mkdir(parents=True)
                container = models[variant["ModelName"]]["PrimaryContainer"]
                server = ModelServer(root, container, self.log, self.owner, self.boto_session)
                started[name] = server
                server.start()
                self.log.line(f"Variant {name} is serving on 127.0.0.1:{server.port}")
        except Exception as error:  # noqa: BLE001 - ServerFailed, or a bug: never hang deploy()
            for server in started.values():
                server.stop()
            reason = (
                str(error)
                if isinstance(error, ServerFailed)
                else (f"InternalFailure: {type(error).__name__}: {error}")
            )
            self._settle(previous if previous == "InService" and self.servers else "Failed", reason)
            return
        with self._lock:
            if self.status == "Deleting":  # deleted while starting: these never serve
                old = started
            else:
                old, self.servers = self.servers, started
                self.config, self.models = config, models
        for server in old.values():
            server.stop()
        self._settle("InService", None)

    def _settle(self, status: str, reason: str | None) -> None:
        with self._lock:
            if self.status != "Deleting":
                self.status, self.modified = status, now()
                self.failure_reason = shorten(reason) if reason else None
        if reason:
            self.log.line(f"Endpoint {self.name}: {reason}")
        self._settled.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the endpoint leaves Creating/Updating."""
        return self._settled.wait(timeout)

    def update(self, config: dict, models: dict[str, dict]) -> None:
        with self._lock:
            self.status, self.modified = "Updating", now()
        self._start(config, models, "InService")

    def delete(self) -> None:
        """End every server (the folder and its log stay until the name is used again)."""
        with self._lock:
            self.status, self.modified = "Deleting", now()
            servers, self.servers = list(self.servers.values()), {}
        self._settled.wait(5)
        for server in servers:
            server.stop()
        self.log.line(f"Endpoint {self.name} deleted")
        self.log.close()

    # ------------------------------------------------------------------ describing

    def _check_servers(self) -> None:
        """A server that ended while InService makes the endpoint Failed (as on AWS)."""
        with self._lock:
            dead = [n for n, s in self.servers.items() if not s.running]
            if self.status == "InService" and dead:
                server = self.servers[dead[0]]
                self.status, self.modified = "Failed", now()
                self.failure_reason = shorten(server.failure_reason(0))

    def describe(self) -> dict[str, Any]:
        self._check_servers()
        image = lambda v: self.models[v["ModelName"]]["PrimaryContainer"].get("Image", "")  # noqa: E731
        variants = [
            {
                "VariantName": v["VariantName"],
                "DeployedImages": [
                    {
                        "SpecifiedImage": image(v),
                        "ResolvedImage": image(v),
                        "ResolutionTime": self.created,
                    }
                ],
                "CurrentWeight": float(v.get("InitialVariantWeight", 1.0)),
                "DesiredWeight": float(v.get("InitialVariantWeight", 1.0)),
                "CurrentInstanceCount": v.get("InitialInstanceCount", 1),
                "DesiredInstanceCount": v.get("InitialInstanceCount", 1),
            }
            for v in self.config["ProductionVariants"]
        ]
        description = {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config["EndpointConfigName"],
            "ProductionVariants": variants,
            "EndpointStatus": self.status,
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
        }
        if self.failure_reason:
            description["FailureReason"] = self.failure_reason
        return description

    def summary(self) -> dict[str, Any]:
        d = self.describe()
        keys = ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus")
        return {k: d[k] for k in keys}

    # ------------------------------------------------------------------ invoking

    def pick_server(self, target_variant: str | None) -> tuple[str, ModelServer]:
        self._check_servers()
        with self._lock:
            if self.status not in ("InService", "Updating") or not self.servers:
                raise EndpointGone(self.status)
            if target_variant:
                if target_variant not in self.servers:
                    raise KeyError(target_variant)
                return target_variant, self.servers[target_variant]
            weights = {
                v["VariantName"]: float(v.get("InitialVariantWeight", 1.0))
                for v in self.config["ProductionVariants"]
            }
            names = list(self.servers)
            name = random.choices(names, [weights.get(n, 1.0) for n in names])[0]
            return name, self.servers[name]

    def invoke(
        self,
        body: bytes,
        headers: dict[str, str],
        target_variant: str | None = None,
    ) -> tuple[str, urllib3.BaseHTTPResponse]:
        """POST the body to one variant's server; returns (variant, response)."""
        variant, server = self.pick_server(target_variant)
        url = f"http://127.0.0.1:{server.port}/invocations"
        response = _HTTP.request(
            "POST", url, body=body, headers=headers, timeout=INVOKE_TIMEOUT_SECONDS
        )
        return variant, response
