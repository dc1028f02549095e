"""Script mode: how SageMaker's training toolkit turns a job into a command and environment.

In script mode (a `sagemaker_program` hyperparameter) the XGBoost images copy the source
directory to `/opt/ml/code`, decode the hyperparameters, and run
`python -m <module> --key value ...` from there with `SM_*` variables describing the job.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from localsm import uris

# Keys the toolkit keeps for itself instead of passing them to the script.
RESERVED = ("_tuning_objective_metric", "default_user_module_name")
# Stand-ins for the image's own helper packages (sagemaker_containers,
# sagemaker_xgboost_container), and code/ for the `localsm` they read data with.
SCRIPT_IMAGE = Path(__file__).resolve().parent / "script_image"
CODE_FOLDER = Path(__file__).resolve().parent.parent
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
        PYTHONPATH=image_python_path(code_dir, os.environ.get("PYTHONPATH")),
        SAGEMAKER_JOB_NAME=job_name,
        CURRENT_HOST=resource_config["current_host"],
        SAGEMAKER_REGION=region,
        SM_STUDIO_LOCAL_MODE="true",
    )
    return env


def image_python_path(*first: str | None) -> str:
    """A script's PYTHONPATH: `first` (its code, the caller's path), then what the XGBoost
    image provides besides PyPI packages (script_image/README.md)."""
    return os.pathsep.join(filter(None, [*first, str(SCRIPT_IMAGE), str(CODE_FOLDER)]))


def command(hyperparameters: dict[str, str]) -> list[str]:
    """`python -m <module> <args>`, as the XGBoost images (sagemaker-containers) run a script."""
    decoded = decode(hyperparameters)
    user, framework = split(decoded)
    program = str(framework["sagemaker_program"])
    if program.endswith(".py"):
        return [sys.executable, "-u", "-m", program[:-3], *to_args(user)]
    return [sys.executable, "-u", program, *to_args(user)]


def unknown_arguments(static: dict[str, str], tuned: list[str]) -> str | None:
    """Why every job of a tuning job in script mode would fail (None: not for this reason): a
    hyperparameter the entry point's argparse parser does not accept. The options are read
    from the entry point's source, never by running it; when they cannot be told (no argparse,
    `parse_known_args`), nothing is refused."""
    decoded = decode(static)
    user, framework = split(decoded)
    source = uris.file_path(str(framework.get("sagemaker_submit_directory", "")))
    program = str(framework.get("sagemaker_program", ""))
    found = entry_point_options(source / program)
    if found is None:
        return None
    options, abbreviations = found
    for name in [*tuned, *user]:
        option = f"-{name}" if len(name) == 1 else f"--{name}"
        if option in options or (abbreviations and any(o.startswith(option) for o in options)):
            continue
        listed = ", ".join(sorted(o for o in options if o.startswith("--")))
        listed = listed if len(listed) < 200 else listed[:200].rsplit(",", 1)[0] + ", ..."
        return (
            f"hyperparameter {name!r} is not an argument of {program} (its options: {listed}): "
            "every training job would fail. Fix the name in the tuner's ranges or the "
            "estimator's hyperparameters."
        )
    return None


def entry_point_options(path: Path) -> tuple[set[str], bool] | None:
    """(option strings, abbreviations allowed) of the argparse parser in `path`'s source, or
    None when they cannot be read from it without running it."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    options: set[str] = set()
    dynamic = False
    abbreviations = True
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in ("parse_known_args", "parse_known_intermixed_args"):
            return None  # unknown arguments are accepted
        if name == "ArgumentParser" or name.endswith("Parser"):
            for keyword in node.keywords:
                if keyword.arg == "allow_abbrev" and isinstance(keyword.value, ast.Constant):
                    abbreviations = bool(keyword.value.value)
        if name == "add_argument":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    options.add(arg.value)
                else:
                    dynamic = True
    if not options and not dynamic:
        return None  # no argparse parser here
    if dynamic:  # options from a table: every option-like text of the file may be one
        if any(_builds_option(node) for node in ast.walk(tree)):
            return None  # option names made at run time (f"--{name}"): cannot be told
        options |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"--?[A-Za-z][\w-]*", node.value)
        }  # fmt: skip
    return options, abbreviations


def _builds_option(node: object) -> bool:
    """Whether `node` (a list, a tuple or a call to add_argument) holds an f-string that makes
    an option name, such as `[f"--{name}"]`."""
    import ast

    if isinstance(node, ast.List | ast.Tuple):
        items = node.elts
    elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
        items = node.args
    else:
        return False
    return any(
        isinstance(item, ast.JoinedStr)
        and item.values
        and isinstance(item.values[0], ast.Constant)
        and str(item.values[0].value).startswith("-")
        for item in items
    )
