"""Every place the local service relies on the SageMaker SDK v2 beyond its public API.

Keep such touches here and nowhere else, each with the reason no public way exists, so an
SDK upgrade has one file to check (tests/test_local_mode.py covers both).

1. `install()` wraps `validate_sagemaker_config` where the SDK looks it up: `sagemaker.utils`,
   and `sagemaker.session` and `sagemaker.local.local_session`, which import it by name (the
   local session validated its own config three times as it was created). The SDK
   re-validates its config against a large JSON schema on every config lookup (about 20 per
   `fit`, over a second in all). The wrapper skips the check only for a config a local
   session registered (`register_local_config`) and only while that config is unchanged
   since it passed: every other config, a real `sagemaker.Session()`'s included, is
   validated as before.
2. `check_job_status` is the SDK's private `_check_job_status`, which raises the same
   `UnexpectedStatusException` an AWS job would: our session's waits must raise it too.
3. (SDK v3) `seed_sagemaker_core` points sagemaker-core's two process-wide clients at a
   session. sagemaker-core keeps one SageMaker client and one CloudWatch Logs client per
   process (`SageMakerClient`, `CloudWatchLogsClient`): the `session=` given to
   `TrainingJob.create` counts only for the first call in a process, `wait()` never looks at
   a session, and the logs client is built from a fresh `boto3.Session()`.

4. (SDK v3) `latest_training_job` reads `ModelTrainer._latest_training_job`: v3 keeps the
   job that `train()` started only there (its own examples read it the same way).
5. (SDK v3) `seed_sagemaker_core` also wraps `ProcessingJob.wait` so that, while the
   process-wide clients are a local session's, it sleeps LOCAL_POLL_SECONDS between polls
   instead of its default 5 s. Its first describe comes before any sleep, so the local
   service's long poll (session_v3.py) only starts at the second one: a 2-second Clarify job
   cost a 5-second sleep. Clarify's `run_bias` and `run_explainability` take no poll
   interval to pass on.

6. `install()` also wraps `EstimatorBase._prepare_for_training` (where the SDK v2 decides what
   code a script-mode job gets) so that, with `local.local_code` on, the job gets what the
   SDK's `tar_and_upload_dir` would have packed for SageMaker: the entry point alone when
   there is no `source_dir`, and the `dependencies` (source_packing.py says why). The SDK has
   no hook for it: with local code it sends the entry point's whole folder.

v2 and v3 cannot live in one environment: each function imports only its own SDK.
"""

from __future__ import annotations

import json
import threading
from typing import Any

MARKER = "__localsm_validates_once__"
# ProcessingJob.wait's sleep while the process-wide client is local: the second describe
# then long-polls until the job ends (a whole second: `poll` is validated as an int).
LOCAL_POLL_SECONDS = 1
_CORE_IS_LOCAL = [False]  # whether seed_sagemaker_core was last given a local session
_LOCAL_CONFIGS: dict[int, list[Any]] = {}  # id(config) -> [config, key of the version that passed]
_LOCK = threading.Lock()


def check_job_status(job: str, description: dict, status_key: str) -> None:
    """Raise the SDK v2's own exception when a job ended Failed (or Stopped, with a warning)."""
    from sagemaker.session import _check_job_status

    _check_job_status(job, description, status_key)


def install() -> None:
    """Wrap the SDK's config validation once per process (calling it again does nothing)."""
    import sagemaker.local.local_session
    import sagemaker.session
    import sagemaker.utils

    _pack_source_as_sagemaker()
    current = sagemaker.utils.validate_sagemaker_config
    if getattr(current, MARKER, False):
        return

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
    for module in (sagemaker.utils, sagemaker.session, sagemaker.local.local_session):
        if module.validate_sagemaker_config is current:
            module.validate_sagemaker_config = validate_sagemaker_config


def _pack_source_as_sagemaker() -> None:
    """Wrap `EstimatorBase._prepare_for_training` once (item 6)."""
    from sagemaker.estimator import EstimatorBase

    from localsm import source_packing

    current = EstimatorBase._prepare_for_training
    if getattr(current, MARKER, False):
        return

    def _prepare_for_training(self, *args: Any, **kwargs: Any) -> Any:
        source_packing.before_prepare(self)
        return current(self, *args, **kwargs)

    setattr(_prepare_for_training, MARKER, True)
    _prepare_for_training.__wrapped__ = current  # type: ignore[attr-defined]
    _prepare_for_training.__doc__ = current.__doc__
    EstimatorBase._prepare_for_training = _prepare_for_training


def register_local_config(config: dict) -> None:
    """Let the wrapper skip re-validating `config` (a local session's own) once it passed."""
    with _LOCK:
        _LOCAL_CONFIGS[id(config)] = [config, None]


def seed_sagemaker_core(boto_session: Any, local: bool = False) -> None:
    """Make sagemaker-core's process-wide SageMaker and Logs clients those of `boto_session`
    (`local`: a session of the local service, whose processing jobs are polled quickly)."""
    from sagemaker.core.utils.logs import CloudWatchLogsClient
    from sagemaker.core.utils.utils import SageMakerClient

    SageMakerClient.reset()
    SageMakerClient(session=boto_session, region_name=boto_session.region_name)
    logs = boto_session.client("logs")
    CloudWatchLogsClient.client = logs  # a later instance keeps it (`if not self.client`)
    CloudWatchLogsClient().client = logs  # and the existing one, if any, takes it
    _CORE_IS_LOCAL[0] = local
    _poll_processing_jobs_quickly()


def _poll_processing_jobs_quickly() -> None:
    """Wrap `ProcessingJob.wait` once: a shorter poll while the clients are local (item 5)."""
    from sagemaker.core.resources import ProcessingJob

    current = ProcessingJob.wait
    if getattr(current, MARKER, False):
        return

    def wait(self, poll: int = 5, *args: Any, **kwargs: Any) -> None:
        if _CORE_IS_LOCAL[0]:
            poll = min(poll, LOCAL_POLL_SECONDS)
        return current(self, poll, *args, **kwargs)  # the rest as given, whatever it is

    setattr(wait, MARKER, True)
    wait.__wrapped__ = current  # type: ignore[attr-defined]
    wait.__doc__ = current.__doc__
    ProcessingJob.wait = wait


def latest_training_job(model_trainer: Any) -> Any:
    """The `TrainingJob` that a v3 `ModelTrainer.train()` started last."""
    job = getattr(model_trainer, "_latest_training_job", None)
    if job is None:
        raise ValueError("this model trainer has not started a training job: call train() first")
    return job
