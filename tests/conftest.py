"""Shared test fixtures: repository paths, the bundled data, deterministic threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from localsm.quiet import silence_sdk

REPO = Path(__file__).resolve().parent.parent
CODE = REPO / "code"
SCRIPT_DIR = CODE / "script"  # the script-mode source folder: only the entry point
DATASET = REPO / "dataset"

# Deterministic, comparable numbers: a fixed thread count for XGBoost/OpenMP in every test.
os.environ.setdefault("OMP_NUM_THREADS", "2")
# The lab uses SageMaker SDK v2 on purpose; silence it before anything imports it.
silence_sdk()


@pytest.fixture(scope="session")
def bundled() -> dict[str, Path]:
    """The committed processed splits (label first, no header) and their header twins."""
    paths = {}
    for split in ("train", "validation", "test"):
        paths[split] = DATASET / f"adult_data_processed_{split}.csv"
        paths[f"{split}_wheaders"] = DATASET / f"adult_data_processed_{split}_wheaders.csv"
    return paths


XGB17_VENV = REPO / ".venv-xgb17"
XGB17_REQUIREMENTS = ["xgboost==1.7.6", "numpy<2", "pandas<2.3", "scikit-learn<1.6"]


@pytest.fixture(scope="session")
def xgb17_python() -> Path:
    """A second virtualenv with XGBoost 1.7.6, the version in SageMaker's `1.7-1` container.

    Built once (about 20 s with a warm pip cache) and kept in the git-ignored .venv-xgb17/.
    """
    python = XGB17_VENV / "bin" / "python"
    stamp = XGB17_VENV / ".installed"
    wanted = " ".join(XGB17_REQUIREMENTS)
    if not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(XGB17_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + XGB17_REQUIREMENTS,
            check=True,
        )
        stamp.write_text(wanted)
    return python


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network; the lab must run offline."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every test runs with outbound sockets blocked (loopback and Unix sockets still work).

    Attempts are recorded as well as refused, so a call whose error some library swallows
    (telemetry, say) still fails the test.
    """
    import socket

    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock, address) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host = address[0] if isinstance(address, tuple) else str(address)
        return host in ("localhost", "::1") or host.startswith("127.")

    def guard(real):
        def connect(sock, address):
            if not allowed(sock, address):
                attempts.append(repr(address))
                raise NetworkBlocked(f"network access blocked in tests: {address!r}")
            return real(sock, address)

        return connect

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "::1") and not str(host).startswith("127."):
            attempts.append(f"getaddrinfo({host!r})")
            raise NetworkBlocked(f"network access blocked in tests: lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guard(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(real_connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert not attempts, f"the test tried to reach the network: {attempts}"
