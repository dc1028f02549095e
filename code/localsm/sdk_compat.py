"""Every place the local service relies on the SageMaker SDK v2 beyond its public API.

Keep such touches here and nowhere else, each with the reason no public way exists, so an
SDK upgrade has one file to check (tests/test_local_mode.py covers both). Every wrapper is
put in place, and taken out again, by patches.py's reversible context (nothing at import):
`patch_sdk` for its "sdk" layer, `activate_sdks` for its "local" layer.

1. `patch_sdk` wraps `validate_sagemaker_config` where the SDK looks it up: `sagemaker.utils`,
   and `sagemaker.session` and `sagemaker.local.local_session`, which import it by name (the
   local session validated its own config three times as it was created). The SDK
   re-validates its config against a large JSON schema on every config lookup (about 20 per
   `fit`, over a second in all). The wrapper skips the check only for a config a local
   session registered (`register_local_config`) and only while that config is unchanged
   since it passed: every other config, a real `sagemaker.Session()`'s included, is
   validated as before. SDK v3 (sagemaker-core) does the same: its two functions of that
   name are wrapped alike, for the config of the local session `session_v3.py` makes.
2. `check_job_status` is the SDK's private `_check_job_status`, which raises the same
   `UnexpectedStatusException` an AWS job would: our session's waits must raise it too.
3. (SDK v3) `seed_sagemaker_core` points sagemaker-core's two process-wide clients at a
   session (undone by `restore()` of the `patches` it is given: lab/modes.py gives one for
   local mode, and re-seeds them with an AWS session for SageMaker mode). sagemaker-core
   keeps one SageMaker client and one CloudWatch Logs client per process
   (`SageMakerClient`, `CloudWatchLogsClient`): the `session=` given to
   `TrainingJob.create` counts only for the first call in a process, `wait()` never looks at
   a session, and the logs client is built from a fresh `boto3.Session()`.

4. (SDK v3) `latest_training_job` reads `ModelTrainer._latest_training_job`: v3 keeps the
   job that `train()` started only there (its own examples read it the same way).
5. (SDK v3) `patch_sdk` also wraps `ProcessingJob.wait` so that, while the process-wide
   clients are a local session's, it sleeps LOCAL_POLL_SECONDS between polls
   instead of its default 5 s. Its first describe comes before any sleep, so the local
   service's long poll (session_v3.py) only starts at the second one: a 2-second Clarify job
   cost a 5-second sleep. Clarify's `run_bias` and `run_explainability` take no poll
   interval to pass on.
6. `patch_sdk` also wraps `EstimatorBase._prepare_for_training` (where the SDK v2 decides what
   code a script-mode job gets) so that, with `local.local_code` on, the job gets what the
   SDK's `tar_and_upload_dir` would have packed for SageMaker: the entry point alone when
   there is no `source_dir`, and the `dependencies` (source_packing.py says why). The SDK has
   no hook for it: with local code it sends the entry point's whole folder.
7. (SDK v2, while `localsm.activate()` is on) `activate_sdks` wraps the wait and log methods
   of `sagemaker.session.Session` and `sagemaker.local.LocalSession`: for a session whose
   SageMaker client is answered locally they follow the job (session.py's waits) instead of
   sleeping 5-30 s between describes, and the SDK's `LocalSession` (what
   `instance_type="local"` makes) gets the local service as its clients instead of Docker.
   The SDK has no hook for either: its waits call `time.sleep(poll)` with `poll` fixed by
   the estimator. The telemetry request (`_send_telemetry_request`, an HTTP GET the SDK
   makes itself, not through boto3) is skipped, in both SDKs. All undone on deactivation.

v2 and v3 cannot live in one environment: each function imports only its own SDK.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import threading
from collections.abc import Callable
from typing import Any

MARKER = "__localsm_validates_once__"
OWN_CLIENTS = "LOCALSM_OWN_CLIENTS"  # a LocalSession subclass that sets its clients itself
# ProcessingJob.wait's sleep while the process-wide client is local: the second describe
# then long-polls until the job ends (a whole second: `poll` is validated as an int).
LOCAL_POLL_SECONDS = 1
_CORE_IS_LOCAL = [False]  # whether seed_sagemaker_core was last given a local session
_LOCAL_CONFIGS: dict[int, list[Any]] = {}  # id(config) -> [config, key of the version that passed]
_LOCK = threading.Lock()


# The SDK defaults of every local session (v2 and v3): no telemetry call home (the SDKs send
# one per job otherwise); the user's own config.yaml is merged under it.
SDK_CONFIG = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}


def check_job_status(job: str, description: dict, status_key: str) -> None:
    """Raise the SDK v2's own exception when a job ended Failed (or Stopped, with a warning)."""
    from sagemaker.session import _check_job_status

    _check_job_status(job, description, status_key)


def patch_sdk(patches: Any) -> None:
    """Items 1, 5 and 6 for whichever SDK is installed, each change made through `patches`
    (patches.py's "sdk" layer, which undoes them)."""
    if _installed("sagemaker.estimator"):  # v2 (v3 raises on finding its removed modules)
        _validate_local_configs_once(patches)
        _pack_source_as_sagemaker(patches)
    if _installed("sagemaker.core"):  # v3 (sagemaker-core)
        _validate_local_configs_once_v3(patches)
        _poll_processing_jobs_quickly(patches)


def _validate_local_configs_once(patches: Any) -> None:
    """Item 1: wrap `validate_sagemaker_config` where SDK v2 looks it up (sagemaker/utils.py
    defines it; sagemaker/session.py and sagemaker/local/local_session.py import it by
    name)."""
    import sagemaker.local.local_session
    import sagemaker.session
    import sagemaker.utils

    current = sagemaker.utils.validate_sagemaker_config
    wrapper = _once_per_local_config(current)
    for module in (sagemaker.utils, sagemaker.session, sagemaker.local.local_session):
        if module.validate_sagemaker_config is current:
            patches.attribute(module, "validate_sagemaker_config", wrapper)


def _validate_local_configs_once_v3(patches: Any) -> None:
    """Item 1 for SDK v3: sagemaker-core checks the config in two functions of the same
    name: `SageMakerConfig.validate_sagemaker_config` (sagemaker/core/config/config_manager.py,
    called by `common_utils.get_sagemaker_config_value` on every lookup: about 35 in the
    Clarify notebook, 70 ms each), and `sagemaker/core/config/config.py`'s, which the session
    helper and the local session import by name."""
    import sagemaker.core.config.config
    import sagemaker.core.helper.session_helper
    from sagemaker.core.config.config_manager import SageMakerConfig

    method = SageMakerConfig.validate_sagemaker_config  # a staticmethod: the function
    patches.attribute(SageMakerConfig, "validate_sagemaker_config",
                      staticmethod(_once_per_local_config(method)))  # fmt: skip
    current = sagemaker.core.config.config.validate_sagemaker_config
    wrapper = _once_per_local_config(current)
    for module in (sagemaker.core.config.config, sagemaker.core.helper.session_helper):
        if getattr(module, "validate_sagemaker_config", None) is current:
            patches.attribute(module, "validate_sagemaker_config", wrapper)


def _once_per_local_config(current: Callable[..., None]) -> Callable[..., None]:
    """`current`, skipped for a config a local session registered while it is unchanged
    since it last passed."""

    def validate_sagemaker_config(sagemaker_config: dict | None = None) -> None:
        entry = _LOCAL_CONFIGS.get(id(sagemaker_config))
        if entry is None or entry[0] is not sagemaker_config:
            current(sagemaker_config)
            return
        key = json.dumps(sagemaker_config, sort_keys=True, default=str)
        if entry[1] != key:
            current(sagemaker_config)
            entry[1] = key

    setattr(validate_sagemaker_config, MARKER, True)
    validate_sagemaker_config.__wrapped__ = current  # type: ignore[attr-defined]
    return validate_sagemaker_config


def _pack_source_as_sagemaker(patches: Any) -> None:
    """Item 6: wrap `EstimatorBase._prepare_for_training` (sagemaker/estimator.py)."""
    from sagemaker.estimator import EstimatorBase

    from localsm import source_packing

    current = vars(EstimatorBase)["_prepare_for_training"]

    def _prepare_for_training(self, *args: Any, **kwargs: Any) -> Any:
        source_packing.before_prepare(self)
        return current(self, *args, **kwargs)

    setattr(_prepare_for_training, MARKER, True)
    _prepare_for_training.__wrapped__ = current  # type: ignore[attr-defined]
    _prepare_for_training.__doc__ = current.__doc__
    patches.attribute(EstimatorBase, "_prepare_for_training", _prepare_for_training)


def register_local_config(config: dict) -> None:
    """Let the wrapper skip re-validating `config` (a local session's own) once it passed."""
    with _LOCK:
        _LOCAL_CONFIGS[id(config)] = [config, None]


def seed_sagemaker_core(boto_session: Any, local: bool = False, patches: Any = None) -> None:
    """Make sagemaker-core's process-wide SageMaker and Logs clients those of `boto_session`
    (`local`: a session of the local service, whose processing jobs are polled quickly).
    With `patches` (a patches.Patches), its `restore()` gives back the clients it replaced;
    without, they stay until the next seeding. sagemaker/core/utils/utils.py keeps both
    singletons in `SingletonMeta._instances`; sagemaker/core/utils/logs.py's
    `CloudWatchLogsClient.client` is a class attribute an instance keeps if set."""
    from sagemaker.core.utils.logs import CloudWatchLogsClient
    from sagemaker.core.utils.utils import SageMakerClient, SingletonMeta

    from localsm.patching import REMOVE, Patches

    patches = Patches() if patches is None else patches
    instances = SingletonMeta._instances
    patches.entry(instances, SageMakerClient, REMOVE)  # what SageMakerClient.reset() does
    SageMakerClient(session=boto_session, region_name=boto_session.region_name)
    logs = boto_session.client("logs")
    existing = instances.get(CloudWatchLogsClient)
    patches.entry(instances, CloudWatchLogsClient)  # one made from now on: gone on restore
    patches.attribute(CloudWatchLogsClient, "client", logs)  # a later instance keeps it
    if existing is not None:
        patches.attribute(existing, "client", logs)  # and the existing one takes it
    patches.item(_CORE_IS_LOCAL, 0, local)


def _poll_processing_jobs_quickly(patches: Any) -> None:
    """Item 5: wrap `ProcessingJob.wait` (sagemaker/core/resources.py): a shorter poll while
    the clients are local."""
    from sagemaker.core.resources import ProcessingJob

    current = vars(ProcessingJob)["wait"]

    def wait(self, poll: int = 5, *args: Any, **kwargs: Any) -> None:
        if _CORE_IS_LOCAL[0]:
            poll = min(poll, LOCAL_POLL_SECONDS)
        return current(self, poll, *args, **kwargs)  # the rest as given, whatever it is

    setattr(wait, MARKER, True)
    wait.__wrapped__ = current  # type: ignore[attr-defined]
    wait.__doc__ = current.__doc__
    patches.attribute(ProcessingJob, "wait", wait)


def latest_training_job(model_trainer: Any) -> Any:
    """The `TrainingJob` that a v3 `ModelTrainer.train()` started last."""
    job = getattr(model_trainer, "_latest_training_job", None)
    if job is None:
        raise ValueError("this model trainer has not started a training job: call train() first")
    return job


def with_local_defaults(loaded: dict | None, defaults: dict) -> dict:
    """The user's SageMaker config (as `load_sagemaker_config()` merged it) with local mode's
    `defaults` on top, key by key: what the user set elsewhere is kept."""
    merged = copy.deepcopy(loaded or {})

    def put(target: dict, source: dict) -> None:
        for key, value in source.items():
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                put(target[key], value)
            else:
                target[key] = copy.deepcopy(value)

    put(merged, defaults)
    return merged


# SDK v2 waits answered by session.py's functions of the local service (item 7)
V2_WAITS = {
    "logs_for_job": lambda client, job_name, wait=False, *_, **__: (client, job_name, wait),
    "wait_for_job": lambda client, job, *_, **__: (client, job),
    "wait_for_tuning_job": lambda client, job, *_, **__: (client, job),
    "wait_for_endpoint": lambda client, endpoint, *_, **__: (client, endpoint),
    "wait_for_transform_job": lambda client, job, *_, **__: (client, job),
    "logs_for_transform_job": lambda client, job_name, wait=False, *_, **__: (client, job_name,
                                                                               wait),
    "wait_for_processing_job": lambda client, job, *_, **__: (client, job),
    "logs_for_processing_job": lambda client, job_name, wait=False, *_, **__: (client, job_name,
                                                                                wait),
}  # fmt: skip


def activate_sdks(patches: Any, local_client_of: Callable[[Any], Any], waits: Any,
                  current: Callable[[], Any]) -> None:  # fmt: skip
    """Item 7 for whichever SDK is installed, each change made through `patches` (patches.py's
    "local" layer). `local_client_of(session)` is the LocalSageMakerClient answering an SDK
    session, or None; `waits`: the module of the local waits (waits.py); `current()`: the
    activation in force (activation.py), or None. Passed in, not imported: both import this
    module."""
    if not _installed("sagemaker"):
        return
    if _installed("sagemaker.estimator"):  # v2 (v3 raises on finding its removed modules)
        _activate_v2(patches, local_client_of, waits, current)
        _no_telemetry(patches, "sagemaker.telemetry.telemetry_logging")
    if _installed("sagemaker.core"):  # v3 (sagemaker-core)
        _no_telemetry(patches, "sagemaker.core.telemetry.telemetry_logging")
        # every client is local now: poll processing jobs quickly
        patches.item(_CORE_IS_LOCAL, 0, True)


def _installed(module: str) -> bool:
    """Whether `module` can be imported (SDK v3 raises when asked about a v2-only module)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _no_telemetry(patches: Any, module_name: str) -> None:
    """Skip the SDK's telemetry request (an HTTP call outside boto3) while local mode is on
    (sagemaker/telemetry/telemetry_logging.py, sagemaker/core/telemetry/telemetry_logging.py:
    `_send_telemetry_request`)."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return
    if hasattr(module, "_send_telemetry_request"):
        patches.attribute(module, "_send_telemetry_request", lambda *_, **__: None)


def _activate_v2(patches: Any, local_client_of: Callable[[Any], Any], waits: Any,
                 current: Callable[[], Any]) -> None:  # fmt: skip
    """Wrap SDK v2's waits and its LocalSession's clients (item 7): sagemaker/session.py
    `Session.wait_for_job` & co., sagemaker/local/local_session.py `LocalSession`."""
    from sagemaker.local import LocalSession
    from sagemaker.session import Session

    for cls in (Session, LocalSession):
        for name, arguments in V2_WAITS.items():
            if name in vars(cls):
                local = getattr(waits, name)
                wait = _local_wait(vars(cls)[name], local, arguments, local_client_of)
                patches.attribute(cls, name, wait)
    initialize = _local_clients(vars(LocalSession)["_initialize"], current)
    patches.attribute(LocalSession, "_initialize", initialize)


def _local_wait(original: Any, local: Any, arguments: Any, local_client_of: Any) -> Any:
    """`original`, except for a session answered locally: then `local(client, ...)`."""

    def wait(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = local_client_of(self)
        if client is None:
            return original(self, *args, **kwargs)
        return local(*arguments(client, *args, **kwargs))

    wait.__doc__ = original.__doc__
    wait.__wrapped__ = original  # type: ignore[attr-defined]
    return wait


def _local_clients(original: Any, current: Callable[[], Any]) -> Any:
    """The SDK's `LocalSession` set up as always, then given the local service's clients
    (the SDK's own are its Docker runner)."""

    def _initialize(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        from localsm.serving.runtime import LocalRuntimeClient

        activation = current()
        if activation is not None and not getattr(self, OWN_CLIENTS, False):
            self.sagemaker_client = activation.local_client
            self.sagemaker_runtime_client = LocalRuntimeClient(activation.local_client)

    _initialize.__wrapped__ = original  # type: ignore[attr-defined]
    return _initialize
