"""The local Clarify container (`localsm.clarify`): analysis configs written by the real
SageMaker SDK v2, bias metrics checked against numbers computed by hand, where SHAP gets its
predictions, every bad input's ClientError, and the report in both languages (the SHAP values
themselves: test_clarify_shap.py).

Predictions come from a small XGBoost model served by our real model server
(`python -m localsm.serving`), started once for the module.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from conftest import CODE, DATASET, FEATURES, HEADERS, validation_frame
from localsm.clarify import __main__ as entry
from localsm.clarify import analyzer, predictor, scoring, wording
from localsm.clarify.config import PredictorSpec, read_config
from localsm.clarify.data import read_dataset
from localsm.serving.__main__ import READY_LINE

ROWS = 600  # of the validation split: quick, and enough people in every group


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def validation() -> pd.DataFrame:
    return validation_frame(ROWS)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> tuple[Path, xgb.Booster]:
    """A small binary:logistic booster, saved as the built-in algorithm names it."""
    table = np.loadtxt(DATASET / "adult_data_processed_train.csv", delimiter=",", max_rows=400)
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0}
    booster = xgb.train(params, xgb.DMatrix(table[:, 1:], label=table[:, 0]), 20)
    root = tmp_path_factory.mktemp("server")
    (root / "model").mkdir()
    with warnings.catch_warnings():  # "Saving model in the UBJSON format as default"
        warnings.simplefilter("ignore", UserWarning)
        booster.save_model(str(root / "model" / "xgboost-model"))
    return root / "model", booster


@pytest.fixture(scope="module")
def endpoint(model) -> str:
    """Our model server on the model: the shadow endpoint's URL."""
    root = model[0].parent
    env = {**os.environ, "PYTHONPATH": str(CODE), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "localsm.serving", str(root)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline, port = time.monotonic() + 60, None
        while port is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            if line.startswith(READY_LINE):
                port = int(line[len(READY_LINE) :])
        assert port, "the model server did not start"
        yield f"http://127.0.0.1:{port}/invocations"
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()


def data_config(clarify, **kwargs):
    kwargs.setdefault("label", "income")
    kwargs.setdefault("headers", HEADERS)
    return clarify.DataConfig(s3_data_input_path="s3://bucket/data",
                              s3_output_path="s3://bucket/out", dataset_type="text/csv",
                              **kwargs)  # fmt: skip


def model_config(clarify, **kwargs):
    return clarify.ModelConfig(model_name="clarify-model", instance_type="ml.m5.large",
                               instance_count=1, content_type="text/csv", **kwargs)  # fmt: skip


def bias_config(clarify, facet="sex_Female", values=(1,), **kwargs):
    values = None if values is None else list(values)
    return clarify.BiasConfig(label_values_or_threshold=[1], facet_name=facet,
                              facet_values_or_threshold=values, **kwargs)  # fmt: skip


def job_root(tmp_path: Path, config: dict, data: pd.DataFrame | None = None,
             header: bool = False) -> Path:  # fmt: skip
    """An `/opt/ml` stand-in with the config and the dataset where the job stages them."""
    root = tmp_path / "ml"
    config_dir = root / "processing" / "input" / "config"
    data_dir = root / "processing" / "input" / "data"
    config_dir.mkdir(parents=True)
    data_dir.mkdir(parents=True)
    (config_dir / "analysis_config.json").write_text(json.dumps(config))
    if data is not None:
        data.to_csv(data_dir / "data.csv", index=False, header=header)
    return root


def run(root: Path, **env: str) -> tuple[dict, list[str]]:
    """The analysis in process; returns analysis.json and the log lines."""
    lines: list[str] = []
    analyzer.run(root, env, log=lines.append)
    output = root / "processing" / "output"
    return json.loads((output / "analysis.json").read_text()), lines


def metrics(section: dict, facet: str) -> dict[str, float]:
    return {m["name"]: m["value"] for m in section["facets"][facet][0]["metrics"]}


# ------------------------------------------------------------------ the config


def test_config_written_by_the_sdk_is_read(clarify, tmp_path):
    config = clarify._AnalysisConfigGenerator.bias_and_explainability(
        data_config(clarify, excluded_columns=["race"]),
        model_config(clarify, accept_type="application/json"),
        clarify.ModelPredictedLabelConfig(probability_threshold=0.3, probability="score"),
        clarify.SHAPConfig(baseline=[[0] * 12], num_samples=50, agg_method="median", seed=1),
        bias_config(clarify, group_name="education"),
        pre_training_methods=["CI", "DPL"],
    )
    path = tmp_path / "analysis_config.json"
    path.write_text(json.dumps(config))
    read = read_config(path)
    assert read.facets == [("sex_Female", [1])]
    assert read.pre_methods == ["CI", "DPL"] and len(read.post_methods) == 13
    assert read.probability_threshold == 0.3 and read.group_variable == "education"
    assert (
        read.predictor.accept_type == "application/json" and read.predictor.probability == "score"
    )
    assert read.shap.agg_method == "median" and read.shap.use_logit is False
    assert read.shap.save_local_shap_values is True and read.excluded_columns == ["race"]
    assert read.report == ("report", "Analysis Report")


def test_header_row_is_skipped_and_folders_are_read(tmp_path, validation):
    folder = tmp_path / "data"
    (folder / "part").mkdir(parents=True)
    validation[:10].to_csv(folder / "a.csv", index=False)  # with the header row
    validation[10:25].to_csv(folder / "part" / "b.csv", index=False, header=False)
    frame, headers = read_dataset(folder, HEADERS)
    assert headers == HEADERS and len(frame) == 25
    assert frame["age"].tolist() == validation["age"][:25].tolist()


# ------------------------------------------------------------------ bias metrics


def test_ci_dpl_and_di_equal_the_numbers_computed_by_hand(clarify, tmp_path):
    rng = np.random.default_rng(7)
    n = 60  # smclarify calls an integer column with >= 5 % distinct values continuous
    facet = (rng.random(n) < 0.3).astype(int)
    label = (rng.random(n) < np.where(facet == 1, 0.3, 0.6)).astype(int)
    predicted = (rng.random(n) < np.where(facet == 1, 0.4, 0.7)).astype(int)
    data = pd.DataFrame({"y": label, "x": rng.integers(0, 5, n), "f": facet, "yhat": predicted})
    config = clarify._AnalysisConfigGenerator.bias(
        data_config(clarify, label="y", headers=list(data.columns), predicted_label="yhat"),
        bias_config(clarify, facet="f"),
        model_config=None,
        model_predicted_label_config=None,
        pre_training_methods=["CI", "DPL"],
        post_training_methods=["DI", "DPPL"],
    )
    analysis, _ = run(job_root(tmp_path, config, data))
    d, a = facet == 1, facet == 0
    n_d, n_a = d.sum(), a.sum()
    q_d, q_a = label[d].mean(), label[a].mean()
    qp_d, qp_a = predicted[d].mean(), predicted[a].mean()
    pre = metrics(analysis["pre_training_bias_metrics"], "f")
    post = metrics(analysis["post_training_bias_metrics"], "f")
    assert pre["CI"] == pytest.approx((n_a - n_d) / (n_a + n_d))
    assert pre["DPL"] == pytest.approx(q_a - q_d)
    assert post["DI"] == pytest.approx(qp_d / qp_a)
    assert post["DPPL"] == pytest.approx(qp_a - qp_d)
    assert analysis["pre_training_bias_metrics"]["label_value_or_threshold"] == "1"


def test_post_training_bias_uses_the_shadow_endpoint(clarify, tmp_path, validation, model,
                                                     endpoint):  # fmt: skip
    config = clarify._AnalysisConfigGenerator.bias(
        data_config(clarify),
        bias_config(clarify),
        model_config(clarify),
        clarify.ModelPredictedLabelConfig(probability_threshold=0.4),
    )
    root = job_root(tmp_path, config, validation, header=True)  # a header row: skipped
    analysis, lines = run(root, LOCALSM_CLARIFY_ENDPOINT_URL=endpoint)
    scores = model[1].predict(xgb.DMatrix(validation[FEATURES].to_numpy(float)))
    predicted = scores > 0.4
    d = validation["sex_Female"].to_numpy() == 1
    post = metrics(analysis["post_training_bias_metrics"], "sex_Female")
    assert post["DI"] == pytest.approx(predicted[d].mean() / predicted[~d].mean())
    assert post["CDDPL"] is None  # no group_variable: kept, with smclarify's error
    entry_ = analysis["post_training_bias_metrics"]["facets"]["sex_Female"][0]
    assert any(m["name"] == "CDDPL" and m.get("error") for m in entry_["metrics"])
    assert len(metrics(analysis["pre_training_bias_metrics"], "sex_Female")) == 8
    assert len(post) == 13
    assert f"Predictions: {ROWS} rows from the shadow endpoint" in "\n".join(lines)


def test_text_facet_with_pandas_string_dtype(clarify, tmp_path, validation):
    data = validation.copy()
    data["race"] = np.where(data["race"] == 4, "White", "Other")
    config = clarify._AnalysisConfigGenerator.bias_pre_training(
        data_config(clarify, excluded_columns=["race"]),
        bias_config(clarify, facet="race", values=["White"]),
        methods="all",
    )
    analysis, lines = run(job_root(tmp_path, config, data))
    section = analysis["pre_training_bias_metrics"]["facets"]["race"][0]
    assert section["value_or_threshold"] == "White"
    d = (data["race"] == "White").to_numpy()
    assert metrics(analysis["pre_training_bias_metrics"], "race")["CI"] == pytest.approx(
        ((~d).sum() - d.sum()) / len(d)
    )
    assert "Pre-training bias: 8 metrics for facet race=White" in lines


def test_continuous_facet_is_the_rows_above_the_threshold(clarify, tmp_path, validation):
    config = clarify._AnalysisConfigGenerator.bias_pre_training(
        data_config(clarify), bias_config(clarify, facet="age", values=[40]), ["CI", "DPL"]
    )
    analysis, _ = run(job_root(tmp_path, config, validation))
    entry_ = analysis["pre_training_bias_metrics"]["facets"]["age"][0]
    assert entry_["value_or_threshold"] == f"(40, {validation['age'].max()}]"
    d = validation["age"].to_numpy() > 40  # exclusive: 40 itself is in the other group
    label = validation["income"].to_numpy()
    pre = metrics(analysis["pre_training_bias_metrics"], "age")
    assert pre["CI"] == pytest.approx(((~d).sum() - d.sum()) / len(d))
    assert pre["DPL"] == pytest.approx(label[~d].mean() - label[d].mean())


# ------------------------------------------------------------------ SHAP's predictions


def shap_config(clarify, use_logit: bool, **kwargs) -> dict:
    return clarify._AnalysisConfigGenerator.explainability(
        data_config(clarify),
        model_config(clarify),
        None,
        clarify.SHAPConfig(
            num_samples=kwargs.pop("num_samples", 100), use_logit=use_logit, **kwargs
        ),  # fmt: skip
    )


def test_shap_uses_the_loaded_model_only_when_it_answers_as_the_endpoint(
    tmp_path, validation, model, endpoint
):
    rows = validation[FEATURES].to_numpy(float)
    baseline = rows.mean(axis=0, keepdims=True)
    same = scoring.choose(endpoint, model[0], PredictorSpec(), rows, baseline)
    assert same.source == "model"
    served, _ = predictor.predict(endpoint, rows[:50], PredictorSpec())
    np.testing.assert_allclose(same.predict(rows[:50]), served, atol=1e-6)
    # Another model in the folder than the one the endpoint serves: the endpoint is asked.
    other = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(rows,
                      label=validation["income"]), 3)  # fmt: skip
    (tmp_path / "other").mkdir()
    other.save_model(str(tmp_path / "other" / "xgboost-model.json"))
    different = scoring.choose(endpoint, tmp_path / "other", PredictorSpec(), rows, baseline)
    assert different.source == "endpoint"
    np.testing.assert_allclose(different.predict(rows[:50]), served)


def test_shap_through_the_endpoint_alone(clarify, tmp_path, validation, model, endpoint):
    config = shap_config(clarify, False, baseline=[[0] * 13], num_samples=20, seed=0)
    root = job_root(tmp_path, config, validation[:30])
    analysis, lines = run(root, LOCALSM_CLARIFY_ENDPOINT_URL=endpoint)  # no model folder
    assert "predictions from the shadow endpoint" in "\n".join(lines)
    explained = analysis["explanations"]["kernel_shap"]["label0"]
    scores = model[1].predict(xgb.DMatrix(validation[FEATURES][:30].to_numpy(float)))
    local = pd.read_csv(root / "processing" / "output" / "explanations_shap" / "out.csv")
    base = model[1].predict(xgb.DMatrix(np.zeros((1, 13))))[0]
    assert explained["expected_value"] == pytest.approx(float(base), abs=1e-6)
    np.testing.assert_allclose(local.sum(axis=1) + explained["expected_value"], scores,
                               atol=1e-6)  # fmt: skip


# ------------------------------------------------------------------ the shadow endpoint


def test_predicted_labels_and_answers():
    label = pd.Series([0, 1, 1, 0])
    labels = predictor.predicted_labels([0.5, 0.51, 0.9, 0.1], 0.5, label, [1])
    assert labels.tolist() == [0, 1, 1, 0]  # 0.5 is not above the threshold 0.5
    # The score is P(label 1), whichever label is the favourable one (the lab's is 0).
    assert predictor.predicted_labels([0.9, 0.1], 0.5, label, [0]).tolist() == [1, 0]
    # A binary label other than 0/1: the favourable value when above.
    text = pd.Series(["yes", "no"])
    assert predictor.predicted_labels([0.9, 0.1], 0.5, text, ["yes"]).tolist() == ["yes", "no"]
    spec = PredictorSpec(accept_type="application/json")
    assert predictor.parse_answer('{"predictions": [{"score": 0.25}]}', spec) == [0.25]
    lines = PredictorSpec(accept_type="application/jsonlines", probability="p")
    assert predictor.parse_answer('{"p": 0.1}\n{"p": 0.7}\n', lines) == [0.1, 0.7]
    batches = predictor.csv_batches(np.arange(40.0).reshape(20, 2), limit=30)
    assert sum(count for _, count in batches) == 20 and all(len(b) <= 30 for b, _ in batches)


def test_endpoint_failure_is_an_algorithm_error(clarify, tmp_path, validation, model, endpoint,
                                                monkeypatch):  # fmt: skip
    config = clarify._AnalysisConfigGenerator.bias_post_training(
        data_config(clarify, excluded_columns=["race"]),  # 12 features for a 13-feature model
        bias_config(clarify),
        clarify.ModelPredictedLabelConfig(),
        "all",
        model_config(clarify),
    )
    root = job_root(tmp_path, config, validation)
    message = fail(root, monkeypatch, LOCALSM_CLARIFY_ENDPOINT_URL=endpoint)
    assert message.startswith("AlgorithmError: the shadow endpoint answered HTTP 400")
    assert "13" in message and "12" in message  # the server's own words: the counts


# ------------------------------------------------------------------ bad input


def fail(root: Path, monkeypatch, **env: str) -> str:
    """Run the entry in process; it must exit 1, write one line and leave no output."""
    for name in (analyzer.ENDPOINT_VARIABLE, analyzer.MODEL_DIR_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert entry.main([str(root)]) == 1
    message = (root / "output" / "message").read_text()
    assert message.count("\n") == 1 and "Traceback" not in message
    output = root / "processing" / "output"
    assert not output.exists() or not any(output.iterdir()), list(output.iterdir())
    return message.strip()


# case -> (config options, data change, words of the message)
BAD_INPUTS = {
    "facet not in headers": ({"facet": "gender"}, None, "'gender' is not a column"),
    "label not in headers": ({"label": "salary"}, None, "label 'salary' is not a column"),
    "label value never seen": ({"label_values": [7]}, None, "label value 7 never appears"),
    "facet value matches no row": ({"values": [3]}, None, "no row is in the sensitive group"),
    "facet values take every row": ({"values": [0, 1]}, None, "every row is in the sensitive"),
    "baseline of the wrong width": ({"baseline": [[0] * 12]}, None,
                                    "baseline row 1 has 12 values; expected 13"),
    "text in a feature column": ({"shap": True}, "text",
                                 "column 'occupation' holds text ('Tech' in data row 3)"),
    "empty dataset": ({}, "empty", "has no data rows"),
    "not CSV": ({"dataset_type": "application/jsonlines"}, None, "only text/csv runs locally"),
    "num_clusters of 0": ({"shap": True, "num_clusters": 0}, None,
                          "methods.shap.num_clusters 0"),
    "use_logit on a regression": ({"shap": True, "use_logit": True}, "regression",
                                  "use_logit is true but the model's output is not a "
                                  "probability"),
}  # fmt: skip


def bad_config(clarify, options: dict) -> dict:
    """A config the SDK writes, with one thing wrong in it."""
    if "baseline" in options or options.get("shap"):
        extra = {"num_clusters": options["num_clusters"]} if "num_clusters" in options else {}
        baseline = None if extra else options.get("baseline", [[0] * 13])
        return shap_config(clarify, options.get("use_logit", False), baseline=baseline, **extra)
    data = data_config(clarify, label=options.get("label", "income"))
    facet = bias_config(clarify, options.get("facet", "sex_Female"), options.get("values", [1]))
    config = clarify._AnalysisConfigGenerator.bias_pre_training(data, facet, "all")
    config["label_values_or_threshold"] = options.get("label_values", [1])
    config["dataset_type"] = options.get("dataset_type", "text/csv")
    return config


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_a_client_error(clarify, tmp_path, validation, model, monkeypatch, case):
    options, change, expected = BAD_INPUTS[case]
    config = bad_config(clarify, options)
    data = validation[:50].copy()
    if change == "text":
        data["occupation"] = data["occupation"].astype(object)
        data.loc[2, "occupation"] = "Tech"
    if change == "empty":
        data = data[:0]
    root = job_root(tmp_path, config, data, header=change == "empty")
    model_dir = str(model[0])
    if change == "regression":  # outputs that are not probabilities
        table = validation.to_numpy(float)
        booster = xgb.train({"objective": "reg:squarederror"},
                            xgb.DMatrix(table[:, 1:], label=table[:, 1] * 10), 3)  # fmt: skip
        (tmp_path / "regression").mkdir()
        booster.save_model(str(tmp_path / "regression" / "xgboost-model.json"))
        model_dir = str(tmp_path / "regression")
    message = fail(root, monkeypatch, LOCALSM_CLARIFY_MODEL_DIR=model_dir)
    assert message.startswith("ClientError: ") and expected in message, message
    if case == "facet not in headers":
        assert "income, age, workclass" in message  # the headers are listed


def test_missing_or_unreadable_config_names_the_path(tmp_path, monkeypatch):
    root = job_root(tmp_path, {})
    config = root / "processing" / "input" / "config" / "analysis_config.json"
    config.write_text("{not json")
    assert str(config) in fail(root, monkeypatch)
    config.unlink()
    message = fail(root, monkeypatch)
    assert message.startswith("ClientError: the analysis config") and str(config) in message


# ------------------------------------------------------------------ the report


EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_report_in_both_languages(clarify, tmp_path, validation, model, endpoint, language):
    config = clarify._AnalysisConfigGenerator.bias_and_explainability(
        data_config(clarify),
        model_config(clarify),
        clarify.ModelPredictedLabelConfig(),
        clarify.SHAPConfig(num_samples=50, num_clusters=2, seed=0),
        bias_config(clarify),
    )
    root = job_root(tmp_path, config, validation)
    env = {"LOCALSM_CLARIFY_ENDPOINT_URL": endpoint, "LOCALSM_LANGUAGE": language,
           "LOCALSM_CLARIFY_MODEL_DIR": str(model[0])}  # fmt: skip
    run(root, **env)
    output = root / "processing" / "output"
    page = (output / "report.html").read_text()
    notebook = nbformat.read(output / "report.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert not EXTERNAL.search(page) and "<script" not in page
    assert page.count('src="data:image/png;base64,') == 1
    figures = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert figures and figures[0]["output_type"] == "display_data"
    assert "image/png" in figures[0]["data"]
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    if language == "pt_BR":
        for words in (
            "Métricas de viés pré-treinamento",
            "Métricas de viés pós-treinamento",
            "Importância global (SHAP)",
            "grupo sensível",
            "Faceta",
            "Kernel SHAP contra a linha de base",
            "centros k-means",
        ):
            assert words in page and words in text  # fmt: skip
        assert 'lang="pt-BR"' in page and "Relatório de análise" in page
    else:
        assert "Pre-training bias metrics" in page and "Kernel SHAP against the baseline" in page
        assert "Coalitions per row: 50 (num\\_samples) of the 8,190 possible" in text
        assert "2 row(s) were built as k-means centres" in text


def test_every_word_and_metric_in_both_languages():
    from smclarify.bias import metrics as registry

    names = {f.__name__ for f in registry.PRETRAINING_METRICS + registry.POSTTRAINING_METRICS}
    for lang in wording.LANGUAGES:
        assert set(wording.TEXTS[lang]) == set(wording.TEXTS["en"])
        assert set(wording.METRICS[lang]) == names
    assert wording.number(0.25, "pt_BR") == "0,2500" and wording.count(7839, "pt_BR") == "7.839"


# ------------------------------------------------------------------ as the job runs it


def analyze(root: Path, **env: str) -> subprocess.CompletedProcess:
    """`python -m localsm.clarify <root>`, as the processing job starts it."""
    env = {**os.environ, "PYTHONPATH": str(CODE), **env}
    command = [sys.executable, "-m", "localsm.clarify", str(root)]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_job_runs_it_as_a_process(clarify, tmp_path, validation, model, endpoint):
    config = clarify._AnalysisConfigGenerator.bias_and_explainability(
        data_config(clarify),
        model_config(clarify),
        clarify.ModelPredictedLabelConfig(),
        clarify.SHAPConfig(num_samples=60, seed=0, save_local_shap_values=False),
        bias_config(clarify),
    )
    root = job_root(tmp_path / "both", config, validation)
    env = {"LOCALSM_CLARIFY_ENDPOINT_URL": endpoint, "LOCALSM_CLARIFY_MODEL_DIR": str(model[0])}
    done = analyze(root, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    output = root / "processing" / "output"
    # No baseline: Clarify clusters the data and saves the baseline it used; no local values.
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*.*")) == [
        "analysis.json", "explanations_shap/baseline.csv", "report.html", "report.ipynb"
    ]  # fmt: skip
    assert done.stdout.startswith(f"Reading {ROWS} rows x 14 columns")
    assert "Wrote analysis.json, report.ipynb, report.html" in done.stdout
    assert len(done.stdout.splitlines()) <= 8 and not done.stderr.strip()

    # SHAP alone with a baseline: the process skips scikit-learn (analyzer.skip_scikit_learn)
    root = job_root(tmp_path / "shap", shap_config(clarify, True, baseline=[[0] * 13]), validation)
    done = analyze(root, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SHAP: Kernel SHAP, 600 rows x 13 features, 100 coalitions per row x 1 baseline" in (
        done.stdout
    )
    assert "predictions from the model loaded in the job" in done.stdout
    assert (root / "processing" / "output" / "explanations_shap" / "out.csv").is_file()

    (root / "processing" / "input" / "config" / "analysis_config.json").unlink()
    failed = analyze(root, **env)
    assert failed.returncode == 1 and "Traceback" not in failed.stdout + failed.stderr
    assert (root / "output" / "message").read_text().startswith("ClientError: ")
