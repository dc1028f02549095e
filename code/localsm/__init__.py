"""A Docker-free local SageMaker training service for the unmodified SageMaker Python SDK v2.

`LocalSageMakerSession` is a `sagemaker.local.LocalSession` whose `sagemaker_client` is our
`LocalSageMakerClient`: the SDK's `Estimator`, `XGBoost` and `HyperparameterTuner` send it the
same requests they send to AWS, and it runs each training job as a local process under the
SageMaker container contract (the `/opt/ml` layout, `SM_*` variables, metric log lines).

Follow one job: `session.py` (the SDK side) -> `client.py` (API operations, request checks)
-> `jobs.py` (one job: folder, data, process, artifacts) -> `toolkit.py` (script mode) or
`builtin_xgboost.py` (the built-in algorithm) -> your entry point.
"""

from localsm.client import LocalSageMakerClient
from localsm.session import LocalSageMakerSession

__all__ = ["LocalSageMakerClient", "LocalSageMakerSession"]
