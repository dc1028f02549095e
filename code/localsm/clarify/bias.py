"""Bias metrics with AWS's open-source `smclarify` (the library behind Clarify's metrics),
turned into the `pre_training_bias_metrics` / `post_training_bias_metrics` sections of
Clarify's `analysis.json`.

Before calling it, the label values and each facet's sensitive group are checked against
the data, so a value that matches no row is a ClientError naming it, not a report of nulls.
The facet semantics are smclarify's: a column it classifies as categorical compares the
listed values against the rest (no values: each value against the rest); a continuous one
compares the rows above the threshold (exclusive) against the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from smclarify.bias.metrics import common
from smclarify.bias.report import (
    FacetColumn,
    LabelColumn,
    StageType,
    bias_report,
    label_value_or_threshold,
)

from localsm.clarify.config import AnalysisConfig, Columns
from localsm.clarify.errors import InputError


@dataclass(frozen=True)
class FacetGroup:
    """One sensitive group, for the report: who is in it and how many rows on each side."""

    facet: str
    value_or_threshold: str
    continuous: bool
    n_sensitive: int
    n_rest: int


def prepare(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """The columns smclarify needs, with pandas' string dtype as `object`: smclarify 0.5
    fails on pandas 3's `str` dtype ("Cannot interpret StringDtype as a data type")."""
    wanted = [c for c in frame.columns if c in columns.features or c == columns.label]
    wanted += [name for name, _ in columns.facets if name not in wanted]
    if columns.group and columns.group not in wanted:
        wanted.append(columns.group)
    data = frame[wanted]
    text = [c for c in data.columns if pd.api.types.is_string_dtype(data[c].dtype)]
    return data.astype({c: object for c in text}) if text else data


def check_label(series: pd.Series, values: list | None) -> None:
    """The label values must match some rows, and not all of them."""
    if not values:
        raise InputError("bias metrics need label_values_or_threshold (BiasConfig)")
    kind, typed = _kind(series, list(values), "label")
    if kind == common.DataType.CONTINUOUS:
        positive = typed > float(values[0])
        what = f"no label is above the threshold {values[0]} (the largest is {typed.max()})"
    else:
        missing = [v for v in values if not _matches(series, [v]).any()]
        if missing:
            raise InputError(
                f"label value {missing[0]!r} never appears in the label column {series.name!r} "
                f"(its values: {_seen(series)}); check label_values_or_threshold"
            )
        positive = _matches(series, values)
        what = "no row has a positive label"
    if not positive.any():
        raise InputError(f"label {series.name!r}: {what}")
    if positive.all():
        raise InputError(
            f"label {series.name!r}: every row has a positive label "
            f"{list(values)}, so no row is negative; check label_values_or_threshold"
        )


def facet_groups(series: pd.Series, values: list | None) -> list[FacetGroup]:
    """The sensitive groups smclarify will compare; an empty side is a ClientError."""
    kind, typed = _kind(series, None if values is None else list(values), "facet")
    name = str(series.name)
    if kind == common.DataType.CONTINUOUS:
        if values is None:
            raise InputError(
                f"facet {name!r} is continuous: give one threshold in value_or_threshold "
                "(the sensitive group is the rows above it)"
            )
        threshold = values[0] if isinstance(values[0], (int, float)) else float(values[0])
        mask = typed > threshold
        _check_sides(name, f"> {values[0]}", mask, f"the largest value is {typed.max()}")
        # smclarify names the group by its interval (threshold, max], as pandas prints it
        interval = pd.IntervalIndex.from_breaks(sorted([threshold, typed.max()]))
        text = ",".join(map(str, interval))
        return [FacetGroup(name, text, True, int(mask.sum()), int((~mask).sum()))]
    if values is None:
        uniques = list(pd.unique(series.dropna()))
        if len(uniques) < 2:
            raise InputError(f"facet {name!r} has a single value {uniques}: nothing to compare")
        groups = [(u, series == u) for u in uniques]
    else:
        groups = [(",".join(map(str, values)), _matches(series, values))]
    for text, mask in groups:
        _check_sides(name, f"= {text}", mask, f"its values: {_seen(series)}")
    return [FacetGroup(name, str(t), False, int(m.sum()), int((~m).sum())) for t, m in groups]


def _kind(series: pd.Series, values: list | None, what: str) -> tuple[common.DataType, pd.Series]:
    """smclarify's reading of a column: categorical, or continuous (an integer column with at
    least 5 % distinct values, or floats) compared against one numeric threshold."""
    try:
        return common.ensure_series_data_type(series, values)
    except ValueError as error:
        raise InputError(f"{what} {series.name!r}: {error} (given: {values})") from None


def _check_sides(name: str, rule: str, mask: pd.Series, hint: str) -> None:
    if not mask.any():
        raise InputError(f"facet {name} {rule}: no row is in the sensitive group ({hint})")
    if mask.all():
        raise InputError(
            f"facet {name} {rule}: every row is in the sensitive group, so there is no other "
            "group to compare it with; choose fewer values or another threshold"
        )


def _matches(series: pd.Series, values: list) -> pd.Series:
    """Rows equal to one of `values`, comparing as text when the types differ (a config
    value "1" or 1.0 matches the integer 1), as smclarify converts the values it is given."""
    as_object = series.astype(object)
    mask = as_object.isin(values)
    if not mask.any():
        texts = {_text(v) for v in values}
        mask = as_object.map(lambda x: _text(x) in texts)
    return mask.astype(bool)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _seen(series: pd.Series, limit: int = 8) -> str:
    uniques = pd.unique(series.dropna())
    shown = ", ".join(map(str, uniques[:limit]))
    return shown + (f", ... ({len(uniques)} values)" if len(uniques) > limit else "")


def bias_section(
    data: pd.DataFrame,
    columns: Columns,
    config: AnalysisConfig,
    methods: list[str],
    predicted: pd.Series | None = None,
) -> dict:
    """One `*_bias_metrics` section of analysis.json: smclarify's entries for every facet."""
    label = data[columns.label]
    positive = list(config.label_values)
    group = data[columns.group] if columns.group else None
    stage = StageType.PRE_TRAINING if predicted is None else StageType.POST_TRAINING
    predicted_column = None
    if predicted is not None:
        predicted_column = LabelColumn("predicted_label", predicted.set_axis(data.index), positive)
    facets: dict[str, list] = {}
    for name, values in columns.facets:
        facet = FacetColumn(name, None if values is None else list(values))
        # Only the model's features, the facet and the label: FT's neighbours are found in it.
        table = data[list(dict.fromkeys([*columns.features, name, columns.label]))]
        try:
            labels = LabelColumn(columns.label, label, positive)
            entries = bias_report(table, facet, labels, stage, predicted_column, methods, group)
        except (ValueError, RuntimeError, TypeError) as error:
            raise InputError(f"bias metrics for facet {name!r} failed: {error}") from None
        facets.setdefault(name, []).extend(_clean(entries))
    return {
        "label": columns.label,
        "label_value_or_threshold": label_value_or_threshold(label, list(positive)),
        "facets": facets,
    }


def _clean(entries: list[dict]) -> list[dict]:
    """JSON-safe values: NaN becomes null (smclarify already writes infinity as text)."""
    for entry in entries:
        for metric in entry["metrics"]:
            value = metric.get("value")
            if isinstance(value, float) and math.isnan(value):
                metric["value"] = None
    return entries
