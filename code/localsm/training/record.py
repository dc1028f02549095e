"""A training job's record: what `DescribeTrainingJob` answers, and nothing that runs.

Like `sagemaker/local/entities.py` in the SDK: the runner and the job change the record
through its methods (`transition`, `end`), and `describe()` turns it into the API's answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from localsm.background import now
from localsm.metrics import described_specification

# Request members that DescribeTrainingJob repeats when they were given.
ECHOED = ("DebugHookConfig", "DebugRuleConfigurations", "ProfilerConfig", "Environment",
          "CheckpointConfig", "TuningJobArn")  # fmt: skip


class TrainingJobDescription(TypedDict, total=False):
    """The members of DescribeTrainingJob's response that local jobs fill in."""

    TrainingJobName: str
    TrainingJobArn: str
    TrainingJobStatus: str  # InProgress | Completed | Failed | Stopping | Stopped
    SecondaryStatus: str
    HyperParameters: dict[str, str]
    AlgorithmSpecification: dict[str, Any]
    RoleArn: str
    InputDataConfig: list[dict]
    OutputDataConfig: dict[str, str]
    ResourceConfig: dict[str, Any]
    StoppingCondition: dict[str, int]
    CreationTime: datetime
    LastModifiedTime: datetime
    TrainingStartTime: datetime
    TrainingEndTime: datetime
    TrainingTimeInSeconds: int
    BillableTimeInSeconds: int
    SecondaryStatusTransitions: list[dict]
    FinalMetricDataList: list[dict]
    ModelArtifacts: dict[str, str]
    FailureReason: str
    DebugRuleEvaluationStatuses: list[dict]
    EnableNetworkIsolation: bool
    EnableInterContainerTrafficEncryption: bool
    EnableManagedSpotTraining: bool


@dataclass
class TrainingJobRecord:
    """Status, times, metrics and artifacts of one training job (thread-safe updates)."""

    request: dict
    arn: str
    status: str = "InProgress"
    secondary: str = "Starting"
    failure_reason: str | None = None
    created: datetime = field(default_factory=now)
    started: datetime | None = None
    ended: datetime | None = None
    transitions: list[dict] = field(default_factory=list)
    final_metrics: list[dict] = field(default_factory=list)
    model_uri: str | None = None
    planned_model_uri: str = ""  # where model.tar.gz will go, described until it is there
    rule_statuses: list[dict] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def name(self) -> str:
        return self.request["TrainingJobName"]

    def transition(self, status: str, message: str) -> datetime:
        """A new secondary status (the previous one ends now); returns its start time."""
        with self.lock:
            stamp = now()
            if self.transitions and "EndTime" not in self.transitions[-1]:
                self.transitions[-1]["EndTime"] = stamp
            self.transitions.append({"Status": status, "StartTime": stamp,
                                     "StatusMessage": message})  # fmt: skip
            self.secondary = status
            return stamp

    def end(self, status: str, secondary: str, message: str, reason: str | None) -> None:
        """The final status: Completed, Failed or Stopped."""
        with self.lock:
            self.ended = now()
            self.status = status
            self.failure_reason = reason
            self.transition(secondary, message)
            self.transitions[-1]["EndTime"] = self.ended

    def describe(self) -> TrainingJobDescription:
        """The `DescribeTrainingJob` response for this job."""
        request = self.request
        with self.lock:
            desc = TrainingJobDescription(
                TrainingJobName=self.name,
                TrainingJobArn=self.arn,
                TrainingJobStatus=self.status,
                SecondaryStatus=self.secondary,
                HyperParameters=dict(request.get("HyperParameters", {})),
                AlgorithmSpecification=described_specification(request),
                RoleArn=request["RoleArn"],
                InputDataConfig=request.get("InputDataConfig", []),
                OutputDataConfig={"KmsKeyId": "", **request["OutputDataConfig"]},
                ResourceConfig=request["ResourceConfig"],
                StoppingCondition=request.get("StoppingCondition", {}),
                CreationTime=self.created,
                LastModifiedTime=self.transitions[-1]["StartTime"],
                SecondaryStatusTransitions=[dict(t) for t in self.transitions],
                EnableNetworkIsolation=request.get("EnableNetworkIsolation", False),
                EnableInterContainerTrafficEncryption=bool(
                    request.get("EnableInterContainerTrafficEncryption", False)
                ),
                EnableManagedSpotTraining=bool(request.get("EnableManagedSpotTraining", False)),
            )
            desc.update({key: request[key] for key in ECHOED if request.get(key)})  # type: ignore[typeddict-item]
            self._describe_times(desc)
            if self.final_metrics:
                desc["FinalMetricDataList"] = [dict(m) for m in self.final_metrics]
            # Required in the API model (botocore's DescribeTrainingJobResponse), so present
            # while the job runs too: where the model will be.
            desc["ModelArtifacts"] = {"S3ModelArtifacts": self.model_uri or self.planned_model_uri}
            if self.failure_reason:
                desc["FailureReason"] = self.failure_reason
            if self.rule_statuses is not None:
                desc["DebugRuleEvaluationStatuses"] = [dict(s) for s in self.rule_statuses]
        return desc

    def _describe_times(self, desc: TrainingJobDescription) -> None:
        if self.started:
            desc["TrainingStartTime"] = self.started
        if self.ended:
            desc["TrainingEndTime"] = self.ended
            seconds = max(1, round((self.ended - (self.started or self.created)).total_seconds()))
            desc["TrainingTimeInSeconds"] = seconds
            desc["BillableTimeInSeconds"] = seconds
