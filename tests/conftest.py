"""Shared test fixtures: repository paths, the bundled data, deterministic threads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from lab.language import VARIABLE as LANGUAGE_VARIABLE
from lab.language import language_of
from lab.paths import LAB_HYPERPARAMETERS
from localsm.quiet import no_metadata_probe, silence_sdk

REPO = Path(__file__).resolve().parent.parent
CODE = REPO / "code"
SCRIPT_DIR = CODE / "script"  # the script-mode source folder: only the entry point
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


def small_builtin_estimator(setup):
    """A built-in XGBoost model trained through the SDK v2 in local mode on the lab's data
    (20 shallow rounds: quick), for the tests that serve or examine one."""
    from sagemaker import image_uris
    from sagemaker.estimator import Estimator
    from sagemaker.inputs import TrainingInput

    estimator = Estimator(
        image_uri=image_uris.retrieve("xgboost", setup.region, "1.5-1"),
        role=setup.role,
        instance_count=1,
        instance_type=setup.instance_type,
        output_path=setup.output_path,
        sagemaker_session=setup.session,
    )
    estimator.set_hyperparameters(objective="binary:logistic", num_round=20, max_depth=3)
    estimator.fit({"train": TrainingInput(setup.train_uri, content_type="text/csv")}, logs="None")
    return estimator


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
