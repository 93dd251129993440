"""S3's error documents name what went wrong (``BucketName``, ``Key``, ``Condition``,
``UploadId``, ``ArgumentName``/``ArgumentValue``...), and the validations S3 makes before
it acts answer with its codes and texts."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[dict, int]:
    response = excinfo.value.response
    return response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_missing_bucket_key_and_version_are_named(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_location(Bucket="no-such-bucket-here")
    error, status = _error(excinfo)
    assert (error["Code"], error["BucketName"], status) == ("NoSuchBucket", "no-such-bucket-here", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="missing")
    assert _error(excinfo)[0]["Key"] == "missing"
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_policy(Bucket=bucket)
    assert _error(excinfo)[0]["BucketName"] == bucket


def test_version_ids_are_checked_before_they_are_looked_up(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    # A bucket never versioned knows only the "null" version.
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", VersionId="HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD")
    error, status = _error(excinfo)
    assert (error["Code"], error["ArgumentName"], status) == ("InvalidArgument", "versionId", 400)
    assert error["Message"] == "Invalid version id specified"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"y")["VersionId"]
    assert len(version) == 32 and all(c.isascii() and (c.isalnum() or c in "._") for c in version)
    s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    with pytest.raises(ClientError) as excinfo:  # well formed, but gone
        s3.get_object(Bucket=bucket, Key="k", VersionId=version)
    error, status = _error(excinfo)
    assert (error["Code"], error["Key"], error["VersionId"], status) == ("NoSuchVersion", "k", version, 404)
    with pytest.raises(ClientError) as excinfo:  # mistyped: not an id S3 could have issued
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version[:-4] + "ABCD")
    assert _error(excinfo)[0]["Code"] == "InvalidArgument"
    batch = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": "x" * 32}]})
    assert batch["Errors"][0]["Code"] == "NoSuchVersion"


def test_delete_markers_refuse_methods(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    error, status = _error(excinfo)
    assert (error["Code"], error["Method"], error["ResourceType"], status) == (
        "MethodNotAllowed", "GET", "DeleteMarker", 405)
    with pytest.raises(ClientError) as excinfo:  # the current version is the marker
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": []})
    assert (_error(excinfo)[0]["Method"], _error(excinfo)[1]) == ("PUT", 405)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k")
    assert (_error(excinfo)[0]["Code"], _error(excinfo)[1]) == ("NoSuchKey", 404)


def test_conditions_are_named(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", IfMatch='"0000"')
    assert _error(excinfo)[0]["Condition"] == "If-Match"
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="c", CopySource=f"{bucket}/k", CopySourceIfNoneMatch=etag)
    assert _error(excinfo)[0]["Condition"] == "x-amz-copy-source-If-None-Match"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"y", IfMatch="*")
    error, status = _error(excinfo)
    assert (error["Code"], error["Header"], status) == ("NotImplemented", "If-Match", 501)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"y", IfMatch=etag, IfNoneMatch="*")
    assert _error(excinfo)[0]["Header"] == "If-Match,If-None-Match"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="new", Body=b"y", IfMatch=etag)
    assert _error(excinfo)[0]["Key"] == "new"


def test_ranges_and_parts_name_the_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345678")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", Range="bytes=100-200")
    error, status = _error(excinfo)
    assert (error["ActualObjectSize"], error["RangeRequested"], status) == ("8", "bytes=100-200", 416)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=2)
    error, status = _error(excinfo)
    assert (error["Code"], error["ActualPartCount"], error["PartNumberRequested"], status) == (
        "InvalidPartNumber", "1", "2", 416)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=1, Range="bytes=0-1")
    assert _error(excinfo)[0]["Message"] == "Cannot specify both Range header and partNumber query parameter"


def test_expected_bucket_owner_must_be_an_account_id(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_versioning(Bucket=bucket, ExpectedBucketOwner="abcd")
    error, status = _error(excinfo)
    assert (error["Code"], status) == ("InvalidBucketOwnerAWSAccountID", 400)
    assert error["Message"] == "The value of the expected bucket owner parameter must be an AWS Account ID... [abcd]"
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_versioning(Bucket=bucket, ExpectedBucketOwner="111122223333")
    assert _error(excinfo)[1] == 403


def test_acl_values_are_validated(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, ACL="fake-acl")
    error, _ = _error(excinfo)
    assert (error["Code"], error["ArgumentName"], error["ArgumentValue"]) == ("InvalidArgument", "x-amz-acl", "fake-acl")
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, GrantWrite='uri="http://acs.amazonaws.com/groups/s3/Nobody"')
    assert (_error(excinfo)[0]["Message"], _error(excinfo)[0]["ArgumentName"]) == ("Invalid group uri", "uri")
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, GrantWrite='nickname="me"')
    assert _error(excinfo)[0]["ArgumentName"] == "x-amz-grant-write"
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, ACL="private", GrantRead='id="' + "a" * 64 + '"')
    assert _error(excinfo)[0]["Code"] == "InvalidRequest"
    owner = s3.list_buckets()["Owner"]
    assert "DisplayName" not in owner  # AWS no longer sends it
    with pytest.raises(ClientError) as excinfo:  # no owner
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Grants": []})
    assert _error(excinfo)[0]["Code"] == "MalformedACLError"
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": {"ID": "wrong-id"}, "Grants": []})
    assert _error(excinfo)[0]["ArgumentName"] == "CanonicalUser/ID"
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}]})
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"][0]["Permission"] == "WRITE"


def test_bucket_creation_checks_location_and_ownership(aws_client, s3):
    west = aws_client("s3", region="us-west-1", config=Config(s3={"addressing_style": "path"}))
    with pytest.raises(ClientError) as excinfo:
        west.create_bucket(Bucket="loc-test-1", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    error, _ = _error(excinfo)
    assert error["Code"] == "IllegalLocationConstraintException"
    assert error["Message"].startswith("The us-east-1 location constraint is incompatible")
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket="loc-test-2", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert _error(excinfo)[0]["LocationConstraint"] == "us-east-1"
    s3.create_bucket(Bucket="loc-test-3", CreateBucketConfiguration={"LocationConstraint": "EU"})
    assert s3.get_bucket_location(Bucket="loc-test-3")["LocationConstraint"] == "EU"
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket="loc-test-4", ObjectOwnership="Anyone")
    assert _error(excinfo)[0]["ArgumentName"] == "x-amz-object-ownership"
    with pytest.raises(ClientError) as excinfo:
        s3.list_buckets(BucketRegion="eu-east-1")
    assert _error(excinfo)[0]["Message"] == "Argument value eu-east-1 is not a valid AWS Region"


def test_object_lock_configuration_schema(s3):
    s3.create_bucket(Bucket="lock-schema", ObjectLockEnabledForBucket=True)
    for config in (
        {"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}},  # not enabled
        {"ObjectLockEnabled": "Enabled", "Rule": {}},
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE"}}},
        {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}},
    ):
        with pytest.raises(ClientError) as excinfo:
            s3.put_object_lock_configuration(Bucket="lock-schema", ObjectLockConfiguration=config)
        assert _error(excinfo)[0]["Code"] == "MalformedXML", config
    s3.put_object(Bucket="lock-schema", Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:  # a mode needs its date
        s3.put_object_retention(Bucket="lock-schema", Key="k", Retention={"Mode": "GOVERNANCE"})
    assert _error(excinfo)[0]["Code"] == "MalformedXML"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(Bucket="lock-schema", Key="k", Retention={
            "Mode": "GOVERNANCE", "RetainUntilDate": datetime(2019, 12, 31, 23, 59, tzinfo=timezone.utc)})
    error, _ = _error(excinfo)
    assert (error["ArgumentName"], error["ArgumentValue"]) == ("RetainUntilDate", "Tue Dec 31 15:59:00 PST 2019")


def test_bypass_governance_needs_a_lock_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket=bucket, Key="k", BypassGovernanceRetention=False)
    assert _error(excinfo)[0]["ArgumentName"] == "x-amz-bypass-governance-retention"


def test_content_md5_errors_carry_the_digests(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ContentMD5="MTIz")
    assert (_error(excinfo)[0]["Code"], _error(excinfo)[0]["Content-MD5"]) == ("InvalidDigest", "MTIz")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ContentMD5=wrong)
    error, _ = _error(excinfo)
    assert error["CalculatedDigest"] == base64.b64encode(hashlib.md5(b"x").digest()).decode()
    assert error["ExpectedDigest"] == hashlib.md5(b"other").hexdigest()


def test_sse_c_keys_are_checked(s3, bucket):
    key = b"k" * 32
    key_b64 = base64.b64encode(key).decode()
    md5 = base64.b64encode(hashlib.md5(key).digest()).decode()
    put = s3.put_object(Bucket=bucket, Key="enc", Body=b"secret", SSECustomerAlgorithm="AES256",
                        SSECustomerKey=key_b64, SSECustomerKeyMD5=md5)
    assert put["SSECustomerKeyMD5"] == md5 and "ServerSideEncryption" not in put
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="enc")
    assert _error(excinfo)[0]["Code"] == "InvalidRequest"
    other = b"o" * 32
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="enc", SSECustomerAlgorithm="AES256",
                      SSECustomerKey=base64.b64encode(other).decode(),
                      SSECustomerKeyMD5=base64.b64encode(hashlib.md5(other).digest()).decode())
    assert _error(excinfo)[1] == 403
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="enc", SSECustomerAlgorithm="KMS", SSECustomerKey=key_b64,
                      SSECustomerKeyMD5=md5)
    assert _error(excinfo)[0]["Code"] == "InvalidEncryptionAlgorithmError"
    got = s3.get_object(Bucket=bucket, Key="enc", SSECustomerAlgorithm="AES256", SSECustomerKey=key_b64,
                        SSECustomerKeyMD5=md5)
    assert got["Body"].read() == b"secret"
    with pytest.raises(ClientError) as excinfo:  # a 10-byte key is no AES256 key
        short = b"k" * 10
        s3.put_object(Bucket=bucket, Key="enc2", Body=b"x", SSECustomerAlgorithm="AES256",
                      SSECustomerKey=base64.b64encode(short).decode(),
                      SSECustomerKeyMD5=base64.b64encode(hashlib.md5(short).digest()).decode())
    assert _error(excinfo)[0]["Message"] == "The secret key was invalid for the specified algorithm."


def test_future_if_modified_since_is_ignored(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["ETag"]
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert s3.get_object(Bucket=bucket, Key="k", IfModifiedSince=future)["ETag"] == etag


def test_kms_keys_are_asked_of_kms(s3, bucket, aws_client):
    kms = aws_client("kms")
    key = kms.create_key()["KeyMetadata"]
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["KeyId"])
    assert put["SSEKMSKeyId"] == key["Arn"]  # S3 names the key by its ARN
    managed = s3.put_object(Bucket=bucket, Key="m", Body=b"x", ServerSideEncryption="aws:kms")["SSEKMSKeyId"]
    assert managed == kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="fake-key-id")
    error, status = _error(excinfo)
    assert (error["Code"], error["Message"], status) == ("KMS.NotFoundException", "Invalid keyId 'fake-key-id'", 400)
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k")
    assert (_error(excinfo)[0]["Code"], _error(excinfo)[0]["Message"]) == (
        "KMS.DisabledException", f"{key['Arn']} is disabled.")


def test_an_upload_part_bad_digest_shows_the_md5_as_sent(s3, bucket):
    """UploadPart's BadDigest gives the expected Content-MD5 in base64, as it was sent
    (PutObject's gives it in hex)."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=bucket, Key="multi", UploadId=upload, PartNumber=1, Body=b"x", ContentMD5=wrong)
    error, _ = _error(excinfo)
    assert (error["Code"], error["ExpectedDigest"]) == ("BadDigest", wrong)
