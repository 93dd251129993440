"""Direct tests of the response serializers against real service models and real clients.

The vector suite (test_response_vectors.py) covers the protocols shape by shape; these tests
check what matters end to end with botocore clients: the legacy SQS error codes in JSON and
query, S3's error envelope and document roots, streaming payloads, error statuses, caching.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.awsrequest import HeadersDict
from botocore.exceptions import ClientError
from botocore.model import ServiceModel
from botocore.parsers import create_parser

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.query_serializer import QUERY_ERA_XML_NAMES
from cloudtwin.protocol.serializers import get_serializer
from cloudtwin.specs.catalog import ServiceCatalog

from botocore_answers import client_answered_by

RID = "4f6d5a2c-0000-4000-8000-cloudtwin"
NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"


@pytest.fixture(scope="module")
def catalog() -> ServiceCatalog:
    return ServiceCatalog()


# -- SQS: legacy query error codes ----------------------------------------------------------


def test_sqs_json_error_carries_the_legacy_code(catalog: ServiceCatalog) -> None:
    sqs = catalog.service_model("sqs")
    operation = sqs.operation_model("GetQueueUrl")
    error = ServiceError("QueueDoesNotExist", "The specified queue does not exist.")
    response = get_serializer("json").serialize_error(error, sqs, operation, RID)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert response.headers["x-amzn-query-error"] == f"{NON_EXISTENT_QUEUE};Sender"
    assert response.headers["x-amzn-RequestId"] == RID
    assert b'"__type":"QueueDoesNotExist"' in response.body

    client = client_answered_by("sqs", lambda request: response)
    with pytest.raises(client.exceptions.QueueDoesNotExist) as raised:
        client.get_queue_url(QueueName="missing")
    err = raised.value.response["Error"]
    assert err["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert err["Message"] == "The specified queue does not exist."
    assert err["Type"] == "Sender"
    assert raised.value.response["ResponseMetadata"]["RequestId"] == RID


def test_sqs_error_in_query_uses_the_legacy_code(catalog: ServiceCatalog) -> None:
    sqs = catalog.service_model("sqs")
    operation = sqs.operation_model("GetQueueUrl")
    error = ServiceError("QueueDoesNotExist", "The specified queue does not exist.")
    response = get_serializer("query").serialize_error(error, sqs, operation, RID)

    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/xml"
    assert response.body.startswith(
        b'<ErrorResponse xmlns="http://sqs.amazonaws.com/doc/2012-11-05/"><Error>'
        b"<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
    )
    parsed = create_parser("query").parse(
        {"status_code": 400, "headers": HeadersDict(response.headers), "body": response.body},
        operation.output_shape,
    )
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["Message"] == "The specified queue does not exist."
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["ResponseMetadata"]["RequestId"] == RID


def test_sqs_legacy_status_and_code_lookup(catalog: ServiceCatalog) -> None:
    sqs = catalog.service_model("sqs")
    serializer = get_serializer("json")
    invalid = serializer.serialize_error(
        ServiceError("ReceiptHandleIsInvalid", "bad handle"), sqs, None, RID
    )
    assert invalid.status_code == 404
    # A service may also raise the legacy code: it maps back to the shape.
    legacy = serializer.serialize_error(
        ServiceError("AWS.SimpleQueueService.NonExistentQueue", "gone"), sqs, None, RID
    )
    assert b'"__type":"QueueDoesNotExist"' in legacy.body
    assert legacy.headers["x-amzn-query-error"].startswith(f"{NON_EXISTENT_QUEUE};")


# ReceiveMessage as a query-era SDK models it (the wire form AWS documents for SQS's query
# API): flattened <Message>, <Attribute>/<MessageAttribute> entries of <Name> and <Value>.
QUERY_ERA_RECEIVE_MESSAGE = {
    "metadata": {"protocol": "query", "apiVersion": "2012-11-05", "endpointPrefix": "sqs"},
    "operations": {
        "ReceiveMessage": {
            "name": "ReceiveMessage",
            "http": {"method": "POST", "requestUri": "/"},
            "output": {"shape": "ReceiveMessageResult", "resultWrapper": "ReceiveMessageResult"},
        }
    },
    "shapes": {
        "ReceiveMessageResult": {
            "type": "structure",
            "members": {"Messages": {"shape": "MessageList"}},
        },
        "MessageList": {
            "type": "list",
            "member": {"shape": "Message", "locationName": "Message"},
            "flattened": True,
        },
        "Message": {
            "type": "structure",
            "members": {
                "MessageId": {"shape": "String"},
                "Body": {"shape": "String"},
                "Attributes": {"shape": "AttributeMap", "locationName": "Attribute"},
                "MessageAttributes": {
                    "shape": "MessageAttributeMap",
                    "locationName": "MessageAttribute",
                },
            },
        },
        "AttributeMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "Name"},
            "value": {"shape": "String", "locationName": "Value"},
            "flattened": True,
        },
        "MessageAttributeMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "Name"},
            "value": {"shape": "MessageAttributeValue", "locationName": "Value"},
            "flattened": True,
        },
        "MessageAttributeValue": {
            "type": "structure",
            "members": {
                "DataType": {"shape": "String"},
                "BinaryValue": {"shape": "Binary"},
                "StringListValues": {
                    "shape": "StringList",
                    "flattened": True,
                    "locationName": "StringListValue",
                },
            },
        },
        "StringList": {
            "type": "list",
            "member": {"shape": "String", "locationName": "StringListValue"},
        },
        "String": {"type": "string"},
        "Binary": {"type": "blob"},
    },
}

RECEIVED = {
    "Messages": [
        {
            "MessageId": "m-1",
            "ReceiptHandle": "rh-1",
            "Body": "héllo <world> & co",
            "Attributes": {"SentTimestamp": "1700000000000"},
            "MessageAttributes": {
                "Bin": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
                "List": {"DataType": "String", "StringListValues": ["a", "b"]},
            },
        },
        {"MessageId": "m-2", "Body": "second"},
    ]
}


def _check_messages(parsed: dict) -> None:
    first, second = parsed["Messages"]
    assert first["Body"] == "héllo <world> & co"
    assert first["Attributes"] == {"SentTimestamp": "1700000000000"}
    assert first["MessageAttributes"]["Bin"]["BinaryValue"] == b"\x00\xff"
    assert first["MessageAttributes"]["List"]["StringListValues"] == ["a", "b"]
    assert second["MessageId"] == "m-2"


def test_sqs_receive_message_in_json(catalog: ServiceCatalog) -> None:
    operation = catalog.service_model("sqs").operation_model("ReceiveMessage")
    response = get_serializer("json").serialize_result(RECEIVED, operation, RID)
    client = client_answered_by("sqs", lambda request: response)
    _check_messages(client.receive_message(QueueUrl="http://localhost:4566/000000000000/q"))


def test_sqs_receive_message_in_query_has_query_era_names(catalog: ServiceCatalog) -> None:
    operation = catalog.service_model("sqs").operation_model("ReceiveMessage")
    response = get_serializer("query").serialize_result(RECEIVED, operation, RID)
    body = response.body.decode()
    assert "<ReceiveMessageResult><Message><MessageId>m-1</MessageId>" in body
    assert "<Attribute><Name>SentTimestamp</Name><Value>1700000000000</Value></Attribute>" in body
    assert "<StringListValue>a</StringListValue><StringListValue>b</StringListValue>" in body
    old_model = ServiceModel(QUERY_ERA_RECEIVE_MESSAGE).operation_model("ReceiveMessage")
    parsed = create_parser("query").parse(
        {"status_code": 200, "headers": HeadersDict(response.headers), "body": response.body},
        old_model.output_shape,
    )
    _check_messages(parsed)
    assert parsed["ResponseMetadata"]["RequestId"] == RID


def test_query_era_names_match_the_sqs_model(catalog: ServiceCatalog) -> None:
    """Every restored name points at a real member of botocore's SQS model."""
    sqs = catalog.service_model("sqs")
    names = QUERY_ERA_XML_NAMES["sqs"]
    for structure, member in names.flattened:
        assert sqs.shape_for(structure).members[member].type_name in ("list", "map")
    for map_shape in names.entries:
        assert sqs.shape_for(map_shape).type_name == "map"


# -- S3 ---------------------------------------------------------------------------------------


def test_s3_no_such_key(catalog: ServiceCatalog) -> None:
    s3 = catalog.service_model("s3")
    operation = s3.operation_model("GetObject")
    error = ServiceError("NoSuchKey", "The specified key does not exist.")
    response = get_serializer("rest-xml").serialize_error(error, s3, operation, RID)

    assert response.status_code == 404
    assert response.headers["x-amz-request-id"] == RID
    assert response.headers["x-amz-id-2"]
    assert response.headers["Content-Type"] == "application/xml"
    body = response.body.decode()
    assert "<Error><Code>NoSuchKey</Code>" in body
    assert "<Message>The specified key does not exist.</Message>" in body
    assert f"<RequestId>{RID}</RequestId>" in body

    client = client_answered_by("s3", lambda request: response)
    with pytest.raises(client.exceptions.NoSuchKey) as raised:
        client.get_object(Bucket="bucket", Key="missing")
    assert raised.value.response["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
    }
    metadata = raised.value.response["ResponseMetadata"]
    assert metadata["RequestId"] == RID
    assert metadata["HostId"] == response.headers["x-amz-id-2"]


def test_s3_documents_use_s3_root_names_and_namespace(catalog: ServiceCatalog) -> None:
    s3 = catalog.service_model("s3")
    listing = {
        "Name": "bucket",
        "KeyCount": 1,
        "IsTruncated": False,
        "Contents": [
            {
                "Key": "a&b.txt",
                "Size": 3,
                "ETag": '"abc"',
                "LastModified": datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=timezone.utc),
                "StorageClass": "STANDARD",
            }
        ],
    }
    response = get_serializer("rest-xml").serialize_result(
        listing, s3.operation_model("ListObjectsV2"), RID
    )
    assert response.body.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    )
    assert b"<LastModified>2024-05-01T12:00:00.250Z</LastModified>" in response.body

    client = client_answered_by("s3", lambda request: response)
    parsed = client.list_objects_v2(Bucket="bucket")
    assert parsed["Contents"][0]["Key"] == "a&b.txt"
    assert parsed["Contents"][0]["LastModified"] == listing["Contents"][0]["LastModified"]
    assert parsed["KeyCount"] == 1 and parsed["IsTruncated"] is False


def test_s3_get_bucket_location_is_the_root_text(catalog: ServiceCatalog) -> None:
    s3 = catalog.service_model("s3")
    operation = s3.operation_model("GetBucketLocation")
    serializer = get_serializer("rest-xml")
    for region in ("eu-west-1", None):
        response = serializer.serialize_result({"LocationConstraint": region}, operation, RID)
        client = client_answered_by("s3", lambda request: response)
        assert client.get_bucket_location(Bucket="bucket").get("LocationConstraint") == region


def test_s3_get_object_streams_its_payload(catalog: ServiceCatalog) -> None:
    s3 = catalog.service_model("s3")
    operation = s3.operation_model("GetObject")

    async def chunks():
        yield b"hello "
        yield b"world"

    result = {
        "Body": chunks(),
        "ContentLength": 11,
        "ContentType": "text/plain",
        "ETag": '"etag"',
        "LastModified": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "Metadata": {"owner": "me"},
    }
    response = get_serializer("rest-xml").serialize_result(result, operation, RID)
    assert not isinstance(response.body, bytes)
    assert response.headers["Content-Type"] == "text/plain"  # the member's, not a default
    assert response.headers["Last-Modified"] == "Tue, 02 Jan 2024 03:04:05 GMT"
    assert response.headers["x-amz-meta-owner"] == "me"

    client = client_answered_by("s3", lambda request: response)
    parsed = client.get_object(Bucket="bucket", Key="key")
    assert parsed["Body"].read() == b"hello world"
    assert parsed["Metadata"] == {"owner": "me"}
    assert parsed["ContentLength"] == 11


def test_non_ascii_header_values_are_encoded_words(catalog: ServiceCatalog) -> None:
    operation = catalog.service_model("s3").operation_model("HeadObject")
    response = get_serializer("rest-xml").serialize_result(
        {"Metadata": {"title": "café", "note": "line\nbreak", "plain": "ok"}}, operation, RID
    )
    assert response.headers["x-amz-meta-title"] == "=?UTF-8?Q?caf=C3=A9?="
    assert response.headers["x-amz-meta-note"] == "=?UTF-8?Q?line=0Abreak?="
    assert response.headers["x-amz-meta-plain"] == "ok"


def test_header_bytes_go_back_as_they_came(catalog: ServiceCatalog) -> None:
    """A header's bytes, held as ISO-8859-1 text, are written back as the same bytes (S3's
    system metadata); user metadata sent as UTF-8 bytes is the encoded-word of those bytes."""
    operation = catalog.service_model("s3").operation_model("HeadObject")
    sent = "ÄMÄZ é".encode("utf-8").decode("latin-1")  # as the gateway reads the header
    response = get_serializer("rest-xml").serialize_result(
        {"CacheControl": sent, "ContentDisposition": "a\nb", "Metadata": {"title": sent}}, operation, RID
    )
    assert response.headers["Cache-Control"].encode("latin-1") == "ÄMÄZ é".encode("utf-8")
    assert response.headers["Content-Disposition"] == "=?UTF-8?Q?a=0Ab?="
    assert response.headers["x-amz-meta-title"] == "=?UTF-8?Q?=C3=84M=C3=84Z_=C3=A9?="


# -- statuses and error lookup ------------------------------------------------------------------


def test_server_fault_shapes_answer_500(catalog: ServiceCatalog) -> None:
    dynamodb = catalog.service_model("dynamodb")
    response = get_serializer("json").serialize_error(
        ServiceError("InternalServerError", "boom"), dynamodb, None, RID
    )
    assert response.status_code == 500
    assert "x-amzn-query-error" not in response.headers


def test_unknown_error_codes_keep_their_status(catalog: ServiceCatalog) -> None:
    sts = catalog.service_model("sts")
    response = get_serializer("query").serialize_error(
        ServiceError("Throttling", "Rate exceeded", 400), sts, None, RID
    )
    assert response.status_code == 400
    assert b"<Code>Throttling</Code><Message>Rate exceeded</Message>" in response.body
    fault = get_serializer("query").serialize_error(
        ServiceError("InternalFailure", "oops", 503), sts, None, RID
    )
    assert fault.status_code == 503
    assert b"<Type>Receiver</Type>" in fault.body


def test_cbor_query_compatible_error(catalog: ServiceCatalog) -> None:
    cloudwatch = catalog.service_model("cloudwatch")
    response = get_serializer("smithy-rpc-v2-cbor").serialize_error(
        ServiceError("ResourceNotFound", "no dashboard"), cloudwatch, None, RID
    )
    assert response.status_code == 404
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert response.headers["x-amzn-query-error"] == "ResourceNotFound;Sender"


def test_ec2_result_and_error(catalog: ServiceCatalog) -> None:
    ec2 = catalog.service_model("ec2")
    serializer = get_serializer("ec2")
    response = serializer.serialize_result(
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": True}]},
        ec2.operation_model("DescribeVpcs"),
        RID,
    )
    assert b"<requestId>" + RID.encode() + b"</requestId>" in response.body
    client = client_answered_by("ec2", lambda request: response)
    assert client.describe_vpcs()["Vpcs"][0]["IsDefault"] is True

    error = serializer.serialize_error(
        ServiceError("InvalidVpcID.NotFound", "The vpc ID 'vpc-2' does not exist"), ec2, None, RID
    )
    client = client_answered_by("ec2", lambda request: error)
    with pytest.raises(ClientError) as raised:
        client.describe_vpcs(VpcIds=["vpc-2"])
    assert raised.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
    assert raised.value.response["ResponseMetadata"]["RequestId"] == RID


# -- robustness and caching ---------------------------------------------------------------------


def test_a_result_the_model_cannot_describe_is_an_internal_failure(catalog: ServiceCatalog) -> None:
    sqs = catalog.service_model("sqs")
    with pytest.raises(ServiceError) as raised:
        get_serializer("json").serialize_result(
            {"Messages": [{"Body": "x"}, 42]}, sqs.operation_model("ReceiveMessage"), RID
        )
    assert raised.value.code == "InternalFailure"
    assert raised.value.status_code == 500


def test_one_serializer_per_protocol_and_plans_are_reused(catalog: ServiceCatalog) -> None:
    assert get_serializer("json") is get_serializer("json")
    with pytest.raises(ValueError):
        get_serializer("carrier-pigeon")
    serializer = get_serializer("rest-json")
    lambda_model = catalog.service_model("lambda")
    operation = lambda_model.operation_model("GetFunction")
    serializer.serialize_result({"Configuration": {"FunctionName": "f"}}, operation, RID)
    compiled = len(serializer._operation_plans)
    serializer.serialize_result({"Configuration": {"FunctionName": "g"}}, operation, RID)
    assert len(serializer._operation_plans) == compiled
