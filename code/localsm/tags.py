"""Tags of the local service's resources: AddTags, ListTags and DeleteTags on one tag list.

What the API reference says and this module keeps: AddTags "adds or overwrites" tags, a key is
unique per resource (adding a key again replaces its value, it is not a second tag); a tag
given without a value gets the empty string; ListTags pages with `MaxResults` (at least 50,
botocore's model checks it) and `NextToken`; DeleteTags removes the keys named. A resource's
ARN names its type and its name, lower-cased (`resources.arn_formatter`).
"""

from __future__ import annotations

import re
from typing import Any

from localsm.exceptions import ValidationException

MOST = 50  # tags a resource may have (TagList: at most 50)
DEFAULT_PAGE = 50  # ListTags' MaxResults has a minimum of 50 in the API model
ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]*):(?P<account>\d{12}):"
                 r"(?P<kind>[a-z-]+)/(?P<name>.+)$")  # fmt: skip

# The resource types local mode creates, by the type part of their ARNs.
TAGGABLE = ("training-job", "hyper-parameter-tuning-job", "model", "endpoint-config",
            "endpoint", "transform-job", "processing-job")  # fmt: skip


def parse_arn(operation: str, arn: str) -> tuple[str, str, str, str]:
    """(region, account, resource type, lower-cased name) of a SageMaker ARN."""
    match = ARN.match(arn)
    if match is None:
        raise ValidationException(
            operation, f"{arn} is not a SageMaker resource ARN (arn:aws:sagemaker:<region>:"
            "<account>:<type>/<name>)"
        )  # fmt: skip
    return match["region"], match["account"], match["kind"], match["name"].lower()


def not_found(operation: str, arn: str) -> ValidationException:
    return ValidationException(operation, f"Could not find the resource {arn}.")


def add(tags: list[dict], new: list[dict]) -> None:
    """Add `new` to `tags` in place: a key already there gets the new value, in its place."""
    position = {tag["Key"]: i for i, tag in enumerate(tags)}
    for tag in new:
        entry = {"Key": tag["Key"], "Value": tag.get("Value", "")}
        if entry["Key"] in position:
            tags[position[entry["Key"]]] = entry
        else:
            position[entry["Key"]] = len(tags)
            tags.append(entry)


def delete(tags: list[dict], keys: list[str]) -> None:
    """Remove the tags whose keys are named, in place (an absent key is no error)."""
    tags[:] = [tag for tag in tags if tag["Key"] not in set(keys)]


def unique(tags: list[dict] | None) -> list[dict]:
    """Tags given at create time as a resource keeps them (one value per key, the last)."""
    kept: list[dict] = []
    add(kept, list(tags or []))
    return kept


def page(operation: str, tags: list[dict], params: dict[str, Any]) -> dict[str, Any]:
    """One ListTags page: `Tags`, and `NextToken` while more remain."""
    token = params.get("NextToken") or "0"
    if not token.isdigit() or int(token) > len(tags):
        raise ValidationException(operation, f"Invalid NextToken {token!r}")
    start, size = int(token), int(params.get("MaxResults") or DEFAULT_PAGE)
    answer: dict[str, Any] = {"Tags": [dict(t) for t in tags[start : start + size]]}
    if start + size < len(tags):
        answer["NextToken"] = str(start + size)
    return answer
