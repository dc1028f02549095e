"""Script mode: how SageMaker's training toolkit turns a job into a command and environment.

In script mode (a `sagemaker_program` hyperparameter) the XGBoost images copy the source
directory to `/opt/ml/code`, decode the hyperparameters, and run
`python -m <module> --key value ...` from there with `SM_*` variables describing the job.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# Keys the toolkit keeps for itself instead of passing them to the script.
RESERVED = ("_tuning_objective_metric", "default_user_module_name")
KNOWN_FRAMEWORK_KEYS = (
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_container_log_level",
    "sagemaker_job_name",
    "sagemaker_region",
    "sagemaker_estimator_class_name",
    "sagemaker_estimator_module",
)


def is_script_mode(hyperparameters: dict[str, str]) -> bool:
    return "sagemaker_program" in hyperparameters


def decode(hyperparameters: dict[str, str]) -> dict[str, Any]:
    """Each value JSON-decoded when it parses, the raw string otherwise (as the toolkit does)."""
    decoded = {}
    for key, value in hyperparameters.items():
        try:
            decoded[key] = json.loads(value)
        except (TypeError, ValueError):
            decoded[key] = value
    return decoded


def split(decoded: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(user hyperparameters, framework parameters): `sagemaker_*` keys are the framework's."""
    user = {
        k: v for k, v in decoded.items() if not k.startswith("sagemaker_") and k not in RESERVED
    }
    framework = {k: v for k, v in decoded.items() if k.startswith("sagemaker_")}
    return user, framework


def _arg_value(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def to_args(user_hyperparameters: dict[str, Any]) -> list[str]:
    """`--key value` pairs in sorted key order (`-k` for one-letter keys)."""
    args: list[str] = []
    for key in sorted(user_hyperparameters):
        args += [f"-{key}" if len(key) == 1 else f"--{key}", _arg_value(user_hyperparameters[key])]
    return args


def _env_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def environment(
    *,
    ml_root: Path,
    job_name: str,
    region: str,
    hyperparameters: dict[str, str],
    input_data_config: dict[str, dict],
    resource_config: dict[str, Any],
    threads: int,
) -> dict[str, str]:
    """The `SM_*` variables (and friends) a script-mode entry point sees."""
    decoded = decode(hyperparameters)
    user, framework = split(decoded)
    program = str(framework.get("sagemaker_program", ""))
    module = program[:-3] if program.endswith(".py") else program
    channels = sorted(input_data_config)
    args = to_args(user)
    values: dict[str, Any] = {
        "model_dir": str(ml_root / "model"),
        "output_dir": str(ml_root / "output"),
        "output_data_dir": str(ml_root / "output" / "data"),
        "output_intermediate_dir": str(ml_root / "output" / "intermediate"),
        "input_dir": str(ml_root / "input"),
        "input_config_dir": str(ml_root / "input" / "config"),
        "current_host": resource_config["current_host"],
        "current_instance_type": resource_config["current_instance_type"],
        "network_interface_name": resource_config["network_interface_name"],
        "hosts": resource_config["hosts"],
        "channels": channels,
        "hps": user,
        "framework_params": {k: v for k, v in framework.items() if k not in KNOWN_FRAMEWORK_KEYS},
        "resource_config": resource_config,
        "input_data_config": input_data_config,
        "user_entry_point": program,
        "module_name": module,
        "module_dir": str(framework.get("sagemaker_submit_directory", "")),
        "framework_module": "sagemaker_xgboost_container.training:main",
        "user_args": args,
        "num_cpus": threads,
        "num_gpus": 0,
        "log_level": 20,
    }
    env = {f"SM_{key.upper()}": _env_value(value) for key, value in values.items()}
    env["SM_TRAINING_ENV"] = json.dumps({**values, "job_name": job_name}, sort_keys=True)
    for channel in channels:
        env[f"SM_CHANNEL_{channel.upper()}"] = str(ml_root / "input" / "data" / channel)
    for key, value in user.items():
        env[f"SM_HP_{key.upper()}"] = _env_value(value)
    code_dir = str(ml_root / "code")
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [code_dir, os.environ.get("PYTHONPATH")])),
        SAGEMAKER_JOB_NAME=job_name,
        CURRENT_HOST=resource_config["current_host"],
        SAGEMAKER_REGION=region,
        SM_STUDIO_LOCAL_MODE="true",
    )
    return env


def command(hyperparameters: dict[str, str]) -> list[str]:
    """`python -m <module> <args>`, as the XGBoost images (sagemaker-containers) run a script."""
    decoded = decode(hyperparameters)
    user, framework = split(decoded)
    program = str(framework["sagemaker_program"])
    if program.endswith(".py"):
        return [sys.executable, "-u", "-m", program[:-3], *to_args(user)]
    return [sys.executable, "-u", program, *to_args(user)]
