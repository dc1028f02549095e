"""Benchmark: SageMaker Clarify in local mode through the unmodified SDK v2.

One built-in XGBoost model with the lab's hyperparameters (800 rounds) on the bundled data,
registered as a SageMaker model, then, against the local service:

- `run_bias` with every pre-training and post-training metric on the validation split (7,839
  rows): a processing job that starts a shadow endpoint for the predictions;
- `run_explainability` with Kernel SHAP on the same rows against the mean baseline (local
  values saved), compared on the first rows with the exact Shapley values of the same game (the
  model scoring every one of the 2^13 coalitions against the baseline).

Each is timed from the SDK call to its return (`--repeat` times, median and range).

    .venv/bin/python benchmarks/clarify.py [--repeat 3]

Target: <= 20 s each. On AWS the same two calls take minutes each: a processing instance and a
shadow endpoint instance are provisioned, then released (the SDK waits on both).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "code"))

from serving import quiet, train  # noqa: E402 - the serving benchmark's (this folder)

import lab  # noqa: E402


def registered_model(setup: lab.Lab):
    """The lab's Task 1 model (trained as the serving benchmark trains it), registered for
    Clarify."""
    estimator = train(setup, lab.LAB_HYPERPARAMETERS["num_round"])
    model = estimator.create_model()
    model.create(instance_type="local")
    return estimator, model


def timed(call, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        with quiet():
            call()
        seconds.append(time.perf_counter() - start)
    return seconds


EXACT_ROWS = 200  # rows compared with the exact values (8,192 coalitions each)


def shap_agreement(setup: lab.Lab, estimator, output: str, baseline: list) -> tuple[bool, float]:
    """Whether the job's local values (`explanations_shap/out.csv`, log-odds) rank the top three
    features as the exact Shapley values do on the first rows, and the largest difference of a
    global (mean absolute) value there."""
    import pandas as pd
    import xgboost as xgb

    from localsm.clarify.kernel_shap import exact_values, logit

    features = lab.read_split("validation", setup).drop(columns="income")
    data = features.to_numpy(dtype=np.float64)[:EXACT_ROWS]
    booster = lab.load_model(estimator.model_data, setup)
    exact = exact_values(lambda x: booster.predict(xgb.DMatrix(x)), data,
                         np.asarray(baseline, dtype=np.float64), logit)  # fmt: skip
    folder = Path(lab.download_analysis(setup, output))
    estimate = pd.read_csv(folder / "explanations_shap" / "out.csv").to_numpy()[:EXACT_ROWS]
    ours, truth = np.abs(estimate).mean(axis=0), np.abs(exact).mean(axis=0)
    same_top = list(np.argsort(-ours)[:3]) == list(np.argsort(-truth)[:3])
    return same_top, float(np.abs(ours - truth).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(args, folder)


def run(args: argparse.Namespace, folder: str) -> None:
    from sagemaker import clarify

    with quiet():
        setup = lab.setup("local", output_dir=folder)
        estimator, model = registered_model(setup)
    processor = clarify.SageMakerClarifyProcessor(
        role=setup.role, instance_count=1, instance_type="local", sagemaker_session=setup.session
    )

    def data(name: str) -> clarify.DataConfig:
        return clarify.DataConfig(
            s3_data_input_path=lab.dataset_source(setup, "validation"),
            s3_output_path=lab.clarify_output_path(setup, name),
            label="income", headers=lab.column_names(), dataset_type="text/csv",
        )  # fmt: skip

    model_config = clarify.ModelConfig(model_name=model.name, instance_type="local",
                                       instance_count=1, accept_type="text/csv")  # fmt: skip
    bias = clarify.BiasConfig([0], facet_name="sex_Female", facet_values_or_threshold=[1],
                              group_name="education")  # fmt: skip
    bias_seconds = timed(
        lambda: processor.run_bias(
            data("bias"),
            bias,
            model_config,
            clarify.ModelPredictedLabelConfig(probability_threshold=0.5),
            pre_training_methods="all",
            post_training_methods="all",
            logs=False,
        ),  # fmt: skip
        args.repeat,
    )
    features = lab.read_split("validation", setup).drop(columns="income")
    baseline = [features.mean().round(4).tolist()]
    shap = clarify.SHAPConfig(baseline=baseline, num_samples=200,
                              agg_method="mean_abs", use_logit=True,
                              save_local_shap_values=True)  # fmt: skip
    shap_seconds = timed(
        lambda: processor.run_explainability(data("shap"), model_config, shap, logs=False),
        args.repeat,
    )
    same_top, error = shap_agreement(
        setup, estimator, lab.clarify_output_path(setup, "shap"), baseline
    )
    model.delete_model()
    rows = [
        ("run_bias (pre + post, all metrics), 7,839 rows", bias_seconds, "<= 20 s"),
        ("run_explainability (SHAP, local values), 7,839 rows", shap_seconds, "<= 20 s"),
    ]
    for what, seconds, target in rows:
        print(f"{what:55} median {statistics.median(seconds):5.1f} s "
              f"(range {min(seconds):.1f}-{max(seconds):.1f} s)   target {target}")  # fmt: skip
    print(f"Kernel SHAP (num_samples=200) vs the exact Shapley values, first {EXACT_ROWS} rows: "
          f"same top three: {same_top}; largest difference of a global value: {error:.4f} "
          "(target <= 0.015)")  # fmt: skip


if __name__ == "__main__":
    main()
