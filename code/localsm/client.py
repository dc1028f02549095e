"""The local stand-in for boto3's SageMaker client: one method per API operation the SDK uses.

Requests are checked against botocore's SageMaker service model, so a request AWS would
refuse is refused here too, with the same `ClientError` (code `ValidationException`).
"""

from __future__ import annotations

import copy
import os
import threading
from pathlib import Path
from typing import Any

from localsm import jobs, metrics, toolkit
from localsm.validation import client_error, validate

LOCAL_ACCOUNT = "000000000000"
LOCAL_INSTANCE_TYPES = ("local", "local_gpu")


def _as_validatable(request: dict) -> dict:
    """A copy that AWS's model accepts where only local mode differs: `file://` URIs, the
    SDK's local `FileDataSource` and the `local` instance type (unknown to AWS)."""

    def fix(value: Any) -> Any:
        if isinstance(value, dict) and "FileDataSource" in value:  # the SDK's file_input
            source = value["FileDataSource"]
            value = {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": source.get("FileUri"),
                    "S3DataDistributionType": source.get("FileDataDistributionType"),
                }
            }
        if isinstance(value, dict):
            return {
                k: ("ml.m5.xlarge" if k == "InstanceType" and v in LOCAL_INSTANCE_TYPES else fix(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str) and value.startswith("file://"):
            return "s3://local-file" + (value[len("file://") :] or "/")
        return value

    return fix(request)


class LocalSageMakerClient:
    """Runs SageMaker training jobs as local processes (see `localsm.jobs`)."""

    def __init__(self, sagemaker_session: Any, jobs_dir: str | Path) -> None:
        self.sagemaker_session = sagemaker_session
        self.jobs_dir = Path(jobs_dir).resolve()
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.region = sagemaker_session.boto_region_name
        self._jobs: dict[str, jobs.TrainingJob] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ training jobs

    def create_training_job(self, **request: Any) -> dict[str, str]:
        validate("CreateTrainingJob", _as_validatable(request))
        self._check_supported(request)
        job = self.start_training_job(request)
        return {"TrainingJobArn": job.arn}

    def start_training_job(
        self, request: dict, threads: int | None = None, on_done: Any = None
    ) -> jobs.TrainingJob:
        """Register and start a job (also used by the local tuning service)."""
        name = request["TrainingJobName"]
        with self._lock:
            if name in self._jobs or (self.jobs_dir / name).exists():
                arn = f"arn:aws:sagemaker:{self.region}:{LOCAL_ACCOUNT}:training-job/{name.lower()}"
                raise client_error(
                    "CreateTrainingJob",
                    "Training job names must be unique within an AWS account and region, and a "
                    f"training job with this name already exists ({arn})",
                )
            job = jobs.TrainingJob(
                copy.deepcopy(request),
                jobs_dir=self.jobs_dir,
                region=self.region,
                account=LOCAL_ACCOUNT,
                boto_session=self.sagemaker_session.boto_session,
                threads=threads or os.cpu_count(),
                on_done=on_done,
            )
            self._jobs[name] = job
        job.start()
        return job

    def _check_supported(self, request: dict) -> None:
        spec = request["AlgorithmSpecification"]
        image = spec.get("TrainingImage", "")
        if not metrics.is_xgboost_image(image):
            raise client_error(
                "CreateTrainingJob",
                f"Local mode runs the SageMaker XGBoost images only (built-in algorithm and "
                f"script mode), not {image or spec.get('AlgorithmName', 'this algorithm')!r}. "
                "Run this job on SageMaker (lab.setup(mode='sagemaker')), or use the SDK's "
                "Docker-based local mode for other images.",
            )
        if request["ResourceConfig"].get("InstanceType") == "local_gpu":
            raise client_error("CreateTrainingJob", "instance type local_gpu is not supported "
                               "by this local mode; use 'local'")  # fmt: skip
        if toolkit.is_script_mode(request.get("HyperParameters", {})) and not request[
            "HyperParameters"
        ].get("sagemaker_submit_directory"):
            raise client_error("CreateTrainingJob", "script mode needs sagemaker_submit_directory")

    def job(self, name: str) -> jobs.TrainingJob | None:
        with self._lock:
            return self._jobs.get(name)

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeTrainingJob", {"TrainingJobName": TrainingJobName})
        job = self.job(TrainingJobName)
        if job is not None:
            return job.describe()
        saved = jobs.load_description(self.jobs_dir / TrainingJobName)
        if saved is None:
            raise client_error(
                "DescribeTrainingJob",
                f"Requested resource not found: training job {TrainingJobName} does not exist",
            )
        return saved

    def stop_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803
        validate("StopTrainingJob", {"TrainingJobName": TrainingJobName})
        job = self.job(TrainingJobName)
        if job is None:
            self.describe_training_job(TrainingJobName)  # raises when unknown
            return {}
        job.stop()
        return {}

    def list_training_jobs(self, **params: Any) -> dict[str, Any]:
        validate("ListTrainingJobs", params)
        descriptions = [self.describe_training_job(n) for n in self._known_job_names()]
        if "NameContains" in params:
            descriptions = [
                d for d in descriptions if params["NameContains"] in d["TrainingJobName"]
            ]
        if "StatusEquals" in params:
            descriptions = [
                d for d in descriptions if d["TrainingJobStatus"] == params["StatusEquals"]
            ]
        for key, test in (("CreationTimeAfter", lambda d, t: d["CreationTime"] > t),
                          ("CreationTimeBefore", lambda d, t: d["CreationTime"] < t)):  # fmt: skip
            if key in params:
                descriptions = [d for d in descriptions if test(d, params[key])]
        sort_key = {"Name": "TrainingJobName", "Status": "TrainingJobStatus"}.get(
            params.get("SortBy", "CreationTime"), "CreationTime"
        )
        descriptions.sort(key=lambda d: d[sort_key], reverse=params.get("SortOrder") != "Ascending")
        summaries = [
            {k: d[k] for k in ("TrainingJobName", "TrainingJobArn", "CreationTime",
                               "TrainingJobStatus", "LastModifiedTime", "TrainingEndTime")
             if k in d}
            for d in descriptions
        ]  # fmt: skip
        return paginate(summaries, "TrainingJobSummaries", params)

    def _known_job_names(self) -> list[str]:
        with self._lock:
            names = set(self._jobs)
        names |= {p.name for p in self.jobs_dir.iterdir() if (p / jobs.DESCRIPTION_NAME).is_file()}
        return sorted(names)

    # ------------------------------------------------------------------ tags

    def list_tags(self, ResourceArn: str, **params: Any) -> dict[str, Any]:  # noqa: N803
        validate("ListTags", {"ResourceArn": ResourceArn, **params})
        for name in self._known_job_names():
            job = self.job(name)
            request = job.request if job else None
            if job is not None and job.arn == ResourceArn and request is not None:
                return {"Tags": list(request.get("Tags", []))}
        return {"Tags": []}

    def add_tags(self, ResourceArn: str, Tags: list[dict]) -> dict[str, Any]:  # noqa: N803
        validate("AddTags", {"ResourceArn": ResourceArn, "Tags": Tags})
        for job in list(self._jobs.values()):
            if job.arn == ResourceArn:
                job.request.setdefault("Tags", []).extend(Tags)
        return {"Tags": Tags}


def paginate(items: list, key: str, params: dict) -> dict[str, Any]:
    """AWS-style pagination: `MaxResults` items from the `NextToken` position."""
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 100)
    page = {key: items[start : start + size]}
    if start + size < len(items):
        page["NextToken"] = str(start + size)
    return page
