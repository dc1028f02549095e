"""The shadow endpoint: the model's predictions for every row, and predicted labels from them.

Clarify sends the feature rows to the endpoint it starts for the job (`POST /invocations`,
the SageMaker serving contract) and reads one answer per row. Here the local job starts the
model server and passes its URL in `LOCALSM_CLARIFY_ENDPOINT_URL`.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd

from localsm.clarify.config import PredictorSpec
from localsm.clarify.errors import AlgorithmError, InputError

MAX_BODY_BYTES = 5 * 1024 * 1024  # under the serving contract's 6 MiB payload limit
TIMEOUT_SECONDS = 120.0


def csv_batches(matrix: np.ndarray, limit: int = MAX_BODY_BYTES) -> list[tuple[bytes, int]]:
    """The rows as CSV bodies of at most `limit` bytes each: (body, row count) pairs.
    Missing values are sent as empty fields; '%.17g' keeps every float64 exactly."""
    text = pd.DataFrame(matrix).to_csv(header=False, index=False, na_rep="", float_format="%.17g")
    batches, current, size = [], [], 0
    for line in text.splitlines(keepends=True):
        encoded = line.encode()
        if current and size + len(encoded) > limit:
            batches.append((b"".join(current), len(current)))
            current, size = [], 0
        current.append(encoded)
        size += len(encoded)
    if current:
        batches.append((b"".join(current), len(current)))
    return batches


def predict(url: str, matrix: np.ndarray, spec: PredictorSpec) -> tuple[list, float]:
    """One model answer per row (floats or label strings), and the seconds it took."""
    import urllib3  # here: a bias run without predictions never pays for it

    pool = urllib3.PoolManager(
        retries=False, timeout=urllib3.Timeout(connect=10.0, read=TIMEOUT_SECONDS)
    )
    headers = {"Content-Type": spec.content_type, "Accept": spec.accept_type}
    started = time.perf_counter()
    answers: list = []
    for body, count in csv_batches(matrix):
        try:
            response = pool.request("POST", url, body=body, headers=headers)
        except urllib3.exceptions.HTTPError as error:
            raise AlgorithmError(f"cannot reach the shadow endpoint {url}: {error}") from None
        text = response.data.decode("utf-8", errors="replace")
        if not 200 <= response.status < 300:
            raise AlgorithmError(
                f"the shadow endpoint answered HTTP {response.status} "
                f"({_model(spec)}): {' '.join(text.split())[:300]}"
            )
        values = parse_answer(text, spec)
        if len(values) != count:
            raise AlgorithmError(
                f"the shadow endpoint answered {len(values)} predictions for {count} rows "
                f"({_model(spec)})"
            )
        answers.extend(values)
    pool.clear()
    return answers, time.perf_counter() - started


def _model(spec: PredictorSpec) -> str:
    return f"model {spec.model_name}" if spec.model_name else "the model"


def parse_answer(text: str, spec: PredictorSpec) -> list:
    """The chosen output of each record: a CSV column (`probability`, else `label`, else
    the first), or a JSON key (`probability`, else `label`, else `score`)."""
    key = spec.probability if spec.probability is not None else spec.label
    try:
        if spec.accept_type == "text/csv":
            index = _csv_index(key)
            rows = [line.split(",") for line in text.splitlines() if line.strip()]
            return [_scalar(row[index].strip()) for row in rows]
        if spec.accept_type == "application/jsonlines":
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            document = json.loads(text)
            records = document.get("predictions", []) if isinstance(document, dict) else document
        return [_json_value(record, key) for record in records]
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as error:
        raise AlgorithmError(
            f"cannot read the model's {spec.accept_type} answer ({error}); it starts with: "
            f"{' '.join(text[:120].split())}"
        ) from None


def _csv_index(key: str | int | None) -> int:
    if key is None:
        return 0
    if isinstance(key, int):
        return key
    raise InputError(
        f"predictor label/probability {key!r}: for a text/csv model answer give a column "
        "index (0 is the first value of each line)"
    )


def _json_value(record: object, key: str | int | None) -> object:
    if isinstance(record, (int, float, str)):
        return _scalar(record)
    if isinstance(record, list):
        return _scalar(record[0 if key is None else int(key)])
    name = "score" if key is None else key
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(
            f"predictor label/probability {name!r}: local Clarify reads a plain key of each "
            "JSON record (such as 'score'), not a JMESPath expression"
        )
    return _scalar(record[name])


def _scalar(value: object) -> object:
    """A number when the value reads as one, else the text (a label such as 'yes')."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def predicted_labels(
    answers: list, threshold: float, label: pd.Series, positive: list
) -> pd.Series:
    """Predicted labels with the label column's values. A binary label and numeric answers:
    the score is the probability of label 1, so label 1 when it is above
    `probability_threshold` (strictly, as the SDK words it: a score 'over' the threshold),
    else label 0; whether that is the favourable outcome is the label values' business (a
    binary label other than 0/1: the favourable value when above). A non-binary numeric
    label: class values as labels, other numbers (regression) as they are. Text answers:
    taken as labels."""
    known = {str(v): v for v in pd.unique(label.dropna())}
    labels = [known.get(_label_text(a)) for a in answers]
    if all(isinstance(a, float) for a in answers):
        scores = np.asarray(answers, dtype=np.float64)
        binary = binary_labels(label, positive)
        if binary is not None:
            above, below = binary
            return pd.Series(np.where(scores > threshold, above, below), name="predicted_label")
        if pd.api.types.is_numeric_dtype(label) and any(value is None for value in labels):
            return pd.Series(scores, name="predicted_label")
    if any(value is None for value in labels):
        odd = next(a for a, value in zip(answers, labels, strict=True) if value is None)
        raise AlgorithmError(
            f"the model answered {odd!r}, which is neither a score nor a value of the label "
            f"column ({', '.join(known)})"
        )
    return pd.Series(labels, name="predicted_label", dtype=label.dtype)


def binary_labels(label: pd.Series, positive: list) -> tuple[object, object] | None:
    """(the label given to a score above the threshold, the label given otherwise) for a
    binary label: 1 and 0 when the label holds those, else the favourable value and the
    other one. None for a label with other than two values."""
    values = list(pd.unique(label.dropna()))
    if len(values) != 2:
        return None
    above, below = _matching(values, 1), _matching(values, 0)
    if above is None or below is None:
        hit = [v for v in values if str(v) in {str(p) for p in positive}]
        above = hit[0] if hit else values[0]
        below = next(v for v in values if v != above)
    return above, below


def _matching(values: list, wanted: object) -> object | None:
    """The label value equal to `wanted` as a number (1 matches 1.0), or None."""
    for value in values:
        try:
            if float(value) == float(wanted):
                return value
        except (TypeError, ValueError):
            continue
    return None


def _label_text(answer: object) -> str:
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    return str(answer)
