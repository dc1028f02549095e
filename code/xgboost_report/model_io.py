"""Model files: what they hold (sniffed by content), safe tar extraction, and loading.

Model files load without ever unpickling by default: XGBoost JSON, UBJSON and the legacy binary
format of XGBoost 1.x (what SageMaker's own containers write as `xgboost-model`) are recognised
by their content; a pickle or joblib file is refused unless the caller opts in.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import pickle
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import xgboost as xgb

from .constants import MODEL_PREFIX
from .errors import PickleRefused, ReportError, xgb_message

PICKLE_RISK = (
    "Loading a pickle runs whatever code the file contains, so a tampered or untrusted model "
    "file can take over your machine. The SageMaker XGBoost containers never need it: save "
    "models with Booster.save_model (JSON, UBJSON or the XGBoost 1.x binary format). If you "
    "trust this file (you made it yourself), pass allow_pickle=True to load it anyway."
)


def local_path(path_or_uri: str | os.PathLike) -> Path:
    """A local path from a path or a file:// URI; other URIs are refused with what to do."""
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
            archive.next()  # a readable archive is a tar, even with no member
            return True
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError):
        return False


MAX_MODEL_BYTES = 2 * 1024**3  # far above any model this lab trains
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


def _load_bytes(data: bytes, source: str) -> xgb.Booster:
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(data))
    except xgb.core.XGBoostError as error:
        message = xgb_message(error)
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
    """The model file inside a `model.tar.gz`: only that member is extracted, and only when
    its size is plausible for a model (a tar bomb is refused before anything is written)."""
    with tempfile.TemporaryDirectory(prefix="xgboost-report-") as folder:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = _safe_members(archive, source)
            files = [m for m in members if m.isfile()]
            if not files:
                raise ReportError(
                    f"{source}: the archive holds no file: the training job saved no model (a "
                    "stopped or failed job's model.tar.gz holds what /opt/ml/model held). Use "
                    "a completed job's model."
                )
            chosen = next(m for m in files if m.name == _pick_model_member(
                [m.name for m in files], source))  # fmt: skip
            if chosen.size > MAX_MODEL_BYTES:
                raise ReportError(f"{source}!{chosen.name}: {chosen.size:,} bytes is too large "
                                  "for a model file; refusing to extract it")  # fmt: skip
            archive.extractall(folder, members=[chosen], filter="data")
        target = Path(folder, chosen.name)
        return target.read_bytes(), f"{source}!{chosen.name}"


def _model_from_folder(folder: Path) -> Path:
    names = [str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file()]
    return folder / _pick_model_member(names, str(folder))


def load_model(path_or_uri: str | os.PathLike, allow_pickle: bool = False) -> xgb.Booster:
    """An XGBoost Booster from a model.tar.gz, a model file or a model folder (path or file://).

    The format is recognised by content: JSON, UBJSON, the XGBoost 1.x binary format, a tarball
    (extracted without path traversal). Pickle/joblib files are refused unless
    `allow_pickle=True`: unpickling runs code from the file, so opt in only for files you trust.
    """
    path = local_path(path_or_uri)
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


def booster_objective(booster: xgb.Booster) -> str:
    """The objective the booster was trained with (from its saved configuration)."""
    config = json.loads(booster.save_config())
    return config["learner"]["objective"]["name"]


def num_class(booster: xgb.Booster) -> int:
    """The number of classes of a multi-class booster (0 for the other objectives)."""
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
