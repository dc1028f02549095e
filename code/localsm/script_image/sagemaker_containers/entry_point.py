"""`sagemaker_containers.entry_point`: what scripts call from it.

The image's `_wait_hostname_resolution` blocks until the name of every host of the job
resolves (the cluster's DNS comes up as its instances start). A local job has one host, this
machine, so there is nothing to wait for.
"""

from __future__ import annotations

import json
import os

from sagemaker_containers._local import refusal


def _hosts() -> list[str]:
    return json.loads(os.environ.get("SM_HOSTS", '["algo-1"]'))


def _wait_hostname_resolution() -> None:
    """Return once every host of the job can be reached: at once for a local job."""
    hosts = _hosts()
    if len(hosts) > 1:
        raise RuntimeError(refusal(f"training on {len(hosts)} hosts"))


def run(*args: object, **kwargs: object) -> None:
    """Running another entry point is the toolkit's own business."""
    raise RuntimeError(refusal("sagemaker_containers.entry_point.run"))
