"""The helper every notebook imports: `setup(mode)` is the only place that knows the mode.

    lab = setup("auto")   # "local" on a laptop or in CI, "sagemaker" inside SageMaker

returns the session, role, region, instance type, data URIs and output path that the
SageMaker SDK calls in the notebooks need. In local mode the session runs training jobs as
local processes (`localsm`); in SageMaker mode it is a plain `sagemaker.Session()`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localsm.quiet import silence_sdk

silence_sdk()
# optuna imports tqdm.auto, which warns in Jupyter when ipywidgets is absent; our progress
# bars are plain text on purpose (they read the same in JupyterLab and in papermill output).
warnings.filterwarnings("ignore", message="IProgress not found")

REPO = Path(__file__).resolve().parent.parent
CODE_DIR = REPO / "code"
# The script-mode source folder: only what a training container needs (the entry point), so a
# job on AWS uploads one script, not this helper or the local service.
SCRIPT_DIR = CODE_DIR / "script"
DATASET_DIR = REPO / "dataset"
OUTPUTS_DIR = REPO / "outputs"
DOWNLOADS_DIR = OUTPUTS_DIR / "downloads"  # artifacts fetched for evaluation
SPLITS = ("train", "validation", "test")
LOCAL_ROLE = "arn:aws:iam::000000000000:role/LocalSageMakerExecutionRole"
SAGEMAKER_METADATA = Path("/opt/ml/metadata/resource-metadata.json")
SAGEMAKER_INSTANCE_TYPE = "ml.m5.xlarge"
S3_PREFIX = "xgboost-lab"
LAB_BUCKET_MARKER = "labdatabucket"


# The lab's fixed hyperparameters for the built-in algorithm (Task 1.3): used by the benchmark,
# the README images and the tests (the notebook shows them in its parameters cell).
LAB_HYPERPARAMETERS = {
    "max_depth": 5,
    "eta": 0.2,
    "gamma": 4,
    "min_child_weight": 6,
    "subsample": 0.7,
    "verbosity": 0,
    "objective": "binary:logistic",
    "num_round": 800,
}
# What the notebooks import (the rest of requirements.txt is for tests and tooling, and
# must not be reinstalled into SageMaker Studio's own environment).
NOTEBOOK_PACKAGES = ("sagemaker", "boto3", "xgboost", "numpy", "pandas", "scikit-learn",
                     "matplotlib", "bokeh", "optuna", "tqdm")  # fmt: skip


class LabSetupError(RuntimeError):
    """Setup cannot go on; the message says what is missing and how to fix it."""


@dataclass
class Lab:
    """What the notebooks need to create estimators, whatever the mode."""

    mode: str
    session: Any
    role: str
    region: str
    instance_type: str
    train_uri: str
    validation_uri: str
    test_uri: str
    output_path: str
    source_dir: str = str(SCRIPT_DIR)


def ensure_requirements(requirements: Path = REPO / "requirements.txt") -> None:
    """Install the notebooks' pinned packages into this kernel's environment when missing.

    SageMaker Studio images may ship SDK v3 (which dropped the lab's API) or another XGBoost.
    When everything installed already satisfies requirements.txt this does nothing (no
    network); otherwise it runs pip once and says so. Run it before importing sagemaker.
    """
    import importlib.metadata
    import subprocess
    import sys

    wanted = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        name = line.split(";")[0]
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        if line and name.lower() in NOTEBOOK_PACKAGES:
            wanted.append(line)
    missing = []
    try:
        from packaging.requirements import Requirement

        for line in wanted:
            requirement = Requirement(line)
            try:
                version = importlib.metadata.version(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                missing.append(line)
                continue
            if not requirement.specifier.contains(version, prereleases=True):
                missing.append(line)
    except ImportError:  # no `packaging`: let pip decide
        missing = wanted
    if not missing:
        print("All packages the lab needs are installed.")
        return
    print(f"Installing {', '.join(missing)} ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    if "sagemaker" in sys.modules:
        print("sagemaker was already imported: restart the kernel to use the installed version.")


def short(uri: str) -> str:
    """A location as shown in the notebooks: inside this repository, relative to it."""
    text = str(uri)
    for prefix in (REPO.as_uri() + "/", str(REPO) + "/"):
        if text.startswith(prefix):
            return "<repo>/" + text[len(prefix) :]
    return text


def bundled_csv(split: str, headers: bool = False) -> Path:
    """A committed split: label first, no header (or the `_wheaders` copy)."""
    suffix = "_wheaders" if headers else ""
    return DATASET_DIR / f"adult_data_processed_{split}{suffix}.csv"


def detect_mode() -> tuple[str, str]:
    """(mode, reason): SageMaker when this kernel runs inside SageMaker, local elsewhere."""
    if SAGEMAKER_METADATA.is_file():
        return "sagemaker", f"{SAGEMAKER_METADATA} exists (SageMaker Studio or notebook instance)"
    return "local", f"not inside SageMaker (no {SAGEMAKER_METADATA})"


def setup(
    mode: str = "auto",
    *,
    train: str = "",
    validation: str = "",
    test: str = "",
    output_dir: str = "",
    headers: bool = False,
    role: str = "",
) -> Lab:
    """Set up the lab. `train`/`validation`/`test`: a CSV path or s3:// URI (empty = bundled)."""
    if mode == "auto":
        mode, reason = detect_mode()
        print(f"Mode: {mode} ({reason})")
    else:
        print(f"Mode: {mode} (chosen explicitly)")
    data = {"train": train, "validation": validation, "test": test}
    if mode == "local":
        return _setup_local(data, output_dir, headers)
    if mode == "sagemaker":
        return _setup_sagemaker(data, output_dir, headers, role)
    raise LabSetupError(f"unknown mode {mode!r}: use 'auto', 'local' or 'sagemaker'")


def _local_uri(value: str, split: str, headers: bool) -> str:
    if value.startswith("s3://"):
        return value
    path = Path(value).expanduser().resolve() if value else bundled_csv(split, headers)
    if not path.exists():
        raise LabSetupError(f"{split} data not found: {path}. Pass an existing CSV path.")
    return path.as_uri()


def _setup_local(data: dict[str, str], output_dir: str, headers: bool) -> Lab:
    import boto3

    from localsm import LocalSageMakerSession  # (its import turns off botocore's EC2 probes)

    outputs = Path(output_dir).expanduser().resolve() if output_dir else OUTPUTS_DIR
    region = boto3.Session().region_name or "us-east-1"
    session = LocalSageMakerSession(jobs_dir=outputs / "jobs", region=region)
    uris = {split: _local_uri(data[split], split, headers) for split in SPLITS}
    (outputs / "models").mkdir(parents=True, exist_ok=True)
    return Lab(
        mode="local",
        session=session,
        role=LOCAL_ROLE,
        region=region,
        instance_type="local",
        train_uri=uris["train"],
        validation_uri=uris["validation"],
        test_uri=uris["test"],
        output_path=(outputs / "models").as_uri(),
    )


def _setup_sagemaker(data: dict[str, str], output_dir: str, headers: bool, role: str) -> Lab:
    import botocore.exceptions
    import sagemaker

    try:
        session = sagemaker.Session()
        region = session.boto_region_name
    except (botocore.exceptions.NoRegionError, ValueError) as error:
        raise LabSetupError(
            f"no AWS region ({error}). Set one with `aws configure` or AWS_DEFAULT_REGION."
        ) from None
    s3 = session.boto_session.client("s3")
    try:
        buckets = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    except botocore.exceptions.NoCredentialsError:
        raise LabSetupError(
            "no AWS credentials. Run inside SageMaker Studio, or configure credentials "
            "(`aws configure`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)."
        ) from None
    if not role:
        try:
            role = sagemaker.get_execution_role(session)
        except (ValueError, botocore.exceptions.ClientError) as error:
            raise LabSetupError(
                f"no SageMaker execution role ({error}). Pass setup(..., role='arn:aws:iam::"
                "<account>:role/<name>') with a role SageMaker can assume."
            ) from None
    lab_bucket = next((b for b in buckets if LAB_BUCKET_MARKER in b.lower()), None)
    uris = {}
    for split in SPLITS:
        if data[split]:
            uris[split] = (
                data[split]
                if data[split].startswith("s3://")
                else _upload(session, Path(data[split]), split)
            )
        elif lab_bucket:
            uris[split] = f"s3://{lab_bucket}/scripts/data/{split}/"
        else:
            uris[split] = _upload(session, bundled_csv(split, headers), split)
    bucket = session.default_bucket()
    prefix = output_dir.strip("/") if output_dir else f"{S3_PREFIX}/output"
    return Lab(
        mode="sagemaker",
        session=session,
        role=role,
        region=region,
        instance_type=SAGEMAKER_INSTANCE_TYPE,
        train_uri=uris["train"],
        validation_uri=uris["validation"],
        test_uri=uris["test"],
        output_path=f"s3://{bucket}/{prefix}",
    )


def _upload(session: Any, path: Path, split: str) -> str:
    """Upload a CSV once to the session's default bucket; returns its channel URI."""
    if not path.is_file():
        raise LabSetupError(f"{split} data not found: {path}")
    bucket = session.default_bucket()
    key = f"{S3_PREFIX}/data/{split}/{path.name}"
    s3 = session.boto_session.client("s3")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        already = head.get("ContentLength") == path.stat().st_size
    except Exception:  # noqa: BLE001 - not there yet (404) or not readable: upload
        already = False
    if not already:
        s3.upload_file(str(path), bucket, key)
        print(f"Uploaded {path.name} to s3://{bucket}/{key}")
    # The object itself, not its folder: the files with and without a header row (Task 2 and
    # Task 1) share the folder, and the built-in algorithm must not read the header copy.
    return f"s3://{bucket}/{key}"


# ---------------------------------------------------------------------------- notebook helpers


def describe(lab: Lab) -> None:
    """Print the setup the notebook will use (repository paths shortened, no secrets)."""
    role = lab.role if lab.mode == "local" else lab.role.split(":role/")[-1] + " (IAM role)"
    print(f"mode:          {lab.mode}")
    print(f"region:        {lab.region}")
    print(f"role:          {role}")
    print(f"instance type: {lab.instance_type}")
    for split in SPLITS:
        print(f"{split + ':':14} {short(getattr(lab, f'{split}_uri'))}")
    print(f"output path:   {short(lab.output_path)}")


def fetch(uri: str, lab: Lab, folder: Path) -> Path:
    """A local copy of a file:// path or s3:// object (the first object under an s3 prefix)."""
    if not uri.startswith("s3://"):
        return Path(uri.removeprefix("file://"))
    bucket, _, key = uri[len("s3://") :].partition("/")
    s3 = lab.session.boto_session.client("s3")
    if not key or key.endswith("/"):
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
        objects = [o["Key"] for o in listing if not o["Key"].endswith("/")]
        if not objects:
            raise LabSetupError(f"nothing found under {uri}")
        key = objects[0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{bucket}-{key.replace('/', '-')}"
    s3.download_file(bucket, key, str(target))
    return target


def load_model(model_uri: str, lab: Lab):
    """The trained booster from a model.tar.gz, loaded safely (no pickle, no path traversal)."""
    import xgboost_report

    return xgboost_report.load_model(fetch(model_uri, lab, DOWNLOADS_DIR))


def training_report(estimator: Any, lab: Lab):
    """The training report of an estimator's last job: built in seconds, in both modes, from
    its model artifact, its evaluation history and the validation data."""
    import xgboost_report

    model = fetch(estimator.model_data, lab, DOWNLOADS_DIR)
    history_tar = fetch(estimator.model_data.replace("model.tar.gz", "output.tar.gz"), lab,
                        DOWNLOADS_DIR)  # fmt: skip
    validation = fetch(lab.validation_uri, lab, DOWNLOADS_DIR)
    report = xgboost_report.report_from_artifact(model, validation, history=history_tar)
    job = estimator.latest_training_job.name
    page = OUTPUTS_DIR / "reports" / f"{job}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    report.to_html(page)
    print(f"Report page: {short(page.as_uri())}")
    if lab.mode == "local":
        rule = Path(lab.output_path.removeprefix("file://")) / job / "rule-output"
        print(f"Debugger rule output (local): {short(rule.as_uri())}")
    return report


def evaluate(model_uri: str, data_uri: str, lab: Lab) -> dict[str, float]:
    """AUC, accuracy and F1 (label 1) of a model artifact on a label-first CSV."""
    import xgboost_report

    model = fetch(model_uri, lab, DOWNLOADS_DIR)
    data = fetch(data_uri, lab, DOWNLOADS_DIR)
    return xgboost_report.report_from_artifact(model, data).summary()


def print_summary(summary: dict) -> None:
    """The report's headline numbers, rounded (notebooks compare them between runs)."""
    for key, value in summary.items():
        print(f"{key:24} {value:.4f}" if isinstance(value, float) else f"{key:24} {value}")


def print_scores(scores: dict[str, dict]) -> None:
    """A small table: one row per data split, rounded scores."""
    import pandas as pd

    frame = pd.DataFrame(scores).T
    keep = [c for c in ("auc", "accuracy", "f1", "f1_label_1", "precision", "recall") if c in frame]
    print(frame[keep or list(frame.columns)].astype(float).round(4).to_string())


def print_best_job(description: dict, hyperparameters: dict[str, str]) -> None:
    """The best training job's objective, final metrics and tuned hyperparameters."""
    metrics = {m["MetricName"]: m["Value"] for m in description.get("FinalMetricDataList", [])}
    print(f"status: {description['TrainingJobStatus']}")
    for name, value in sorted(metrics.items()):
        print(f"{name:24} {value:.4f}")
    for name, value in hyperparameters.items():
        number = float(value)
        print(f"{name:24} {int(number) if number.is_integer() else round(number, 4)}")


def show_script_help() -> None:
    """`xgboost_train.py --help`: the hyperparameters the script accepts."""
    import subprocess
    import sys

    script = SCRIPT_DIR / "xgboost_train.py"
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    print(result.stdout)
