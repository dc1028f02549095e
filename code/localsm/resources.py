"""What every resource of the local service shares: ARNs, List* filtering, sorting and paging.

Written here rather than taken from moto (`arn_formatter`, `@paginate`), which the local
service must not depend on at run time: moto is a test tool, its import costs a third of a
second, and its paging errors are not botocore `ClientError`s. The shape is moto's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from localsm.exceptions import ValidationException

LOCAL_ACCOUNT = "000000000000"

# The List* operations we answer: the response key of their items and the default page size.
PAGINATION_MODEL: dict[str, dict[str, Any]] = {
    "list_training_jobs": {
        "result_key": "TrainingJobSummaries",
        "limit_default": 100,
        # The API reference of ListTrainingJobs: with StatusEquals and MaxResults, the page
        # of MaxResults jobs is taken first, ignoring the status, and then filtered by it.
        "status_after_paging": "TrainingJobStatus",
    },
    "list_hyper_parameter_tuning_jobs": {
        "result_key": "HyperParameterTuningJobSummaries",
        "limit_default": 10,  # "The default value is 10" (API reference)
    },
    "list_training_jobs_for_hyper_parameter_tuning_job": {
        "result_key": "TrainingJobSummaries",
        "limit_default": 10,  # "The default value is 10" (API reference)
    },
    "list_models": {"result_key": "Models", "limit_default": 10},
    "list_endpoint_configs": {"result_key": "EndpointConfigs", "limit_default": 10},
    "list_endpoints": {"result_key": "Endpoints", "limit_default": 10},
    "list_transform_jobs": {"result_key": "TransformJobSummaries", "limit_default": 10},
    "list_processing_jobs": {"result_key": "ProcessingJobSummaries", "limit_default": 10},
}


# SortBy and SortOrder when a List* request leaves them out, as the API reference documents
# them (botocore's SageMaker model, the request members' documentation); any other list is
# newest first (CreationTime, Descending: ListModels, ListEndpointConfigs, ListEndpoints,
# ListTransformJobs). ListTrainingJobs' SortOrder documentation says Ascending, but its own
# description of StatusEquals with MaxResults sorts "from the most current to the oldest":
# newest first is kept for it.
DEFAULT_ORDER: dict[str, tuple[str, str]] = {
    "HyperParameterTuningJob": ("Name", "Ascending"),
    "ProcessingJob": ("CreationTime", "Ascending"),
}


class Registry(dict):
    """The resources of one kind by name (models, endpoints, jobs...), shared by the threads
    of a service: every look-up, addition and removal holds `lock`."""

    def __init__(self, lock: threading.Lock) -> None:
        super().__init__()
        self.lock = lock

    def find(self, name: str, missing: Callable[[str], Exception]) -> Any:
        """The resource named `name`; raises `missing(name)` when there is none."""
        with self.lock:
            resource = self.get(name)
        if resource is None:
            raise missing(name)
        return resource

    def add(self, name: str, make: Callable[[], Any], taken: Callable[[str], Exception]) -> Any:
        """Keep `make()` as `name`; raises `taken(name)` when the name is in use."""
        with self.lock:
            if name in self:
                raise taken(name)
            resource = self[name] = make()
        return resource

    def remove(self, name: str, missing: Callable[[str], Exception] | None = None) -> None:
        """Forget `name`; raises `missing(name)`, if given, when there is no such resource."""
        with self.lock:
            resource = self.pop(name, None)
        if resource is None and missing is not None:
            raise missing(name)

    def listed(self) -> list:
        """The resources, as they are now."""
        with self.lock:
            return list(self.values())


def present(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: a Describe* response leaves an unset optional one out."""
    return {key: value for key, value in fields.items() if value is not None}


def arn_formatter(resource_type: str, name: str, region: str, account: str = LOCAL_ACCOUNT) -> str:
    """`arn:aws:sagemaker:<region>:<account>:<type>/<name>` (SageMaker lower-cases names)."""
    return f"arn:aws:sagemaker:{region}:{account}:{resource_type}/{name.lower()}"


def paginate(operation: str) -> Callable:
    """Turn a method returning every item into an AWS-style page (`MaxResults`, `NextToken`)."""
    model = PAGINATION_MODEL[operation]

    def decorator(method: Callable[..., list]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **params: Any) -> dict[str, Any]:
            items = method(self, *args, **params)  # it validates the request, paging included
            token = params.get("NextToken") or "0"
            size = int(params.get("MaxResults") or model["limit_default"])
            if not token.isdigit():
                raise ValidationException(
                    _operation_name(operation), f"Invalid NextToken {token!r}"
                )
            start = int(token)
            selected = items[start : start + size]
            status = model.get("status_after_paging")
            if status and pages_before_status(params):
                selected = [i for i in selected if i[status] == params["StatusEquals"]]
            page: dict[str, Any] = {model["result_key"]: selected}
            if start + size < len(items):
                page["NextToken"] = str(start + size)
            return page

        return wrapper

    return decorator


def _operation_name(method_name: str) -> str:
    return "".join(part.capitalize() for part in method_name.split("_"))


def pages_before_status(params: dict) -> bool:
    """Whether a ListTrainingJobs request is paged before its StatusEquals filter (both given:
    see PAGINATION_MODEL)."""
    return "StatusEquals" in params and "MaxResults" in params


def filter_and_sort(
    items: list[dict], params: dict, kind: str, status_after_paging: bool = False
) -> list[dict]:
    """A List* operation's NameContains, StatusEquals, CreationTimeAfter/Before, SortBy and
    SortOrder, for items whose fields are `<kind>Name` and `<kind>Status`. With
    `status_after_paging`, StatusEquals is left to `paginate` when the request pages."""
    name, status = f"{kind}Name", f"{kind}Status"
    if "NameContains" in params:
        items = [i for i in items if params["NameContains"] in i[name]]
    if "StatusEquals" in params and not (status_after_paging and pages_before_status(params)):
        items = [i for i in items if i[status] == params["StatusEquals"]]
    if "CreationTimeAfter" in params:
        items = [i for i in items if i["CreationTime"] > params["CreationTimeAfter"]]
    if "CreationTimeBefore" in params:
        items = [i for i in items if i["CreationTime"] < params["CreationTimeBefore"]]
    default_by, default_order = DEFAULT_ORDER.get(kind, ("CreationTime", "Descending"))
    sort_by = params.get("SortBy", default_by)
    sort_key = {"Name": name, "Status": status}.get(sort_by, "CreationTime")
    descending = params.get("SortOrder", default_order) == "Descending"
    return sorted(items, key=lambda i: i[sort_key], reverse=descending)
