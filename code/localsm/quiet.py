"""Process-wide settings for processes that are not a learner's kernel: the test runner
(tests/conftest.py) and the model servers (serving/codecs.py, before importing the SDK).

A learner's kernel never calls these: there, patches.py makes the same settings in its
reversible context, and undoes them when local mode ends.
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
