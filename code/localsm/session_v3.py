"""The SDK v3 side: a `sagemaker.core` Session over a boto3 session that the local service
answers (`bridge.py`), so `ModelTrainer` and the v3 `HyperparameterTuner` run their jobs here.

v3 waits on a job by describing it, then sleeping 5 seconds while it is not over. A 1-second
job must not cost 5 seconds of sleep, so the service long-polls: when the same job is
described again within a few seconds (someone is waiting on it), the answer waits until the
job ends (or the endpoint is ready), for at most a minute: training, tuning, processing and
transform jobs, and endpoints. A lone `describe` still answers at once. A processing job's
`wait` describes before its first sleep, so it would still sleep 5 s once: while the
process-wide clients are local it sleeps 1 s instead (sdk_compat, item 5).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from localsm import bridge, moto_server, sdk_compat
from localsm.client import LocalSageMakerClient
from localsm.logs import LocalLogs
from localsm.long_polling import LongPolling
from localsm.sdk_compat import SDK_CONFIG


def local_v3_session(jobs_dir: str | Path, region: str = "us-east-1") -> Any:
    """A `sagemaker.core.helper.session_helper.Session` whose jobs run on this machine."""
    return local_v3_session_and_service(jobs_dir, region)[0]


def local_v3_session_and_service(jobs_dir: str | Path, region: str = "us-east-1",
                                 patches: Any = None) -> tuple:  # fmt: skip
    """The session of `local_v3_session`, and the (long-polling) local service answering it
    (which `localsm.activate(service=...)` can answer every other client with). sagemaker-core's
    process-wide clients become this session's: with `patches` (a patches.Patches), until its
    `restore()`."""
    from sagemaker.core.config import load_sagemaker_config
    from sagemaker.core.helper.session_helper import Session

    service = LongPolling()
    boto_session = bridge.local_boto_session(
        region, service, LocalLogs(service), moto_server.s3_endpoint()
    )
    owner = SimpleNamespace(boto_session=boto_session, boto_region_name=region)
    service.service = LocalSageMakerClient(owner, jobs_dir)
    sdk_compat.seed_sagemaker_core(boto_session, local=True, patches=patches)
    # the user's config files (config.yaml), as sagemaker.core's Session reads them, with
    # local mode's defaults on top
    config = sdk_compat.with_local_defaults(load_sagemaker_config(), SDK_CONFIG)
    sdk_compat.register_local_config(config)
    return Session(boto_session=boto_session, sagemaker_config=config), service
