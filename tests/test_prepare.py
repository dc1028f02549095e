"""dataset/prepare.py: the committed CSVs are reproducible and show every preparation step."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import prepare

DATASET = Path(__file__).resolve().parent.parent / "dataset"

SPLITS = ("train", "validation", "test")
HEADER = (
    "age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,"
    "race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"
)
GOOD_ROWS = (
    "25,Private,226802,11th,7,Never-married,Machine-op-inspct,Own-child,Black,Male,"
    "0,0,40,United-States,<=50K",
    "38,Private,89814,HS-grad,9,Married-civ-spouse,Farming-fishing,Husband,White,Male,"
    "0,0,50,United-States,>50K.",
    "28, Local-gov,336951, Assoc-acdm,12,Married-civ-spouse,Protective-serv,Husband,White,"
    "Female,0,0,40,United-States, <=50K ",
)


def write_raw(path: Path, rows: tuple[str, ...] | list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DATASET / "prepare.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The six files written again by the CLI from dataset/adult.csv, and what it printed.

    It runs from another folder: the default raw file is found next to the script.
    """
    out = tmp_path_factory.mktemp("regenerated")
    result = run_cli("--output-dir", str(out / "files"), cwd=out)
    assert result.returncode == 0, result.stderr
    return out / "files", result.stdout


@pytest.fixture(scope="module")
def committed() -> dict[str, pd.DataFrame]:
    """The committed `_wheaders` splits as DataFrames."""
    return {
        s: pd.read_csv(DATASET / f"adult_data_processed_{s}_wheaders.csv", dtype="int64")
        for s in SPLITS
    }


# --------------------------------------------------------------------------- reproducible


def test_regenerated_files_are_byte_identical(regenerated: tuple[Path, str]) -> None:
    out, _ = regenerated
    for split in SPLITS:
        for name in (
            f"adult_data_processed_{split}.csv",
            f"adult_data_processed_{split}_wheaders.csv",
        ):
            fresh, kept = (out / name).read_bytes(), (DATASET / name).read_bytes()
            assert fresh == kept, f"{name} differs from a fresh run of dataset/prepare.py"
            assert b"\r" not in kept


def test_cli_reports_steps_and_splits(regenerated: tuple[Path, str], committed: dict) -> None:
    _, stdout = regenerated
    assert "48842 rows" in stdout
    step_names = [f.__name__ for f in prepare.CLEANING_STEPS] + ["split_data"]
    step_lines = [line.split() for line in stdout.splitlines() if line.startswith("  ")]
    step_lines = [fields for fields in step_lines if len(fields) > 1 and fields[1] in step_names]
    assert [fields[1] for fields in step_lines] == step_names
    removed = sum(int(fields[2]) for fields in step_lines)
    total = sum(len(df) for df in committed.values())
    assert 48_842 - removed == total == int(step_lines[-1][-1])
    for split, df in committed.items():
        assert f"{len(df)} rows" in stdout
        assert f"{split}" in stdout
    assert stdout.count("positive rate") == 3


# --------------------------------------------------------------------------- the steps, visible


def test_header_files_have_exact_columns() -> None:
    expected = (
        "income,age,workclass,education,education_num,marital_status,occupation,relationship,"
        "race,capital_gain,capital_loss,hours_per_week,sex_Female,sex_Male"
    )
    assert ",".join(prepare.FINAL_COLUMNS) == expected
    for split in SPLITS:
        with open(DATASET / f"adult_data_processed_{split}_wheaders.csv") as handle:
            assert handle.readline().rstrip("\n") == expected


def test_plain_files_have_no_header_and_match_header_twins() -> None:
    for split in SPLITS:
        plain = (DATASET / f"adult_data_processed_{split}.csv").read_text()
        with_headers = (DATASET / f"adult_data_processed_{split}_wheaders.csv").read_text()
        first = plain.split("\n", 1)[0].split(",")
        assert len(first) == 14
        assert all(int(v) >= 0 for v in first)  # parses as ints: no header row
        assert with_headers.split("\n", 1)[1] == plain


def test_no_missing_markers_anywhere() -> None:
    for split in SPLITS:
        for suffix in ("", "_wheaders"):
            text = (DATASET / f"adult_data_processed_{split}{suffix}.csv").read_text()
            assert "?" not in text
            assert " " not in text


def test_values_are_clean_ints(committed: dict[str, pd.DataFrame]) -> None:
    union = pd.concat(committed.values(), ignore_index=True)
    assert not union.isna().any().any()
    assert set(union["income"].unique()) == {0, 1}
    assert union["capital_gain"].between(0, 80_000).all()
    assert set(union["education"].unique()) == set(range(16))
    assert union["education_num"].min() == 0
    assert union["education_num"].max() == 15
    assert (union["sex_Female"] + union["sex_Male"] == 1).all()
    for column, categories in prepare.CATEGORY_CODES.items():
        assert union[column].between(0, len(categories) - 1).all(), column


def test_no_duplicate_rows_across_splits(committed: dict[str, pd.DataFrame]) -> None:
    union = pd.concat(committed.values(), ignore_index=True)
    assert not union.duplicated().any()


def test_split_sizes_are_70_20_10(committed: dict[str, pd.DataFrame]) -> None:
    total = sum(len(df) for df in committed.values())
    test_rows = math.ceil(0.1 * total)
    validation_rows = math.ceil(2 / 9 * (total - test_rows))
    assert len(committed["test"]) == test_rows
    assert len(committed["validation"]) == validation_rows
    assert len(committed["train"]) == total - test_rows - validation_rows
    for split, share in prepare.SPLIT_SHARES.items():
        assert abs(len(committed[split]) - share * total) < 2, split


def test_splits_are_stratified(committed: dict[str, pd.DataFrame]) -> None:
    rates = [df["income"].mean() for df in committed.values()]
    assert max(rates) - min(rates) < 0.01
    assert 0.7 < rates[0] < 0.8  # <=50K (label 1) is the majority class


READMES = ("README.md", "README.pt_br.md")


@pytest.mark.parametrize("name", READMES)
def test_readme_code_tables_match_the_constants(name: str) -> None:
    readme = (DATASET / name).read_text(encoding="utf-8")
    assert prepare.encoding_tables_markdown() in readme


def test_readmes_link_to_each_other() -> None:
    english, portuguese = ((DATASET / name).read_text(encoding="utf-8") for name in READMES)
    assert "Em português: [README.pt_br.md](README.pt_br.md)." in english
    assert portuguese.startswith("In English: [README.md](README.md).\n")
    assert "Resumo em português" not in english  # the whole translation replaced the summary


# --------------------------------------------------------------------------- small raw files


def test_small_raw_file_runs_every_step(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.csv", GOOD_ROWS)
    frame = prepare.load_raw(raw)
    assert list(frame.index) == [2, 3, 4]  # line numbers, header = line 1
    cleaned = prepare.clean(frame, str(raw))
    assert list(cleaned.columns) == list(prepare.FINAL_COLUMNS)
    assert cleaned["income"].tolist() == [1, 0, 1]  # spaces and the trailing dot accepted
    assert cleaned["workclass"].tolist() == [3, 3, 1]
    assert cleaned["education"].tolist() == [6, 8, 11]
    assert cleaned["education_num"].tolist() == [6, 8, 11]
    assert cleaned["sex_Female"].tolist() == [0, 0, 1]


def test_missing_duplicates_and_outliers_are_dropped(tmp_path: Path) -> None:
    rows = [
        *GOOD_ROWS,
        GOOD_ROWS[0].replace("Private", "?"),
        GOOD_ROWS[1].replace("Farming-fishing", " ?"),
        GOOD_ROWS[0].replace("226802", "1"),  # differs only in fnlwgt -> a duplicate
        GOOD_ROWS[1].replace(",0,0,50,", ",99999,0,50,"),
    ]
    raw = write_raw(tmp_path / "raw.csv", rows)
    log: list[prepare.StepResult] = []
    cleaned = prepare.clean(prepare.load_raw(raw), str(raw), log)
    assert [s.removed for s in log] == [0, 2, 1, 0, 0, 1, 0, 0, 0]
    assert list(cleaned.index) == [2, 3, 4]


def test_openml_column_names_are_accepted(tmp_path: Path) -> None:
    header = HEADER.replace("income", "class").replace("-", "_").upper()
    raw = write_raw(tmp_path / "raw.csv", GOOD_ROWS, header=header)
    assert prepare.normalise_column_name("class") == "income"
    assert prepare.normalise_column_name("Capital-Gain") == "capital_gain"
    assert len(prepare.clean(prepare.load_raw(raw), str(raw))) == 3


def test_missing_raw_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "adult.csv"
    with pytest.raises(prepare.DataPreparationError, match="nowhere/adult.csv"):
        prepare.prepare(missing)


def refusal(raw: Path) -> str:
    """The message `prepare` refuses `raw` with."""
    with pytest.raises(prepare.DataPreparationError) as info:
        prepare.prepare(raw)
    return str(info.value)


def test_missing_column_names_column_and_file(tmp_path: Path) -> None:
    header = HEADER.replace(",race", "")
    rows = [r.replace(",Black", "").replace(",White", "") for r in GOOD_ROWS]
    message = refusal(write_raw(tmp_path / "no_race.csv", rows, header=header))
    assert "no_race.csv" in message
    assert "missing column(s): race" in message
    assert "Found columns: age," in message


def test_extra_column_is_named(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "extra.csv", [r + ",x" for r in GOOD_ROWS], header=HEADER + ",id")
    assert "unexpected column(s): id" in refusal(raw)


@pytest.mark.parametrize(
    ("row", "old", "new", "expected"),
    [
        (2, " <=50K ", "50K+", ("bad.csv", "line 4", "'50K+'")),
        (1, "Husband", "Spouse", ("bad.csv, line 3, column 'relationship'", "'Spouse'")),
    ],
    ids=["income", "category"],
)
def test_unknown_value_names_file_line_and_value(tmp_path: Path, row, old, new, expected) -> None:
    rows = list(GOOD_ROWS)
    rows[row] = rows[row].replace(old, new)
    message = refusal(write_raw(tmp_path / "bad.csv", rows))
    for fragment in expected:
        assert fragment in message


def test_cli_missing_raw_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.csv"
    result = run_cli("--raw", str(missing), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_missing_column(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw.csv", GOOD_ROWS, header=HEADER.replace("age,", "years,"))
    result = run_cli("--raw", str(raw), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "missing column(s): age" in result.stderr
    assert str(raw) in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_income(tmp_path: Path) -> None:
    rows = [GOOD_ROWS[0].replace("<=50K", "unknown"), *GOOD_ROWS[1:]]
    raw = write_raw(tmp_path / "raw.csv", rows)
    result = run_cli("--raw", str(raw), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "line 2" in result.stderr
    assert "'unknown'" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_default_raw_file_says_how_to_restore_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepare, "DEFAULT_RAW", tmp_path / "adult.csv")
    with pytest.raises(prepare.DataPreparationError) as info:
        prepare.prepare(prepare.DEFAULT_RAW)
    assert str(tmp_path / "adult.csv") in str(info.value)
    assert "git checkout dataset/adult.csv" in str(info.value)
