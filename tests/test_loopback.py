"""Local mode's calls to 127.0.0.1 never go through HTTP(S)_PROXY (`localsm/loopback.py`).

Sources: CPython Lib/urllib/request.py (`getproxies_environment`: `<scheme>_proxy`
variables, the lower-case one wins over the upper-case one; `proxy_bypass_environment`:
`no_proxy` is a comma-separated list of host suffixes, `*` for all); boto/botocore
botocore/endpoint.py `EndpointCreator.create_endpoint` and botocore/utils.py
`get_environ_proxies` (a client's proxy is chosen once, for its endpoint URL, honouring
`no_proxy`), botocore/httpsession.py `ProxyConfiguration.proxy_url_for` (no bypass per request).
"""

from __future__ import annotations

from urllib.request import proxy_bypass_environment

import pytest

from localsm import loopback

PROXY = "http://proxy.example:3128"


def test_nothing_changes_without_a_proxy():
    environ = {"PATH": "/bin"}
    loopback.bypass_proxies(environ)
    assert environ == {"PATH": "/bin"}


def test_both_lists_are_set_when_none_exists():
    environ = {"HTTPS_PROXY": PROXY}
    loopback.bypass_proxies(environ)
    assert environ["no_proxy"] == environ["NO_PROXY"] == "127.0.0.1,localhost"
    assert proxy_bypass_environment("127.0.0.1:5000", {"no": environ["no_proxy"]})
    assert proxy_bypass_environment("localhost:8080", {"no": environ["no_proxy"]})


@pytest.mark.parametrize("name", ["NO_PROXY", "no_proxy"])
def test_an_existing_list_is_only_extended(name):
    environ = {"http_proxy": PROXY, name: "corp.internal, .example.com"}
    loopback.bypass_proxies(environ)
    loopback.bypass_proxies(environ)  # twice: the same
    assert environ == {"http_proxy": PROXY, name: "corp.internal,.example.com,127.0.0.1,localhost"}


def test_a_list_naming_everything_or_the_hosts_already_is_left_alone():
    environ = {"ALL_PROXY": PROXY, "no_proxy": "*", "NO_PROXY": "localhost,127.0.0.1"}
    loopback.bypass_proxies(environ)
    assert environ["no_proxy"] == "*" and environ["NO_PROXY"] == "localhost,127.0.0.1"


def test_loopback_urls():
    assert loopback.is_loopback("http://127.0.0.1:9000/bucket/key")
    assert loopback.is_loopback("http://localhost:8080/invocations")
    assert loopback.is_loopback("http://[::1]:8080/")
    assert not loopback.is_loopback("https://s3.us-east-1.amazonaws.com/bucket")


def test_only_loopback_calls_behind_a_proxy_are_sent_directly(monkeypatch):
    class Request:
        url = "https://s3.us-east-1.amazonaws.com/bucket/key"

    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert loopback.send_loopback_directly(Request()) is None  # AWS: the client's proxy
    Request.url = "http://127.0.0.1:1/bucket/key"
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    assert loopback.send_loopback_directly(Request()) is None  # no proxy for http://
