"""Training jobs of the local service, split as the SDK splits its own local mode:
`record.py` (what DescribeTrainingJob answers), `job.py` (the phases, in the background),
`runner.py` (the /opt/ml layout and the process), `channels.py` (input data),
`artifacts.py` (tarballs and rule output) and `storage.py` (what survives a restart).

Reliability, one concern each: `preflight.py` (what is refused at create), `processes.py`
(every process of a job, and the watchdog that ends them with their kernel), `logstream.py`
(the log, bounded in memory), `reasons.py` (short FailureReasons) and `abandoned.py` (jobs
whose kernel died, settled by the next session)."""

from localsm.training.channels import JobFailure
from localsm.training.job import TrainingJob, Verdict
from localsm.training.record import TrainingJobDescription
from localsm.training.storage import load_description, saved_job_names

__all__ = [
    "JobFailure",
    "TrainingJob",
    "TrainingJobDescription",
    "Verdict",
    "load_description",
    "saved_job_names",
]
