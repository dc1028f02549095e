"""Channels of the built-in algorithm: which names it takes, and how each one's files are typed.

`train` is required, `validation` optional, `code` tolerated; a channel's ContentType picks the
reader (CSV, LIBSVM by default, Parquet), with the container's error texts.
"""

from __future__ import annotations

from pathlib import Path

from localsm.builtin import TRAIN, VALIDATION, UserError

CHANNELS = {TRAIN: True, VALIDATION: False, "code": False}  # name -> required
ACCEPTED_CONTENT_TYPES = (
    "csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm", "text/x-libsvm",
    "application/x-parquet", "application/x-recordio-protobuf",
)  # fmt: skip
FORMATS = {
    "csv": "csv", "text/csv": "csv",
    "libsvm": "libsvm", "text/libsvm": "libsvm", "text/x-libsvm": "libsvm",
    "parquet": "parquet", "application/x-parquet": "parquet",
    "recordio-protobuf": "recordio", "application/x-recordio-protobuf": "recordio",
}  # fmt: skip
DEFAULT_CONTENT_TYPE = "text/libsvm"
INPUT_MODES = ("File", "Pipe")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")


def content_format(content_type: str | None) -> str:
    """`csv`, `libsvm` or `parquet` for a channel's ContentType (None: libsvm)."""
    if content_type is None:
        content_type = DEFAULT_CONTENT_TYPE
    base, *parameters = (part.strip() for part in content_type.lower().split(";"))
    fmt = FORMATS.get(base)
    if fmt is None:
        raise UserError(
            f"{content_type} is not an accepted ContentType: {', '.join(ACCEPTED_CONTENT_TYPES)}."
        )
    if fmt == "csv":
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "label_size" and value.strip() != "1":
                raise UserError(
                    f"{content_type} is not an accepted csv ContentType. "
                    "Optional parameter label_size must be equal to 1"
                )
    if fmt == "recordio":
        raise UserError(
            f"ContentType {content_type} (RecordIO-protobuf) is not supported by the local "
            "built-in XGBoost algorithm; send text/csv, text/libsvm or application/x-parquet"
        )
    return fmt


def validate_channels(config: dict[str, dict]) -> dict[str, str]:
    """inputdataconfig.json -> {channel: format} for the data channels (train, validation)."""
    for name, required in CHANNELS.items():
        if required and name not in config:
            raise UserError(f"Missing required channel: {name}")
    formats = {}
    for name, settings in config.items():
        if name not in CHANNELS:
            raise UserError(f"Extraneous channel found: {name}")
        for key in ("TrainingInputMode", "S3DistributionType"):
            if key not in settings:
                raise UserError(
                    f"Channel configuration for '{name}' channel has no {key} "
                    "(inputdataconfig.json needs ContentType, TrainingInputMode, "
                    "S3DistributionType and RecordWrapperType)"
                )
        if name == "code":
            continue
        unsupported = UserError(
            f"Channel configuration for '{name}' channel is not supported: {settings}"
        )
        # Pipe is accepted where the container accepts it; locally the files are read either way.
        mode = settings["TrainingInputMode"]
        if mode not in INPUT_MODES or settings["S3DistributionType"] not in DISTRIBUTIONS:
            raise unsupported
        formats[name] = content_format(settings.get("ContentType"))
        if mode == "Pipe" and formats[name] == "libsvm":
            raise unsupported
    if VALIDATION in formats and "ContentType" not in config[VALIDATION]:
        formats[VALIDATION] = formats[TRAIN]  # the container reads both with train's type
    return formats


def channel_files(folder: Path, channel: str) -> list[Path]:
    """Every data file under a channel folder, sorted; a hidden file fails the job."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):  # also inside .hidden/ folders
            raise UserError(
                "Hidden file found in the data path! Remove that before training. "
                f"({channel}/{relative.as_posix()})"
            )
        if path.stat().st_size > 0:
            files.append(path)
    return files
