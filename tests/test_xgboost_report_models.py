"""The training report's model loading: our JSON/UBJ artifacts, SageMaker's legacy binary
models (XGBoost 1.7), and everything hostile: pickles (refused unless allowed), tar path
traversal, tar bombs, empty and foreign archives."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb
from test_xgboost_report import small_booster, small_problem

import xgboost_report as xr
from conftest import write_tarball


def predictions(booster: xgb.Booster, x: np.ndarray) -> np.ndarray:
    return booster.predict(xgb.DMatrix(x))


def test_script_mode_json_tarball(tmp_path):
    booster = small_booster("binary", "binary:logistic")
    booster.save_model(tmp_path / "xgboost-model.json")
    artifact = write_tarball(
        tmp_path / "model.tar.gz",
        {"xgboost-model.json": (tmp_path / "xgboost-model.json").read_bytes()},
    )
    x, _ = small_problem("binary")
    for source in (artifact, str(artifact), artifact.as_uri()):
        np.testing.assert_array_equal(
            predictions(xr.load_model(source), x), predictions(booster, x)
        )
    assert xr.sniff_format((tmp_path / "xgboost-model.json").read_bytes()) == "json"


def test_builtin_ubj_model_without_extension(tmp_path):
    booster = small_booster("binary", "binary:logistic")
    booster.save_model(tmp_path / "model.ubj")
    model = tmp_path / "model" / "xgboost-model"
    model.parent.mkdir()
    (tmp_path / "model.ubj").rename(model)
    assert xr.sniff_format(model.read_bytes()) == "ubj"
    x, _ = small_problem("binary")
    for source in (model, model.parent):  # the file, or the job's model/ folder
        np.testing.assert_array_equal(
            predictions(xr.load_model(source), x), predictions(booster, x)
        )
    # In a tarball with other files, `xgboost-model*` is the model.
    artifact = write_tarball(
        tmp_path / "model.tar.gz",
        {"notes.txt": b"hello", "code/extra.json": b"{}", "xgboost-model": model.read_bytes()},
    )
    np.testing.assert_array_equal(predictions(xr.load_model(artifact), x), predictions(booster, x))


def test_tarball_without_a_model_file_is_explained(tmp_path):
    artifact = write_tarball(tmp_path / "model.tar.gz", {"a.txt": b"1", "b.txt": b"2"})
    with pytest.raises(xr.ReportError, match=r"which file is the model.*xgboost-model"):
        xr.load_model(artifact)


MAKE_17_MODELS = """
import json, pickle, sys
import joblib, numpy as np, xgboost as xgb
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 4))
y = (x[:, 0] > 0).astype(int)
booster = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(x, y), 5)
booster.save_model("xgboost-model")  # no extension: the legacy binary format in 1.7
with open("model.pkl", "wb") as f:
    pickle.dump(booster, f)
joblib.dump(booster, "model.joblib", compress=3)
np.save("x.npy", x)
np.save("p.npy", booster.predict(xgb.DMatrix(x)))
print(xgb.__version__)
"""


@pytest.fixture(scope="module")
def xgb17_models(xgb17_python, tmp_path_factory) -> Path:
    """A model saved by XGBoost 1.7.6 (SageMaker's 1.7-1 container) three ways."""
    folder = tmp_path_factory.mktemp("xgb17")
    result = subprocess.run(
        [str(xgb17_python), "-c", MAKE_17_MODELS],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "1.7.6"
    return folder


@pytest.mark.slow
def test_legacy_binary_model_from_xgboost_1_7(xgb17_models, tmp_path):
    model = xgb17_models / "xgboost-model"
    assert model.read_bytes()[:4] == b"binf" and xr.sniff_format(model.read_bytes()) == "binary"
    x, expected = np.load(xgb17_models / "x.npy"), np.load(xgb17_models / "p.npy")
    np.testing.assert_allclose(predictions(xr.load_model(model), x), expected, rtol=1e-6)
    artifact = write_tarball(tmp_path / "model.tar.gz", {"xgboost-model": model.read_bytes()})
    booster = xr.load_model(artifact)
    np.testing.assert_allclose(predictions(booster, x), expected, rtol=1e-6)
    assert xr.booster_objective(booster) == "binary:logistic"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["model.pkl", "model.joblib"])
def test_pickles_are_refused_unless_allowed(xgb17_models, tmp_path, name):
    path = xgb17_models / name
    x, expected = np.load(xgb17_models / "x.npy"), np.load(xgb17_models / "p.npy")
    artifact = write_tarball(tmp_path / "model.tar.gz", {"xgboost-model": path.read_bytes()})
    for source in (path, artifact):
        with pytest.raises(xr.PickleRefused) as refused:
            xr.load_model(source)
        message = str(refused.value)
        assert "runs whatever code the file contains" in message
        assert "allow_pickle=True" in message and "trust" in message
    booster = xr.load_model(path, allow_pickle=True)  # XGBoost may warn: an old pickle
    np.testing.assert_allclose(predictions(booster, x), expected, rtol=1e-6)


def test_pickle_of_a_non_model_is_not_a_booster(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(__import__("pickle").dumps({"not": "a model"}))
    with pytest.raises(xr.PickleRefused):
        xr.load_model(path)
    with pytest.raises(xr.ReportError, match="holds a builtins.dict"):
        xr.load_model(path, allow_pickle=True)


def evil_tar(path: Path, member: tarfile.TarInfo, data: bytes = b"owned") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        model = small_booster("binary", "binary:logistic").save_raw("json")
        info = tarfile.TarInfo("xgboost-model.json")
        info.size = len(model)
        tar.addfile(info, io.BytesIO(bytes(model)))
        member.size = len(data) if member.isfile() else 0
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def test_tar_path_traversal_is_refused(tmp_path):
    victim = tmp_path / "evil"
    cases = {
        "dotdot": tarfile.TarInfo("../evil"),
        "nested": tarfile.TarInfo("model/../../evil"),
        "absolute": tarfile.TarInfo(str(victim)),
    }
    link = tarfile.TarInfo("link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    cases["symlink"] = link
    device = tarfile.TarInfo("dev")
    device.type = tarfile.CHRTYPE
    cases["device"] = device
    for name, member in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        artifact = evil_tar(folder / "model.tar.gz", member)
        with pytest.raises(xr.ReportError, match="refusing to extract") as refused:
            xr.load_model(artifact)
        assert repr(member.name) in str(refused.value), name
        assert not victim.exists() and not (folder.parent / "evil").exists()


def test_other_files_are_explained(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(xr.ReportError, match="empty"):
        xr.load_model(tmp_path / "empty")
    (tmp_path / "junk").write_bytes(b"this is not a model")
    with pytest.raises(xr.ReportError, match="XGBoost cannot load this model"):
        xr.load_model(tmp_path / "junk")
    with pytest.raises(xr.ReportError, match="no such model file"):
        xr.load_model(tmp_path / "missing")
    with pytest.raises(xr.ReportError, match="download the object first"):
        xr.load_model("s3://bucket/model.tar.gz")


# ============================================================================ bad input


def test_an_empty_model_archive_says_the_job_saved_no_model(tmp_path):
    """A stopped or failed job's model.tar.gz may hold nothing: say so, not "cannot load"."""
    empty = write_tarball(tmp_path / "model.tar.gz", {})
    with pytest.raises(xr.ReportError, match="holds no file: the training job saved no model"):
        xr.load_model(empty)


def test_a_tar_bomb_is_refused_before_extraction(tmp_path, monkeypatch):
    from xgboost_report import model_io

    monkeypatch.setattr(model_io, "MAX_MODEL_BYTES", 1000)
    bomb = write_tarball(tmp_path / "model.tar.gz", {"xgboost-model": b"\0" * 5000})
    with pytest.raises(xr.ReportError, match="too large for a model file"):
        xr.load_model(bomb)
    assert not list(tmp_path.glob("**/xgboost-model"))
