"""The report's inputs besides the model: labelled data sets and the per-round eval history."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .constants import HISTORY_FILE_NAME, LABEL_COLUMN_NAMES
from .errors import ReportError
from .model_io import local_path, sniff_format
from .wording import Note


def read_history(source: Any) -> tuple[dict[str, dict[str, list[float]]] | None, Any, str | None]:
    """(evals_result, best_iteration, note) from a dict, eval_history.json or output.tar.gz.

    Accepts XGBoost's `evals_result` dict ({"train": {"logloss": [...]}, ...}) or the file our
    jobs write: the built-in algorithm wraps it as {"evals_result": {...}, "best_iteration": ...},
    the script keeps it bare. Anything unreadable gives a note instead of an error.
    """
    if source is None:
        return None, None, None
    if not isinstance(source, Mapping):
        source, note = _history_file(local_path(source))
        if note:
            return None, None, note
    if not isinstance(source, Mapping):
        return None, None, Note("history_not_object")
    best = source.get("best_iteration")
    history = _per_round_metrics(source.get("evals_result", source))
    if not history:
        return None, None, Note("history_empty")
    best = int(best) if isinstance(best, int | float) and not isinstance(best, bool) else None
    return history, best, None


def _history_file(path: Path) -> tuple[Any, str | None]:
    """(the parsed JSON, None) of an eval_history.json or an output.tar.gz, or (None, note)."""
    if not path.is_file():
        return None, Note("history_missing", path=str(path))
    data = path.read_bytes()
    if sniff_format(data) == "tar":
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
                found = [
                    m
                    for m in archive.getmembers()
                    if m.isfile() and PurePosixPath(m.name).name == HISTORY_FILE_NAME
                ]
                if not found:
                    note = Note("history_not_in_archive", path=str(path), name=HISTORY_FILE_NAME)
                    return None, note
                data = archive.extractfile(found[0]).read()
        except (tarfile.TarError, OSError) as error:
            return None, Note("history_unreadable", path=str(path), problem=str(error))
    try:
        return json.loads(data), None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return None, Note("history_not_json", path=str(path), problem=str(error))


def _per_round_metrics(evals: Any) -> dict[str, dict[str, list[float]]]:
    """{data name: {metric: values}}, keeping only the series that are all numbers."""
    history: dict[str, dict[str, list[float]]] = {}
    if isinstance(evals, Mapping):
        for data_name, metrics in evals.items():
            if not isinstance(metrics, Mapping):
                continue
            for metric, values in metrics.items():
                try:
                    series = [float(v) for v in values]
                except (TypeError, ValueError):
                    continue
                if series:
                    history.setdefault(str(data_name), {})[str(metric)] = series
    return history


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _data_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = [
            p
            for p in sorted(path.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
        if not files:
            raise ReportError(f"{path}: no data files in this folder")
        return files
    if not path.is_file():
        raise ReportError(f"{path}: no such data file")
    return [path]


def _sniff_content_type(first_file: Path) -> str:
    with open(first_file, "rb") as handle:
        head = handle.read(4096)
    if head[:4] == b"PAR1":
        return "application/x-parquet"
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    tokens = line.replace(",", " ").split()
    if len(tokens) > 1 and all(":" in t for t in tokens[1:]) and "," not in line:
        return "text/libsvm"
    return "text/csv"


@dataclass
class Dataset:
    """Feature rows, labels (None when the data has none) and what was learnt reading them."""

    features: Any
    labels: np.ndarray | None
    feature_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def read_dataset(
    path_or_uri: str | os.PathLike, num_features: int, content_type: str | None = None
) -> Dataset:
    """A data set for a model with `num_features` features: CSV (label first, or the column
    named income/label under a header row), LibSVM or Parquet; one file or a folder of files.

    A CSV with exactly `num_features` columns is read as unlabelled.
    """
    path = local_path(path_or_uri)
    files = _data_files(path)
    kind = (content_type or _sniff_content_type(files[0])).split(";")[0].strip().lower()
    if kind in ("text/libsvm", "libsvm"):
        return _read_libsvm(files, num_features, path)
    if kind in ("application/x-parquet", "parquet"):
        return _read_parquet(files, num_features, path)
    if kind not in ("text/csv", "csv", "text/x-csv"):
        raise ReportError(
            f"{path}: content type {content_type!r} is not supported by the report; use "
            "text/csv, text/libsvm or application/x-parquet"
        )
    return _read_csv(files, num_features, path)


def _read_libsvm(files: list[Path], num_features: int, path: Path) -> Dataset:
    from sklearn.datasets import load_svmlight_files

    try:
        loaded = load_svmlight_files(
            [str(f) for f in files], n_features=num_features, zero_based=True
        )
    except ValueError as error:
        raise ReportError(f"{path}: not LibSVM data for {num_features} features: {error}") from None
    import scipy.sparse

    x = scipy.sparse.vstack(loaded[0::2]).tocsr()
    y = np.concatenate(loaded[1::2])
    return Dataset(x, y, None, [Note("libsvm_files", count=len(files), path=str(path))])


def _read_parquet(files: list[Path], num_features: int, path: Path) -> Dataset:
    import pandas as pd

    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ReportError(f"{path}: every Parquet column must be numeric ({error})") from None
    return _split_table(values, None, num_features, str(path))


def _read_csv(files: list[Path], num_features: int, path: Path) -> Dataset:
    """Every CSV file, each with or without a header row (names come from the first header)."""
    import pandas as pd

    tables, names = [], None
    for file in files:
        with open(file, encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
        if not first.strip():
            continue
        cells = [c.strip() for c in first.split(",")]
        header = any(c and not _is_number(c) for c in cells)
        frame = pd.read_csv(file, header=0 if header else None, skipinitialspace=True)
        if header:
            names = names or [str(c).strip() for c in frame.columns]
        _refuse_text_cells(frame, file, header)
        tables.append(frame.to_numpy(dtype=np.float64))
    if not tables:
        raise ReportError(f"{path}: the data holds no rows")
    widths = {t.shape[1] for t in tables}
    if len(widths) > 1:
        raise ReportError(f"{path}: the files have different numbers of columns: {sorted(widths)}")
    return _split_table(np.vstack(tables), names, num_features, str(path))


def _refuse_text_cells(frame: Any, file: Path, header: bool) -> None:
    """Name the first cell that is not a number: its line and column in the file."""
    import pandas as pd

    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        column = frame[bad[0]]
        numeric = pd.to_numeric(column, errors="coerce")
        row = int(np.flatnonzero(numeric.isna() & column.notna())[0])
        raise ReportError(
            f"{file}, line {row + 1 + int(header)}: {column.iloc[row]!r} is not a number "
            f"(column {bad[0] if header else frame.columns.get_loc(bad[0]) + 1})"
        )


def _split_table(
    values: np.ndarray, names: list[str] | None, num_features: int, source: str
) -> Dataset:
    columns = values.shape[1]
    if columns == num_features + 1:
        label_at = 0
        if names:
            lowered = [n.lower() for n in names]
            label_at = next((lowered.index(n) for n in LABEL_COLUMN_NAMES if n in lowered), 0)
        labels = values[:, label_at]
        features = np.delete(values, label_at, axis=1)
        feature_names = [n for i, n in enumerate(names) if i != label_at] if names else None
        missing = np.flatnonzero(np.isnan(labels))
        if missing.size:
            raise ReportError(f"{source}: row {int(missing[0]) + 1} has no label")
        return Dataset(features, labels, feature_names)
    if columns == num_features:
        return Dataset(
            values,
            None,
            names,
            [Note("features_only", source=source, columns=columns)],
        )
    raise ReportError(
        f"{source} has {columns} columns, but the model was trained on {num_features} features: "
        f"expected {num_features + 1} columns (the label first, then the features) or "
        f"{num_features} (features only, no labels). Use the same columns, in the same order, "
        "as the training data."
    )
