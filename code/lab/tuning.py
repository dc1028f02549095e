"""Task 2's side by side: the lab's original search next to this notebook's, one row each."""

from __future__ import annotations

from typing import Any

from lab.modes import session_of
from lab.words import say, term


def compare_tuning_jobs(lab: Any, original: str, tuned: str):
    """A table of two tuning jobs (names given): their finished jobs and objective range.

    Read through the SageMaker API (`DescribeHyperParameterTuningJob` and the list of its
    training jobs), so it works for both SDK generations, on AWS and locally. `lab`: the SDK
    session (or a `Lab` record)."""
    import pandas as pd

    client = session_of(lab).sagemaker_client
    rows = {
        say("tuning.original"): _summary(client, original),
        say("tuning.tuned"): _summary(client, tuned),
    }
    return pd.DataFrame(rows).T


def _summary(client: Any, name: str) -> dict[str, Any]:
    """How many training jobs ended with an objective, the best one and the worst one."""
    described = client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    config = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    values = [
        job["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        for job in _training_jobs(client, name)
        if "FinalHyperParameterTuningJobObjectiveMetric" in job
    ]
    best, worst = (max, min) if config["Type"] == "Maximize" else (min, max)
    return {
        say("tuning.metric"): config["MetricName"],
        say("tuning.jobs"): len(values),
        say("tuning.best"): round(best(values), 4) if values else None,
        say("tuning.worst"): round(worst(values), 4) if values else None,
    }


def _training_jobs(client: Any, name: str) -> list[dict]:
    """Every training job of a tuning job, page by page (NextToken: the local client has no
    boto3 paginators)."""
    jobs, token = [], {}
    while True:
        page = client.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=100, **token
        )
        jobs += page["TrainingJobSummaries"]
        if not page.get("NextToken"):
            return jobs
        token = {"NextToken": page["NextToken"]}


def localized(frame: Any):
    """`frame` with the SageMaker API's column names (`TrainingJobStatus`,
    `FinalObjectiveValue` of `HyperparameterTuningJobAnalytics`) in the notebook's language;
    names lab.words does not translate (hyperparameters, and every name in English) stay."""
    return frame.rename(columns=lambda name: term("col", name))
