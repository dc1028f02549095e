"""The local stand-in for boto3's SageMaker client: one method per API operation the SDK uses.

Requests are checked against botocore's SageMaker service model, so a request AWS would
refuse is refused here too, with the same `ClientError` (code `ValidationException`).
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

from localsm import metrics, tags, toolkit, tuning
from localsm.builtin import versions
from localsm.cpus import job_threads
from localsm.exceptions import ResourceInUse, ResourceNotFound, ValidationException
from localsm.processing.api import ProcessingOperations
from localsm.resources import LOCAL_ACCOUNT, arn_formatter, filter_and_sort, paginate
from localsm.serving.api import HostingOperations
from localsm.training import TrainingJob, Verdict, abandoned, preflight, processes, storage
from localsm.training.pruning import prune_finished_jobs
from localsm.training.reasons import storage_reason
from localsm.validation import as_validatable, validate
from localsm.warm import client as warm


class LocalSageMakerClient(HostingOperations, ProcessingOperations):
    """Runs SageMaker training jobs as local processes (see `localsm.training`), models
    behind local endpoints and transform jobs (see `localsm.serving`), and Clarify processing
    jobs (see `localsm.processing`)."""

    def __init__(self, sagemaker_session: Any, jobs_dir: str | Path) -> None:
        self.sagemaker_session = sagemaker_session
        self.jobs_dir = Path(jobs_dir).resolve()
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.region = sagemaker_session.boto_region_name
        self.account = LOCAL_ACCOUNT
        self._jobs: dict[str, TrainingJob] = {}
        self._tuning_jobs: dict[str, tuning.TuningJob] = {}
        self._lock = threading.Lock()
        self._tags_lock = threading.Lock()  # AddTags/DeleteTags change a tag list in place
        self._other_tags: dict[str, list[dict]] = {}  # jobs of other sessions, by ARN
        self.owner = processes.owner_token()  # marks the processes of the jobs we run
        self._init_hosting()
        self._init_processing()
        self._settle_abandoned_jobs()
        warm.start_soon()  # the job launcher imports while the notebook goes on

    # ------------------------------------------------------------------ training jobs

    def create_training_job(self, **request: Any) -> dict[str, str]:
        validate("CreateTrainingJob", as_validatable(request))
        self._check_supported(request)
        self._check_early(request, "CreateTrainingJob")
        job = self.start_training_job(request)
        return {"TrainingJobArn": job.arn}

    def start_training_job(
        self,
        request: dict,
        threads: int | None = None,
        verdict: Verdict | None = None,
        on_done: Any = None,
    ) -> TrainingJob:
        """Register and start a job (also used by the local tuning service, which passes a
        `verdict` on completed jobs and an `on_done` hook)."""
        name = request["TrainingJobName"]
        with self._lock:
            if name in self._jobs or (self.jobs_dir / name).exists():
                arn = arn_formatter("training-job", name, self.region)
                raise ValidationException(
                    "CreateTrainingJob",
                    "Training job names must be unique within an AWS account and region, and a "
                    f"training job with this name already exists ({arn})",
                )
            # Older finished jobs of this base name go (never this session's, nor a running one)
            prune_finished_jobs(self.jobs_dir, name, protected=set(self._jobs))
            job = TrainingJob(
                copy.deepcopy(request),
                jobs_dir=self.jobs_dir,
                region=self.region,
                owner=self.owner,
                boto_session=self.sagemaker_session.boto_session,
                threads=threads or job_threads(),
                verdict=verdict,
                on_done=on_done,
            )
            self._jobs[name] = job
            try:
                job.start()
            except OSError as error:  # nothing is left of it: not half-registered
                del self._jobs[name]
                if isinstance(error, FileExistsError):
                    raise ValidationException(
                        "CreateTrainingJob", f"a training job named {name} already exists"
                    ) from None
                raise ValidationException(
                    "CreateTrainingJob",
                    storage_reason(error, f"cannot create the job folder {job.folder}"),
                ) from None
        return job

    def _check_early(self, request: dict, operation: str) -> None:
        """What SageMaker checks before a job starts (preflight.py): one instance, metric
        regexes, a writable output location, credentials for s3://."""
        preflight.check_definition(request, operation, self.sagemaker_session.boto_session)

    def _settle_abandoned_jobs(self) -> None:
        """Jobs left running by a session whose kernel died are described Stopped from now on
        (their processes ended, their model packed), as this session starts."""
        for name in sorted(storage.saved_job_names(self.jobs_dir)):
            folder = self.jobs_dir / name
            if not (folder / storage.DESCRIPTION_NAME).is_file():
                abandoned.describe_elsewhere(folder, self.sagemaker_session.boto_session)

    def _describe_elsewhere(self, name: str) -> dict | None:
        """A job this session does not run: finished, running in another session, or left
        by a dead one (then settled). None when there is no such job."""
        folder = self.jobs_dir / name
        if name == tuning.TUNING_FOLDER or not folder.is_dir():
            return None
        return abandoned.describe_elsewhere(folder, self.sagemaker_session.boto_session)

    def _check_supported(self, request: dict, operation: str = "CreateTrainingJob") -> None:
        """Local mode covers the SageMaker XGBoost images (the built-in algorithm in the
        versions whose validators it carries), on one instance; anything else is refused
        before a job starts, in SageMaker's terms."""
        spec = request["AlgorithmSpecification"]
        image = spec.get("TrainingImage", "")
        if not metrics.is_xgboost_image(image):
            what = image or spec.get("AlgorithmName", "")
            raise ValidationException(
                operation,
                f"AlgorithmSpecification.TrainingImage {what!r}: this algorithm is not available "
                "locally (local mode runs the SageMaker XGBoost images, sagemaker-xgboost:"
                "<version>, as built-in algorithm or script mode); run this job on SageMaker.",
            )
        version = versions.image_version(image)
        if metrics.is_builtin_xgboost(request) and version not in versions.VERSIONS:
            raise ValidationException(
                operation,
                f"AlgorithmSpecification.TrainingImage {image!r}: the built-in XGBoost algorithm "
                f"of image version {version or '(none named)'} is not available locally (local "
                f"versions: {', '.join(versions.VERSIONS)}); run this job on SageMaker, or "
                "choose one of those versions.",
            )
        resources = request.get("ResourceConfig") or request.get(
            "HyperParameterTuningResourceConfig", {}
        )
        if resources.get("InstanceType") == "local_gpu":
            raise ValidationException(
                operation,
                "ResourceConfig.InstanceType local_gpu: GPU instances are not available locally; "
                "use instance_type 'local' (or a CPU instance type), or run this job on "
                "SageMaker.",
            )
        hyperparameters = request.get("HyperParameters") or request.get("StaticHyperParameters", {})
        if toolkit.is_script_mode(hyperparameters) and not hyperparameters.get(
            "sagemaker_submit_directory"
        ):
            raise ValidationException(
                operation,
                "HyperParameters.sagemaker_program is set but sagemaker_submit_directory is not: "
                "script mode needs the source folder (the estimator's source_dir)",
            )

    def job(self, name: str) -> TrainingJob | None:
        with self._lock:
            return self._jobs.get(name)

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:  # noqa: N803
        validate("DescribeTrainingJob", {"TrainingJobName": TrainingJobName})
        job = self.job(TrainingJobName)
        if job is not None:
            return job.describe()
        saved = self._describe_elsewhere(TrainingJobName)
        if saved is None:
            raise ValidationException(
                "DescribeTrainingJob",
                f"Requested resource not found: training job {TrainingJobName} does not exist",
            )
        return saved

    def stop_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803
        validate("StopTrainingJob", {"TrainingJobName": TrainingJobName})
        job = self.job(TrainingJobName)
        if job is not None:
            job.stop()
            return {}
        description = self.describe_training_job(TrainingJobName)  # raises when unknown
        if description["TrainingJobStatus"] in ("InProgress", "Stopping"):
            raise ValidationException(
                "StopTrainingJob",
                f"training job {TrainingJobName} runs in another Python process (another "
                "notebook kernel): stop it from there, or end that process",
            )
        return {}  # it has ended already

    @paginate("list_training_jobs")
    def list_training_jobs(self, **params: Any) -> list[dict]:
        validate("ListTrainingJobs", params)
        descriptions = [self.describe_training_job(n) for n in self._known_job_names()]
        descriptions = filter_and_sort(
            descriptions, params, "TrainingJob", status_after_paging=True
        )
        summaries = [
            {k: d[k] for k in ("TrainingJobName", "TrainingJobArn", "CreationTime",
                               "TrainingJobStatus", "LastModifiedTime", "TrainingEndTime")
             if k in d}
            for d in descriptions
        ]  # fmt: skip
        return summaries

    def _known_job_names(self) -> list[str]:
        with self._lock:
            names = set(self._jobs)
        names |= storage.saved_job_names(self.jobs_dir)
        return sorted(names)

    # ------------------------------------------------------------------ tuning jobs

    def create_hyper_parameter_tuning_job(self, **request: Any) -> dict[str, str]:
        operation = "CreateHyperParameterTuningJob"
        validate(operation, as_validatable(request))
        if request.get("TrainingJobDefinition"):  # what local mode cannot run, said first
            self._check_supported(request["TrainingJobDefinition"], operation)
        tuning.validate_request(request)
        self._check_early(request["TrainingJobDefinition"], operation)
        name = request["HyperParameterTuningJobName"]
        with self._lock:
            if name in self._tuning_jobs or tuning.load_saved(self.jobs_dir, name):
                raise ResourceInUse(
                    operation,
                    "Job name must be unique within an AWS account and region, and a job with "
                    f"this name already exists ({name}). Pass another job_name to fit().",
                )
            job = tuning.TuningJob(copy.deepcopy(request), self)
            self._tuning_jobs[name] = job
        job.start()
        return {"HyperParameterTuningJobArn": job.arn}

    def tuning_job(self, name: str) -> tuning.TuningJob | None:
        with self._lock:
            return self._tuning_jobs.get(name)

    def _saved_tuning_job(self, operation: str, name: str) -> dict:
        saved = tuning.load_saved(self.jobs_dir, name)
        if saved is None:
            raise ResourceNotFound(
                operation, f"Amazon SageMaker can't find a tuning job with name {name}"
            )
        return saved

    def describe_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str) -> dict:  # noqa: N803
        operation = "DescribeHyperParameterTuningJob"
        validate(operation, {"HyperParameterTuningJobName": HyperParameterTuningJobName})
        job = self.tuning_job(HyperParameterTuningJobName)
        if job is not None:
            return job.describe()
        return self._saved_tuning_job(operation, HyperParameterTuningJobName)["description"]

    @paginate("list_training_jobs_for_hyper_parameter_tuning_job")
    def list_training_jobs_for_hyper_parameter_tuning_job(
        self,
        HyperParameterTuningJobName: str,  # noqa: N803
        **params: Any,
    ) -> list[dict]:
        operation = "ListTrainingJobsForHyperParameterTuningJob"
        validate(operation, {"HyperParameterTuningJobName": HyperParameterTuningJobName, **params})
        job = self.tuning_job(HyperParameterTuningJobName)
        if job is not None:
            summaries = job.training_job_summaries()
        else:
            summaries = self._saved_tuning_job(operation, HyperParameterTuningJobName)["summaries"]
        return tuning.sort_summaries(summaries, params)

    def stop_hyper_parameter_tuning_job(self, HyperParameterTuningJobName: str) -> dict:  # noqa: N803
        operation = "StopHyperParameterTuningJob"
        validate(operation, {"HyperParameterTuningJobName": HyperParameterTuningJobName})
        job = self.tuning_job(HyperParameterTuningJobName)
        if job is not None:
            job.stop()
        else:  # not this session's: raises when unknown
            self._saved_tuning_job(operation, HyperParameterTuningJobName)
        return {}

    @paginate("list_hyper_parameter_tuning_jobs")
    def list_hyper_parameter_tuning_jobs(self, **params: Any) -> list[dict]:
        validate("ListHyperParameterTuningJobs", params)
        with self._lock:
            running = {name: job.summary() for name, job in self._tuning_jobs.items()}
        folder = self.jobs_dir / tuning.TUNING_FOLDER
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            if path.stem not in running:
                saved = tuning.load_saved(self.jobs_dir, path.stem)["description"]
                running[path.stem] = tuning.summary_of(saved)
        return filter_and_sort(list(running.values()), params, "HyperParameterTuningJob")

    # ------------------------------------------------------------------ tags

    def list_tags(self, ResourceArn: str, **params: Any) -> dict[str, Any]:  # noqa: N803
        validate("ListTags", {"ResourceArn": ResourceArn, **params})
        with self._tags_lock:
            return tags.page("ListTags", self._tag_list("ListTags", ResourceArn), params)

    def add_tags(self, ResourceArn: str, Tags: list[dict]) -> dict[str, Any]:  # noqa: N803
        """Adds or overwrites tags (a key is unique per resource), up to 50 a resource."""
        validate("AddTags", {"ResourceArn": ResourceArn, "Tags": Tags})
        with self._tags_lock:
            kept = self._tag_list("AddTags", ResourceArn)
            merged = list(kept)
            tags.add(merged, Tags)
            if len(merged) > tags.MOST:
                raise ValidationException(
                    "AddTags",
                    f"{ResourceArn} would have {len(merged)} tags; a resource has at most "
                    f"{tags.MOST}. Delete some with DeleteTags first.",
                )
            kept[:] = merged
            return {"Tags": [dict(t) for t in kept]}

    def delete_tags(self, ResourceArn: str, TagKeys: list[str]) -> dict[str, Any]:  # noqa: N803
        validate("DeleteTags", {"ResourceArn": ResourceArn, "TagKeys": TagKeys})
        with self._tags_lock:
            tags.delete(self._tag_list("DeleteTags", ResourceArn), TagKeys)
        return {}

    def _tag_list(self, operation: str, arn: str) -> list[dict]:
        """The tag list (changed in place) of the resource `arn` names; ValidationException
        when this account and region have no such resource."""
        region, account, kind, name = tags.parse_arn(operation, arn)
        if (region, account) != (self.region, self.account):
            raise tags.not_found(operation, arn)
        found = self._live_tag_holder(kind, name)
        if found is None and kind in _SAVED_KINDS:
            return self._saved_tags(operation, arn, kind, name)
        if found is None:
            raise tags.not_found(operation, arn)
        holder, key = found
        if isinstance(holder, dict):  # one value per key from now on
            holder[key] = kept = tags.unique(holder.get(key))
        else:
            kept = getattr(holder, key)
        return kept

    def _live_tag_holder(self, kind: str, name: str) -> tuple[Any, str] | None:
        """Where a resource of this session keeps its tags: (its create request or record,
        the key or attribute), or None when it has no such resource."""
        sources = {  # kind: (lock, resources by name, holder of a resource, key)
            "training-job": (self._lock, self._jobs, lambda j: j.request, "Tags"),
            "hyper-parameter-tuning-job": (
                self._lock, self._tuning_jobs, lambda j: j.request, "Tags"),
            "model": (self._hosting_lock, self._models, lambda m: m, "_Tags"),
            "endpoint-config": (self._hosting_lock, self._endpoint_configs, lambda c: c, "Tags"),
            "endpoint": (self._hosting_lock, self._endpoints, lambda e: e, "tags"),
            "transform-job": (
                self._hosting_lock, self._transform_jobs, lambda j: j.request, "Tags"),
            "processing-job": (
                self._processing_lock, self._processing_jobs, lambda j: j.request, "Tags"),
        }  # fmt: skip
        if kind not in sources:
            return None
        lock, resources, holder, key = sources[kind]
        with lock:
            found = [r for n, r in resources.items() if n.lower() == name]
        return (holder(found[0]), key) if found else None

    def _saved_tags(self, operation: str, arn: str, kind: str, name: str) -> list[dict]:
        """Tags of a job another session ran (from its saved description when it has them;
        kept in this session only)."""
        if arn not in self._other_tags:
            if kind == "training-job":
                names = [n for n in self._known_job_names() if n.lower() == name]
                saved = self._describe_elsewhere(names[0]) if names else None
            else:
                folder = self.jobs_dir / tuning.TUNING_FOLDER
                names = [p.stem for p in folder.glob("*.json") if p.stem.lower() == name]
                loaded = tuning.load_saved(self.jobs_dir, names[0]) if names else None
                saved = loaded["description"] if loaded else None
            if saved is None:
                raise tags.not_found(operation, arn)
            self._other_tags[arn] = tags.unique(saved.get("Tags"))
        return self._other_tags[arn]


# Jobs that outlive a session (saved in the jobs folder).
_SAVED_KINDS = ("training-job", "hyper-parameter-tuning-job")
