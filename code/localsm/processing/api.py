"""The processing API operations of the local service (mixed into `LocalSageMakerClient`):
CreateProcessingJob, DescribeProcessingJob, ListProcessingJobs and StopProcessingJob.

Local processing runs one image: SageMaker Clarify's (bias and explainability), emulated by
`localsm.clarify`. Any other image is refused when the job is created, saying where it runs.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

from localsm.cpus import available_cpus
from localsm.exceptions import ValidationException
from localsm.processing.job import ProcessingJob
from localsm.resources import filter_and_sort, paginate
from localsm.validation import as_validatable, validate

PROCESSING_FOLDER = "processing-jobs"
CLARIFY_IMAGE_MARKER = "/sagemaker-clarify-processing:"


def is_clarify_image(image: str) -> bool:
    """Whether an image URI is SageMaker Clarify's processing image (any region, version)."""
    return CLARIFY_IMAGE_MARKER in (image or "")


class ProcessingOperations:
    """CreateProcessingJob ... StopProcessingJob, on this machine."""

    region: str
    jobs_dir: Path
    owner: str
    sagemaker_session: Any

    def _init_processing(self) -> None:
        self._processing_jobs: dict[str, ProcessingJob] = {}
        self._processing_lock = threading.Lock()

    def create_processing_job(self, **request: Any) -> dict[str, str]:
        operation = "CreateProcessingJob"
        validate(operation, as_validatable(request))
        image = request["AppSpecification"]["ImageUri"]
        if not is_clarify_image(image):
            raise ValidationException(
                operation,
                f"AppSpecification.ImageUri {image!r}: this processing image is not available "
                "locally (local mode runs processing jobs of the SageMaker Clarify image only); "
                "run this job on SageMaker.",
            )
        if request["ProcessingResources"]["ClusterConfig"].get("InstanceCount", 1) != 1:
            raise ValidationException(
                operation,
                "ProcessingResources.ClusterConfig.InstanceCount: local mode runs a processing "
                "job on one instance; pass instance_count=1, or run this job on SageMaker.",
            )
        name = request["ProcessingJobName"]
        folder = self.jobs_dir / PROCESSING_FOLDER / name
        with self._processing_lock:
            if name in self._processing_jobs or folder.exists():
                raise ValidationException(
                    operation,
                    f"Job name must be unique within an AWS account and region, and a job with "
                    f"this name already exists ({name}). Pass another job_name.",
                )
            job = ProcessingJob(copy.deepcopy(request), self, folder, available_cpus())
            self._processing_jobs[name] = job
        job.start()
        return {"ProcessingJobArn": job.arn}

    def processing_job(self, name: str, operation: str = "DescribeProcessingJob") -> ProcessingJob:
        with self._processing_lock:
            job = self._processing_jobs.get(name)
        if job is None:
            raise ValidationException(operation, f"Processing job {name} does not exist.")
        return job

    def describe_processing_job(self, ProcessingJobName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeProcessingJob", {"ProcessingJobName": ProcessingJobName})
        return self.processing_job(ProcessingJobName).describe()

    def stop_processing_job(self, ProcessingJobName: str) -> dict:  # noqa: N803
        operation = "StopProcessingJob"
        validate(operation, {"ProcessingJobName": ProcessingJobName})
        self.processing_job(ProcessingJobName, operation).stop()
        return {}

    @paginate("list_processing_jobs")
    def list_processing_jobs(self, **params: Any) -> list[dict]:
        validate("ListProcessingJobs", params)
        with self._processing_lock:
            jobs = list(self._processing_jobs.values())
        return filter_and_sort([j.summary() for j in jobs], params, "ProcessingJob")
