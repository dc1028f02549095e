"""Benchmark: local real-time endpoints and batch transform through the unmodified SDK v2.

One built-in XGBoost model with the lab's hyperparameters (800 rounds) on the bundled data,
then, against the local service:

- `Estimator.deploy()` until InService (median of `--repeat` deployments);
- `Predictor.predict` of one CSV row, `--calls` times in a row (p50, p99);
- `--burst` single-row requests from `--workers` threads at once (how many were answered);
- a batch transform of the test split (label column dropped with `input_filter="$[1:]"`,
  `strategy="MultiRecord"`), timed from `transform()` to the job's end, its output compared
  with XGBoost's own predictions of the same model.

    .venv/bin/python benchmarks/serving.py [--repeat 3] [--calls 1000] [--threads 2]

Targets: deploy <= 2 s, p50 <= 5 ms, p99 <= 20 ms, 200/200 answered, transform <= 3 s,
max abs error <= 1e-6.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "code"))
sys.path.insert(0, str(REPO / "tests"))
import lab  # noqa: E402
from estimators import lab_builtin_estimator  # noqa: E402 - shared with the tests
from localsm.cpus import available_cpus  # noqa: E402


def quiet():
    """The SDK's and the session's progress output, kept off the table."""
    return contextlib.redirect_stdout(io.StringIO())


def train(setup: lab.Lab, rounds: int):
    from sagemaker.inputs import TrainingInput

    estimator = lab_builtin_estimator(setup)
    estimator.set_hyperparameters(**{**lab.LAB_HYPERPARAMETERS, "num_round": rounds})
    channel = TrainingInput(setup.train_uri, content_type="text/csv")
    with quiet():
        estimator.fit({"train": channel}, logs="None")
    return estimator


def deploy(estimator, setup: lab.Lab) -> tuple[float, object]:
    """Seconds for `deploy()` (create_model ... InService), and the predictor."""
    from sagemaker.deserializers import CSVDeserializer
    from sagemaker.serializers import CSVSerializer

    start = time.perf_counter()
    with quiet():
        predictor = estimator.deploy(
            initial_instance_count=1,
            instance_type=setup.instance_type,
            serializer=CSVSerializer(),
            deserializer=CSVDeserializer(),
        )
    return time.perf_counter() - start, predictor


def remove(predictor) -> None:
    with quiet():
        predictor.delete_model()
        predictor.delete_endpoint()


def latencies(predictor, row: list[float], calls: int) -> list[float]:
    """Milliseconds of each `predict` of one row (after 20 warm-up calls)."""
    for _ in range(20):
        predictor.predict([row])
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        predictor.predict([row])
        times.append((time.perf_counter() - start) * 1000)
    return times


def burst(predictor, rows: np.ndarray, requests: int, workers: int) -> tuple[int, float]:
    """(answered, seconds) for `requests` single-row predictions from `workers` threads."""

    def one(i: int) -> bool:
        try:
            return len(predictor.predict([rows[i % len(rows)].tolist()])) == 1
        except Exception:  # noqa: BLE001 - counted as not answered
            return False

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        answered = sum(pool.map(one, range(requests)))
    return answered, time.perf_counter() - start


def transform(estimator, setup: lab.Lab, folder: Path, features: np.ndarray, booster):
    """(seconds, max abs error, rows) of a MultiRecord batch transform of the test split."""
    output = folder / "transform-output"
    transformer = estimator.transformer(
        instance_count=1,
        instance_type=setup.instance_type,
        strategy="MultiRecord",
        assemble_with="Line",
        accept="text/csv",
        output_path=output.as_uri(),
    )
    start = time.perf_counter()
    with quiet():
        transformer.transform(
            setup.test_uri,
            content_type="text/csv",
            split_type="Line",
            input_filter="$[1:]",
            wait=True,
            logs=False,
        )
    seconds = time.perf_counter() - start
    name = Path(setup.test_uri.removeprefix("file://")).name
    served = np.loadtxt(output / f"{name}.out", delimiter=",", ndmin=1)
    expected = booster.inplace_predict(features)
    error = float(np.max(np.abs(served - expected))) if served.shape == expected.shape else np.inf
    with quiet():
        transformer.delete_model()
    return seconds, error, len(served)


def row(label: str, value: str, target: str, ok: bool | None) -> str:
    verdict = "" if ok is None else ("yes" if ok else "NO")
    return f"{label:<44} {value:>14}   {target:<12} {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="deployments timed")
    parser.add_argument("--calls", type=int, default=1000, help="single-row predictions timed")
    parser.add_argument("--burst", type=int, default=200, help="requests sent at once")
    parser.add_argument("--workers", type=int, default=8, help="threads sending them")
    parser.add_argument("--rounds", type=int, default=lab.LAB_HYPERPARAMETERS["num_round"])
    parser.add_argument("--threads", type=int, default=available_cpus())
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    from xgboost_report.model_io import load_model

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with quiet():
            setup = lab.setup("local", output_dir=str(folder))
        estimator = train(setup, args.rounds)
        booster = load_model(estimator.model_data)
        test = np.loadtxt(lab.bundled_csv("test"), delimiter=",")
        features = test[:, 1:]

        deploys = []
        for _ in range(args.repeat - 1):
            seconds, predictor = deploy(estimator, setup)
            deploys.append(seconds)
            remove(predictor)
        seconds, predictor = deploy(estimator, setup)
        deploys.append(seconds)
        try:
            times = latencies(predictor, features[0].tolist(), args.calls)
            answered, burst_seconds = burst(predictor, features, args.burst, args.workers)
        finally:
            remove(predictor)
        has_transform = importlib.util.find_spec("localsm.serving.transform") is not None
        if has_transform:
            result = transform(estimator, setup, folder, features, booster)

    p50, p99 = np.percentile(times, 50), np.percentile(times, 99)
    print(f"built-in XGBoost 1.5-1, {args.rounds} rounds; threads: {args.threads}")
    print(row("measure", "value", "target", None))
    print(
        row(f"deploy() to InService (median of {args.repeat})",
            f"{statistics.median(deploys):.2f} s", "<= 2 s",
            statistics.median(deploys) <= 2)
    )  # fmt: skip
    print(f"{'':<44} {str([round(t, 2) for t in deploys]):>14}")
    print(row(f"predict() 1 CSV row, p50 of {args.calls}", f"{p50:.2f} ms", "<= 5 ms", p50 <= 5))
    print(row(f"predict() 1 CSV row, p99 of {args.calls}", f"{p99:.2f} ms", "<= 20 ms", p99 <= 20))
    print(
        row(f"{args.burst} requests from {args.workers} threads: answered",
            f"{answered}/{args.burst}", f"{args.burst}/{args.burst}", answered == args.burst)
    )  # fmt: skip
    print(row("  ... in", f"{burst_seconds:.2f} s", "", None))
    if not has_transform:
        print("batch transform: localsm.serving.transform not found, skipped")
        return
    seconds, error, rows = result
    print(row(f"batch transform, test split ({rows} rows)", f"{seconds:.2f} s", "<= 3 s",
              seconds <= 3))  # fmt: skip
    print(row("  max abs error vs XGBoost predict", f"{error:.1e}", "<= 1e-6", error <= 1e-6))


if __name__ == "__main__":
    main()
