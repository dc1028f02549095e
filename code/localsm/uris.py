"""`file://` URIs as the SDKs send them, read as paths on this machine: the one place where a
local location enters the service (channels, output paths, source code, model data, batch
transform and processing inputs and outputs).

Two spellings reach the service. `Path.as_uri()` (the lab, SDK v3, most user code) writes an
RFC 8089 URI: percent-encoded (`file:///home/Jo%C3%A3o%20Silva/…`), possibly with the host
`localhost`. SDK v2 writes `"file://" + source_dir` with the folder's name as it is (spaces,
accents, even `#` or `?`), and its own local mode reads `file://a/b` as the relative path
`a/b` (`sagemaker/local/data.py`: `netloc + path`). Both are read here. The text after the
host is split by hand rather than with `urlsplit`, which would cut a raw `#` or `?` off as a
fragment or query; the decoding itself is the standard library's (`url2pathname`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.request import url2pathname

SCHEME = "file:"
LOCAL_HOSTS = ("", "localhost")  # RFC 8089: an empty host and "localhost" both mean this machine


def is_file_uri(location: str | os.PathLike) -> bool:
    """Whether `location` is a `file:` URI (any case), not a plain path or another scheme."""
    return os.fspath(location)[: len(SCHEME)].lower() == SCHEME


def file_path(location: str | os.PathLike) -> Path:
    """The local path a `file:` URI or a plain path names, percent-encoding decoded.

    A URI whose raw (undecoded) path exists while its decoded one does not keeps the raw
    one: SDK v2 sends folder names unencoded, and a folder literally named `a%20b` must still
    be found. Plain paths are returned as they are.
    """
    text = os.fspath(location)
    if not is_file_uri(text):
        return Path(text)
    raw = _raw_path(text[len(SCHEME) :])
    decoded = Path(url2pathname(raw))
    if decoded != Path(raw) and not decoded.exists() and Path(raw).exists():
        return Path(raw)
    return decoded


def _raw_path(rest: str) -> str:
    """The path part of a `file:` URI after its scheme, still percent-encoded."""
    if not rest.startswith("//"):  # `file:/a/b`, the short form RFC 8089 also allows
        return rest
    host, slash, path = rest[2:].partition("/")
    if host.lower() in LOCAL_HOSTS:
        return slash + path
    # `file://data/train.csv`: SDK v2's local mode reads the host as the first folder of a
    # relative path; do the same rather than write beside the file system's root.
    return host + slash + path
