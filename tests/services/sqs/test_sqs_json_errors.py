"""SQS's JSON-protocol errors: the shape names AWS sends in ``__type`` and the legacy query
codes it pairs with them in ``x-amzn-query-error`` (what SDKs report as the error code)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError


def _raw(endpoint: str, target: str, body: dict) -> tuple[int, dict[str, str], dict]:
    request = urllib.request.Request(
        endpoint + "/",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"AmazonSQS.{target}",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_invalid_parameter_value_over_json(sqs):
    url = sqs.create_queue(QueueName="errors")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    error = exc.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert error["QueryErrorCode"] == "InvalidParameterValueException"
    assert error["Type"] == "Sender"


def test_missing_parameter_over_json(sqs, endpoint):
    url = sqs.create_queue(QueueName="errors.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    error = exc.value.response["Error"]
    assert (error["Code"], error["QueryErrorCode"]) == ("MissingParameter", "MissingRequiredParameterException")
    assert error["Message"] == "The request must contain the parameter MessageGroupId."
    status, headers, body = _raw(endpoint, "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    assert status == 400
    assert body["__type"].rsplit("#", 1)[-1] == "MissingRequiredParameterException"
    assert headers["x-amzn-query-error"] == "MissingParameter;Sender"


def test_modeled_error_keeps_its_shape_name(endpoint):
    status, headers, body = _raw(endpoint, "GetQueueUrl", {"QueueName": "absent"})
    assert status == 400
    assert body["__type"].rsplit("#", 1)[-1] == "QueueDoesNotExist"
    assert body["message"] == "The specified queue does not exist."
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
