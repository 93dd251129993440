import json

import pytest
import urllib3
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})


@pytest.mark.parametrize(
    "put,get,delete,kwargs,code,message",
    [
        ("put_bucket_policy", "get_bucket_policy", "delete_bucket_policy", {"Policy": POLICY},
         "NoSuchBucketPolicy", "The bucket policy does not exist"),
        ("put_bucket_cors", "get_bucket_cors", "delete_bucket_cors",
         {"CORSConfiguration": {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}},
         "NoSuchCORSConfiguration", "The CORS configuration does not exist"),
        ("put_bucket_lifecycle_configuration", "get_bucket_lifecycle_configuration", "delete_bucket_lifecycle",
         {"LifecycleConfiguration": {"Rules": [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "x/"}, "Expiration": {"Days": 1}}]}},
         "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
        ("put_bucket_website", "get_bucket_website", "delete_bucket_website",
         {"WebsiteConfiguration": {"IndexDocument": {"Suffix": "index.html"}}},
         "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
        ("put_bucket_tagging", "get_bucket_tagging", "delete_bucket_tagging",
         {"Tagging": {"TagSet": [{"Key": "team", "Value": "a"}]}}, "NoSuchTagSet", "The TagSet does not exist"),
        ("put_bucket_ownership_controls", "get_bucket_ownership_controls", "delete_bucket_ownership_controls",
         {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
         "OwnershipControlsNotFoundError", "The bucket ownership controls were not found"),
        ("put_public_access_block", "get_public_access_block", "delete_public_access_block",
         {"PublicAccessBlockConfiguration": {
             "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
             "RestrictPublicBuckets": False}},
         "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"),
    ],
)
def test_documents_round_trip(s3, bucket, put, get, delete, kwargs, code, message):
    getattr(s3, put)(Bucket=bucket, **kwargs)
    got = getattr(s3, get)(Bucket=bucket)
    (member, value), = kwargs.items()
    if member == "Policy":
        assert json.loads(got["Policy"]) == json.loads(value)
    elif member in ("OwnershipControls", "PublicAccessBlockConfiguration"):
        assert got[member] == value
    else:
        for name, inner in value.items():
            assert got[name] == inner
    getattr(s3, delete)(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, get)(Bucket=bucket)
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == (code, message, 404)


def test_defaults_of_a_new_bucket(s3, bucket):
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_simple_settings(s3, bucket, aws_client):
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": bucket, "TargetPrefix": "logs/"}})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetPrefix"] == "logs/"
    key = aws_client("kms").create_key()["KeyMetadata"]
    aws_client("kms").create_alias(AliasName="alias/s3-default-test", TargetKeyId=key["KeyId"])
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/s3-default-test"}}]})
    s3.put_object(Bucket=bucket, Key="enc", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="enc")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key["Arn"]
    s3.put_bucket_policy(Bucket=bucket, Policy=POLICY)
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True


def test_malformed_policy(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_policy(Bucket=bucket, Policy="not json")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("MalformedPolicy", 400)


def test_cors_preflight_from_bucket_rules(s3, bucket, endpoint):
    http = urllib3.PoolManager()
    url = f"{endpoint}/{bucket}/some/key"
    headers = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT",
               "Access-Control-Request-Headers": "content-type, x-amz-meta-a"}
    none = http.request("OPTIONS", url, headers=headers)
    assert none.status == 403 and b"CORS is not enabled for this bucket" in none.data
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["PUT", "GET"],
        "AllowedHeaders": ["content-type", "x-amz-meta-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    ok = http.request("OPTIONS", url, headers=headers)
    assert ok.status == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert ok.headers["Access-Control-Allow-Methods"] == "PUT, GET"
    assert ok.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-a"
    assert ok.headers["Access-Control-Max-Age"] == "600"
    assert ok.headers["Access-Control-Expose-Headers"] == "ETag"
    denied = http.request("OPTIONS", url, headers={**headers, "Origin": "https://evil.test"})
    assert denied.status == 403 and b"This CORS request is not allowed" in denied.data
    wrong_method = http.request("OPTIONS", url, headers={**headers, "Access-Control-Request-Method": "DELETE"})
    assert wrong_method.status == 403


def test_lifecycle_expiry_on_the_virtual_clock(s3, bucket, cloudtwin):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
        {"ID": "mpu", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
    ]})
    s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"y")
    s3.create_multipart_upload(Bucket=bucket, Key="pending")
    cloudtwin.client.advance(3600)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/b", "tmp/a"]
    cloudtwin.client.advance(2 * 86400)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/b"]
    cloudtwin.client.advance(86400)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_lifecycle_noncurrent_and_transitions(s3, bucket, cloudtwin):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "nc", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
         "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]},
    ]})
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    current = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    cloudtwin.client.advance(2 * 86400)
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [current]
    cloudtwin.client.advance(31 * 86400)
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == "GLACIER"


def test_object_lock(s3, cloudtwin):
    from datetime import datetime, timedelta, timezone

    s3.create_bucket(Bucket="locked-bucket", ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket="locked-bucket")["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket="locked-bucket")["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    now = datetime.fromtimestamp(cloudtwin.client.now(), timezone.utc)
    version = s3.put_object(Bucket="locked-bucket", Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate=now + timedelta(days=1))["VersionId"]
    retention = s3.get_object_retention(Bucket="locked-bucket", Key="k")["Retention"]
    assert retention["Mode"] == "GOVERNANCE"
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket="locked-bucket", Key="k", VersionId=version)
    assert _err(excinfo)[:2] == ({"Code": "AccessDenied", "Message": "Access Denied because object protected by object lock."}, 403) or _err(excinfo)[1] == 403
    s3.delete_object(Bucket="locked-bucket", Key="k", VersionId=version, BypassGovernanceRetention=True)
    v2 = s3.put_object(Bucket="locked-bucket", Key="h", Body=b"x")["VersionId"]
    s3.put_object_legal_hold(Bucket="locked-bucket", Key="h", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket="locked-bucket", Key="h")["LegalHold"]["Status"] == "ON"
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket="locked-bucket", Key="h", VersionId=v2, BypassGovernanceRetention=True)
    assert _err(excinfo)[1] == 403
    s3.put_object_legal_hold(Bucket="locked-bucket", Key="h", LegalHold={"Status": "OFF"})
    v3 = s3.put_object(Bucket="locked-bucket", Key="c", Body=b"x", ObjectLockMode="COMPLIANCE",
                       ObjectLockRetainUntilDate=now + timedelta(hours=1))["VersionId"]
    with pytest.raises(ClientError):
        s3.delete_object(Bucket="locked-bucket", Key="c", VersionId=v3, BypassGovernanceRetention=True)
    cloudtwin.client.advance(7200)
    s3.delete_object(Bucket="locked-bucket", Key="c", VersionId=v3)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket="locked-bucket", VersioningConfiguration={"Status": "Suspended"})
    assert _err(excinfo)[0]["Code"] == "InvalidBucketState"


def test_object_lock_needs_a_lock_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_retention(Bucket=bucket, Key="k")
    error, status = _err(excinfo)
    assert (error["Code"], error["Message"], status) == ("InvalidRequest", "Bucket is missing Object Lock Configuration", 400)


def test_cors_request_naming_headers_is_matched_like_a_preflight(s3, bucket, endpoint):
    http = urllib3.PoolManager()
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET"],
        "AllowedHeaders": ["x-amz-expected-bucket-owner"]}]})
    url = f"{endpoint}/{bucket}/k"
    plain = http.request("GET", url, headers={"Origin": "https://app.example.com"})
    assert plain.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    allowed = http.request("GET", url, headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Headers": "X-Amz-Expected-Bucket-Owner"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    other = http.request("GET", url, headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Headers": "x-amz-request-payer"})
    assert other.status == 200 and "Access-Control-Allow-Origin" not in other.headers
