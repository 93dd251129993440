"""awsQuery and ec2Query parsing beyond the shared vectors: real SDK requests, old SQS
clients, GET requests, and malformed input."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cloudtwin.protocol.errors import ProtocolError
from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser
from cloudtwin.protocol.query import fold

from sdk_wire import catalog, sent

UTC = timezone.utc


def parse(protocol: str, service: str, operation: str, body: str = "", query: str = "", method="POST"):
    model = catalog().service_model(service).operation_model(operation)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    request = HttpRequest(method, "/", query, headers, body.encode("utf-8"))
    return get_parser(protocol).parse(request, model)


def test_fold_builds_a_tree_and_drops_action_and_version():
    tree = fold([("Action", "A"), ("Version", "1"), ("A.B", "x"), ("A.C.1", "y"), ("A", "z")])
    assert tree == {"A": {"B": "x", "C": {"1": "y"}, None: "z"}}


# -- what real SDKs send ----------------------------------------------------------------------


def test_sns_publish_from_botocore():
    params = {
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Message": "hello world & more",
        "MessageAttributes": {
            "colour": {"DataType": "String", "StringValue": "blue"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    }
    request, operation = sent("sns", "Publish", params)
    assert get_parser("query").parse(request, operation) == params


def test_cloudwatch_in_query_from_botocore():
    params = {
        "Namespace": "App",
        "MetricData": [
            {
                "MetricName": "Latency",
                "Dimensions": [{"Name": "Host", "Value": "a"}, {"Name": "Az", "Value": "b"}],
                "Timestamp": datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
                "Values": [1.5, 2.0],
                "Counts": [3.0, 4.0],
                "StorageResolution": 1,
            }
        ],
    }
    request, operation = sent("cloudwatch", "PutMetricData", params, protocol="query")
    assert get_parser("query").parse(request, operation) == params


def test_sqs_over_query_from_botocore_with_the_json_model():
    params = {
        "QueueUrl": "http://localhost:4566/000000000000/q",
        "Entries": [
            {
                "Id": "1",
                "MessageBody": "a+b c",
                "DelaySeconds": 0,
                "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "5"}},
            }
        ],
    }
    request, operation = sent("sqs", "SendMessageBatch", params, protocol="query")
    assert get_parser("query").parse(request, operation) == params


def test_iam_create_user_tags_from_botocore():
    params = {"UserName": "bob", "Path": "/x/", "Tags": [{"Key": "a", "Value": "1"}]}
    request, operation = sent("iam", "CreateUser", params)
    assert get_parser("query").parse(request, operation) == params


def test_old_sqs_sdks_names_are_understood():
    # What SDKs built on the query-era SQS model send: singular, renamed members.
    body = (
        "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fq&MessageBody=hi+there"
        "&MessageAttribute.1.Name=colour&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=blue"
        "&MessageAttribute.2.Name=blob&MessageAttribute.2.Value.DataType=Binary"
        "&MessageAttribute.2.Value.BinaryValue=AAE%3D"
    )
    assert parse("query", "sqs", "SendMessage", body) == {
        "QueueUrl": "http://q",
        "MessageBody": "hi there",
        "MessageAttributes": {
            "colour": {"DataType": "String", "StringValue": "blue"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }
    body = "Action=ReceiveMessage&QueueUrl=q&AttributeName.1=All&MessageAttributeName.1=colour&MaxNumberOfMessages=10"
    assert parse("query", "sqs", "ReceiveMessage", body) == {
        "QueueUrl": "q",
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["colour"],
        "MaxNumberOfMessages": 10,
    }
    body = "Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Tag.1.Key=env&Tag.1.Value=dev"
    assert parse("query", "sqs", "CreateQueue", body) == {
        "QueueName": "q",
        "Attributes": {"DelaySeconds": "5"},
        "tags": {"env": "dev"},
    }
    body = "Action=AddPermission&QueueUrl=q&Label=l&AWSAccountId.1=111&ActionName.1=SendMessage&ActionName.2=*"
    assert parse("query", "sqs", "AddPermission", body) == {
        "QueueUrl": "q",
        "Label": "l",
        "AWSAccountIds": ["111"],
        "Actions": ["SendMessage", "*"],
    }
    body = "Action=DeleteMessageBatch&QueueUrl=q&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r"
    assert parse("query", "sqs", "DeleteMessageBatch", body) == {
        "QueueUrl": "q",
        "Entries": [{"Id": "a", "ReceiptHandle": "r"}],
    }


def test_lists_and_maps_wrapped_or_not_whatever_the_model_says():
    body = "QueueUrl=q&AttributeNames.member.1=All&AttributeNames.member.2=Policy"
    assert parse("query", "sqs", "ReceiveMessage", body)["AttributeNames"] == ["All", "Policy"]
    body = "Message=m&MessageAttributes.1.Name=a&MessageAttributes.1.Value.DataType=String&MessageAttributes.1.Value.StringValue=v"
    assert parse("query", "sns", "Publish", body)["MessageAttributes"] == {"a": {"DataType": "String", "StringValue": "v"}}
    body = "InstanceId.member.1=i-1&Filter.1.Name=a&Filter.1.Value.1=b"
    assert parse("ec2", "ec2", "DescribeInstances", body) == {
        "InstanceIds": ["i-1"],
        "Filters": [{"Name": "a", "Values": ["b"]}],
    }


def test_parameters_in_the_url_of_a_get():
    query = "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdev%2F&MaxItems=5"
    assert parse("query", "iam", "ListUsers", query=query, method="GET") == {
        "PathPrefix": "/dev/",
        "MaxItems": 5,
    }


def test_ec2_from_botocore():
    params = {
        "ImageId": "ami-1",
        "MinCount": 1,
        "MaxCount": 2,
        "SecurityGroupIds": ["sg-1", "sg-2"],
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}
        ],
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "DeleteOnTermination": True}}],
        "UserData": "IyEvYmluL3No",
        "DryRun": False,
    }
    request, operation = sent("ec2", "RunInstances", params)
    parsed = get_parser("ec2").parse(request, operation)
    # botocore fills in ClientToken and base64-encodes UserData on its own.
    assert parsed.pop("ClientToken")
    assert parsed.pop("UserData") == "SXlFdlltbHVMM05v"
    del params["UserData"]
    assert parsed == params

    params = {"Filters": [{"Name": "instance-state-name", "Values": ["running", "stopped"]}], "MaxResults": 5}
    request, operation = sent("ec2", "DescribeInstances", params)
    assert get_parser("ec2").parse(request, operation) == params


# -- malformed input --------------------------------------------------------------------------


def _error(protocol, service, operation, body) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse(protocol, service, operation, body)
    return caught.value


def test_a_body_that_cannot_be_decoded_is_a_malformed_query_string():
    model = catalog().service_model("sns").operation_model("Publish")
    request = HttpRequest("POST", "/", body=b"Action=Publish&Message=\xff\xfe")
    with pytest.raises(ProtocolError) as caught:
        get_parser("query").parse(request, model)
    assert (caught.value.code, caught.value.status_code) == ("MalformedQueryString", 404)
    error = _error("query", "sns", "Publish", "Action=Publish&Message=%FF%FE")
    assert (error.code, error.status_code) == ("MalformedQueryString", 404)


@pytest.mark.parametrize(
    ("protocol", "service", "operation", "body", "where"),
    [
        ("query", "iam", "ListUsers", "MaxItems=ten", "MaxItems"),
        ("query", "sqs", "ReceiveMessage", "QueueUrl=q&MaxNumberOfMessages=1.5", "MaxNumberOfMessages"),
        ("query", "cloudwatch", "PutMetricData", "Namespace=n&MetricData.member.1.MetricName=m&MetricData.member.1.Timestamp=noon", "MetricData.member.1.Timestamp"),
        ("query", "sns", "Publish", "Message=m&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Binary&MessageAttributes.entry.1.Value.BinaryValue=%21%21", "MessageAttributes.entry.1.Value.BinaryValue"),
        ("query", "iam", "ListUsers", "Marker.member.x=1&PathPrefix.member.x=1", None),
        ("ec2", "ec2", "DescribeInstances", "MaxResults=many", "MaxResults"),
        ("ec2", "ec2", "RunInstances", "ImageId=a&MinCount=1&MaxCount=1&DryRun=maybe", "DryRun"),
        ("ec2", "ec2", "DescribeInstances", "Filter.one.Name=a", "Filter"),
    ],
)
def test_bad_values_are_invalid_parameter_values(protocol, service, operation, body, where):
    if where is None:  # a structure where a scalar is expected is ignored, not a crash
        assert parse(protocol, service, operation, body) == {}
        return
    error = _error(protocol, service, operation, body)
    assert (error.code, error.status_code) == ("InvalidParameterValue", 400)
    assert where in error.message
