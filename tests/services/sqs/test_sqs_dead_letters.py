"""Dead-letter queues: redrive after maxReceiveCount, RedriveAllowPolicy, source listing,
and message move tasks — all on the virtual clock."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _with_dlq(sqs, max_receives=2, name="src", dlq_name="dlq"):
    dlq = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": max_receives})
    src = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "10"})["QueueUrl"]
    return src, dlq


def test_message_moves_to_dlq_after_max_receives(sqs, control):
    control.freeze()
    src, dlq = _with_dlq(sqs)
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"] == "poison"
        control.advance(10)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == _arn(sqs, src)
    assert json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])
                      ["Attributes"]["RedrivePolicy"]) == {"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 2}


def test_list_dead_letter_source_queues(sqs):
    src, dlq = _with_dlq(sqs)
    policy = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    sqs.create_queue(QueueName="src2", Attributes={"RedrivePolicy": policy})
    got = sqs.list_dead_letter_source_queues(QueueUrl=dlq)
    assert [u.rsplit("/", 1)[1] for u in got["queueUrls"]] == ["src", "src2"]
    page = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=1)
    assert len(page["queueUrls"]) == 1 and "NextToken" in page
    assert sqs.list_dead_letter_source_queues(QueueUrl=src)["queueUrls"] == []


@pytest.mark.parametrize(
    "policy,reason",
    [
        ("not json", "Redrive policy is not a valid JSON map."),
        ('{"maxReceiveCount": 3}', "Redrive policy does not contain mandatory attribute: deadLetterTargetArn."),
        ('{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": 0}',
         "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive."),
    ],
)
def test_invalid_redrive_policy(sqs, policy, reason):
    sqs.create_queue(QueueName="dlq")
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": policy})
    assert _error(exc) == (
        "InvalidParameterValue", f"Value {policy} for parameter RedrivePolicy is invalid. Reason: {reason}"
    )


def test_redrive_to_missing_queue(sqs):
    policy = '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1}'
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": policy})
    assert _error(exc) == (
        "AWS.SimpleQueueService.NonExistentQueue",
        f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.",
    )


def test_redrive_allow_policy(sqs):
    dlq = sqs.create_queue(QueueName="dlq", Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 1})
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": policy})
    assert _error(exc)[0] == "InvalidParameterValue"
    src_arn = "arn:aws:sqs:us-east-1:000000000000:src"
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [src_arn]})})
    sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": policy})
    bad = json.dumps({"redrivePermission": "sometimes"})
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": bad})
    assert _error(exc) == (
        "InvalidParameterValue",
        f"Value {bad} for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the "
        "redrive allow policy, as it’s in an unsupported format.",
    )


def test_message_move_task_back_to_source(sqs, control):
    control.freeze()
    src, dlq = _with_dlq(sqs, max_receives=1)
    for i in range(3):
        sqs.send_message(QueueUrl=src, MessageBody=str(i))
    sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    control.advance(10)
    assert "Messages" not in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)  # all redriven
    handle = sqs.start_message_move_task(SourceArn=_arn(sqs, dlq))["TaskHandle"]
    listed = sqs.list_message_move_tasks(SourceArn=_arn(sqs, dlq))["Results"]
    assert listed[0]["Status"] == "RUNNING" and listed[0]["TaskHandle"] == handle
    assert listed[0]["ApproximateNumberOfMessagesToMove"] == 3
    control.advance(1)
    done = sqs.list_message_move_tasks(SourceArn=_arn(sqs, dlq))["Results"][0]
    assert done["Status"] == "COMPLETED" and done["ApproximateNumberOfMessagesMoved"] == 3
    assert "TaskHandle" not in done
    back = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert sorted(m["Body"] for m in back) == ["0", "1", "2"]
    assert all("DeadLetterQueueSourceArn" not in m["Attributes"] for m in back)
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert _error(exc) == ("ResourceNotFoundException", "Task does not exist.")
    with pytest.raises(ClientError) as exc:
        sqs.cancel_message_move_task(TaskHandle="foobared")
    assert _error(exc) == ("InvalidParameterValue", "Value for parameter TaskHandle is invalid.")


def test_move_task_rate_limit_and_cancel(sqs, control):
    control.freeze()
    src, dlq = _with_dlq(sqs, max_receives=1)
    dest = sqs.create_queue(QueueName="dest")["QueueUrl"]
    for i in range(10):
        sqs.send_message(QueueUrl=src, MessageBody=str(i))
    sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    control.advance(10)
    sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)
    handle = sqs.start_message_move_task(
        SourceArn=_arn(sqs, dlq), DestinationArn=_arn(sqs, dest), MaxNumberOfMessagesPerSecond=2
    )["TaskHandle"]
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=_arn(sqs, dlq))
    assert _error(exc)[0] == "InvalidParameterValue"
    control.advance(2)
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 4
    control.advance(10)
    assert len(sqs.receive_message(QueueUrl=dest, MaxNumberOfMessages=10)["Messages"]) == 4
    assert sqs.list_message_move_tasks(SourceArn=_arn(sqs, dlq))["Results"][0]["Status"] == "CANCELLED"


def test_move_task_errors(sqs):
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn="arn:aws:sqs:us-east-1:000000000000:nope")
    assert _error(exc) == (
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.",
    )
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=_arn(sqs, plain))
    assert _error(exc) == ("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
    with pytest.raises(ClientError) as exc:
        sqs.list_message_move_tasks(SourceArn="arn:aws:sqs:us-east-1:000000000000:nope")
    assert _error(exc)[0] == "ResourceNotFoundException"
    assert sqs.list_message_move_tasks(SourceArn=_arn(sqs, plain))["Results"] == []
