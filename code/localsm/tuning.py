"""Hyperparameter tuning jobs, locally: SageMaker's strategies on optuna's samplers.

- Random: optuna `RandomSampler(seed)`. Same idea as SageMaker's; other random numbers.
- Bayesian: optuna `TPESampler(seed)` (tree-structured Parzen estimator); SageMaker models
  the objective with a Gaussian process instead, so the points it picks differ.
- Grid: optuna `GridSampler` over every combination, in an order shuffled by the seed.
- Hyperband: `RandomSampler` + `HyperbandPruner`, fed with the objective values the jobs log
  while they run; SageMaker's Hyperband also moves resources between brackets.

`TrainingJobEarlyStoppingType="Auto"` stops a job whose running objective is worse than the
median of earlier jobs at the same step (optuna `MedianPruner`); `Off` never stops one.
Jobs run at most `min(MaxParallelTrainingJobs, cores)` at a time, with
`cores // parallel` XGBoost threads each, so running jobs x threads <= cores.
"""

from __future__ import annotations

import math
import queue
import threading
import uuid
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # optuna imports tqdm.auto, which warns in Jupyter when ipywidgets is absent ("IProgress
    # not found"); our progress bars are plain text on purpose. Only while importing it.
    warnings.filterwarnings("ignore", message="IProgress not found")
    import optuna

from localsm import metrics
from localsm.background import BackgroundJob, now
from localsm.cpus import available_cpus, job_threads
from localsm.resources import arn_formatter
from localsm.training import TrainingJob, processes, storage
from localsm.tuning_request import open_ends, ranges_of, validate_request

__all__ = ["TuningJob", "load_saved", "sort_summaries", "summary_of", "validate_request"]

TUNING_FOLDER = "tuning-jobs"
MONITOR_SECONDS = 0.2
NO_OBJECTIVE = (
    "No objective metrics found after running training job. Check that the training log "
    "prints the objective metric '{metric}' in a form its metric definition's regex matches."
)


# ------------------------------------------------------------------------------ sampling


def _grid(ranges: list[tuple[str, str, dict]]) -> dict[str, list]:
    grid = {}
    for kind, name, item in ranges:
        if kind == "Categorical":
            grid[name] = list(item["Values"])
        else:
            grid[name] = list(range(int(float(item["MinValue"])), int(float(item["MaxValue"])) + 1))
    return grid


class _GridSampler(optuna.samplers.GridSampler):
    """optuna's GridSampler minus its `study.stop()` once the grid is covered: that call only
    works inside `study.optimize`, and we drive the study with ask/tell."""

    def after_trial(self, study, trial, state, values) -> None:
        pass


def _sample(trial: optuna.Trial, kind: str, name: str, item: dict, inside=None) -> str:
    """One value for a range, as the string SageMaker would send; `inside(name, value)` moves
    a continuous value off an open end of the hyperparameter's own range (built-in algorithm:
    a range may touch that end, a value may not)."""
    if kind == "Continuous" and inside is not None:
        return repr(inside(name, float(_sample(trial, kind, name, item))))
    if kind == "Categorical":
        return trial.suggest_categorical(name, list(item["Values"]))
    low, high = float(item["MinValue"]), float(item["MaxValue"])
    scaling = item.get("ScalingType", "Auto")
    if kind == "Integer":
        return str(trial.suggest_int(name, int(low), int(high), log=scaling == "Logarithmic"))
    if scaling == "ReverseLogarithmic":  # dense near MaxValue: sample 1 - x on a log scale
        value = 1 - trial.suggest_float(f"{name}__reverse", 1 - high, 1 - low, log=True)
        trial.set_user_attr(name, value)
        return repr(value)
    return repr(trial.suggest_float(name, low, high, log=scaling == "Logarithmic"))


# ------------------------------------------------------------------------------ the job


class TuningJob(BackgroundJob):
    """One tuning job: asks optuna for hyperparameters, runs training jobs, tells results.

    It starts, stops and judges its training jobs through the service (`client`), never by
    writing their fields."""

    kind = "tuning-job"

    def __init__(self, request: dict, client: Any) -> None:
        super().__init__(request["HyperParameterTuningJobName"])
        self.request = request
        self.client = client
        self.arn = arn_formatter("hyper-parameter-tuning-job", self.name, client.region)
        config = request["HyperParameterTuningJobConfig"]
        self.config = config
        self.strategy = config["Strategy"]
        objective = config["HyperParameterTuningJobObjective"]
        self.objective_name: str = objective["MetricName"]
        self.maximize = objective["Type"] == "Maximize"
        self.ranges = ranges_of(config)
        limits = config.get("ResourceLimits", {})
        grid_size = math.prod(len(v) for v in _grid(self.ranges).values())
        if self.strategy == "Grid":
            self.total = min(grid_size, limits.get("MaxNumberOfTrainingJobs") or grid_size)
        else:
            self.total = limits["MaxNumberOfTrainingJobs"]
        cores = available_cpus()
        self.parallel = max(1, min(limits.get("MaxParallelTrainingJobs", 1), cores, self.total))
        self.threads = max(1, min(cores // self.parallel, job_threads()))
        self.max_runtime = limits.get("MaxRuntimeInSeconds")
        self.status = "InProgress"
        self.failure_reason: str | None = None
        self.ended = None
        self.summaries: list[dict] = []  # one per training job, in launch order
        self._study = self._create_study()
        self._pruned: set[str] = set()  # training jobs the pruner stopped
        self._inside = open_ends(request["TrainingJobDefinition"])
        self._finished: queue.Queue = queue.Queue()
        self._lock = threading.RLock()

    def _create_study(self) -> optuna.Study:
        seed = self.config.get("RandomSeed")
        if self.strategy == "Bayesian":
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(self.total, 3))
        elif self.strategy == "Grid":
            sampler = _GridSampler(_grid(self.ranges), seed=seed)
        else:
            sampler = optuna.samplers.RandomSampler(seed=seed)
        if self.strategy == "Hyperband":
            hyperband = self.config.get("StrategyConfig", {}).get("HyperbandStrategyConfig", {})
            pruner = optuna.pruners.HyperbandPruner(
                min_resource=hyperband.get("MinResource", 1),
                max_resource=hyperband.get("MaxResource", "auto"),
            )
        elif self.config.get("TrainingJobEarlyStoppingType") == "Auto":
            pruner = optuna.pruners.MedianPruner(n_startup_trials=2)
        else:
            pruner = optuna.pruners.NopPruner()
        direction = "maximize" if self.maximize else "minimize"
        return optuna.create_study(direction=direction, sampler=sampler, pruner=pruner)

    # ------------------------------------------------------------------ running

    def stop(self) -> None:
        with self._lock:
            if not self.done and self.status == "InProgress":
                self.status = "Stopping"
        self.request_stop()

    def run(self) -> None:
        running: dict[str, tuple[TrainingJob, optuna.Trial, int]] = {}
        launched = 0
        self._save()
        try:
            while launched < self.total or running:
                if self.stop_requested or self._out_of_time():
                    for job, _, _ in running.values():
                        self._stop_training_job(job)
                while (
                    not self.stop_requested
                    and len(running) < self.parallel
                    and (launched < self.total)
                ):
                    launched += 1
                    job, trial = self._launch(launched)
                    running[job.name] = (job, trial, 0)
                try:
                    finished = self._finished.get(timeout=MONITOR_SECONDS)
                except queue.Empty:
                    finished = None
                if finished is not None:
                    _, trial, _ = running.pop(finished.name)
                    self._record(finished, trial)
                for name, (job, trial, seen) in list(running.items()):
                    running[name] = (job, trial, self._report_progress(job, trial, seen))
                if self.stop_requested and not running:
                    break
        except Exception as error:  # noqa: BLE001 - the tuning job must end with a reason
            for job, _, _ in running.values():
                self._stop_training_job(job)
            self._end("Failed", f"local tuning service error: {error!r}")
            return
        self._conclude()

    def _out_of_time(self) -> bool:
        if not self.max_runtime:
            return False
        return (now() - self.created).total_seconds() > self.max_runtime

    def _launch(self, number: int) -> tuple[TrainingJob, optuna.Trial]:
        trial = self._study.ask()
        definition = self.request["TrainingJobDefinition"]
        tuned = {
            name: _sample(trial, kind, name, item, self._inside) for kind, name, item in self.ranges
        }
        job_name = f"{self.name}-{number:03d}-{uuid.uuid4().hex[:8]}"
        resources = dict(
            definition.get("HyperParameterTuningResourceConfig") or definition["ResourceConfig"]
        )
        resources = {k: resources[k] for k in ("InstanceType", "InstanceCount", "VolumeSizeInGB")
                     if k in resources}  # fmt: skip
        hyperparameters = {
            **definition.get("StaticHyperParameters", {}),
            **tuned,
            "_tuning_objective_metric": self.objective_name,
        }
        request = {
            "TrainingJobName": job_name,
            "AlgorithmSpecification": dict(definition["AlgorithmSpecification"]),
            "RoleArn": definition["RoleArn"],
            "InputDataConfig": definition.get("InputDataConfig", []),
            "OutputDataConfig": definition["OutputDataConfig"],
            "ResourceConfig": resources,
            "StoppingCondition": definition.get("StoppingCondition", {}),
            "HyperParameters": hyperparameters,
            "TuningJobArn": self.arn,
        }
        if self.request.get("Tags"):
            request["Tags"] = self.request["Tags"]
        summary = {
            "TrainingJobName": job_name,
            "TuningJobName": self.name,
            "TunedHyperParameters": tuned,
            "TrainingJobStatus": "InProgress",
            "ObjectiveStatus": "Pending",
        }
        with self._lock:
            self.summaries.append(summary)
        job = self.client.start_training_job(
            request, threads=self.threads, verdict=self._verdict, on_done=self._finished.put
        )
        summary.update(TrainingJobArn=job.arn, CreationTime=job.created)
        return job, trial

    def _verdict(self, job: TrainingJob) -> str | None:
        """As a completed training job ends: one that never logged the objective fails."""
        return (
            NO_OBJECTIVE.format(metric=self.objective_name)
            if self._objective(job) is None
            else None
        )

    def _stop_training_job(self, job: TrainingJob) -> None:
        self.client.stop_training_job(TrainingJobName=job.name)

    def _objective(self, job: TrainingJob) -> float | None:
        for metric in job.final_metrics:
            if metric["MetricName"] == self.objective_name:
                return metric["Value"]
        return None

    def _report_progress(self, job: TrainingJob, trial: optuna.Trial, seen: int) -> int:
        """Feed the objective values a running job has logged to the pruner (Hyperband/Auto)."""
        if isinstance(self._study.pruner, optuna.pruners.NopPruner):
            return seen
        values = job.running_metric(self.objective_name)
        for step in range(seen, len(values)):
            trial.report(values[step], step)
        if len(values) > seen and trial.should_prune():
            self._pruned.add(job.name)
            self._stop_training_job(job)
        return len(values)

    def _record(self, job: TrainingJob, trial: optuna.Trial) -> None:
        description = job.describe()
        value = self._objective(job)
        pruned = job.name in self._pruned
        if pruned and value is None:
            running = job.running_metric(self.objective_name)
            value = running[-1] if running else None
        with self._lock:
            summary = next(s for s in self.summaries if s["TrainingJobName"] == job.name)
            summary["TrainingJobStatus"] = description["TrainingJobStatus"]
            for key in ("TrainingStartTime", "TrainingEndTime", "FailureReason"):
                if key in description:
                    summary[key] = description[key]
            if value is not None and description["TrainingJobStatus"] in ("Completed", "Stopped"):
                summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                    "Type": "Maximize" if self.maximize else "Minimize",
                    "MetricName": self.objective_name,
                    "Value": value,
                }
                summary["ObjectiveStatus"] = "Succeeded"
            else:
                summary["ObjectiveStatus"] = "Failed"
        if pruned:
            self._study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif summary["ObjectiveStatus"] == "Succeeded" and math.isfinite(value):
            self._study.tell(trial, value)
        else:
            self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
        self._save()

    def _conclude(self) -> None:
        succeeded = [s for s in self.summaries if s["ObjectiveStatus"] == "Succeeded"]
        if self.stop_requested:
            self._end("Stopped")
        elif succeeded:
            self._end("Completed")
        else:
            reasons = sorted({s.get("FailureReason", "unknown") for s in self.summaries})
            self._end("Failed", "All training jobs failed. Reasons: " + " | ".join(reasons))

    def _end(self, status: str, reason: str | None = None) -> None:
        with self._lock:
            self.status = status
            self.failure_reason = reason
            self.ended = now()
        try:
            self._save()
        finally:
            self.finished()

    def _save(self) -> None:
        """The tuning job as it stands (and the process running it), for later sessions:
        described as it ended, or settled Stopped when its process died first."""
        folder = self.client.jobs_dir / TUNING_FOLDER
        saved = {"description": self.describe(), "summaries": self.training_job_summaries(),
                 "owner": self.client.owner}  # fmt: skip
        try:
            folder.mkdir(exist_ok=True)
            storage.save_json(folder / f"{self.name}.json", saved)
        except OSError:  # a full disk: this session still describes it from memory
            pass

    # ------------------------------------------------------------------ describing

    def best(self) -> dict | None:
        candidates = [
            s for s in self.training_job_summaries() if s["ObjectiveStatus"] == "Succeeded"
        ]
        if not candidates:
            return None
        sign = 1 if self.maximize else -1
        return max(
            candidates,
            key=lambda s: sign * s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
        )

    def training_job_summaries(self) -> list[dict]:
        with self._lock:
            return [dict(s) for s in self.summaries]

    def describe(self) -> dict[str, Any]:
        summaries = self.training_job_summaries()
        statuses = [s["TrainingJobStatus"] for s in summaries]
        objective = [s["ObjectiveStatus"] for s in summaries]
        with self._lock:
            desc = {
                "HyperParameterTuningJobName": self.name,
                "HyperParameterTuningJobArn": self.arn,
                "HyperParameterTuningJobConfig": self.config,
                "TrainingJobDefinition": self._definition_as_described(),
                "HyperParameterTuningJobStatus": self.status,
                "CreationTime": self.created,
                "LastModifiedTime": self.ended or now(),
                "TrainingJobStatusCounters": {
                    "Completed": statuses.count("Completed"),
                    "InProgress": statuses.count("InProgress"),
                    "RetryableError": 0,
                    "NonRetryableError": statuses.count("Failed"),
                    "Stopped": statuses.count("Stopped"),
                },
                "ObjectiveStatusCounters": {
                    "Succeeded": objective.count("Succeeded"),
                    "Pending": objective.count("Pending"),
                    "Failed": objective.count("Failed"),
                },
            }
            if self.ended:
                desc["HyperParameterTuningEndTime"] = self.ended
            if self.failure_reason:
                desc["FailureReason"] = self.failure_reason
        best = self.best()
        if best is not None:
            desc["BestTrainingJob"] = best
        return desc

    def _definition_as_described(self) -> dict:
        """The definition as AWS describes it: the objective among the static hyperparameters,
        a ResourceConfig and the metric definitions (the image's predefined ones when none were
        given), all of which the SDK's `HyperparameterTuner.attach` reads."""
        definition = dict(self.request["TrainingJobDefinition"])
        if "ResourceConfig" not in definition:  # the SDK's attach reads ResourceConfig
            hpo = definition.get("HyperParameterTuningResourceConfig", {})
            definition["ResourceConfig"] = {
                k: hpo[k] for k in ("InstanceType", "InstanceCount", "VolumeSizeInGB") if k in hpo
            }
        spec = dict(definition["AlgorithmSpecification"])
        spec["MetricDefinitions"] = metrics.definitions_for(spec, (self.objective_name,))
        definition["AlgorithmSpecification"] = spec
        definition["StaticHyperParameters"] = {
            **definition.get("StaticHyperParameters", {}),
            "_tuning_objective_metric": self.objective_name,
        }
        return definition

    def summary(self) -> dict[str, Any]:
        """The ListHyperParameterTuningJobs entry."""
        return summary_of(self.describe())


def summary_of(description: dict) -> dict[str, Any]:
    """The ListHyperParameterTuningJobs entry of a tuning job's description."""
    keys = ("HyperParameterTuningJobName", "HyperParameterTuningJobArn",
            "HyperParameterTuningJobStatus", "CreationTime", "HyperParameterTuningEndTime",
            "LastModifiedTime", "TrainingJobStatusCounters", "ObjectiveStatusCounters")  # fmt: skip
    config = description["HyperParameterTuningJobConfig"]
    entry = {k: description[k] for k in keys if k in description}
    entry["Strategy"] = config["Strategy"]
    entry["ResourceLimits"] = config.get("ResourceLimits", {})
    return entry


def load_saved(jobs_dir: Path, name: str) -> dict | None:
    """A tuning job saved by this or another session: {description, summaries, owner}; one
    whose process died while it ran is settled Stopped (and saved so) first."""
    path = jobs_dir / TUNING_FOLDER / f"{name}.json"
    try:
        saved = storage.load_json(path)
    except ValueError:  # cut short by a full disk
        return None
    if saved is None or saved["description"]["HyperParameterTuningJobStatus"] not in (
        "InProgress", "Stopping"
    ) or processes.owner_alive(saved.get("owner", "")):  # fmt: skip
        return saved
    ended = now()
    for summary in saved["summaries"]:
        if summary["TrainingJobStatus"] == "InProgress":
            summary.update(TrainingJobStatus="Stopped", ObjectiveStatus="Failed")
    description = saved["description"]
    pid = saved.get("owner", "?").partition("@")[0]
    description.update(
        HyperParameterTuningJobStatus="Stopped",
        HyperParameterTuningEndTime=ended,
        LastModifiedTime=ended,
        FailureReason=f"The Python process that ran this tuning job (pid {pid}) ended first",
    )
    try:
        storage.save_json(path, saved)
    except OSError:
        pass
    return saved


def sort_summaries(summaries: list[dict], params: dict) -> list[dict]:
    """ListTrainingJobsForHyperParameterTuningJob's StatusEquals, SortBy and SortOrder, with the
    API reference's defaults (Name, Ascending); sorted by the objective, the jobs without one
    are not listed."""
    if "StatusEquals" in params:
        summaries = [s for s in summaries if s["TrainingJobStatus"] == params["StatusEquals"]]
    sort_by = params.get("SortBy", "Name")
    descending = params.get("SortOrder", "Ascending") == "Descending"
    if sort_by == "FinalObjectiveMetricValue":
        scored = [s for s in summaries if "FinalHyperParameterTuningJobObjectiveMetric" in s]
        return sorted(
            scored,
            key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
            reverse=descending,
        )
    key = {"Name": "TrainingJobName", "CreationTime": "CreationTime", "Status": "TrainingJobStatus"}
    return sorted(summaries, key=lambda s: s.get(key[sort_by], ""), reverse=descending)
