"""Multipart uploads as S3 answers them: the "null" checksum mode of an upload without an
algorithm, conditional completion, part reads (206, PartsCount), listing markers, and the
shapes of list answers (timestamps with milliseconds, no Owner display name)."""

from __future__ import annotations

import pytest
import urllib3
from botocore.exceptions import ClientError

MIB5 = 5 * 1024 * 1024
HTTP = urllib3.PoolManager()


def _http(method: str, url: str, headers: dict | None = None) -> urllib3.BaseHTTPResponse:
    return HTTP.request(method, url, headers=headers or {}, timeout=10, retries=False)


def _error(excinfo) -> tuple[dict, int]:
    response = excinfo.value.response
    return response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]


def _upload(s3, bucket, key, bodies, **create):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    parts = []
    for number, body in enumerate(bodies, 1):
        extra = {"ChecksumAlgorithm": create["ChecksumAlgorithm"]} if "ChecksumAlgorithm" in create else {}
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body, **extra)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    return upload_id, parts


def test_upload_without_algorithm_has_no_checksum_mode(s3, bucket):
    created = s3.create_multipart_upload(Bucket=bucket, Key="k")
    assert "ChecksumType" not in created and "ChecksumAlgorithm" not in created
    upload_id = created["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"abc",
                          ChecksumAlgorithm="CRC32C")
    assert "ChecksumCRC32C" in part  # the client's own checksum comes back
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert "ChecksumType" not in listed and "ChecksumCRC32C" not in listed["Parts"][0]
    uploads = s3.list_multipart_uploads(Bucket=bucket)
    assert "ChecksumAlgorithm" not in uploads["Uploads"][0] and "DisplayName" not in uploads["Uploads"][0]["Owner"]
    with pytest.raises(ClientError) as excinfo:  # no part checksums to match
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32C": part["ChecksumCRC32C"]}]})
    error, _ = _error(excinfo)
    assert (error["Code"], error["PartNumber"], error["UploadId"]) == ("InvalidPart", "1", upload_id)
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, ChecksumType="FULL_OBJECT",
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert "created using the null checksum mode" in _error(excinfo)[0]["Message"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ChecksumType"] == "FULL_OBJECT" and "ChecksumCRC64NVME" in done
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert _error(excinfo)[0]["UploadId"] == upload_id


def test_checksum_type_needs_an_algorithm(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumType="FULL_OBJECT")
    assert _error(excinfo)[0]["Message"] == (
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")


def test_part_reads_and_parts_count(s3, bucket):
    upload_id, parts = _upload(s3, bucket, "big", [b"a" * MIB5, b"tail"], ChecksumAlgorithm="CRC32C",
                               ChecksumType="COMPOSITE")
    s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="big")
    part = s3.get_object(Bucket=bucket, Key="big", PartNumber=2, ChecksumMode="ENABLED")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert (part["PartsCount"], part["ContentRange"], part["Body"].read()) == (2, f"bytes {MIB5}-{MIB5 + 3}/{MIB5 + 4}", b"tail")
    assert part["ChecksumType"] == "COMPOSITE" and part["ChecksumCRC32C"]
    attributes = s3.get_object_attributes(Bucket=bucket, Key="big", ObjectAttributes=["ObjectParts"])
    assert attributes["ObjectParts"]["TotalPartsCount"] == 2 and len(attributes["ObjectParts"]["Parts"]) == 2
    s3.put_object(Bucket=bucket, Key="small", Body=b"12345678")
    whole = s3.get_object(Bucket=bucket, Key="small", PartNumber=1)
    assert (whole["ContentRange"], "PartsCount" in whole) == ("bytes 0-7/8", False)


def test_full_object_parts_are_not_listed(s3, bucket):
    upload_id, parts = _upload(s3, bucket, "f", [b"a" * MIB5, b"b"], ChecksumAlgorithm="CRC32",
                               ChecksumType="FULL_OBJECT")
    s3.complete_multipart_upload(Bucket=bucket, Key="f", UploadId=upload_id, MultipartUpload={"Parts": parts})
    attributes = s3.get_object_attributes(Bucket=bucket, Key="f", ObjectAttributes=["ObjectParts"])
    assert attributes["ObjectParts"] == {"TotalPartsCount": 2}
    part = s3.get_object(Bucket=bucket, Key="f", PartNumber=1, ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in part


def test_small_parts_name_the_part(s3, bucket):
    upload_id, parts = _upload(s3, bucket, "k", [b"a", b"b"])
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts})
    error, _ = _error(excinfo)
    assert (error["Code"], error["PartNumber"], error["ProposedSize"]) == ("EntityTooSmall", "1", "1")
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert _error(excinfo)[0]["Message"] == "You must specify at least one part"


def test_conditional_completion_sees_writes_made_meanwhile(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["ETag"]
    upload_id, parts = _upload(s3, bucket, "k", [b"two"])
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")  # same content, but a new write
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, IfMatch=etag,
                                     MultipartUpload={"Parts": parts})
    error, status = _error(excinfo)
    assert (error["Code"], error["Condition"], error["Key"], status) == (
        "ConditionalRequestConflict", "If-Match", "k", 409)
    upload_id, parts = _upload(s3, bucket, "k", [b"three"])
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id, IfMatch=etag,
                                        MultipartUpload={"Parts": parts})
    assert done["ETag"].endswith('-1"')


def test_multipart_listing_markers(s3, bucket):
    first = s3.create_multipart_upload(Bucket=bucket, Key="a")["UploadId"]
    second = s3.create_multipart_upload(Bucket=bucket, Key="a")["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["UploadId"] for u in listed["Uploads"]] == [first, second]
    assert (listed["NextKeyMarker"], listed["NextUploadIdMarker"], "Prefix" in listed) == ("a", second, False)
    after = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a", UploadIdMarker=first)
    assert [u["UploadId"] for u in after["Uploads"]] == [second]
    with pytest.raises(ClientError) as excinfo:
        s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b", UploadIdMarker=first)
    assert _error(excinfo)[0]["ArgumentName"] == "upload-id-marker"
    empty = s3.list_parts(Bucket=bucket, Key="a", UploadId=first)
    assert empty["NextPartNumberMarker"] == 0


def test_copy_source_range_is_checked(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    for text, code in (("0-8", "InvalidArgument"), ("bytes=1-0", "InvalidArgument"),
                       ("bytes=0-100", "InvalidArgument"), ("bytes=100-200", "InvalidRequest")):
        with pytest.raises(ClientError) as excinfo:
            s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                CopySource=f"{bucket}/src", CopySourceRange=text)
        assert _error(excinfo)[0]["Code"] == code, text
    copied = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                 CopySource=f"{bucket}/src", CopySourceRange="bytes=0-3")
    assert "ChecksumCRC64NVME" not in copied["CopyPartResult"] and copied["ServerSideEncryption"] == "AES256"


def test_listings_answer_as_s3_does(s3, bucket, endpoint):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    versions = s3.list_object_versions(Bucket=bucket)
    assert versions["VersionIdMarker"] == "" and "DisplayName" not in versions["Versions"][0]["Owner"]
    with pytest.raises(ClientError) as excinfo:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker=versions["Versions"][0]["VersionId"])
    assert _error(excinfo)[0]["ArgumentName"] == "version-id-marker"
    listed = s3.list_objects_v2(Bucket=bucket)
    assert listed["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    raw = _http("GET", f"{endpoint}/{bucket}?list-type=2").data
    assert b".000Z</LastModified>" in raw
    buckets = s3.list_buckets()["Buckets"]
    assert {b["BucketArn"] for b in buckets} >= {f"arn:aws:s3:::{bucket}"}
    assert s3.head_bucket(Bucket=bucket)["BucketArn"] == f"arn:aws:s3:::{bucket}"
    with pytest.raises(ClientError) as excinfo:
        s3.list_objects_v2(Bucket=bucket, EncodingType="base64")
    assert (_error(excinfo)[0]["ArgumentName"], _error(excinfo)[0]["ArgumentValue"]) == ("encoding-type", "base64")


def test_cors_without_rules(s3, bucket, endpoint):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = f"{endpoint}/{bucket}/k"
    no_origin = _http("OPTIONS", url)
    assert no_origin.status == 400 and b"<Code>BadRequest</Code>" in no_origin.data
    no_rules = _http("OPTIONS", url, {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"})
    assert no_rules.status == 403 and b"CORS is not enabled for this bucket" in no_rules.data
    got = _http("GET", url, {"Origin": "https://a.example"})
    assert not [h for h in got.headers if h.lower().startswith("access-control")]
    assert got.headers["Server"] == "AmazonS3"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://a.example"], "AllowedMethods": ["GET"]}]})
    got = _http("GET", url, {"Origin": "https://a.example"})
    assert got.headers["Access-Control-Allow-Origin"] == "https://a.example"
    other = _http("GET", url, {"Origin": "https://b.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_website_endpoint(s3, bucket, endpoint):
    port = endpoint.rsplit(":", 1)[1]
    site = f"http://127.0.0.1:{port}"
    host = {"Host": f"{bucket}.s3-website.localhost:{port}"}
    missing = _http("GET", f"{site}/", host)
    assert missing.status == 404 and b"<li>Code: NoSuchWebsiteConfiguration</li>" in missing.data
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/"}}],
    })
    no_error_document = _http("GET", f"{site}/nothing", host)
    assert no_error_document.status == 404
    assert b"An Error Occurred While Attempting to Retrieve a Custom Error Document" in no_error_document.data
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"home", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="error.html", Body=b"oops", ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"docs")
    home = _http("GET", f"{site}/", host)
    assert (home.status, home.data, home.headers["Content-Type"]) == (200, b"home", "text/html")
    assert _http("GET", f"{site}/nothing", host).data == b"oops"
    folder = HTTP.request("GET", f"{site}/docs", headers=host, redirect=False, retries=False)
    assert (folder.status, folder.headers["Location"]) == (302, "/docs/")
    moved = HTTP.request("GET", f"{site}/old/page", headers=host, redirect=False, retries=False)
    assert (moved.status, moved.headers["Location"]) == (301, f"http://{host['Host']}/new/page")
    assert _http("DELETE", f"{site}/", host).status == 405
