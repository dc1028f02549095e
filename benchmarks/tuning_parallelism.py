"""Benchmark: the lab's tuning job with jobs in parallel versus one at a time.

The lab's tuner (script mode, 6 jobs, Random strategy, the lab's ranges and static
hyperparameters) on the bundled data, run locally once with `max_parallel_jobs=3` and once
with `max_parallel_jobs=1`, same seed (so the same 6 hyperparameter sets).

    .venv/bin/python benchmarks/tuning_parallelism.py

Goal (local tuning issue): wall time with 3 in parallel / wall time with 1 <= 0.7 on 2 cores.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "code"))
sys.path.insert(0, str(REPO / "tests"))
import lab  # noqa: E402
from estimators import lab_ranges, lab_script_estimator  # noqa: E402 - shared with the tests
from localsm.cpus import available_cpus  # noqa: E402

LAB_STATIC = {"eval_metric": "auc", "objective": "binary:logistic", "num_round": 5}


def run(parallel: int, folder: Path) -> tuple[float, float]:
    """(seconds, best validation AUC) of one tuning job."""
    from sagemaker.tuner import HyperparameterTuner

    with contextlib.redirect_stdout(io.StringIO()):
        setup = lab.setup("local", output_dir=str(folder / f"parallel-{parallel}"))
    tuner = HyperparameterTuner(
        lab_script_estimator(setup, hyperparameters=LAB_STATIC),
        objective_metric_name="validation:auc",
        hyperparameter_ranges=lab_ranges(),
        objective_type="Maximize",
        max_jobs=6,
        max_parallel_jobs=parallel,
        strategy="Random",
        random_seed=42,
    )
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        tuner.fit({"train": setup.train_uri, "validation": setup.validation_uri})
    seconds = time.perf_counter() - start
    best = setup.session.sagemaker_client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuner.latest_tuning_job.name
    )["BestTrainingJob"]
    return seconds, best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        serial, best_serial = run(1, Path(folder))
        parallel, best_parallel = run(3, Path(folder))
    print(f"cores: {available_cpus()}")
    print(f"6 jobs, 1 at a time:   {serial:.1f} s   best validation AUC {best_serial:.6f}")
    print(f"6 jobs, 3 in parallel: {parallel:.1f} s   best validation AUC {best_parallel:.6f}")
    print(f"ratio: {parallel / serial:.2f} (goal <= 0.7)")


if __name__ == "__main__":
    main()
