"""Silence what the SageMaker SDK v2 prints that a learner should not have to read.

Imported (cheaply: no SDK import) by `lab`, the local session and the tests before the SDK
is imported, since the SDK reads these settings at import time.
"""

from __future__ import annotations

import logging
import os


def silence_sdk() -> None:
    """The lab uses SDK v2 on purpose (see README.md): no v3 notice, no config-loader INFO."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)


def no_metadata_probe() -> None:
    """Resolving a region or credentials with none configured makes botocore ask the EC2
    metadata service (a network call, and seconds of timeouts off EC2). The SDK creates boto3
    clients of its own (Estimator's TensorBoardApp), so local mode switches that probe off for
    the process. Regions and credentials from the environment or ~/.aws still work."""
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def quiet_local_mode() -> None:
    """Local mode only: the SDK's INFO messages (`Creating training-job with name ...`,
    telemetry and image notices) go nowhere. The SDK calls `logging.basicConfig(level=INFO)`
    when it imports its experiments module, so they reach stderr, where a notebook shows each
    one in a pink box as if it were an error. Warnings and errors still show; on AWS nothing
    changes."""
    logging.getLogger("sagemaker").setLevel(logging.WARNING)
    quiet_template_warning()


class _DropTemplateWarning(logging.Filter):
    """The tuner reads `model_data` of the estimator it uses as a template, which never trains
    itself; the SDK then warns that no training job finished, which reads like a failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No finished training job found associated")


def quiet_template_warning() -> None:
    """Local mode only (see `_DropTemplateWarning`); idempotent."""
    logger = logging.getLogger("sagemaker.estimator")  # filters do not apply to children
    if not any(isinstance(f, _DropTemplateWarning) for f in logger.filters):
        logger.addFilter(_DropTemplateWarning())
