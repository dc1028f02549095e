"""Every place the local service relies on the SageMaker SDK v2 beyond its public API.

Keep such touches here and nowhere else, each with the reason no public way exists, so an
SDK upgrade has one file to check (tests/test_local_mode.py covers both).

1. `install()` wraps `sagemaker.utils.validate_sagemaker_config`. The SDK re-validates its
   config against a large JSON schema on every config lookup (about 20 per `fit`, over a
   second in all). The wrapper skips the check only for a config a local session registered
   (`register_local_config`) and only while that config is unchanged since it passed: every
   other config, a real `sagemaker.Session()`'s included, is validated as before.
2. `check_job_status` is the SDK's private `_check_job_status`, which raises the same
   `UnexpectedStatusException` an AWS job would: our session's waits must raise it too.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import sagemaker.utils
from sagemaker.session import _check_job_status

MARKER = "__localsm_validates_once__"
_LOCAL_CONFIGS: dict[int, list[Any]] = {}  # id(config) -> [config, key of the version that passed]
_LOCK = threading.Lock()

check_job_status = _check_job_status


def install() -> None:
    """Wrap the SDK's config validation once per process (calling it again does nothing)."""
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
    sagemaker.utils.validate_sagemaker_config = validate_sagemaker_config


def register_local_config(config: dict) -> None:
    """Let the wrapper skip re-validating `config` (a local session's own) once it passed."""
    with _LOCK:
        _LOCAL_CONFIGS[id(config)] = [config, None]
