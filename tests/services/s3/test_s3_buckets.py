import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_head_list_delete(s3):
    s3.create_bucket(Bucket="alpha-bucket")
    s3.create_bucket(Bucket="beta-bucket")
    assert s3.head_bucket(Bucket="alpha-bucket")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    listed = s3.list_buckets()
    assert [b["Name"] for b in listed["Buckets"]] == ["alpha-bucket", "beta-bucket"]
    assert listed["Owner"]["ID"]
    s3.delete_bucket(Bucket="alpha-bucket")
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket="alpha-bucket")
    assert excinfo.value.response["Error"]["Code"] == "404"
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket="alpha-bucket")
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == ("NoSuchBucket", "The specified bucket does not exist", 404)


def test_list_buckets_pagination_and_prefix(s3):
    for name in ("page-a", "page-b", "page-c", "other-x"):
        s3.create_bucket(Bucket=name)
    first = s3.list_buckets(MaxBuckets=2, Prefix="page-")
    assert [b["Name"] for b in first["Buckets"]] == ["page-a", "page-b"]
    assert first["Prefix"] == "page-"
    second = s3.list_buckets(MaxBuckets=2, Prefix="page-", ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in second["Buckets"]] == ["page-c"]
    assert "ContinuationToken" not in second


def test_already_owned_and_already_exists(s3, aws_client):
    eu = aws_client("s3", region="eu-west-1")
    eu.create_bucket(Bucket="mine-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as excinfo:
        eu.create_bucket(Bucket="mine-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    error, status = _err(excinfo)
    assert error["Code"] == "BucketAlreadyOwnedByYou" and status == 409
    assert error["Message"] == "Your previous request to create the named bucket succeeded and you already own it."
    # us-east-1 answers a repeated create of your own bucket with success
    s3.create_bucket(Bucket="mine-us")
    s3.create_bucket(Bucket="mine-us")
    other = aws_client("s3", aws_access_key_id="111122223333")
    with pytest.raises(ClientError) as excinfo:
        other.create_bucket(Bucket="mine-us")
    error, status = _err(excinfo)
    assert error["Code"] == "BucketAlreadyExists" and status == 409
    assert error["Message"].startswith("The requested bucket name is not available.")
    # the other account sees none of our buckets
    assert other.list_buckets()["Buckets"] == []


def test_location_constraints(s3, aws_client):
    west = aws_client("s3", region="us-west-2")
    with pytest.raises(ClientError) as excinfo:
        west.create_bucket(Bucket="no-constraint")
    error, status = _err(excinfo)
    assert error["Code"] == "IllegalLocationConstraintException" and status == 400
    assert error["Message"] == (
        "The unspecified location constraint is incompatible for the region specific endpoint "
        "this request was sent to."
    )
    with pytest.raises(ClientError) as excinfo:
        west.create_bucket(Bucket="wrong-constraint", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert _err(excinfo)[0]["Message"] == (
        "The eu-west-1 location constraint is incompatible for the region specific endpoint this "
        "request was sent to."
    )
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket="explicit-us", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert _err(excinfo)[0]["Code"] == "InvalidLocationConstraint"
    west.create_bucket(Bucket="west-bucket", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert s3.get_bucket_location(Bucket="west-bucket")["LocationConstraint"] == "us-west-2"
    s3.create_bucket(Bucket="east-bucket")
    assert s3.get_bucket_location(Bucket="east-bucket")["LocationConstraint"] is None
    assert [b["BucketRegion"] for b in s3.list_buckets(BucketRegion="us-west-2")["Buckets"]] == ["us-west-2"]


@pytest.mark.parametrize("name", ["ab", "UPPER-case", "a..b", "192.168.1.1", "xn--bucket", "bucket-", "bucket-s3alias", "a" * 64])
def test_invalid_bucket_names(s3, name):
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name)
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("InvalidBucketName", 400)
    assert error["Message"] == "The specified bucket is not valid."


def test_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=bucket)
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == ("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)


def test_virtual_host_addressing(s3_virtual, s3):
    s3_virtual.create_bucket(Bucket="virtual-bucket")
    s3_virtual.put_object(Bucket="virtual-bucket", Key="dir/file.txt", Body=b"hello")
    assert s3.get_object(Bucket="virtual-bucket", Key="dir/file.txt")["Body"].read() == b"hello"
    assert s3_virtual.get_object(Bucket="virtual-bucket", Key="dir/file.txt")["Body"].read() == b"hello"
    keys = [o["Key"] for o in s3_virtual.list_objects_v2(Bucket="virtual-bucket")["Contents"]]
    assert keys == ["dir/file.txt"]


def test_expected_bucket_owner(s3, bucket):
    assert s3.head_bucket(Bucket=bucket, ExpectedBucketOwner="000000000000")
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_versioning(Bucket=bucket, ExpectedBucketOwner="111122223333")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("AccessDenied", 403)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError):
        s3.copy_object(Bucket=bucket, Key="k2", CopySource=f"{bucket}/k", ExpectedSourceBucketOwner="111122223333")
    s3.copy_object(Bucket=bucket, Key="k2", CopySource=f"{bucket}/k", ExpectedSourceBucketOwner="000000000000")


def test_create_bucket_location(s3, aws_client):
    assert s3.create_bucket(Bucket="loc-us")["Location"] == "/loc-us"
    eu = aws_client("s3", region="eu-west-1")
    created = eu.create_bucket(Bucket="loc-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert created["Location"] == "http://loc-eu.s3.amazonaws.com/"
