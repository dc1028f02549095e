"""A Docker-free local SageMaker service for the unmodified SageMaker Python SDK v2.

`LocalSageMakerSession` is a `sagemaker.local.LocalSession` whose `sagemaker_client` is our
`LocalSageMakerClient`: the SDK's `Estimator`, `XGBoost` and `HyperparameterTuner` send it the
same requests they send to AWS, and it runs each training job as a local process under the
SageMaker container contract (the `/opt/ml` layout, `SM_*` variables, metric log lines).

Follow one job: `session.py` (the SDK side) -> `client.py` (API operations, request checks)
-> `training/` (one job: `job.py` its record, `runner.py` its process) -> `toolkit.py` (script
mode) or `builtin/` (the built-in algorithm) -> your entry point.

`activate()` (activation.py) answers every boto3 client of the process locally, as moto's
`mock_aws` does: AWS's own SDK code runs unchanged after that one call.

The names below are imported on first use: the built-in algorithm runs as
`python -m localsm.builtin` and must not pay for importing the SageMaker SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localsm.activation import activate
    from localsm.client import LocalSageMakerClient
    from localsm.session import LocalSageMakerSession

__all__ = ["LocalSageMakerClient", "LocalSageMakerSession", "activate"]


def __getattr__(name: str) -> Any:
    if name == "activate":
        from localsm.activation import activate

        return activate
    if name == "LocalSageMakerClient":
        from localsm.client import LocalSageMakerClient

        return LocalSageMakerClient
    if name == "LocalSageMakerSession":
        from localsm import patches

        with patches.entered("quiet"):  # the SDK v2 warns once, as it is first imported
            from localsm.session import LocalSageMakerSession

        return LocalSageMakerSession
    raise AttributeError(f"module 'localsm' has no attribute {name!r}")
