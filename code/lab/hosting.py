"""Helpers of Task 3 (deploy and predict): a split with its column names, the latency of an
endpoint, the scores of a list of predictions, the file a batch transform wrote, and a check
that clean-up left nothing running."""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import Any

from lab.modes import Lab, bundled_csv
from lab.notebook import fetch
from lab.paths import DOWNLOADS_DIR
from lab.words import say
from localsm.uris import file_path, is_file_uri


def column_names() -> list[str]:
    """The label and feature names (the built-in algorithm's files carry no header)."""
    with open(bundled_csv("test", headers=True)) as header_file:
        return header_file.readline().strip().split(",")


def read_split(split: str, lab: Lab):
    """A split as a DataFrame with named columns, the label (`income`) first."""
    import pandas as pd

    path = fetch(getattr(lab, f"{split}_uri"), lab, DOWNLOADS_DIR)
    names = column_names()
    with open(path) as data:
        has_header = data.readline().startswith(names[0])
    return pd.read_csv(path, header=0 if has_header else None, names=names)


def measure_latency(predictor: Any, row: Any, calls: int = 200) -> dict[str, float]:
    """Median and 99th percentile of `calls` one-row predictions, in milliseconds."""
    import numpy as np

    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        predictor.predict(row)
        seconds.append(time.perf_counter() - start)
    p50, p99 = np.percentile(seconds, [50, 99]) * 1000
    return {"calls": calls, "p50_ms": float(p50), "p99_ms": float(p99)}


def print_latency(latency: dict[str, float]) -> None:
    """`measure_latency`'s numbers as one line, in the notebook's language."""
    print(say("latency", calls=latency["calls"], p50=latency["p50_ms"], p99=latency["p99_ms"]))


def score_predictions(labels: Any, probabilities: Any, threshold: float = 0.5) -> dict:
    """AUC, accuracy, precision, recall and F1 of label 1 (as in Task 1's report)."""
    import numpy as np
    from sklearn import metrics

    y = np.asarray(labels, dtype=int)
    p = np.asarray(probabilities, dtype=float)
    predicted = (p > threshold).astype(int)
    return {
        "rows": int(len(y)),
        "auc": round(float(metrics.roc_auc_score(y, p)), 4),
        "accuracy": round(float(metrics.accuracy_score(y, predicted)), 4),
        "precision": round(float(metrics.precision_score(y, predicted)), 4),
        "recall": round(float(metrics.recall_score(y, predicted)), 4),
        "f1_label_1": round(float(metrics.f1_score(y, predicted)), 4),
    }


def transform_output(transformer: Any, input_uri: str, lab: Lab) -> Any:
    """The `<input file>.out` a batch transform wrote, read as a headerless CSV."""
    import pandas as pd

    name = file_path(input_uri).name if is_file_uri(input_uri) else PurePosixPath(input_uri).name
    uri = f"{transformer.output_path.rstrip('/')}/{name}.out"
    return pd.read_csv(fetch(uri, lab, DOWNLOADS_DIR), header=None)


def hosting_left(lab: Lab, endpoints: list[str], models: list[str]) -> None:
    """Print whether each endpoint, its configuration and each model still exists."""
    from botocore.exceptions import ClientError

    client = lab.session.sagemaker_client
    checks = [("endpoint", n, client.describe_endpoint, "EndpointName") for n in endpoints]
    checks += [
        ("endpoint config", n, client.describe_endpoint_config, "EndpointConfigName")
        for n in endpoints
    ]
    checks += [("model", n, client.describe_model, "ModelName") for n in models]
    width = max(len(say(f"left.{kind}")) for kind in ("endpoint", "endpoint config", "model")) + 1
    for kind, name, describe, key in checks:
        try:
            describe(**{key: name})
            state = say("left.exists")
        except ClientError:
            state = say("left.deleted")
        print(f"{say('left.' + kind):{width}} {name}: {state}")
