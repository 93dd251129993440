"""With --data-dir, buckets, objects (inline and file bodies) and versions survive a restart,
and object keys never name paths on disk."""

import json
import os
from pathlib import Path

import boto3
import pytest
from botocore.config import Config as BotoConfig

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread
from cloudtwin.services.s3.blobs import INLINE_MAX
from cloudtwin.state.persistence import FORMAT_VERSION
from cloudtwin.testing.server import free_port


def _client(endpoint):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test", config=BotoConfig(s3={"addressing_style": "path"}),
    )


def test_objects_survive_a_restart(tmp_path):
    data_dir = tmp_path / "state"
    big = os.urandom(300 * 1024)
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data_dir))) as server:
        s3 = _client(server.endpoint)
        s3.create_bucket(Bucket="durable")
        s3.put_bucket_versioning(Bucket="durable", VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket="durable", Key="small", Body=b"tiny", Metadata={"m": "1"})
        first = s3.put_object(Bucket="durable", Key="big", Body=big)["VersionId"]
        s3.put_object(Bucket="durable", Key="big", Body=b"newer")
        s3.close()  # no idle keep-alive connection to wait for at shutdown
    files = list((data_dir / "blobs" / "s3").iterdir())
    assert len(files) == 1  # only the 300 KiB body needed a file; names are generated
    assert all(f.name.isalnum() for f in files)
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data_dir))) as server:
        s3 = _client(server.endpoint)
        assert s3.get_object(Bucket="durable", Key="small")["Metadata"] == {"m": "1"}
        assert s3.get_object(Bucket="durable", Key="big")["Body"].read() == b"newer"
        assert s3.get_object(Bucket="durable", Key="big", VersionId=first)["Body"].read() == big
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="durable")["Contents"]] == ["big", "small"]
        assert s3.get_bucket_versioning(Bucket="durable")["Status"] == "Enabled"
        s3.close()


ESCAPING_KEYS = [
    "../../etc/passwd", "a/../../b", "/leading", "sp ace+plus%25", "\u00fc\u00f1\u00ee/\u20ac", "..", "a//b",
    "../" * 40 + "tmp/escaped", "./.", "blobs/../FORMAT", "state.sqlite",
]
DB_FILES = {"FORMAT", "state.sqlite", "state.sqlite-wal", "state.sqlite-shm",
            "journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"}


@pytest.fixture(scope="module")
def persisted(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("keys") / "state"
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data_dir))) as server:
        s3 = _client(server.endpoint)
        yield s3, data_dir
        s3.close()


@pytest.mark.parametrize("n, key", list(enumerate(ESCAPING_KEYS)))
def test_keys_never_escape(persisted, n, key):
    """Bodies too big to keep inline are files named by generated ids under blobs/s3 — never
    by the key, whatever it holds — and nothing is written beside the data dir."""
    s3, data_dir = persisted
    bucket = f"escape-{n}"
    body = key.encode() + os.urandom(INLINE_MAX + 1000)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]

    files = [p.relative_to(data_dir) for p in data_dir.rglob("*") if p.is_file()]
    blobs = [p for p in files if p.parts[:2] == ("blobs", "s3")]
    assert {str(p) for p in files if p not in blobs} <= DB_FILES
    assert all(len(p.parts) == 3 and p.name.isalnum() and len(p.name) == 32 for p in blobs)
    holding = [p for p in blobs if (data_dir / p).read_bytes() == body]
    assert len(holding) == 1
    assert [p.name for p in data_dir.parent.iterdir()] == ["state"]
    assert not Path("/tmp/escaped").exists() and not (data_dir / "etc").exists()
    assert json.loads((data_dir / "FORMAT").read_text()) == {"format": FORMAT_VERSION}
