"""SDK v3 waits by describing a job, then sleeping 5 s: the local service answers a repeated
describe only when the job ends (or after LONG_POLL_SECONDS), so no job costs a 5 s sleep."""

from __future__ import annotations

from localsm import session_v3


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
    monkeypatch.setattr(session_v3.time, "monotonic", clock.monotonic)
    polling = session_v3.LongPolling()
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
