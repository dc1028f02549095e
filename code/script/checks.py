"""Input checks and friendly errors for xgboost_train.py (uploaded with it, same folder).

Each problem a user can fix (a bad hyperparameter, a CSV cell that is not a number, a label
that is not 0/1, a folder that cannot be written) becomes one line that names the file, line,
column or hyperparameter. `run` prints that line to stderr and writes it to
`$SM_OUTPUT_DIR/failure`, the file SageMaker turns into the job's FailureReason.
Runs on the SageMaker XGBoost 1.7-1 image too: Python 3.8 syntax, XGBoost 1.7 API.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

BINARY_OBJECTIVES = ("binary:logistic", "binary:logitraw", "binary:hinge")
OBJECTIVES = BINARY_OBJECTIVES + ("reg:squarederror", "reg:logistic", "count:poisson")
TREE_METHODS = ("auto", "exact", "approx", "hist")
EVAL_METRICS = ("auc", "aucpr", "logloss", "error", "rmse", "rmsle", "mae", "mape",
                "poisson-nloglik")  # fmt: skip
# Larger is better for these (tests/test_builtin_xgboost.py checks them against localsm's).
MAXIMIZED_METRICS = ("auc", "aucpr")
# Cells read as a missing value, as the built-in algorithm reads them (same test file checks).
MISSING_TOKENS = ("", "nan", "NaN", "NAN", "NA", "N/A", "null", "NULL")
FLOAT32_MAX = float(np.finfo(np.float32).max)  # XGBoost stores every value as a float32
_LIBSVM_LINE = re.compile(r"^\s*[-+]?[0-9.eE+-]+(\s+[0-9]+:\S+)+\s*$")
_XGBOOST_PREFIX = re.compile(r"^\[[0-9:]+\] \S+?:\d+: (Check failed: )?")
_FEATURE_NAME = re.compile(r"^[^\[\]<,]+$")  # names XGBoost accepts


class TrainingError(Exception):
    """A problem the user can fix (bad data, bad hyperparameter); it becomes FailureReason."""


# ------------------------------------------------------------------------ hyperparameters


class Parser(argparse.ArgumentParser):
    """argparse that raises TrainingError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = message.replace("unrecognized arguments", "unknown hyperparameter(s)")
        raise TrainingError(f"{message} (run with --help to list the accepted hyperparameters)")


def number(kind: type, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> Callable[[str], Any]:  # fmt: skip
    """An argparse `type`: parses `kind` and checks low <= value <= high (low < value)."""

    def parse(text: str) -> Any:
        try:
            value = float(text) if kind is float else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            left = "(" if low_open else "["
            lo = "-inf" if low is None else f"{low:g}"
            hi = "+inf)" if high is None else f"{high:g}]"
            raise argparse.ArgumentTypeError(f"{text} is not in {left}{lo}, {hi}")
        return value

    parse.__name__ = kind.__name__
    return parse


def unit(text: str) -> float:
    """A fraction in (0, 1]: eta, subsample, colsample_bytree."""
    return number(float, 0, 1, low_open=True)(text)


def one_of(options: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in options:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(options)}")
        return text

    return parse


objective, tree_method = one_of(OBJECTIVES), one_of(TREE_METHODS)


def folds(text: str) -> int:
    """`--nfold`: 0 (no cross-validation, as in the lab's original script) or 2 and more."""
    value = number(int, 0)(text)
    if value == 1:
        raise argparse.ArgumentTypeError("1 fold leaves nothing to test on: use 0 (none) or >= 2")
    return value


def metrics(text: str) -> list[str]:
    """`--eval_metric auc,logloss`: XGBoost metric names (`error@0.6` style too)."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one metric, e.g. auc")
    for name in names:
        if name.split("@", 1)[0] not in EVAL_METRICS:
            raise argparse.ArgumentTypeError(
                f"{name!r} is not a supported metric; use one of {', '.join(EVAL_METRICS)}"
            )
    return names


def is_maximized(metric: str) -> bool:
    return metric.split("@")[0] in MAXIMIZED_METRICS


# ------------------------------------------------------------------------ data


def channel_files(path: str | None, channel: str) -> list[Path]:
    """The data files of a channel: one file, or every non-hidden file under a folder."""
    flag = f"--{channel}"
    if not path:
        raise TrainingError(
            f"no {channel} data: pass {flag} PATH or run with SM_CHANNEL_{channel.upper()} set"
        )
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise TrainingError(f"{channel} channel not found: {root} does not exist (check {flag})")
    hidden = lambda f: any(part.startswith(".") for part in f.relative_to(root).parts)  # noqa: E731
    files = sorted(f for f in root.rglob("*") if f.is_file() and not hidden(f))
    if not files:
        raise TrainingError(f"{channel} channel is empty: no data file in {root}")
    return files


def has_header(path: Path) -> bool | None:
    """Whether the first row holds text that is not a number; None for an empty file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error):
        raise TrainingError(f"{path}: not a UTF-8 text CSV file; is it the right file?") from None
    if first and len(first) == 1 and _LIBSVM_LINE.match(first[0]):
        raise TrainingError(
            f"{path} looks like LIBSVM ('{first[0][:30]}...'), not CSV: this script reads CSV, "
            "label first. Convert it, or train the built-in algorithm with content_type "
            "'text/libsvm'"
        )
    if first is None:
        return None
    check_cell_counts(path)
    return any(cell.strip() and not _is_number(cell) for cell in first)


def _is_number(text: str) -> bool:
    """A number, or a missing value (`NaN`, `NA`, empty...)."""
    if text.strip() in MISSING_TOKENS:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_cell_counts(path: Path) -> None:
    """Every line has as many cells as the first (pandas would fill a short one silently)."""
    data = path.read_bytes()
    if b'"' in data:  # quoted cells may hold commas: let the csv module count
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))
        counts = [len(row) if any(c.strip() for c in row) else 0 for row in rows]
    else:
        counts = [line.count(b",") + 1 if line.strip() else 0 for line in data.splitlines()]
    expected = next((c for c in counts if c), 0)
    for line, count in enumerate(counts, start=1):
        if count and count != expected:
            raise TrainingError(
                f"{path}, line {line}: {count} cells, but the first line has {expected}; "
                "every line needs the same columns"
            )


def numbers(path: Path, frame: pd.DataFrame, header: bool) -> np.ndarray:
    """The text cells as float64 (missing: NaN); names the first cell that is not a number."""
    values = np.empty(frame.shape, dtype=np.float64)
    for pos in range(frame.shape[1]):
        column = frame.iloc[:, pos].str.strip()
        missing = column.isin(MISSING_TOKENS)
        numeric = pd.to_numeric(column.mask(missing), errors="coerce").to_numpy(np.float64)
        bad = (np.isnan(numeric) & ~missing.to_numpy()) | (np.abs(numeric) > FLOAT32_MAX)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            what = f"column {str(frame.columns[pos]).strip()!r}" if header else f"column {pos + 1}"
            problem = (
                "is not a number; every feature must be numeric (encode text columns first, "
                "see dataset/prepare.py)"
                if np.isnan(numeric[row])
                else f"is too large: XGBoost stores 32-bit floats (at most {FLOAT32_MAX:.1e}); "
                "rescale the column, or leave the cell empty for a missing value"
            )
            line = row + (2 if header else 1)
            raise TrainingError(f"{path}, line {line}, {what}: {column.iloc[row]!r} {problem}")
        values[:, pos] = numeric
    return values


def check_columns(path: Path, frame: pd.DataFrame) -> None:
    """A label column and at least one feature column."""
    if frame.shape[1] < 2:
        raise TrainingError(
            f"{path}: found {frame.shape[1]} column(s); expected the label followed by at "
            "least one feature column"
        )


def check_label_present(path: Path, labels: np.ndarray, name: str | None) -> None:
    """No row without a label (`name`: the label column's header, None: no header row)."""
    missing = np.flatnonzero(np.isnan(labels))
    if missing.size:
        line = int(missing[0]) + (1 if name is None else 2)
        raise TrainingError(
            f"{path}, line {line}: the label is missing "
            f"(label column: {name if name is not None else 'the first column'})"
        )


def unreadable(path: Path, error: Exception) -> TrainingError:
    first = str(error).strip().splitlines()[0][:120]
    return TrainingError(f"{path}: not readable as CSV ({first})")


@contextlib.contextmanager
def channel_names(path: str | None, channel: str) -> Iterator[None]:
    """Files of a channel folder are named `<channel>/<file>` in messages, as SageMaker shows."""
    try:
        yield
    except TrainingError as error:
        if not path or not Path(path).is_dir():
            raise
        raise TrainingError(str(error).replace(f"{Path(path)}/", f"{channel}/")) from None


def check_widths(parts: list, channel: str, path: str | None) -> None:
    """(file, features, labels, names) of each file: one or more, with the same columns."""
    if not parts:
        raise TrainingError(f"{channel} channel has no data rows ({path})")
    width = parts[0][1].shape[1]
    for file, x, _, _ in parts:
        if x.shape[1] != width:
            raise TrainingError(
                f"{file}: {x.shape[1]} feature columns, but {parts[0][0]} has {width}; all files "
                f"of the {channel} channel must have the same columns"
            )


def check_labels(labels: np.ndarray, objective: str, channel: str) -> None:
    """Binary objectives need labels 0/1; reg:logistic needs labels in [0, 1]."""
    if objective in BINARY_OBJECTIVES:
        bad = labels[(labels != 0) & (labels != 1)]
        if bad.size:
            raise TrainingError(
                f"{channel} labels must be 0 or 1 for objective {objective}, found "
                f"{bad[0]:g}; put the label in the first column and encode it as 0/1"
            )
    elif objective == "reg:logistic" and ((labels < 0) | (labels > 1)).any():
        raise TrainingError(f"{channel} labels must lie in [0, 1] for objective reg:logistic")
    elif objective == "count:poisson" and (labels < 0).any():
        raise TrainingError(f"{channel} labels must be >= 0 for objective count:poisson")


def check_validation(x_val: np.ndarray, x_train: np.ndarray) -> None:
    if x_val.shape[1] != x_train.shape[1]:
        raise TrainingError(
            f"validation data has {x_val.shape[1]} feature columns, train data has "
            f"{x_train.shape[1]}; both channels must have the same columns"
        )


def check_folds(labels: np.ndarray, nfold: int, objective: str, train: str) -> None:
    """Cross-validation needs a row per fold (of each class, for binary objectives)."""
    if nfold > labels.size:
        raise TrainingError(
            f"--nfold {nfold} is more than the {labels.size} rows of the train channel "
            f"({train}): lower nfold or give more rows"
        )
    for label in (0, 1) if objective in BINARY_OBJECTIVES else ():
        count = int((labels == label).sum())
        if count < nfold:
            raise TrainingError(
                f"the train channel ({train}) has {count} row(s) with label {label}, fewer "
                f"than --nfold {nfold}: each fold needs both classes; lower nfold or add rows"
            )


def usable_names(names: list[str] | None) -> list[str] | None:
    """Header names as XGBoost feature names, unless one holds a character XGBoost refuses."""
    return names if names and all(_FEATURE_NAME.match(n) for n in names) else None


# ------------------------------------------------------------------------ failures


@contextlib.contextmanager
def writing(model_dir: Path, out_dir: Path) -> Iterator[None]:
    """Names both folders when the model or metrics cannot be written."""
    try:
        yield
    except (OSError, xgb.core.XGBoostError) as error:
        what = getattr(error, "strerror", None) or xgboost_message(error)
        raise TrainingError(
            f"cannot write the model or metrics to {model_dir} / {out_dir}: {what}; check "
            "--model-dir and --output-data-dir (SM_MODEL_DIR, SM_OUTPUT_DATA_DIR)"
        ) from None


def xgboost_message(error: Exception) -> str:
    """The first meaningful line of an XGBoost error, without its C++ location and stack."""
    for line in str(error).splitlines():
        line = _XGBOOST_PREFIX.sub("", line.strip())
        if line and not line.startswith(("Stack trace", "[bt]")):
            return line
    return type(error).__name__


def run(main: Callable[[], Any]) -> int:
    """Calls `main`; on failure one line on stderr and in $SM_OUTPUT_DIR/failure, exit 1 for
    a problem of the input, 2 for anything unexpected (its traceback goes to stderr too)."""
    try:
        main()
        return 0
    except TrainingError as error:
        reason, code = " ".join(str(error).split()), 1
    except xgb.core.XGBoostError as error:
        reason, code = f"XGBoost error: {xgboost_message(error)}", 1
    except Exception as error:  # noqa: BLE001 - the reason must say where, in one line
        traceback.print_exc()
        frames = traceback.extract_tb(error.__traceback__)
        where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
        message = " ".join(str(error).split())[:200]
        reason, code = f"unexpected error: {type(error).__name__}: {message}{where}", 2
    print(f"error: {reason}", file=sys.stderr)
    output_dir = os.environ.get("SM_OUTPUT_DIR")
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        (Path(output_dir) / "failure").write_text(reason + "\n")
    return code
