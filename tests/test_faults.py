"""The fault catalogue (issue 13): bad input and faults, each sent through the public SDK
paths a learner uses, one row per case.

Every row asserts the same things: the status (or the refusal at create), a reason under 400
characters that names the file, line, parameter or path and is never a traceback, no process
of the job left, no partial artifact, and a real model.tar.gz for every job that ended.

Rows: here bad data (both algorithms), bad hyperparameters and bad tuning ranges;
`test_faults_processes.py` entry points, killed kernels and stops at each phase;
`test_faults_storage.py` full and read-only disks, credentials and hostile artifacts.
"""

from __future__ import annotations

import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import pytest
import sagemaker
from botocore.exceptions import ClientError
from sagemaker.estimator import Estimator
from sagemaker.exceptions import UnexpectedStatusException
from sagemaker.inputs import TrainingInput
from sagemaker.tuner import (
    CategoricalParameter,
    ContinuousParameter,
    HyperparameterTuner,
    IntegerParameter,
)
from sagemaker.xgboost import XGBoost

import lab
from conftest import SCRIPT_DIR
from localsm import LocalSageMakerSession

REGION = "us-east-1"
MAX_REASON = 400
NOT_A_REASON = ("Traceback (most recent call last)", "[bt]", "Stack trace", 'File "')
BUILTIN = {"objective": "binary:logistic", "num_round": "3", "max_depth": "2"}
SCRIPT = {"num_round": 3, "nfold": 2}
ENDED = ("Completed", "Failed", "Stopped")


@dataclass
class Outcome:
    """What a case ended with: a job's status (or `Refused` at create) and its reason."""

    status: str
    reason: str
    description: dict | None = None
    model: bool = True  # a real model.tar.gz is expected (not when no disk could hold one)


@dataclass(frozen=True)
class Fault:
    """One row: its group, a name, what it does, and the status and words it must end with."""

    group: str
    name: str
    act: Callable[[Bench], Outcome]
    status: str
    says: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.group}:{self.name}"


def good_rows(rows: int = 120, seed: int = 7) -> str:
    """Label-first CSV text of a learnable binary problem (3 features)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    rows_ = zip(y, x, strict=True)
    return "".join(f"{label},{a:.4f},{b:.4f},{c:.4f}\n" for label, (a, b, c) in rows_)


GOOD = good_rows()


class Bench:
    """One case's session, folders and the SDK calls a learner would make."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch
        self.jobs = tmp_path / "jobs"
        self.models = tmp_path / "models"
        self.session = LocalSageMakerSession(jobs_dir=self.jobs, region=REGION)
        self.client = self.session.sagemaker_client
        self.cleanups: list[Callable[[], None]] = []

    def relocate(self, root: Path) -> None:
        """Jobs and models under `root` (a small or read-only disk); data stays in tmp."""
        self.jobs, self.models = root / "jobs", root / "models"
        self.session = LocalSageMakerSession(jobs_dir=self.jobs, region=REGION)
        self.client = self.session.sagemaker_client

    def file(self, name: str, content: str | bytes) -> str:
        """A data file (text or bytes) as a file:// URI."""
        path = self.tmp / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path.as_uri()

    def builtin(self, output_path: str = "", **hyperparameters) -> Estimator:
        estimator = Estimator(
            image_uri=sagemaker.image_uris.retrieve("xgboost", REGION, "1.7-1"),
            role=lab.LOCAL_ROLE,
            instance_count=1,
            instance_type="local",
            output_path=output_path or self.models.as_uri(),
            sagemaker_session=self.session,
        )
        estimator.set_hyperparameters(**hyperparameters)
        return estimator

    def script(self, source: str = "", output_path: str = "", **kwargs) -> XGBoost:
        """Our xgboost_train.py, or an entry point `fault.py` with this source text."""
        folder, entry = SCRIPT_DIR, "xgboost_train.py"
        if source:
            folder, entry = self.tmp / "src", "fault.py"
            folder.mkdir(exist_ok=True)
            (folder / entry).write_text(source)
        options = {k: kwargs.pop(k) for k in ("instance_count", "max_run", "metric_definitions")
                   if k in kwargs}  # fmt: skip
        return XGBoost(
            entry_point=entry,
            source_dir=str(folder),
            framework_version="1.7-1",
            role=lab.LOCAL_ROLE,
            instance_count=options.pop("instance_count", 1),
            instance_type="local",
            output_path=output_path or self.models.as_uri(),
            sagemaker_session=self.session,
            hyperparameters=kwargs,
            **options,
        )

    def fit(self, estimator, inputs: dict, **kwargs) -> Outcome:
        """`estimator.fit(...)` as a learner calls it, and what the job ended with."""
        try:
            estimator.fit(inputs, logs="None", **kwargs)
        except ClientError as error:  # refused at create: no job
            return Outcome("Refused", error.response["Error"]["Message"])
        except UnexpectedStatusException:
            pass
        return self.outcome(estimator.latest_training_job.name)

    def outcome(self, name: str) -> Outcome:
        description = self.client.describe_training_job(TrainingJobName=name)
        return Outcome(description["TrainingJobStatus"], reason_of(description), description)

    def csv(self, text: str | bytes, **more: str | bytes) -> dict:
        """Channels of CSV data: `train` from `text`, others from `more`."""
        files = {"train": text, **more}
        return {
            name: TrainingInput(self.file(f"{name}.csv", content), content_type="text/csv")
            for name, content in files.items()
        }

    def tune(self, estimator, ranges: dict, inputs: dict, **kwargs) -> Outcome:
        """`HyperparameterTuner.fit`: refused at create, or the tuning job's end."""
        kwargs.setdefault("objective_metric_name", "validation:auc")
        tuner = HyperparameterTuner(estimator, hyperparameter_ranges=ranges, max_jobs=2,
                                    max_parallel_jobs=1, **kwargs)  # fmt: skip
        try:
            tuner.fit(inputs, job_name=f"t-{time.monotonic_ns() % 10**9}", wait=False)
        except ClientError as error:
            assert not any(self.jobs.iterdir()), "a refused tuning job started a training job"
            return Outcome("Refused", error.response["Error"]["Message"])
        tuner.wait()
        name = tuner.latest_tuning_job.name
        described = self.client.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
        status = described["HyperParameterTuningJobStatus"]
        return Outcome(status, described.get("FailureReason", ""))


def reason_of(description: dict) -> str:
    """FailureReason, else the last status message (a stopped job's reason)."""
    if description.get("FailureReason"):
        return description["FailureReason"]
    transitions = description.get("SecondaryStatusTransitions") or [{}]
    return transitions[-1].get("StatusMessage", "")


def job_processes(jobs: Path) -> list[psutil.Process]:
    """Live processes that belong to a job under `jobs` (their marker variable says so)."""
    found = []
    for process in psutil.process_iter():
        try:
            marker = process.environ().get("LOCALSM_JOB", "")
            if marker.startswith(str(jobs)) and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except (psutil.Error, OSError):
            continue
    return found


def no_job_processes(jobs: Path, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while job_processes(jobs):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def partial_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".partial" in p.name] if root.is_dir() else []


def check(fault: Fault, outcome: Outcome, bench: Bench) -> None:
    """The catalogue's promises, the same for every row."""
    assert outcome.status == fault.status, (outcome.status, outcome.reason)
    reason = outcome.reason
    if fault.status != "Completed":
        assert reason, "no reason given"
        assert len(reason) < MAX_REASON, (len(reason), reason)
        for words in fault.says:
            assert words.format(tmp=bench.tmp) in reason, (words, reason)
        assert not any(mark in reason for mark in NOT_A_REASON), reason
    assert no_job_processes(bench.jobs), job_processes(bench.jobs)
    for root in {bench.tmp, bench.jobs.parent, bench.models.parent}:
        assert not partial_files(root), partial_files(root)
    description = outcome.description
    if description and description["TrainingJobStatus"] in ENDED and outcome.model:
        uri = description["ModelArtifacts"]["S3ModelArtifacts"]
        with tarfile.open(uri.removeprefix("file://")) as tar:  # a real, whole tarball
            tar.getmembers()


def run_rows(rows: list[Fault]):
    """The parametrised test of a list of rows (any test module can use it)."""

    @pytest.mark.parametrize("fault", rows, ids=[f.id for f in rows])
    def test(fault: Fault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        bench = Bench(tmp_path, monkeypatch)
        try:
            check(fault, fault.act(bench), bench)
        finally:
            for cleanup in reversed(bench.cleanups):
                cleanup()

    return test


# ------------------------------------------------------------------ bad data: built-in


def builtin_csv(text, hps=None, **more):
    return lambda b: b.fit(b.builtin(**(hps or BUILTIN)), b.csv(text, **more))


def bom_keeps_every_row(b: Bench) -> Outcome:
    outcome = b.fit(b.builtin(**BUILTIN), b.csv("\ufeff" + GOOD))
    log = (b.jobs / outcome.description["TrainingJobName"] / "training.log").read_text()
    assert "120 rows x 3 features" in log and "byte-order mark" in log
    return outcome


def libsvm_default(text: str) -> Callable[[Bench], Outcome]:
    return lambda b: b.fit(b.builtin(**BUILTIN), {"train": b.file("train.svm", text)})


def hidden_file(b: Bench) -> Outcome:
    folder = b.tmp / "data" / "folder"
    (folder / ".cache").mkdir(parents=True)
    (folder / "part.csv").write_text(GOOD)
    (folder / ".cache" / "x.csv").write_text(GOOD)
    channel = TrainingInput(folder.as_uri(), content_type="text/csv")
    return b.fit(b.builtin(**BUILTIN), {"train": channel})


def missing_path(b: Bench) -> Outcome:
    uri = (b.tmp / "nowhere.csv").as_uri()
    return b.fit(b.builtin(**BUILTIN), {"train": TrainingInput(uri, content_type="text/csv")})


def json_content_type(b: Bench) -> Outcome:
    channel = TrainingInput(b.file("t.json", GOOD), content_type="application/json")
    return b.fit(b.builtin(**BUILTIN), {"train": channel})


BUILTIN_DATA = [
    Fault("data-builtin", "header row", builtin_csv("label,a,b,c\n" + GOOD), "Failed",
          ("train/train.csv: line 1 looks like a header row",)),
    Fault("data-builtin", "text value", builtin_csv(GOOD + "1,abc,0,0\n"), "Failed",
          ("train/train.csv, line 121, column 2", "'abc'")),
    Fault("data-builtin", "ragged line", builtin_csv(GOOD + "1,0,0,0,5\n"), "Failed",
          ("train/train.csv, line 121 has 5 columns",)),
    Fault("data-builtin", "1e308 cell", builtin_csv(GOOD + "1,0,1e308,0\n"), "Failed",
          ("row 121 of train/train.csv, column 3 is 1e+308", "32-bit")),
    Fault("data-builtin", "inf cell", builtin_csv(GOOD + "0,inf,0,0\n"), "Failed",
          ("row 121 of train/train.csv, column 2 is inf",)),
    Fault("data-builtin", "label 2", builtin_csv(GOOD + "2,0,0,0\n"), "Failed",
          ("label 2 on row 121 of train/train.csv is not 0 or 1",)),
    Fault("data-builtin", "missing label", builtin_csv(GOOD + ",1,0,0\n"), "Failed",
          ("row 121 of train/train.csv is missing",)),
    Fault("data-builtin", "empty file", builtin_csv(""), "Failed",
          ("channel 'train': every file is empty (0 bytes): train.csv from file://{tmp}",)),
    Fault("data-builtin", "blank lines only", builtin_csv("\n\n\n"), "Failed",
          ("No data in training channel path train/: train/train.csv",)),
    Fault("data-builtin", "random bytes", builtin_csv(bytes(range(256)) * 4), "Failed",
          ("CSV file train/train.csv is not a UTF-8 text file: it holds NUL bytes",)),
    Fault("data-builtin", "latin-1 bytes", builtin_csv(GOOD.encode() + b"1,caf\xe9,0,0\n"),
          "Failed", ("train/train.csv", "offset", "not UTF-8")),
    Fault("data-builtin", "BOM is not data", bom_keeps_every_row, "Completed"),
    Fault("data-builtin", "literal NaN is missing", builtin_csv(GOOD + "1,NaN,0,0\n"),
          "Completed"),
    Fault("data-builtin", "CSV sent as LIBSVM", libsvm_default(GOOD), "Failed",
          ("of file 'train/train.svm' is not 'LIBSVM' format",)),
    Fault("data-builtin", "LIBSVM 1e300", libsvm_default("1 1:1e300 2:1\n0 1:0.5\n"), "Failed",
          ("LIBSVM file train/train.svm, line 1: 1e300 is too large",)),
    Fault("data-builtin", "feature counts", builtin_csv(GOOD, validation="1,0,0\n0,1,1\n"),
          "Failed", ("Channel train has 3 feature columns (train/train.csv)",
                     "validation has 2 (validation/validation.csv)")),
    Fault("data-builtin", "missing path", missing_path, "Failed",
          ("no data for channel 'train' at file://{tmp}/nowhere.csv",)),
    Fault("data-builtin", "hidden file", hidden_file, "Failed",
          ("Hidden file found", "train/.cache/x.csv")),
    Fault("data-builtin", "negative weight",
          builtin_csv("1,-1,0.5,0,0\n" + "".join(f"{i % 2},1,{i},0,1\n" for i in range(9)),
                      {**BUILTIN, "csv_weights": "1"}), "Failed",
          ("instance weight -1 on row 1 of train/train.csv",)),
    Fault("data-builtin", "json content type", json_content_type, "Failed",
          ("application/json is not an accepted ContentType",)),
]  # fmt: skip


# ------------------------------------------------------------------ bad data: script mode


def script_csv(text, **hps):
    return lambda b: b.fit(b.script(**{**SCRIPT, **hps}), b.csv(text))


def script_bom_keeps_every_row(b: Bench) -> Outcome:
    outcome = b.fit(b.script(**SCRIPT), b.csv("\ufeff" + GOOD))
    log = (b.jobs / outcome.description["TrainingJobName"] / "training.log").read_text()
    assert "train: 120 rows x 3 features" in log  # no row taken for a header
    return outcome


SCRIPT_DATA = [
    Fault("data-script", "BOM is not a header", script_bom_keeps_every_row, "Completed"),
    Fault("data-script", "longer line", script_csv(GOOD + "1,0,0,0,9\n"), "Failed",
          ("train/train.csv, line 121: 5 cells, but the first line has 4",)),
    Fault("data-script", "shorter line", script_csv(GOOD + "1,0\n"), "Failed",
          ("train/train.csv, line 121: 2 cells, but the first line has 4",)),
    Fault("data-script", "1e308 cell", script_csv(GOOD + "1,0,1e308,0\n"), "Failed",
          ("train/train.csv, line 121, column 3: '1e308' is too large",)),
    Fault("data-script", "text value", script_csv(GOOD + "1,abc,0,0\n"), "Failed",
          ("train/train.csv, line 121, column 2: 'abc' is not a number",)),
    Fault("data-script", "literal NaN is missing", script_csv(GOOD + "1,NaN,0,0\n"), "Completed"),
    Fault("data-script", "LIBSVM given", script_csv("1 1:0.5 2:1\n0 1:0.1\n" * 10), "Failed",
          ("train/train.csv looks like LIBSVM", "content_type 'text/libsvm'")),
    Fault("data-script", "nfold above rows", script_csv(good_rows(6), nfold=10), "Failed",
          ("--nfold 10 is more than the", "rows of the train channel")),
    Fault("data-script", "one class only", script_csv("1,0,0,0\n" * 10), "Failed",
          ("0 row(s) with label 0, fewer than --nfold 2",)),
    Fault("data-script", "label 2", script_csv(GOOD + "2,0,0,0\n"), "Failed",
          ("train labels must be 0 or 1", "found 2")),
    Fault("data-script", "empty file", script_csv(""), "Failed",
          ("every file is empty (0 bytes): train.csv",)),
    Fault("data-script", "random bytes", script_csv(bytes(range(128, 256)) * 8), "Failed",
          ("train/train.csv: not a UTF-8 text CSV file",)),
    Fault("data-script", "unwritable --model-dir",
          script_csv(GOOD, **{"model-dir": "/proc/no-such-dir/model"}), "Failed",
          ("cannot write the model or metrics to /proc/no-such-dir/model",)),
]  # fmt: skip


# ------------------------------------------------------------------ bad hyperparameters


def builtin_hps(**hps):
    return lambda b: b.fit(b.builtin(**hps), b.csv(GOOD, validation=GOOD))


def script_hps(**hps):
    return lambda b: b.fit(b.script(**{**SCRIPT, **hps}), b.csv(GOOD))


def two_instances(b: Bench) -> Outcome:
    return b.fit(b.script(instance_count=2, **SCRIPT), b.csv(GOOD))


def bad_regex(regex: str) -> Callable[[Bench], Outcome]:
    definitions = [{"Name": "validation:auc", "Regex": regex}]
    return lambda b: b.fit(b.script(metric_definitions=definitions, **SCRIPT), b.csv(GOOD))


HYPERPARAMETERS = [
    Fault("hyperparameters", "builtin eta 1.5", builtin_hps(**{**BUILTIN, "eta": "1.5"}),
          "Failed", ("Hyperparameter eta: 1.5 is not in [0, 1]",)),
    Fault("hyperparameters", "builtin unknown", builtin_hps(**{**BUILTIN, "foo": "1"}),
          "Failed", ("Extraneous hyperparameter found: foo",)),
    Fault("hyperparameters", "builtin no num_round", builtin_hps(objective="binary:logistic"),
          "Failed", ("Missing required hyperparameter: num_round",)),
    Fault("hyperparameters", "builtin multi without num_class",
          builtin_hps(objective="multi:softmax", num_round="2"), "Failed",
          ("'num_class' for multi-classification",)),
    Fault("hyperparameters", "builtin auc for regression",
          builtin_hps(objective="reg:squarederror", num_round="2", eval_metric="auc"), "Failed",
          ("Metric 'auc' can only be applied",)),
    Fault("hyperparameters", "builtin save_model_on_termination",
          builtin_hps(**{**BUILTIN, "save_model_on_termination": "maybe"}), "Failed",
          ("Hyperparameter save_model_on_termination: maybe",)),
    Fault("hyperparameters", "script eta 1.5", script_hps(eta=1.5), "Failed",
          ("argument --eta: 1.5 is not in (0, 1]",)),
    Fault("hyperparameters", "script unknown", script_hps(learning_rat=0.1), "Failed",
          ("unknown hyperparameter(s): --learning_rat",)),
    Fault("hyperparameters", "script float num_round", script_hps(num_round=2.5), "Failed",
          ("argument --num_round: '2.5' is not a valid int",)),
    Fault("hyperparameters", "instance_count 2", two_instances, "Refused",
          ("ResourceConfig.InstanceCount is 2", "instance_count=1")),
    Fault("hyperparameters", "regex does not compile", bad_regex("auc:(["), "Refused",
          ("MetricDefinitions[0] ('validation:auc'", "does not compile")),
    Fault("hyperparameters", "regex without group", bad_regex("auc:[0-9.]+"), "Refused",
          ("MetricDefinitions[0]", "no capturing group")),
]  # fmt: skip


# ------------------------------------------------------------------ bad tuning ranges


def builtin_ranges(ranges, channels=("train", "validation"), **kwargs):
    def act(b: Bench) -> Outcome:
        inputs = b.csv(GOOD, **({"validation": GOOD} if "validation" in channels else {}))
        static = {k: v for k, v in BUILTIN.items() if k not in ranges}
        return b.tune(b.builtin(**static), ranges, inputs, **kwargs)

    return act


def script_ranges(ranges, **kwargs):
    return lambda b: b.tune(b.script(**SCRIPT), ranges, b.csv(GOOD, validation=GOOD), **kwargs)


RANGES = [
    Fault("ranges", "builtin unknown name", builtin_ranges({"foo": ContinuousParameter(0, 1)}),
          "Refused", ("untunable hyperparameters: ['foo']",)),
    Fault("ranges", "builtin eta beyond 1", builtin_ranges({"eta": ContinuousParameter(0.1, 2)}),
          "Refused", ("ContinuousParameterRanges 'eta'", "eta: 2.0 is not in [0, 1]")),
    Fault("ranges", "builtin continuous max_depth",
          builtin_ranges({"max_depth": ContinuousParameter(1, 5)}), "Refused",
          ("'max_depth'", "use an IntegerParameter range")),
    Fault("ranges", "builtin objective without validation",
          builtin_ranges({"eta": ContinuousParameter(0.1, 0.5)}, channels=("train",)), "Refused",
          ("validation:auc needs a validation channel",)),
    Fault("ranges", "builtin bad categorical",
          builtin_ranges({"booster": CategoricalParameter(["gbtree", "forest"])}), "Refused",
          ("CategoricalParameterRanges 'booster' (Values forest)",)),
    Fault("ranges", "script unknown name",
          script_ranges({"max_leaves": IntegerParameter(2, 8)}), "Refused",
          ("'max_leaves' is not an argument of xgboost_train.py",)),
    Fault("ranges", "min above max", script_ranges({"max_depth": IntegerParameter(6, 3)}),
          "Refused", ("range 'max_depth': MinValue 6 is greater than MaxValue 3",)),
    Fault("ranges", "objective regex does not compile",
          script_ranges({"eta": ContinuousParameter(0.1, 0.3)}, metric_definitions=[
              {"Name": "validation:auc", "Regex": "auc:(["}]), "Refused",
          ("MetricDefinitions[0]", "does not compile")),
]  # fmt: skip

CATALOGUE = {"data-builtin": BUILTIN_DATA, "data-script": SCRIPT_DATA,
             "hyperparameters": HYPERPARAMETERS, "ranges": RANGES}  # fmt: skip

test_bad_data_builtin = run_rows(BUILTIN_DATA)
test_bad_data_script = run_rows(SCRIPT_DATA)
test_bad_hyperparameters = run_rows(HYPERPARAMETERS)
test_bad_ranges = run_rows(RANGES)


def test_the_catalogue_has_every_group_and_sixty_rows():
    from test_faults_processes import CATALOGUE as PROCESSES
    from test_faults_storage import CATALOGUE as STORAGE

    counts = {g: len(rows) for g, rows in {**CATALOGUE, **PROCESSES, **STORAGE}.items()}
    print("fault catalogue:", counts, "total", sum(counts.values()))
    assert set(counts) == {
        "data-builtin", "data-script", "hyperparameters", "ranges", "entry-points",
        "killed-kernels", "stops", "disks", "hostile-artifacts",
    }  # fmt: skip
    assert sum(counts.values()) >= 60
