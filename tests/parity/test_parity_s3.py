"""S3: a bucket, an object in and out."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.parity


@pytest.fixture
def bucket(aws_client, resource_name, cleanup, require) -> str:
    require("s3", "CreateBucket", "DeleteBucket", "PutObject", "GetObject", "HeadObject", "DeleteObject",
            "ListObjectsV2")
    s3 = aws_client("s3")
    name = resource_name("bucket")
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    cleanup(s3.delete_bucket, Bucket=name)
    return name


def test_put_get_head_list_delete(aws_client, bucket, cleanup) -> None:
    s3 = aws_client("s3")
    body = b"parity bytes"
    put = s3.put_object(Bucket=bucket, Key="dir/a.txt", Body=body, ContentType="text/plain")
    cleanup(s3.delete_object, Bucket=bucket, Key="dir/a.txt")
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dir/a.txt")
    assert got["Body"].read() == body and got["ContentType"] == "text/plain" and got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="dir/a.txt")
    assert head["ContentLength"] == len(body)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert listed["KeyCount"] == 1 and [o["Key"] for o in listed["Contents"]] == ["dir/a.txt"]
    s3.delete_object(Bucket=bucket, Key="dir/a.txt")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_missing_keys(aws_client, bucket) -> None:
    s3 = aws_client("s3")
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=bucket, Key="nope")
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=bucket, Key="nope")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
