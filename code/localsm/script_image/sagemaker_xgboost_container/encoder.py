"""`sagemaker_xgboost_container.encoder`: request payloads to DMatrix, responses to JSON Lines.

Behaviour of the image's module (branch 1.7-1) that this one keeps: `csv_to_dmatrix` reads
rows split on newlines with the delimiter sniffed from the first line (a comma when the
sniffer picks a letter or digit), empty cells as NaN, no label column; `libsvm_to_dmatrix`
reads LIBSVM bytes; `decode(obj, content_type)` picks one of them by media type (text/csv,
text/libsvm, text/x-libsvm) and raises UnsupportedFormatError for any other;
`json_to_jsonlines` writes each entry of a one-key JSON object as a line. RecordIO-protobuf
needs the image's `mlio` library and is refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile

import numpy as np
import xgboost as xgb
from sagemaker_containers import _content_types
from sagemaker_containers._errors import UnsupportedFormatError
from sagemaker_containers._local import refusal

from sagemaker_xgboost_container.constants import xgb_content_types


def _cells(line: str, delimiter: str) -> list[str]:
    return ["nan" if cell == "" else cell for cell in line.split(delimiter)]


def csv_to_dmatrix(input: str | bytes, dtype=None) -> xgb.DMatrix:  # noqa: A002 - the image's name
    """A DMatrix of CSV rows (features only); `dtype` as numpy's `astype` takes it."""
    text = input.decode() if isinstance(input, bytes) else input
    sniffed = csv.Sniffer().sniff(text.split("\n")[0][:512]).delimiter
    delimiter = "," if sniffed.isalnum() else sniffed
    rows = [_cells(line, delimiter) for line in text.split("\n")]
    return xgb.DMatrix(np.array(rows).astype(dtype))


def libsvm_to_dmatrix(string_like: bytes) -> xgb.DMatrix:
    """A DMatrix of LIBSVM bytes (read through a temporary file, as XGBoost reads LIBSVM)."""
    handle, path = tempfile.mkstemp(suffix=".libsvm")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(string_like if isinstance(string_like, bytes) else string_like.encode())
        return xgb.DMatrix(f"{path}?format=libsvm")
    finally:
        os.remove(path)


def recordio_protobuf_to_dmatrix(string_like: bytes) -> xgb.DMatrix:
    """Refused: the image decodes RecordIO-protobuf with its mlio library."""
    raise UnsupportedFormatError(
        xgb_content_types.X_RECORDIO_PROTOBUF + " (" + refusal("mlio") + ")"
    )


_DECODERS = {
    _content_types.CSV: csv_to_dmatrix,
    xgb_content_types.LIBSVM: libsvm_to_dmatrix,
    xgb_content_types.X_LIBSVM: libsvm_to_dmatrix,
    xgb_content_types.X_RECORDIO_PROTOBUF: recordio_protobuf_to_dmatrix,
}


def json_to_jsonlines(json_data) -> bytes:
    """Each entry of the single value of a JSON object (a dict or its text), one per line."""
    data = json_data if isinstance(json_data, dict) else json.loads(json_data)
    if len(data) != 1:
        raise ValueError("JSON response is not compatible for conversion to jsonlines.")
    out = io.BytesIO()
    for entries in data.values():
        for entry in entries:
            out.write((json.dumps(entry) + "\n").encode("utf-8"))
    return out.getvalue()


def decode(obj, content_type: str) -> xgb.DMatrix:
    """The DMatrix of a payload of `content_type` (its media type; parameters ignored)."""
    media = content_type.split(";")[0].strip()
    decoder = _DECODERS.get(media)
    if decoder is None:
        raise UnsupportedFormatError(media)
    return decoder(obj)
