"""One Clarify analysis: config and data in, `analysis.json`, the report and the local SHAP
values out, as the Clarify container lays them out under `/opt/ml/processing`.

Everything is computed first; files are written into a hidden staging folder inside the
output folder and moved into place only once all of them exist, so a failed run leaves no
partial `analysis.json` or report behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from localsm.clarify import wording
from localsm.clarify.config import (
    AnalysisConfig,
    Columns,
    find_config,
    read_config,
    resolve_columns,
)
from localsm.clarify.data import feature_matrix, read_dataset
from localsm.clarify.errors import AlgorithmError, InputError
from localsm.clarify.report import Findings
from localsm.language import service_language

ENDPOINT_VARIABLE = "LOCALSM_CLARIFY_ENDPOINT_URL"
MODEL_DIR_VARIABLE = "LOCALSM_CLARIFY_MODEL_DIR"
ANALYSIS_FILE = "analysis.json"
LOCAL_SHAP_FILE = "explanations_shap/out.csv"
BASELINE_FILE = "explanations_shap/baseline.csv"

Log = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class Paths:
    """The container's folders under the processing job's `/opt/ml` stand-in."""

    root: Path

    @property
    def config(self) -> Path:
        """The `analysis_config` input's file, whatever the object was called."""
        return find_config(self.root / "processing" / "input" / "config")

    @property
    def data(self) -> Path:
        return self.root / "processing" / "input" / "data"

    @property
    def output(self) -> Path:
        return self.root / "processing" / "output"

    @property
    def message(self) -> Path:
        return self.root / "output" / "message"


def run(root: Path, environ: Mapping[str, str], log: Log = _print, lean: bool = False) -> list[str]:
    """Run the analysis the config asks for; returns the names of the files written.
    `lean` (the process only): skip importing what this config does not need."""
    paths = Paths(Path(root))
    config = read_config(paths.config)
    kmeans = config.shap is not None and config.shap.baseline is None
    if lean and not (config.pre_methods or config.post_methods or kmeans):
        skip_scikit_learn()
    frame, headers = read_dataset(paths.data, config.headers)
    log(f"Reading {len(frame):,} rows x {len(headers)} columns")
    columns = resolve_columns(config, headers)
    title = config.report[1] if config.report else ""
    findings = Findings(title, len(frame), len(headers), columns.label, config.label_values)
    job = Job(frame, columns, config, environ, log, findings)
    if config.pre_methods or config.post_methods:
        with warnings.catch_warnings():  # smclarify's pandas deprecation notices: not the user's
            warnings.simplefilter("ignore")
            job.bias()
    explained = job.explain() if config.shap is not None else {}
    files = {ANALYSIS_FILE: json.dumps(job.analysis, indent=2, allow_nan=False) + "\n"}
    if config.report is not None:
        files.update(_report_files(config.report[0], findings, environ))
    files.update(explained)
    return write_outputs(paths.output, files)


def skip_scikit_learn() -> None:
    """Without bias metrics nothing needs scikit-learn, but `import xgboost` loads it when it
    is installed: measured here, 1.0 to 1.4 s instead of 2.0 s for xgboost, pandas and
    matplotlib. A None entry in sys.modules makes `import sklearn` raise ImportError (the
    import system's documented behaviour), which XGBoost treats as "not installed", as
    `localsm.builtin` does."""
    if "sklearn" not in sys.modules and "xgboost" not in sys.modules:
        sys.modules["sklearn"] = None  # type: ignore[assignment]


@dataclass
class Job:
    """One analysis in progress: its inputs, and what it found so far."""

    frame: pd.DataFrame
    columns: Columns
    config: AnalysisConfig
    environ: Mapping[str, str]
    log: Log
    findings: Findings
    analysis: dict = field(default_factory=lambda: {"version": "1.0"})

    def bias(self) -> None:
        """Pre- and post-training bias metrics into `analysis` and `findings`."""
        from localsm.clarify import bias  # smclarify (and scikit-learn) only when asked for

        columns, config = self.columns, self.config
        data = bias.prepare(self.frame, columns)
        bias.check_label(data[columns.label], config.label_values)
        for name, values in columns.facets:
            self.findings.groups.extend(bias.facet_groups(data[name], values))
        for stage, methods in (("pre", config.pre_methods), ("post", config.post_methods)):
            if not methods:
                continue
            predicted = self.predictions(data) if stage == "post" else None
            section = bias.bias_section(data, columns, config, methods, predicted)
            self.analysis[f"{stage}_training_bias_metrics"] = section
            setattr(self.findings, stage, section)
            name = "Pre-training" if stage == "pre" else "Post-training"
            for facet, entries in section["facets"].items():
                for entry in entries:
                    self.log(f"{name} bias: {len(entry['metrics'])} metrics for facet "
                             f"{facet}={entry['value_or_threshold']}")  # fmt: skip

    def predictions(self, data: pd.DataFrame) -> pd.Series:
        """Predicted labels: the dataset's predicted_label column, or the shadow endpoint's."""
        from localsm.clarify import predictor

        columns, config, notes = self.columns, self.config, self.findings.prediction_notes
        if columns.predicted_label is not None:
            notes.append(("post_given", {"column": columns.predicted_label}))
            given = self.frame[columns.predicted_label]
            return given.astype(object) if pd.api.types.is_string_dtype(given.dtype) else given
        if config.predictor is None:
            raise InputError(
                "post-training bias needs the model's predictions: give a ModelConfig "
                "(model_config=...) or a predicted_label column in the DataConfig"
            )
        url = self.environ.get(ENDPOINT_VARIABLE)
        if not url:
            raise AlgorithmError(
                f"no shadow endpoint to ask for predictions: {ENDPOINT_VARIABLE} is not set"
            )
        matrix = feature_matrix(self.frame, columns.features)
        answers, seconds = predictor.predict(url, matrix, config.predictor)
        self.log(f"Predictions: {len(answers):,} rows from the shadow endpoint in {seconds:.1f} s")
        label = data[columns.label]
        labels = predictor.predicted_labels(
            answers, config.probability_threshold, label, config.label_values
        )
        lang = service_language(self.environ)
        rows = wording.count(len(answers), lang)
        model = config.predictor.model_name or "-"
        shown = wording.number(seconds, lang, 1)
        notes.append(("post_served", {"rows": rows, "model": model, "seconds": shown}))
        binary = predictor.binary_labels(label, config.label_values)
        if all(isinstance(a, float) for a in answers) and binary is not None:
            threshold = wording.plain(config.probability_threshold, lang)
            above, below = binary
            notes.append(("post_threshold", {"above": above, "below": below,
                                             "threshold": threshold}))  # fmt: skip
        return labels

    def explain(self) -> dict[str, str]:
        """Kernel SHAP against the baseline into `analysis`; returns the files it writes
        under explanations_shap/ (the baseline used, and the local values when asked)."""
        from localsm.clarify import scoring, shap

        spec, features = self.config.shap, self.columns.features
        shap.check_spec(spec)
        matrix = feature_matrix(self.frame, features)
        baseline = shap.check_baseline(spec.baseline, features)
        built = baseline is None
        if built:
            from localsm.clarify.baseline import kmeans_baseline

            baseline = kmeans_baseline(matrix, spec.num_clusters, spec.seed)
            self.log(f"Baseline: {len(baseline)} row(s), k-means centres of the dataset")
        url = self.environ.get(ENDPOINT_VARIABLE)
        folder = shap.model_dir(self.environ.get(MODEL_DIR_VARIABLE))
        scorer = scoring.choose(url, folder, self.config.predictor, matrix, baseline)
        started = time.perf_counter()
        result = shap.explain(scorer, matrix, baseline, features, spec, _label_name(self.config),
                              built)  # fmt: skip
        seconds = time.perf_counter() - started
        self.log(f"SHAP: Kernel SHAP, {len(self.frame):,} rows x {len(features)} features, "
                 f"{result.samples:,} coalitions per row x {len(baseline)} baseline row(s), "
                 f"predictions from the {_SOURCES[scorer.source]}, in {seconds:.1f} s "
                 f"({result.space}, {result.agg_method})")  # fmt: skip
        self.analysis["explanations"] = shap.explanations_section(result)
        self.findings.shap = result
        files = {BASELINE_FILE: shap.baseline_file(result)}
        if spec.save_local_shap_values:
            self.findings.local_saved = True
            joinsource = self.columns.joinsource
            join = self.frame[joinsource] if joinsource else None
            files[LOCAL_SHAP_FILE] = shap.local_values(result, join).to_csv(index=False)
        return files


_SOURCES = {"endpoint": "shadow endpoint", "model": "model loaded in the job"}


def _label_name(config: AnalysisConfig) -> str:
    """`label0`, Clarify's name for the model's single output, or its one label header."""
    headers = config.predictor.label_headers if config.predictor else None
    return str(headers[0]) if headers and len(headers) == 1 else "label0"


def _report_files(name: str, findings: Findings, environ: Mapping[str, str]) -> dict[str, str]:
    from localsm.clarify.render import html_page, notebook
    from localsm.clarify.report import build_report

    lang = service_language(environ)
    report = build_report(findings, lang, time.strftime("%Y-%m-%d %H:%M"))
    return {f"{name}.ipynb": notebook(report), f"{name}.html": html_page(report)}


def write_outputs(output: Path, files: dict[str, str]) -> list[str]:
    """Write every file into a staging folder, then move them into `output`, analysis.json
    last: once it is there, everything is."""
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".clarify-", dir=output))
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        tops = sorted({Path(r).parts[0] for r in files}, key=lambda n: n == ANALYSIS_FILE)
        for top in tops:
            destination = output / top
            if destination.is_dir():
                shutil.rmtree(destination)
            os.replace(staging / top, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return list(files)
