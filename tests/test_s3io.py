"""localsm.s3io: one S3 client per boto3 session, and downloads that leave a whole file or
none."""

from __future__ import annotations

import io

import boto3
import pytest
from moto import mock_aws

from localsm import s3io

KEYS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture
def bucket():
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", **KEYS)
        session.client("s3").create_bucket(Bucket="lab-data")
        yield session


def test_one_client_per_session(bucket):
    other = boto3.Session(region_name="us-east-1", **KEYS)
    assert s3io.s3_client(bucket) is s3io.s3_client(bucket)
    assert s3io.s3_client(other) is not s3io.s3_client(bucket)


def test_a_session_without_credentials_gets_a_new_client_each_time(monkeypatch, tmp_path):
    """Once the learner configures credentials, the next call must see them."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = boto3.Session(region_name="us-east-1")
    assert session.get_credentials() is None
    assert s3io.s3_client(session) is not s3io.s3_client(session)


@pytest.mark.parametrize("threshold", [1024, 3])  # one GetObject; boto3's managed download
def test_small_and_large_objects_arrive_whole(bucket, tmp_path, monkeypatch, threshold):
    monkeypatch.setattr(s3io, "SINGLE_GET_BYTES", threshold)
    s3 = s3io.s3_client(bucket)
    s3.put_object(Bucket="lab-data", Key="train/part.csv", Body=b"1,2,3\n4,5,6\n")
    target = tmp_path / "part.csv"
    calls = []

    def spy(method: str):
        real = getattr(s3, method)
        return lambda *args, **kwargs: (calls.append(method), real(*args, **kwargs))[1]

    for method in ("get_object", "download_file"):
        monkeypatch.setattr(s3, method, spy(method))
    s3io.download(s3, "lab-data", "train/part.csv", 12, target)
    assert target.read_bytes() == b"1,2,3\n4,5,6\n"
    # one GetObject, or boto3's managed download (which makes its own calls)
    assert calls[0] == ("get_object" if threshold >= 12 else "download_file")
    assert threshold < 12 or calls == ["get_object"]
    assert [p.name for p in tmp_path.iterdir()] == ["part.csv"]


class BrokenBody(io.RawIOBase):
    """A response body whose connection drops after the first bytes."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise OSError("connection reset")
        self.sent = True
        return b"1,2,"


class BrokenS3:
    def get_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803
        return {"Body": BrokenBody()}


def test_a_broken_download_leaves_no_file(tmp_path):
    target = tmp_path / "part.csv"
    with pytest.raises(OSError, match="connection reset"):
        s3io.download(BrokenS3(), "lab-data", "train/part.csv", 12, target)
    assert list(tmp_path.iterdir()) == []
