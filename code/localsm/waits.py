"""Waiting on the local service's jobs as the SDK's waits do on AWS, without their polling
sleeps: follow a job's log while it runs (as `fit(wait=True)` prints CloudWatch's), then check
its final status the way the SDK does. Used by the v2 local session (session.py) and by the
SDK v2 waits that sdk_compat.py wraps while local mode is on. Importable with either SDK (the
"local" layer imports it in both); only the v2 waits use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from localsm import roundlog, sdk_compat
from localsm.client import LocalSageMakerClient
from localsm.roundlog import RoundCondenser

WAKE_UP_SECONDS = 0.05
MAX_PRINT_BYTES = 1 << 20  # read per wake-up while following a log


def logs_for_job(client: LocalSageMakerClient, job_name: str, wait: bool = False) -> dict:
    """Print a training job's log (and its status changes); with `wait`, follow it to the
    end, then check its status as the SDK does."""
    job = client.job(job_name)
    if job is None:  # a job from an earlier session: print what it left
        description = client.describe_training_job(job_name)
        log = client.jobs_dir / job_name / "training.log"
        if log.is_file():
            sys.stdout.write(log.read_text())
        if wait:
            sdk_compat.check_job_status(job_name, description, "TrainingJobStatus")
        return description
    said = roundlog.words()
    condenser = RoundCondenser(_print_line, skipped=said["skipped"])  # see roundlog.py
    try:
        _follow_log(job, wait, condenser)
    except KeyboardInterrupt:
        print(f"\nInterrupted: stopping training job {job_name} ...", flush=True)
        job.stop()
        job.wait()
        raise
    condenser.end_of_rounds()
    if condenser.hidden:
        print(said["whole"].format(lines=condenser.lines, path=_shown_path(job.log_path)))
    description = job.describe()
    if wait:
        sdk_compat.check_job_status(job_name, description, "TrainingJobStatus")
        seconds = description.get("TrainingTimeInSeconds")
        if seconds is not None:
            print(f"Training seconds: {seconds}\nBillable seconds: {seconds} (local: free)")
    return description


def wait_for_job(client: LocalSageMakerClient, job: str) -> dict:
    """Block until the training job ends (no polling sleep), then check its status."""
    running = client.job(job)
    if running is not None:
        try:
            running.wait()
        except KeyboardInterrupt:
            running.stop()
            running.wait()
            raise
    description = client.describe_training_job(job)
    sdk_compat.check_job_status(job, description, "TrainingJobStatus")
    return description


def wait_for_tuning_job(client: LocalSageMakerClient, job: str) -> dict:
    """Block until the tuning job ends, with a progress bar (jobs done, best objective)."""
    tuning_job = client.tuning_job(job)
    if tuning_job is not None and not tuning_job.done:
        try:
            _follow_tuning_job(tuning_job)
        except KeyboardInterrupt:
            print(f"\nInterrupted: stopping tuning job {job} and its training jobs ...")
            tuning_job.stop()
            tuning_job.wait()
            raise
    description = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    sdk_compat.check_job_status(job, description, "HyperParameterTuningJobStatus")
    return description


def wait_for_endpoint(client: LocalSageMakerClient, endpoint: str) -> dict:
    """Block until the endpoint leaves Creating/Updating (no 30-second polling sleep)."""
    local = client.endpoint(endpoint)
    print("-", end="", flush=True)
    local.wait()
    description = local.describe()
    status = description["EndpointStatus"]
    print("!" if status == "InService" else "*", flush=True)
    if status != "InService":
        from sagemaker import exceptions as sagemaker_exceptions  # SDK v2's, as its wait raises

        reason = description.get("FailureReason")
        raise sagemaker_exceptions.UnexpectedStatusException(
            message=f"Error hosting endpoint {endpoint}: {status}. Reason: {reason}",
            allowed_statuses=["InService"],
            actual_status=status,
        )
    return description


def wait_for_transform_job(client: LocalSageMakerClient, job: str) -> dict:
    """Block until the transform job ends, then check its status."""
    local = client.transform_job(job)
    try:
        local.wait()
    except KeyboardInterrupt:
        local.stop()
        raise
    description = local.describe()
    sdk_compat.check_job_status(job, description, "TransformJobStatus")
    return description


def logs_for_transform_job(client: LocalSageMakerClient, job_name: str, wait: bool) -> None:
    """Print the transform job's log (following it with `wait`), as on AWS."""
    local = client.transform_job(job_name)
    _follow_log(local, wait)
    if wait:
        sdk_compat.check_job_status(job_name, local.describe(), "TransformJobStatus")


def wait_for_processing_job(client: LocalSageMakerClient, job: str) -> dict:
    """Block until the processing job ends (no polling sleep), then check its status."""
    local = client.processing_job(job)
    _wait_or_stop(local)
    description = local.describe()
    sdk_compat.check_job_status(job, description, "ProcessingJobStatus")
    return description


def logs_for_processing_job(client: LocalSageMakerClient, job_name: str, wait: bool) -> None:
    """Print the processing job's log (following it with `wait`), as on AWS."""
    local = client.processing_job(job_name)
    try:
        _follow_log(local, wait)
    except KeyboardInterrupt:
        print(f"\nInterrupted: stopping processing job {job_name} ...", flush=True)
        _wait_or_stop(local, stop=True)
        raise
    if wait:
        sdk_compat.check_job_status(job_name, local.describe(), "ProcessingJobStatus")


def _wait_or_stop(job, stop: bool = False) -> None:
    """Wait for a local job to end; an interrupt (or `stop`) stops it first."""
    try:
        if stop:
            job.stop()
        job.wait()
    except KeyboardInterrupt:
        job.stop()
        job.wait()
        raise


def _follow_log(job, wait: bool, condenser: RoundCondenser | None = None) -> None:
    """Print a local job's log as it grows (training or transform); with `wait`, until the job
    has ended, waking on the job's end rather than sleeping a fixed poll interval. With a
    `condenser`, the lines go through it (and stdout is flushed per chunk)."""
    position = 0
    while True:
        finished = job.done
        printed = _print_new_log(job.log_path, position, condenser)
        caught_up, position = printed == position, printed
        if (finished or not wait) and caught_up:
            return
        if caught_up:
            job.wait(WAKE_UP_SECONDS)


def _follow_tuning_job(tuning_job) -> None:
    """A tqdm bar (plain text, so it reads the same in JupyterLab and in papermill output)."""
    from tqdm import tqdm

    bar = tqdm(total=tuning_job.total, desc=tuning_job.name, unit="job", file=sys.stdout,
               mininterval=0.5, ascii=True)  # fmt: skip
    try:
        while True:
            finished = tuning_job.wait(WAKE_UP_SECONDS * 4)
            summaries = tuning_job.training_job_summaries()
            done = sum(s["TrainingJobStatus"] != "InProgress" for s in summaries)
            bar.update(done - bar.n)
            best = tuning_job.best()
            if best is not None:
                value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
                bar.set_postfix_str(f"best {tuning_job.objective_name}={value:.6f}", refresh=False)
            if finished:
                break
    finally:
        bar.close()


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")


def _shown_path(path: Path) -> str:
    """A log's path as a notebook shows it: relative to the notebook's folder (no home path)."""
    return os.path.relpath(path, Path.cwd())


def _print_new_log(path: Path, position: int, condenser: RoundCondenser | None = None) -> int:
    """Print what was appended to `path` since `position`; returns the new position."""
    with open(path, "rb") as log:
        log.seek(position)
        chunk = log.read(MAX_PRINT_BYTES)  # bounded: a log may outrun the notebook
    # Print whole lines only; a partial last line waits for the next call (unless one line
    # fills the whole read).
    cut = chunk.rfind(b"\n") + 1 or (len(chunk) if len(chunk) == MAX_PRINT_BYTES else 0)
    if cut:
        text = chunk[:cut].decode("utf-8", errors="replace")
        if condenser is None:
            sys.stdout.write(text)
        else:
            for line in text.splitlines():
                condenser.feed(line)
        sys.stdout.flush()
    return position + cut
