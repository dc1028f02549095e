"""Script mode gets the code SageMaker would pack (issue 26, item 7), also with local code on.

Reference: aws/sagemaker-python-sdk (master-v2, src/sagemaker/fw_utils.py): `tar_and_upload_dir`
packs `_list_files_to_compress(script, directory) + dependencies`, which is `[script]` when
there is no `source_dir` ("If directory is None, the script will be added to the archive at
./<basename of script>") and the folder's contents otherwise, each member at the archive's top
(`sagemaker.utils.create_tar_file`, arcname = basename). src/sagemaker/estimator.py,
`EstimatorBase._prepare_for_training`: with `local.local_code` the SDK instead sends
`sagemaker_submit_directory = "file://" + os.path.dirname(entry_point)` (the whole folder).
SDK v3 does not apply: `ModelTrainer._validate_source_code` (sagemaker-train,
model_trainer.py) refuses an `entry_script` without `source_dir`, and uploads `source_dir`
as the `code` channel itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from estimators import local_xgboost
from localsm import LocalSageMakerSession

ENTRY_POINT = """\
import json, os, sys
listing = sorted(
    os.path.relpath(os.path.join(root, name), ".") + end
    for root, dirs, files in os.walk(".") for names, end in ((files, ""), (dirs, "/"))
    for name in names
)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "listing.json"), "w") as out:
    json.dump({"listing": listing, "version": VERSION,
               "module_dir": os.environ["SM_MODULE_DIR"]}, out)
"""


@pytest.fixture
def project(tmp_path) -> Path:
    """A notebook folder as a learner has one: the entry point beside data, notebooks, logs
    and the local jobs folder."""
    folder = tmp_path / "project"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "lab.ipynb").write_text("{}")
    (folder / "data.csv").write_text("1,2,3\n" * 1000)
    (folder / "train.py").write_text(ENTRY_POINT.replace("VERSION", "1"))
    data = np.column_stack([np.arange(20) % 2, np.arange(20)])
    np.savetxt(folder / "train.csv", data, delimiter=",", fmt="%d")
    return folder


def folder_with(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def run(session, project: Path, **code) -> dict:
    """Train on the project's data with the estimator's `code` arguments (models beside the
    project): what the job got."""
    estimator = local_xgboost(session, project.parent, **code)
    estimator.fit({"train": (project / "train.csv").as_uri()}, logs="None")
    job = estimator.latest_training_job.name
    listing = session.sagemaker_client.jobs_dir / job / "ml" / "model" / "listing.json"
    return {"estimator": estimator, **json.loads(listing.read_text())}


def test_without_source_dir_the_job_gets_the_entry_point_alone(project, tmp_path, monkeypatch):
    # The jobs folder inside the current folder: the old whole-folder copy never ended.
    session = LocalSageMakerSession(jobs_dir=project / "jobs")
    monkeypatch.chdir(project)
    result = run(session, project, entry_point="train.py")
    assert result["listing"] == ["train.py"]
    # An entry point given by a path elsewhere: the same.
    monkeypatch.chdir(tmp_path)
    result = run(session, project, entry_point=str(project / "train.py"))
    assert result["listing"] == ["train.py"] and result["version"] == 1
    estimator = result["estimator"]
    # A second fit of the same estimator packs the entry point again, as it now reads.
    (project / "train.py").write_text(ENTRY_POINT.replace("VERSION", "2"))
    estimator.fit({"train": (project / "train.csv").as_uri()}, logs="None")
    listing = session.sagemaker_client.jobs_dir / estimator.latest_training_job.name
    again = json.loads((listing / "ml" / "model" / "listing.json").read_text())
    assert again["listing"] == ["train.py"] and again["version"] == 2


def test_dependencies_are_packed_beside_the_code(project, tmp_path):
    library = str(folder_with(tmp_path / "mylib", {"__init__.py": "X = 1\n"}))
    session = LocalSageMakerSession(jobs_dir=tmp_path / "jobs")
    result = run(session, project, entry_point=str(project / "train.py"), dependencies=[library])
    assert result["listing"] == ["mylib/", "mylib/__init__.py", "train.py"]
    source = folder_with(
        tmp_path / "src", {"train.py": ENTRY_POINT.replace("VERSION", "3"), "helper.py": ""}
    )
    result = run(
        session, project, entry_point="train.py", source_dir=str(source), dependencies=[library]
    )
    assert result["listing"] == ["helper.py", "mylib/", "mylib/__init__.py", "train.py"]


def test_with_source_dir_the_whole_folder_but_not_the_jobs_inside_it(project, tmp_path):
    session = LocalSageMakerSession(jobs_dir=project / "outputs" / "jobs")
    result = run(session, project, entry_point="train.py", source_dir=str(project))
    assert "outputs/" not in result["listing"]  # where the job itself lives
    assert {"train.py", "data.csv", "notebooks/", "notebooks/lab.ipynb"} <= set(result["listing"])
    assert result["module_dir"] == f"file://{project}"
    assert os.path.isdir(project / "outputs" / "jobs")
    # With dependencies the code is staged first (beside the jobs): not into itself either.
    library = str(folder_with(tmp_path / "mylib", {"util.py": ""}))
    result = run(
        session, project, entry_point="train.py", source_dir=str(project), dependencies=[library]
    )
    assert "mylib/util.py" in result["listing"] and "data.csv" in result["listing"]
    assert not any(name.startswith("outputs/jobs") for name in result["listing"])
