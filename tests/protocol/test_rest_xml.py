"""restXml parsing beyond the shared vectors: real SDK requests (S3, Route 53, CloudFront)
and malformed input."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sdk_wire import catalog, sent

from cloudtwin.protocol.errors import ProtocolError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser

UTC = timezone.utc


def roundtrip(service: str, operation: str, params: dict) -> dict:
    request, model = sent(service, operation, params)
    parsed = get_parser("rest-xml").parse(request, model)
    # botocore adds members of its own (checksums, lengths, MD5s); compare what was given.
    return {key: parsed[key] for key in params if key in parsed}


def test_s3_acl_with_xsi_type_attributes():
    params = {
        "Bucket": "b",
        "AccessControlPolicy": {
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "READ"},
                {
                    "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                    "Permission": "WRITE",
                },
            ],
            "Owner": {"ID": "abc"},
        },
    }
    assert roundtrip("s3", "PutBucketAcl", params) == params


def test_s3_lifecycle_with_flattened_lists_and_dates():
    params = {
        "Bucket": "b",
        "LifecycleConfiguration": {
            "Rules": [
                {
                    "ID": "r1",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "logs/"},
                    "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=UTC)},
                    "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
                },
                {"ID": "r2", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
            ]
        },
    }
    assert roundtrip("s3", "PutBucketLifecycleConfiguration", params) == params


def test_s3_delete_objects_and_multipart_completion():
    params = {
        "Bucket": "b",
        "Delete": {"Objects": [{"Key": "a & b"}, {"Key": "<c>", "VersionId": "v1"}], "Quiet": True},
    }
    assert roundtrip("s3", "DeleteObjects", params) == params
    params = {
        "Bucket": "b",
        "Key": "big/file",
        "UploadId": "u-1",
        "MultipartUpload": {"Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]},
    }
    assert roundtrip("s3", "CompleteMultipartUpload", params) == params


def test_s3_copy_object_headers():
    params = {
        "Bucket": "b",
        "Key": "k",
        "CopySource": "src/a b",
        "Metadata": {"owner": "me"},
        "MetadataDirective": "REPLACE",
        "CopySourceIfModifiedSince": datetime(2020, 2, 2, 2, 2, 2, tzinfo=UTC),
    }
    parsed = roundtrip("s3", "CopyObject", params)
    assert parsed.pop("CopySource") == "src/a%20b"  # botocore percent-encodes the source
    params.pop("CopySource")
    assert parsed == params


def test_route53_body_with_namespace_and_label():
    params = {
        "HostedZoneId": "Z1",
        "ChangeBatch": {
            "Comment": "c",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "a.example.com",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "1.2.3.4"}],
                    },
                }
            ],
        },
    }
    assert roundtrip("route53", "ChangeResourceRecordSets", params) == params


def test_cloudfront_renamed_list_items():
    params = {
        "DistributionId": "D",
        "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/a", "/b*"]}, "CallerReference": "r"},
    }
    assert roundtrip("cloudfront", "CreateInvalidation", params) == params


# -- malformed input --------------------------------------------------------------------------


def s3(operation: str, path: str, query: str = "", headers=None, body=b""):
    model = catalog().service_model("s3").operation_model(operation)
    request = HttpRequest("PUT", path, query, headers or {}, body)
    return get_parser("rest-xml").parse(request, model)


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging><TagSet><Tag><Key>a</Key>",  # not well-formed
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Tagging>&a;</Tagging>',
    ],
)
def test_unreadable_xml_is_malformed_xml(body):
    with pytest.raises(ProtocolError) as caught:
        s3("PutBucketTagging", "/b", "tagging", body=body)
    assert (caught.value.code, caught.value.status_code) == ("MalformedXML", 400)
    assert caught.value.message.startswith("The XML you provided was not well-formed")


def test_a_bad_value_in_the_body_is_malformed_xml():
    body = (
        b"<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status>"
        b"<Expiration><Days>soon</Days></Expiration></Rule></LifecycleConfiguration>"
    )
    with pytest.raises(ProtocolError) as caught:
        s3("PutBucketLifecycleConfiguration", "/b", "lifecycle", body=body)
    assert (caught.value.code, caught.value.status_code) == ("MalformedXML", 400)


@pytest.mark.parametrize(
    ("operation", "path", "query", "headers"),
    [
        ("PutObject", "/b/k", "", {"content-length": "eleven"}),
        ("PutObject", "/b/k", "", {"x-amz-object-lock-retain-until-date": "someday"}),
        ("PutObject", "/b/k", "", {"x-amz-server-side-encryption-bucket-key-enabled": "perhaps"}),
        ("UploadPart", "/b/k", "partNumber=first&uploadId=u", {}),
        ("ListObjectsV2", "/b", "list-type=2&max-keys=all", {}),
    ],
)
def test_bad_header_and_query_values_are_invalid_arguments(operation, path, query, headers):
    with pytest.raises(ProtocolError) as caught:
        s3(operation, path, query, headers)
    assert (caught.value.code, caught.value.status_code) == ("InvalidArgument", 400)


def test_empty_and_whitespace_bodies_leave_the_payload_out():
    assert s3("PutBucketTagging", "/b", "tagging") == {"Bucket": "b"}
    assert s3("PutBucketTagging", "/b", "tagging", body=b"  \n") == {"Bucket": "b"}
