"""Benchmark: what does a local SageMaker training job cost on top of plain XGBoost?

One built-in XGBoost job with the lab's hyperparameters (800 rounds) on the bundled data,
run through the unmodified SDK (`Estimator.fit`) against the local service, versus a bare
in-process `xgb.train` on the same data with the same parameters and evaluation sets.

    .venv/bin/python benchmarks/local_overhead.py [--repeat 3] [--threads 2]
    .venv-v3/bin/python benchmarks/local_overhead.py   # the same job through SDK v3's ModelTrainer

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
from localsm.cpus import available_cpus  # noqa: E402

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


def v3_job(setup: lab.Lab) -> float:
    """Seconds for ModelTrainer(...) + train(wait=True) in local mode (data already in the
    local S3, as lab.setup leaves it), SDK v3."""
    from sagemaker.core import image_uris
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, InputData, OutputDataConfig

    start = time.perf_counter()
    trainer = ModelTrainer(
        training_image=image_uris.retrieve(
            framework="xgboost", region=setup.region, version="1.7-1"
        ),  # fmt: skip
        compute=Compute(instance_type=setup.instance_type, instance_count=1),
        output_data_config=OutputDataConfig(s3_output_path=setup.output_path),
        role=setup.role,
        sagemaker_session=setup.session,
        hyperparameters=dict(HYPERPARAMETERS),
    )
    channels = [InputData(channel_name=name, data_source=uri, content_type="text/csv")
                for name, uri in (("train", setup.train_uri),
                                  ("validation", setup.validation_uri))]  # fmt: skip
    trainer.train(input_data_config=channels, wait=True, logs=False)
    return time.perf_counter() - start


def local_jobs(folder: Path, repeat: int, train: Path, validation: Path) -> list[float]:
    """`repeat` timings of one local job through this environment's SDK generation."""
    if lab.sdk_generation() == 3:
        with contextlib.redirect_stdout(io.StringIO()):
            setup = lab.setup("local", output_dir=str(folder))
        return [v3_job(setup) for _ in range(repeat)]
    from localsm import LocalSageMakerSession

    session = LocalSageMakerSession(jobs_dir=folder / "jobs")
    return [sdk_job(session, folder / "models", train, validation) for _ in range(repeat)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=available_cpus())
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    train = REPO / "dataset" / "adult_data_processed_train.csv"
    validation = REPO / "dataset" / "adult_data_processed_validation.csv"
    bare = [bare_xgboost(train, validation) for _ in range(args.repeat)]
    with tempfile.TemporaryDirectory() as folder:
        local = local_jobs(Path(folder), args.repeat, train, validation)
    bare_median, local_median = statistics.median(bare), statistics.median(local)
    print(f"threads: {args.threads}, repeats: {args.repeat}")
    print(
        f"bare xgb.train (in-process):  median {bare_median:.2f} s  {[round(t, 2) for t in bare]}"
    )
    print(
        f"SDK v{lab.sdk_generation()} job (local mode):  median {local_median:.2f} s  "
        f"{[round(t, 2) for t in local]}"
    )
    print(f"overhead: {local_median - bare_median:+.2f} s (goal <= 1.0 s)")


if __name__ == "__main__":
    main()
