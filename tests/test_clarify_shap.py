"""Local Clarify's SHAP values against SageMaker Clarify's contract: Kernel SHAP against the
baseline, on the course's model and data, checked against the exact Shapley values computed
here by enumerating every coalition of the 13 features.

What SageMaker documents, and each test below follows:
- SDK v2 `SHAPConfig` (aws/sagemaker-python-sdk, src/sagemaker/clarify.py): `baseline` rows
  hold the features only; no baseline -> one is computed with K-means (`num_clusters` rows);
  `num_samples` sizes the synthetic dataset; `agg_method` `mean_abs` (mean of absolute
  values), `median`, `mean_sq` (mean of squares); `use_logit` -> log-odds units; `seed` ->
  deterministic values; `save_local_shap_values` (default True).
- API reference `ClarifyShapConfig` (NumberOfSamples >= 1, Seed for a deterministic result,
  UseLogit) and the developer guide's "Synthetic dataset"
  (awsdocs/amazon-sagemaker-developer-guide, doc_source/clarify-online-explainability-create-
  endpoint.md): synthetic rows = baseline rows x n_samples, n_samples =
  min(NumberOfSamples, 2^M - 2), default min(2M + 2^11, 2^M - 2).
- "SHAP Baselines for Explainability" (doc_source/clarify-feature-attribute-shap-baselines.md):
  a feature is absent when it takes the baseline's value, present when it takes the row's.
- "Get the Analysis Results" (doc_source/clarify-processing-job-run.md): `explanations.
  kernel_shap.label0.{global_shap_values, expected_value}` in analysis.json and the local values
  in `explanations_shap/out.csv`; AWS's example notebooks read that file's columns as
  `<feature>_label0` (aws/amazon-sagemaker-examples, archived/fairness_and_explainability_
  outputs.ipynb, which also logs Clarify writing `explanations_shap/baseline.csv`).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from conftest import DATASET, FEATURES, HEADERS, LAB_PARAMS, REPO, validation_frame
from lab.paths import LAB_HYPERPARAMETERS
from localsm.clarify import __main__ as entry
from localsm.clarify import analyzer, kernel_shap

ROWS = 120  # validation rows explained: the exact values need 2^13 model calls per row


def notebook_num_samples() -> int:
    """`shap_num_samples` of the Task 4 notebook's parameters cell: what the learner runs."""
    notebook = nbformat.read(REPO / "notebooks" / "explain_and_bias.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    for line in cell.source.splitlines():
        if line.startswith("shap_num_samples ="):
            return int(line.split("=")[1].split("#")[0])
    raise AssertionError("no shap_num_samples in the notebook's parameters cell")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def validation() -> pd.DataFrame:
    return validation_frame(ROWS)


@pytest.fixture(scope="module")
def course_model(tmp_path_factory) -> tuple[Path, xgb.Booster]:
    """The course's model: the lab's hyperparameters and rounds on the whole training split,
    saved as the built-in algorithm names its artifact."""
    table = np.loadtxt(DATASET / "adult_data_processed_train.csv", delimiter=",")
    rounds = int(LAB_HYPERPARAMETERS["num_round"])
    booster = xgb.train(LAB_PARAMS, xgb.DMatrix(table[:, 1:], label=table[:, 0]), rounds)
    folder = tmp_path_factory.mktemp("model")
    booster.save_model(str(folder / "xgboost-model.json"))
    (folder / "xgboost-model.json").rename(folder / "xgboost-model")
    return folder, booster


@pytest.fixture(scope="module")
def mean_baseline() -> list[float]:
    """The notebook's baseline: the validation features' means, rounded to 4 decimals."""
    data = pd.read_csv(DATASET / "adult_data_processed_validation.csv", header=None,
                       names=HEADERS)  # fmt: skip
    return data[FEATURES].mean().round(4).tolist()


def probability(booster: xgb.Booster, rows: np.ndarray) -> np.ndarray:
    margin = booster.predict(xgb.DMatrix(rows), output_margin=True).astype(np.float64)
    return 1.0 / (1.0 + np.exp(-margin))


def exact_shapley(booster: xgb.Booster, rows: np.ndarray, baseline: np.ndarray,
                  use_logit: bool) -> np.ndarray:  # fmt: skip
    """The Shapley values of v(S) = g(mean over baseline rows b of f(x_S, b_rest)), g the
    logit or the identity, straight from the definition: all 2^M coalitions enumerated, each
    feature's marginal contribution weighted by |S|! (M - |S| - 1)! / M!."""
    m = rows.shape[1]
    subsets = list(itertools.product((False, True), repeat=m))
    index = {subset: i for i, subset in enumerate(subsets)}
    pairs = []  # per feature: (coalitions with it, the same without it, their weights)
    for j in range(m):
        with_j = [s for s in subsets if s[j]]
        without = [index[s[:j] + (False,) + s[j + 1 :]] for s in with_j]
        weight = [math.factorial(sum(s) - 1) * math.factorial(m - sum(s)) / math.factorial(m)
                  for s in with_j]  # fmt: skip
        pairs.append(([index[s] for s in with_j], without, np.array(weight)))
    masks = np.array(subsets)
    values = np.zeros(rows.shape)
    for r, row in enumerate(rows):
        synthetic = np.where(masks[:, None, :], row, baseline[None])
        mean = probability(booster, synthetic.reshape(-1, m)).reshape(len(masks), -1).mean(1)
        game = np.log(mean / (1 - mean)) if use_logit else mean
        for j, (present, absent, weight) in enumerate(pairs):
            values[r, j] = np.sum(weight * (game[present] - game[absent]))
    return values


def job_root(tmp_path: Path, config: dict, data: pd.DataFrame, name: str = "") -> Path:
    """An `/opt/ml` stand-in holding the config and the dataset where the job stages them."""
    root = tmp_path / "ml"
    config_dir = root / "processing" / "input" / "config"
    data_dir = root / "processing" / "input" / "data"
    config_dir.mkdir(parents=True)
    data_dir.mkdir(parents=True)
    (config_dir / (name or "analysis_config.json")).write_text(json.dumps(config))
    data.to_csv(data_dir / "data.csv", index=False, header=False)
    return root


def shap_config(clarify, **kwargs) -> dict:
    """The analysis config the SDK writes for run_explainability with these SHAP options."""
    data = clarify.DataConfig(s3_data_input_path="s3://bucket/data", s3_output_path="s3://b/o",
                              label="income", headers=HEADERS, dataset_type="text/csv")  # fmt: skip
    model = clarify.ModelConfig(model_name="course-model", instance_type="ml.m5.large",
                                instance_count=1, content_type="text/csv")  # fmt: skip
    return clarify._AnalysisConfigGenerator.explainability(
        data, model, None, clarify.SHAPConfig(**kwargs)
    )


def explain(root: Path, model_dir: Path) -> tuple[dict, Path]:
    """Run the analysis in process; analysis.json's SHAP entry and the output folder."""
    analyzer.run(root, {analyzer.MODEL_DIR_VARIABLE: str(model_dir)}, log=lambda _: None)
    output = root / "processing" / "output"
    analysis = json.loads((output / "analysis.json").read_text())
    return analysis["explanations"]["kernel_shap"]["label0"], output


def local_values(output: Path) -> pd.DataFrame:
    return pd.read_csv(output / "explanations_shap" / "out.csv")


# ------------------------------------------------------------------ the course's model


def test_the_notebooks_settings_are_within_0_015_of_the_exact_values(
    clarify, tmp_path, validation, course_model, mean_baseline
):
    model_dir, booster = course_model
    config = shap_config(clarify, baseline=[mean_baseline], num_samples=notebook_num_samples(),
                         agg_method="mean_abs", use_logit=True, seed=0)  # fmt: skip
    explained, output = explain(job_root(tmp_path, config, validation), model_dir)
    rows = validation[FEATURES].to_numpy(float)
    exact = exact_shapley(booster, rows, np.array([mean_baseline]), use_logit=True)
    exact_global = dict(zip(FEATURES, np.abs(exact).mean(axis=0), strict=True))
    found = explained["global_shap_values"]
    assert list(found) == FEATURES
    for name in FEATURES:
        assert found[name] == pytest.approx(exact_global[name], abs=0.015), name
    top = sorted(FEATURES, key=lambda f: -found[f])[:3]
    assert top == sorted(FEATURES, key=lambda f: -exact_global[f])[:3]
    # expected_value is the model's output on the baseline row (log-odds: use_logit)
    base = booster.predict(xgb.DMatrix(np.array([mean_baseline])), output_margin=True)[0]
    assert explained["expected_value"] == pytest.approx(float(base), abs=1e-5)
    # each row's values add up to its own log-odds minus expected_value
    local = local_values(output)
    margin = booster.predict(xgb.DMatrix(rows), output_margin=True).astype(float)
    np.testing.assert_allclose(local.sum(axis=1) + explained["expected_value"], margin, atol=1e-4)


def test_every_coalition_gives_the_exact_values(clarify, tmp_path, validation, course_model,
                                                mean_baseline):  # fmt: skip
    model_dir, booster = course_model
    baseline = [mean_baseline, validation[FEATURES].iloc[7].tolist()]  # two rows: their mean
    data = validation[:6]
    config = shap_config(clarify, baseline=baseline, num_samples=2**13 - 2, use_logit=False)
    explained, output = explain(job_root(tmp_path, config, data), model_dir)
    exact = exact_shapley(booster, data[FEATURES].to_numpy(float), np.array(baseline), False)
    np.testing.assert_allclose(local_values(output).to_numpy(), exact, atol=1e-9)
    # use_logit false: expected_value is the mean predicted probability on the baseline rows
    expected = probability(booster, np.array(baseline)).mean()
    assert explained["expected_value"] == pytest.approx(expected, abs=1e-9)


def test_local_values_are_named_as_clarify_names_them(clarify, tmp_path, validation,
                                                      course_model, mean_baseline):  # fmt: skip
    config = shap_config(clarify, baseline=[mean_baseline], num_samples=30, seed=1)
    _, output = explain(job_root(tmp_path, config, validation[:20]), course_model[0])
    local = local_values(output)
    assert list(local.columns) == [f"{name}_label0" for name in FEATURES] and len(local) == 20
    # what AWS's example notebooks do with the file: strip the suffix, get the feature names
    assert [c.replace("_label0", "") for c in local.columns] == FEATURES
    baseline = pd.read_csv(output / "explanations_shap" / "baseline.csv", header=None)
    np.testing.assert_allclose(baseline.to_numpy(), [mean_baseline])


@pytest.mark.parametrize("agg", ["mean_abs", "median", "mean_sq"])
def test_agg_method(clarify, tmp_path, validation, course_model, mean_baseline, agg):
    config = shap_config(clarify, baseline=[mean_baseline], num_samples=50, agg_method=agg,
                         seed=0)  # fmt: skip
    explained, output = explain(job_root(tmp_path, config, validation[:40]), course_model[0])
    local = local_values(output).to_numpy()
    expected = {"mean_abs": np.abs(local).mean(0), "median": np.median(local, 0),
                "mean_sq": (local**2).mean(0)}[agg]  # fmt: skip
    found = [explained["global_shap_values"][name] for name in FEATURES]
    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-12)


def test_use_logit_explains_the_log_odds(clarify, tmp_path, validation, course_model,
                                         mean_baseline):  # fmt: skip
    model_dir, booster = course_model
    baseline = np.array([mean_baseline, validation[FEATURES].iloc[3].tolist()])
    data = validation[:10]
    config = shap_config(clarify, baseline=baseline.tolist(), num_samples=100, use_logit=True,
                         seed=3)  # fmt: skip
    explained, output = explain(job_root(tmp_path, config, data), model_dir)
    mean = probability(booster, baseline).mean()
    assert explained["expected_value"] == pytest.approx(np.log(mean / (1 - mean)), abs=1e-9)
    p = probability(booster, data[FEATURES].to_numpy(float))
    sums = local_values(output).sum(axis=1) + explained["expected_value"]
    np.testing.assert_allclose(sums, np.log(p / (1 - p)), atol=1e-9)


def test_seed_makes_the_values_deterministic(clarify, tmp_path, validation, course_model,
                                             mean_baseline):  # fmt: skip
    runs = []
    for i, seed in enumerate((5, 5, 6)):
        config = shap_config(clarify, baseline=[mean_baseline], num_samples=40, seed=seed)
        _, output = explain(job_root(tmp_path / str(i), config, validation[:30]),
                            course_model[0])  # fmt: skip
        runs.append(local_values(output).to_numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_no_baseline_builds_one_with_kmeans(clarify, tmp_path, validation, course_model):
    model_dir, booster = course_model
    config = shap_config(clarify, num_clusters=3, num_samples=60, seed=0,
                         save_local_shap_values=False)  # fmt: skip
    explained, output = explain(job_root(tmp_path, config, validation), model_dir)
    rows = validation[FEATURES].to_numpy(float)
    centres = pd.read_csv(output / "explanations_shap" / "baseline.csv", header=None).to_numpy()
    assert centres.shape == (3, len(FEATURES))
    # k-means centres: each is the mean of the rows nearest to it (Lloyd's fixed point)
    nearest = np.argmin(((rows[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    assert sorted(set(nearest)) == [0, 1, 2]
    for k in range(3):
        np.testing.assert_allclose(centres[k], rows[nearest == k].mean(axis=0), rtol=1e-6)
    assert explained["expected_value"] == pytest.approx(probability(booster, centres).mean())
    assert not (output / "explanations_shap" / "out.csv").exists()
    again = explain(job_root(tmp_path / "again", config, validation), model_dir)[1]
    repeated = pd.read_csv(again / "explanations_shap" / "baseline.csv", header=None)
    np.testing.assert_array_equal(repeated.to_numpy(), centres)  # seeded


def test_no_baseline_and_no_num_clusters(clarify, tmp_path, validation, course_model):
    config = shap_config(clarify, num_samples=20, seed=0)
    _, output = explain(job_root(tmp_path, config, validation[:60]), course_model[0])
    baseline = pd.read_csv(output / "explanations_shap" / "baseline.csv", header=None)
    assert 1 <= len(baseline) <= 12 and baseline.shape[1] == len(FEATURES)


# ------------------------------------------------------------------ the analysis config's name


def test_the_config_is_read_whatever_the_object_is_called(clarify, tmp_path, validation,
                                                          course_model, mean_baseline):  # fmt: skip
    # AWS's boto3 example (aws/amazon-sagemaker-examples, responsible_ai/
    # sm-clarify_fairness_and_explainability_with_boto3.ipynb) uploads
    # `explainability_analysis_config.json` as the input named `analysis_config`; the developer
    # guide (doc_source/clarify-processing-job-configure-analysis.md) requires that input name.
    config = shap_config(clarify, baseline=[mean_baseline], num_samples=20, seed=0)
    root = job_root(tmp_path, config, validation[:5], "explainability_analysis_config.json")
    explained, _ = explain(root, course_model[0])
    assert set(explained["global_shap_values"]) == set(FEATURES)


def test_two_configs_and_none_called_analysis_config_fail(clarify, tmp_path, validation,
                                                           monkeypatch, mean_baseline):  # fmt: skip
    config = shap_config(clarify, baseline=[mean_baseline])
    root = job_root(tmp_path, config, validation[:5], "a.json")
    (root / "processing" / "input" / "config" / "b.json").write_text("{}")
    monkeypatch.delenv(analyzer.MODEL_DIR_VARIABLE, raising=False)
    assert entry.main([str(root)]) == 1
    message = (root / "output" / "message").read_text()
    assert message.startswith("ClientError: the analysis_config input holds 2 files (a.json, "
                              "b.json)")  # fmt: skip


# ------------------------------------------------------------------ the estimator itself


def test_kernel_shap_plan_follows_the_shapley_kernel():
    m = 13
    assert kernel_shap.budget(m, None) == 2 * m + 2048  # the documented default
    assert kernel_shap.budget(m, 10**6) == 2**m - 2  # never more than every coalition
    plan = kernel_shap.plan(m, 2**m - 2)
    assert len(plan.fixed) == 2**m - 2 and plan.random_count == 0
    assert plan.fixed_weights.sum() == pytest.approx(1.0)
    sizes = plan.fixed.sum(axis=1)
    choose = np.array([math.comb(m, int(size)) for size in sizes])
    kernel = (m - 1) / (choose * sizes * (m - sizes))  # the Shapley kernel, Lundberg & Lee 2017
    np.testing.assert_allclose(plan.fixed_weights / kernel, plan.fixed_weights[0] / kernel[0])
    small = kernel_shap.plan(m, 300)  # sizes 1 and 12 enumerated, the rest drawn in pairs
    assert len(small.fixed) == 26 and small.random_count == 274
    drawn = kernel_shap.draw(small, 4, np.random.default_rng(0))
    assert drawn.shape == (4, 274, m)
    assert (drawn[:, 0] == ~drawn[:, 1]).all()  # a draw, then its complement


def test_exact_values_helper_matches_the_definition(course_model, validation, mean_baseline):
    booster = course_model[1]
    rows = validation[FEATURES].to_numpy(float)[:2]
    base = np.array([mean_baseline])

    def predict(matrix):
        return probability(booster, matrix)

    found = kernel_shap.exact_values(predict, rows, base, kernel_shap.logit)
    np.testing.assert_allclose(found, exact_shapley(booster, rows, base, True), atol=1e-9)


def test_fewer_samples_than_features_gives_the_least_norm_estimate_not_a_blow_up():
    """AWS's responsible_ai/sm-clarify_fairness_and_explainability_with_boto3 example (aws/
    amazon-sagemaker-examples; its config archived/fairness_and_explainability_json_format/
    analysis_config/explainability_analysis_config.json) asks `num_samples: 15` for 14
    features. A coalition and its complement give one direction, so the least-squares system
    is singular; rounding hid that from `np.linalg.solve`, and 832 of 30,135 Adult rows got
    values beyond 1 (up to 5.8e14, global values 1.9e10) for a model scoring in [0, 1]. The
    Kernel SHAP estimate is the weighted least-squares solution (Lundberg & Lee 2017, Theorem
    2); where it is not unique, shap's KernelExplainer (slundberg/shap, shap/explainers/
    _kernel.py, `solve`) falls back to `np.linalg.lstsq`, the least-norm solution, as here."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=14)

    def predict(matrix: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(np.tanh(matrix) @ weights + 0.3 * matrix[:, 0] * matrix[:, 1])))

    rows, baseline = rng.normal(size=(300, 14)), rng.normal(size=(1, 14))
    for seed in (0, 1):
        result = kernel_shap.explain(predict, rows, baseline, 15, seed)
        assert np.all(np.isfinite(result.values))
        assert np.abs(result.values).max() < 10  # was 1.2e5 and 2.2e5 for these two seeds
        assert np.allclose(result.values.sum(axis=1), result.outputs - result.expected_value)
    # Enough samples: the same answer as before (the unique solution), close to the exact one.
    enough = kernel_shap.explain(predict, rows[:10], baseline, 2**14 - 2, 0)
    exact = kernel_shap.exact_values(predict, rows[:10], baseline)
    assert np.abs(enough.values - exact).max() < 1e-8
