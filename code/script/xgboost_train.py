"""Train XGBoost with k-fold cross-validation: a SageMaker script-mode entry point.

It runs on SageMaker (XGBoost framework container 1.7-1), in local mode and from a shell:
    python xgboost_train.py --train train.csv --validation validation.csv --model-dir model
SageMaker passes each hyperparameter as `--name value` and describes the job through `SM_*`
environment variables (SM_CHANNEL_TRAIN, SM_MODEL_DIR, ...), the defaults of the arguments.
The serving functions at the end let the same file answer an endpoint's requests. The input
checks and their messages live in checks.py, which is uploaded with this file.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

import checks

MODEL_FILE_NAME = "xgboost-model.json"  # the .json extension selects XGBoost's JSON format


# 1. Arguments: hyperparameters as `--name value`, data and output folders from SM_* variables
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = checks.Parser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--num_round", type=checks.number(int, 1), default=100)
    parser.add_argument("--max_depth", type=checks.number(int, 0), default=6)
    parser.add_argument("--eta", type=checks.unit, default=0.3, help="learning rate, in (0, 1]")
    parser.add_argument("--gamma", type=checks.number(float, 0), default=0.0)
    parser.add_argument("--min_child_weight", type=checks.number(float, 0), default=1.0)
    parser.add_argument("--subsample", type=checks.unit, default=1.0)
    parser.add_argument("--colsample_bytree", type=checks.unit, default=1.0)
    parser.add_argument("--objective", type=checks.objective, default="binary:logistic")
    parser.add_argument("--eval_metric", type=checks.metrics, default=["auc"])
    parser.add_argument("--nfold", type=checks.folds, default=5, help="0: no cross-validation")
    parser.add_argument("--early_stopping_rounds", type=checks.number(int, 1), default=None)
    parser.add_argument("--seed", type=checks.number(int, 0), default=42)
    parser.add_argument("--tree_method", type=checks.tree_method, default="hist")
    parser.add_argument("--nthread", type=checks.number(int, 1), default=None, help="default: all")
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
    parser.add_argument("--model-dir", "--model_dir", dest="model_dir",
                        default=os.environ.get("SM_MODEL_DIR"))  # fmt: skip
    parser.add_argument("--output-data-dir", "--output_data_dir", dest="output_data_dir",
                        default=os.environ.get("SM_OUTPUT_DATA_DIR"))  # fmt: skip
    return parser.parse_args(argv)


# 2. Data: every CSV file of a channel; the label is the column named income or label, or the
# first column; a first row holding text is a header (its names become the feature names).
def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    header = checks.has_header(path)  # also checks the encoding and the cells per line
    if header is None:  # an empty file
        return np.empty((0, 0)), np.empty(0), None
    try:  # cells as text first, so that a cell that is not a number can be named
        frame = pd.read_csv(path, header=0 if header else None, dtype=str, keep_default_na=False,
                            skipinitialspace=True, encoding="utf-8-sig")  # fmt: skip
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise checks.unreadable(path, error) from None
    checks.check_columns(path, frame)
    values = checks.numbers(path, frame, header)
    names = [str(c).strip() for c in frame.columns] if header else None
    lowered = [n.lower() for n in names or []]
    label = next((lowered.index(n) for n in ("income", "label") if n in lowered), 0)
    checks.check_label_present(path, values[:, label], names[label] if names else None)
    features = np.delete(values, label, axis=1)
    return features, values[:, label], names and names[:label] + names[label + 1 :]


def load_channel(path: str | None, channel: str) -> tuple[np.ndarray, np.ndarray, list | None]:
    """A channel is one CSV file or a folder of them (same columns), stacked."""
    with checks.channel_names(path, channel):
        parts = [(file, *read_csv(file)) for file in checks.channel_files(path, channel)]
    parts = [part for part in parts if part[2].size]
    checks.check_widths(parts, channel, path)
    names = next((part[3] for part in parts if part[3]), None)
    return np.vstack([p[1] for p in parts]), np.concatenate([p[2] for p in parts]), names


# 3. k-fold cross-validation: how many rounds generalise best
def cross_validate(params: dict, dtrain: xgb.DMatrix, args: argparse.Namespace) -> tuple:
    """Returns (rounds to use, summary of the last metric at that round)."""
    metric = args.eval_metric[-1]  # of `--eval_metric auc,logloss`, the last one decides
    history = xgb.cv(params, dtrain, num_boost_round=args.num_round, nfold=args.nfold,
                     stratified=args.objective in checks.BINARY_OBJECTIVES,
                     early_stopping_rounds=args.early_stopping_rounds, seed=args.seed,
                     as_pandas=True)  # fmt: skip
    column = history[f"test-{metric}-mean"]
    best = int(column.idxmax() if checks.is_maximized(metric) else column.idxmin())
    mean, std = float(column.iloc[best]), float(history[f"test-{metric}-std"].iloc[best])
    print(f"{args.nfold}-fold cross-validation chose {best + 1} of {args.num_round} rounds "
          f"(test {metric} {mean:.6f} +/- {std:.6f})", flush=True)  # fmt: skip
    summary = {"folds": args.nfold, "metric": metric, "rounds": best + 1, "mean": mean, "std": std}
    return best + 1, summary


# 4. Training: the final model on every train row, scored on train and validation
def train(args: argparse.Namespace) -> dict:
    if not args.model_dir:
        raise checks.TrainingError("no model directory: pass --model-dir DIR or set SM_MODEL_DIR")
    params = {"objective": args.objective, "eval_metric": list(args.eval_metric),
              "eta": args.eta, "max_depth": args.max_depth, "gamma": args.gamma,
              "min_child_weight": args.min_child_weight, "subsample": args.subsample,
              "colsample_bytree": args.colsample_bytree, "tree_method": args.tree_method,
              "seed": args.seed, "verbosity": 1}  # fmt: skip
    if args.nthread is not None:
        params["nthread"] = args.nthread
    x_train, y_train, names = load_channel(args.train, "train")
    checks.check_labels(y_train, args.objective, "train")
    dtrain = xgb.DMatrix(x_train, label=y_train, feature_names=checks.usable_names(names))
    evals = [(dtrain, "train")]
    if args.validation:
        x_val, y_val, _ = load_channel(args.validation, "validation")
        checks.check_validation(x_val, x_train)
        checks.check_labels(y_val, args.objective, "validation")
        dval = xgb.DMatrix(x_val, label=y_val, feature_names=checks.usable_names(names))
        evals.append((dval, "validation"))
    else:
        print("No validation channel: only train scores will be reported.", file=sys.stderr)
    print(f"train: {x_train.shape[0]} rows x {x_train.shape[1]} features", flush=True)
    checks.check_folds(y_train, args.nfold, args.objective, args.train)
    if args.nfold:
        rounds, cv_summary = cross_validate(params, dtrain, args)
    else:
        rounds, cv_summary = args.num_round, None
        print(f"No cross-validation (nfold 0): training {rounds} rounds", flush=True)
    history: dict = {}
    booster = xgb.train(params, dtrain, num_boost_round=rounds, evals=evals,
                        evals_result=history, verbose_eval=False)  # fmt: skip
    final = {data: {m: float(v[-1]) for m, v in per.items()} for data, per in history.items()}
    # 5. The metric line: `[N]<TAB>train-auc:...<TAB>validation-auc:...`, full precision; the
    # regular expressions of SageMaker's metric definitions (and the tuning job) read it.
    cells = [f"{data}-{m}:{value!r}" for data, per in final.items() for m, value in per.items()]
    print(f"[{rounds - 1}]\t" + "\t".join(cells), flush=True)
    locations = ("train", "validation", "model_dir", "output_data_dir")
    hyperparameters = {k: v for k, v in vars(args).items() if k not in locations}
    metrics = {"rounds": rounds, "cross_validation": cv_summary, **final,
               "hyperparameters": hyperparameters}  # fmt: skip
    save(booster, metrics, history, args)
    return metrics


# 6. Saving: the model in XGBoost's JSON format (never pickle), the scores beside it
def save(booster: xgb.Booster, metrics: dict, history: dict, args: argparse.Namespace) -> None:
    model_dir = Path(args.model_dir)  # SageMaker packs this folder into model.tar.gz
    out_dir = Path(args.output_data_dir or args.model_dir)
    with checks.writing(model_dir, out_dir):
        model_dir.mkdir(parents=True, exist_ok=True)
        booster.save_model(str(model_dir / MODEL_FILE_NAME))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        (out_dir / "eval_history.json").write_text(json.dumps(history) + "\n")


# Serving: SageMaker's XGBoost serving stack calls these four functions for an endpoint
def model_fn(model_dir: str) -> xgb.Booster:
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
    return model.predict(input_data, validate_features=False)  # P(label 1)


def output_fn(prediction: np.ndarray, accept: str = "text/csv") -> tuple[str, str]:
    accept = (accept or "text/csv").split(";")[0].strip()
    if accept == "application/json":
        return json.dumps({"predictions": [float(p) for p in prediction]}), accept
    if accept in ("text/csv", "*/*"):
        return "\n".join(repr(float(p)) for p in prediction) + "\n", "text/csv"
    raise ValueError(
        f"accept type {accept!r} is not supported; ask for text/csv or application/json"
    )


def main(argv: list[str] | None = None) -> int:
    """Exit code 0; 1 with a one-line reason for a problem of the input (checks.run)."""
    return checks.run(lambda: train(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
