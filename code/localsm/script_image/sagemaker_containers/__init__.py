"""Local stand-in for `sagemaker_containers` (aws/sagemaker-containers 2.8.6), the training
toolkit of the SageMaker XGBoost images, for the few names scripts import from it.

See ../README.md; everything else under this name is refused with a message.
"""

from __future__ import annotations

from sagemaker_containers._errors import ClientError
from sagemaker_containers._local import refusal, refuse_other_submodules

__all__ = ["ClientError"]

refuse_other_submodules(__name__)


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(refusal(f"sagemaker_containers.{name}"))
