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

from localsm.cpus import job_threads
from localsm.exceptions import ValidationException
from localsm.processing.job import ProcessingJob
from localsm.resources import Registry, filter_and_sort, paginate
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
        self._processing_lock = threading.Lock()
        self._processing_jobs = Registry(self._processing_lock)  # of ProcessingJob

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

        def taken(name: str) -> Exception:
            return ValidationException(
                operation,
                f"Job name must be unique within an AWS account and region, and a job with "
                f"this name already exists ({name}). Pass another job_name.",
            )

        if folder.exists():  # a job of an earlier session
            raise taken(name)
        job = self._processing_jobs.add(
            name,
            lambda: ProcessingJob(copy.deepcopy(request), self, folder, job_threads()),
            taken,
        )
        job.start()
        return {"ProcessingJobArn": job.arn}

    def processing_job(self, name: str, operation: str = "DescribeProcessingJob") -> ProcessingJob:
        return self._processing_jobs.find(name, lambda name: ValidationException(
            operation, f"Processing job {name} does not exist."
        ))  # fmt: skip

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
        jobs = [j.summary() for j in self._processing_jobs.listed()]
        return filter_and_sort(jobs, params, "ProcessingJob")
