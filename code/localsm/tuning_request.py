"""A CreateHyperParameterTuningJob request checked as SageMaker checks it, before any training
job starts: ranges (a continuous range may touch an open end of its hyperparameter's range; the
values sampled stay inside it), limits, the objective, and the hyperparameters the training
code accepts. Every refusal names the range or hyperparameter at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from localsm import metrics, toolkit
from localsm.exceptions import ValidationException


def ranges_of(config: dict) -> list[tuple[str, str, dict]]:
    """[(kind, name, range)] for the Integer, Continuous and Categorical parameter ranges."""
    ranges = config.get("ParameterRanges", {})
    found = []
    for kind in ("Integer", "Continuous", "Categorical"):
        for item in ranges.get(f"{kind}ParameterRanges", []) or []:
            found.append((kind, item["Name"], item))
    return found


def validate_request(request: dict) -> None:
    """Refuse, before any job starts, a tuning request that makes no sense or whose every
    training job would fail."""
    config = request["HyperParameterTuningJobConfig"]
    definition = request.get("TrainingJobDefinition")
    if definition is None:
        _refuse(
            "TrainingJobDefinitions (several training definitions in one tuning job) is not "
            "available locally: give one TrainingJobDefinition, or run this tuning job on "
            "SageMaker"
        )
    if request.get("WarmStartConfig"):
        _refuse(
            "WarmStartConfig (a tuning job that starts from earlier ones) is not available "
            "locally; run this tuning job on SageMaker"
        )
    _refuse_auto_parameters(config)
    ranges = ranges_of(config)
    _validate_ranges(ranges, config["Strategy"], definition)
    _validate_limits(config)
    _validate_objective(config, definition)
    _validate_hyperparameters(ranges, config, definition)


def _refuse(message: str) -> None:
    raise ValidationException("CreateHyperParameterTuningJob", message)


def _refuse_auto_parameters(config: dict) -> None:
    """Autotune's AutoParameters: SageMaker infers each range from a value hint by rules it
    does not publish, so local mode cannot pick the ranges SageMaker would."""
    auto = (config.get("ParameterRanges") or {}).get("AutoParameters") or []
    if auto:
        names = ", ".join(str(item.get("Name")) for item in auto)
        _refuse(
            f"ParameterRanges.AutoParameters ({names}): the ranges Autotune infers from value "
            "hints are not available locally; give Integer, Continuous or Categorical "
            "ParameterRanges, or run this tuning job on SageMaker"
        )


def _validate_ranges(ranges: list[tuple[str, str, dict]], strategy: str, definition: dict) -> None:
    if not ranges:
        _refuse("ParameterRanges is empty: give at least one Integer, Continuous or Categorical "
                "range")  # fmt: skip
    names = [name for _, name, _ in ranges]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        _refuse(f"hyperparameter(s) {', '.join(duplicated)} appear in more than one range")
    both = sorted(set(definition.get("StaticHyperParameters", {})) & set(names))
    if both:
        _refuse(
            f"hyperparameter(s) {', '.join(both)} are both static and tuned: remove them from "
            "the estimator's hyperparameters or from the ranges"
        )
    for kind, name, item in ranges:
        _validate_range(kind, name, item, strategy)


def _validate_range(kind: str, name: str, item: dict, strategy: str) -> None:
    if kind == "Categorical":
        if not item.get("Values"):
            _refuse(f"categorical range {name!r} has no values")
        return
    try:
        low, high = float(item["MinValue"]), float(item["MaxValue"])
    except ValueError:
        _refuse(f"range {name!r}: MinValue and MaxValue must be numbers")
    if kind == "Integer" and (low != int(low) or high != int(high)):
        _refuse(f"integer range {name!r}: MinValue and MaxValue must be integers")
    if low > high:
        _refuse(f"range {name!r}: MinValue {item['MinValue']} is greater than MaxValue "
                f"{item['MaxValue']}")  # fmt: skip
    scaling = item.get("ScalingType", "Auto")
    if scaling == "Logarithmic" and low <= 0:
        _refuse(f"range {name!r}: logarithmic scaling needs MinValue > 0 (got {low:g})")
    if scaling == "ReverseLogarithmic":
        if kind == "Integer":
            _refuse(f"range {name!r}: reverse logarithmic scaling is for continuous ranges")
        if not (0 <= low and high < 1):
            _refuse(f"range {name!r}: reverse logarithmic scaling needs 0 <= MinValue and "
                    "MaxValue < 1")  # fmt: skip
    if strategy == "Grid" and kind == "Continuous":
        _refuse(f"the Grid strategy needs Integer or Categorical ranges; {name!r} is continuous")


def _validate_limits(config: dict) -> None:
    limits = config.get("ResourceLimits", {})
    total = limits.get("MaxNumberOfTrainingJobs")
    parallel = limits.get("MaxParallelTrainingJobs", 1)
    if total is None and config["Strategy"] != "Grid":
        _refuse("ResourceLimits.MaxNumberOfTrainingJobs is required for this strategy")
    if total is not None and parallel > total:
        _refuse(f"MaxParallelTrainingJobs ({parallel}) is greater than MaxNumberOfTrainingJobs "
                f"({total})")  # fmt: skip


def _validate_objective(config: dict, definition: dict) -> None:
    objective = config["HyperParameterTuningJobObjective"]["MetricName"]
    spec = definition["AlgorithmSpecification"]
    defined = [d["Name"] for d in spec.get("MetricDefinitions") or []]
    if defined and objective not in defined:
        _refuse(f"objective metric {objective!r} has no metric definition; defined: {defined}")
    if not defined and not (
        metrics.is_xgboost_image(spec.get("TrainingImage", ""))
        and re.fullmatch(r"(train|validation):[\w@.\-]+", objective)
    ):
        _refuse(
            f"objective metric {objective!r} has no metric definition: pass metric_definitions "
            "to the tuner, or use an XGBoost metric such as validation:auc"
        )


def _validate_hyperparameters(
    ranges: list[tuple[str, str, dict]], config: dict, definition: dict
) -> None:
    """The tuned and static hyperparameters against what the training code accepts: the
    built-in algorithm's table (as SageMaker does), a script's argparse options (read from its
    source, when they can be), so that a typo fails here and not in every training job."""
    static = definition.get("StaticHyperParameters", {})
    objective = config["HyperParameterTuningJobObjective"]["MetricName"]
    if toolkit.is_script_mode(static):
        problem = toolkit.unknown_arguments(static, [name for _, name, _ in ranges])
    else:
        from localsm.builtin.hyperparameters import check_tuning

        channels = {c["ChannelName"] for c in definition.get("InputDataConfig", [])}
        version = builtin_version(definition)
        problem = check_tuning(static, ranges, objective, channels, version)
    if problem:
        _refuse(problem)


def builtin_version(definition: dict) -> str:
    """The XGBoost image version a built-in algorithm's definition names (else the latest)."""
    from localsm.builtin import versions

    image = definition["AlgorithmSpecification"].get("TrainingImage", "")
    return versions.image_version(image) or versions.LATEST


def open_ends(definition: dict) -> Callable[[str, float], float] | None:
    """For the built-in algorithm, `inside(name, value)` of its image version's table."""
    if not metrics.is_builtin_xgboost(definition):
        return None
    from localsm.builtin.hyperparameters import inside

    version = builtin_version(definition)
    return lambda name, value: inside(name, value, version)
