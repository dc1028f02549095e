"""The Clarify analysis config (`analysis_config.json`, as the SageMaker SDK v2 writes it):
read, checked, and its column references resolved against the dataset's headers.

The keys follow `sagemaker.clarify.ANALYSIS_CONFIG_SCHEMA_V1_0`; what only runs on SageMaker
(other dataset formats, PDP, time series, text and image explanations) is refused with a
ClientError that says so, never silently ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localsm.clarify.errors import InputError

CSV = "text/csv"
ACCEPT_TYPES = ("text/csv", "application/json", "application/jsonlines")
# The metric names of smclarify's registries (smclarify.bias.metrics.PRE/POSTTRAINING_METRICS).
PRE_TRAINING_METHODS = ("CDDL", "CI", "DPL", "JS", "KL", "KS", "LP", "TVD")
POST_TRAINING_METHODS = ("AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "FT", "GE",
                         "RD", "SD", "TE")  # fmt: skip
AGG_METHODS = ("mean_abs", "median", "mean_sq")
# Keys of the schema that only SageMaker's container handles.
REMOTE_ONLY_KEYS = ("facet_dataset_uri", "predicted_label_dataset_uri", "time_series_data_config",
                    "segment_config", "features")  # fmt: skip
REMOTE_ONLY_METHODS = ("pdp", "asymmetric_shapley_value")
REMOTE_ONLY_SHAP = ("text_config", "image_config")


@dataclass(frozen=True)
class ShapSpec:
    """`methods.shap`: the SDK's SHAPConfig, with its defaults."""

    baseline: Any = None
    num_samples: int | None = None
    agg_method: str = "mean_abs"
    use_logit: bool = False
    save_local_shap_values: bool = True
    seed: int | None = None
    num_clusters: int | None = None
    features_to_explain: list | None = None


@dataclass(frozen=True)
class PredictorSpec:
    """`predictor`: how to call the model (ModelConfig and ModelPredictedLabelConfig)."""

    content_type: str = CSV
    accept_type: str = CSV
    label: str | int | None = None
    probability: str | int | None = None
    label_headers: list | None = None
    model_name: str | None = None


@dataclass(frozen=True)
class AnalysisConfig:
    """The parts of the config the local analyzer uses."""

    headers: list[str] | None
    label: str | int | None
    label_values: list | None
    facets: list[tuple[str | int, list | None]]
    group_variable: str | int | None
    excluded_columns: list
    joinsource: str | int | None
    predicted_label: str | int | None
    pre_methods: list[str] | None
    post_methods: list[str] | None
    shap: ShapSpec | None
    report: tuple[str, str] | None  # (file name, title)
    predictor: PredictorSpec | None
    probability_threshold: float


@dataclass(frozen=True)
class Columns:
    """The config's column references as column names of the dataset."""

    label: str | None
    facets: list[tuple[str, list | None]]
    group: str | None
    joinsource: str | None
    predicted_label: str | None
    features: list[str]


CONFIG_NAME = "analysis_config.json"


def find_config(folder: Path) -> Path:
    """The analysis config in the `analysis_config` input's folder. The SDK uploads it as
    `analysis_config.json`; code that calls CreateProcessingJob itself may name the object
    anything (AWS's boto3 example uses `bias_analysis_config.json`): Clarify identifies the
    config by the input's name, so the one file in the folder is the config."""
    named = folder / CONFIG_NAME
    if named.is_file() or not folder.is_dir():
        return named
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if len(files) == 1:
        return files[0]
    if files:
        shown = ", ".join(p.relative_to(folder).as_posix() for p in files[:5])
        raise InputError(
            f"the analysis_config input holds {len(files)} files ({shown}) and none is called "
            f"{CONFIG_NAME}: give the input one file, the analysis config"
        )
    return named


def read_config(path: Path) -> AnalysisConfig:
    """Read and check `analysis_config.json`; a ClientError names the path or the key."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"the analysis config {path} is missing: the processing job needs the input "
            "'analysis_config' (SageMakerClarifyProcessor writes it)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"the analysis config {path} cannot be read: {error}") from None
    if not isinstance(raw, dict):
        raise InputError(f"the analysis config {path} is not a JSON object")
    _refuse_remote_only(raw)
    methods = raw.get("methods")
    if not isinstance(methods, dict) or not methods:
        raise InputError(f"the analysis config {path} has no 'methods': nothing to compute")
    config = AnalysisConfig(
        headers=_headers(raw.get("headers")),
        label=raw.get("label"),
        label_values=_list(raw.get("label_values_or_threshold"), "label_values_or_threshold"),
        facets=_facets(raw.get("facet")),
        group_variable=raw.get("group_variable"),
        excluded_columns=_list(raw.get("excluded_columns"), "excluded_columns") or [],
        joinsource=raw.get("joinsource_name_or_index"),
        predicted_label=raw.get("predicted_label"),
        pre_methods=_bias_methods(methods, "pre_training_bias", PRE_TRAINING_METHODS),
        post_methods=_bias_methods(methods, "post_training_bias", POST_TRAINING_METHODS),
        shap=_shap(methods.get("shap")),
        report=_report(methods.get("report")),
        predictor=_predictor(raw.get("predictor")),
        probability_threshold=_threshold(raw),
    )
    if not (config.pre_methods or config.post_methods or config.shap):
        raise InputError(
            f"the analysis config {path} asks for no analysis: add pre_training_bias, "
            "post_training_bias or shap to 'methods'"
        )
    return config


def _refuse_remote_only(raw: dict) -> None:
    kind = str(raw.get("dataset_type", "")).lower()
    if kind != CSV:
        raise InputError(
            f"dataset_type {raw.get('dataset_type')!r}: only text/csv runs locally; run "
            "JSON Lines, JSON, Parquet or image datasets on SageMaker"
        )
    methods = raw.get("methods") if isinstance(raw.get("methods"), dict) else {}
    shap = methods.get("shap") if isinstance(methods.get("shap"), dict) else {}
    found = [k for k in REMOTE_ONLY_KEYS if raw.get(k) is not None]
    found += [f"methods.{k}" for k in REMOTE_ONLY_METHODS if k in methods]
    found += [f"methods.shap.{k}" for k in REMOTE_ONLY_SHAP if k in shap]
    if found:
        raise InputError(
            f"{', '.join(found)}: not emulated by local Clarify; run this analysis on "
            "SageMaker, or remove it from the config"
        )


def _headers(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value) or not value:
        raise InputError("'headers' must be a non-empty list of column names")
    if len(set(value)) != len(value):
        twice = sorted({h for h in value if value.count(h) > 1})
        raise InputError(f"'headers' names a column twice: {', '.join(twice)}")
    return list(value)


def _list(value: Any, key: str) -> list | None:
    if value is not None and not isinstance(value, list):
        raise InputError(f"'{key}' must be a list; got {value!r}")
    return value


def _facets(value: Any) -> list[tuple[str | int, list | None]]:
    facets = []
    for entry in _list(value, "facet") or []:
        if not isinstance(entry, dict) or "name_or_index" not in entry:
            raise InputError(f"each 'facet' entry needs a name_or_index; got {entry!r}")
        values = entry.get("value_or_threshold")
        if values is not None and (not isinstance(values, list) or not values):
            raise InputError(
                f"facet {entry['name_or_index']!r}: value_or_threshold must be a non-empty "
                f"list of values or one threshold; got {values!r}"
            )
        facets.append((entry["name_or_index"], values))
    return facets


def _bias_methods(methods: dict, key: str, known: tuple[str, ...]) -> list[str] | None:
    if key not in methods:
        return None
    if not isinstance(methods[key], dict):
        raise InputError(f"methods.{key} must be an object with 'methods'; got {methods[key]!r}")
    chosen = methods[key].get("methods", "all")
    if chosen == "all":
        return list(known)
    names = [chosen] if isinstance(chosen, str) else list(chosen or [])
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise InputError(
            f"methods.{key}: unknown metric(s) {', '.join(map(str, unknown)) or '(none given)'}; "
            f"use 'all' or some of {', '.join(known)}"
        )
    return names


def _shap(value: Any) -> ShapSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError("methods.shap must be an object (the SDK's SHAPConfig)")
    agg = str(value.get("agg_method") or "mean_abs").lower()
    if agg not in AGG_METHODS:
        raise InputError(f"methods.shap.agg_method {agg!r}: use one of {', '.join(AGG_METHODS)}")
    return ShapSpec(
        baseline=value.get("baseline"),
        num_samples=value.get("num_samples"),
        agg_method=agg,
        use_logit=bool(value.get("use_logit", False)),
        save_local_shap_values=bool(value.get("save_local_shap_values", True)),
        seed=value.get("seed"),
        num_clusters=value.get("num_clusters"),
        features_to_explain=value.get("features_to_explain"),
    )


def _report(value: Any) -> tuple[str, str] | None:
    if value is None:
        return None
    name = str((value or {}).get("name") or "report")
    if Path(name).name != name or name in (".", ".."):
        raise InputError(f"methods.report.name {name!r} must be a plain file name")
    return name, str(value.get("title") or "Analysis Report")


def _predictor(value: Any) -> PredictorSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"'predictor' must be an object (the SDK's ModelConfig); got {value!r}")
    content = str(value.get("content_type") or CSV).lower()
    accept = str(value.get("accept_type") or content).lower()
    if content != CSV:
        raise InputError(
            f"predictor content_type {content}: local Clarify sends text/csv rows to the "
            "model; run other request formats on SageMaker"
        )
    if accept not in ACCEPT_TYPES:
        raise InputError(f"predictor accept_type {accept}: use one of {', '.join(ACCEPT_TYPES)}")
    return PredictorSpec(
        content_type=content,
        accept_type=accept,
        label=value.get("label"),
        probability=value.get("probability"),
        label_headers=value.get("label_headers"),
        model_name=value.get("model_name"),
    )


def _threshold(raw: dict) -> float:
    # The SDK writes probability_threshold at the top level; accept it in `predictor` too.
    value = raw.get("probability_threshold")
    if value is None:
        value = (raw.get("predictor") or {}).get("probability_threshold")
    if value is None:
        return 0.5
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"probability_threshold {value!r} is not a number") from None


# ------------------------------------------------------------------ columns of the dataset


def column_name(ref: str | int, headers: list[str], what: str) -> str:
    """The column a name or a 0-based index refers to; a ClientError lists the headers."""
    if isinstance(ref, bool) or not isinstance(ref, (str, int)):
        raise InputError(f"{what} {ref!r} must be a column name or a 0-based column index")
    if isinstance(ref, int):
        if 0 <= ref < len(headers):
            return headers[ref]
        raise InputError(
            f"{what} index {ref} is outside the dataset's {len(headers)} columns "
            f"(0 to {len(headers) - 1}); the headers are: {', '.join(headers)}"
        )
    if ref not in headers:
        raise InputError(
            f"{what} {ref!r} is not a column of the dataset; the headers are: {', '.join(headers)}"
        )
    return ref


def resolve_columns(config: AnalysisConfig, headers: list[str]) -> Columns:
    """Resolve every column reference; the features are what the model gets, in header order
    (all columns but the label, the predicted label, the join key and `excluded_columns`)."""
    label = None if config.label is None else column_name(config.label, headers, "label")
    if (config.pre_methods or config.post_methods) and label is None:
        raise InputError("bias metrics need the 'label' column (DataConfig label=...)")
    facets = [(column_name(ref, headers, "facet"), values) for ref, values in config.facets]
    if (config.pre_methods or config.post_methods) and not facets:
        raise InputError("bias metrics need a facet (BiasConfig facet_name=...)")
    if label is not None and label in [name for name, _ in facets]:
        raise InputError(f"the facet {label!r} is the label column; choose a feature column")
    group = _optional(config.group_variable, headers, "group_variable")
    joinsource = _optional(config.joinsource, headers, "joinsource_name_or_index")
    predicted = _optional(config.predicted_label, headers, "predicted_label")
    excluded = {column_name(ref, headers, "excluded column") for ref in config.excluded_columns}
    dropped = {label, joinsource, predicted} | excluded
    features = [h for h in headers if h not in dropped]
    if not features:
        raise InputError("no feature column is left once the label and excluded columns go")
    return Columns(label, facets, group, joinsource, predicted, features)


def _optional(ref: str | int | None, headers: list[str], what: str) -> str | None:
    return None if ref is None else column_name(ref, headers, what)
