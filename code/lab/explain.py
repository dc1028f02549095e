"""Task 4 helpers: bring a Clarify job's output folder here and read its `analysis.json` into
tables and a chart (the same in local mode and on AWS: both write to S3)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from lab.language import language
from lab.modes import Lab, LabSetupError
from lab.paths import OUTPUTS_DIR, S3_PREFIX
from lab.words import number, say
from localsm.uris import file_path, is_file_uri

CLARIFY_DIR = OUTPUTS_DIR / "clarify"  # local copies of the analyses
STAGES = {"pre": "pre_training_bias_metrics", "post": "post_training_bias_metrics"}


def clarify_output_path(lab: Lab, name: str) -> str:
    """Where a Clarify job writes its analysis: S3 always (in local mode the local bucket,
    on this machine), since the SDK uploads the analysis config there first."""
    return f"s3://{lab.session.default_bucket()}/{S3_PREFIX}/clarify/{name}"


def dataset_source(lab: Lab, split: str) -> str:
    """A split as a processing input: an s3:// URI, or a plain local path (which the SDK
    uploads; it does not read file:// URIs there)."""
    location = getattr(lab, f"{split}_uri")
    return str(file_path(location)) if is_file_uri(location) else location


def download_analysis(lab: Lab, s3_uri: str) -> Path:
    """Copy a Clarify output folder here (outputs/clarify/<name>/) and return it (plain boto3,
    the same with either SDK generation)."""
    bucket, _, prefix = s3_uri.removeprefix("s3://").rstrip("/").partition("/")
    target = CLARIFY_DIR / prefix.rsplit("/", 1)[-1]
    s3 = lab.session.boto_session.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
    for key in (o["Key"] for page in pages for o in page.get("Contents", [])):
        path = target / key[len(prefix) + 1 :]
        if key.endswith("/") or not path.resolve().is_relative_to(target.resolve()):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(path))
    if not (target / "analysis.json").is_file():
        raise LabSetupError(f"no analysis.json under {s3_uri}: did the Clarify job complete?")
    return target


def read_analysis(folder: Path) -> dict[str, Any]:
    """The analysis a Clarify job wrote (`analysis.json`)."""
    return json.loads((Path(folder) / "analysis.json").read_text())


def bias_table(analysis: dict[str, Any], stage: str):
    """One row per metric of one stage ("pre" or "post"), for every facet value analysed."""

    section = analysis.get(STAGES[stage])
    if section is None:
        raise LabSetupError(f"this analysis has no {STAGES[stage]} (run that analysis first)")
    rows = []
    for facet, groups in section["facets"].items():
        for group in groups:
            for metric in group["metrics"]:
                rows.append(
                    {
                        say("bias.facet"): f"{facet} = {group['value_or_threshold']}",
                        say("bias.metric"): metric["name"],
                        say("bias.value"): metric.get("value"),
                        say("bias.meaning"): _meaning(metric),
                    }
                )
    return _whole_text_table()(rows).set_index([say("bias.facet"), say("bias.metric")])


@functools.cache
def _whole_text_table() -> type:
    """A DataFrame that shows its text cells whole in a notebook: pandas cuts them at 50
    characters by default, which would cut each metric's explanation in half."""
    import pandas as pd

    class WholeTextTable(pd.DataFrame):
        @property
        def _constructor(self) -> type:
            return WholeTextTable

        def _repr_html_(self) -> str | None:
            with pd.option_context("display.max_colwidth", None):
                return super()._repr_html_()

        def __repr__(self) -> str:
            with pd.option_context("display.max_colwidth", None):
                return super().__repr__()

    return WholeTextTable


def _meaning(metric: dict) -> str:
    """What a metric measures, in one line and the notebook's language (the local Clarify's
    wording); Clarify's own description for a metric it does not know."""
    from localsm.clarify.wording import METRICS

    return METRICS[language()].get(metric["name"], metric["description"])


def report_link(folder: Path, name: str = "report.html") -> Any:
    """A link that opens a report from this notebook (relative to the notebook's folder, so
    no machine path shows), for JupyterLab to open in a new tab."""
    import os

    from IPython.display import HTML

    path = Path(folder) / name
    if not path.is_file():
        raise LabSetupError(f"no {name} in {folder}")
    relative = Path(os.path.relpath(path, Path.cwd())).as_posix()
    return HTML(f'<a href="{relative}" target="_blank">{relative}</a>')


def shap_importance(analysis: dict[str, Any]):
    """Global SHAP values, one per feature, largest first."""
    import pandas as pd

    explanation = analysis["explanations"]["kernel_shap"]["label0"]
    values = pd.Series(explanation["global_shap_values"], name=say("shap.global"))
    return values.sort_values(ascending=False)


def plot_shap_importance(importance, ax: Any = None) -> Any:
    """A horizontal bar chart of global SHAP values (largest on top)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(importance) + 1))
    importance.iloc[::-1].plot.barh(ax=ax, color="#4c72b0")
    ax.set_xlabel(say("shap.axis"))
    ax.set_title(say("shap.title"))
    ax.figure.tight_layout()
    return ax


def local_explanations(folder: Path, features, rows: list[int]):
    """Per-row SHAP values (`explanations_shap/out.csv`) beside the rows' feature values:
    one column pair per row, features in the order of their largest contribution; first, the
    baseline the values are measured from (`explanations_shap/baseline.csv`, when it is one
    row)."""
    import pandas as pd

    shap = pd.read_csv(Path(folder) / "explanations_shap" / "out.csv")
    shap.columns = list(features.columns)
    table = {}
    baseline_file = Path(folder) / "explanations_shap" / "baseline.csv"
    if baseline_file.is_file():
        baseline = pd.read_csv(baseline_file, header=None)
        if baseline.shape == (1, len(features.columns)):
            values = pd.Series(baseline.iloc[0].to_numpy(), index=features.columns)
            table[(say("shap.baseline"), say("shap.value"))] = values
    for row in rows:
        table[(say("shap.row", row=row), say("shap.value"))] = features.iloc[row]
        table[(say("shap.row", row=row), "SHAP")] = shap.iloc[row]
    frame = pd.DataFrame(table)
    order = shap.iloc[rows].abs().max().sort_values(ascending=False).index
    return frame.loc[order]


def compare_with_exact_shap(folder: Path, booster: Any, features, baseline: list,
                            use_logit: bool, rows: int) -> None:  # fmt: skip
    """Print how far the job's local SHAP values (`explanations_shap/out.csv`) are from the
    exact Shapley values of the same game (the model scoring all 2^M coalitions against the
    same baseline) for the first `rows` rows, whether the top three features agree, and that
    the first row's values add up to its output minus the base value."""
    import numpy as np
    import pandas as pd

    from localsm.clarify.kernel_shap import exact_values, identity, logit

    data = features.to_numpy(dtype=np.float64)[:rows]
    reference = np.asarray(baseline, dtype=np.float64).reshape(-1, data.shape[1])
    link = logit if use_logit else identity
    exact = exact_values(_probabilities(booster), data, reference, link)
    estimate = pd.read_csv(Path(folder) / "explanations_shap" / "out.csv").to_numpy()[:rows]
    gaps = np.abs(estimate - exact)
    kernel_global, exact_global = np.abs(estimate).mean(axis=0), np.abs(exact).mean(axis=0)
    names = np.asarray(features.columns)
    print(say("shap.exact_rows", rows=len(data), coalitions=_number(2 ** data.shape[1], 0)))
    print(say("shap.exact_local", gap=_number(gaps.max()), mean=_number(gaps.mean())))
    global_gap = np.abs(kernel_global - exact_global).max()
    print(say("shap.exact_global", gap=_number(global_gap), agg="mean_abs"))
    top = [", ".join(names[np.argsort(-v)[:3]]) for v in (kernel_global, exact_global)]
    print(say("shap.exact_top", kernel=top[0], exact=top[1]))
    expected = read_analysis(folder)["explanations"]["kernel_shap"]["label0"]["expected_value"]
    output = float(link(_probabilities(booster)(data[:1]))[0])
    print(say("shap.exact_sum", total=_number(estimate[0].sum()), output=_number(output),
              expected=_number(expected)))  # fmt: skip


def _number(value: float, decimals: int = 4) -> str:
    """A number for a printed line, as the notebook's language writes it (lab.words.number)."""
    return number(value, decimals)


def _probabilities(booster: Any):
    """The booster's probability for rows of features (float64, from its margin)."""
    import numpy as np

    def predict(matrix):
        margin = booster.inplace_predict(matrix.astype(np.float32), predict_type="margin")
        return 1.0 / (1.0 + np.exp(-np.asarray(margin, dtype=np.float64)))

    return predict
