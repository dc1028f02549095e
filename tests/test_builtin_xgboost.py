"""The local built-in XGBoost algorithm: log format, model format, early stopping, failures.

Each test builds a small job root with the container layout (`input/config`, `input/data`)
around tiny seeded CSVs and runs the algorithm in-process (`main([...])`), except the runs
through `python -m localsm.builtin`, the way the job runner starts it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

import checks
from localsm import metrics
from localsm.builtin import UserError
from localsm.builtin import train as training
from localsm.builtin.__main__ import main
from localsm.builtin.channels import content_format
from localsm.builtin.hyperparameters import METRICS, validate_hyperparameters
from localsm.builtin.metrics import CONTAINER_METRICS, container_metric

CODE = Path(__file__).resolve().parent.parent / "code"
ROUND_LINE = re.compile(r"^\[\d+\]\ttrain-logloss:\d\.\d{5}\tvalidation-logloss:\d\.\d{5}$")
# SageMaker's predefined metric definition for `validation:auc` on the XGBoost image.
SAGEMAKER_AUC = re.compile(
    r".*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"
)
BASE = {"objective": "binary:logistic", "num_round": "5", "max_depth": "3"}
CSV = "text/csv"


def synthetic(rows: int = 200, features: int = 3, seed: int = 0, noise_labels: bool = False):
    """Features and a binary label that depends on the first feature (or on nothing)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features))
    signal = rng.normal(size=rows) if noise_labels else x[:, 0] + 0.5 * rng.normal(size=rows)
    return x, (signal > 0).astype(int)


def csv_text(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> str:
    columns = [y[:, None]] + ([weights[:, None]] if weights is not None else []) + [x]
    table = np.hstack(columns)
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in table)


def make_root(
    tmp_path: Path,
    hyperparameters: dict | None = None,
    data: dict[str, str | bytes | dict[str, str] | None] | None = None,
    content_type: str | None = CSV,
) -> Path:
    """A job root; `data` maps channel -> file text, {file name: text}, or None (no folder)."""
    root = tmp_path / "ml"
    if data is None:
        data = {"train": csv_text(*synthetic(seed=0)), "validation": csv_text(*synthetic(seed=1))}
    config = {}
    for channel, content in data.items():
        folder = root / "input" / "data" / channel
        if content is not None:
            folder.mkdir(parents=True, exist_ok=True)
            files = content if isinstance(content, dict) else {f"{channel}.csv": content}
            for name, text in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                if isinstance(text, bytes):
                    (folder / name).write_bytes(text)
                else:
                    (folder / name).write_text(text)
        settings = {
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
        if content_type is not None:
            settings["ContentType"] = content_type
        config[channel] = settings
    (root / "input" / "config").mkdir(parents=True, exist_ok=True)
    hps = BASE if hyperparameters is None else hyperparameters
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hps))
    (root / "input" / "config" / "inputdataconfig.json").write_text(json.dumps(config))
    return root


def run(root: Path, capsys) -> tuple[int, list[str]]:
    code = main([str(root)])
    return code, capsys.readouterr().out.splitlines()


def train_ok(tmp_path: Path, capsys, hyperparameters: dict, data=None) -> tuple[Path, list[str]]:
    """A job that must succeed: its root and what it printed."""
    root = make_root(tmp_path, hyperparameters, data)
    code, lines = run(root, capsys)
    assert code == 0, lines
    return root, lines


def rounds(lines: list[str]) -> list[str]:
    return [line for line in lines if re.match(r"^\[\d+\]", line)]


def history(root: Path) -> dict:
    return json.loads((root / "output" / "data" / "eval_history.json").read_text())


def failure(root: Path) -> str:
    return (root / "output" / "failure").read_text()


def assert_nothing_in_model(root: Path) -> None:
    model = root / "model"
    assert not model.exists() or not any(model.iterdir())
    assert not list(root.glob(".*partial*"))


# ---------------------------------------------------------------------------------------------
# Success
# ---------------------------------------------------------------------------------------------


def test_trains_prints_xgboost_round_lines_and_writes_ubj_model(tmp_path, capsys):
    root = make_root(tmp_path)
    code, lines = run(root, capsys)
    assert code == 0
    metric_lines = rounds(lines)
    assert len(metric_lines) == 5
    assert all(ROUND_LINE.match(line) for line in metric_lines), metric_lines
    assert [line.split("\t")[0] for line in metric_lines] == [f"[{i}]" for i in range(5)]
    # setup lines never look like metric lines (no TAB, no bare [N])
    assert all("\t" not in line for line in lines if line not in metric_lines)
    assert not (root / "output" / "failure").exists()

    path = root / "model" / "xgboost-model"
    head = path.read_bytes()[:16]
    assert head[:1] == b"{" and head[1:2] != b'"'  # UBJSON object, not JSON text
    assert not head.startswith(b"binf") and head[0] != 0x80  # not legacy binary, not pickle
    booster = xgb.Booster(model_file=str(path))
    assert booster.num_boosted_rounds() == 5
    assert booster.num_features() == 3
    assert booster.feature_names is None  # no header: XGBoost calls them f0, f1, ...
    assert [p.name for p in (root / "model").iterdir()] == ["xgboost-model"]

    saved = history(root)
    assert saved["evals_result"]["train"].keys() == {"logloss"}
    assert len(saved["evals_result"]["validation"]["logloss"]) == 5
    assert saved["metrics"] == ["logloss"]  # XGBoost's default for binary:logistic
    assert saved["objective"] == "binary:logistic"
    assert saved["num_features"] == 3
    assert saved["hyperparameters"] == {
        "objective": "binary:logistic", "num_round": 5, "max_depth": 3,
    }  # fmt: skip
    assert saved["best_iteration"] is None and saved["early_stopping"] is None


def run_process(root: Path, *python_options: str) -> subprocess.CompletedProcess:
    """`python -u -m localsm.builtin <root>` with cwd = root and PYTHONPATH = code/."""
    env = dict(os.environ, PYTHONPATH=str(CODE), OMP_NUM_THREADS="2")
    return subprocess.run(
        [sys.executable, *python_options, "-u", "-m", "localsm.builtin", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_runs_as_a_process_the_way_the_job_runner_starts_it(tmp_path):
    hps = BASE | {"eval_metric": "logloss", "_tuning_objective_metric": "validation:auc"}
    root = make_root(tmp_path, hps)
    done = run_process(root)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = rounds(done.stdout.splitlines())
    assert len(lines) == 5
    # The tuning objective's metric is evaluated too, last; CloudWatch shows TAB as #011.
    assert [field.split(":")[0] for field in lines[0].split("\t")[1:]] == [
        "train-logloss", "train-auc", "validation-logloss", "validation-auc",
    ]  # fmt: skip
    values = [SAGEMAKER_AUC.match(line.replace("\t", "#011")) for line in lines]
    assert all(values) and 0.5 < float(values[-1].group(1)) <= 1.0
    assert history(root)["metrics"] == ["logloss", "auc"]
    assert (root / "model" / "xgboost-model").is_file()


def test_process_imports_neither_the_sdk_nor_sklearn_nor_pandas(tmp_path):
    """They would add seconds to every job's start: the entry keeps to NumPy and XGBoost."""
    root = make_root(tmp_path, BASE | {"num_round": "1"})
    done = run_process(root, "-X", "importtime")
    assert done.returncode == 0, done.stdout + done.stderr
    imported = [
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "localsm.builtin.train" in imported and "xgboost" in imported
    # A blocked import (None in sys.modules) still gets a line, but never a submodule.
    for package in ("sagemaker", "boto3", "botocore", "sklearn", "pandas"):
        assert not [name for name in imported if name.startswith(package + ".")], package
    assert not {"sagemaker", "boto3", "botocore"} & set(imported)
    service = [n for n in imported if n.startswith("localsm.") and "builtin" not in n]
    # The metric table and the import-free helpers (utils), nothing of the service.
    assert sorted(service) == ["localsm.metrics", "localsm.utils"]


def test_early_stopping_cuts_the_model_back_to_the_best_round(tmp_path, capsys):
    # validation labels are noise: validation logloss gets worse after a few rounds
    data = {
        "train": csv_text(*synthetic(seed=0)),
        "validation": csv_text(*synthetic(seed=1, noise_labels=True)),
    }
    hps = BASE | {"num_round": "300", "max_depth": "6", "eta": "0.5", "early_stopping_rounds": "3"}
    root = make_root(tmp_path, hps, data)
    code, lines = run(root, capsys)
    assert code == 0
    saved = history(root)
    trained, best = saved["rounds_trained"], saved["best_iteration"]
    assert trained < 300 and trained == best + 4  # stopped 3 rounds after the best
    assert len(rounds(lines)) == trained  # every round trained is printed ...
    assert len(saved["evals_result"]["validation"]["logloss"]) == trained  # ... and kept
    validation = saved["evals_result"]["validation"]["logloss"]
    assert saved["best_score"] == pytest.approx(min(validation))
    booster = xgb.Booster(model_file=str(root / "model" / "xgboost-model"))
    assert booster.num_boosted_rounds() == best + 1
    assert saved["model_rounds"] == best + 1
    assert saved["early_stopping"]["metric"] == "logloss"  # XGBoost's default metric


def test_early_stopping_without_validation_warns_and_trains_every_round(tmp_path, capsys):
    data = {"train": csv_text(*synthetic())}
    root = make_root(tmp_path, BASE | {"num_round": "8", "early_stopping_rounds": "2"}, data)
    code, lines = run(root, capsys)
    assert code == 0
    assert any("no validation channel" in line for line in lines)
    metric_lines = rounds(lines)
    assert len(metric_lines) == 8 and "validation-" not in "".join(metric_lines)
    assert history(root)["best_iteration"] is None


def test_tuning_objective_metric_drives_early_stopping(tmp_path, capsys):
    hps = BASE | {
        "num_round": "50",
        "eval_metric": "auc,logloss",
        "early_stopping_rounds": "2",
        "_tuning_objective_metric": "validation:accuracy",
    }
    root, lines = train_ok(tmp_path, capsys, hps)
    saved = history(root)
    assert saved["metrics"] == ["auc", "logloss", "accuracy"]
    assert saved["early_stopping"] == {
        "rounds": 2, "data": "validation", "metric": "accuracy", "maximize": True,
    }  # fmt: skip
    accuracy = saved["evals_result"]["validation"]["accuracy"]
    assert saved["best_score"] == pytest.approx(max(accuracy))
    assert rounds(lines)[0].endswith(f"validation-accuracy:{accuracy[0]:.5f}")


def test_aliases_json_quoted_values_and_sdk_keys(tmp_path, capsys):
    hps = {
        "objective": '"binary:logistic"',  # the framework estimator JSON-quotes strings
        "num_round": "3",
        "learning_rate": "0.1",
        "reg_lambda": "2",
        "reg_alpha": "0.5",
        "min_split_loss": "1",
        "sagemaker_container_log_level": "20",
        "sagemaker_region": '"us-east-1"',
    }
    root, _ = train_ok(tmp_path, capsys, hps)
    params = history(root)["xgboost_params"]
    assert params == {
        "objective": "binary:logistic", "eta": 0.1, "lambda": 2.0, "alpha": 0.5, "gamma": 1.0,
    }  # fmt: skip


def test_csv_weights_reads_the_second_column_as_weights(tmp_path, capsys):
    x, y = synthetic()
    weights = np.where(y == 1, 5.0, 1.0)
    data = {"train": csv_text(x, y, weights), "validation": csv_text(x, y, weights)}
    root = make_root(tmp_path, BASE | {"csv_weights": "1"}, data)
    code, lines = run(root, capsys)
    assert code == 0
    assert history(root)["num_features"] == 3
    assert any("with instance weights" in line for line in lines)
    unweighted = make_root(tmp_path / "b", BASE, {"train": csv_text(x, y)})
    assert run(unweighted, capsys)[0] == 0
    weighted_loss = history(root)["evals_result"]["train"]["logloss"]
    assert weighted_loss != history(unweighted)["evals_result"]["train"]["logloss"]


def test_libsvm_is_the_default_content_type_and_reads_every_file(tmp_path, capsys):
    x, y = synthetic()

    def libsvm(rows: slice) -> str:
        return "".join(
            f"{label} " + " ".join(f"{j}:{v:g}" for j, v in enumerate(row)) + "\n"
            for label, row in zip(y[rows], x[rows], strict=True)
        )

    data = {
        "train": {"part-0": libsvm(slice(0, 120)), "sub/part-1": libsvm(slice(120, 160))},
        "validation": {"val": libsvm(slice(160, 200))},
    }
    root = make_root(tmp_path, BASE, data, content_type=None)
    code, lines = run(root, capsys)
    assert code == 0, lines
    saved = history(root)
    assert saved["num_rows"] == {"train": 160, "validation": 40}
    assert saved["num_features"] == 3 and saved["data_formats"]["train"] == "libsvm"


def test_csv_missing_values_and_quotes(tmp_path, capsys):
    lines = GOOD.splitlines()
    lines[4] = "0,,NA,0.5"  # empty and NA cells are missing values for XGBoost
    lines[6] = '1,"0.5",1,2'  # quoted numbers are numbers
    root = make_root(tmp_path, BASE, {"train": "\n".join(lines) + "\n\n"})  # and a blank line
    code, _ = run(root, capsys)
    assert code == 0
    assert history(root)["num_rows"] == {"train": 200}


def test_validation_without_content_type_is_read_like_train(tmp_path, capsys):
    root = make_root(tmp_path)
    config_path = root / "input" / "config" / "inputdataconfig.json"
    config = json.loads(config_path.read_text())
    del config["validation"]["ContentType"]  # e.g. a plain S3 URI next to a TrainingInput
    config_path.write_text(json.dumps(config))
    code, _ = run(root, capsys)
    assert code == 0
    assert history(root)["data_formats"] == {"train": "csv", "validation": "csv"}


def test_parquet_channel(tmp_path, capsys):
    import pandas as pd

    root = make_root(tmp_path, BASE, {"train": "placeholder"}, "application/x-parquet")
    folder = root / "input" / "data" / "train"
    (folder / "train.csv").unlink()
    x, y = synthetic()
    frame = pd.DataFrame(np.column_stack([y, x]), columns=["label", "a", "b", "c"])
    frame.to_parquet(folder / "part.parquet")
    code, _ = run(root, capsys)
    assert code == 0
    assert history(root)["num_features"] == 3


def test_multiclass_with_container_metrics(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    y = np.digitize(x[:, 0], [-0.5, 0.5])
    data = {"train": csv_text(x, y), "validation": csv_text(x, y)}
    hps = {"objective": "multi:softprob", "num_class": "3", "num_round": "3",
           "eval_metric": "mlogloss,f1,balanced_accuracy"}  # fmt: skip
    root = make_root(tmp_path, hps, data)
    code, lines = run(root, capsys)
    assert code == 0, lines
    assert history(root)["metrics"] == ["mlogloss", "f1", "balanced_accuracy"]
    assert 0.5 < history(root)["evals_result"]["validation"]["f1"][-1] <= 1.0


def test_container_metrics_match_their_definitions():
    labels = np.array([0, 0, 1, 1, 1, 2], dtype=float)
    predicted = np.array([0, 1, 1, 1, 2, 2], dtype=float)
    probabilities = np.eye(3)[predicted.astype(int)]
    metric = container_metric
    assert metric("accuracy", labels, probabilities, "multi:softprob") == pytest.approx(4 / 6)
    # per class precision 1, 2/3, 1/2; recall 1/2, 2/3, 1
    assert metric("precision_macro", labels, probabilities, "multi:softprob") == pytest.approx(
        (1 + 2 / 3 + 1 / 2) / 3
    )
    assert metric("balanced_accuracy", labels, predicted, "multi:softmax") == pytest.approx(
        (1 / 2 + 2 / 3 + 1) / 3
    )
    f1 = [2 * 1 / (2 + 1), 2 * 2 / (3 + 3), 2 * 1 / (2 + 1)]
    assert metric("f1", labels, probabilities, "multi:softprob") == pytest.approx(np.mean(f1))
    binary, scores = np.array([0, 1, 1, 0.0]), np.array([0.2, 0.9, 0.4, 0.7])
    assert metric("precision", binary, scores, "binary:logistic") == pytest.approx(1 / 2)
    assert metric("recall", binary, scores, "binary:logistic") == pytest.approx(1 / 2)
    assert metric("accuracy", binary, np.log(scores / (1 - scores)), "binary:logitraw") == 0.5
    assert metric("r2", binary, binary, "reg:squarederror") == 1.0
    assert metric("mse", binary, scores, "reg:squarederror") == pytest.approx(
        (0.04 + 0.01 + 0.36 + 0.49) / 4
    )


def test_one_metric_table_serves_the_builtin_and_the_script():
    """Names and directions live in localsm.metrics; the uploaded checks.py keeps a checked copy."""
    assert set(CONTAINER_METRICS) <= set(metrics.XGBOOST_METRICS)
    assert METRICS == tuple(metrics.XGBOOST_METRICS)
    assert set(metrics.XGBOOST_METRICS.values()) == {metrics.MAXIMIZE, metrics.MINIMIZE}
    assert metrics.is_maximized("ndcg@5") and metrics.is_maximized("validation:f1_macro")
    assert not metrics.is_maximized("logloss") and not metrics.is_maximized("error@0.6")
    assert set(checks.EVAL_METRICS) <= set(metrics.XGBOOST_METRICS)
    assert set(checks.MAXIMIZED_METRICS) <= set(checks.EVAL_METRICS)
    for metric in checks.EVAL_METRICS:
        assert (metric in checks.MAXIMIZED_METRICS) == metrics.is_maximized(metric), metric
    # Both read the same cells as missing values (the script folder keeps its own copy).
    from localsm.builtin.data import MISSING_TOKENS

    assert checks.MISSING_TOKENS == MISSING_TOKENS


def test_validation_unit_rules():
    hps = validate_hyperparameters(
        {
            "num_round": "10",
            "eval_metric": "error@0.6, ndcg@5",
            "monotone_constraints": "(1,0,-1)",
            "tree_method": "hist",
            "updater": "grow_colmaker,prune",
        }  # fmt: skip
    )
    assert hps["eval_metric"] == ["error@0.6", "ndcg@5"]
    params = training.plan_training(hps).params
    assert params["monotone_constraints"] == "(1,0,-1)"
    assert params["updater"] == "grow_colmaker,prune"
    assert content_format(None) == "libsvm"
    assert content_format("CSV; charset=utf-8") == "csv"
    assert content_format("text/x-libsvm") == "libsvm"
    with pytest.raises(UserError, match="label_size must be equal to 1"):
        content_format("text/csv;label_size=2")
    with pytest.raises(UserError, match="customized threshold"):
        validate_hyperparameters({"num_round": "1", "eval_metric": "auc@2"})
    with pytest.raises(UserError, match="eta and learning_rate are the same"):
        validate_hyperparameters({"num_round": "1", "eta": "0.1", "learning_rate": "0.2"})


# ---------------------------------------------------------------------------------------------
# Failures: exact message in output/failure, exit code 1, nothing in model/
# ---------------------------------------------------------------------------------------------

X3, Y3 = synthetic()
GOOD = csv_text(X3, Y3)
HEADER = "label,a,b,c\n" + GOOD
TEXT_VALUE = GOOD.replace(GOOD.splitlines()[2], "1,abc,2,3", 1)
BAD_LABEL = "2,0.1,0.2,0.3\n" + GOOD
FOUR_FEATURES = csv_text(*synthetic(features=4))
NO_TRAIN = {"validation": GOOD}

FAILURES = [
    # (id, hyperparameters, data, content type, message)
    ("no num_round", {"objective": "binary:logistic"}, None, CSV,
     "Missing required hyperparameter: num_round"),
    ("bad num_round", BASE | {"num_round": "ten"}, None, CSV,
     "Hyperparameter num_round: could not parse value"),
    ("float num_round", BASE | {"num_round": "2.5"}, None, CSV,
     "Hyperparameter num_round: could not parse value"),
    ("zero num_round", BASE | {"num_round": "0"}, None, CSV,
     "Hyperparameter num_round: 0 is not in [1, +inf)"),
    ("eta range", BASE | {"eta": "1.5"}, None, CSV, "Hyperparameter eta: 1.5 is not in [0, 1]"),
    ("subsample range", BASE | {"subsample": "0"}, None, CSV,
     "Hyperparameter subsample: 0.0 is not in (0, 1]"),
    ("unknown", BASE | {"foo": "1"}, None, CSV, "Extraneous hyperparameter found: foo"),
    ("booster", BASE | {"booster": "x"}, None, CSV,
     "Hyperparameter booster: x is not in ['gbtree', 'gblinear', 'dart']"),
    ("multi without num_class", {"objective": "multi:softmax", "num_round": "2"}, None, CSV,
     "Require input for parameter 'num_class' for multi-classification"),
    ("auc with regression", {"objective": "reg:squarederror", "num_round": "2",
                             "eval_metric": "auc"}, None, CSV,
     "Metric 'auc' can only be applied for classification and ranking problems."),
    ("unknown metric", BASE | {"eval_metric": "nope"}, None, CSV,
     "Hyperparameter eval_metric: value nope not in range"),
    # the container's Categorical range for it: validation:<metric> names only
    # (aws/sagemaker-xgboost-container 1.7-1, algorithm_mode/hyperparameter_validation.py)
    ("tuning metric form", BASE | {"_tuning_objective_metric": "auc"}, None, CSV,
     "Hyperparameter _tuning_objective_metric: auc is not in ['validation:accuracy', "),
    ("missing train", BASE, NO_TRAIN, CSV, "Missing required channel: train"),
    ("extraneous channel", BASE, {"train": GOOD, "test": GOOD}, CSV,
     "Extraneous channel found: test"),
    ("empty channel", BASE, {"train": {"empty.csv": ""}}, CSV, "No data in training channel path "),
    ("channel folder missing", BASE, {"train": None}, CSV, "No data in training channel path "),
    ("hidden file", BASE, {"train": {"train.csv": GOOD, "sub/.DS_Store": "x"}}, CSV,
     "Hidden file found in the data path! Remove that before training. (train/sub/.DS_Store)"),
    ("hidden folder", BASE, {"train": {"train.csv": GOOD, ".ipynb_checkpoints/a.csv": GOOD}},
     CSV, "Hidden file found in the data path! Remove that before training. "
     "(train/.ipynb_checkpoints/a.csv)"),
    ("header row", BASE, {"train": HEADER}, CSV,
     "CSV file train/train.csv: line 1 looks like a header row (column 1 is 'label', not a "
     "number). The built-in XGBoost algorithm reads CSV without a header row, the label in the "
     "first column"),
    ("text value", BASE, {"train": TEXT_VALUE}, CSV,
     "CSV file train/train.csv, line 3, column 2: 'abc' is not a number."),
    ("infinite value", BASE, {"train": GOOD + "1,inf,0,0\n"}, CSV,
     "Channel train: on row 201 of train/train.csv, column 2 is inf: XGBoost stores values as "
     "32-bit floats"),
    ("beyond float32", BASE, {"train": GOOD + "1,0,1e308,0\n"}, CSV,
     "Channel train: on row 201 of train/train.csv, column 3 is 1e+308: XGBoost stores values "
     "as 32-bit floats (at most 3.4e+38 in size). Rescale that column"),
    ("label beyond float32", {"objective": "reg:squarederror", "num_round": "2"},
     {"train": GOOD + "1e300,0,1,0\n"}, CSV,
     "Channel train: on row 201 of train/train.csv, the label is 1e+300"),
    ("libsvm beyond float32", BASE, {"train": "1 1:1e300 2:1\n0 1:0.5\n"}, None,
     "LIBSVM file train/train.csv, line 1: 1e300 is too large: XGBoost stores values as "
     "32-bit floats"),
    ("empty file named", BASE, {"train": {"a.csv": "\n\n"}}, CSV,
     "No data in training channel path train/: train/a.csv hold no data rows"),
    ("binary file", BASE, {"train": "\x00\x01garbage"}, CSV,
     "CSV file train/train.csv is not a UTF-8 text file: it holds NUL bytes"),
    ("latin-1 file", BASE, {"train": b"1,0,0,0\n" * 3 + b"1,caf\xe9,0,0\n"}, CSV,
     "CSV file train/train.csv is not a UTF-8 text file: byte 0xe9 at offset 29 is not UTF-8"),
    ("latin-1 far down", BASE, {"train": GOOD.encode() * 3 + b"1,caf\xe9,0,0\n"}, CSV,
     "CSV file train/train.csv, line 601: not readable as UTF-8 text"),
    ("bom on libsvm", BASE, {"train": "\ufeff1 1:1\n0 1:0\n"}, None,
     "LIBSVM file train/train.csv starts with a UTF-8 byte-order mark"),
    ("ragged line", BASE, {"train": GOOD + "1,0,0,0,5\n"}, CSV,
     "CSV file train/train.csv, line 201 has 5 columns, the first line has 4"),
    ("label outside 0/1", BASE, {"train": BAD_LABEL}, CSV,
     "Channel train: label 2 on row 1 of train/train.csv is not 0 or 1 (objective "
     "binary:logistic)"),
    ("multi label", {"objective": "multi:softmax", "num_class": "2", "num_round": "2"},
     {"train": BAD_LABEL}, CSV, "Channel train: label 2 on row 1 of train/train.csv is not an "
     "integer in [0, 2)"),
    ("content type", BASE, None, "application/json",
     "application/json is not an accepted ContentType: csv, libsvm, parquet"),
    ("recordio", BASE, None, "application/x-recordio-protobuf",
     "ContentType application/x-recordio-protobuf (RecordIO-protobuf) is not supported by the "
     "local built-in XGBoost algorithm"),
    ("csv sent as libsvm", BASE, None, None, "First line '"),
    ("feature counts", BASE, {"train": GOOD, "validation": FOUR_FEATURES}, CSV,
     "Channel train has 3 feature columns (train/train.csv) but channel validation has 4 "
     "(validation/validation.csv)"),
    ("negative weight", BASE | {"csv_weights": "1"},
     {"train": csv_text(X3, Y3, np.where(Y3 == 1, -1.0, 1.0))}, CSV,
     "Channel train: instance weight -1 on row 3 of train/train.csv is not a non-negative"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("hyperparameters", "data", "content_type", "message"),
    [case[1:] for case in FAILURES],
    ids=[case[0] for case in FAILURES],
)
def test_client_errors(tmp_path, capsys, hyperparameters, data, content_type, message):
    root = make_root(tmp_path, hyperparameters, data, content_type)
    code, lines = run(root, capsys)
    assert code == 1
    text = failure(root)
    assert text.startswith("ClientError: " + message), text
    assert "\n" not in text  # one line
    assert lines[-1] == text  # also in the log
    assert_nothing_in_model(root)
    assert not rounds(lines)


def test_unexpected_exception_is_an_algorithm_error(tmp_path, capsys, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(training, "fit", broken)
    root = make_root(tmp_path)
    assert main([str(root)]) == 2
    text = failure(root)
    # One line that says what and where; the traceback goes to the log (stderr), not here.
    assert text.startswith("AlgorithmError: framework error: RuntimeError: boom (")
    assert "test_builtin_xgboost.py, line" in text and "\n" not in text and len(text) < 400
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    assert_nothing_in_model(root)


def test_model_is_never_half_written(tmp_path, capsys, monkeypatch):
    def save_then_fail(self, path):
        Path(path).write_bytes(b"{partial")
        raise OSError("disk full")

    monkeypatch.setattr(xgb.Booster, "save_model", save_then_fail)
    root = make_root(tmp_path)
    assert main([str(root)]) == 2
    assert "disk full" in failure(root)
    assert_nothing_in_model(root)
