"""Every change local mode makes to code it does not own, in one reversible context.

Modelled on moto's `mock_aws` (moto/core/models.py: `start()` puts its handler in place,
`stop()` takes it out, and nested starts are counted): nothing here happens at import time.
Each layer below is entered explicitly, records every original as it changes it, and puts
each one back, in reverse order, when it is left as many times as it was entered.

- "quiet": the SDK v2 notices a learner should not have to read. `lab.use_mode()` and
  `lab.setup()` enter it (both modes: the course uses SDK v2 on purpose); switching mode
  leaves it.
  * env `SAGEMAKER_SUPPRESS_V2_WARNING=1` unless set (sagemaker/deprecations.py
    `_v2_suppressed`, read by `warn_v2_deprecation` at `import sagemaker` and later);
  * logger `sagemaker.config` at WARNING (sagemaker/config/config.py logs each config file
    it looks for at INFO).
- "sdk": what a local SDK session needs. `LocalSageMakerSession` enters it when created and
  leaves it on `close()`; the "local" layer enters it too. "quiet", plus:
  * env `AWS_EC2_METADATA_DISABLED=true` unless set (botocore/utils.py
    `InstanceMetadataFetcher`: with no region or credentials configured, botocore asks the
    EC2 metadata service, seconds of timeouts off EC2; the SDK makes clients of its own);
  * logger `optuna` (the local tuner's search, optuna/logging.py) at WARNING;
  * the SDK wrappers of sdk_compat.py (`patch_sdk`): v2's `validate_sagemaker_config` in
    sagemaker.utils, sagemaker.session and sagemaker.local.local_session, v2's
    `EstimatorBase._prepare_for_training`, v3's `sagemaker.core.resources.ProcessingJob.wait`.
- "logs": the SDK's INFO lines in local mode. `LocalSageMakerSession` and
  `lab.use_mode("local")` enter it (a plain activation does not: SDK v3's notebooks show
  them). Logger `sagemaker` at WARNING (the SDK's INFO lines reach stderr:
  sagemaker/experiments calls `logging.basicConfig(level=INFO)` at import) and a filter on
  `sagemaker.estimator` (`_DropTemplateWarning`).
- "local": `localsm.activate()` (activation.py enters it for the outermost activation and
  leaves it with the last one). "sdk", plus:
  * botocore: our event handlers appended to `botocore.handlers.BUILTIN_HANDLERS` (copied by
    every botocore `Session` when it is created: botocore/session.py
    `_register_builtin_handlers`) and registered on the event emitter of every session and
    client alive now (found through `gc`); on leaving, removed from the list and from every
    emitter alive then (clients made meanwhile copied them);
  * env: local credentials, region, `AWS_EC2_METADATA_DISABLED`, `AWS_ENDPOINT_URL_S3` (for
    s3fs, which aiobotocore serves), `SAGEMAKER_SUPPRESS_V2_WARNING`, the loopback names in
    `NO_PROXY` (loopback.py), `AWS_SESSION_TOKEN`/`AWS_SECURITY_TOKEN` removed;
  * `boto3.DEFAULT_SESSION` (boto3/__init__.py: a default session made while local keeps the
    local keys): put back as it was;
  * sdk_compat's `activate_sdks`: SDK v2's waits on `Session`/`LocalSession`, v2's
    `LocalSession._initialize`, both SDKs' `_send_telemetry_request`.

Outside the layers, but through the same `Patches` record: sagemaker-core's process-wide
clients (`sdk_compat.seed_sagemaker_core`), which lab/modes.py's SDK v3 local setup seeds
with a `Patches` it restores when the mode ends.

Not here, on purpose: code that runs in job and server processes (never the learner's
kernel) sets what it needs at its own entry point (`python -m localsm.builtin`,
`localsm.clarify`, `localsm.serving`, the warm launcher's child); moto itself appends its
(inactive) `botocore_stubber` to `BUILTIN_HANDLERS` when first imported, which we cannot
prevent and must not undo (a later `mock_aws` relies on it).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from localsm.patching import REMOVE, Patches  # noqa: F401 - REMOVE: part of this API

_LOCK = threading.RLock()
_LAYERS: dict[str, list[Any]] = {}  # layer -> [times entered, its Patches]


class _DropTemplateWarning(logging.Filter):
    """The tuner reads `model_data` of the estimator it uses as a template, which never trains
    itself; the SDK v2 then warns that no training job finished, which reads like a failure
    (sagemaker/estimator.py `model_data`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No finished training job found associated")


def _quiet(patches: Patches) -> None:
    patches.environ("SAGEMAKER_SUPPRESS_V2_WARNING", "1", default=True)
    patches.logger_level("sagemaker.config", logging.WARNING)


def _sdk(patches: Patches) -> None:
    from localsm import sdk_compat

    _nested(patches, "quiet")
    patches.environ("AWS_EC2_METADATA_DISABLED", "true", default=True)
    # optuna (the tuner's search, localsm/tuning.py) logs each study and trial at INFO
    # (optuna/logging.py `set_verbosity` sets this logger's level)
    patches.logger_level("optuna", logging.WARNING)
    sdk_compat.patch_sdk(patches)


def _logs(patches: Patches) -> None:
    patches.logger_level("sagemaker", logging.WARNING)
    patches.logger_filter("sagemaker.estimator", _DropTemplateWarning())


def _local(patches: Patches, region: str, handlers: Sequence, local_client_of: Callable,
           credentials: Any, current: Callable) -> None:  # fmt: skip
    """The activation's changes (activation.py names the handlers and the credentials)."""
    import importlib.util

    import boto3

    from localsm import loopback, moto_server, sdk_compat, waits

    _nested(patches, "sdk")
    patches.botocore_handlers(handlers)
    patches.attribute(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)  # restored as it was
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        patches.environ(name, None)
    patches.environ("AWS_ACCESS_KEY_ID", credentials.access_key)
    patches.environ("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    patches.environ("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION") or region)
    patches.environ("AWS_EC2_METADATA_DISABLED", "true")
    patches.environ("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    patches.environ_by(loopback.bypass_proxies, loopback.NO_PROXY_VARIABLES)
    patches.item(moto_server.ALL_S3_LOCAL, 0, True)
    if importlib.util.find_spec("s3fs") is not None:  # its clients are aiobotocore's
        patches.environ("AWS_ENDPOINT_URL_S3", moto_server.s3_endpoint())
    sdk_compat.activate_sdks(patches, local_client_of, waits, current)


_RECIPES: dict[str, Callable[..., None]] = {
    "quiet": _quiet, "sdk": _sdk, "logs": _logs, "local": _local}  # fmt: skip


def _nested(patches: Patches, layer: str) -> None:
    """Enter `layer` as part of another one (left when that one is restored)."""
    enter(layer)
    patches.then(lambda: leave(layer))


def enter(layer: str, **options: Any) -> None:
    """Enter `layer` ("quiet", "sdk", "logs" or "local"): the first time, make its changes
    (`options` go to its recipe; later entries only count)."""
    with _LOCK:
        entry = _LAYERS.get(layer)
        if entry is not None:
            entry[0] += 1
            return
        patches = Patches()
        try:
            _RECIPES[layer](patches, **options)
        except BaseException:
            patches.restore()
            raise
        _LAYERS[layer] = [1, patches]


def leave(layer: str) -> None:
    """Leave `layer` once; the last leave puts back everything its entry changed."""
    with _LOCK:
        entry = _LAYERS.get(layer)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del _LAYERS[layer]
            entry[1].restore()


def depth(layer: str) -> int:
    """How many times `layer` is entered now (0: none of its changes is in place)."""
    with _LOCK:
        entry = _LAYERS.get(layer)
        return 0 if entry is None else entry[0]


@contextmanager
def entered(layer: str, **options: Any) -> Iterator[None]:
    """`with entered("sdk"): ...`: the layer's changes, undone on exit."""
    enter(layer, **options)
    try:
        yield
    finally:
        leave(layer)
