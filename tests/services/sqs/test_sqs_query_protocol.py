"""SQS over the ``query`` protocol (older SDKs, AWS CLI v1 of old) and through the AWS CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError


def test_query_round_trip(sqs_query, endpoint):
    url = sqs_query.create_queue(QueueName="q-query", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
    assert url == f"{endpoint}/000000000000/q-query"
    sent = sqs_query.send_message(
        QueueUrl=url, MessageBody="over query",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"},
                           "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}},
    )
    got = sqs_query.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"][0]
    assert got["Body"] == "over query"
    assert got["MessageId"] == sent["MessageId"]
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert got["MessageAttributes"]["b"]["BinaryValue"] == b"\x01\x02"
    assert got["Attributes"]["ApproximateReceiveCount"] == "1"
    attrs = sqs_query.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "40"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    batch = sqs_query.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "x"}, {"Id": "bad", "MessageBody": "x", "DelaySeconds": 901}])
    assert [s["Id"] for s in batch["Successful"]] == ["ok"]
    assert batch["Failed"][0]["Code"] == "InvalidParameterValue"
    sqs_query.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    assert [u.rsplit("/", 1)[1] for u in sqs_query.list_queues()["QueueUrls"]] == ["q-query"]


def test_query_errors_carry_legacy_codes(sqs_query):
    with pytest.raises(ClientError) as exc:
        sqs_query.get_queue_url(QueueName="missing")
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    # The query-era wording, which AWS still sends to query clients.
    assert exc.value.response["Error"]["Message"] == "The specified queue does not exist for this wsdl version."
    assert "Detail" in exc.value.response["Error"]  # the empty <Detail/> of SQS's query errors
    sqs_query.create_queue(QueueName="dup", Attributes={"DelaySeconds": "1"})
    with pytest.raises(ClientError) as exc:
        sqs_query.create_queue(QueueName="dup", Attributes={"DelaySeconds": "2"})
    assert exc.value.response["Error"]["Code"] == "QueueAlreadyExists"


def test_query_and_json_see_the_same_queue(sqs_query, sqs):
    url = sqs.create_queue(QueueName="both")["QueueUrl"]
    sqs_query.send_message(QueueUrl=url, MessageBody="from query")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "from query"


def _cli(endpoint, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", "sqs", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )
    return done


def test_aws_cli_flow(endpoint, sqs):
    url = sqs.create_queue(QueueName="cli-q")["QueueUrl"]
    sent = _cli(endpoint, "send-message", "--queue-url", url, "--message-body", "from the cli")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["MD5OfMessageBody"] == hashlib.md5(b"from the cli").hexdigest()
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert got["Body"] == "from the cli"
    assert json.loads(sent.stdout)["MessageId"] == got["MessageId"]
    missing = _cli(endpoint, "get-queue-url", "--queue-name", "nope")
    assert missing.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr
    assert "The specified queue does not exist." in missing.stderr


def _get(url: str, params: dict[str, str]) -> tuple[int, str]:
    """A query-API GET as old SDKs and browsers send it, signed for SQS in us-east-1."""
    import urllib.error
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(
        f"{url}?{urllib.parse.urlencode(params)}",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_query_api_addressed_to_the_queue_url(sqs):
    first = sqs.create_queue(QueueName="addressed-1")["QueueUrl"]
    second = sqs.create_queue(QueueName="addressed-2")["QueueUrl"]
    status, text = _get(first, {"Action": "SendMessage", "MessageBody": "foobar"})
    assert status == 200 and "<SendMessageResponse" in text
    status, text = _get(second, {"Action": "ReceiveMessage"})
    assert status == 200 and "foobar" not in text
    assert "<ReceiveMessageResult/>" in text  # an empty result is one empty element
    status, text = _get(first, {"Action": "ReceiveMessage"})
    assert "<Body>foobar</Body>" in text
    status, text = _get(first, {"Action": "GetQueueAttributes", "AttributeName.1": "All"})
    assert status == 200
    assert "<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:addressed-1</Value>" in text
    # A parameter given explicitly wins over the path.
    status, text = _get(first, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn", "QueueUrl": second})
    assert "addressed-2" in text


def test_query_api_on_a_queue_url_refuses_actions_without_a_queue(sqs):
    url = sqs.create_queue(QueueName="addressed-3")["QueueUrl"]
    status, text = _get(url, {"Action": "CreateQueue", "QueueName": "other"})
    assert status == 400
    assert "<Code>InvalidAction</Code>" in text
    assert "<Message>The action CreateQueue is not valid for this endpoint.</Message>" in text
    assert "other" not in str(sqs.list_queues().get("QueueUrls"))


def test_query_api_on_a_deleted_queue(sqs):
    url = sqs.create_queue(QueueName="addressed-4")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    status, text = _get(url, {"Action": "GetQueueAttributes", "AttributeName.1": "QueueArn"})
    assert status == 400
    assert (
        "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
        "<Message>The specified queue does not exist for this wsdl version.</Message><Detail/>"
    ) in text


def test_queue_name_accepted_as_queue_url(sqs, sqs_query):
    sqs.create_queue(QueueName="by-name")
    sqs.send_message(QueueUrl="by-name", MessageBody="hello")
    assert sqs_query.receive_message(QueueUrl="by-name")["Messages"][0]["Body"] == "hello"
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl="no-such-queue")
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_query_api_answers_json_when_only_json_is_accepted(sqs, endpoint):
    import urllib.request

    url = sqs.create_queue(QueueName="negotiated")["QueueUrl"]
    request = urllib.request.Request(
        f"{endpoint}/?Action=ListQueues&Version=2012-11-05",
        headers={
            "Accept": "application/json",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
        document = json.loads(response.read())
    assert document["ListQueuesResponse"]["ListQueuesResult"]["QueueUrls"] == [url]
    assert document["ListQueuesResponse"]["ResponseMetadata"]["RequestId"]
    status, text = _get(endpoint, {"Action": "ListQueues", "Version": "2012-11-05"})
    assert status == 200 and "<ListQueuesResponse" in text  # XML otherwise
