"""The XGBoost training report: a local stand-in for SageMaker Debugger's `CreateXgboostReport`.

From a trained booster, a labelled data set (the validation split) and, when there is one, the
per-round evaluation history, it computes what the Debugger's report shows: label distribution,
loss per iteration, feature importance, confusion matrix, classification report, accuracy of
each class over the iterations, ROC curve and the distribution of the predictions. It renders
them as one standalone HTML page (Bokeh, inline, works offline), in a notebook (`show`), and as
static PNG files (matplotlib). No SageMaker needed; seconds instead of the rule's minutes.

Model files load without ever unpickling by default: XGBoost JSON, UBJSON and the legacy binary
format of XGBoost 1.x (what SageMaker's own containers write as `xgboost-model`) are recognised
by their content; a pickle or joblib file is refused unless the caller opts in.

Entry points: `load_model`, `build_report`, `report_from_artifact` (notebooks, AWS mode) and
`report_from_training_job` (the local Debugger rule, see `localsm/rules.py`).
"""

from __future__ import annotations

import bz2
import gzip
import html
import io
import json
import lzma
import math
import os
import pickle
import re
import tarfile
import tempfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np
import xgboost as xgb

REPORT_FILE_NAME = "xgboost_report.html"
HISTORY_FILE_NAME = "eval_history.json"
DEFAULT_TITLE = "XGBoost Training Report"
POSITIVE_LABEL = 1  # "<=50K" in the lab: the people the assistance programme is for
THRESHOLD = 0.5  # binary:logistic: probability above it -> label 1 (as XGBoost's `error`)
MODEL_PREFIX = "xgboost-model"  # built-in: xgboost-model; script mode: xgboost-model.json
LABEL_COLUMN_NAMES = ("income", "label")  # a header row may name the label column
IMPORTANCE_TYPES = ("weight", "gain", "cover")
MAX_STEPS = 50  # accuracy over iterations: about this many evaluated rounds
PNG_DPI = 100

# Section ids, in page order: the HTML page, the notebook view and the tests share them.
# The static PNG of a section, when it has one (`save_pngs` writes these names).
STATIC_FIGURES = {
    "report_loss.png": "loss",
    "report_feature_importance.png": "feature-importance",
    "report_confusion_matrix.png": "confusion-matrix",
    "report_roc.png": "roc-curve",
}
SECTIONS = (
    "label-distribution",
    "loss",
    "feature-importance",
    "confusion-matrix",
    "classification-report",
    "class-accuracy",
    "roc-curve",
    "prediction-distribution",
)

PICKLE_RISK = (
    "Loading a pickle runs whatever code the file contains, so a tampered or untrusted model "
    "file can take over your machine. The SageMaker XGBoost containers never need it: save "
    "models with Booster.save_model (JSON, UBJSON or the XGBoost 1.x binary format). If you "
    "trust this file (you made it yourself), pass allow_pickle=True to load it anyway."
)


class ReportError(ValueError):
    """Input the report cannot use; the message says what was wrong and how to fix it."""


class PickleRefused(ReportError):
    """The model file is a pickle (or joblib) file and the caller did not opt in."""


# ============================================================================ model loading


def _local_path(path_or_uri: str | os.PathLike) -> Path:
    text = os.fspath(path_or_uri)
    if text.startswith("file://"):
        return Path(unquote(urlparse(text).path))
    if "://" in text:
        raise ReportError(
            f"{text}: only local paths and file:// URIs can be read; download the object first "
            "(for S3: `aws s3 cp`, or lab.fetch in the notebooks)"
        )
    return Path(text)


def _is_zlib(head: bytes) -> bool:
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def _inflate_head(data: bytes, kind: str, size: int = 64) -> bytes:
    """The first bytes of a compressed stream ('' when it is not one after all)."""
    try:
        if kind == "gzip":
            return gzip.GzipFile(fileobj=io.BytesIO(data)).read(size)
        if kind == "zlib":
            return zlib.decompressobj().decompress(data[:4096], size)
        if kind == "bz2":
            return bz2.BZ2File(io.BytesIO(data)).read(size)
        if kind in ("xz", "lzma"):
            return lzma.LZMAFile(io.BytesIO(data)).read(size)
    except (OSError, EOFError, zlib.error, lzma.LZMAError):
        return b""
    return b""


def _is_tar(data: bytes) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            return archive.next() is not None
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError):
        return False


UBJ_MARKERS = b"$#iUIlLdDCSTFZNH[{}"
COMPRESSED = (  # joblib's compressed containers (and tarballs)
    ("gzip", b"\x1f\x8b"),
    ("bz2", b"BZh"),
    ("xz", b"\xfd7zXZ\x00"),
    ("lzma", b"]\x00\x00"),
)


def sniff_format(data: bytes) -> str:
    """What a model file holds, judged by content, never by name.

    One of: 'json', 'ubj', 'binary' (XGBoost 1.x legacy format), 'pickle', 'joblib'
    (a compressed pickle), 'tar', 'zip', 'unknown'.
    """
    head = data[:16]
    if head[:1] == b"{":
        rest = data[1:64].lstrip(b" \t\r\n")
        if data[1:2] in UBJ_MARKERS and data[1:2] not in b"}":
            return "ubj"
        return "json" if rest[:1] in (b'"', b"}") else "ubj"
    if head[:4] == b"binf":
        return "binary"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if head[:2] == b"ZF":  # joblib < 0.10 zlib container
        return "joblib"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    compressed = next((name for name, magic in COMPRESSED if head.startswith(magic)), None)
    if compressed is None and _is_zlib(head):
        compressed = "zlib"
    if compressed:
        if compressed != "zlib" and _is_tar(data):
            return "tar"
        if _inflate_head(data, compressed)[:1] == b"\x80":
            return "joblib"
    return "unknown"


def _unpickle(data: bytes, source: str) -> xgb.Booster:
    """Opted-in only: unpickle (joblib handles its own compressed containers)."""
    kind = sniff_format(data)
    if kind == "pickle":
        obj = pickle.loads(data)  # noqa: S301 - explicit opt-in (allow_pickle=True)
    else:
        import joblib

        obj = joblib.load(io.BytesIO(data))
    if isinstance(obj, xgb.XGBModel):  # the scikit-learn wrapper (XGBClassifier, ...)
        obj = obj.get_booster()
    if not isinstance(obj, xgb.Booster):
        raise ReportError(
            f"{source}: the pickle holds a {type(obj).__module__}.{type(obj).__name__}, not an "
            "XGBoost Booster or XGBModel"
        )
    return obj


def _xgb_message(error: Exception) -> str:
    """XGBoost's error text without its timestamp, source location and stack trace."""
    lines = [line for line in str(error).splitlines() if line.strip()]
    first = next((line for line in lines if not line.startswith("Stack trace")), repr(error))
    return re.sub(r"^\[[\d:]+\] \S+:\d+: (Check failed: )?", "", first).strip()


def _load_bytes(data: bytes, source: str) -> xgb.Booster:
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(data))
    except xgb.core.XGBoostError as error:
        message = _xgb_message(error)
        hint = (
            ". Expected an XGBoost model: JSON, UBJSON or the XGBoost 1.x binary format, or a "
            "model.tar.gz holding one"
        )
        if "binary" in str(error).lower() and "removed" in str(error).lower():
            hint = (
                ". This is the legacy binary format of XGBoost 1.x (SageMaker's 1.5-1/1.7-1 "
                "containers write it); XGBoost 3.1 removed it: use xgboost>=3.0,<3.1 "
                "(requirements.txt pins it) or re-save the model as JSON with XGBoost 1.7."
            )
        raise ReportError(f"{source}: XGBoost cannot load this model: {message}{hint}") from None
    return booster


def _safe_members(archive: tarfile.TarFile, source: str) -> list[tarfile.TarInfo]:
    """Every member, checked: no absolute paths, no `..`, no links or devices escaping."""
    members = archive.getmembers()
    for member in members:
        name = member.name
        parts = PurePosixPath(name).parts
        problem = None
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            problem = "an absolute path"
        elif ".." in parts or ".." in name.replace("\\", "/").split("/"):
            problem = "a path that leaves the extraction folder ('..')"
        elif member.isdev() or member.isfifo():
            problem = "a device or FIFO entry"
        elif member.issym() or member.islnk():
            target = PurePosixPath(name).parent / member.linkname
            if member.linkname.startswith("/") or ".." in PurePosixPath(target).parts:
                problem = f"a link pointing outside the archive ({member.linkname})"
        if problem:
            raise ReportError(
                f"{source}: refusing to extract the archive: member {name!r} has {problem}. "
                "A model.tar.gz from SageMaker never has one; the file may have been tampered "
                "with."
            )
    return members


def _pick_model_member(names: Sequence[str], source: str) -> str:
    """The model file among several: `xgboost-model*` first, else the only candidate."""
    visible = [n for n in names if not PurePosixPath(n).name.startswith(".")]
    preferred = sorted(
        (n for n in visible if PurePosixPath(n).name.startswith(MODEL_PREFIX)),
        key=lambda n: (len(PurePosixPath(n).parts), n),
    )
    if preferred:
        return preferred[0]
    if len(visible) == 1:
        return visible[0]
    listing = ", ".join(sorted(names)[:10]) or "nothing"
    raise ReportError(
        f"{source}: cannot tell which file is the model: expected a file named "
        f"{MODEL_PREFIX}* (built-in algorithm: xgboost-model; our script: xgboost-model.json); "
        f"found {listing}"
    )


def _model_from_tar(data: bytes, source: str) -> tuple[bytes, str]:
    with tempfile.TemporaryDirectory(prefix="xgboost-report-") as folder:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = _safe_members(archive, source)
            files = [m.name for m in members if m.isfile()]
            chosen = _pick_model_member(files, source)
            archive.extractall(folder, members=members, filter="data")
        target = Path(folder, chosen)
        return target.read_bytes(), f"{source}!{chosen}"


def _model_from_folder(folder: Path) -> Path:
    names = [str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file()]
    return folder / _pick_model_member(names, str(folder))


def load_model(path_or_uri: str | os.PathLike, allow_pickle: bool = False) -> xgb.Booster:
    """An XGBoost Booster from a model.tar.gz, a model file or a model folder (path or file://).

    The format is recognised by content: JSON, UBJSON, the XGBoost 1.x binary format, a tarball
    (extracted without path traversal). Pickle/joblib files are refused unless
    `allow_pickle=True`: unpickling runs code from the file, so opt in only for files you trust.
    """
    path = _local_path(path_or_uri)
    if path.is_dir():
        path = _model_from_folder(path)
    if not path.is_file():
        raise ReportError(f"{path}: no such model file")
    data, source = path.read_bytes(), str(path)
    kind = sniff_format(data)
    if kind == "tar":
        data, source = _model_from_tar(data, source)
        kind = sniff_format(data)
        if kind == "tar":
            raise ReportError(f"{source}: a tarball inside the tarball; extract it first")
    if kind in ("pickle", "joblib"):
        if not allow_pickle:
            raise PickleRefused(f"{source} is a {kind} file, refused by default. {PICKLE_RISK}")
        return _unpickle(data, source)
    if kind == "zip":
        raise ReportError(
            f"{source} is a zip archive, not an XGBoost model; pass the model file inside it "
            "(SageMaker model artifacts are model.tar.gz tarballs)"
        )
    if len(data) == 0:
        raise ReportError(f"{source}: the model file is empty")
    # json, ubj, binary, and formats older than the 'binf' header: XGBoost decides.
    return _load_bytes(data, source)


# ============================================================================ inputs


def booster_objective(booster: xgb.Booster) -> str:
    """The objective the booster was trained with (from its saved configuration)."""
    config = json.loads(booster.save_config())
    return config["learner"]["objective"]["name"]


def _num_class(booster: xgb.Booster) -> int:
    config = json.loads(booster.save_config())
    return int(float(config["learner"]["learner_model_param"].get("num_class", "0") or 0))


def objective_kind(objective: str) -> str:
    """'binary', 'multiclass', 'regression' or 'other' (ranking, survival)."""
    if objective.startswith("binary:"):
        return "binary"
    if objective.startswith("multi:"):
        return "multiclass"
    if objective.startswith(("reg:", "count:")):
        return "regression"
    return "other"


def read_history(source: Any) -> tuple[dict[str, dict[str, list[float]]] | None, Any, str | None]:
    """(evals_result, best_iteration, note) from a dict, eval_history.json or output.tar.gz.

    Accepts XGBoost's `evals_result` dict ({"train": {"logloss": [...]}, ...}) or the file our
    jobs write: the built-in algorithm wraps it as {"evals_result": {...}, "best_iteration": ...},
    the script keeps it bare. Anything unreadable gives a note instead of an error.
    """
    if source is None:
        return None, None, None
    if not isinstance(source, Mapping):
        path = _local_path(source)
        if not path.is_file():
            return None, None, f"no evaluation history at {path}"
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
                        return None, None, f"{path} holds no {HISTORY_FILE_NAME}"
                    data = archive.extractfile(found[0]).read()
            except (tarfile.TarError, OSError) as error:
                return None, None, f"{path}: unreadable archive ({error})"
        try:
            source = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return None, None, f"{path}: not a JSON evaluation history ({error})"
    if not isinstance(source, Mapping):
        return None, None, "the evaluation history is not a JSON object"
    best = source.get("best_iteration")
    evals = source.get("evals_result", source)
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
    if not history:
        return None, None, "the evaluation history holds no per-round metrics"
    best = int(best) if isinstance(best, int | float) and not isinstance(best, bool) else None
    return history, best, None


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
    import pandas as pd

    path = _local_path(path_or_uri)
    files = _data_files(path)
    kind = (content_type or _sniff_content_type(files[0])).split(";")[0].strip().lower()
    if kind in ("text/libsvm", "libsvm"):
        from sklearn.datasets import load_svmlight_files

        try:
            loaded = load_svmlight_files(
                [str(f) for f in files], n_features=num_features, zero_based=True
            )
        except ValueError as error:
            raise ReportError(
                f"{path}: not LibSVM data for {num_features} features: {error}"
            ) from None
        import scipy.sparse

        x = scipy.sparse.vstack(loaded[0::2]).tocsr()
        y = np.concatenate(loaded[1::2])
        return Dataset(x, y, None, [f"read {len(files)} LibSVM file(s) from {path}"])
    if kind in ("application/x-parquet", "parquet"):
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        try:
            values = frame.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ReportError(f"{path}: every Parquet column must be numeric ({error})") from None
        return _split_table(values, None, num_features, str(path))
    if kind not in ("text/csv", "csv", "text/x-csv"):
        raise ReportError(
            f"{path}: content type {content_type!r} is not supported by the report; use "
            "text/csv, text/libsvm or application/x-parquet"
        )
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
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            column = frame[bad[0]]
            numeric = pd.to_numeric(column, errors="coerce")
            row = int(np.flatnonzero(numeric.isna() & column.notna())[0])
            raise ReportError(
                f"{file}, line {row + 1 + int(header)}: {column.iloc[row]!r} is not a number "
                f"(column {bad[0] if header else frame.columns.get_loc(bad[0]) + 1})"
            )
        tables.append(frame.to_numpy(dtype=np.float64))
    if not tables:
        raise ReportError(f"{path}: the data holds no rows")
    widths = {t.shape[1] for t in tables}
    if len(widths) > 1:
        raise ReportError(f"{path}: the files have different numbers of columns: {sorted(widths)}")
    return _split_table(np.vstack(tables), names, num_features, str(path))


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
            [
                f"{source} has {columns} columns, as many as the model has features: read as "
                "features without labels"
            ],
        )
    raise ReportError(
        f"{source} has {columns} columns, but the model was trained on {num_features} features: "
        f"expected {num_features + 1} columns (the label first, then the features) or "
        f"{num_features} (features only, no labels). Use the same columns, in the same order, "
        "as the training data."
    )


# ============================================================================ the report


@dataclass(eq=False)
class Report:
    """The numbers of a training report, and ways to show them (HTML, notebook, PNG, dict)."""

    title: str
    created: datetime
    objective: str
    kind: str
    num_rows: int
    num_features: int
    num_rounds: int
    feature_names: list[str]
    xgboost_version: str
    labels: np.ndarray | None
    predictions: np.ndarray  # binary: P(label 1); multiclass: (rows, classes); else: values
    predicted_labels: np.ndarray | None
    classes: list[int] | None
    label_distribution: dict[int, int] | None
    importance: dict[str, dict[str, float]]
    history: dict[str, dict[str, list[float]]] | None
    best_iteration: int | None
    confusion_matrix: np.ndarray | None  # rows: true class, columns: predicted, order `classes`
    confusion: dict[str, dict[str, float]] | None  # binary: TP/FN/FP/TN count and percentages
    classification_report: dict | None
    accuracy: float | None
    roc: dict[str, np.ndarray] | None
    auc: float | None
    class_accuracy: dict | None  # {"iterations": [...], "per_class": {c: [...]}, "overall"}
    residuals: np.ndarray | None
    regression_metrics: dict[str, float] | None
    skipped: dict[str, str]
    notes: list[str]

    # ------------------------------------------------------------------ numbers

    def summary(self) -> dict[str, Any]:
        """A small dict of rounded headline numbers (what the notebooks print and compare)."""
        out: dict[str, Any] = {"objective": self.objective, "rows": self.num_rows}
        if self.auc is not None:
            out["auc"] = round(self.auc, 4)
        if self.accuracy is not None:
            out["accuracy"] = round(self.accuracy, 4)
        report = self.classification_report or {}
        if self.kind == "binary" and report:
            positive = report[str(POSITIVE_LABEL)]
            out["precision"] = round(positive["precision"], 4)
            out["recall"] = round(positive["recall"], 4)
            for label in (1, 0):
                out[f"f1_label_{label}"] = round(report[str(label)]["f1-score"], 4)
            for name in ("TP", "FN", "FP", "TN"):
                out[name.lower()] = int(self.confusion[name]["count"])
        elif report:
            out["f1_macro"] = round(report["macro avg"]["f1-score"], 4)
            for label in self.classes or []:
                out[f"f1_label_{label}"] = round(report[str(label)]["f1-score"], 4)
        if self.regression_metrics:
            out.update({k: round(v, 4) for k, v in self.regression_metrics.items()})
        return out

    def tables(self) -> dict[str, Any]:
        """The report's tables as pandas DataFrames, by name."""
        import pandas as pd

        out: dict[str, Any] = {}
        if self.label_distribution:
            total = sum(self.label_distribution.values())
            out["label_distribution"] = pd.DataFrame(
                {
                    "label": list(self.label_distribution),
                    "rows": list(self.label_distribution.values()),
                    "share (%)": [100 * n / total for n in self.label_distribution.values()],
                }
            ).set_index("label")
        if self.importance:
            frame = pd.DataFrame(self.importance).reindex(self.feature_names).fillna(0.0)
            key = "gain" if "gain" in frame else frame.columns[0]
            out["feature_importance"] = frame.sort_values(key, ascending=False, kind="stable")
        if self.confusion_matrix is not None:
            labels = [str(c) for c in self._matrix_order()]
            index = [self.classes.index(c) for c in self._matrix_order()]
            matrix = self.confusion_matrix[np.ix_(index, index)]
            out["confusion_matrix"] = pd.DataFrame(
                matrix,
                index=pd.Index([f"true {c}" for c in labels]),
                columns=[f"predicted {c}" for c in labels],
            )
        if self.confusion:
            out["confusion_cells"] = pd.DataFrame(
                [
                    {
                        "cell": name,
                        "meaning": cell["meaning"],
                        "rows": int(cell["count"]),
                        "% of all rows": cell["percent_of_all"],
                        "% of its true class": cell["percent_of_class"],
                    }
                    for name, cell in self.confusion.items()
                ]
            ).set_index("cell")
        if self.classification_report:
            frame = pd.DataFrame(
                {k: v for k, v in self.classification_report.items() if isinstance(v, dict)}
            ).T
            frame["support"] = frame["support"].astype(int)
            out["classification_report"] = frame
        if self.regression_metrics:
            out["regression_metrics"] = pd.DataFrame(
                {"value": self.regression_metrics}
            ).rename_axis("metric")
        return out

    def _matrix_order(self) -> list[int]:
        """Binary: positive class first, so TP sits top-left as in the Debugger report."""
        if self.kind == "binary":
            return [POSITIVE_LABEL, 1 - POSITIVE_LABEL]
        return list(self.classes or [])

    # ------------------------------------------------------------------ sections

    def sections(self) -> list[dict[str, Any]]:
        """Each section: id, title, how-to-read text, notes, skipped reason, tables, figures.

        Figures are Bokeh models made fresh on each call (a Bokeh model belongs to one page).
        """
        tables = self.tables()
        out = []
        for section in SECTIONS:
            title, text = _section_text(self, section)
            entry: dict[str, Any] = {
                "id": section,
                "title": title,
                "text": text,
                "skipped": self.skipped.get(section),
                "tables": [],
                "figures": [],
                "html": "",
            }
            if not entry["skipped"]:
                _fill_section(self, section, entry, tables)
            out.append(entry)
        return out

    def _header_html(self) -> str:
        rows = [
            ("Objective", self.objective),
            ("Boosting rounds in the model", str(self.num_rounds)),
            ("Features", str(self.num_features)),
            (
                "Rows evaluated",
                f"{self.num_rows:,}" + ("" if self.labels is not None else " (no labels)"),
            ),
            ("XGBoost", self.xgboost_version),
        ]
        summary = self.summary()
        headline = [(HEADLINE[k], v) for k, v in summary.items() if k in HEADLINE]
        table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
        heads = "".join(
            f'<div class="metric"><span>{_e(k)}</span><b>{v:.4f}</b></div>' for k, v in headline
        )
        notes = "".join(f"<li>{_e(n)}</li>" for n in self.notes)
        skipped = "".join(
            f"<li><a href='#{s}'>{_e(_section_text(self, s)[0])}</a>: {_e(r)}</li>"
            for s, r in self.skipped.items()
        )
        return (
            f'<header id="report-title"><h1>{_e(self.title)}</h1>'
            f'<p class="created">Created on {self.created:%Y-%m-%d %H:%M:%S} UTC</p>'
            f'<table class="meta">{table}</table>'
            + (f'<div class="metrics">{heads}</div>' if heads else "")
            + (f'<div class="notes"><h3>Notes</h3><ul>{notes}</ul></div>' if notes else "")
            + (
                f'<div class="notes"><h3>Sections skipped</h3><ul>{skipped}</ul></div>'
                if skipped
                else ""
            )
            + "</header>"
        )

    def _toc_html(self, sections: list[dict]) -> str:
        items = "".join(
            f'<li><a href="#{s["id"]}">{_e(s["title"])}</a>'
            + (' <span class="skip">(skipped)</span>' if s["skipped"] else "")
            + "</li>"
            for s in sections
        )
        return f'<nav id="contents"><h2>Contents</h2><ol>{items}</ol></nav>'

    # ------------------------------------------------------------------ outputs

    def to_html(self, path: str | os.PathLike) -> Path:
        """Write the report as one standalone HTML file (Bokeh inline: works offline)."""
        from bokeh.embed import file_html
        from bokeh.models import Div
        from bokeh.resources import INLINE

        sections = self.sections()
        parts: list[tuple[str, str]] = [
            ("html", self._header_html()),
            ("html", self._toc_html(sections)),
        ]
        roots = []
        for number, s in enumerate(sections, 1):
            parts.append(("html", f'<section id="{s["id"]}"><h2>{number}. {_e(s["title"])}</h2>'))
            parts.append(("html", f'<p class="how">{_e(s["text"])}</p>'))
            if s["skipped"]:
                parts.append(("html", f'<p class="skipped">Skipped: {_e(s["skipped"])}</p>'))
            parts.append(("html", s["html"]))
            for figure in s["figures"]:
                figure.name = f"plot{len(roots)}"
                roots.append(figure)
                parts.append(("plot", figure.name))
            for caption, frame, formats in s["tables"]:
                parts.append(("html", _table_html(caption, frame, formats)))
            parts.append(("html", "</section>"))
        parts.append(("html", _FOOTER))
        if not roots:  # Bokeh needs a root to render a page
            roots.append(Div(text="", name="empty"))
        page = file_html(
            roots,
            resources=INLINE,
            title=self.title,
            template=_PAGE_TEMPLATE,
            template_variables={"parts": parts, "report_css": _CSS},
        )
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        return target.absolute()

    def show(self, interactive: bool = False) -> None:
        """Display the report in a Jupyter notebook.

        By default the figures are static PNGs (small, and visible wherever the notebook is
        rendered, GitHub included); `interactive=True` shows the zoomable Bokeh plots instead,
        which adds about 8 MB of BokehJS to the saved notebook. The standalone page
        (`to_html`) is always interactive.
        """
        try:
            from IPython import get_ipython
            from IPython.display import HTML, Image, display
        except ImportError:  # pragma: no cover - IPython missing: plain text
            print(self.text())
            return
        shell = get_ipython()
        if shell is None or not hasattr(shell, "kernel"):
            print(self.text())
            return
        from bokeh.io import show

        images: dict[str, bytes] = {}
        if interactive:
            _notebook_output()
        else:
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                for path in self.save_pngs(folder):
                    images[STATIC_FIGURES[path.name]] = path.read_bytes()
        sections = self.sections()
        display(HTML(self._header_html() + self._toc_html(sections)))
        for number, s in enumerate(sections, 1):
            text = f'<h2 id="{s["id"]}">{number}. {_e(s["title"])}</h2><p>{_e(s["text"])}</p>'
            if s["skipped"]:
                text += f"<p><b>Skipped:</b> {_e(s['skipped'])}</p>"
            display(HTML(text + s["html"]))
            if interactive:
                for figure in s["figures"]:
                    show(figure)
            elif s["id"] in images:
                display(Image(data=images[s["id"]], format="png"))
            for caption, frame, formats in s["tables"]:
                display(HTML(f"<b>{_e(caption)}</b>"))
                display(_formatted(frame, formats))

    def text(self) -> str:
        """A plain-text version: headline numbers, skipped sections and the main tables."""
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k:18} {v}" for k, v in self.summary().items()]
        for note in self.notes:
            lines.append(f"note: {note}")
        for section, reason in self.skipped.items():
            lines.append(f"skipped {section}: {reason}")
        for name, frame in self.tables().items():
            lines += ["", name, frame.round(4).to_string()]
        return "\n".join(lines)

    def save_pngs(self, folder: str | os.PathLike) -> list[Path]:
        """Static PNGs (matplotlib, Agg) of the main figures: confusion matrix, ROC curve,
        feature importance and loss; the ones that do not apply are left out."""
        return _save_pngs(self, Path(folder))


# ---------------------------------------------------------------------- building


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _prepare_features(features: Any, booster: xgb.Booster) -> tuple[Any, int, list[str] | None]:
    """Rows as XGBoost wants them; refuses a column count the model was not trained on."""
    expected = booster.num_features()
    names = None
    if isinstance(features, xgb.DMatrix):
        if features.num_col() > expected:
            raise ReportError(
                f"the data has {features.num_col()} feature columns but the model was trained on "
                f"{expected} features"
            )
        return features, features.num_row(), features.feature_names
    if hasattr(features, "columns") and hasattr(features, "to_numpy"):  # pandas DataFrame
        names = [str(c) for c in features.columns]
        try:
            features = features.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ReportError(f"the features must all be numeric: {error}") from None
    import scipy.sparse

    if not scipy.sparse.issparse(features):
        features = np.asarray(features, dtype=np.float64)
        if features.ndim == 1:
            features = features.reshape(-1, 1) if expected == 1 else features.reshape(1, -1)
    if features.ndim != 2 or features.shape[1] != expected:
        got = features.shape[1] if features.ndim == 2 else features.shape
        raise ReportError(
            f"the data has {got} feature columns but the model was trained on {expected} "
            "features: pass the same feature columns, in the same order, as the training data "
            "(and the label separately)"
        )
    dmatrix = xgb.DMatrix(
        features,
        feature_names=booster.feature_names,
        feature_types=booster.feature_types,
        enable_categorical=bool(booster.feature_types and "c" in booster.feature_types),
        nthread=-1,
    )
    return dmatrix, features.shape[0], names


def _predict(booster: xgb.Booster, dmatrix: xgb.DMatrix, kind: str, objective: str, rounds=None):
    """(scores, predicted labels): P(label 1) / class probabilities / values."""
    options = {} if rounds is None else {"iteration_range": (0, rounds)}
    if kind == "binary":
        if objective == "binary:logistic":
            scores = booster.predict(dmatrix, **options).astype(np.float64)
        else:  # logitraw, hinge: turn the margin into a probability-like score
            margin = booster.predict(dmatrix, output_margin=True, **options).astype(np.float64)
            scores = _sigmoid(margin)
        return scores, (scores > THRESHOLD).astype(int)
    if kind == "multiclass":
        margin = booster.predict(dmatrix, output_margin=True, **options).astype(np.float64)
        margin = margin.reshape(dmatrix.num_row(), -1)
        margin -= margin.max(axis=1, keepdims=True)
        probabilities = np.exp(margin)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return probabilities, probabilities.argmax(axis=1)
    return booster.predict(dmatrix, **options).astype(np.float64), None


def _feature_importance(
    booster: xgb.Booster, names: list[str], notes: list[str]
) -> dict[str, dict[str, float]]:
    model_names = booster.feature_names or [f"f{i}" for i in range(booster.num_features())]
    out = {}
    for kind in IMPORTANCE_TYPES:
        try:
            scores = booster.get_score(importance_type=kind)
        except (xgb.core.XGBoostError, ValueError) as error:
            notes.append(f"feature importance by {kind} is not available: {_xgb_message(error)}")
            continue
        values = {}
        for model_name, shown in zip(model_names, names, strict=True):
            value = scores.get(model_name, 0.0)
            values[shown] = float(np.sum(value)) if isinstance(value, list) else float(value)
        out[kind] = values
    return out


def _steps(rounds: int) -> list[int]:
    step = max(1, rounds // MAX_STEPS)
    return sorted(set(range(step, rounds + 1, step)) | {rounds})


def _class_accuracy(booster, dmatrix, kind, objective, labels, classes) -> dict:
    rounds = booster.num_boosted_rounds()
    steps = _steps(rounds)
    per_class: dict[int, list[float]] = {c: [] for c in classes}
    overall = []
    masks = {c: labels == c for c in classes}
    for i in steps:
        _, predicted = _predict(booster, dmatrix, kind, objective, rounds=i)
        for c in classes:
            n = masks[c].sum()
            per_class[c].append(float((predicted[masks[c]] == c).mean()) if n else math.nan)
        overall.append(float((predicted == labels).mean()))
    return {"iterations": steps, "per_class": per_class, "overall": overall}


def _error_by_label_bin(booster, dmatrix, objective, labels) -> dict:
    """Regression: mean absolute error per label range (quantile bins) over the iterations."""
    rounds = booster.num_boosted_rounds()
    steps = _steps(rounds)
    edges = np.unique(np.quantile(labels, np.linspace(0, 1, 5)))
    if edges.size < 2:
        edges = np.array([labels.min(), labels.max() + 1e-12])
    bins = np.clip(np.searchsorted(edges, labels, side="right") - 1, 0, edges.size - 2)
    names = [f"{edges[i]:.4g} to {edges[i + 1]:.4g}" for i in range(edges.size - 1)]
    per_bin: dict[str, list[float]] = {n: [] for n in names}
    overall = []
    for i in steps:
        predicted, _ = _predict(booster, dmatrix, "regression", objective, rounds=i)
        error = np.abs(labels - predicted)
        for b, name in enumerate(names):
            chosen = bins == b
            per_bin[name].append(float(error[chosen].mean()) if chosen.any() else math.nan)
        overall.append(float(error.mean()))
    return {"iterations": steps, "per_class": per_bin, "overall": overall, "regression": True}


def build_report(
    booster: xgb.Booster,
    features: Any,
    labels: Any,
    *,
    history: Any = None,
    feature_names: Sequence[str] | None = None,
    objective: str | None = None,
    title: str = DEFAULT_TITLE,
    notes: Sequence[str] = (),
    data_name: str = "the validation data",
) -> Report:
    """Compute every number of the training report (nothing is drawn yet).

    `features`: rows with the model's feature columns (NumPy, pandas, SciPy sparse, DMatrix);
    `labels`: one per row, or None; `history`: XGBoost's evals_result dict, or the path of an
    eval_history.json / output.tar.gz. Label 1 is the positive class; threshold 0.5.
    """
    from sklearn import metrics

    notes = list(notes)
    skipped: dict[str, str] = {}
    objective = objective or booster_objective(booster)
    kind = objective_kind(objective)
    dmatrix, rows, data_names = _prepare_features(features, booster)
    if rows == 0:
        raise ReportError("the data holds no rows: nothing to evaluate")
    names = list(feature_names or booster.feature_names or data_names or [])
    if len(names) != booster.num_features():
        if names:
            notes.append(
                f"{len(names)} feature names were given for {booster.num_features()} features: "
                "using f0, f1, ... instead"
            )
        names = [f"f{i}" for i in range(booster.num_features())]

    evals, best_iteration, history_note = read_history(history)
    if history_note:
        notes.append(history_note)

    scores, predicted = _predict(booster, dmatrix, kind, objective)
    if objective not in ("binary:logistic",) and kind == "binary":
        notes.append(
            f"{objective} outputs no probabilities: the scores shown are the sigmoid of the raw "
            "margin (same ranking, so the ROC curve and AUC are exact)"
        )

    y = None
    if labels is not None:
        y = np.asarray(labels, dtype=np.float64).ravel()
        if y.shape[0] != rows:
            raise ReportError(f"{y.shape[0]} labels for {rows} rows: pass one label per row")
        if np.isnan(y).any():
            raise ReportError(f"row {int(np.flatnonzero(np.isnan(y))[0]) + 1} has no label")

    classes: list[int] | None = None
    if kind == "binary":
        classes = [0, 1]
    elif kind == "multiclass":
        count = _num_class(booster) or (scores.shape[1] if scores.ndim == 2 else 0)
        classes = list(range(count))
    if y is not None and classes is not None:
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ReportError(
                f"label {unknown[0]:g} is not a class of this {objective} model (classes: "
                f"{', '.join(map(str, classes))}); the label must be the first column, encoded "
                "as 0/1" + (" " if kind == "binary" else ", 1, ... ") + "as in training"
            )
        y = y.astype(int)

    no_labels = (
        "the data has no labels (only feature columns), so nothing can be compared with the "
        "truth; pass the labelled validation data to see this section"
    )
    classification_only = f"does not apply to a {objective} model (classification only)"
    binary_only = f"does not apply to a {objective} model (binary classification only)"

    label_distribution = None
    if y is None:
        skipped["label-distribution"] = no_labels
    elif classes is not None:
        label_distribution = {c: int((y == c).sum()) for c in classes}
    if evals is None:
        skipped["loss"] = (
            "no per-iteration evaluation history was given"
            + (f" ({history_note})" if history_note else "")
            + ": pass history= (the evals_result dict of xgb.train, or an eval_history.json)"
        )

    importance = _feature_importance(booster, names, notes)
    if not importance:
        skipped["feature-importance"] = "XGBoost gives no feature importance for this model"

    matrix = confusion = report = accuracy = roc = auc = class_accuracy = None
    residuals = regression_metrics = None
    if kind in ("binary", "multiclass") and y is not None:
        matrix = metrics.confusion_matrix(y, predicted, labels=classes)
        report = metrics.classification_report(
            y,
            predicted,
            labels=classes,
            target_names=[str(c) for c in classes],
            output_dict=True,
            zero_division=0,
        )
        accuracy = float(metrics.accuracy_score(y, predicted))
        if kind == "binary":
            tn, fp, fn, tp = (int(v) for v in matrix.ravel())
            meanings = {
                "TP": ("true positive: label 1, predicted 1", tp, tp + fn),
                "FN": ("false negative: label 1, predicted 0", fn, tp + fn),
                "FP": ("false positive: label 0, predicted 1", fp, fp + tn),
                "TN": ("true negative: label 0, predicted 0", tn, fp + tn),
            }
            confusion = {
                name: {
                    "meaning": meaning,
                    "count": count,
                    "percent_of_all": 100.0 * count / rows,
                    "percent_of_class": 100.0 * count / total if total else math.nan,
                }
                for name, (meaning, count, total) in meanings.items()
            }
            if len(np.unique(y)) == 2:
                fpr, tpr, thresholds = metrics.roc_curve(y, scores, pos_label=POSITIVE_LABEL)
                auc = float(metrics.roc_auc_score(y, scores))
                roc = {"fpr": fpr, "tpr": tpr, "thresholds": thresholds}
            else:
                skipped["roc-curve"] = (
                    f"the labels hold only class {int(y[0])}: a ROC curve needs both classes"
                )
        try:
            class_accuracy = _class_accuracy(booster, dmatrix, kind, objective, y, classes)
        except xgb.core.XGBoostError as error:
            skipped["class-accuracy"] = (
                f"XGBoost cannot predict with part of this model: {_xgb_message(error)}"
            )
    elif kind == "regression" and y is not None:
        residuals = y - scores
        regression_metrics = {
            "rmse": float(np.sqrt(metrics.mean_squared_error(y, scores))),
            "mae": float(metrics.mean_absolute_error(y, scores)),
            "r2": float(metrics.r2_score(y, scores)) if rows > 1 else math.nan,
        }
        try:
            class_accuracy = _error_by_label_bin(booster, dmatrix, objective, y)
        except xgb.core.XGBoostError as error:
            skipped["class-accuracy"] = (
                f"XGBoost cannot predict with part of this model: {_xgb_message(error)}"
            )

    for section in ("confusion-matrix", "classification-report", "class-accuracy", "roc-curve"):
        if section in skipped:
            continue
        if y is None:
            skipped[section] = no_labels
        elif section == "roc-curve" and kind != "binary":
            skipped[section] = binary_only
        elif section == "class-accuracy" and kind == "regression":
            continue
        elif kind not in ("binary", "multiclass"):
            skipped[section] = classification_only
    if kind == "regression" and y is not None:
        skipped.pop("classification-report", None)
    if kind == "other":
        notes.append(
            f"the report covers binary, multi-class and regression objectives; for {objective} "
            "it shows the loss curves, the feature importance and the predicted values only"
        )
        if y is not None:
            skipped["label-distribution"] = f"does not apply to a {objective} model"
    if kind == "regression" and y is not None:
        label_distribution = None  # a histogram, drawn from `labels`

    skipped = {s: skipped[s] for s in SECTIONS if s in skipped}
    return Report(
        title=title,
        created=datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        objective=objective,
        kind=kind,
        num_rows=rows,
        num_features=booster.num_features(),
        num_rounds=booster.num_boosted_rounds(),
        feature_names=names,
        xgboost_version=xgb.__version__,
        labels=y,
        predictions=scores,
        predicted_labels=predicted,
        classes=classes,
        label_distribution=label_distribution,
        importance=importance,
        history=evals,
        best_iteration=best_iteration,
        confusion_matrix=matrix,
        confusion=confusion,
        classification_report=report,
        accuracy=accuracy,
        roc=roc,
        auc=auc,
        class_accuracy=class_accuracy,
        residuals=residuals,
        regression_metrics=regression_metrics,
        skipped=skipped,
        notes=[f"evaluated on {data_name} ({rows:,} rows)"] + notes,
    )


# ---------------------------------------------------------------------- entry points


def report_from_artifact(
    model_tar_or_file: str | os.PathLike,
    validation_csv: str | os.PathLike,
    history: Any = None,
    *,
    allow_pickle: bool = False,
    title: str = DEFAULT_TITLE,
    content_type: str | None = None,
    feature_names: Sequence[str] | None = None,
) -> Report:
    """The report of a model artifact (model.tar.gz or model file) on a label-first CSV.

    What the notebooks use in AWS mode, from the downloaded artifact: seconds, no Debugger
    wait. `history`: an evals_result dict, an eval_history.json or an output.tar.gz holding one.
    """
    booster = load_model(model_tar_or_file, allow_pickle=allow_pickle)
    data = read_dataset(validation_csv, booster.num_features(), content_type)
    return build_report(
        booster,
        data.features,
        data.labels,
        history=history,
        feature_names=feature_names or data.feature_names,
        title=title,
        notes=data.notes,
        data_name=Path(_local_path(validation_csv)).name,
    )


def report_from_training_job(ml_root: Path, destination: Path) -> Path:
    """The report of a finished local training job (a folder laid out like /opt/ml).

    Reads the model in model/, the validation channel (the train channel when there is none,
    said in the report) and output/data/eval_history.json; writes
    `destination/xgboost_report.html` and returns its path.
    """
    ml_root, destination = Path(ml_root), Path(destination)
    booster = load_model(ml_root / "model")
    config_file = ml_root / "input" / "config" / "inputdataconfig.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    data_root = ml_root / "input" / "data"
    notes = []

    def has_data(channel: str) -> bool:
        folder = data_root / channel
        return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))

    channel = "validation"
    if not has_data(channel):
        if not has_data("train"):
            raise ReportError(f"{data_root}: the job has neither a validation nor a train channel")
        channel = "train"
        notes.append(
            "the job had no validation channel: the report evaluates the model on its own "
            "training data, so the scores are optimistic (add a validation channel)"
        )
    content_type = (config.get(channel) or {}).get("ContentType")
    data = read_dataset(data_root / channel, booster.num_features(), content_type)
    report = build_report(
        booster,
        data.features,
        data.labels,
        history=ml_root / "output" / "data" / HISTORY_FILE_NAME,
        feature_names=None if booster.feature_names else data.feature_names,
        notes=notes + data.notes,
        data_name=f"the {channel} channel",
    )
    return report.to_html(destination / REPORT_FILE_NAME)


# ============================================================================ rendering


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _section_text(report: Report, section: str) -> tuple[str, str]:
    """(title, how to read it) for one section, worded for the report's objective."""
    regression = report.kind == "regression"
    if section == "label-distribution":
        if regression:
            return "Distribution of true labels", (
                "A histogram of the target values in the evaluated data. Compare it with the "
                "residuals below: a model is usually least accurate where labels are rare."
            )
        return "Distribution of true labels", (
            "How many rows of the evaluated data carry each label. When one class dominates, "
            "accuracy alone flatters the model: always predicting the majority class already "
            "scores its share. Look at per-class recall and F1 below instead."
        )
    if section == "loss":
        return "Loss and metrics per iteration", (
            "The evaluation metrics XGBoost computed after every boosting round, on the "
            "training and the validation data. Both curves should fall (or, for AUC, rise) and "
            "flatten. A validation curve that turns back up while the training curve keeps "
            "improving means the model is overfitting: fewer rounds, a smaller eta or early "
            "stopping would help."
        )
    if section == "feature-importance":
        return "Feature importance", (
            "Three views of how the trees use each feature, each scaled so that the features "
            "add up to 1. Weight counts the splits on a feature; gain is the average loss "
            "reduction those splits bring; cover is the average number of rows they affect. "
            "Gain is usually the most telling. Importance shows what the model relies on, not "
            "cause and effect, and correlated features share it."
        )
    if section == "confusion-matrix":
        return "Confusion matrix", (
            f"Rows are the true labels, columns the predicted ones (threshold {THRESHOLD} on "
            f"the predicted probability; label {POSITIVE_LABEL} is the positive class). The "
            "diagonal holds the correct predictions: true positives (TP) and true negatives "
            "(TN). False negatives (FN) are positive rows the model missed; false positives "
            "(FP) are negative rows it flagged. The colour shows each cell's share of its row."
        )
    if section == "classification-report":
        if regression:
            return "Evaluation of the predictions", (
                "Error measures on the evaluated data: RMSE and MAE are in the label's unit "
                "(lower is better; RMSE weighs large errors more); R² is the share of the "
                "label's variance the model explains (1 is perfect, 0 is no better than the "
                "mean)."
            )
        return "Evaluation of the confusion matrix", (
            "Per class: precision = TP / (TP + FP), the share of rows predicted as the class "
            "that really belong to it; recall = TP / (TP + FN), the share of the class the "
            "model finds; F1, their harmonic mean, is high only when both are; support is the "
            "number of rows of the class. Accuracy is the share of all rows predicted right. "
            "The macro average weighs every class equally; the weighted average weighs them "
            "by support."
        )
    if section == "class-accuracy":
        if regression:
            return "Absolute error per label range over iterations", (
                "The mean absolute error, for rows grouped by the size of their label, "
                "recomputed with the first N boosting rounds of the model. It shows which "
                "label ranges the later rounds still improve and which they leave behind."
            )
        return "Accuracy of each class over iterations", (
            "For each true class, the share of its rows predicted correctly (the diagonal of "
            "the confusion matrix divided by its row) when the model uses only its first N "
            "boosting rounds; the dashed line is the overall accuracy. Curves that flatten early "
            "mean later rounds add little for that class."
        )
    if section == "roc-curve":
        return "ROC curve", (
            "The true-positive rate (recall of label 1) against the false-positive rate for "
            "every possible threshold on the predicted probability; the dot marks threshold "
            f"{THRESHOLD}. The area under the curve (AUC) is the chance that a random positive "
            "row scores higher than a random negative one: 0.5 is guessing, 1 is perfect. It "
            "does not depend on the threshold."
        )
    if section == "prediction-distribution":
        if regression:
            return "Distribution of residuals", (
                "Residual = true label - prediction. A narrow histogram centred on 0 is what you "
                "want; a shifted centre means the model is biased, long tails show rows it gets "
                "badly wrong."
                if report.residuals is not None
                else "A histogram of the predicted values (the data has no labels, so no "
                "residuals)."
            )
        if report.kind == "other":
            return "Distribution of predictions", "A histogram of the model's raw predictions."
        if report.kind == "multiclass":
            return "Distribution of predicted probabilities", (
                "For each true class, a histogram (in percent of the class's rows) of the "
                "probability the model gives to that class. Mass near 1 means confident, correct "
                "predictions; mass near 0 means the model believes the row belongs elsewhere."
                if report.labels is not None
                else "A histogram of the probability of the predicted class (no labels given)."
            )
        return "Distribution of predicted probabilities", (
            f"Histograms of the predicted probability of label {POSITIVE_LABEL}, one per true "
            "class, each in percent of that class's rows. A good model pushes label 1 rows "
            "towards 1 and label 0 rows towards 0; the "
            f"overlap around the threshold ({THRESHOLD}) is where its mistakes are."
            if report.labels is not None
            else f"A histogram of the predicted probability of label {POSITIVE_LABEL} "
            "(no labels given)."
        )
    raise KeyError(section)


HEADLINE = {
    "auc": "AUC",
    "accuracy": "accuracy",
    "f1_label_1": "F1, label 1",
    "f1_label_0": "F1, label 0",
    "f1_macro": "F1, macro average",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def _figure(**kwargs):
    from bokeh.plotting import figure

    options = {"width": 760, "height": 340, "tools": TOOLS, "toolbar_location": "right"}
    options.update(kwargs)
    fig = figure(**options)
    fig.title.text_font_size = "13px"
    fig.toolbar.logo = None
    return fig


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(values[np.isfinite(values)], bins=edges)
    return counts


def _show_label_distribution(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.models import ColumnDataSource, HoverTool

    figures, section_tables = entry["figures"], entry["tables"]
    if report.label_distribution:
        labels = [str(c) for c in report.label_distribution]
        counts = list(report.label_distribution.values())
        total = sum(counts)
        source = ColumnDataSource(
            {
                "label": labels,
                "rows": counts,
                "share": [f"{100 * c / total:.1f} %" for c in counts],
                "color": [PALETTE[i % len(PALETTE)] for i in range(len(labels))],
            }
        )
        fig = _figure(x_range=labels, width=520, title="Rows per true label")
        fig.vbar(x="label", top="rows", width=0.7, color="color", source=source)
        fig.text(
            x="label",
            y="rows",
            text="share",
            source=source,
            text_align="center",
            text_baseline="bottom",
            text_font_size="12px",
        )
        fig.add_tools(
            HoverTool(tooltips=[("label", "@label"), ("rows", "@rows"), ("share", "@share")])
        )
        fig.y_range.start = 0
        fig.y_range.range_padding = 0.15
        fig.xaxis.axis_label, fig.yaxis.axis_label = "true label", "rows"
        figures.append(fig)
        section_tables.append(
            ("Rows per label", tables["label_distribution"], {"share (%)": "{:.1f}"})
        )
    elif report.labels is not None:
        edges = np.histogram_bin_edges(report.labels, bins=40)
        counts = _histogram(report.labels, edges)
        fig = _figure(title="Histogram of the labels")
        fig.quad(left=edges[:-1], right=edges[1:], bottom=0, top=counts, fill_alpha=0.7)
        fig.xaxis.axis_label, fig.yaxis.axis_label = "label", "rows"
        figures.append(fig)


def _show_loss(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem, Span

    figures = entry["figures"]
    for metric in sorted({m for per in report.history.values() for m in per}):
        fig = _figure(title=f"{metric} per boosting round")
        items = []
        for i, (data_name, per) in enumerate(report.history.items()):
            if metric not in per:
                continue
            values = per[metric]
            source = ColumnDataSource(
                {
                    "round": list(range(len(values))),
                    "value": values,
                    "data": [data_name] * len(values),
                }
            )
            line = fig.line(
                "round", "value", source=source, line_width=2, color=PALETTE[i % len(PALETTE)]
            )
            items.append(LegendItem(label=f"{data_name} (last {values[-1]:.5f})", renderers=[line]))
        if report.best_iteration is not None:
            fig.add_layout(
                Span(
                    location=report.best_iteration,
                    dimension="height",
                    line_dash="dashed",
                    line_color="gray",
                )
            )
        fig.add_tools(
            HoverTool(
                tooltips=[("data", "@data"), ("round", "@round"), (metric, "@value{0.00000}")],
                mode="vline",
            )
        )
        legend = Legend(items=items, click_policy="hide", location="top_right")
        fig.add_layout(legend)
        fig.xaxis.axis_label, fig.yaxis.axis_label = "boosting round", metric
        figures.append(fig)
    if report.best_iteration is not None:
        entry["html"] = (
            f"<p>The dashed line marks the best iteration ({report.best_iteration}) chosen "
            "by early stopping.</p>"
        )


def _show_feature_importance(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.layouts import row
    from bokeh.models import ColumnDataSource, HoverTool

    figures, section_tables = entry["figures"], entry["tables"]

    frame = tables["feature_importance"]
    plots = []
    for i, kind in enumerate(frame.columns):
        values = frame[kind]
        total = values.sum()
        share = values / total if total else values
        order = share.sort_values().index.tolist()
        source = ColumnDataSource(
            {"feature": order, "share": share[order].tolist(), "raw": values[order].tolist()}
        )
        fig = _figure(
            y_range=order,
            width=300,
            height=max(260, 22 * len(order) + 60),
            title=f"by {kind}",
            tools="save",
            toolbar_location=None,
        )
        fig.hbar(
            y="feature",
            right="share",
            height=0.7,
            source=source,
            color=PALETTE[i % len(PALETTE)],
        )
        fig.add_tools(
            HoverTool(
                tooltips=[
                    ("feature", "@feature"),
                    ("share", "@share{0.000}"),
                    (kind, "@raw{0.000}"),
                ]
            )
        )
        fig.x_range.start = 0
        fig.xaxis.ticker.desired_num_ticks = 4
        fig.xaxis.axis_label = "share"
        plots.append(fig)
    figures.append(row(*plots))
    formats = {c: "{:.0f}" if c == "weight" else "{:.4f}" for c in frame.columns}
    section_tables.append(("Importance per feature (XGBoost's raw values)", frame, formats))


def _show_confusion_matrix(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.transform import linear_cmap

    figures, section_tables = entry["figures"], entry["tables"]

    order = report._matrix_order()
    index = [report.classes.index(c) for c in order]
    matrix = report.confusion_matrix[np.ix_(index, index)]
    row_totals = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, row_totals, out=np.zeros(matrix.shape), where=row_totals > 0)
    names = {(1, 1): "TP", (1, 0): "FN", (0, 1): "FP", (0, 0): "TN"}
    xs, ys, counts, rate, label, text_color = [], [], [], [], [], []
    for r, true in enumerate(order):
        for c, guess in enumerate(order):
            xs.append(str(guess))
            ys.append(str(true))
            counts.append(int(matrix[r, c]))
            rate.append(float(rates[r, c]))
            cell = names.get((true, guess), "") if report.kind == "binary" else ""
            share = 100 * matrix[r, c] / report.num_rows
            label.append(f"{cell} {matrix[r, c]:,} ({share:.1f} %)".strip())
            text_color.append("white" if rates[r, c] > 0.5 else "black")
    source = ColumnDataSource(
        {
            "predicted": xs,
            "true": ys,
            "rows": counts,
            "rate": rate,
            "label": label,
            "text_color": text_color,
        }
    )
    factors = [str(c) for c in order]
    size = 140 * len(order) + 120
    fig = _figure(
        x_range=factors,
        y_range=list(reversed(factors)),
        width=min(size, 760),
        height=min(size, 760),
        title="Confusion matrix (rows: true label)",
        tools="save",
        toolbar_location=None,
        x_axis_location="above",
    )
    fig.rect(
        "predicted",
        "true",
        width=0.98,
        height=0.98,
        source=source,
        fill_color=linear_cmap("rate", "Blues256", 1, 0),
        line_color=None,
    )
    fig.text(
        "predicted",
        "true",
        text="label",
        source=source,
        text_align="center",
        text_baseline="middle",
        text_color="text_color",
        text_font_size="13px",
    )
    fig.add_tools(
        HoverTool(
            tooltips=[
                ("true", "@true"),
                ("predicted", "@predicted"),
                ("rows", "@rows"),
                ("share of row", "@rate{0.0%}"),
            ]
        )
    )
    fig.xaxis.axis_label, fig.yaxis.axis_label = "predicted label", "true label"
    fig.grid.visible = False
    figures.append(fig)
    section_tables.append(("Rows per cell", tables["confusion_matrix"], None))
    if report.confusion:
        section_tables.append(
            (
                "The four cells",
                tables["confusion_cells"],
                {"% of all rows": "{:.1f}", "% of its true class": "{:.1f}"},
            )
        )


def _show_classification_report(report: Report, entry: dict, tables: dict) -> None:
    section_tables = entry["tables"]
    if report.classification_report:
        frame = tables["classification_report"]
        formats = {"precision": "{:.4f}", "recall": "{:.4f}", "f1-score": "{:.4f}"}
        entry["html"] = (
            f'<p class="big">Accuracy: <b>{report.accuracy:.4f}</b> '
            f"({report.accuracy * 100:.1f} % of {report.num_rows:,} rows)</p>"
        )
        section_tables.append(("Classification report", frame, formats))
    elif report.regression_metrics:
        section_tables.append(("Error measures", tables["regression_metrics"], {"value": "{:.4f}"}))


def _show_class_accuracy(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.models import Legend, LegendItem

    figures = entry["figures"]
    data = report.class_accuracy
    regression = data.get("regression", False)
    fig = _figure(
        title="Mean absolute error per label range"
        if regression
        else "Share of each true class predicted correctly"
    )
    items = []
    for i, (name, values) in enumerate(data["per_class"].items()):
        line = fig.line(data["iterations"], values, line_width=2, color=PALETTE[i % len(PALETTE)])
        items.append(LegendItem(label=f"label {name}", renderers=[line]))
    line = fig.line(
        data["iterations"], data["overall"], line_width=2, line_dash="dashed", color="black"
    )
    items.append(LegendItem(label="all rows", renderers=[line]))
    fig.add_layout(
        Legend(
            items=items,
            click_policy="hide",
            location="top_right" if regression else "bottom_right",
        )
    )
    fig.xaxis.axis_label = "boosting rounds used"
    fig.yaxis.axis_label = "mean absolute error" if regression else "accuracy"
    figures.append(fig)


def _show_roc_curve(report: Report, entry: dict, tables: dict) -> None:
    from bokeh.models import ColumnDataSource, HoverTool

    figures = entry["figures"]
    roc = report.roc
    source = ColumnDataSource(
        {"fpr": roc["fpr"], "tpr": roc["tpr"], "threshold": np.minimum(roc["thresholds"], 1.0)}
    )
    fig = _figure(
        width=520,
        height=480,
        title=f"ROC curve, AUC = {report.auc:.4f}",
        x_range=(-0.01, 1.01),
        y_range=(-0.01, 1.01),
    )
    fig.line(
        "fpr", "tpr", source=source, line_width=2, legend_label=f"model (AUC {report.auc:.4f})"
    )
    fig.line([0, 1], [0, 1], line_dash="dashed", color="gray", legend_label="chance (AUC 0.5)")
    cells = report.confusion
    point_fpr = cells["FP"]["count"] / max(1, cells["FP"]["count"] + cells["TN"]["count"])
    point_tpr = cells["TP"]["count"] / max(1, cells["TP"]["count"] + cells["FN"]["count"])
    fig.scatter(
        [point_fpr],
        [point_tpr],
        size=9,
        color=PALETTE[3],
        legend_label=f"threshold {THRESHOLD}",
    )
    fig.add_tools(
        HoverTool(
            tooltips=[
                ("false-positive rate", "@fpr{0.000}"),
                ("true-positive rate", "@tpr{0.000}"),
                ("threshold", "@threshold{0.000}"),
            ]
        )
    )
    fig.legend.location = "bottom_right"
    fig.xaxis.axis_label = "false-positive rate (FP / (FP + TN))"
    fig.yaxis.axis_label = "true-positive rate (TP / (TP + FN))"
    figures.append(fig)
    entry["html"] = f'<p class="big">AUC: <b>{report.auc:.4f}</b></p>'


def _show_prediction_distribution(report: Report, entry: dict, tables: dict) -> None:
    figures = entry["figures"]
    figures.append(_distribution_figure(report))


_SECTION_VIEWS = {
    "label-distribution": _show_label_distribution,
    "loss": _show_loss,
    "feature-importance": _show_feature_importance,
    "confusion-matrix": _show_confusion_matrix,
    "classification-report": _show_classification_report,
    "class-accuracy": _show_class_accuracy,
    "roc-curve": _show_roc_curve,
    "prediction-distribution": _show_prediction_distribution,
}


def _fill_section(report: Report, section: str, entry: dict, tables: dict) -> None:
    """Figures (Bokeh) and tables for one section that applies."""
    _SECTION_VIEWS[section](report, entry, tables)


def _distribution_figure(report: Report):
    from bokeh.models import ColumnDataSource, HoverTool

    if report.kind == "regression" and report.residuals is not None:
        values, what = report.residuals, "residual (label - prediction)"
        groups = {"all rows": values}
    elif report.kind == "binary":
        values, what = report.predictions, f"predicted probability of label {POSITIVE_LABEL}"
        groups = (
            {f"true label {c}": values[report.labels == c] for c in (1, 0)}
            if report.labels is not None
            else {"all rows": values}
        )
    elif report.kind == "multiclass":
        if report.labels is not None:
            what = "probability given to the true class"
            picked = report.predictions[np.arange(report.num_rows), report.labels]
            groups = {f"true label {c}": picked[report.labels == c] for c in report.classes}
        else:
            what = "probability of the predicted class"
            groups = {"all rows": report.predictions.max(axis=1)}
    else:
        what = "prediction"
        groups = {"all rows": report.predictions}
    probability = report.kind in ("binary", "multiclass")
    finite = np.concatenate([g[np.isfinite(g)] for g in groups.values()])
    edges = (
        np.linspace(0, 1, 51)
        if probability
        else np.histogram_bin_edges(finite if finite.size else [0.0], bins=50)
    )
    shares = len(groups) > 1  # one histogram per class: compare shapes, not class sizes
    fig = _figure(title=f"Histogram of the {what}")
    for i, (name, group) in enumerate(groups.items()):
        counts = _histogram(group, edges)
        source = ColumnDataSource(
            {
                "left": edges[:-1],
                "right": edges[1:],
                "rows": counts,
                "top": 100 * counts / max(1, group.size) if shares else counts,
            }
        )
        fig.quad(
            left="left",
            right="right",
            bottom=0,
            top="top",
            source=source,
            fill_alpha=0.45,
            color=PALETTE[i % len(PALETTE)],
            legend_label=f"{name} ({group.size:,} rows)",
        )
    if report.kind == "binary":
        fig.add_layout(_span(THRESHOLD))
    elif report.kind == "regression" and report.residuals is not None:
        fig.add_layout(_span(0.0))
    fig.add_tools(
        HoverTool(tooltips=[("from", "@left{0.000}"), ("to", "@right{0.000}"), ("rows", "@rows")])
    )
    fig.legend.click_policy = "hide"
    fig.legend.location = "top_left" if report.kind == "binary" else "top_right"
    fig.y_range.start = 0
    fig.xaxis.axis_label = what
    fig.yaxis.axis_label = "% of the class's rows" if shares else "rows"
    return fig


def _span(at: float):
    from bokeh.models import Span

    return Span(location=at, dimension="height", line_dash="dashed", line_color="black")


def _formatted(frame, formats: dict | None):
    """A copy with the given columns as formatted text (other floats: 4 decimals)."""
    shown = frame.copy()
    for column in shown.columns:
        pattern = (formats or {}).get(column)
        if pattern is None and shown[column].dtype.kind != "f":
            continue
        pattern = pattern or "{:.4f}"
        shown[column] = [
            pattern.format(v) if isinstance(v, int | float) and not math.isnan(v) else v
            for v in shown[column]
        ]
    return shown


def _table_html(caption: str, frame, formats: dict | None) -> str:
    body = _formatted(frame, formats).to_html(border=0, classes="data")
    return f'<figure class="table"><figcaption>{_e(caption)}</figcaption>{body}</figure>'


_NOTEBOOK_READY: list[Any] = []


def _notebook_output() -> None:
    """Load BokehJS into the notebook once per kernel session, inline and without the banner."""
    from bokeh.io import output_notebook
    from bokeh.resources import INLINE
    from IPython import get_ipython

    shell = get_ipython()
    if shell not in _NOTEBOOK_READY:
        output_notebook(resources=INLINE, hide_banner=True)
        _NOTEBOOK_READY.append(shell)


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #222; max-width: 1080px; margin: 0 auto; padding: 1.5rem 2rem 3rem;
       line-height: 1.45; height: auto; display: block; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.created { color: #666; margin-top: 0; }
table.meta th { text-align: left; padding-right: 1.5rem; font-weight: 600; }
.metrics { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.metric { border: 1px solid #ddd; border-radius: 6px; padding: 0.4rem 0.9rem; }
.metric span { display: block; color: #666; font-size: 0.8rem; }
.metric b { font-size: 1.3rem; }
.notes { background: #f6f8fa; border-left: 4px solid #9ab; padding: 0.2rem 1rem; margin: 1rem 0; }
.notes h3 { margin: 0.5rem 0 0; font-size: 1rem; }
p.how { color: #333; max-width: 52rem; }
p.skipped { background: #fff6e5; border-left: 4px solid #e0a030; padding: 0.5rem 1rem; }
p.big { font-size: 1.1rem; }
.skip { color: #a60; font-size: 0.9rem; }
figure.table { margin: 1rem 0; }
figure.table figcaption { font-weight: 600; margin-bottom: 0.3rem; }
table.data { border-collapse: collapse; font-size: 0.9rem; }
table.data th, table.data td { border-bottom: 1px solid #e5e5e5; padding: 0.25rem 0.7rem;
                               text-align: right; }
table.data thead th { border-bottom: 2px solid #bbb; }
footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
"""

_FOOTER = (
    "<footer>Generated locally by code/xgboost_report.py from the model, the evaluated data "
    "and the evaluation history; SageMaker Debugger's CreateXgboostReport rule reports the same "
    "sections from its saved tensors.</footer>"
)

_PAGE_TEMPLATE = """
{% from macros import embed %}
{% block postamble %}<style>{{ report_css }}</style>{% endblock %}
{% block contents %}
{% for kind, value in parts %}
{% if kind == "plot" %}{{ embed(roots[value]) }}{% else %}{{ value }}{% endif %}
{% endfor %}
{% endblock %}
"""


# ---------------------------------------------------------------------- PNGs


def _save_pngs(report: Report, folder: Path) -> list[Path]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig: Figure, name: str) -> None:
        FigureCanvasAgg(fig)
        fig.tight_layout()
        path = folder / name
        fig.savefig(path, dpi=PNG_DPI, metadata={"Software": None})
        written.append(path)

    if report.confusion_matrix is not None:
        order = report._matrix_order()
        index = [report.classes.index(c) for c in order]
        matrix = report.confusion_matrix[np.ix_(index, index)]
        totals = matrix.sum(axis=1, keepdims=True)
        rates = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
        fig = Figure(figsize=(4.8, 4.2))
        ax = fig.add_subplot()
        ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        names = {(1, 1): "TP", (1, 0): "FN", (0, 1): "FP", (0, 0): "TN"}
        for r, true in enumerate(order):
            for c, guess in enumerate(order):
                cell = names.get((true, guess), "") if report.kind == "binary" else ""
                share = 100 * matrix[r, c] / report.num_rows
                ax.text(
                    c,
                    r,
                    f"{cell}\n{matrix[r, c]:,}\n({share:.1f} %)".lstrip(),
                    ha="center",
                    va="center",
                    color="white" if rates[r, c] > 0.5 else "black",
                )
        ax.set_xticks(range(len(order)), [str(c) for c in order])
        ax.set_yticks(range(len(order)), [str(c) for c in order])
        ax.set_xlabel("predicted label")
        ax.set_ylabel("true label")
        ax.set_title("Confusion matrix")
        save(fig, "report_confusion_matrix.png")
    if report.roc is not None:
        fig = Figure(figsize=(4.8, 4.4))
        ax = fig.add_subplot()
        ax.plot(report.roc["fpr"], report.roc["tpr"], lw=2, label=f"model (AUC {report.auc:.3f})")
        ax.plot([0, 1], [0, 1], "--", color="gray", label="chance (AUC 0.5)")
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        ax.set_title("ROC curve")
        ax.legend(loc="lower right")
        ax.set_aspect("equal")
        save(fig, "report_roc.png")
    if report.importance:
        frame = report.tables()["feature_importance"]
        fig = Figure(figsize=(10, 0.28 * len(frame) + 1.6))
        for i, kind in enumerate(frame.columns):
            ax = fig.add_subplot(1, len(frame.columns), i + 1)
            values = frame[kind] / (frame[kind].sum() or 1)
            values = values.sort_values()
            ax.barh(values.index, values.to_numpy(), color=PALETTE[i % len(PALETTE)])
            ax.set_title(f"by {kind}")
            ax.set_xlabel("share")
            ax.tick_params(axis="y", labelsize=8)
        fig.suptitle("Feature importance")
        save(fig, "report_feature_importance.png")
    if report.history:
        metrics_seen = sorted({m for per in report.history.values() for m in per})
        fig = Figure(figsize=(6.4, 3.4 * len(metrics_seen)))
        for j, metric in enumerate(metrics_seen):
            ax = fig.add_subplot(len(metrics_seen), 1, j + 1)
            for i, (data_name, per) in enumerate(report.history.items()):
                if metric in per:
                    ax.plot(per[metric], lw=1.6, color=PALETTE[i % len(PALETTE)], label=data_name)
            if report.best_iteration is not None:
                ax.axvline(report.best_iteration, ls="--", color="gray")
            ax.set_xlabel("boosting round")
            ax.set_ylabel(metric)
            ax.set_title(f"{metric} per boosting round")
            ax.legend()
        save(fig, "report_loss.png")
    return written
