"""Benchmark: what does a local SageMaker training job cost on top of plain XGBoost?

One built-in XGBoost job with the lab's hyperparameters (800 rounds) on the bundled data,
run through the unmodified SDK (`Estimator.fit`) against the local service, versus a bare
in-process `xgb.train` on the same data with the same parameters and evaluation sets.

    .venv/bin/python benchmarks/local_overhead.py [--repeat 3] [--threads 2]

Goal (local-mode issue): median overhead <= 1.0 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "code"))

import lab  # noqa: E402

HYPERPARAMETERS = lab.LAB_HYPERPARAMETERS


def bare_xgboost(train: Path, validation: Path) -> float:
    """Seconds for load + xgb.train in this process, evaluating both sets every round."""
    import pandas as pd
    import xgboost as xgb

    start = time.perf_counter()
    sets = []
    for path in (train, validation):
        frame = pd.read_csv(path, header=None, dtype="float64")
        sets.append(xgb.DMatrix(frame.iloc[:, 1:].to_numpy(), label=frame.iloc[:, 0].to_numpy()))
    params = {k: v for k, v in HYPERPARAMETERS.items() if k != "num_round"}
    xgb.train(
        params,
        sets[0],
        num_boost_round=HYPERPARAMETERS["num_round"],
        evals=[(sets[0], "train"), (sets[1], "validation")],
        verbose_eval=False,
    )
    return time.perf_counter() - start


def sdk_job(session, output: Path, train: Path, validation: Path) -> float:
    """Seconds for Estimator(...) + fit(wait=True) with the log streamed (as in the notebook)."""
    import sagemaker
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput

    start = time.perf_counter()
    estimator = Estimator(
        image_uri=sagemaker.image_uris.retrieve("xgboost", session.boto_region_name, "1.5-1"),
        role="arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole",
        instance_count=1,
        instance_type="local",
        output_path=output.as_uri(),
        sagemaker_session=session,
    )
    estimator.set_hyperparameters(**HYPERPARAMETERS)
    with contextlib.redirect_stdout(io.StringIO()):
        estimator.fit(
            {
                "train": TrainingInput(train.as_uri(), content_type="text/csv"),
                "validation": TrainingInput(validation.as_uri(), content_type="text/csv"),
            }
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    from localsm import LocalSageMakerSession

    train = REPO / "dataset" / "adult_data_processed_train.csv"
    validation = REPO / "dataset" / "adult_data_processed_validation.csv"
    with tempfile.TemporaryDirectory() as folder:
        session = LocalSageMakerSession(jobs_dir=Path(folder) / "jobs")
        bare, local = [], []
        for _ in range(args.repeat):
            bare.append(bare_xgboost(train, validation))
            local.append(sdk_job(session, Path(folder) / "models", train, validation))
    bare_median, local_median = statistics.median(bare), statistics.median(local)
    print(f"threads: {args.threads}, repeats: {args.repeat}")
    print(
        f"bare xgb.train (in-process):  median {bare_median:.2f} s  {[round(t, 2) for t in bare]}"
    )
    print(
        f"Estimator.fit (local mode):   median {local_median:.2f} s  {[round(t, 2) for t in local]}"
    )
    print(f"overhead: {local_median - bare_median:+.2f} s (goal <= 1.0 s)")


if __name__ == "__main__":
    main()
