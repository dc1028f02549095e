"""The dataset: one CSV file or a folder of them, named by the config's `headers`.

Clarify's `headers` name every column of the file, label included. A file may start with a
header row (the lab's `*_wheaders.csv`) or not (label first, no header): a first row equal to
the headers is skipped. Without `headers`, a first row with text in it names the columns;
otherwise the columns are called `column_0`, `column_1`, ...
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from localsm.clarify.errors import InputError
from localsm.utils import is_number


def data_files(location: Path) -> list[Path]:
    """The CSV files of the dataset input: the file itself, or every visible file below it."""
    if location.is_file():
        return [location]
    if not location.is_dir():
        raise InputError(
            f"the dataset input {location} is missing: the processing job needs the input "
            "'dataset' (DataConfig s3_data_input_path)"
        )
    files = sorted(
        p
        for p in location.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(location).parts)
    )
    if not files:
        raise InputError(f"the dataset {location} is empty: no data file in it")
    return files


def read_dataset(location: Path, headers: list[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """All rows of all files, columns named by `headers`; returns (frame, headers)."""
    frames = []
    for path in data_files(location):
        first = _first_row(path)
        if first is None:
            continue  # an empty file adds no row
        if headers is None:
            headers = _headers_from(first)
        skip = 1 if [field.strip() for field in first] == headers else 0
        frame = _read_csv(path, skip)
        if frame is None:
            continue
        if frame.shape[1] != len(headers):
            raise InputError(
                f"{path.name} has {frame.shape[1]} columns but 'headers' names {len(headers)} "
                f"({', '.join(headers)}); headers must name every column of the file, label "
                "included"
            )
        frame.columns = headers
        frames.append(frame)
    if not frames:
        raise InputError(f"the dataset {location} has no data rows")
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return data, list(headers)


def _first_row(path: Path) -> list[str] | None:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read the data file {path.name}: {error}") from None


def _headers_from(first: list[str]) -> list[str]:
    fields = [field.strip() for field in first]
    if any(not is_number(field) for field in fields if field):
        return fields
    return [f"column_{i}" for i in range(len(fields))]


def _read_csv(path: Path, skip: int) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(path, header=None, skiprows=skip, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        return None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as error:
        message = " ".join(str(error).split())
        raise InputError(f"cannot read the data file {path.name} as CSV: {message}") from None
    return frame if len(frame) else None


def feature_matrix(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The feature columns as a float matrix (empty cells: NaN, XGBoost's missing value);
    text in a column is a ClientError naming the column and its first data row (1-based)."""
    for name in columns:
        series = frame[name]
        if pd.api.types.is_numeric_dtype(series):  # bool too: True is 1
            continue
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna() & series.notna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise InputError(
                f"feature column {name!r} holds text ({series.iloc[row]!r} in data row "
                f"{row + 1}); the model needs numbers: encode the column, or list it in "
                "excluded_columns"
            )
    return frame[columns].apply(pd.to_numeric).to_numpy(dtype=np.float64)
