"""Queue management: create, URLs, listing, attributes, purge, delete, tags, permissions."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_create_queue_returns_url_on_the_host_the_client_used(sqs, endpoint):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url == f"{endpoint}/000000000000/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url


def test_create_is_idempotent_with_same_attributes(sqs):
    first = sqs.create_queue(QueueName="idem", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    again = sqs.create_queue(QueueName="idem", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert first == again
    assert sqs.create_queue(QueueName="idem")["QueueUrl"] == first  # no attributes: no conflict


def test_create_with_different_attribute_is_queue_already_exists(sqs):
    sqs.create_queue(QueueName="clash", Attributes={"DelaySeconds": "5"})
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="clash", Attributes={"DelaySeconds": "6"})
    assert _error(exc) == (
        "QueueAlreadyExists",
        "A queue already exists with the same name and a different value for attribute DelaySeconds",
    )


@pytest.mark.parametrize("name", ["bad name", "x" * 81, "a/b"])
def test_invalid_queue_name(sqs, name):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert _error(exc) == (
        "InvalidParameterValue",
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
    )


@pytest.mark.parametrize(
    "name,attributes",
    [("plain", {"FifoQueue": "true"}), ("named.fifo", {}), ("named.fifo", {"FifoQueue": "false"})],
)
def test_fifo_name_and_flag_must_agree(sqs, name, attributes):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes=attributes)
    assert _error(exc) == (
        "InvalidParameterValue",
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
        "must end with .fifo suffix and be 1 to 80 in length.",
    )


def test_get_queue_url_of_missing_queue(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_url(QueueName="ghost")
    assert _error(exc) == ("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_get_queue_url_with_owner_account(aws_client, endpoint):
    other = aws_client("sqs", aws_access_key_id="111122223333")
    other.create_queue(QueueName="shared")
    mine = aws_client("sqs")
    url = mine.get_queue_url(QueueName="shared", QueueOwnerAWSAccountId="111122223333")["QueueUrl"]
    assert url == f"{endpoint}/111122223333/shared"
    mine.send_message(QueueUrl=url, MessageBody="cross-account")
    got = other.receive_message(QueueUrl=url)["Messages"]
    assert got[0]["Body"] == "cross-account"
    with pytest.raises(ClientError):
        mine.get_queue_url(QueueName="shared")


def test_queues_are_per_region(aws_client):
    aws_client("sqs").create_queue(QueueName="east")
    west = aws_client("sqs", region="eu-west-1")
    assert "QueueUrls" not in west.list_queues()
    with pytest.raises(ClientError):
        west.get_queue_url(QueueName="east")


def test_any_host_and_regional_hosts_address_the_queue(sqs, endpoint):
    sqs.create_queue(QueueName="hosts")
    for url in (
        "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/hosts",
        "https://queue.amazonaws.com/000000000000/hosts",
        "http://elsewhere:1234/000000000000/hosts",
    ):
        sqs.send_message(QueueUrl=url, MessageBody=url)
    assert len(sqs.receive_message(QueueUrl=f"{endpoint}/000000000000/hosts", MaxNumberOfMessages=10)["Messages"]) == 3
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl="http://sqs.eu-west-1.localhost:4566/000000000000/hosts", MessageBody="x")
    assert _error(exc)[0] == "AWS.SimpleQueueService.NonExistentQueue"


def test_malformed_queue_url_is_invalid_address(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl="http://localhost:4566/not-a-queue", MessageBody="x")
    assert _error(exc) == (
        "InvalidAddress",
        "The address http://localhost:4566/not-a-queue is not valid for this endpoint.",
    )


def test_list_queues_prefix_and_pagination(sqs):
    for name in ("app-a", "app-b", "app-c", "other"):
        sqs.create_queue(QueueName=name)
    everything = sqs.list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in everything] == ["app-a", "app-b", "app-c", "other"]
    assert "NextToken" not in sqs.list_queues()
    first = sqs.list_queues(QueueNamePrefix="app", MaxResults=2)
    assert [u.rsplit("/", 1)[1] for u in first["QueueUrls"]] == ["app-a", "app-b"]
    second = sqs.list_queues(QueueNamePrefix="app", MaxResults=2, NextToken=first["NextToken"])
    assert [u.rsplit("/", 1)[1] for u in second["QueueUrls"]] == ["app-c"]
    assert "NextToken" not in second
    pages = sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1})
    assert sum(len(p["QueueUrls"]) for p in pages) == 4
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="zzz")


def test_default_attributes_of_standard_and_fifo(sqs):
    url = sqs.create_queue(QueueName="defaults")["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert {k: got[k] for k in (
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "SqsManagedSseEnabled",
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    )} == {
        "DelaySeconds": "0", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
        "ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30", "SqsManagedSseEnabled": "true",
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
    }
    assert got["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:defaults"
    assert got["CreatedTimestamp"].isdigit() and "FifoQueue" not in got
    fifo = sqs.create_queue(QueueName="d.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
    assert got["FifoQueue"] == "true"
    assert got["ContentBasedDeduplication"] == "false"
    assert got["DeduplicationScope"] == "queue"
    assert got["FifoThroughputLimit"] == "perQueue"


def test_get_selected_attributes_and_unknown_name(sqs):
    url = sqs.create_queue(QueueName="sel")["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])
    assert got["Attributes"] == {"VisibilityTimeout": "30", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:sel"}
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])
    assert _error(exc) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.")


@pytest.mark.parametrize(
    "name,value",
    [
        ("VisibilityTimeout", "43201"),
        ("DelaySeconds", "-1"),
        ("MaximumMessageSize", "1023"),
        ("MessageRetentionPeriod", "59"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "soon"),
        ("Policy", "{not json"),
    ],
)
def test_set_attribute_validation(sqs, name, value):
    url = sqs.create_queue(QueueName="val")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
    assert _error(exc) == ("InvalidAttributeValue", f"Invalid value for the parameter {name}.")


def test_set_read_only_or_fifo_only_attribute_is_unknown(sqs):
    url = sqs.create_queue(QueueName="ro")["QueueUrl"]
    for name, value in (("QueueArn", "x"), ("ContentBasedDeduplication", "true"), ("FifoQueue", "true")):
        with pytest.raises(ClientError) as exc:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
        assert _error(exc) == ("InvalidAttributeName", f"Unknown Attribute {name}.")


def test_set_attributes_round_trip_and_last_modified(sqs, control):
    url = sqs.create_queue(QueueName="rt")["QueueUrl"]
    before = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["LastModifiedTimestamp"])
                 ["Attributes"]["LastModifiedTimestamp"])
    control.advance(100)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60", "Policy": json.dumps(policy)})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert got["VisibilityTimeout"] == "60"
    assert json.loads(got["Policy"]) == policy
    assert int(got["LastModifiedTimestamp"]) >= before + 100
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_delete_queue(sqs, control):
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert _error(exc)[0] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="gone")
    assert _error(exc) == (
        "AWS.SimpleQueueService.QueueDeletedRecently",
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
    )
    control.advance(60)
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_purge_queue_once_per_minute_on_the_virtual_clock(sqs, control):
    url = sqs.create_queue(QueueName="purge")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as exc:
        sqs.purge_queue(QueueUrl=url)
    assert _error(exc) == (
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        "Only one PurgeQueue operation on purge is allowed every 60 seconds.",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    control.advance(61)
    sqs.purge_queue(QueueUrl=url)


def test_tags(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"team": "a"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "b"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)


def test_add_and_remove_permission(sqs):
    url = sqs.create_queue(QueueName="perm")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"] == [{
        "Sid": "l1", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-1:000000000000:perm",
    }]
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    assert _error(exc) == ("InvalidParameterValue", "Value l1 for parameter Label is invalid. Reason: Already exists.")
    sqs.remove_permission(QueueUrl=url, Label="l1")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    with pytest.raises(ClientError) as exc:
        sqs.remove_permission(QueueUrl=url, Label="l1")
    assert _error(exc) == (
        "InvalidParameterValue",
        "Value l1 for parameter Label is invalid. Reason: can't find label.",
    )


def test_unknown_attribute_names(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName="unknown", Attributes={"Colour": "blue"})
    assert _error(exc) == ("InvalidAttributeName", "Unknown Attribute Colour.")
    url = sqs.create_queue(QueueName="known")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])
    assert _error(exc) == ("InvalidAttributeName", "Unknown Attribute Colour.")


def test_legacy_attribute_names_on_receive(sqs):
    url = sqs.create_queue(QueueName="legacy")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="tenant-1")  # fair queue
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["SentTimestamp", "MessageGroupId"])["Messages"][0]
    assert set(got["Attributes"]) == {"SentTimestamp", "MessageGroupId"}
    assert got["Attributes"]["MessageGroupId"] == "tenant-1"


def test_kms_attributes(sqs):
    url = sqs.create_queue(QueueName="kms", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert got["KmsMasterKeyId"] == "alias/aws/sqs"
    assert got["KmsDataKeyReusePeriodSeconds"] == "300"
    assert got["SqsManagedSseEnabled"] == "false"


def test_modeled_exceptions_are_catchable_by_class(sqs):
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="absent")
    sqs.create_queue(QueueName="twice", Attributes={"DelaySeconds": "1"})
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="twice", Attributes={"DelaySeconds": "2"})


def test_permission_policy_and_attribute_selection(sqs):
    url = sqs.create_queue(QueueName="granted")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Version"] == "2008-10-17"
    sqs.remove_permission(QueueUrl=url, Label="l1")
    # Asked for attributes the queue does not have: no Attributes at all.
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])


def test_data_key_reuse_period_shows_with_a_kms_key_only(sqs):
    url = sqs.create_queue(QueueName="kms")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "k", "KmsDataKeyReusePeriodSeconds": "6000"})
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["KmsDataKeyReusePeriodSeconds"] == "6000"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "", "KmsDataKeyReusePeriodSeconds": "300"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "KmsMasterKeyId" not in attributes and "KmsDataKeyReusePeriodSeconds" not in attributes
    assert attributes["SqsManagedSseEnabled"] == "false"  # turned off when the KMS key was set
