"""The fault catalogue, part three: full and read-only disks (real tmpfs mounts), S3 without
credentials, and hostile artifacts, from a training job and handed to the report's loader
(see test_faults.py for what every row asserts)."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import tarfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_faults import GOOD, SCRIPT, Bench, Fault, Outcome, run_rows
from test_faults_processes import stop_right_away

import xgboost_report


def tmpfs(b: Bench, name: str, size: str, read_only: bool = False) -> Path:
    """A real tmpfs of `size` (unmounted after the row); read-only after its folders exist."""
    mount = b.tmp / name
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {done.stderr.strip()}")
    b.cleanups.append(lambda: subprocess.run(["umount", "-l", str(mount)], check=False))
    for folder in ("jobs", "models"):
        (mount / folder).mkdir()
    if read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    return mount


def fill(mount: Path) -> None:
    """Leave no byte free on a tmpfs."""
    with open(mount / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError:
            pass


def spam_on_a_full_disk(b: Bench) -> Outcome:
    """The issue's hang: output_dir on a 1 MiB disk, an entry point that prints 3 MB."""
    b.relocate(tmpfs(b, "disk", "1m"))
    source = "for i in range(60000):\n    print('x' * 50, i)\nimport time\ntime.sleep(600)\n"
    start = time.monotonic()
    outcome = b.fit(b.script(source), b.csv(GOOD))
    assert time.monotonic() - start < 30, "the job hung on a full disk"
    name = outcome.description["TrainingJobName"]
    assert b.client.stop_training_job(TrainingJobName=name) == {}  # no raw OSError
    outcome.model = False  # no disk left to hold one
    return outcome


def output_on(size: str, read_only: bool = False, full: bool = False):
    def act(b: Bench) -> Outcome:
        mount = tmpfs(b, "out", size)
        if full:
            fill(mount)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        estimator = b.script(output_path=(mount / "models").as_uri(), **SCRIPT)
        return b.fit(estimator, b.csv(GOOD))

    return act


def model_too_big(b: Bench) -> Outcome:
    mount = tmpfs(b, "out", "1m")
    source = "import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'big.bin'), 'wb')" \
             ".write(os.urandom(3 * 2**20))\n"  # fmt: skip
    outcome = b.fit(b.script(source, output_path=(mount / "models").as_uri()), b.csv(GOOD))
    uri = outcome.description["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri.startswith((b.jobs / outcome.description["TrainingJobName"]).as_uri())
    return outcome  # the model.tar.gz is kept in the job folder instead


def jobs_folder_read_only(b: Bench) -> Outcome:
    b.relocate(tmpfs(b, "disk", "1m", read_only=True))
    b.models = b.tmp / "models"  # a writable output: only the jobs folder is read-only
    return b.fit(b.script(**SCRIPT), b.csv(GOOD))


def without_credentials(output: str = "", train: str = ""):
    def act(b: Bench) -> Outcome:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_PROFILE"):  # fmt: skip
            b.monkeypatch.delenv(key, raising=False)
        for key in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
            b.monkeypatch.setenv(key, str(b.tmp / "none"))
        fresh = Bench(b.tmp, b.monkeypatch)
        inputs = {"train": train} if train else fresh.csv(GOOD)
        return fresh.fit(fresh.script(output_path=output, **SCRIPT), inputs)

    return act


def missing_bucket(b: Bench) -> Outcome:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        b.monkeypatch.setenv(key, "testing")
    with mock_aws():
        fresh = Bench(b.tmp, b.monkeypatch)
        fresh.session.boto_session.client("s3").create_bucket(Bucket="lab-bucket")
        return fresh.fit(fresh.script(output_path="s3://lab-bucket-typo/out", **SCRIPT),
                         fresh.csv(GOOD))  # fmt: skip


DISKS = [
    Fault("disks", "log on a full disk", spam_on_a_full_disk, "Failed",
          ("could not write the job's log: No space left on device ({tmp}/disk/jobs/",
           "training.log)", "localsm.activate(jobs_dir=...)")),
    Fault("disks", "read-only output path", output_on("1m", read_only=True), "Refused",
          ("OutputDataConfig.S3OutputPath file://{tmp}/out/models",
           "Read-only file system")),
    Fault("disks", "full output path", output_on("64k", full=True), "Refused",
          ("OutputDataConfig.S3OutputPath", "No space left on device")),
    Fault("disks", "model too big for the output", model_too_big, "Failed",
          ("could not write the job's artifacts: No space left on device ({tmp}/out/models/",)),
    Fault("disks", "read-only jobs folder", jobs_folder_read_only, "Refused",
          ("cannot create the job folder {tmp}/disk/jobs/", "Read-only file system")),
    Fault("disks", "s3 output without credentials", without_credentials("s3://bucket/out"),
          "Refused", ("OutputDataConfig.S3OutputPath is s3://bucket/out",
                      "no AWS credentials")),
    Fault("disks", "s3 input without credentials", without_credentials(train="s3://b/train/"),
          "Refused", ("InputDataConfig channel 'train' is s3://b/train/", "no AWS credentials")),
    Fault("disks", "s3 bucket that does not exist", missing_bucket, "Refused",
          ("bucket lab-bucket-typo does not exist",)),
]  # fmt: skip


# ------------------------------------------------------------------ hostile artifacts


def hostile_entry(source: str) -> Callable[[Bench], Outcome]:
    return lambda b: b.fit(b.script(textwrap.dedent(source)), b.csv(GOOD))


def refusal(error: Exception) -> str:
    """The loader's reason: its first sentence (what follows is advice on what to do)."""
    return str(error).split(". ", 1)[0]


def load(outcome: Outcome) -> Outcome:
    """The report's loader on the job's model.tar.gz: refused, with its reason."""
    uri = outcome.description["ModelArtifacts"]["S3ModelArtifacts"]
    try:
        xgboost_report.load_model(uri, allow_pickle=False)
    except xgboost_report.ReportError as error:
        return Outcome("Refused", refusal(error), outcome.description)
    raise AssertionError(f"{uri} was loaded")


def pickled_model(b: Bench) -> Outcome:
    source = """
        import os, pickle
        payload = pickle.dumps({"not": "a booster"})
        open(os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model"), "wb").write(payload)
    """
    outcome = hostile_entry(source)(b)
    assert outcome.status == "Completed"
    return load(outcome)


def link_out_of_the_model(b: Bench) -> Outcome:
    source = """
        import os
        model = os.environ["SM_MODEL_DIR"]
        os.symlink("/etc/passwd", os.path.join(model, "xgboost-model"))
        os.mkfifo(os.path.join(model, "pipe"))
    """
    outcome = hostile_entry(source)(b)
    assert outcome.status == "Completed"
    log = (b.jobs / outcome.description["TrainingJobName"] / "training.log").read_text()
    assert "Not packed into model.tar.gz: xgboost-model (a link to /etc/passwd)" in log
    assert "Not packed into model.tar.gz: pipe (not a regular file)" in log
    return load(outcome)


def tarball(b: Bench, members: list[tuple[tarfile.TarInfo, bytes]]) -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return b.file("model.tar.gz", buffer.getvalue())


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def loader(make: Callable[[Bench], str]) -> Callable[[Bench], Outcome]:
    def act(b: Bench) -> Outcome:
        path = make(b)
        try:
            xgboost_report.load_model(path, allow_pickle=False)
        except xgboost_report.ReportError as error:
            assert not (b.tmp / "evil.txt").exists() and not Path("/tmp/evil-localsm").exists()
            return Outcome("Refused", refusal(error))
        raise AssertionError("a hostile model file was loaded")

    return act


def stopped_job_model(b: Bench) -> str:
    outcome = stop_right_away(b)
    return outcome.description["ModelArtifacts"]["S3ModelArtifacts"]


HOSTILE = [
    Fault("hostile-artifacts", "model dir swapped for a link to /",
          hostile_entry("import os, shutil\nm = os.environ['SM_MODEL_DIR']\nshutil.rmtree(m)\n"
                        "os.symlink('/', m)\n"), "Failed",
          ("/opt/ml/model ({tmp}/jobs/", "was replaced by a link to /")),
    Fault("hostile-artifacts", "pickle as xgboost-model", pickled_model, "Refused",
          ("model.tar.gz!xgboost-model is a pickle file, refused by default",)),
    Fault("hostile-artifacts", "links and a FIFO in the model", link_out_of_the_model,
          "Refused", ("model.tar.gz",)),
    Fault("hostile-artifacts", "path traversal member",
          loader(lambda b: tarball(b, [(member("../evil.txt"), b"x")])), "Refused",
          ("member '../evil.txt' has a path that leaves the extraction folder",)),
    Fault("hostile-artifacts", "absolute member",
          loader(lambda b: tarball(b, [(member("/tmp/evil-localsm"), b"x")])), "Refused",
          ("member '/tmp/evil-localsm' has an absolute path",)),
    Fault("hostile-artifacts", "link member out of the archive",
          loader(lambda b: tarball(b, [(member("xgboost-model", tarfile.SYMTYPE,
                                              "/etc/passwd"), b"")])), "Refused",
          ("a link pointing outside the archive (/etc/passwd)",)),
    Fault("hostile-artifacts", "random bytes", loader(lambda b: b.file("m.bin", os.urandom(999))),
          "Refused", ("m.bin", "XGBoost cannot load this model")),
    Fault("hostile-artifacts", "a stopped job's empty model", loader(stopped_job_model),
          "Refused", ("model.tar.gz",)),
    Fault("hostile-artifacts", "pickle file, not opted in",
          loader(lambda b: b.file("model.pkl", pickle.dumps([1, 2]))), "Refused",
          ("model.pkl is a pickle file, refused by default",)),
]  # fmt: skip

CATALOGUE = {"disks": DISKS, "hostile-artifacts": HOSTILE}

test_disks = run_rows(DISKS)
test_hostile_artifacts = run_rows(HOSTILE)
