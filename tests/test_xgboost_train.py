"""The script-mode entry point: real training, the SageMaker contract, serving, bad input."""

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
import xgboost_train as script
from conftest import SCRIPT_DIR

SCRIPT = SCRIPT_DIR / "xgboost_train.py"
# SageMaker's predefined metric definition for the XGBoost image, applied to the log line as
# CloudWatch renders it (a TAB shows as #011), and the plain regex the lab's tuner used.
SAGEMAKER_REGEX = r".*\[[0-9]+\].*#011validation-auc:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"
PLAIN_REGEX = r"validation-auc:([0-9\.]+)"
FAST = ["--num_round", "40", "--eta", "0.3", "--nfold", "3", "--nthread", "2"]


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    code = script.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def data_args(bundled, train="train", validation="validation") -> list[str]:
    return ["--train", str(bundled[train]), "--validation", str(bundled[validation])]


# ---------------------------------------------------------------------------- real training


@pytest.fixture(scope="module")
def trained(bundled, tmp_path_factory) -> dict:
    """One real training run on the bundled data, shared by the tests that only read it."""
    model_dir = tmp_path_factory.mktemp("model")
    argv = data_args(bundled) + ["--model-dir", str(model_dir)] + FAST
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, check=False
    )
    return {"result": result, "model_dir": model_dir}


def test_trains_on_bundled_data_and_prints_parsable_scores(trained):
    result = trained["result"]
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 1
    cloudwatch = lines[0].replace("\t", "#011")
    auc_sm = float(re.match(SAGEMAKER_REGEX, cloudwatch).group(1))
    auc_plain = float(re.search(PLAIN_REGEX, lines[0]).group(1))
    assert auc_sm == auc_plain > 0.9
    # Full precision, not the 2 decimals of the original lab script.
    assert len(re.search(PLAIN_REGEX, lines[0]).group(1)) > 8
    assert re.search(r"train-auc:0\.9\d+", lines[0])
    metrics = json.loads((trained["model_dir"] / "metrics.json").read_text())
    assert metrics["validation"]["auc"] == auc_sm
    assert 1 <= metrics["rounds"] <= 40
    assert metrics["cross_validation"]["folds"] == 3


def test_model_is_native_json_and_serves_predictions(trained, bundled):
    model_path = trained["model_dir"] / script.MODEL_FILE_NAME
    assert model_path.read_bytes()[:1] == b"{"  # XGBoost JSON, not a pickle
    model = script.model_fn(str(trained["model_dir"]))
    rows = np.loadtxt(bundled["test"], delimiter=",", max_rows=5)
    body = "\n".join(",".join(f"{v:g}" for v in row[1:]) for row in rows)
    probabilities = script.predict_fn(script.input_fn(body.encode(), "text/csv"), model)
    assert probabilities.shape == (5,)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    expected = model.predict(xgb.DMatrix(rows[:, 1:]), validate_features=False)
    np.testing.assert_allclose(probabilities, expected)
    text, content_type = script.output_fn(probabilities, "text/csv")
    assert content_type == "text/csv" and len(text.splitlines()) == 5
    payload, content_type = script.output_fn(probabilities, "application/json")
    assert content_type == "application/json"
    assert len(json.loads(payload)["predictions"]) == 5
    with pytest.raises(ValueError, match="text/csv"):
        script.input_fn("1,2", "application/x-npy")


def test_sagemaker_contract_env_and_module_run(bundled, tmp_path):
    """As the 1.7-1 container runs it: `python -m xgboost_train --k v` from the code dir, data
    and output locations only in SM_* variables."""
    env = dict(
        os.environ,
        SM_CHANNEL_TRAIN=str(tmp_path / "train"),
        SM_CHANNEL_VALIDATION=str(tmp_path / "validation"),
        SM_MODEL_DIR=str(tmp_path / "model"),
        SM_OUTPUT_DATA_DIR=str(tmp_path / "output" / "data"),
        SM_OUTPUT_DIR=str(tmp_path / "output"),
    )
    for channel in ("train", "validation"):
        (tmp_path / channel).mkdir()
        (tmp_path / channel / f"{channel}.csv").write_bytes(bundled[channel].read_bytes())
        (tmp_path / channel / ".hidden").write_text("not,data\n")  # ignored
    args = ["--eta", "0.3", "--eval_metric", "auc,logloss", "--max_depth", "4"]
    args += ["--nfold", "3", "--num_round", "20"]
    result = subprocess.run(
        [sys.executable, "-m", "xgboost_train", *args],
        cwd=SCRIPT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model" / script.MODEL_FILE_NAME).is_file()
    metrics = json.loads((tmp_path / "output" / "data" / "metrics.json").read_text())
    assert set(metrics["validation"]) == {"auc", "logloss"}
    assert metrics["cross_validation"]["metric"] == "logloss"  # the last one drives CV
    assert not (tmp_path / "output" / "failure").exists()
    history = json.loads((tmp_path / "output" / "data" / "eval_history.json").read_text())
    assert len(history["validation"]["auc"]) == metrics["rounds"]


def test_nfold_0_trains_num_round_rounds_without_cross_validation(bundled, tmp_path, capsys):
    """The lab's original setting (5 rounds, no cross-validation) as Task 2's baseline."""
    model_dir = tmp_path / "model"
    argv = data_args(bundled) + ["--model-dir", model_dir, "--num_round", "5", "--nfold", "0"]
    code, out, err = run_main(argv + ["--early_stopping_rounds", "2", "--nthread", "2"], capsys)
    assert code == 0, err
    assert "No cross-validation (nfold 0): training 5 rounds" in out
    assert "cross-validation chose" not in out
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["rounds"] == 5 and metrics["cross_validation"] is None
    assert 0.8 < metrics["validation"]["auc"] < 0.92
    assert re.search(r"^\[4\]\ttrain-auc:", out, re.MULTILINE)


def test_header_row_and_named_label_column(bundled, tmp_path, capsys):
    """A header is detected; the label may be any column named `label`/`income`."""
    plain = tmp_path / "plain"
    code, out_plain, _ = run_main(data_args(bundled) + ["--model-dir", plain] + FAST, capsys)
    assert code == 0
    headers = tmp_path / "headers"
    argv = data_args(bundled, "train_wheaders", "validation_wheaders")
    code, out_headers, _ = run_main(argv + ["--model-dir", headers] + FAST, capsys)
    assert code == 0
    assert out_plain.splitlines()[-1] == out_headers.splitlines()[-1]
    booster = xgb.Booster(model_file=str(headers / script.MODEL_FILE_NAME))
    assert booster.feature_names[0] == "age"
    # Label moved to the last column and called `label`: same data, same model.
    moved = tmp_path / "moved.csv"
    lines = bundled["train_wheaders"].read_text().splitlines()
    rows = [line.split(",") for line in lines]
    rows[0][0] = "label"
    moved.write_text("\n".join(",".join(r[1:] + r[:1]) for r in rows) + "\n")
    code, out_moved, _ = run_main(
        ["--train", moved, "--validation", bundled["validation"], "--model-dir", tmp_path / "m"]
        + FAST,
        capsys,
    )
    assert code == 0
    assert out_moved.splitlines()[-1] == out_plain.splitlines()[-1]


def test_several_files_in_a_channel(bundled, tmp_path, capsys):
    lines = bundled["train"].read_text().splitlines(keepends=True)
    channel = tmp_path / "train"
    channel.mkdir()
    (channel / "part-1.csv").write_text("".join(lines[: len(lines) // 2]))
    (channel / "part-2").write_text("".join(lines[len(lines) // 2 :]))  # no extension: still read
    code, out, _ = run_main(
        ["--train", channel, "--validation", bundled["validation"], "--model-dir", tmp_path / "m"]
        + FAST,
        capsys,
    )
    assert code == 0
    assert f"train: {len(lines)} rows x 13 features" in out


@pytest.mark.parametrize("name", ["gamma", "min_child_weight"])
def test_gamma_and_min_child_weight_reach_xgboost(bundled, tmp_path, capsys, name):
    """The lab's original script accepted these and dropped them; here they change the model."""
    outputs = []
    for value in ("0", "40"):
        model_dir = tmp_path / value
        argv = data_args(bundled) + ["--model-dir", model_dir, "--num_round", "10"]
        argv += ["--nfold", "2", f"--{name}", value]
        assert run_main(argv, capsys)[0] == 0
        booster = xgb.Booster(model_file=str(model_dir / script.MODEL_FILE_NAME))
        nodes = sum(len(tree.splitlines()) for tree in booster.get_dump())
        outputs.append((booster.save_raw("json"), nodes))
    assert outputs[0][0] != outputs[1][0]
    # A large gamma / min_child_weight forbids splits: the trees get smaller.
    assert outputs[1][1] < outputs[0][1]


def test_lab_original_setting_underfits(bundled, tmp_path, capsys):
    """Defect 4 of the original lab: 5 rounds at eta 0.02 score well below a real fit."""
    argv = data_args(bundled) + ["--model-dir", tmp_path, "--num_round", "5", "--eta", "0.02"]
    argv += ["--max_depth", "7", "--subsample", "0.35", "--nfold", "3"]
    code, out, _ = run_main(argv, capsys)
    assert code == 0
    auc = float(re.search(PLAIN_REGEX, out).group(1))
    assert 0.85 < auc < 0.915


# ---------------------------------------------------------------------------- bad input


@pytest.fixture
def sm_output(tmp_path, monkeypatch) -> Path:
    """SM_OUTPUT_DIR, where the script leaves the failure reason for SageMaker."""
    out = tmp_path / "sm-output"
    monkeypatch.setenv("SM_OUTPUT_DIR", str(out))
    return out


def assert_fails(argv, capsys, sm_output, *fragments: str) -> str:
    code, _, err = run_main(argv, capsys)
    assert code == 1
    reason = err.strip()
    assert reason.startswith("error: ") and "\n" not in reason
    failure = (sm_output / "failure").read_text().strip()
    assert reason == f"error: {failure}"
    for fragment in fragments:
        assert fragment in failure, failure
    return failure


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def small_args(tmp_path, train_text: str, **extra) -> list:
    train = write(tmp_path / "train.csv", train_text)
    argv = ["--train", train, "--model-dir", tmp_path / "model", "--nfold", "2"]
    argv += ["--num_round", "2"]
    for key, value in extra.items():
        argv += [f"--{key}", value]
    return argv


GOOD_ROWS = "".join(f"{i % 2},{i},{i % 3}\n" for i in range(20))


def test_small_good_data_trains(tmp_path, capsys, sm_output):
    code, _, err = run_main(small_args(tmp_path, GOOD_ROWS), capsys)
    assert code == 0, err
    assert not (sm_output / "failure").exists()


def test_missing_channel(tmp_path, capsys, sm_output):
    argv = ["--train", tmp_path / "nope", "--model-dir", tmp_path / "m"]
    assert_fails(argv, capsys, sm_output, "train channel not found", str(tmp_path / "nope"))


def test_no_channel_at_all(tmp_path, capsys, sm_output, monkeypatch):
    monkeypatch.delenv("SM_CHANNEL_TRAIN", raising=False)
    argv = ["--model-dir", tmp_path / "m"]
    assert_fails(argv, capsys, sm_output, "--train", "SM_CHANNEL_TRAIN")


def test_empty_channel(tmp_path, capsys, sm_output):
    (tmp_path / "empty").mkdir()
    argv = ["--train", tmp_path / "empty", "--model-dir", tmp_path / "m"]
    assert_fails(argv, capsys, sm_output, "train channel is empty")
    (tmp_path / "empty" / "blank.csv").write_text("")
    assert_fails(argv, capsys, sm_output, "train channel has no data rows")


def test_non_numeric_feature(tmp_path, capsys, sm_output):
    text = GOOD_ROWS + "1,abc,2\n"
    assert_fails(small_args(tmp_path, text), capsys, sm_output, "line 21", "'abc'", "column 2")
    header = "income,age,job\n" + GOOD_ROWS + "0,3,clerk\n"
    assert_fails(small_args(tmp_path, header), capsys, sm_output, "line 22", "column 'job'")


def test_missing_label(tmp_path, capsys, sm_output):
    text = GOOD_ROWS + ",4,1\n"
    assert_fails(small_args(tmp_path, text), capsys, sm_output, "line 21", "label is missing")
    only_label = "".join(f"{i % 2}\n" for i in range(10))
    assert_fails(small_args(tmp_path, only_label), capsys, sm_output, "found 1 column")


def test_labels_outside_0_1(tmp_path, capsys, sm_output):
    text = GOOD_ROWS + "2,4,1\n"
    assert_fails(small_args(tmp_path, text), capsys, sm_output, "must be 0 or 1", "found 2")


def test_validation_with_other_columns(tmp_path, capsys, sm_output):
    argv = small_args(tmp_path, GOOD_ROWS)
    argv += ["--validation", write(tmp_path / "v.csv", "1,2\n0,3\n")]
    assert_fails(argv, capsys, sm_output, "validation data has 1 feature columns")


def test_unknown_hyperparameter(tmp_path, capsys, sm_output):
    argv = small_args(tmp_path, GOOD_ROWS) + ["--learning_rat", "0.1"]
    assert_fails(argv, capsys, sm_output, "unknown hyperparameter", "--learning_rat")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("eta", "0", "0 is not in (0, 1]"),
        ("eta", "1.5", "1.5 is not in (0, 1]"),
        ("eta", "fast", "'fast' is not a valid float"),
        ("subsample", "0", "0 is not in (0, 1]"),
        ("subsample", "1.2", "1.2 is not in (0, 1]"),
        ("max_depth", "-1", "-1 is not in [0, +inf)"),
        ("nfold", "1", "1 fold leaves nothing to test on"),
        ("nfold", "-1", "-1 is not in [0, +inf)"),
        ("num_round", "0", "0 is not in [1, +inf)"),
        ("num_round", "2.5", "'2.5' is not a valid int"),
        ("objective", "multi:softmax", "is not one of"),
        ("eval_metric", "accuracy", "'accuracy' is not a supported metric"),
        ("gamma", "nan", "not a finite number"),
    ],
)
def test_out_of_range_hyperparameters(tmp_path, capsys, sm_output, name, value, expected):
    argv = small_args(tmp_path, GOOD_ROWS, **{name: value})
    failure = assert_fails(argv, capsys, sm_output, f"--{name}", expected)
    assert not (tmp_path / "model").exists()  # nothing half-written
    assert failure


@pytest.mark.parametrize(
    ("text", "extra", "expected"),
    [
        (GOOD_ROWS + "1,0,0,7\n", {}, "line 21: 4 cells, but the first line has 3"),
        (GOOD_ROWS + "1\n", {}, "line 21: 1 cells, but the first line has 3"),
        (GOOD_ROWS + "1,1e308,0\n", {}, "line 21, column 2: '1e308' is too large"),
        (GOOD_ROWS + "1,-inf,0\n", {}, "line 21, column 2: '-inf' is too large"),
        ("1 1:0.5 2:1\n" * 20, {}, "looks like LIBSVM"),
        (GOOD_ROWS[:24], {"nfold": "9"}, "--nfold 9 is more than the 4 rows"),
        ("0,1,2\n" * 20, {}, "0 row(s) with label 1, fewer than --nfold 2"),
    ],
)
def test_input_problems_name_file_and_line(tmp_path, capsys, sm_output, text, extra, expected):
    assert failure_of(small_args(tmp_path, text, **extra), capsys, sm_output) == 1
    reason = (sm_output / "failure").read_text().strip()
    assert "train.csv" in reason and expected in reason, reason
    assert "\n" not in reason and len(reason) < 400


def failure_of(argv, capsys, sm_output) -> int:
    """The exit code; its reason is in the failure file (stderr also has notes before it)."""
    code, _, err = run_main(argv, capsys)
    assert err.strip().splitlines()[-1] == "error: " + (sm_output / "failure").read_text().strip()
    return code


def test_a_byte_order_mark_and_missing_values_are_data_not_problems(tmp_path, capsys, sm_output):
    text = "\ufeff" + GOOD_ROWS.replace("0,3,0", "0,NaN,0").replace("1,5,2", "1,NA,")
    code, out, err = run_main(small_args(tmp_path, text), capsys)
    assert code == 0, err
    assert "train: 20 rows x 2 features" in out  # the first row is data, not a header


def test_unwritable_model_dir_is_named(tmp_path, capsys, sm_output):
    argv = small_args(tmp_path, GOOD_ROWS)
    argv[argv.index("--model-dir") + 1] = "/proc/no-such-dir/model"
    assert failure_of(argv, capsys, sm_output) == 1
    reason = (sm_output / "failure").read_text()
    assert "cannot write the model or metrics to /proc/no-such-dir/model" in reason


def test_an_unexpected_error_is_one_line_with_its_place(tmp_path, capsys, sm_output, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(script, "cross_validate", broken)
    code, _, err = run_main(small_args(tmp_path, GOOD_ROWS), capsys)
    assert code == 2
    reason = (sm_output / "failure").read_text().strip()
    assert reason.startswith("unexpected error: RuntimeError: boom (test_xgboost_train.py, line")
    assert "Traceback" in err and "\n" not in reason  # the traceback goes to the log only


def test_xgboost_errors_lose_their_stack_trace():
    error = xgb.core.XGBoostError(
        "[10:01:02] /src/data.cc:123: Check failed: valid: Input data contains `inf`\n"
        "Stack trace:\n  [bt] (0) /lib/libxgboost.so(+0x1) [0x1]\n"
    )
    assert checks.xgboost_message(error) == "valid: Input data contains `inf`"


def test_cli_failure_is_one_line_and_exit_code_1(tmp_path):
    env = dict(os.environ, SM_OUTPUT_DIR=str(tmp_path / "out"))
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--train", str(tmp_path / "missing"), "--model-dir", "m"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "failure").read_text().strip() in result.stderr


# ---------------------------------------------------------------------------- XGBoost 1.7


@pytest.mark.slow
def test_runs_under_xgboost_1_7(xgb17_python, bundled, tmp_path):
    version = subprocess.run(
        [str(xgb17_python), "-c", "import xgboost; print(xgboost.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "1.7.6"
    argv = data_args(bundled) + ["--model-dir", str(tmp_path)] + FAST
    result = subprocess.run(
        [str(xgb17_python), str(SCRIPT), *argv], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    auc = float(re.search(PLAIN_REGEX, result.stdout).group(1))
    assert auc > 0.9
    # The 1.7 model is read by the current XGBoost, and the other way round.
    booster = xgb.Booster(model_file=str(tmp_path / script.MODEL_FILE_NAME))
    assert booster.num_boosted_rounds() >= 1
    check = "import xgboost_train as s; print(s.model_fn(__import__('sys').argv[1]).num_features())"
    served = subprocess.run(
        [str(xgb17_python), "-c", check, str(tmp_path)],
        cwd=SCRIPT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert served.stdout.strip() == "13"
