"""Values S3 checks before it acts: unknown header values and schema enumerations are
refused with S3's codes (they were stored, or crashed the copy, before)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"].get("Message", ""), response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def locked(s3) -> str:
    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True)
    return "locked-bucket"


def test_copy_object_refuses_unknown_directives_and_checksum_algorithm(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"data")
    source = f"{bucket}/src"
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, MetadataDirective="MOVE")
    assert _error(excinfo) == ("InvalidArgument", "Unknown metadata directive.", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, TaggingDirective="MOVE")
    assert _error(excinfo) == ("InvalidArgument", "Unknown tagging directive.", 400)
    with pytest.raises(ClientError) as excinfo:  # was a 500: no hasher for the name
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, ChecksumAlgorithm="CRC99")
    assert _error(excinfo) == ("InvalidRequest", "Value for x-amz-checksum-algorithm header is invalid.", 400)
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, ChecksumAlgorithm="SHA256",
                            MetadataDirective="REPLACE", TaggingDirective="REPLACE")
    assert copied["CopyObjectResult"]["ChecksumSHA256"]


def test_writes_refuse_unknown_storage_class_and_encryption(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="COLD")
    assert _error(excinfo) == ("InvalidStorageClass", "The storage class you specified is not valid", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ServerSideEncryption="rot13")
    assert _error(excinfo) == ("InvalidArgument", "The encryption method specified is not supported", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumType="PARTIAL")
    assert _error(excinfo) == ("InvalidRequest", "Value for x-amz-checksum-type header is invalid.", 400)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, ChecksumType="PARTIAL",
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert _error(excinfo) == ("InvalidRequest", "Value for x-amz-checksum-type header is invalid.", 400)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_object_lock_values_are_checked(s3, locked):
    future = datetime.now(timezone.utc) + timedelta(days=1)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="FOREVER",
                      ObjectLockRetainUntilDate=future)
    assert _error(excinfo) == ("InvalidArgument", "Unknown wormMode directive.", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockLegalHoldStatus="MAYBE")
    assert _error(excinfo) == ("InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=locked, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=datetime(2001, 1, 1, tzinfo=timezone.utc))
    assert _error(excinfo) == ("InvalidArgument", "The retain until date must be in the future!", 400)
    s3.put_object(Bucket=locked, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(Bucket=locked, Key="k", Retention={
            "Mode": "GOVERNANCE", "RetainUntilDate": datetime(2001, 1, 1, tzinfo=timezone.utc)})
    assert _error(excinfo) == ("InvalidArgument", "The retain until date must be in the future!", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(Bucket=locked, Key="k", Retention={"Mode": "FOREVER", "RetainUntilDate": future})
    assert _error(excinfo)[0] == "MalformedXML"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_legal_hold(Bucket=locked, Key="k", LegalHold={"Status": "MAYBE"})
    assert _error(excinfo)[0] == "MalformedXML"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "FOREVER", "Days": 1}}})
    assert _error(excinfo)[0] == "MalformedXML"
    # nothing of the above was stored
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_retention(Bucket=locked, Key="k")
    assert _error(excinfo)[0] == "NoSuchObjectLockConfiguration"
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}


@pytest.mark.parametrize("operation, params", [
    ("put_bucket_accelerate_configuration", {"AccelerateConfiguration": {"Status": "Paused"}}),
    ("put_bucket_request_payment", {"RequestPaymentConfiguration": {"Payer": "Nobody"}}),
    ("put_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "Anyone"}]}}),
    ("put_bucket_lifecycle_configuration", {"LifecycleConfiguration": {"Rules": [
        {"ID": "r", "Status": "Sometimes", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]}}),
    ("put_bucket_website", {"WebsiteConfiguration": {"RedirectAllRequestsTo": {"HostName": "example.com",
                                                                               "Protocol": "gopher"}}}),
])
def test_configuration_enumerations_are_schema_checked(s3, bucket, operation, params):
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, operation)(Bucket=bucket, **params)
    assert _error(excinfo) == (
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema", 400)


def test_acl_grant_with_unknown_permission(s3, bucket):
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "EVERYTHING"}]})
    assert _error(excinfo)[0:3:2] == ("MalformedACLError", 400)
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "READ"}]})
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"][0]["Permission"] == "READ"


def test_listings_refuse_unknown_encoding_and_encode_upload_keys(s3, bucket):
    for operation in ("list_objects", "list_objects_v2", "list_object_versions", "list_multipart_uploads"):
        with pytest.raises(ClientError) as excinfo:
            getattr(s3, operation)(Bucket=bucket, EncodingType="base64")
        assert _error(excinfo) == ("InvalidArgument", "Invalid Encoding Method specified in Request", 400)
    s3.create_multipart_upload(Bucket=bucket, Key="a key+plus")
    # asked for explicitly, botocore leaves the encoded keys as S3 sent them
    listed = s3.list_multipart_uploads(Bucket=bucket, EncodingType="url")
    assert listed["EncodingType"] == "url"
    assert [u["Key"] for u in listed["Uploads"]] == ["a+key%2Bplus"]
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ["a key+plus"]


def test_get_object_attributes_refuses_unknown_attribute(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Colour"])
    assert _error(excinfo) == ("InvalidArgument", "Invalid attribute name specified.", 400)
    assert s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])["ObjectSize"] == 1


def test_restore_request_type_outside_the_schema(s3, bucket):
    s3.put_object(Bucket=bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    with pytest.raises(ClientError) as excinfo:
        s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 1, "Type": "QUERY"})
    assert _error(excinfo)[0] == "MalformedXML"
    assert s3.restore_object(Bucket=bucket, Key="cold", RestoreRequest={"Days": 1})["ResponseMetadata"]["HTTPStatusCode"] == 202
