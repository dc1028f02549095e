"""Shared test fixtures: repository paths, the bundled data, deterministic threads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from estimators import SCRIPT_DIR  # noqa: F401 - the script-mode source folder, for the tests
from lab.language import VARIABLE as LANGUAGE_VARIABLE
from lab.language import language_of
from lab.paths import LAB_HYPERPARAMETERS
from localsm.quiet import no_metadata_probe, silence_sdk

REPO = Path(__file__).resolve().parent.parent
CODE = REPO / "code"
DATASET = REPO / "dataset"


def pytest_collection_modifyitems(items):
    """nbval starts each notebook's kernel from this process: before it does, say the
    notebook's language (`LAB_LANGUAGE`), as JupyterLab does through the notebook's path, so
    a `_pt_br` notebook prints and reports in Portuguese here too."""
    notebooks = {item.parent for item in items if str(item.path).endswith(".ipynb")}
    for notebook in notebooks:
        start = notebook.setup

        def setup(start=start, path=str(notebook.path)):
            os.environ[LANGUAGE_VARIABLE] = language_of(path)
            start()

        notebook.setup = setup


# Deterministic, comparable numbers: a fixed thread count for XGBoost/OpenMP in every test.
os.environ.setdefault("OMP_NUM_THREADS", "2")
# The lab uses SageMaker SDK v2 on purpose; silence it before anything imports it. And no
# EC2 metadata probe, for the whole run: a local session's own setting (localsm/patches.py)
# is undone with it, and tests that set the variable with monkeypatch remove it afterwards.
silence_sdk()
no_metadata_probe()


@pytest.fixture(scope="session")
def bundled() -> dict[str, Path]:
    """The committed processed splits (label first, no header) and their header twins."""
    paths = {}
    for split in ("train", "validation", "test"):
        paths[split] = DATASET / f"adult_data_processed_{split}.csv"
        paths[f"{split}_wheaders"] = DATASET / f"adult_data_processed_{split}_wheaders.csv"
    return paths


# The splits' column names: the label ("income") first, then the 13 features.
HEADERS = (DATASET / "adult_data_processed_validation_wheaders.csv").read_text().split("\n")[0]
HEADERS = HEADERS.strip().split(",")
FEATURES = HEADERS[1:]


def validation_frame(rows: int):
    """The first `rows` rows of the bundled validation split, as a table named by HEADERS."""
    import pandas as pd

    return pd.read_csv(DATASET / "adult_data_processed_validation.csv", header=None,
                       names=HEADERS, nrows=rows)  # fmt: skip


@pytest.fixture(scope="session")
def clarify():
    """The SDK's clarify module: every config the tests make with it is what the SDK writes."""
    from sagemaker import clarify

    return clarify


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


def learnable_csvs(folder: Path, seed: int, rows: dict[str, int], columns: int, label, fmt: str):
    """A small, learnable binary problem as label-first CSVs, `{split: file:// URI}`: `columns`
    normal features a row, the label 1 where `label(features, noise)` > 0."""
    rng = np.random.default_rng(seed)
    uris = {}
    for name, count in rows.items():
        x = rng.normal(size=(count, columns))
        y = (label(x, rng.normal(size=count)) > 0).astype(int)
        path = folder / f"{name}.csv"
        np.savetxt(path, np.column_stack([y, x]), delimiter=",", fmt=fmt)
        uris[name] = path.as_uri()
    return uris


def write_tarball(path: Path, files: dict[str, bytes]) -> Path:
    """A gzip tarball at `path` holding `files` ({member name: bytes}), as SageMaker packs a
    model.tar.gz."""
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


# ------------------------------------------------------- processes a test started


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not ended. A zombie has ended (it only waits for
    its parent to read its exit code); a process may also end while we look."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def all_gone(pids: list[int], seconds: float = 5.0) -> bool:
    """Whether the processes end within `seconds` (signals are asynchronous)."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# ------------------------------------------------------- a model trained like the lab's

# The lab's hyperparameters as booster parameters, with a fixed thread count and seed.
LAB_PARAMS = {
    **{k: v for k, v in LAB_HYPERPARAMETERS.items() if k != "num_round"},
    "nthread": 2,
    "seed": 0,
}


def read_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(path, delimiter=",")
    return table[:, 1:], table[:, 0]


@pytest.fixture(scope="session")
def lab_data(bundled) -> dict[str, np.ndarray]:
    x_train, y_train = read_split(bundled["train"])
    x_val, y_val = read_split(bundled["validation"])
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val}


def train(data: dict, rounds: int, rows: int = 8000, **params) -> tuple[xgb.Booster, dict]:
    """The lab's hyperparameters; the first `rows` training rows keep the tests quick."""
    dtrain = xgb.DMatrix(data["x_train"][:rows], data["y_train"][:rows])
    dval = xgb.DMatrix(data["x_val"], data["y_val"])
    history: dict = {}
    booster = xgb.train(
        {**LAB_PARAMS, **params},
        dtrain,
        rounds,
        evals=[(dtrain, "train"), (dval, "validation")],
        evals_result=history,
        verbose_eval=False,
    )
    return booster, history


@pytest.fixture(scope="session")
def lab_model(lab_data) -> tuple[xgb.Booster, dict]:
    """The lab's hyperparameters on part of the bundled data, with fewer rounds (speed)."""
    return train(lab_data, 60)


@pytest.fixture(scope="session")
def report(lab_model, lab_data):
    """The training report of `lab_model` on the validation split."""
    import xgboost_report

    booster, history = lab_model
    return xgboost_report.build_report(
        booster, lab_data["x_val"], lab_data["y_val"], history=history
    )


@pytest.fixture(autouse=True)
def _no_local_mode_left_on():
    """`lab.setup("local")` and `localsm.activate()` answer every boto3 client of the process
    locally: a test that leaves it on must not change what the next test's clients reach."""
    yield
    import localsm.activation

    localsm.activation.deactivate_all()


@pytest.fixture
def no_aws_configuration(tmp_path, monkeypatch):
    """No AWS_* variables and empty AWS files: nothing of the developer's machine is read."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for name in ("credentials", "config"):
        (tmp_path / f"aws-{name}").write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    (tmp_path / "sagemaker-config.yaml").write_text("SchemaVersion: '1.0'\n")
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(tmp_path / "sagemaker-config.yaml"))
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
