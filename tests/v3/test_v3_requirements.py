# ruff: noqa: F811 - `outputs` and `setup` are the fixtures imported from v3_setup
"""SDK v3 `SourceCode(requirements=...)`: the SDK's `sm_train.sh` runs
`python3 install_requirements.py <file>` (pip install -r) before the entry script, in the
container's own Python (aws/sagemaker-python-sdk sagemaker-train/src/sagemaker/train/
templates.py INSTALL_REQUIREMENTS, and sagemaker-core/src/sagemaker/core/utils/
install_requirements.py). Locally the job gets its own environment: the kernel's stays as it
was; offline, a missing package fails the job with a one-line reason. Runs in .venv-v3."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sagemaker.train", reason="SDK v3 tests run in .venv-v3 (make test)")

from sagemaker.train.configs import InputData, SourceCode  # noqa: E402
from test_v3_local import IMAGE, trainer  # noqa: E402
from v3_setup import outputs, setup  # noqa: E402, F401 - the module's fixtures

import lab  # noqa: E402
from localsm.training import job_env  # noqa: E402

# pip's index on a closed loopback port: any download is refused at once, as offline.
OFFLINE = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}
ENTRY = """
import os, sys
import numpy, xgboost
print("entry python:", sys.executable)
print("prefix:", sys.prefix)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(sys.prefix)
"""


def freeze() -> str:
    """The kernel environment's installed distributions (pip-free: importlib.metadata)."""
    code = "import importlib.metadata as m; print(sorted(f'{d.name}=={d.version}' " \
        "for d in m.distributions()))"  # fmt: skip
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def run_job(setup, tmp_path: Path, requirements: str, base: str, entry: str = ENTRY) -> dict:
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text(entry)
    (source / "requirements.txt").write_text(requirements)
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("1,2\n")
    code = SourceCode(source_dir=str(source), entry_script="train.py",
                      requirements="requirements.txt")  # fmt: skip
    job = trainer(setup, training_image=IMAGE, base_job_name=base, source_code=code,
                  environment=OFFLINE)  # fmt: skip
    try:
        job.train([InputData(channel_name="train", data_source=str(data))], wait=True,
                  logs=False)  # fmt: skip
    except Exception:  # noqa: BLE001 - a failed job raises in v3; the description tells
        pass
    name = lab.job_name(job)
    return setup.session.sagemaker_client.describe_training_job(TrainingJobName=name)


def test_satisfied_requirements_install_offline_into_the_jobs_environment(setup, outputs,
                                                                         tmp_path):  # fmt: skip
    # Packages installed under these very names in every build (XGBoost is `xgboost-cpu` on
    # Linux, a distribution pip does not take for `xgboost`: named so, pip would download it).
    before = freeze()
    described = run_job(setup, tmp_path, "pandas\nnumpy\n", "v3-req-ok")
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    assert freeze() == before
    log = (outputs / "jobs" / described["TrainingJobName"] / "training.log").read_text()
    assert "Requirement already satisfied: pandas" in log, log
    job_folder = outputs / "jobs" / described["TrainingJobName"]
    # the entry script ran with the job's own environment's Python
    assert f"prefix: {job_folder / 'python-env'}" in log, log


def test_a_requirement_that_cannot_be_downloaded_fails_in_one_line(setup, tmp_path):
    before = freeze()
    described = run_job(setup, tmp_path, "numpy\nlocalsm-no-such-package==1.0\n", "v3-req-off")
    assert described["TrainingJobStatus"] == "Failed"
    reason = described["FailureReason"]
    assert "\n" not in reason and "Traceback" not in reason, reason
    assert "pip could not install the packages of requirements.txt" in reason, reason
    assert "localsm-no-such-package" in reason, reason
    assert freeze() == before


def demo_wheel(folder: Path) -> str:
    """A one-module wheel (PEP 427 layout), so pip has something to install offline."""
    import zipfile

    name = "localsm_req_demo-1.0-py3-none-any.whl"
    info = "localsm_req_demo-1.0.dist-info"
    files = {
        "localsm_req_demo.py": "VALUE = 42\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: localsm-req-demo\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(folder / name, "w") as wheel:
        for path, text in {**files, f"{info}/RECORD": record}.items():
            wheel.writestr(path, text)
    return name


def test_what_the_job_installs_is_its_own(tmp_path):
    """A package pip installs lands in the job's environment and the entry script imports
    it; the kernel's environment does not get it. The job folder has spaces (the drivers
    name `$SM_PYTHON_CMD` unquoted)."""
    outputs = tmp_path / "João Silva" / "curso de ML"
    setup = lab.setup("local", output_dir=str(outputs))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = wheels / demo_wheel(wheels)
    before = freeze()
    entry = ENTRY + "import localsm_req_demo as d\nprint('demo', d.VALUE, d.__file__)\n"
    described = run_job(setup, tmp_path, f"{wheel}\n", "v3-req-own", entry)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    log = (outputs / "jobs" / described["TrainingJobName"] / "training.log").read_text()
    assert re.search(r"demo 42 \S+/python-env/lib/python3\.\d+/site-packages/", log), log
    assert freeze() == before


def test_pip3_in_the_job_installs_into_its_environment(tmp_path):
    """`pip3`/`pip` on the job's PATH (the drivers check for one; a script may call it)
    install into the job's environment, which sees the kernel's packages after its own."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = wheels / demo_wheel(wheels)
    root = job_env.create(tmp_path / "a job folder")
    before = freeze()
    pip = subprocess.run([str(root / "bin" / "pip3"), "install", "--no-index", str(wheel)],
                         capture_output=True, text=True)  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    shown = subprocess.run(
        [str(root / "bin" / "python3"), "-c", "import localsm_req_demo, xgboost, sys; "
         "print(localsm_req_demo.__file__, sys.path.index(xgboost.__path__[0].rsplit('/', 1)[0]))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert shown.startswith(str(root / "lib")), shown
    assert freeze() == before


PIP_FAILED = (
    "subprocess.CalledProcessError: Command '['/x/python-env/bin/python3', '-m', 'pip', "
    "'install', '-r', '{file}']' returned non-zero exit status 1."
)


def test_a_requirements_file_that_is_not_there_is_named():
    """pip's own message for a missing file (pip/_internal/req/req_file.py), then the SDK's
    install step raising CalledProcessError (sagemaker-core utils/install_requirements.py)."""
    tail = [
        "ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'r.txt'",
        "Traceback (most recent call last):",
        '  File "install_requirements.py", line 180, in install_requirements',
        PIP_FAILED.format(file="r.txt"),
        "An error occurred with exit code 1",
    ]
    reason = job_env.requirements_reason(tail)
    assert reason.startswith("AlgorithmError: pip could not read r.txt (Could not open"), reason
    assert "source_dir" in reason and "\n" not in reason
    assert job_env.requirements_reason(tail[:3] + tail[4:]) is None  # another failure
