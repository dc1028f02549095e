"""The built-in XGBoost algorithm's serving contract: request bodies in, predictions out.

In: `text/csv` (features only, no label), `text/libsvm` (`text/x-libsvm`), and
`application/x-recordio-protobuf`; anything else is refused with 415. Out: `text/csv` (one
prediction per line), `application/json` (`{"predictions": [{"score": p}, ...]}`),
`application/jsonlines` (RecordIO answers are not emulated: 406), or, with
`SAGEMAKER_INFERENCE_OUTPUT`, the keys it selects
(`predicted_label`, `probability`, `probabilities`, `raw_score`, `raw_scores`, `labels`).

Where the real container answers a malformed row with XGBoost's parser error (or silently
reads garbage), we answer 400 naming the row and column, in the local service's language
(`wording.py`: English unless `LOCALSM_LANGUAGE` says pt_BR).
"""

from __future__ import annotations

import io
import json
import math

import numpy as np

from localsm.serving.wording import message

CSV = "text/csv"
LIBSVM = "text/libsvm"
RECORDIO = "application/x-recordio-protobuf"
JSON = "application/json"
JSONLINES = "application/jsonlines"
REQUEST_TYPES = {CSV: CSV, LIBSVM: LIBSVM, "text/x-libsvm": LIBSVM, RECORDIO: RECORDIO}
ACCEPT_TYPES = (CSV, JSON, JSONLINES)
_LABEL_KEYS = ("predicted_label", "labels", "raw_score", "raw_scores")
_PROBABILITY_KEYS = ("predicted_label", "labels", "probability", "probabilities",
                     "raw_score", "raw_scores")  # fmt: skip
SELECTABLE_KEYS = {
    "binary:logistic": _PROBABILITY_KEYS,
    "binary:logitraw": _LABEL_KEYS,
    "binary:hinge": _LABEL_KEYS,
    "multi:softmax": _LABEL_KEYS,
    "multi:softprob": _PROBABILITY_KEYS,
}
MISSING = ("", "nan", "NaN", "NA", "N/A", "null")


# The XGBoost image answers 415 to a payload it cannot parse, whatever is wrong in it
# (sagemaker-xgboost-container algorithm_mode/serve.py `invocations`: any exception from
# serve_utils.parse_content_data), and 400 only when the parsed rows cannot be scored.
UNREADABLE = 415


class InferenceError(Exception):
    """A request the model server refuses: an HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def media_type(header: str | None, default: str) -> str:
    """`text/csv; charset=utf-8` -> `text/csv`; empty or `*/*` -> `default`."""
    value = (header or "").split(";")[0].strip().lower()
    return default if value in ("", "*/*") else value


def request_type(header: str | None) -> str:
    """The request's content type, or 415 naming the ones the algorithm reads."""
    kind = media_type(header, CSV)
    if kind not in REQUEST_TYPES:
        raise InferenceError(415, message("content_type", kind=kind))
    return REQUEST_TYPES[kind]


# ---------------------------------------------------------------------------------- decoding


def decode(body: bytes, content_type: str, num_features: int) -> np.ndarray:
    """The request's rows as a float matrix (NaN = missing), checked against the model."""
    if not body.strip():
        raise InferenceError(400, message("empty"))
    if content_type == CSV:
        rows = decode_csv(_text(body))
    elif content_type == LIBSVM:
        rows = decode_libsvm(_text(body), num_features)
    else:
        rows = decode_recordio(body)
    if num_features and rows.shape[1] != num_features:
        text = message("feature_count", values=rows.shape[1], features=num_features)
        if rows.shape[1] == num_features + 1:
            text += message("label_included")
        raise InferenceError(400, text)
    return rows


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InferenceError(UNREADABLE, message("not_utf8", offset=error.start)) from None


def decode_csv(text: str) -> np.ndarray:
    """CSV rows through NumPy's C parser; cell by cell where it fails (empty or `NA` cells are
    missing values, as in the XGBoost container) or to name what is wrong."""
    lines = text.splitlines()
    delimiter = _delimiter(next((line for line in lines if line.strip()), ""))
    try:
        rows = np.loadtxt(io.StringIO(text), delimiter=delimiter, ndmin=2, dtype=np.float64)
    except ValueError:
        rows = None
    if rows is None or np.isinf(rows).any():
        rows = _parse_cells(lines, delimiter)
    return rows


def _delimiter(first_line: str) -> str:
    for candidate in (",", "\t", ";", "|"):
        if candidate in first_line:
            return candidate
    return ","


def _parse_cells(lines: list[str], delimiter: str) -> np.ndarray:
    """The rows cell by cell (missing cells NaN); 415 naming the first ragged row or
    non-number cell."""
    width, rows = None, []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = line.split(delimiter)
        width = width or len(cells)
        if len(cells) != width:
            raise InferenceError(
                UNREADABLE, message("ragged", row=number, values=len(cells), width=width)
            )
        rows.append([_cell(cell, number, column) for column, cell in enumerate(cells, start=1)])
    if not rows:
        raise InferenceError(UNREADABLE, message("no_rows"))
    return np.array(rows, dtype=np.float64)


def _cell(cell: str, number: int, column: int) -> float:
    if cell.strip() in MISSING:
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        raise InferenceError(
            UNREADABLE, message("not_a_number", row=number, column=column, cell=cell.strip()[:40])
        ) from None
    if math.isinf(value):
        raise InferenceError(400, message("infinite", row=number, column=column, cell=cell.strip()))
    return value


def decode_libsvm(text: str, num_features: int) -> np.ndarray:
    """`<label> <index>:<value> ...` lines (the label is ignored; indexes from 0)."""
    parsed: list[dict[int, float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        row: dict[int, float] = {}
        for token in line.split():
            if ":" not in token:
                continue  # the label (ignored at inference)
            index, _, value = token.partition(":")
            try:
                row[int(index)] = float(value)
            except ValueError:
                raise InferenceError(
                    UNREADABLE, message("libsvm_token", row=number, token=token)
                ) from None
        parsed.append(row)
    width = max([num_features] + [max(r) + 1 for r in parsed if r])
    rows = np.full((len(parsed), width), np.nan)
    for i, row in enumerate(parsed):
        for index, value in row.items():
            rows[i, index] = value
    return rows


def decode_recordio(body: bytes) -> np.ndarray:
    """RecordIO-wrapped protobuf `Record`s, read with the SageMaker SDK's own reader."""
    from localsm.quiet import no_metadata_probe

    no_metadata_probe()  # importing the SDK must not probe the EC2 metadata service
    try:  # imported on first use: the SDK is slow to import and rarely needed here
        from sagemaker.serializer_utils import read_records
    except ImportError:  # SDK v3 keeps it under sagemaker.core
        from sagemaker.core.serializers.utils import read_records
    try:
        records = read_records(io.BytesIO(body))
    except Exception as error:  # noqa: BLE001 - any framing or protobuf error is the caller's
        raise InferenceError(UNREADABLE, message("not_recordio", error=error)) from None
    rows = [
        list(
            r.features["values"].float64_tensor.values or r.features["values"].float32_tensor.values
        )
        for r in records
    ]
    if not rows:
        raise InferenceError(UNREADABLE, message("no_records"))
    return np.array(rows, dtype=np.float64)


# ---------------------------------------------------------------------------------- encoding


def encode(
    predictions: np.ndarray, accept: str, objective: str, selected: list[str] | None, batch: bool
) -> bytes:
    """Predictions in the `accept` format (`selected`: the SAGEMAKER_INFERENCE_OUTPUT keys)."""
    if selected:
        return _encode_selected(select(predictions, objective, selected), selected, accept)
    values = predictions.tolist()
    if accept == JSON:
        return json.dumps({"predictions": [{"score": v} for v in values]}).encode()
    if accept == JSONLINES:
        return "".join(json.dumps({"score": v}) + "\n" for v in values).encode()
    lines = [",".join(map(repr, v)) if isinstance(v, list) else repr(v) for v in values]
    return ("\n".join(lines) + "\n").encode()


def select(predictions: np.ndarray, objective: str, keys: list[str]) -> list[dict]:
    """One dict per row with the selected keys (the container's selectable inference output)."""
    valid = SELECTABLE_KEYS.get(objective)
    if valid is None:
        raise InferenceError(400, message("output_objective", objective=objective))
    wrong = [k for k in keys if k not in valid]
    if wrong:
        raise InferenceError(
            400, message("output_keys", wrong=wrong, objective=objective, valid=list(valid))
        )
    return [{key: _selected_value(key, objective, p) for key in keys} for p in predictions]


def _selected_value(key: str, objective: str, p: np.ndarray) -> object:
    multi = objective == "multi:softprob"
    if key == "labels":
        return list(range(len(p))) if multi else [0, 1]
    if key == "predicted_label":
        if multi:
            return int(np.argmax(p))
        threshold = {"binary:logistic": 0.5, "binary:logitraw": 0.0}.get(objective)
        return int(p > threshold) if threshold is not None else float(p)
    if key in ("probability", "raw_score"):
        return float(np.max(p)) if multi else float(p)
    return [float(v) for v in p] if multi else [1.0 - float(p), float(p)]


def _encode_selected(rows: list[dict], keys: list[str], accept: str) -> bytes:
    if accept == JSON:
        return json.dumps({"predictions": rows}).encode()
    if accept == JSONLINES:
        return "".join(json.dumps(row) + "\n" for row in rows).encode()
    cell = lambda v: f'"{v}"' if isinstance(v, list) else str(v)  # noqa: E731
    return ("\n".join(",".join(cell(row[k]) for k in keys) for row in rows) + "\n").encode()
