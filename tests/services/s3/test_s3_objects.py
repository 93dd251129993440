import base64
import hashlib
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_put_get_head_with_metadata_and_content_headers(s3, bucket):
    body = b"hello world"
    put = s3.put_object(
        Bucket=bucket, Key="docs/a.txt", Body=body, ContentType="text/plain",
        CacheControl="max-age=60", ContentDisposition="attachment", ContentLanguage="en",
        Metadata={"Owner": "me", "note": "plain"},
    )
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="docs/a.txt")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "attachment"
    assert got["ContentLanguage"] == "en"
    assert got["ContentLength"] == len(body)
    assert got["Metadata"]["owner"] == "me"
    assert got["ETag"] == put["ETag"]
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=bucket, Key="docs/a.txt")
    assert head["ContentLength"] == len(body) and head["ETag"] == put["ETag"]
    assert head["ServerSideEncryption"] == "AES256"


def test_default_content_type_and_empty_body(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_missing_key_and_bucket(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="nope")
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == ("NoSuchKey", "The specified key does not exist.", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="nope")
    assert _err(excinfo) [1] == 404
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket="no-such-bucket-here", Key="nope")
    assert _err(excinfo)[0]["Code"] == "NoSuchBucket"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_checksums_stored_and_returned(s3, bucket, algorithm):
    body = b"checksummed body" * 100
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, ChecksumAlgorithm=algorithm)
    member = f"Checksum{algorithm}"
    assert put[member]
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got[member] == put[member]
    assert got["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head[member] == put[member]
    assert member not in s3.head_object(Bucket=bucket, Key="c")
    if algorithm == "SHA256":
        assert put[member] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    if algorithm == "CRC32":
        assert put[member] == base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()


def test_bad_checksum_and_content_md5_refused(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"abc", ChecksumSHA256=base64.b64encode(b"x" * 32).decode())
    error, status = _err(excinfo)
    assert error["Code"] == "BadDigest" and status == 400
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"abc", ContentMD5=base64.b64encode(hashlib.md5(b"xyz").digest()).decode())
    assert _err(excinfo)[0]["Code"] == "BadDigest"
    # nothing was stored
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_ranges(s3, bucket):
    body = bytes(range(256)) * 4
    s3.put_object(Bucket=bucket, Key="r", Body=body)
    part = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20]
    assert part["ContentRange"] == f"bytes 10-19/{len(body)}"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["ContentLength"] == 10
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-5")["Body"].read() == body[-5:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=1000-")["Body"].read() == body[1000:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=1020-5000")["Body"].read() == body[1020:]
    whole = s3.get_object(Bucket=bucket, Key="r", Range="lines=1-2")
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200 and whole["Body"].read() == body
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=5000-6000")
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == ("InvalidRange", "The requested range is not satisfiable", 416)


def test_conditional_reads(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("PreconditionFailed", 412)
    assert error["Message"] == "At least one of the pre-conditions you specified did not hold"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert _err(excinfo)[1] == 304
    future = datetime.now(timezone.utc) + timedelta(days=1)
    past = datetime.now(timezone.utc) - timedelta(days=1)
    # A date in the future is ignored (AWS's answer, recorded): the object is read.
    assert s3.head_object(Bucket=bucket, Key="c", IfModifiedSince=future)["ETag"] == etag
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="c", IfModifiedSince=datetime.now(timezone.utc))
    assert _err(excinfo)[1] == 304
    assert s3.head_object(Bucket=bucket, Key="c", IfModifiedSince=past)["ETag"] == etag
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert _err(excinfo)[1] == 412
    # If-Match true wins over a false If-Unmodified-Since
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)["ETag"] == etag


def test_conditional_writes(s3, bucket):
    s3.put_object(Bucket=bucket, Key="once", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="once", Body=b"second", IfNoneMatch="*")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"
    etag = s3.head_object(Bucket=bucket, Key="once")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="once", Body=b"x", IfMatch='"abc"')
    assert _err(excinfo)[1] == 412
    s3.put_object(Bucket=bucket, Key="once", Body=b"third", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"third"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x", IfMatch=etag)
    assert _err(excinfo)[0]["Code"] == "NoSuchKey"


def test_delete_and_delete_objects(s3, bucket):
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.delete_object(Bucket=bucket, Key="a")["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.delete_object(Bucket=bucket, Key="never-there")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "c"}, {"Key": "zzz"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["b", "c", "zzz"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "q"}], "Quiet": True})
    assert "Deleted" not in quiet


def test_copy_object(s3, bucket):
    s3.create_bucket(Bucket="copy-target")
    src = s3.put_object(Bucket=bucket, Key="src", Body=b"data", ContentType="text/csv", Metadata={"a": "1"}, Tagging="t=1")
    out = s3.copy_object(Bucket="copy-target", Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert out["CopyObjectResult"]["ETag"] == src["ETag"]
    got = s3.get_object(Bucket="copy-target", Key="dst")
    assert got["Body"].read() == b"data"
    assert got["ContentType"] == "text/csv" and got["Metadata"] == {"a": "1"}
    assert s3.get_object_tagging(Bucket="copy-target", Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(
        Bucket=bucket, Key="src", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
        Metadata={"b": "2"}, ContentType="text/plain",
    )
    head = s3.head_object(Bucket=bucket, Key="src")
    assert head["Metadata"] == {"b": "2"} and head["ContentType"] == "text/plain"
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("InvalidRequest", 400)
    assert error["Message"].startswith("This copy request is illegal because it is trying to copy an object to itself")
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src", CopySourceIfMatch='"nope"')
    assert _err(excinfo)[:2] == ({"Code": "PreconditionFailed", "Message": "At least one of the pre-conditions you specified did not hold"}, 412) or _err(excinfo)[1] == 412
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing")
    assert _err(excinfo)[0]["Code"] == "NoSuchKey"


def test_key_too_long(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert _err(excinfo)[0]["Code"] == "KeyTooLongError"


def test_object_tagging_and_acl(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=two")
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]})
    assert _err(excinfo)[0]["Code"] == "BadRequest"
    acl = s3.get_object_acl(Bucket=bucket, Key="t")
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    s3.put_object_acl(Bucket=bucket, Key="t", ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="t")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [g["Grantee"] for g in grants]
    assert s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"] == acl["Owner"]["ID"]


def test_get_object_attributes(s3, bucket):
    s3.put_object(Bucket=bucket, Key="attr", Body=b"12345", ChecksumAlgorithm="SHA256", StorageClass="STANDARD_IA")
    attrs = s3.get_object_attributes(Bucket=bucket, Key="attr", ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "Checksum"])
    assert attrs["ObjectSize"] == 5
    assert attrs["ETag"] == hashlib.md5(b"12345").hexdigest()
    assert attrs["StorageClass"] == "STANDARD_IA"
    assert attrs["Checksum"]["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"12345").digest()).decode()


def test_not_modified_has_no_body_and_keeps_the_connection_usable(s3, bucket, endpoint):
    import urllib3

    etag = s3.put_object(Bucket=bucket, Key="nm", Body=b"payload")["ETag"]
    pool = urllib3.HTTPConnectionPool(endpoint.split("//")[1].split(":")[0], int(endpoint.rsplit(":", 1)[1]), maxsize=1)
    first = pool.request("GET", f"/{bucket}/nm", headers={"If-None-Match": etag})
    assert first.status == 304 and first.data == b""
    second = pool.request("GET", f"/{bucket}/nm")
    assert second.status == 200 and second.data == b"payload"
    assert pool.num_connections == 1


def test_archived_objects_need_a_restore(s3, bucket, cloudtwin):
    s3.put_object(Bucket=bucket, Key="cold", Body=b"frozen", StorageClass="GLACIER")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="cold")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("InvalidObjectState", 403)
    assert error["Message"] == "The operation is not valid for the object's storage class"
    assert s3.head_object(Bucket=bucket, Key="cold")["StorageClass"] == "GLACIER"
    first = s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 2, "GlacierJobParameters": {"Tier": "Expedited"}})
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert s3.head_object(Bucket=bucket, Key="cold")["Restore"] == 'ongoing-request="true"'
    with pytest.raises(ClientError) as excinfo:
        s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 2})
    assert _err(excinfo)[0]["Code"] == "RestoreAlreadyInProgress"
    cloudtwin.client.advance(301)
    assert s3.head_object(Bucket=bucket, Key="cold")["Restore"].startswith('ongoing-request="false", expiry-date=')
    assert s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"frozen"
    cloudtwin.client.advance(3 * 86400)
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="cold")


def test_system_metadata_bytes_come_back_as_sent(s3, bucket):
    """Non-ASCII Cache-Control / Content-Disposition: S3 answers with the bytes it was sent
    (which an HTTP client reads as ISO-8859-1)."""
    s3.put_object(Bucket=bucket, Key="u", Body=b"x", CacheControl="ÄMÄZÕÑ S3",
                  ContentDisposition='attachment; filename="a—é.pdf"')
    got = s3.get_object(Bucket=bucket, Key="u")
    assert got["CacheControl"].encode("latin-1") == "ÄMÄZÕÑ S3".encode("utf-8")
    assert got["ContentDisposition"].encode("latin-1") == 'attachment; filename="a—é.pdf"'.encode("utf-8")
