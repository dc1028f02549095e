"""`sagemaker_xgboost_container.data_utils`: load a channel into an XGBoost DMatrix.

Behaviour of the image's module (branch 1.7-1) that this one keeps: `get_dmatrix(data_path,
content_type, csv_weights=0, is_pipe=False)` takes a file, a folder or a list of them, gathers
every file down to MAX_FOLDER_DEPTH folders deep, and reads them together; the label is the
first column (CSV, Parquet) or LIBSVM's label; with `csv_weights=1` the second CSV column is
the instance weight; a path that does not exist gives None; data without labels is an error.
`content_type` is one of `csv`, `libsvm`, `parquet`, `recordio-protobuf` (any case).

The files are read by the local built-in algorithm's readers (`localsm.builtin.data`), the
ones the image's built-in mode uses this module for, so a header row or a text value fails
naming the file, line and column instead of loading as garbage. RecordIO-protobuf needs the
image's `mlio` library and is refused.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from sagemaker_containers._local import refusal

CSV = "csv"
LIBSVM = "libsvm"
PARQUET = "parquet"
RECORDIO_PROTOBUF = "recordio-protobuf"
MAX_FOLDER_DEPTH = 3
_FORMATS = {
    CSV: CSV, "text/csv": CSV,
    LIBSVM: LIBSVM, "text/libsvm": LIBSVM, "text/x-libsvm": LIBSVM,
    PARQUET: PARQUET, "application/x-parquet": PARQUET,
    RECORDIO_PROTOBUF: RECORDIO_PROTOBUF, "application/x-recordio-protobuf": RECORDIO_PROTOBUF,
}  # fmt: skip


class UserError(ValueError):
    """A problem with the data or the arguments (the image raises its own UserError)."""


def get_content_type(content_type_cfg_val: str | None) -> str:
    """`csv`, `libsvm`, `parquet` or `recordio-protobuf` for a channel's ContentType
    (None: libsvm); `text/csv; label_size=1` is csv, any other label_size an error."""
    if content_type_cfg_val is None:
        return LIBSVM
    media, *parameters = (p.strip() for p in content_type_cfg_val.lower().split(";"))
    found = _FORMATS.get(media)
    if found is None:
        raise UserError(
            f"{content_type_cfg_val} is not an accepted ContentType: "
            + ", ".join(sorted(_FORMATS))
            + "."
        )
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if found == CSV and key.strip() == "label_size" and value.strip() != "1":
            raise UserError(
                f"{content_type_cfg_val} is not an accepted csv ContentType. "
                "Optional parameter label_size must be equal to 1"
            )
    return found


def _gather(path: Path, into: Path, depth: int, found: list[Path]) -> None:
    """Links to the files under `path` (files deeper than MAX_FOLDER_DEPTH left out, with a
    warning, as the image does) in the flat folder `into`."""
    if path.is_file():
        link = into / f"{len(found):05d}-{path.name}"
        link.symlink_to(path.resolve())
        found.append(link)
        return
    if depth > MAX_FOLDER_DEPTH:
        logging.warning(
            "The depth of folder %s exceeds the limit %s: files in deeper folders are not "
            "loaded.", path, MAX_FOLDER_DEPTH,
        )  # fmt: skip
        return
    for child in sorted(path.iterdir()):
        _gather(child, into, depth + 1, found)


def get_dmatrix(data_path, content_type: str, csv_weights: int = 0, is_pipe: bool = False):
    """A DMatrix of the data under `data_path` (a path or a list), or None when a single
    path does not exist. `is_pipe`: locally a Pipe-mode channel is a folder of files too."""
    import xgboost as xgb

    from localsm.builtin import UserError as AlgorithmUserError
    from localsm.builtin.data import read_channel

    fmt = content_type.lower()
    if fmt == RECORDIO_PROTOBUF:
        raise UserError(refusal("Reading RecordIO-protobuf data (the image's mlio library)"))
    if fmt not in (CSV, LIBSVM, PARQUET):
        raise UserError(
            f"content_type {content_type!r} is not one of 'csv', 'libsvm', 'parquet', "
            "'recordio-protobuf'"
        )
    paths = [Path(p) for p in data_path] if isinstance(data_path, list | tuple) else None
    if paths is None:
        if data_path is None or not os.path.exists(data_path):
            logging.info("File path %s does not exist!", data_path)
            return None
        paths = [Path(data_path)]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserError(f"Unable to read {', '.join(missing)}: no such file or folder")
    flat = Path(tempfile.mkdtemp(prefix="sagemaker_xgboost_input_data-"))
    try:
        found: list[Path] = []
        for path in paths:
            _gather(path, flat, 1, found)
        name = paths[0].name or "data"
        try:
            table = read_channel(flat, name, fmt, int(csv_weights))
        except AlgorithmUserError as error:
            raise UserError(str(error).replace(str(flat), name)) from None
        matrix = xgb.DMatrix(table.features, label=table.labels, weight=table.weights)
    finally:
        shutil.rmtree(flat, ignore_errors=True)
    if matrix.get_label().size == 0:
        raise UserError("Got input data without labels. Please check the input data set.")
    return matrix


def get_size(data_path, is_pipe: bool = False) -> int:
    """Bytes of data under `data_path` (0 when it does not exist); a hidden file is an error."""
    if not os.path.exists(data_path):
        logging.info("Path %s does not exist!", data_path)
        return 0
    if os.path.isfile(data_path):
        return os.path.getsize(data_path)
    total = 0
    for root, _, files in os.walk(data_path):
        for name in files:
            if name.startswith("."):
                raise UserError("Hidden file found in the data path! Remove that before training.")
            total += os.path.getsize(os.path.join(root, name))
    return total
