"""SDK v3 waits by describing a job, then sleeping 5 s: the local service answers a repeated
describe only when the job ends (or after LONG_POLL_SECONDS), so no job costs a 5 s sleep."""

from __future__ import annotations

from localsm import long_polling


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


class FakeJob:
    """A job that never ends: each long poll runs out (the clock moves on by its length)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waits = 0

    def wait(self, seconds: float) -> None:
        self.waits += 1
        self.clock.now += seconds


class FakeService:
    def __init__(self, clock: Clock) -> None:
        self.training = FakeJob(clock)

    def job(self, name: str) -> FakeJob:
        return self.training

    def describe_training_job(self, TrainingJobName: str) -> dict:  # noqa: N803
        return {"TrainingJobName": TrainingJobName, "TrainingJobStatus": "InProgress"}


def test_a_repeated_describe_waits_and_a_long_poll_that_ran_out_still_counts(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(long_polling.time, "monotonic", clock.monotonic)
    polling = long_polling.LongPolling()
    polling.service = FakeService(clock)
    sdk_sleep = 5.0

    polling.describe_training_job(TrainingJobName="j")  # the first one: answered at once
    assert polling.service.training.waits == 0
    clock.now += sdk_sleep
    polling.describe_training_job(TrainingJobName="j")  # a waiting loop: long poll
    assert polling.service.training.waits == 1
    # The long poll ran out (60 s); the SDK sleeps 5 s and asks again: still a waiting loop,
    # counted from the last answer, not from when the previous describe began.
    clock.now += sdk_sleep
    polling.describe_training_job(TrainingJobName="j")
    assert polling.service.training.waits == 2
    # A describe long after the last answer is a new question, answered at once.
    clock.now += 600
    polling.describe_training_job(TrainingJobName="j")
    assert polling.service.training.waits == 2


def processing_job_sleeps(monkeypatch, local: bool) -> list[float]:
    """The sleeps of sagemaker-core's `ProcessingJob.wait` on a job that ends at the third
    describe, after seeding the process-wide clients with a local session or not."""
    import boto3
    import sagemaker.core.resources as resources
    from sagemaker.core.resources import ProcessingJob
    from sagemaker.core.shapes import ProcessingClusterConfig, ProcessingResources

    from localsm import patches, sdk_compat

    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    sdk_compat.seed_sagemaker_core(boto3.Session(region_name="us-east-1", **keys), local=local)
    cluster = ProcessingClusterConfig(
        instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=1
    )
    job = ProcessingJob.model_construct(
        processing_job_name="j",
        processing_resources=ProcessingResources(cluster_config=cluster),
        processing_job_status="InProgress",
    )
    statuses = iter(["InProgress", "InProgress", "Completed"])

    def refresh(self):
        object.__setattr__(self, "processing_job_status", next(statuses))
        return self

    sleeps: list[float] = []
    monkeypatch.setattr(ProcessingJob, "refresh", refresh)
    monkeypatch.setattr(resources.time, "sleep", sleeps.append)
    with patches.entered("sdk"):  # where the quick poll is put in place (and undone)
        job.wait()
    return sleeps


def test_a_local_processing_job_is_polled_every_second_an_aws_one_as_the_sdk_says(monkeypatch):
    """ProcessingJob.wait describes first and sleeps after: its first sleep (5 s) came before
    the local long poll could start, so a 2-second Clarify job took 5 s. Local: 1 s."""
    from sagemaker.core.utils.utils import SageMakerClient

    from localsm import sdk_compat

    was_local = sdk_compat._CORE_IS_LOCAL[0]
    try:
        assert processing_job_sleeps(monkeypatch, local=True) == [1, 1]
        assert processing_job_sleeps(monkeypatch, local=False) == [5, 5]
    finally:  # no fake session left in sagemaker-core's process-wide clients
        sdk_compat._CORE_IS_LOCAL[0] = was_local
        SageMakerClient.reset()
