"""Calls to this machine's own servers never go through a proxy.

Behind a corporate proxy (`HTTP_PROXY`/`HTTPS_PROXY`), clients that read the environment
would send local mode's calls to 127.0.0.1 (the local S3 in `moto_server.py`, model servers)
to the proxy, which cannot reach them. Two things keep them here:

- `bypass_proxies()` adds the loopback names to `NO_PROXY`/`no_proxy`, so that a client
  made for a local endpoint (`endpoint_url=`, or the `AWS_ENDPOINT_URL_*` variables that
  botocore, aiobotocore and s3fs read) is made without a proxy. It only adds names, and
  adding them twice changes nothing; they are not removed afterwards (no code here marks
  the end of local mode), which is harmless: 127.0.0.1 is never behind a proxy.
- `send_directly(session)`: a boto3 session's S3 clients are made for AWS's endpoint, and
  botocore picks their proxy once, for that endpoint, when the client is made; the calls
  local mode then sends to 127.0.0.1 would still use it. A documented `before-send` handler
  sends those calls through a proxy-free botocore HTTP session instead.

The model servers' own clients (urllib3 pools in `serving/`) never read proxy variables.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")  # urllib prefers the lower-case one
_DIRECT: Any = None  # a botocore URLLib3Session without proxies, made on first use


def proxies_configured(environ: MutableMapping[str, str] | None = None) -> bool:
    """Whether a proxy variable (`http_proxy`, `HTTPS_PROXY`, `all_proxy`, …) is set."""
    environ = os.environ if environ is None else environ
    return any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in environ.items()
    )


def bypass_proxies(environ: MutableMapping[str, str] | None = None) -> None:
    """When a proxy is configured, add 127.0.0.1 and localhost to the no-proxy lists.

    Each list that exists is extended (an upper-case one alone stays alone: a new
    lower-case one would hide its entries); with none, both are set. `*` already says all.
    """
    environ = os.environ if environ is None else environ
    if not proxies_configured(environ):
        return
    present = [name for name in NO_PROXY_VARIABLES if name in environ]
    for name in present or NO_PROXY_VARIABLES:
        entries = [entry.strip() for entry in environ.get(name, "").split(",") if entry.strip()]
        missing = [host for host in LOOPBACK_NAMES if host not in entries]
        if missing and "*" not in entries:
            environ[name] = ",".join(entries + missing)


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine by a loopback name or address."""
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK_NAMES or host == "::1" or host.startswith("127.")


def send_loopback_directly(request: Any, **_: Any) -> Any:
    """`before-send`: a request to 127.0.0.1 goes out without the client's proxy (None:
    botocore sends it as usual)."""
    scheme = urlsplit(request.url).scheme
    if not is_loopback(request.url) or not getproxies().get(scheme):
        return None
    global _DIRECT
    if _DIRECT is None:
        from botocore.httpsession import URLLib3Session

        _DIRECT = URLLib3Session(proxies={})
    return _DIRECT.send(request)


def send_directly(session: Any, service_id: str = "s3") -> None:
    """Register `send_loopback_directly` on a boto3 session (before it makes its clients)."""
    session.events.register(f"before-send.{service_id}", send_loopback_directly)
