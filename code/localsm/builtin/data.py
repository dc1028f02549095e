"""The data of the built-in algorithm: one reader per format, and checks that name file and row.

CSV goes through NumPy's C parser, and cell by cell only when that parser objects, to say which
line and column is wrong (a header row, a text value, a ragged line); LIBSVM through XGBoost's
parser; Parquet through pyarrow. The checks then reject labels the objective cannot learn from.
"""

from __future__ import annotations

import codecs
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from localsm.builtin import TRAIN, UNUSED_MODULES, VALIDATION, UserError, log, xgboost_message
from localsm.builtin.channels import channel_files
from localsm.utils import is_number

MISSING_TOKENS = ("", "nan", "NaN", "NAN", "NA", "N/A", "null", "NULL")
TEXT_PROBE_BYTES = 8192
FLOAT32_MAX = float(np.finfo(np.float32).max)  # XGBoost stores every value as a float32
# A number whose exponent is 39 or more, 40 digits before the point, or infinity.
_HUGE_NUMBER = re.compile(
    rb"[-+]?[0-9.]*[0-9][eE]\+?0*(?:39|[4-9][0-9]|[1-9][0-9]{2,})(?![0-9])|[0-9]{40,}"
    rb"|(?<![A-Za-z])[-+]?(?i:inf)(?i:inity)?(?![A-Za-z])"
)


@dataclass
class Table:
    """One channel's data: features (dense or CSR), labels, optional weights, provenance."""

    channel: str
    features: Any
    labels: np.ndarray
    weights: np.ndarray | None
    sources: list[tuple[str, int]]  # (file as channel/relative, rows) in order
    first_column: int | None = 2  # the file column of the first feature (None: LIBSVM)

    @property
    def rows(self) -> int:
        """Number of rows (examples)."""
        return int(self.labels.shape[0])

    @property
    def columns(self) -> int:
        """Number of feature columns."""
        return int(self.features.shape[1])

    def column_name(self, feature: int) -> str:
        """`column 4` (CSV, Parquet) or `feature index 3` (LIBSVM) of a feature."""
        if self.first_column is None:
            return f"feature index {feature}"
        return f"column {feature + self.first_column}"

    def where(self, row: int) -> str:
        """`row 12 of train/part-0.csv` for a row index into the whole channel."""
        for name, count in self.sources:
            if row < count:
                return f"row {row + 1} of {name}"
            row -= count
        return f"row {row + 1}"


def _no_data(channel: str, folder: Path) -> UserError:
    """No rows in a channel: which files it had (named as `train/part.csv`), or none."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    what = f"{'training' if channel == TRAIN else channel} channel"
    if not files:
        return UserError(f"No data in {what} path {channel}/: it holds no file")
    shown = ", ".join(_display(p, folder, channel) for p in files[:3])
    return UserError(
        f"No data in {what} path {channel}/: {shown}{' ...' if len(files) > 3 else ''} "
        "hold no data rows (empty or blank); put labelled rows in them"
    )


def _display(path: Path, folder: Path, channel: str) -> str:
    return f"{channel}/{path.relative_to(folder).as_posix()}"


def _first_line(path: Path, encoding: str = "utf-8") -> str:
    with open(path, encoding=encoding, errors="replace") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    return ""


def _text_encoding(path: Path, name: str, fmt: str) -> str:
    """`utf-8`, or `utf-8-sig` when the file starts with a byte-order mark (Excel and Windows
    tools write one; it is not data). A file that is not UTF-8 text fails, with the offset."""
    with open(path, "rb") as handle:
        head = handle.read(TEXT_PROBE_BYTES)
    problem = None
    nul = head.find(b"\0")
    if nul >= 0:
        problem = f"it holds NUL bytes (the first at offset {nul})"
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut by the probe's end
                problem = f"byte 0x{head[error.start]:02x} at offset {error.start} is not UTF-8"
    if problem:
        raise UserError(
            f"{fmt.upper()} file {name} is not a UTF-8 text file: {problem}. Is it the right "
            "file? The built-in XGBoost algorithm reads text CSV or LIBSVM, or Parquet"
        )
    if head.startswith(codecs.BOM_UTF8):
        if fmt == "libsvm":
            raise UserError(
                f"LIBSVM file {name} starts with a UTF-8 byte-order mark, which XGBoost's LIBSVM "
                "parser cannot read: save it without one (encoding 'utf-8', not 'utf-8-sig')"
            )
        log(f"{name} starts with a UTF-8 byte-order mark: read as UTF-8 text")
        return "utf-8-sig"
    return "utf-8"


def _csv_delimiter(line: str) -> str:
    """The container sniffs the delimiter from the first line; commas are the rule."""
    for candidate in (",", "\t", ";", "|", " "):
        if candidate in line.strip():
            return candidate
    return ","


def _is_number(cell: str) -> bool:
    """A number, or one of the tokens the container reads as a missing value."""
    return cell.strip() in MISSING_TOKENS or is_number(cell)


def _csv_problem(name: str, line_number: int, column: int, cell: str, csv_weights: int):
    """The message for a cell that is not a number: a header row, or a text value."""
    layout = "the label in the first column" + (
        ", the instance weight in the second (csv_weights=1)" if csv_weights else ""
    )
    if line_number == 1:
        return UserError(
            f"CSV file {name}: line 1 looks like a header row (column {column} is "
            f"'{cell[:40]}', not a number). The built-in XGBoost algorithm reads CSV without a "
            f"header row, {layout}: write the file without its header "
            "(e.g. DataFrame.to_csv(path, header=False, index=False))"
        )
    role = {1: " (the label)", 2: " (the instance weight)" if csv_weights else ""}
    return UserError(
        f"CSV file {name}, line {line_number}, column {column}{role.get(column, '')}: "
        f"'{cell[:40]}' is not a number. The built-in XGBoost algorithm wants numbers only, "
        f"no header row, {layout}: encode text columns as numbers first"
    )


def _parse_csv_slowly(
    path: Path, name: str, delimiter: str, csv_weights: int, encoding: str
) -> np.ndarray:
    """Cell by cell: missing values become NaN; a header, text or ragged line is an error."""
    import csv

    rows: list[list[float]] = []
    line_number = 0
    try:
        with open(path, encoding=encoding, newline="") as handle:
            for line_number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                _add_row(rows, row, name, line_number, csv_weights)
    except UnicodeDecodeError as error:  # the decoder reads ahead: find the line itself
        data = path.read_bytes()
        start = len(data) - len(data.lstrip(codecs.BOM_UTF8)) if encoding == "utf-8-sig" else 0
        try:
            data[start:].decode("utf-8")
        except UnicodeDecodeError as exact:
            line_number = data.count(b"\n", 0, start + exact.start)
        raise UserError(
            f"CSV file {name}, line {line_number + 1}: not readable as UTF-8 text "
            f"({error.reason}); save the file as UTF-8"
        ) from None
    except csv.Error as error:
        raise UserError(f"CSV file {name}, line {line_number + 1}: {error}") from None
    return np.array(rows, dtype=np.float64).reshape(len(rows), -1)


def _add_row(
    rows: list[list[float]], row: list[str], name: str, line_number: int, csv_weights: int
) -> None:
    """One CSV line's cells as floats (NaN for missing), checked against the first line."""
    if not "".join(row).strip():
        return
    values = []
    for column, cell in enumerate(row, start=1):
        cell = cell.strip()
        if cell in MISSING_TOKENS:
            values.append(math.nan)
            continue
        try:
            values.append(float(cell))
        except ValueError:
            raise _csv_problem(name, line_number, column, cell, csv_weights) from None
    if rows and len(values) != len(rows[0]):
        raise UserError(
            f"CSV file {name}, line {line_number} has {len(values)} columns, the "
            f"first line has {len(rows[0])}: every line needs the same columns"
        )
    rows.append(values)


def _load_csv_file(path: Path, name: str, csv_weights: int) -> np.ndarray:
    """One CSV file as a float array: NumPy's C parser, or the careful path when it objects."""
    import warnings

    encoding = _text_encoding(path, name, "csv")
    delimiter = _csv_delimiter(_first_line(path, encoding))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            return np.loadtxt(
                path, delimiter=delimiter, dtype=np.float64, ndmin=2, comments=None,
                encoding=encoding,
            )  # fmt: skip
    except ValueError:  # empty cells, text, ragged lines, bad bytes: find out which
        return _parse_csv_slowly(path, name, delimiter, csv_weights, encoding)


def _read_csv(files: list[Path], folder: Path, channel: str, csv_weights: int) -> Table:
    arrays, sources = [], []
    for path in files:
        name = _display(path, folder, channel)
        array = _load_csv_file(path, name, csv_weights)
        if array.shape[0] == 0:
            continue
        if arrays and array.shape[1] != arrays[0].shape[1]:
            raise UserError(
                f"CSV files of channel {channel} have different column counts: "
                f"{sources[0][0]} has {arrays[0].shape[1]}, {name} has {array.shape[1]}"
            )
        arrays.append(array)
        sources.append((name, array.shape[0]))
    if not arrays:
        raise _no_data(channel, folder)
    data = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    first_feature = 2 if csv_weights else 1
    if data.shape[1] <= first_feature:
        raise UserError(
            f"CSV data of channel {channel} has {data.shape[1]} column(s): it needs the label "
            + ("and the instance weight " if csv_weights else "")
            + "followed by at least one feature column"
        )
    weights = data[:, 1].copy() if csv_weights else None
    return Table(
        channel, data[:, first_feature:], data[:, 0].copy(), weights, sources, first_feature + 1
    )


def _libsvm_matrix(path: Path, name: str) -> xgb.DMatrix:
    first = _first_line(path, _text_encoding(path, name, "libsvm"))
    tokens = first.split()
    if tokens and (
        ("," in first and ":" not in first)
        or any(":" not in token for token in tokens[1:])
        or not _is_number(tokens[0].split(":")[0])
    ):
        raise UserError(
            f"First line '{first[:50]}...' of file '{name}' is not 'LIBSVM' format. Please "
            "ensure the file is in 'LIBSVM' format (or set the channel's ContentType, e.g. "
            "text/csv; LIBSVM is the default when none is given)."
        )
    _check_libsvm_magnitudes(path, name)
    try:
        return xgb.DMatrix(f"{path}?format=libsvm")
    except xgb.core.XGBoostError as error:
        message = xgboost_message(error)
        raise UserError(f"LIBSVM file {name} could not be read: {message}") from None


def _check_libsvm_magnitudes(path: Path, name: str) -> None:
    """XGBoost's LIBSVM parser turns a value beyond float32 (`1e300`) into garbage (1e38)
    without a word; a regex over the bytes finds such values first (milliseconds a MB)."""
    with open(path, "rb") as handle:
        data = handle.read()
    found = _HUGE_NUMBER.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        value = found.group().decode("ascii", errors="replace")
        raise UserError(
            f"LIBSVM file {name}, line {line}: {value} is too large: XGBoost stores values as "
            f"32-bit floats (at most {FLOAT32_MAX:.1e} in size). Rescale that feature"
        )


def _read_libsvm(files: list[Path], folder: Path, channel: str) -> Table:
    import scipy.sparse

    parts, labels, weights, sources = [], [], [], []
    for path in files:
        name = _display(path, folder, channel)
        matrix = _libsvm_matrix(path, name)
        if matrix.num_row() == 0:
            continue
        parts.append(matrix.get_data())
        labels.append(matrix.get_label())
        weights.append(matrix.get_weight())
        sources.append((name, matrix.num_row()))
    if not parts:
        raise _no_data(channel, folder)
    width = max(part.shape[1] for part in parts)
    parts = [scipy.sparse.csr_matrix(p, shape=(p.shape[0], width)) for p in parts]
    features = parts[0] if len(parts) == 1 else scipy.sparse.vstack(parts, format="csr")
    has_weights = all(w.size for w in weights)
    weight = np.concatenate(weights).astype(np.float64) if has_weights else None
    labels_ = np.concatenate(labels).astype(np.float64)
    return Table(channel, features, labels_, weight, sources, None)


def _read_parquet(files: list[Path], folder: Path, channel: str) -> Table:
    for name in UNUSED_MODULES:  # pyarrow may want pandas after all
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
    import pyarrow as pa
    import pyarrow.parquet as pq

    numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_decimal)
    arrays, sources = [], []
    for path in files:
        name = _display(path, folder, channel)
        try:
            table = pq.read_table(path)
        except Exception as error:  # pyarrow raises several types for a bad file
            raise UserError(f"Parquet file {name} could not be read: {error}") from None
        for column in table.schema:
            if not any(test(column.type) for test in numeric):
                raise UserError(
                    f"Parquet file {name}: column '{column.name}' is {column.type}, not "
                    "numeric. The built-in XGBoost algorithm wants numeric columns only, the "
                    "label first"
                )
        if table.num_rows:
            columns = [c.cast(pa.float64()).to_numpy() for c in table.columns]  # null -> NaN
            arrays.append(np.column_stack(columns))
            sources.append((name, table.num_rows))
    if not arrays:
        raise _no_data(channel, folder)
    if len({a.shape[1] for a in arrays}) > 1:
        raise UserError(f"Parquet files of channel {channel} have different column counts")
    data = np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    if data.shape[1] < 2:
        raise UserError(f"Parquet data of channel {channel} needs a label and features")
    return Table(channel, data[:, 1:], data[:, 0].copy(), None, sources)


def read_channel(folder: Path, channel: str, fmt: str, csv_weights: int = 0) -> Table:
    """Load every file of one channel in the given format (csv, libsvm or parquet)."""
    files = channel_files(folder, channel)
    if not files:
        raise _no_data(channel, folder)
    if fmt == "csv":
        return _read_csv(files, folder, channel, csv_weights)
    if fmt == "libsvm":
        return _read_libsvm(files, folder, channel)
    return _read_parquet(files, folder, channel)


def _out_of_range(values: np.ndarray) -> np.ndarray:
    """Where values are infinite or beyond float32 (NaN, a missing value, is not)."""
    with np.errstate(invalid="ignore"):
        return np.abs(values) > FLOAT32_MAX


def _check_float32_range(table: Table) -> None:
    """Every value fits XGBoost's float32 storage: 1e308 is finite as a float64 but becomes
    infinity there, which XGBoost refuses deep inside (with a C++ stack trace)."""
    features = table.features
    row = column = None
    if isinstance(features, np.ndarray):
        bad = _out_of_range(features)
        rows = np.flatnonzero(bad.any(axis=1))
        if rows.size:
            row = int(rows[0])
            column = int(np.flatnonzero(bad[row])[0])
            value = float(features[row, column])
    else:  # CSR (LIBSVM): only the stored values
        stored = np.flatnonzero(_out_of_range(features.data))
        if stored.size:
            row = int(np.searchsorted(features.indptr, stored[0], side="right") - 1)
            column, value = int(features.indices[stored[0]]), float(features.data[stored[0]])
    if row is not None:
        where = table.column_name(column)
        _fail_range(table, row, f"{where} is {value:g}")
    for what, values in (("the label", table.labels), ("the instance weight", table.weights)):
        if values is not None:
            rows = np.flatnonzero(_out_of_range(values))
            if rows.size:
                _fail_range(table, int(rows[0]), f"{what} is {float(values[rows[0]]):g}")


def _fail_range(table: Table, row: int, what: str) -> None:
    raise UserError(
        f"Channel {table.channel}: on {table.where(row)}, {what}: XGBoost stores values as "
        f"32-bit floats (at most {FLOAT32_MAX:.1e} in size). Rescale that column, or leave the "
        "cell empty for a missing value"
    )


def check_data(table: Table, objective: str, num_class: int | None) -> None:
    """Labels the objective can learn from, finite features and weights.

    Messages name the channel, the file and the row.
    """
    labels = table.labels
    _check_float32_range(table)

    def fail(mask: np.ndarray, rule: str) -> None:
        row = int(np.flatnonzero(mask)[0])
        raise UserError(
            f"Channel {table.channel}: label {labels[row]:g} on {table.where(row)} {rule} "
            f"(objective {objective}); the label is the first column"
        )

    if np.isnan(labels).any():
        fail(np.isnan(labels), "is missing; every row needs a label")
    if objective.startswith("binary:"):
        bad = (labels != 0) & (labels != 1)
        if bad.any():
            fail(bad, "is not 0 or 1")
    elif objective.startswith("multi:") and num_class:
        bad = (labels != np.floor(labels)) | (labels < 0) | (labels >= num_class)
        if bad.any():
            fail(bad, f"is not an integer in [0, {num_class}) (num_class={num_class})")
    elif objective == "reg:logistic":
        bad = (labels < 0) | (labels > 1)
        if bad.any():
            fail(bad, "is not in [0, 1]")
    elif objective in ("count:poisson", "reg:tweedie"):
        if (labels < 0).any():
            fail(labels < 0, "is negative")
    elif objective == "reg:gamma":
        if (labels <= 0).any():
            fail(labels <= 0, "is not positive")
    if table.weights is not None:
        bad = ~np.isfinite(table.weights) | (table.weights < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise UserError(
                f"Channel {table.channel}: instance weight {table.weights[row]:g} on "
                f"{table.where(row)} is not a non-negative number (csv_weights=1 reads the "
                "second column as the weight)"
            )


def _describe(table: Table, fmt: str) -> str:
    files = len(table.sources)
    return (
        f"Channel {table.channel}: {fmt}, {files} file{'s' if files != 1 else ''}, "
        f"{table.rows} rows x {table.columns} features"
        + (", with instance weights" if table.weights is not None else "")
    )


def load_channels(
    data: Path, formats: dict[str, str], hps: dict[str, Any], objective: str
) -> dict[str, Table]:
    """Read train (and validation), check labels and that both have the same features."""
    csv_weights = hps.get("csv_weights", 0)
    tables = {}
    for channel in (TRAIN, VALIDATION):
        if channel in formats:
            table = read_channel(data / channel, channel, formats[channel], csv_weights)
            check_data(table, objective, hps.get("num_class"))
            tables[channel] = table
            log(_describe(table, formats[channel]))
    if VALIDATION not in tables:
        return tables
    train_t, val_t = tables[TRAIN], tables[VALIDATION]
    if train_t.columns != val_t.columns:
        if formats[TRAIN] != "libsvm" or formats[VALIDATION] != "libsvm":
            raise UserError(
                f"Channel train has {train_t.columns} feature columns "
                f"({', '.join(n for n, _ in train_t.sources)}) but channel validation has "
                f"{val_t.columns} ({', '.join(n for n, _ in val_t.sources)}): both need the "
                "same features in the same order, after the label"
                + (" and the weight" if csv_weights else "")
            )
        _widen_sparse(train_t, val_t)  # LIBSVM leaves out trailing empty columns
    _warn_identical_files(data, train_t, val_t)
    return tables


def _widen_sparse(*tables: Table) -> None:
    """Give LIBSVM channels the same number of columns (absent columns are empty)."""
    import scipy.sparse

    width = max(t.columns for t in tables)
    for t in tables:
        if t.columns < width:
            t.features = scipy.sparse.csr_matrix(t.features, shape=(t.rows, width))


def _warn_identical_files(data: Path, *tables: Table) -> None:
    """The container warns when train and validation seem to hold the same file."""
    train_files = {n.split("/", 1)[1]: n for n, _ in tables[0].sources}
    for name, _ in tables[1].sources:
        relative = name.split("/", 1)[1]
        if relative in train_files:
            a, b = data / train_files[relative], data / name
            if a.stat().st_size == b.stat().st_size:
                log(
                    f"WARNING: {train_files[relative]} and {name} look identical (same name "
                    "and size): validating on training data makes the validation score invalid"
                )
