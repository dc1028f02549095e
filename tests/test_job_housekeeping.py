"""The jobs folder on a learner's disk: finished jobs beyond the last N per base name are
pruned as a new one starts (never a running job, nor one of this session), and a local
channel's files are cloned copy-on-write where the file system can, else copied; never
linked, so that a job cannot change the learner's data.

Base names come from the SDKs' own naming: SDK v2's `sagemaker.utils.name_from_base`
(aws/sagemaker-python-sdk src/sagemaker/utils.py, `sagemaker_timestamp` and
`sagemaker_short_timestamp`) and SDK v3's `_get_unique_name` (sagemaker-train
src/sagemaker/train/utils.py, `-%Y%m%d%H%M%S`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sagemaker
from test_local_mode import csv_channels, session, small_data  # noqa: F401

from estimators import builtin_estimator
from localsm.training import channels, pruning, storage


@pytest.mark.parametrize("short", [False, True])
def test_the_base_name_is_the_sdk_v2_name_less_its_timestamp(short):
    name = sagemaker.utils.name_from_base("xgboost-built-in", short=short)
    assert pruning.base_name(name) == "xgboost-built-in"


def test_the_base_name_of_sdk_v3_names_and_of_names_without_a_timestamp():
    # SDK v3's ModelTrainer: f"{base_job_name}-{datetime.now().strftime('%Y%m%d%H%M%S')}"
    assert pruning.base_name("xgboost-script-20261207170859") == "xgboost-script"
    # A tuning job's training jobs (<tuning job>-<3 digits>-<8 hex>) are their own base.
    assert pruning.base_name("tune-xgb-001-6a1f2b3c") == "tune-xgb-001-6a1f2b3c"


def finished(jobs: Path, name: str, when: int, model: str = "file:///elsewhere/model.tar.gz"):
    folder = jobs / name
    folder.mkdir(parents=True)
    description = {"TrainingJobName": name, "ModelArtifacts": {"S3ModelArtifacts": model}}
    (folder / storage.DESCRIPTION_NAME).write_text(json.dumps(description))
    os.utime(folder / storage.DESCRIPTION_NAME, (when, when))
    return folder


def running(jobs: Path, name: str) -> Path:
    folder = jobs / name
    folder.mkdir(parents=True)
    (folder / storage.STATUS_NAME).write_text(json.dumps({"owner": "1@x", "description": {}}))
    return folder


def old_jobs(jobs: Path) -> list[str]:
    """Five finished jobs of one base (oldest first), a running one, one of this session, one
    whose model is in its own folder, and one of another base."""
    names = [f"xgb-2020-01-01-00-00-0{i}-000" for i in range(5)]
    for i, name in enumerate(names):
        finished(jobs, name, 1_000_000 + i)
    running(jobs, "xgb-2019-01-01-00-00-00-000")
    finished(jobs, "xgb-2019-01-01-00-00-01-000", 10)  # this session's
    inside = jobs / "xgb-2019-01-01-00-00-02-000"
    finished(jobs, inside.name, 11, (inside / "artifacts" / "model.tar.gz").as_uri())
    finished(jobs, "other-2020-01-01-00-00-00-000", 5)
    return names


def test_the_oldest_finished_jobs_of_a_base_name_go(tmp_path):
    names = old_jobs(tmp_path)
    removed = pruning.prune_finished_jobs(
        tmp_path, "xgb-2021-01-01-00-00-00-000", {"xgb-2019-01-01-00-00-01-000"}, keep=3
    )
    assert sorted(removed) == names[:3]  # the two newest stay, with the new one: 3
    left = {p.name for p in tmp_path.iterdir()}
    assert set(names[3:]) <= left
    assert {"xgb-2019-01-01-00-00-00-000", "xgb-2019-01-01-00-00-01-000",
            "xgb-2019-01-01-00-00-02-000", "other-2020-01-01-00-00-00-000"} <= left  # fmt: skip


def test_zero_keeps_every_job_and_the_default_is_documented(tmp_path, monkeypatch):
    names = old_jobs(tmp_path)
    monkeypatch.setenv(pruning.KEEP_VARIABLE, "0")
    assert pruning.prune_finished_jobs(tmp_path, "xgb-2021-01-01-00-00-00-000", set()) == []
    assert all((tmp_path / n).is_dir() for n in names)
    monkeypatch.delenv(pruning.KEEP_VARIABLE)
    assert pruning.keep_count() == pruning.DEFAULT_KEEP
    for readme in ("README.md", "README.pt_br.md"):
        text = (Path(__file__).parent.parent / readme).read_text(encoding="utf-8")
        assert pruning.KEEP_VARIABLE in text and str(pruning.DEFAULT_KEEP) in text


def test_creating_a_job_prunes_its_base_name(session, tmp_path, small_data, monkeypatch):  # noqa: F811
    monkeypatch.setenv(pruning.KEEP_VARIABLE, "2")
    jobs = tmp_path / "jobs"
    for i in range(3):
        finished(jobs, f"xgboost-built-in-2020-01-01-00-00-0{i}-000", 1_000_000 + i)
    estimator = builtin_estimator(session, tmp_path, num_round=3, objective="binary:logistic")
    estimator.base_job_name = "xgboost-built-in"
    estimator.fit(csv_channels(small_data), logs=False)
    new = estimator.latest_training_job.name
    left = sorted(p.name for p in jobs.iterdir() if p.name.startswith("xgboost-built-in"))
    assert left == ["xgboost-built-in-2020-01-01-00-00-02-000", new]
    described = session.sagemaker_client.describe_training_job(TrainingJobName=new)
    assert described["TrainingJobStatus"] == "Completed"


# ------------------------------------------------------------------------ channel files


def test_a_staged_channel_file_is_not_the_learners_file(tmp_path):
    """Whatever the file system (cloned or copied), writing into the staged file leaves the
    source as it was: SageMaker downloads the channel into the container."""
    source = tmp_path / "data" / "train.csv"
    source.parent.mkdir()
    source.write_text("1,0.5\n0,0.1\n")
    dest = tmp_path / "ml" / "input" / "data" / "train"
    dest.mkdir(parents=True)
    channels._copy_into(source, dest)
    staged = dest / "train.csv"
    assert staged.read_text() == source.read_text()
    assert staged.stat().st_ino != source.stat().st_ino  # not a hard link
    with open(staged, "a") as out:
        out.write("1,0.9\n")
    assert source.read_text() == "1,0.5\n0,0.1\n"


def test_a_folder_channel_is_cloned_where_the_file_system_can(tmp_path, monkeypatch):
    """The clone is asked for (FICLONE) first; where it is refused (ext4, tmpfs, another file
    system: EOPNOTSUPP or EXDEV) the file is copied."""
    source = tmp_path / "data"
    (source / "part").mkdir(parents=True)
    (source / "part" / "a.csv").write_text("1,2\n")
    asked = []

    def refuse(fd, request, arg):
        asked.append(request)
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(channels.fcntl, "ioctl", refuse)
    dest = tmp_path / "staged"
    dest.mkdir()
    channels._copy_into(source, dest)
    assert (dest / "part" / "a.csv").read_text() == "1,2\n"
    assert asked == [channels._FICLONE]
