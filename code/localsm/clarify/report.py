"""The report, computed once as a small model (title, sections of text, tables and a chart)
and rendered twice by `render.py`: a notebook and a standalone HTML page, as scikit-learn's
Display objects compute once and plot on any axes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localsm.clarify import wording

if TYPE_CHECKING:  # types only: importing bias.py loads smclarify and scikit-learn
    from localsm.clarify.bias import FacetGroup
    from localsm.clarify.shap import ShapResult

CHART_FEATURES = 20  # the chart shows the top ones; the table lists every feature


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    png: bytes
    alt: str


Item = str | Table | Figure  # a paragraph, a table or a figure


@dataclass(frozen=True)
class Section:
    heading: str
    items: list[Item]


@dataclass(frozen=True)
class Report:
    title: str
    language: str
    intro: list[str]
    sections: list[Section]
    footer: str


@dataclass
class Findings:
    """What the analysis found, as the report needs it."""

    title: str
    rows: int
    columns: int
    label: str | None = None
    label_values: list | None = None
    groups: list[FacetGroup] = field(default_factory=list)
    pre: dict | None = None
    post: dict | None = None
    prediction_notes: list[tuple[str, dict]] = field(default_factory=list)  # (key, values)
    shap: ShapResult | None = None
    local_saved: bool = False


def build_report(findings: Findings, lang: str, when: str) -> Report:
    """The report model in `lang` (en or pt_BR)."""
    w = wording.words(lang)
    title = findings.title
    if title == wording.SDK_DEFAULT_TITLE:
        title = w["default_title"]
    intro = [w["intro"]]
    rows = wording.count(findings.rows, lang)
    if findings.label is not None and findings.label_values:
        values = ", ".join(map(str, findings.label_values))
        intro.append(w["dataset"].format(rows=rows, columns=findings.columns,
                                         label=findings.label, values=values))  # fmt: skip
    else:
        intro.append(w["dataset_plain"].format(rows=rows, columns=findings.columns))
    sections = []
    if findings.pre is not None:
        sections.append(_bias_section(findings, findings.pre, "pre", lang))
    if findings.post is not None:
        sections.append(_bias_section(findings, findings.post, "post", lang))
    if findings.shap is not None:
        sections.append(_shap_section(findings, lang))
    return Report(title, lang, intro, sections, w["footer"].format(when=when))


def _bias_section(findings: Findings, section: dict, stage: str, lang: str) -> Section:
    w = wording.words(lang)
    items: list[Item] = [w[f"{stage}_text"], w["notation"]]
    if stage == "post":
        items += [w[key].format(**values) for key, values in findings.prediction_notes]
    for facet, entries in section["facets"].items():
        for entry in entries:
            group = _group(findings.groups, facet, entry["value_or_threshold"])
            if group is not None:
                key = "facet_continuous" if group.continuous else "facet_categorical"
                items.append(w[key].format(facet=facet, value=entry["value_or_threshold"],
                                           n_d=wording.count(group.n_sensitive, lang),
                                           n_a=wording.count(group.n_rest, lang)))  # fmt: skip
            items.append(_metrics_table(entry["metrics"], lang))
    return Section(w[f"{stage}_heading"], items)


def _group(groups: list[FacetGroup], facet: str, value: str) -> FacetGroup | None:
    return next((g for g in groups if g.facet == facet and g.value_or_threshold == value), None)


def _metrics_table(metrics: list[dict], lang: str) -> Table:
    w = wording.words(lang)
    rows = []
    for metric in metrics:
        value = metric.get("value")
        if value is None and metric.get("error"):
            shown = w["not_computed"].format(error=metric["error"])
        else:
            shown = wording.number(value, lang)
        name = metric["name"]
        rows.append([name, metric.get("description", ""), shown,
                     wording.metric_meaning(lang, name)])  # fmt: skip
    columns = [w["col_metric"], w["col_description"], w["col_value"], w["col_meaning"]]
    return Table(columns, rows)


def _shap_section(findings: Findings, lang: str) -> Section:
    w = wording.words(lang)
    result = findings.shap
    items: list[Item] = [
        w["shap_text"].format(rows=wording.count(findings.rows, lang), label=result.label_name),
        w["shap_method"],
        _samples_line(result, lang),
        w[f"source_{result.source}"],
        w[f"space_{result.space}"],
        w[f"agg_{result.agg_method}"],
        w["expected"].format(value=wording.number(result.expected_value, lang)),
        w["baseline_built" if result.baseline_built else "baseline"].format(
            rows=len(result.baseline)
        ),
    ]
    ranked = sorted(result.global_values.items(), key=lambda kv: abs(kv[1]), reverse=True)
    agg = w[f"agg_short_{result.agg_method}"]
    items.append(
        Figure(
            importance_chart(ranked[:CHART_FEATURES], w["chart_title"].format(agg=agg)),
            w["chart_alt"],
        )
    )
    rows = [[name, wording.number(value, lang, 6)] for name, value in ranked]
    items.append(Table([w["col_feature"], w["col_importance"]], rows))
    if findings.local_saved:
        items.append(w["local_saved"])
    return Section(w["shap_heading"], items)


def _samples_line(result: ShapResult, lang: str) -> str:
    """How many coalitions each row's values come from, and whether that is all of them."""
    w = wording.words(lang)
    active = result.active
    total = max(0, 2**active - 2)
    if result.samples >= total:
        return w["shap_samples_exact"].format(samples=wording.count(total, lang), features=active)
    seed = "-" if result.seed is None else str(result.seed)
    return w["shap_samples"].format(samples=wording.count(result.samples, lang),
                                    total=wording.count(total, lang), features=active,
                                    seed=seed)  # fmt: skip


def importance_chart(ranked: list[tuple[str, float]], title: str) -> bytes:
    """A horizontal bar chart of the global values, largest on top, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure  # no pyplot: no global state

    names = [name for name, _ in reversed(ranked)]
    values = [value for _, value in reversed(ranked)]
    figure = MplFigure(figsize=(7.0, 0.9 + 0.32 * len(ranked)), dpi=100)
    axes = figure.add_subplot()
    axes.barh(names, values, color="#2f6f9f")
    axes.set_title(title, fontsize=11)
    axes.axvline(0.0, color="#555555", linewidth=0.8)
    axes.tick_params(labelsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
