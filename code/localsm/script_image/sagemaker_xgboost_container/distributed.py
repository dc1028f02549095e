"""`sagemaker_xgboost_container.distributed` for a job on one host.

On SageMaker `rabit_run` starts XGBoost's Rabit tracker across the job's hosts, keeps those
that have training data, and runs `exec_fun(**args)` on each (with `is_master` added when
`update_rabit_args`); with one host holding data it runs `exec_fun` directly. A local job has
one host, so only that last path exists here; several hosts are refused.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from sagemaker_containers._local import refusal


def wait_hostname_resolution(sm_hosts: Iterable[str]) -> None:
    """Return once every host resolves: a local job's only host is this machine."""
    hosts = list(sm_hosts)
    if len(hosts) > 1:
        raise RuntimeError(refusal(f"distributed training on {len(hosts)} hosts"))


def rabit_run(
    exec_fun: Callable[..., Any],
    args: dict[str, Any],
    include_in_training: bool,
    hosts: list[str],
    current_host: str,
    first_port: int | None = None,
    second_port: int | None = None,
    max_connect_attempts: int | None = None,
    connect_retry_timeout: int = 3,
    update_rabit_args: bool = False,
) -> None:
    """Run `exec_fun(**args)` as the single host of the job (the master)."""
    if len(hosts) > 1:
        raise RuntimeError(refusal(f"distributed training on {len(hosts)} hosts (rabit_run)"))
    if not include_in_training:  # the image: a host without data leaves the job, exit 0
        logging.warning("Host %s not being used for distributed training.", current_host)
        sys.exit(0)
    if update_rabit_args:
        args.update({"is_master": True})
    exec_fun(**args)
