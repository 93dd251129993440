"""With --data-dir, buckets, objects (inline and file bodies) and versions survive a restart."""

import os

import boto3
from botocore.config import Config as BotoConfig

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread
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
