"""Turn the raw UCI Adult census data into the lab's train/validation/test CSV files.

Run it from anywhere:

    python dataset/prepare.py                      # dataset/adult.csv -> dataset/*.csv
    python dataset/prepare.py --output-dir /tmp/x  # write the six files somewhere else
    python dataset/prepare.py --raw other.csv      # read another raw CSV (same columns)
    python dataset/prepare.py --source openml      # download OpenML dataset 1590 instead

or import it (`prepare(raw_path)` returns the three splits as DataFrames; `write_splits`
writes them). The ten preparation steps below run in this order, one small function each:

     1. drop_unused_columns            fnlwgt, native_country
     2. drop_rows_missing_work         rows with no workclass or occupation ("?")
     3. drop_duplicate_rows
     4. strip_spaces                   leading/trailing spaces of every text column
     5. encode_income                  <=50K -> 1 (positive class), >50K -> 0
     6. remove_capital_gain_outliers   keep 0 <= capital_gain <= 80,000
     7. encode_ordinals                education, occupation; education_num starts at 0
     8. encode_categories              sex one-hot; marital_status, race, relationship,
                                       workclass as integer codes
     9. move_label_first               income becomes the first column
    10. split_data                     70 % train / 20 % validation / 10 % test, stratified

Every category is encoded from a fixed list (the constants below), so a code never depends on
which rows happen to survive; an unknown value stops the run with its file, column and line.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_RAW = HERE / "adult.csv"
OPENML_DATA_ID = 1590
RANDOM_SEED = 42

# Columns of the raw file after normalising the names (lower case, "-" -> "_").
RAW_COLUMNS: tuple[str, ...] = (
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
)  # fmt: skip
# Other spellings of a raw column name (OpenML 1590 calls the income column "class").
COLUMN_ALIASES: dict[str, str] = {"class": "income"}
NUMERIC_COLUMNS: tuple[str, ...] = (
    "age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week",
)  # fmt: skip
DROPPED_COLUMNS: tuple[str, ...] = ("fnlwgt", "native_country")
LABEL = "income"
FINAL_COLUMNS: tuple[str, ...] = (
    "income", "age", "workclass", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "capital_gain", "capital_loss", "hours_per_week", "sex_Female",
    "sex_Male",
)  # fmt: skip

# Step 5: the label. The raw UCI test file ends each label with a dot ("<=50K.").
INCOME_CODES: dict[str, int] = {"<=50K": 1, ">50K": 0}

# Step 6: capital_gain outliers (the raw data writes 99,999 for "unknown, very large").
CAPITAL_GAIN_MIN = 0
CAPITAL_GAIN_MAX = 80_000

# Step 7: education in order of schooling (code = position), occupation alphabetical.
EDUCATION_LEVELS: tuple[str, ...] = (
    "Preschool",
    "1st-4th",
    "5th-6th",
    "7th-8th",
    "9th",
    "10th",
    "11th",
    "12th",
    "HS-grad",
    "Some-college",
    "Assoc-voc",
    "Assoc-acdm",
    "Bachelors",
    "Masters",
    "Prof-school",
    "Doctorate",
)
OCCUPATIONS: tuple[str, ...] = (
    "Adm-clerical",
    "Armed-Forces",
    "Craft-repair",
    "Exec-managerial",
    "Farming-fishing",
    "Handlers-cleaners",
    "Machine-op-inspct",
    "Other-service",
    "Priv-house-serv",
    "Prof-specialty",
    "Protective-serv",
    "Sales",
    "Tech-support",
    "Transport-moving",
)

# Step 8: one-hot for sex, alphabetical integer codes for the others.
SEXES: tuple[str, ...] = ("Female", "Male")
MARITAL_STATUSES: tuple[str, ...] = (
    "Divorced",
    "Married-AF-spouse",
    "Married-civ-spouse",
    "Married-spouse-absent",
    "Never-married",
    "Separated",
    "Widowed",
)
RACES: tuple[str, ...] = (
    "Amer-Indian-Eskimo",
    "Asian-Pac-Islander",
    "Black",
    "Other",
    "White",
)
RELATIONSHIPS: tuple[str, ...] = (
    "Husband",
    "Not-in-family",
    "Other-relative",
    "Own-child",
    "Unmarried",
    "Wife",
)
WORKCLASSES: tuple[str, ...] = (
    "Federal-gov",
    "Local-gov",
    "Never-worked",
    "Private",
    "Self-emp-inc",
    "Self-emp-not-inc",
    "State-gov",
    "Without-pay",
)

# Every column encoded as an integer code: column -> its categories, code = position.
CATEGORY_CODES: dict[str, tuple[str, ...]] = {
    "education": EDUCATION_LEVELS,
    "occupation": OCCUPATIONS,
    "marital_status": MARITAL_STATUSES,
    "race": RACES,
    "relationship": RELATIONSHIPS,
    "workclass": WORKCLASSES,
}

# Step 10: shares of the rows in each split.
SPLIT_SHARES: dict[str, float] = {"train": 0.7, "validation": 0.2, "test": 0.1}
SPLITS: tuple[str, ...] = tuple(SPLIT_SHARES)


class DataPreparationError(ValueError):
    """The data cannot be prepared; the message says where the problem is and how to fix it."""


@dataclass
class StepResult:
    """What one step did: its number and name, and the row counts before and after."""

    number: int
    name: str
    rows_before: int
    rows_after: int

    @property
    def removed(self) -> int:
        return self.rows_before - self.rows_after


# --------------------------------------------------------------------------- reading


def normalise_column_name(name: str) -> str:
    """'Education-Num' -> 'education_num'; 'class' (OpenML) -> 'income'."""
    clean = str(name).strip().lower().replace("-", "_")
    return COLUMN_ALIASES.get(clean, clean)


def check_columns(found: Sequence[str], source: str) -> None:
    """Raise unless the (normalised) columns are exactly RAW_COLUMNS, in any order."""
    missing = [c for c in RAW_COLUMNS if c not in found]
    extra = [c for c in found if c not in RAW_COLUMNS]
    repeated = sorted({c for c in found if list(found).count(c) > 1})
    if not (missing or extra or repeated):
        return
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s): {', '.join(extra)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    raise DataPreparationError(
        f"{source}: {'; '.join(problems)}. Found columns: {', '.join(found)}. "
        f"Expected exactly: {', '.join(RAW_COLUMNS)} (hyphens or underscores, any case; "
        "'class' is accepted for 'income')"
    )


def parse_numbers(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Convert the numeric columns to int; a value that is not a whole number is an error."""
    df = raw.copy()
    for column in NUMERIC_COLUMNS:
        text = df[column].astype(str).str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0)
        if bad.any():
            line = int(df.index[bad.to_numpy()][0])
            raise DataPreparationError(
                f"{source}, line {line}, column {column!r}: {text[line]!r} is not a whole number"
            )
        df[column] = numbers.astype("int64")
    return df


def load_raw(raw_path: Path) -> pd.DataFrame:
    """Read a raw CSV with a header row: text values, numbers as int, index = line number.

    The line number counts the header as line 1, so it matches what an editor shows.
    """
    raw_path = Path(raw_path)
    source = str(raw_path)
    if not raw_path.is_file():
        hint = (
            "restore it with `git checkout dataset/adult.csv`"
            if raw_path.resolve() == DEFAULT_RAW
            else "check the path given to --raw (the bundled copy is dataset/adult.csv)"
        )
        raise DataPreparationError(f"raw data file not found: {raw_path}; {hint}")
    with raw_path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise DataPreparationError(f"{source}: the file is empty; expected a header row")
        columns = [normalise_column_name(c) for c in header]
        check_columns(columns, source)
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not row or all(not field.strip() for field in row):
                continue  # blank line
            if len(row) != len(columns):
                raise DataPreparationError(
                    f"{source}, line {reader.line_num}: {len(row)} field(s), "
                    f"expected {len(columns)} like the header"
                )
            rows.append(row)
            lines.append(reader.line_num)
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(lines, name="line"), dtype=object)
    return parse_numbers(frame[list(RAW_COLUMNS)], source)


def load_openml() -> pd.DataFrame:
    """Download OpenML dataset 1590 (the same Adult data) and shape it like load_raw's result.

    Needs the network. Rows are numbered as they would be in a CSV file with a header.
    """
    from sklearn.datasets import fetch_openml

    source = f"OpenML dataset {OPENML_DATA_ID}"
    try:
        bunch = fetch_openml(data_id=OPENML_DATA_ID, as_frame=True, parser="auto")
    except Exception as exc:  # network errors come in many types (URLError, OSError, ...)
        raise DataPreparationError(
            f"could not download {source} ({type(exc).__name__}: {exc}); are you offline? "
            "Run without --source openml to use the bundled dataset/adult.csv"
        ) from exc
    frame = bunch.frame.copy()
    frame.columns = [normalise_column_name(c) for c in frame.columns]
    check_columns(list(frame.columns), source)
    text = pd.DataFrame(index=pd.RangeIndex(2, len(frame) + 2, name="line"))
    for column in RAW_COLUMNS:
        values = frame[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(values):
            text[column] = [None if pd.isna(v) else str(int(v)) for v in values]
        else:
            text[column] = [None if pd.isna(v) else str(v) for v in values]
        text[column] = text[column].astype(object)
    missing_numbers = text[list(NUMERIC_COLUMNS)].isna().any(axis=1)
    if missing_numbers.any():
        line = int(text.index[missing_numbers.to_numpy()][0])
        raise DataPreparationError(f"{source}, row {line - 1}: a numeric value is missing")
    return parse_numbers(text, source)


# --------------------------------------------------------------------------- the steps


def _codes(series: pd.Series, categories: Sequence[str], column: str, source: str) -> pd.Series:
    """Integer code (position in `categories`) of each value; unknown values are an error."""
    lookup = {value: code for code, value in enumerate(categories)}
    codes = series.map(lookup)
    _refuse_unknown(series, codes, column, source, f"one of: {', '.join(categories)}")
    return codes.astype("int64")


def _refuse_unknown(
    values: pd.Series, codes: pd.Series, column: str, source: str, expected: str
) -> None:
    """Name the file, line, column and value of the first value that has no code."""
    unknown = codes.isna()
    if unknown.any():
        line = int(values.index[unknown.to_numpy()][0])
        raise DataPreparationError(
            f"{source}, line {line}, column {column!r}: unknown value {values[line]!r} "
            f"({int(unknown.sum())} row(s) in all); expected {expected}"
        )


def _is_missing(series: pd.Series) -> pd.Series:
    """True where a value is missing: NaN/None, empty, or '?' (spaces around it allowed)."""
    return series.isna() | series.astype(str).str.strip().isin(["?", ""])


def drop_unused_columns(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 1: drop fnlwgt (a sampling weight) and native_country (almost no signal)."""
    return df.drop(columns=list(DROPPED_COLUMNS))


def drop_rows_missing_work(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 2: drop rows whose workclass or occupation is missing."""
    missing = _is_missing(df["workclass"]) | _is_missing(df["occupation"])
    return df[~missing]


def drop_duplicate_rows(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 3: keep only the first of identical rows."""
    return df.drop_duplicates(keep="first")


def strip_spaces(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 4: remove leading/trailing spaces from every text column."""
    df = df.copy()
    for column in df.columns:
        if not pd.api.types.is_numeric_dtype(df[column]):
            df[column] = df[column].astype(str).str.strip()
    return df


def encode_income(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 5: the label. <=50K -> 1 (the positive class), >50K -> 0; '<=50K.' is accepted."""
    df = df.copy()
    text = df[LABEL].astype(str).str.strip()
    without_dot = text.where(~text.str.endswith("."), text.str[:-1])
    codes = without_dot.map(INCOME_CODES)
    expected = "<=50K or >50K (a trailing dot, as in the UCI test file, is fine)"
    _refuse_unknown(text, codes, LABEL, source, expected)
    df[LABEL] = codes.astype("int64")
    return df


def remove_capital_gain_outliers(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 6: keep rows with CAPITAL_GAIN_MIN <= capital_gain <= CAPITAL_GAIN_MAX."""
    return df[df["capital_gain"].between(CAPITAL_GAIN_MIN, CAPITAL_GAIN_MAX)]


def encode_ordinals(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 7: education by years of schooling, occupation alphabetically, education_num - 1."""
    df = df.copy()
    df["education"] = _codes(df["education"], EDUCATION_LEVELS, "education", source)
    df["occupation"] = _codes(df["occupation"], OCCUPATIONS, "occupation", source)
    df["education_num"] = df["education_num"] - 1
    return df


def encode_categories(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 8: sex -> sex_Female/sex_Male (0/1); the other text columns -> integer codes."""
    df = df.copy()
    sex = _codes(df["sex"], SEXES, "sex", source)
    for code, value in enumerate(SEXES):
        df[f"sex_{value}"] = (sex == code).astype("int64")
    df = df.drop(columns=["sex"])
    for column in ("marital_status", "race", "relationship", "workclass"):
        df[column] = _codes(df[column], CATEGORY_CODES[column], column, source)
    return df


def move_label_first(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Step 9: income first (the built-in algorithm reads the label from column 1)."""
    return df[list(FINAL_COLUMNS)]


def split_data(df: pd.DataFrame, seed: int = RANDOM_SEED) -> dict[str, pd.DataFrame]:
    """Step 10: 70/20/10 train/validation/test, stratified on the label, fixed seed.

    Test (10 %) is taken first, then validation is 2/9 of the rest (= 20 % of all).
    Each split keeps the raw file's row order (sorted by line number).
    """
    from sklearn.model_selection import train_test_split  # slow import: only when needed

    shares = SPLIT_SHARES
    rest, test = train_test_split(
        df, test_size=shares["test"], stratify=df[LABEL], random_state=seed
    )
    validation_of_rest = shares["validation"] / (shares["train"] + shares["validation"])
    train, validation = train_test_split(
        rest, test_size=validation_of_rest, stratify=rest[LABEL], random_state=seed
    )
    splits = {"train": train, "validation": validation, "test": test}
    return {name: part.sort_index() for name, part in splits.items()}


Step = Callable[[pd.DataFrame, str], pd.DataFrame]
CLEANING_STEPS: tuple[Step, ...] = (
    drop_unused_columns,
    drop_rows_missing_work,
    drop_duplicate_rows,
    strip_spaces,
    encode_income,
    remove_capital_gain_outliers,
    encode_ordinals,
    encode_categories,
    move_label_first,
)


# --------------------------------------------------------------------------- pipeline


def clean(raw: pd.DataFrame, source: str, log: list[StepResult] | None = None) -> pd.DataFrame:
    """Run steps 1-9 on a frame from load_raw/load_openml; append what each did to `log`."""
    df = raw
    for number, step in enumerate(CLEANING_STEPS, start=1):
        before = len(df)
        df = step(df, source)
        if log is not None:
            log.append(StepResult(number, step.__name__, before, len(df)))
    return df


def prepare_frame(
    raw: pd.DataFrame, source: str, log: list[StepResult] | None = None
) -> dict[str, pd.DataFrame]:
    """All ten steps on an already loaded raw frame; returns {'train', 'validation', 'test'}."""
    cleaned = clean(raw, source, log)
    if cleaned[LABEL].nunique() < 2 or cleaned[LABEL].value_counts().min() < 10:
        raise DataPreparationError(
            f"{source}: too few rows of each class left after cleaning to make a stratified "
            f"70/20/10 split ({len(cleaned)} row(s))"
        )
    splits = split_data(cleaned)
    if log is not None:
        log.append(StepResult(len(CLEANING_STEPS) + 1, "split_data", len(cleaned), len(cleaned)))
    return splits


def prepare(
    raw_path: Path = DEFAULT_RAW, log: list[StepResult] | None = None
) -> dict[str, pd.DataFrame]:
    """Read a raw CSV and run all ten steps; returns {'train', 'validation', 'test'} frames."""
    return prepare_frame(load_raw(raw_path), str(raw_path), log)


def split_paths(output_dir: Path, split: str) -> tuple[Path, Path]:
    """(no-header file, header file) of one split."""
    output_dir = Path(output_dir)
    stem = f"adult_data_processed_{split}"
    return output_dir / f"{stem}.csv", output_dir / f"{stem}_wheaders.csv"


def write_splits(splits: dict[str, pd.DataFrame], output_dir: Path) -> list[Path]:
    """Write each split twice: label first without a header, and a `_wheaders` copy."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for split in SPLITS:
        frame = splits[split][list(FINAL_COLUMNS)]
        plain, with_headers = split_paths(output_dir, split)
        frame.to_csv(plain, header=False, index=False, lineterminator="\n")
        frame.to_csv(with_headers, header=True, index=False, lineterminator="\n")
        written += [plain, with_headers]
    return written


def encoding_tables_markdown() -> str:
    """The category -> code tables of dataset/README.md, generated from the constants."""
    parts = []
    for column, categories in CATEGORY_CODES.items():
        parts.append(f"`{column}`:\n\n| code | value |\n|---:|---|")
        parts += [f"| {code} | {value} |" for code, value in enumerate(categories)]
        parts.append("")
    return "\n".join(parts)


# --------------------------------------------------------------------------- CLI


def summary(splits: dict[str, pd.DataFrame], log: Sequence[StepResult]) -> str:
    """Readable report: rows removed by each step, rows and positive rate of each split."""
    out = ["Steps (rows removed -> rows left):"]
    for step in log:
        out.append(f"  {step.number:2d}. {step.name:<30} {step.removed:6d} -> {step.rows_after:6d}")
    total = sum(len(part) for part in splits.values())
    out.append("Splits (label 1 = income <=50K):")
    for name in SPLITS:
        part = splits[name]
        out.append(
            f"  {name:<10} {len(part):6d} rows ({len(part) / total:6.1%})"
            f"  positive rate {part[LABEL].mean():.4f}"
        )
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Prepare the UCI Adult data: clean, encode, split 70/20/10 and write CSVs."
    )
    parser.add_argument(
        "--raw", type=Path, default=None, help=f"raw CSV with a header row (default: {DEFAULT_RAW})"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=HERE, help=f"where to write the files (default: {HERE})"
    )
    parser.add_argument(
        "--source",
        choices=("csv", "openml"),
        default="csv",
        help=f"csv: read --raw (default); openml: download OpenML dataset {OPENML_DATA_ID}",
    )
    args = parser.parse_args(argv)
    if args.source == "openml" and args.raw is not None:
        parser.error("--raw and --source openml exclude each other")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status (2 on bad input)."""
    args = parse_args(argv)
    log: list[StepResult] = []
    try:
        if args.source == "openml":
            source = f"OpenML dataset {OPENML_DATA_ID}"
            splits = prepare_frame(load_openml(), source, log)
        else:
            raw_path = args.raw if args.raw is not None else DEFAULT_RAW
            source = str(raw_path)
            splits = prepare(raw_path, log)
        written = write_splits(splits, args.output_dir)
    except (DataPreparationError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Read {source}: {log[0].rows_before} rows")
    print(summary(splits, log))
    print("Wrote:")
    for path in written:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
