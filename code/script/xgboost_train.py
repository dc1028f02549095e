"""Script-mode training entry point for XGBoost on Amazon SageMaker (and locally).

The same file runs in three places:

* on SageMaker, inside the XGBoost framework container (``framework_version="1.7-1"``):
  the training toolkit passes every hyperparameter as ``--name value`` and describes the
  job through ``SM_*`` environment variables (``SM_CHANNEL_TRAIN``, ``SM_MODEL_DIR``, ...);
* in this repository's local mode, which sets the same variables;
* from a shell: ``python code/script/xgboost_train.py --train dataset/... --validation dataset/...
  --model-dir outputs/model``.

What it does: k-fold cross-validation on the train channel picks the number of boosting rounds
(``--nfold 0``: no CV, ``--num_round`` rounds), a final model is fitted on the whole train
channel with that many rounds and scored on the validation channel. The final scores are
printed as ``[<round>]<TAB>train-auc:0.93...<TAB>validation-auc:0.92...`` (full precision):
what SageMaker's metric definitions for the XGBoost image (and a tuning job) read.

The model is saved in XGBoost's own JSON format (never pickle). ``model_fn``, ``input_fn``,
``predict_fn`` and ``output_fn`` let the same file serve predictions: CSV in, probabilities out.

Any input problem ends the script with exit code 1 and a one-line reason, printed to stderr
and written to ``$SM_OUTPUT_DIR/failure``, the file SageMaker turns into ``FailureReason``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

MODEL_FILE_NAME = "xgboost-model.json"
METRICS_FILE_NAME = "metrics.json"
HISTORY_FILE_NAME = "eval_history.json"
LABEL_COLUMN_NAMES = ("income", "label")

BINARY_OBJECTIVES = ("binary:logistic", "binary:logitraw", "binary:hinge")
OBJECTIVES = BINARY_OBJECTIVES + ("reg:squarederror", "reg:logistic", "count:poisson")
TREE_METHODS = ("auto", "exact", "approx", "hist")
# XGBoost's evaluation metrics for the objectives above; `error@0.6` style thresholds too.
EVAL_METRICS = ("auc", "aucpr", "logloss", "error", "rmse", "rmsle", "mae", "mape",
                "poisson-nloglik")  # fmt: skip
# Larger is better for these. This file is uploaded alone, so it keeps its own copy of the
# directions; tests/test_builtin_xgboost.py checks it against localsm.metrics.XGBOOST_METRICS.
MAXIMIZED_METRICS = ("auc", "aucpr")
# Cells read as a missing value, as the built-in algorithm reads them (same test file checks).
MISSING_TOKENS = ("", "nan", "NaN", "NAN", "NA", "N/A", "null", "NULL")
FLOAT32_MAX = float(np.finfo(np.float32).max)  # XGBoost stores every value as a float32
_LIBSVM_LINE = re.compile(r"^\s*[-+]?[0-9.eE+-]+(\s+[0-9]+:\S+)+\s*$")
_XGBOOST_PREFIX = re.compile(r"^\[[0-9:]+\] \S+?:\d+: (Check failed: )?")


class TrainingError(Exception):
    """A problem the user can fix (bad data, bad hyperparameter); it becomes FailureReason."""


# --------------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------------


def _number(kind: type, low: float | None, high: float | None, low_open: bool = False):
    """An argparse `type` that parses `kind` and checks low <= value <= high (or low < value)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text) if kind is float else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and value > high
        if too_low or too_high:
            left = "(" if low_open else "["
            lo = "-inf" if low is None else f"{low:g}"
            hi = "+inf)" if high is None else f"{high:g}]"
            raise argparse.ArgumentTypeError(f"{text} is not in {left}{lo}, {hi}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _choice(options: tuple[str, ...]):
    def parse(text: str) -> str:
        if text not in options:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(options)}")
        return text

    return parse


def _folds(text: str) -> int:
    """`--nfold`: 0 (no cross-validation, as in the lab's original script) or 2 and more."""
    if (value := _number(int, 0, None)(text)) == 1:
        raise argparse.ArgumentTypeError("1 fold leaves nothing to test on: use 0 (none) or >= 2")
    return value


def _metric_list(text: str) -> list[str]:
    metrics = [m.strip() for m in text.split(",") if m.strip()]
    if not metrics:
        raise argparse.ArgumentTypeError("give at least one metric, e.g. auc")
    for metric in metrics:
        base = metric.split("@", 1)[0]
        if base not in EVAL_METRICS:
            raise argparse.ArgumentTypeError(
                f"{metric!r} is not a supported metric; use one of {', '.join(EVAL_METRICS)}"
            )
    return metrics


class _Parser(argparse.ArgumentParser):
    """argparse that raises TrainingError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        message = message.replace("unrecognized arguments", "unknown hyperparameter(s)")
        raise TrainingError(f"{message} (run with --help to list the accepted hyperparameters)")


def build_parser() -> argparse.ArgumentParser:
    """Command-line / hyperparameter interface (SageMaker passes hyperparameters this way)."""
    p = _Parser(
        description="Train XGBoost with k-fold cross-validation (SageMaker script mode).",
        allow_abbrev=False,
    )
    hp = p.add_argument_group("hyperparameters (SageMaker passes them as --name value)")
    unit, positive = _number(float, 0, 1, low_open=True), _number(float, 0, None)
    hyperparameters = (  # (flag, type, default, help)
        ("--num_round", _number(int, 1, None), 100,
         "maximum boosting rounds; cross-validation may pick fewer"),
        ("--max_depth", _number(int, 0, None), 6, None),
        ("--eta", unit, 0.3, "learning rate, in (0, 1]"),
        ("--gamma", positive, 0.0, "minimum loss reduction to split a leaf"),
        ("--min_child_weight", positive, 1.0, None),
        ("--subsample", unit, 1.0, None),
        ("--colsample_bytree", unit, 1.0, None),
        ("--objective", _choice(OBJECTIVES), "binary:logistic", None),
        ("--eval_metric", _metric_list, ["auc"],
         "comma-separated; the last one drives early stopping"),
        ("--nfold", _folds, 5, "folds of the cross-validation; 0: none, all --num_round rounds"),
        ("--early_stopping_rounds", _number(int, 1, None), None,
         "stop the cross-validation after this many rounds without progress"),
        ("--seed", _number(int, 0, None), 42, None),
        ("--tree_method", _choice(TREE_METHODS), "hist", None),
        ("--nthread", _number(int, 1, None), None,
         "CPU threads (default: all; OMP_NUM_THREADS is honoured)"),
    )  # fmt: skip
    for flag, kind, default, text in hyperparameters:
        hp.add_argument(flag, type=kind, default=default, help=text)
    io_ = p.add_argument_group("data and output (defaults come from SageMaker's SM_* variables)")
    # (flags, the SM_* variable that gives the default, help): the toolkit's data contract.
    locations = (
        (("--train",), "SM_CHANNEL_TRAIN", "CSV file or folder of CSV files (default: $%s)"),
        (("--validation",), "SM_CHANNEL_VALIDATION", "CSV file or folder (default: $%s)"),
        (("--model-dir", "--model_dir"), "SM_MODEL_DIR", "where the model is saved (default: $%s)"),
        (("--output-data-dir", "--output_data_dir"), "SM_OUTPUT_DATA_DIR",
         "where metrics.json goes (default: $%s, else model dir)"),
    )  # fmt: skip
    for flags, variable, text in locations:
        dest = flags[-1].lstrip("-")
        io_.add_argument(*flags, dest=dest, default=os.environ.get(variable), help=text % variable)
    return p


def xgboost_params(args: argparse.Namespace) -> dict[str, Any]:
    """The booster parameters: every tuned hyperparameter reaches XGBoost (gamma included)."""
    params = {
        "objective": args.objective,
        "eval_metric": list(args.eval_metric),
        "eta": args.eta,
        "max_depth": args.max_depth,
        "gamma": args.gamma,
        "min_child_weight": args.min_child_weight,
        "subsample": args.subsample,
        "colsample_bytree": args.colsample_bytree,
        "tree_method": args.tree_method,
        "seed": args.seed,
        "verbosity": 1,
    }
    if args.nthread is not None:
        params["nthread"] = args.nthread
    return params


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


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
    files = sorted(
        f
        for f in root.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts)
    )
    if not files:
        raise TrainingError(f"{channel} channel is empty: no data file in {root}")
    return files


def _is_number(text: str) -> bool:
    """A number, or a missing value (`NaN`, `NA`, empty...)."""
    if text.strip() in MISSING_TOKENS:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_row(path: Path) -> list[str] | None:
    """The first CSV row (a UTF-8 byte-order mark is not data); None for an empty file."""
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
    return first


def _check_cell_counts(path: Path) -> None:
    """Every line has as many cells as the first (pandas would fill a short one silently)."""
    data = path.read_bytes()
    if b'"' in data:  # quoted cells may hold commas: let the csv module count
        text = data.decode("utf-8-sig", errors="replace")
        counts = [len(row) if any(c.strip() for c in row) else 0 for row in csv.reader(
            io.StringIO(text))]  # fmt: skip
    else:
        counts = [line.count(b",") + 1 if line.strip() else 0 for line in data.splitlines()]
    expected = next((c for c in counts if c), 0)
    for number, count in enumerate(counts, start=1):
        if count and count != expected:
            raise TrainingError(
                f"{path}, line {number}: {count} cells, but the first line has {expected}; "
                "every line needs the same columns"
            )


def _read_frame(path: Path, has_header: bool) -> pd.DataFrame:
    """The CSV as text cells (numbers are parsed, and checked, column by column)."""
    try:
        return pd.read_csv(path, header=0 if has_header else None, dtype=str,
                           keep_default_na=False, skipinitialspace=True,
                           encoding="utf-8-sig")  # fmt: skip
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first = str(error).strip().splitlines()[0][:120]
        raise TrainingError(f"{path}: not readable as CSV ({first})") from None


def read_csv_file(path: Path) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """One CSV file -> (features, labels, feature names or None).

    The label is the first column, or the column named `income`/`label` when the file has a
    header row. A header is detected when the first row holds something that is not a number.
    """
    first = _first_row(path)
    if first is None:
        return np.empty((0, 0)), np.empty(0), None
    has_header = any(cell.strip() and not _is_number(cell) for cell in first)
    _check_cell_counts(path)
    frame = _read_frame(path, has_header)
    first_data_line = 2 if has_header else 1
    if frame.shape[1] < 2:
        raise TrainingError(
            f"{path}: found {frame.shape[1]} column(s); expected the label followed by at "
            "least one feature column"
        )
    names = [str(c).strip() for c in frame.columns] if has_header else None
    label_pos = 0
    if names:
        lowered = [n.lower() for n in names]
        label_pos = next((lowered.index(n) for n in LABEL_COLUMN_NAMES if n in lowered), 0)
    values = np.empty(frame.shape, dtype=np.float64)
    for pos in range(frame.shape[1]):
        column = frame.iloc[:, pos].str.strip()
        missing = column.isin(MISSING_TOKENS)
        numeric = pd.to_numeric(column.mask(missing), errors="coerce").to_numpy(np.float64)
        bad = (np.isnan(numeric) & ~missing.to_numpy()) | (np.abs(numeric) > FLOAT32_MAX)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            what = f"column {names[pos]!r}" if names else f"column {pos + 1}"
            problem = (
                "is not a number; every feature must be numeric (encode text columns first, "
                "see dataset/prepare.py)"
                if np.isnan(numeric[row])
                else f"is too large: XGBoost stores 32-bit floats (at most {FLOAT32_MAX:.1e}); "
                "rescale the column, or leave the cell empty for a missing value"
            )
            raise TrainingError(
                f"{path}, line {row + first_data_line}, {what}: {column.iloc[row]!r} {problem}"
            )
        values[:, pos] = numeric
    labels = values[:, label_pos]
    missing = np.flatnonzero(np.isnan(labels))
    if missing.size:
        raise TrainingError(
            f"{path}, line {int(missing[0]) + first_data_line}: the label is missing "
            f"(label column: {names[label_pos] if names else 'the first column'})"
        )
    features = np.delete(values, label_pos, axis=1)
    feature_names = [n for i, n in enumerate(names) if i != label_pos] if names else None
    return features, labels, feature_names


def load_channel(path: str | None, channel: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """All files of a channel, stacked; they must agree on the number of feature columns.
    Files of a channel folder are named `<channel>/<file>` in messages, as SageMaker shows."""
    try:
        parts = [(f, *read_csv_file(f)) for f in channel_files(path, channel)]
    except TrainingError as error:
        if not path or not Path(path).is_dir():
            raise
        raise TrainingError(str(error).replace(f"{Path(path)}/", f"{channel}/")) from None
    parts = [p for p in parts if p[2].size]
    if not parts:
        raise TrainingError(f"{channel} channel has no data rows ({path})")
    width = parts[0][1].shape[1]
    for f, x, _, _ in parts:
        if x.shape[1] != width:
            raise TrainingError(
                f"{f}: {x.shape[1]} feature columns, but {parts[0][0]} has {width}; all files "
                f"of the {channel} channel must have the same columns"
            )
    names = next((p[3] for p in parts if p[3]), None)
    return (np.vstack([p[1] for p in parts]), np.concatenate([p[2] for p in parts]), names)


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


_VALID_NAME = re.compile(r"^[^\[\]<,]+$")


def make_dmatrix(x: np.ndarray, y: np.ndarray, names: list[str] | None) -> xgb.DMatrix:
    usable = names if names and all(_VALID_NAME.match(n) for n in names) else None
    return xgb.DMatrix(x, label=y, feature_names=usable)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def cross_validate(params: dict[str, Any], dtrain: xgb.DMatrix, args: argparse.Namespace):
    """k-fold cross-validation; returns (rounds to use, CV summary of the driving metric)."""
    metric = args.eval_metric[-1]
    history = xgb.cv(
        params,
        dtrain,
        num_boost_round=args.num_round,
        nfold=args.nfold,
        stratified=args.objective in BINARY_OBJECTIVES,
        early_stopping_rounds=args.early_stopping_rounds,
        seed=args.seed,
        as_pandas=True,
    )
    column = history[f"test-{metric}-mean"]
    maximize = metric.split("@")[0] in MAXIMIZED_METRICS
    best = int(column.idxmax() if maximize else column.idxmin())
    summary = {
        "folds": args.nfold,
        "metric": metric,
        "rounds": best + 1,
        "mean": float(column.iloc[best]),
        "std": float(history[f"test-{metric}-std"].iloc[best]),
    }
    print(
        f"{args.nfold}-fold cross-validation chose {best + 1} of {args.num_round} rounds "
        f"(test {metric} {summary['mean']:.6f} +/- {summary['std']:.6f})",
        flush=True,
    )
    return best + 1, summary


def evaluation_line(round_index: int, scores: dict[str, dict[str, float]]) -> str:
    """An XGBoost evaluation-log line with full-precision values."""
    cells = [
        f"{data}-{metric}:{value!r}" for data, m in scores.items() for metric, value in m.items()
    ]
    return f"[{round_index}]\t" + "\t".join(cells)


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Cross-validate, fit the final model, save model + metrics; returns the metrics."""
    if not args.model_dir:
        raise TrainingError("no model directory: pass --model-dir DIR or set SM_MODEL_DIR")
    params = xgboost_params(args)
    x_train, y_train, names = load_channel(args.train, "train")
    check_labels(y_train, args.objective, "train")
    dtrain = make_dmatrix(x_train, y_train, names)
    evals = [(dtrain, "train")]
    if args.validation:
        x_val, y_val, _ = load_channel(args.validation, "validation")
        if x_val.shape[1] != x_train.shape[1]:
            raise TrainingError(
                f"validation data has {x_val.shape[1]} feature columns, train data has "
                f"{x_train.shape[1]}; both channels must have the same columns"
            )
        check_labels(y_val, args.objective, "validation")
        evals.append((make_dmatrix(x_val, y_val, names), "validation"))
    else:
        print("No validation channel: only train scores will be reported.", file=sys.stderr)
    print(f"train: {x_train.shape[0]} rows x {x_train.shape[1]} features", flush=True)
    check_folds(y_train, args)

    if args.nfold:
        rounds, cv_summary = cross_validate(params, dtrain, args)
    else:
        rounds, cv_summary = args.num_round, None
        print(f"No cross-validation (nfold 0): training {rounds} rounds", flush=True)
    history: dict[str, dict[str, list[float]]] = {}
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=rounds,
        evals=evals,
        evals_result=history,
        verbose_eval=False,
    )
    final = {data: {m: float(v[-1]) for m, v in per.items()} for data, per in history.items()}
    print(evaluation_line(rounds - 1, final), flush=True)

    metrics = {
        "rounds": rounds,
        "cross_validation": cv_summary,
        **final,
        "hyperparameters": {
            k: v
            for k, v in vars(args).items()
            if k not in ("train", "validation", "model_dir", "output_data_dir")
        },
    }
    save(booster, metrics, history, args)
    return metrics


def check_folds(labels: np.ndarray, args: argparse.Namespace) -> None:
    """Cross-validation needs a row per fold (of each class, for binary objectives)."""
    if args.nfold > labels.size:
        raise TrainingError(
            f"--nfold {args.nfold} is more than the {labels.size} rows of the train channel "
            f"({args.train}): lower nfold or give more rows"
        )
    if args.objective in BINARY_OBJECTIVES:
        for label in (0, 1):
            count = int((labels == label).sum())
            if count < args.nfold:
                raise TrainingError(
                    f"the train channel ({args.train}) has {count} row(s) with label {label}, "
                    f"fewer than --nfold {args.nfold}: each fold needs both classes; lower "
                    "nfold or add rows"
                )


def save(booster: xgb.Booster, metrics: dict, history: dict, args: argparse.Namespace) -> None:
    """The model (written under a temporary name, then renamed), metrics and history."""
    model_dir = Path(args.model_dir)
    out_dir = Path(args.output_data_dir or args.model_dir)
    partial = model_dir / f".partial-{MODEL_FILE_NAME}"  # the extension selects JSON
    try:
        model_dir.mkdir(parents=True, exist_ok=True)
        booster.save_model(str(partial))
        os.replace(partial, model_dir / MODEL_FILE_NAME)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / METRICS_FILE_NAME).write_text(json.dumps(metrics, indent=2) + "\n")
        (out_dir / HISTORY_FILE_NAME).write_text(json.dumps(history) + "\n")
    except (OSError, xgb.core.XGBoostError) as error:
        what = getattr(error, "strerror", None) or xgboost_message(error)
        raise TrainingError(
            f"cannot write the model or metrics to {model_dir} / {out_dir}: {what}; check "
            "--model-dir and --output-data-dir (SM_MODEL_DIR, SM_OUTPUT_DATA_DIR)"
        ) from None
    finally:
        if partial.exists():
            partial.unlink()


def xgboost_message(error: Exception) -> str:
    """The first meaningful line of an XGBoost error, without its C++ location and stack."""
    for line in str(error).splitlines():
        line = _XGBOOST_PREFIX.sub("", line.strip())
        if line and not line.startswith(("Stack trace", "[bt]")):
            return line
    return type(error).__name__


def write_failure(reason: str) -> None:
    """Leave the reason where SageMaker looks for it ($SM_OUTPUT_DIR/failure)."""
    output_dir = os.environ.get("SM_OUTPUT_DIR")
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        (Path(output_dir) / "failure").write_text(reason + "\n")


def main(argv: list[str] | None = None) -> int:
    """Train; on failure one line on stderr and in $SM_OUTPUT_DIR/failure (exit 1 for a
    problem of the input, 2 for anything unexpected, whose traceback goes to stderr too)."""
    try:
        train(build_parser().parse_args(argv))
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
    else:
        return 0
    print(f"error: {reason}", file=sys.stderr)
    write_failure(reason)
    return code


# --------------------------------------------------------------------------------------------
# Serving (SageMaker's XGBoost serving stack calls these four functions)
# --------------------------------------------------------------------------------------------


def model_fn(model_dir: str) -> xgb.Booster:
    """Load the model saved by `train` (JSON, no pickle)."""
    booster = xgb.Booster()
    booster.load_model(str(Path(model_dir) / MODEL_FILE_NAME))
    return booster


def input_fn(request_body: str | bytes, request_content_type: str) -> xgb.DMatrix:
    """CSV rows of features (no label) -> DMatrix."""
    if request_content_type.split(";")[0].strip() != "text/csv":
        raise ValueError(f"content type {request_content_type!r} is not supported; send text/csv")
    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8")
    rows = np.loadtxt(io.StringIO(request_body), delimiter=",", ndmin=2, dtype=np.float64)
    return xgb.DMatrix(rows)


def predict_fn(input_data: xgb.DMatrix, model: xgb.Booster) -> np.ndarray:
    """Probabilities of the positive class (label 1) for binary:logistic."""
    return model.predict(input_data, validate_features=False)


def output_fn(prediction: np.ndarray, accept: str = "text/csv") -> tuple[str, str]:
    """Predictions as CSV (one per line) or JSON."""
    accept = (accept or "text/csv").split(";")[0].strip()
    if accept == "application/json":
        return json.dumps({"predictions": [float(p) for p in prediction]}), accept
    if accept in ("text/csv", "*/*"):
        return "\n".join(repr(float(p)) for p in prediction) + "\n", "text/csv"
    raise ValueError(
        f"accept type {accept!r} is not supported; ask for text/csv or application/json"
    )


if __name__ == "__main__":
    sys.exit(main())
