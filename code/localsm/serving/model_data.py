"""Where a model's `ModelDataUrl` points, in every form the API takes, as one `s3://` URI.

botocore's SageMaker model gives `ModelDataUrl` the pattern `(https|s3)://([^/]+)/?(.*)`: an
`s3://bucket/key` URI, or an Amazon S3 object URL in either addressing style that S3
documents (path style `https://s3.<region>.amazonaws.com/<bucket>/<key>`, also the older
`s3-<region>` and region-less hosts; virtual-hosted style
`https://<bucket>.s3.<region>.amazonaws.com/<key>`). Reading the model needs the bucket and
the key whichever form was given; `file://` URIs and paths (local mode's own) pass through.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

# The host part after the bucket (virtual-hosted) or alone (path style): s3, s3.<region>,
# s3-<region>, s3.dualstack.<region>, on amazonaws.com or amazonaws.com.cn.
_S3_HOST = r"s3(?:[.-]dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?"
PATH_STYLE = re.compile(rf"^{_S3_HOST}$")
VIRTUAL_HOSTED = re.compile(rf"^(?P<bucket>[a-z0-9][a-z0-9.-]*)\.{_S3_HOST}$")


class NotAnS3Url(ValueError):
    """An https URL that names no Amazon S3 object."""


def as_s3_uri(url: str) -> str:
    """`s3://<bucket>/<key>` for an https Amazon S3 object URL; any other URL unchanged.

    Raises NotAnS3Url for an https URL whose host is not Amazon S3's, or that names no key."""
    if not url.lower().startswith("https://"):
        return url
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    path = unquote(parsed.path)
    if PATH_STYLE.match(host):
        bucket, _, key = path.lstrip("/").partition("/")
    elif match := VIRTUAL_HOSTED.match(host):
        bucket, key = match["bucket"], path.lstrip("/")
    else:
        raise NotAnS3Url(
            f"ModelDataUrl {url} is not an Amazon S3 object URL: give s3://<bucket>/<key> or "
            "https://<bucket>.s3.<region>.amazonaws.com/<key> (the model.tar.gz of a training "
            "job, estimator.model_data)"
        )
    if not bucket or not key:
        raise NotAnS3Url(
            f"ModelDataUrl {url} names no object: give the bucket and the key of a "
            "model.tar.gz (s3://<bucket>/<key>)"
        )
    return f"s3://{bucket}/{key}"
