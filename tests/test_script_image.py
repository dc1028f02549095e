"""What the SageMaker XGBoost 1.7-1 image gives a script-mode job, locally (issue 26, item 7).

References: aws/amazon-sagemaker-examples `introduction_to_amazon_algorithms/xgboost_abalone/`
`abalone.py` (imports `sagemaker_containers.entry_point`, `sagemaker_xgboost_container.
distributed` and `.data_utils.get_dmatrix`, reads LIBSVM channels with
`get_dmatrix(path, "libsvm")`, calls `distributed.rabit_run` only on several hosts, pickles the
booster) and `inference.py` (`sagemaker_xgboost_container.encoder.libsvm_to_dmatrix`);
aws/sagemaker-xgboost-container branch 1.7-1 `src/sagemaker_xgboost_container/data_utils.py`
(`get_dmatrix`: None for a path that does not exist, files gathered from folders and lists,
label first, `csv_weights=1` weight second, no labels an error), `encoder.py` (`csv_to_dmatrix`,
`decode` raising UnsupportedFormatError), `distributed.py` (`rabit_run` with one host runs
`exec_fun` with `is_master=True`); aws/sagemaker-containers 2.8.6 `entry_point.py`.
"""

from __future__ import annotations

import importlib
import pickle
import sys

import numpy as np
import pytest
import xgboost as xgb

from estimators import local_xgboost
from localsm import LocalSageMakerSession, toolkit

# A script in the shape of AWS's abalone.py (written for this test, not copied).
ABALONE_LIKE = """\
import argparse, json, os, pickle
import xgboost as xgb
from sagemaker_containers import entry_point
from sagemaker_xgboost_container import distributed
from sagemaker_xgboost_container.data_utils import get_dmatrix


def fit(params, dtrain, evals, num_boost_round, model_dir, is_master):
    booster = xgb.train(params=params, dtrain=dtrain, evals=evals, num_boost_round=num_boost_round)
    if is_master:
        with open(os.path.join(model_dir, "xgboost-model"), "wb") as out:
            pickle.dump(booster, out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int)
    parser.add_argument("--objective", type=str)
    parser.add_argument("--model_dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", default=os.environ.get("SM_CHANNEL_VALIDATION"))
    args, _ = parser.parse_known_args()
    hosts = json.loads(os.environ["SM_HOSTS"])
    dtrain = get_dmatrix(args.train, "libsvm")
    dval = get_dmatrix(args.validation, "libsvm")
    watchlist = [(dtrain, "train"), (dval, "validation")]
    kwargs = dict(params={"objective": args.objective}, dtrain=dtrain, evals=watchlist,
                  num_boost_round=args.num_round, model_dir=args.model_dir)
    if len(hosts) > 1:
        entry_point._wait_hostname_resolution()
        distributed.rabit_run(exec_fun=fit, args=kwargs, include_in_training=True,
                              hosts=hosts, current_host=os.environ["SM_CURRENT_HOST"],
                              update_rabit_args=True)
    else:
        fit(**kwargs, is_master=True)
"""


def libsvm_rows(rng, rows: int) -> str:
    x = rng.normal(size=(rows, 3))
    y = 2 * x[:, 0] + x[:, 1]
    return "".join(
        f"{label:.4f} " + " ".join(f"{i + 1}:{v:.4f}" for i, v in enumerate(row)) + "\n"
        for label, row in zip(y, x, strict=True)
    )


@pytest.fixture
def image_path(monkeypatch):
    """The stand-in packages importable here, as a job's PYTHONPATH makes them."""
    monkeypatch.syspath_prepend(str(toolkit.SCRIPT_IMAGE))
    yield
    for name in [n for n in sys.modules if n.split(".")[0] in (
            "sagemaker_containers", "sagemaker_xgboost_container")]:  # fmt: skip
        del sys.modules[name]


def test_an_abalone_style_script_runs_as_a_local_job(tmp_path):
    rng = np.random.default_rng(3)
    data = tmp_path / "data"
    for channel, rows in (("train", 300), ("validation", 100)):
        (data / channel).mkdir(parents=True)
        (data / channel / f"abalone.{channel}").write_text(libsvm_rows(rng, rows))
    (tmp_path / "abalone.py").write_text(ABALONE_LIKE)
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    estimator = local_xgboost(
        session,
        tmp_path,
        entry_point=str(tmp_path / "abalone.py"),
        hyperparameters={"num_round": 5, "objective": "reg:squarederror"},
    )
    estimator.fit({c: (data / c).as_uri() for c in ("train", "validation")}, logs="None")
    job = session.sagemaker_client.jobs_dir / estimator.latest_training_job.name
    with open(job / "ml" / "model" / "xgboost-model", "rb") as model:
        booster = pickle.load(model)  # noqa: S301 - the job's own pickle, made by this test
    assert booster.num_boosted_rounds() == 5


def test_a_part_of_the_image_not_provided_fails_the_job_saying_so(tmp_path):
    (tmp_path / "train.py").write_text(
        "from sagemaker_xgboost_container.checkpointing import save_checkpoint\n"
    )
    (tmp_path / "train.csv").write_text("1,2\n")
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    estimator = local_xgboost(session, tmp_path, entry_point=str(tmp_path / "train.py"))
    with pytest.raises(Exception, match="run this job on SageMaker"):
        estimator.fit({"train": (tmp_path / "train.csv").as_uri()}, logs="None")
    described = session.sagemaker_client.describe_training_job(
        TrainingJobName=estimator.latest_training_job.name
    )
    assert described["TrainingJobStatus"] == "Failed"
    assert "sagemaker_xgboost_container.checkpointing" in described["FailureReason"]


def test_get_dmatrix_reads_as_the_image_does(image_path, tmp_path):
    from sagemaker_xgboost_container.data_utils import get_dmatrix, get_size

    assert get_dmatrix(str(tmp_path / "absent"), "csv") is None
    folder = tmp_path / "train"
    (folder / "part").mkdir(parents=True)
    np.savetxt(folder / "a.csv", [[1, 0.5, 3, 4], [0, 2, 5, 6]], delimiter=",")
    np.savetxt(folder / "part" / "b.csv", [[1, 1, 7, 8]], delimiter=",")
    matrix = get_dmatrix(str(folder), "CSV")  # folders gathered, label first
    assert (matrix.num_row(), matrix.num_col()) == (3, 3)
    assert sorted(matrix.get_label()) == [0, 1, 1]
    weighted = get_dmatrix([str(folder / "a.csv")], "csv", csv_weights=1)
    assert list(weighted.get_weight()) == [0.5, 2] and weighted.num_col() == 2
    assert get_size(str(folder)) == sum(p.stat().st_size for p in folder.rglob("*.csv"))
    with pytest.raises(ValueError, match="run this job on SageMaker"):
        get_dmatrix(str(folder), "recordio-protobuf")


def test_encoder_and_what_is_not_provided(image_path):
    from sagemaker_containers._errors import UnsupportedFormatError
    from sagemaker_xgboost_container import encoder

    matrix = encoder.csv_to_dmatrix(b"1,2,3\n4,,6")
    assert (matrix.num_row(), matrix.num_col()) == (2, 3)
    assert matrix.get_data().nnz == 5  # the empty cell is missing
    assert encoder.decode(b"1 1:0.5 3:2\n", "text/libsvm").num_row() == 1
    with pytest.raises(UnsupportedFormatError):
        encoder.decode(b"{}", "application/json")
    assert encoder.json_to_jsonlines({"predictions": [{"score": 1}, {"score": 2}]}) == (
        b'{"score": 1}\n{"score": 2}\n'
    )
    with pytest.raises(ModuleNotFoundError, match="run this job on SageMaker"):
        importlib.import_module("sagemaker_xgboost_container.algorithm_mode.train")
    with pytest.raises(ModuleNotFoundError, match="sagemaker_containers.beta"):
        importlib.import_module("sagemaker_containers.beta.framework")


def test_rabit_run_on_one_host_runs_the_function_as_master(image_path):
    from sagemaker_xgboost_container import distributed

    seen = {}
    distributed.rabit_run(lambda **kw: seen.update(kw), {"a": 1}, True, ["algo-1"], "algo-1",
                          update_rabit_args=True)  # fmt: skip
    assert seen == {"a": 1, "is_master": True}
    with pytest.raises(RuntimeError, match="run this job on SageMaker"):
        distributed.rabit_run(print, {}, True, ["algo-1", "algo-2"], "algo-1")
    assert isinstance(xgb.DMatrix(np.ones((1, 1))), xgb.DMatrix)
