"""`setup(mode)`: the only place that knows the mode (local or SageMaker)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.language import share_language
from lab.paths import (
    DATASET_DIR,
    ENDPOINT_INSTANCE_TYPE,
    LAB_BUCKET_MARKER,
    LOCAL_ROLE,
    OUTPUTS_DIR,
    S3_PREFIX,
    SAGEMAKER_INSTANCE_TYPE,
    SAGEMAKER_METADATA,
    SCRIPT_DIR,
    SPLITS,
)
from lab.sdklogs import plain_sdk_logs, sdk_notices
from lab.words import say


class LabSetupError(RuntimeError):
    """Setup cannot go on; the message says what is missing and how to fix it."""


@dataclass
class Lab:
    """What the notebooks need to create estimators or model trainers, whatever the mode.

    `sdk` is the SageMaker Python SDK generation of this environment: 2 (`Estimator`,
    `HyperparameterTuner`, the lab as AWS first taught it) or 3 (`ModelTrainer`)."""

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
    sdk: int = 2

    @property
    def endpoint_instance_type(self) -> str:
        """Where a real-time endpoint runs: this machine, or the smallest general-purpose
        instance that serves this model comfortably on AWS."""
        return self._local_or(ENDPOINT_INSTANCE_TYPE)

    @property
    def processing_instance_type(self) -> str:
        """Where a processing job (Clarify) runs; it stops by itself when the analysis is done."""
        return self._local_or(SAGEMAKER_INSTANCE_TYPE)

    @property
    def transform_instance_type(self) -> str:
        """Where a batch transform job runs (it stops by itself when the files are scored)."""
        return self._local_or(SAGEMAKER_INSTANCE_TYPE)

    def _local_or(self, aws_type: str) -> str:
        """SDK v2's `local` in local mode; SDK v3 knows no `local` type (its local mode is
        Docker), so with v3 the AWS type is named and the local service runs it here."""
        return "local" if self.mode == "local" and self.sdk == 2 else aws_type


def sdk_generation() -> int:
    """3 where SDK v3 (its `sagemaker-train` package) is installed, else 2."""
    import importlib.metadata

    try:
        importlib.metadata.version("sagemaker-train")
    except importlib.metadata.PackageNotFoundError:
        return 2
    return 3


def bundled_csv(split: str, headers: bool = False) -> Path:
    """A committed split: label first, no header (or the `_wheaders` copy)."""
    suffix = "_wheaders" if headers else ""
    return DATASET_DIR / f"adult_data_processed_{split}{suffix}.csv"


def column_names() -> list[str]:
    """The label and feature names (the built-in algorithm's files carry no header)."""
    with open(bundled_csv("test", headers=True)) as header_file:
        return header_file.readline().strip().split(",")


def detect_mode() -> tuple[str, str]:
    """(mode, reason): SageMaker when this kernel runs inside SageMaker, local elsewhere."""
    if SAGEMAKER_METADATA.is_file():
        return "sagemaker", say("in_sagemaker", path=SAGEMAKER_METADATA)
    return "local", say("outside", path=SAGEMAKER_METADATA)


_MODE: list[str] = []  # the mode use_mode() chose for this kernel


def use_mode(mode: str = "auto") -> str:
    """Pick the mode and switch it on; returns "local" or "sagemaker". Every SageMaker call
    after it is the SDK's own (`sagemaker.Session()`, `get_execution_role()`, ...): on AWS
    they reach SageMaker; in local mode `localsm.activate()` answers them on this machine
    (training, tuning, hosting and processing jobs as processes, S3 in memory)."""
    mode = _switch_to(mode)
    if mode == "local":
        from localsm.warm import client as warm

        warm.start_soon()  # the jobs' launcher imports while this kernel imports the SDK
        _enter("logs")  # the SDK's INFO lines (job names, notices): no pink boxes
        _start_local_mode(OUTPUTS_DIR / "jobs", None, None)
    return mode


def current_mode() -> str:
    """The mode use_mode() (or setup()) chose; what detect_mode() says before that."""
    return _MODE[0] if _MODE else detect_mode()[0]


def session_of(owner: Any) -> Any:
    """The SDK session behind `owner`: a `Lab` record, a session, or an estimator/trainer."""
    if isinstance(owner, Lab):
        return owner.session
    return getattr(owner, "sagemaker_session", None) or owner


def _switch_to(mode: str) -> str:
    """What use_mode() and setup() both do first: the mode chosen and said, the kernel's
    state of an earlier mode undone, the SDK's output set for this one."""
    mode = _chosen_mode(mode)
    share_language()  # the local jobs' reports (Clarify's) in the notebook's language
    if sdk_generation() == 3:
        plain_sdk_logs()
    _end_local_mode()  # a kernel switched again starts from what it was before
    sdk_notices(show=mode != "local")
    _enter("quiet")
    _MODE[:] = [mode]
    return mode


def _chosen_mode(mode: str) -> str:
    """The mode to run in, said with its reason; its packages checked."""
    if mode == "auto":
        mode, reason = detect_mode()
        print(say("mode", mode=mode, reason=reason))
    else:
        print(say("mode", mode=mode, reason=say("explicit")))
    if mode not in ("local", "sagemaker"):
        raise LabSetupError(f"unknown mode {mode!r}: use 'auto', 'local' or 'sagemaker'")
    # The first cell checked the detected mode's packages; this is the mode that runs.
    from lab.kernel import ensure_mode_packages

    ensure_mode_packages(sdk_generation(), local_mode=mode == "local")
    return mode


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
    mode = _switch_to(mode)
    data = {"train": train, "validation": validation, "test": test}
    if mode == "local":
        return _setup_local(data, output_dir, headers)
    return _setup_sagemaker(data, output_dir, headers, role)


def _local_source(value: str, split: str, headers: bool) -> str | Path:
    """A split's data in local mode: an s3:// URI as given, else an existing local file."""
    if value.startswith("s3://"):
        return value
    path = Path(value).expanduser().resolve() if value else bundled_csv(split, headers)
    if not path.exists():
        raise LabSetupError(f"{split} data not found: {path}. Pass an existing CSV path.")
    return path


def _uri_fields(uris: dict[str, str]) -> dict[str, str]:
    """`train_uri`, `validation_uri`, `test_uri` for `Lab` from a {split: URI} mapping."""
    return {f"{split}_uri": uris[split] for split in SPLITS}


def _setup_local(data: dict[str, str], output_dir: str, headers: bool) -> Lab:
    from localsm.warm import client as warm

    warm.start_soon()  # the jobs' launcher imports while this kernel imports the SDK
    import boto3

    outputs = Path(output_dir).expanduser().resolve() if output_dir else OUTPUTS_DIR
    region = boto3.Session().region_name or "us-east-1"
    if sdk_generation() == 3:
        return _setup_local_v3(data, outputs, headers, region)
    from localsm import LocalSageMakerSession  # (its import turns off botocore's EC2 probes)

    session = LocalSageMakerSession(jobs_dir=outputs / "jobs", region=region)
    _ENDS.append(session.close)  # what the session patched (localsm/patches.py), undone
    _start_local_mode(outputs / "jobs", region, session.sagemaker_client)
    sources = {split: _local_source(data[split], split, headers) for split in SPLITS}
    uris = {split: s if isinstance(s, str) else s.as_uri() for split, s in sources.items()}
    (outputs / "models").mkdir(parents=True, exist_ok=True)
    return Lab(
        mode="local",
        session=session,
        role=LOCAL_ROLE,
        region=region,
        instance_type="local",
        **_uri_fields(uris),
        output_path=(outputs / "models").as_uri(),
    )


def _setup_local_v3(data: dict[str, str], outputs: Path, headers: bool, region: str) -> Lab:
    """SDK v3 reads and writes S3 only: locally that is an S3 on this machine (moto), where
    the data is uploaded, as on AWS, and where the models land."""
    from localsm.patches import Patches
    from localsm.session_v3 import local_v3_session_and_service

    seeded = Patches()  # sagemaker-core's process-wide clients: given back when the mode ends
    _ENDS.append(seeded.restore)
    session, service = local_v3_session_and_service(outputs / "jobs", region, seeded)
    _start_local_mode(outputs / "jobs", region, service)
    uris = {}
    for split in SPLITS:
        source = _local_source(data[split], split, headers)
        uris[split] = source if isinstance(source, str) else _upload(session, source, split, True)
    return Lab(
        mode="local",
        session=session,
        role=LOCAL_ROLE,
        region=region,
        instance_type=SAGEMAKER_INSTANCE_TYPE,
        **_uri_fields(uris),
        output_path=f"s3://{session.default_bucket()}/{S3_PREFIX}/output",
        sdk=3,
    )


# What undoes each change use_mode()/setup() made (local mode's activation, the SDK's quiet
# settings: localsm/patches.py), last first
_ENDS: list[Any] = []


def _enter(layer: str) -> None:
    """Enter a layer of localsm/patches.py ("quiet": the SDK v2 notices a learner need not
    read; "logs": the SDK's INFO lines in local mode) until the mode is chosen again."""
    from localsm import patches

    patches.enter(layer)
    _ENDS.append(lambda: patches.leave(layer))


def _start_local_mode(jobs_dir: Path, region: str, service: Any) -> None:
    """Every boto3 client of this kernel answered by the lab's local service (the SDK's own
    `sagemaker.Session()`, `boto3.client("sagemaker")`, ...), as AWS's examples make them."""
    from localsm.activation import activate

    _ENDS.append(activate(jobs_dir=jobs_dir, region=region, service=service).deactivate)


def _end_local_mode() -> None:
    """Undo what use_mode()/setup() changed: this process as it was before."""
    while _ENDS:
        _ENDS.pop()()
    sdk_notices(show=True)


def _aws_session(sdk: int) -> tuple[Any, Any]:
    """A plain session of this environment's SDK, and its `get_execution_role`."""
    if sdk == 3:
        from sagemaker.core.helper.session_helper import Session, get_execution_role

        from localsm.sdk_compat import seed_sagemaker_core

        session = Session()
        # sagemaker-core's clients are process-wide: make them this session's, in case a
        # local session was set up earlier in the same kernel.
        seed_sagemaker_core(session.boto_session)
        return session, get_execution_role
    import sagemaker

    return sagemaker.Session(), sagemaker.get_execution_role


def _setup_sagemaker(data: dict[str, str], output_dir: str, headers: bool, role: str) -> Lab:
    import botocore.exceptions

    sdk = sdk_generation()
    try:
        session, get_execution_role = _aws_session(sdk)
        region = session.boto_region_name
    except (botocore.exceptions.NoRegionError, ValueError) as error:
        raise LabSetupError(
            f"no AWS region ({error}). Set one with `aws configure` or AWS_DEFAULT_REGION."
        ) from None
    lab_bucket = _lab_bucket(session.boto_session.client("s3"))
    if not role:
        try:
            role = get_execution_role(session)
        except (ValueError, botocore.exceptions.ClientError) as error:
            raise LabSetupError(
                f"no SageMaker execution role ({error}). Pass setup(..., role='arn:aws:iam::"
                "<account>:role/<name>') with a role SageMaker can assume."
            ) from None
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
    return Lab(
        mode="sagemaker",
        session=session,
        role=role,
        region=region,
        instance_type=SAGEMAKER_INSTANCE_TYPE,
        **_uri_fields(uris),
        output_path=_output_path(session, output_dir),
        sdk=sdk,
    )


def _lab_bucket(s3: Any) -> str | None:
    """The bucket the AWS lab environment provisions with the data, if this account has one.
    A role that may not list buckets (AccessDenied) just does without it."""
    import botocore.exceptions

    try:
        buckets = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    except botocore.exceptions.NoCredentialsError:
        raise LabSetupError(
            "no AWS credentials. Run inside SageMaker Studio, or configure credentials "
            "(`aws configure`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)."
        ) from None
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        print(say("no_bucket_list", code=code))
        return None
    return next((b for b in buckets if LAB_BUCKET_MARKER in b.lower()), None)


def _output_path(session: Any, output_dir: str) -> str:
    """Where jobs write: `output_dir` as given when it is an s3:// URI, else a prefix of the
    session's default bucket (the lab's own when empty)."""
    if output_dir.startswith("s3://"):
        return output_dir.rstrip("/")
    prefix = output_dir.strip("/") if output_dir else f"{S3_PREFIX}/output"
    return f"s3://{session.default_bucket()}/{prefix}"


def _upload(session: Any, path: Path, split: str, quiet: bool = False) -> str:
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
        if not quiet:
            print(say("uploaded", name=path.name, uri=f"s3://{bucket}/{key}"))
    # The object itself, not its folder: the files with and without a header row (Task 2 and
    # Task 1) share the folder, and the built-in algorithm must not read the header copy.
    return f"s3://{bucket}/{key}"
