"""`file://` URIs as the SDKs send them, read as local paths (`localsm/uris.py`).

Sources: RFC 8089 (the `file` URI scheme: percent-encoded path, empty host or `localhost`
for this machine, the short form `file:/path`); aws/sagemaker-python-sdk `master-v2`
src/sagemaker/estimator.py (`code_dir = "file://" + self.source_dir`, unencoded) and
src/sagemaker/local/data.py (`LocalFileDataSource(parsed_uri.netloc + parsed_uri.path)`:
`file://a/b` is the relative path `a/b`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from localsm.training.channels import uri_to_path
from localsm.uris import file_path, is_file_uri

HOME = Path("/home/João Silva/curso de ML")


@pytest.mark.parametrize(
    "uri",
    [
        HOME.as_uri(),  # file:///home/Jo%C3%A3o%20Silva/curso%20de%20ML
        "file:///home/Jo%C3%A3o%20Silva/curso%20de%20ML",
        "file://localhost/home/Jo%C3%A3o%20Silva/curso%20de%20ML",
        "file://LOCALHOST/home/Jo%C3%A3o%20Silva/curso%20de%20ML",
        "FILE:///home/Jo%C3%A3o%20Silva/curso%20de%20ML",
        "file:/home/Jo%C3%A3o%20Silva/curso%20de%20ML",
        "file:///home/João Silva/curso de ML",  # SDK v2's "file://" + source_dir
        "/home/João Silva/curso de ML",  # a plain path stays as it is
    ],
)
def test_every_spelling_of_a_local_folder_is_the_same_path(uri):
    assert file_path(uri) == HOME
    assert uri_to_path(uri) == HOME  # the name every module of the service imports


def test_raw_hash_and_question_mark_stay_in_the_path():
    # SDK v2 does not encode source_dir: `#` and `?` are part of the folder's name.
    assert file_path("file:///home/ana/C# e ML?/src") == Path("/home/ana/C# e ML?/src")
    assert file_path("file:///home/ana/C%23%20e%20ML%3F/src") == Path("/home/ana/C# e ML?/src")


def test_a_host_is_read_as_a_relative_folder_as_sdk_v2_local_mode_does():
    assert file_path("file://data/train.csv") == Path("data/train.csv")
    assert file_path("file://./data") == Path("./data")


def test_a_folder_literally_named_with_percent_codes_is_still_found(tmp_path):
    literal = tmp_path / "a%20b"
    literal.mkdir()
    assert file_path("file://" + str(literal)) == literal  # raw exists, decoded does not
    (tmp_path / "a b").mkdir()
    assert file_path("file://" + str(literal)) == tmp_path / "a b"  # RFC 8089 wins


def test_other_schemes_and_plain_paths_are_not_file_uris():
    assert is_file_uri("file:///x") and is_file_uri("File:/x")
    assert not is_file_uri("s3://bucket/file") and not is_file_uri("/tmp/file:x")
    assert file_path("relative/Jo%C3%A3o") == Path("relative/Jo%C3%A3o")  # no decoding
