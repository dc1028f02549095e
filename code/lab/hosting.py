"""Helpers of Task 3 (deploy and predict): a split with its column names, the latency of an
endpoint, the scores of a list of predictions, the file a batch transform wrote, and a check
that clean-up left nothing running."""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import Any

from lab.modes import Lab, column_names
from lab.notebook import fetch
from lab.paths import DOWNLOADS_DIR
from lab.words import number, say
from localsm.uris import file_path, is_file_uri


def read_split(split: str, lab: Lab):
    """A split as a DataFrame with named columns, the label (`income`) first."""
    import pandas as pd

    path = fetch(getattr(lab, f"{split}_uri"), lab, DOWNLOADS_DIR)
    names = column_names()
    with open(path) as data:
        has_header = data.readline().startswith(names[0])
    return pd.read_csv(path, header=0 if has_header else None, names=names)


def measure_latency(predictor: Any, row: Any, calls: int = 200) -> dict[str, float]:
    """Median and 99th percentile of `calls` one-row predictions, in milliseconds.
    `predictor`: an SDK v2 `Predictor`, or any function of the row (SDK v3's invoke)."""
    import numpy as np

    predict = predictor if callable(predictor) else predictor.predict
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        predict(row)
        seconds.append(time.perf_counter() - start)
    p50, p99 = np.percentile(seconds, [50, 99]) * 1000
    return {"calls": calls, "p50_ms": float(p50), "p99_ms": float(p99)}


def print_latency(latency: dict[str, float]) -> None:
    """`measure_latency`'s numbers as one line, in the notebook's language."""
    p50, p99 = number(latency["p50_ms"], 1), number(latency["p99_ms"], 1)
    print(say("latency", calls=latency["calls"], p50=p50, p99=p99))


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
    """The `<input file>.out` a batch transform wrote, read as a headerless CSV.
    `transformer`: an SDK v2 `Transformer`, or the job's S3 output path."""
    import pandas as pd

    name = file_path(input_uri).name if is_file_uri(input_uri) else PurePosixPath(input_uri).name
    output = transformer if isinstance(transformer, str) else transformer.output_path
    uri = f"{output.rstrip('/')}/{name}.out"
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


def still_running(lab: Lab) -> dict[str, list[str]]:
    """Print (and return) the endpoints, endpoint configurations, models and running batch
    transform jobs of the account and region: what may still bill or pile up."""
    client = lab.session.sagemaker_client
    found = {
        "endpoints": [e["EndpointName"] for e in client.list_endpoints()["Endpoints"]],
        "endpoint configs": [
            c["EndpointConfigName"] for c in client.list_endpoint_configs()["EndpointConfigs"]
        ],
        "models": [m["ModelName"] for m in client.list_models()["Models"]],
        "transform jobs": [
            j["TransformJobName"]
            for j in client.list_transform_jobs(StatusEquals="InProgress")["TransformJobSummaries"]
        ],
    }
    width = max(len(say(f"running.{kind}")) for kind in found) + 1
    for kind, names in found.items():
        print(f"{say('running.' + kind) + ':':{width}} {', '.join(names) or say('running.none')}")
    return found
