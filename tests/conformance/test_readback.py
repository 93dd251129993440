"""Read-backs are paired from the model and compare what was written, types normalised."""

from __future__ import annotations

import pytest
from botocore.session import get_session

from cloudtwin.conformance.readback import compare, match, pairing, read_params


def _pair(service: str, write: str):
    model = get_session().get_service_model(service)
    return pairing(model, model.operation_model(write))


@pytest.mark.parametrize("service, write, read", [
    ("sqs", "CreateQueue", "GetQueueAttributes"),
    ("sqs", "SetQueueAttributes", "GetQueueAttributes"),
    ("ssm", "PutParameter", "GetParameter"),
    ("kms", "CreateKey", "DescribeKey"),
    ("dynamodb", "CreateTable", "DescribeTable"),
    ("s3", "PutBucketTagging", "GetBucketTagging"),
    ("iam", "CreateRole", "GetRole"),
    ("sns", "CreateTopic", "GetTopicAttributes"),
])
def test_writes_pair_with_the_read_the_model_names(service, write, read):
    pair = _pair(service, write)
    assert pair is not None and pair.read == read


def test_the_read_is_addressed_from_the_write_by_member_name():
    pair = _pair("sqs", "CreateQueue")
    assert pair.sources == {"QueueUrl": "output"} and pair.fixed == {"AttributeNames": ["All"]}
    sent = {"QueueName": "q", "Attributes": {"VisibilityTimeout": "45"}}
    assert read_params(pair, sent, {"QueueUrl": "http://q"}) == {"QueueUrl": "http://q", "AttributeNames": ["All"]}
    # an answer without the QueueUrl cannot be read back
    assert read_params(pair, sent, {}) is None
    assert _pair("ssm", "PutParameter").fixed == {"WithDecryption": True}


def test_what_was_written_is_compared_by_name_with_types_normalised():
    pair = _pair("sqs", "CreateQueue")
    sent = {"QueueName": "q", "Attributes": {"VisibilityTimeout": "45", "DelaySeconds": "0"}}
    assert compare(pair, sent, {"Attributes": {"VisibilityTimeout": "45", "DelaySeconds": "0", "Extra": "1"}}).verified
    wrong = compare(pair, sent, {"Attributes": {"VisibilityTimeout": "30"}})
    assert wrong.verified is False and "VisibilityTimeout" in wrong.reason
    # an empty answer keeps nothing; an answer that leaves the member out is not judged
    assert compare(pair, sent, {}).verified is False
    assert compare(pair, sent, {"Attributes": {"QueueArn": "arn"}}).verified is None
    # nothing comparable written
    assert compare(pair, {"QueueName": "q"}, {"Attributes": {}}).verified is None


def test_a_nested_member_is_read_back_from_the_same_structure():
    pair = _pair("stepfunctions", "CreateStateMachine")
    # the machine's own ``type`` (STANDARD) is not the encryption's
    sent = {"name": "m", "encryptionConfiguration": {"type": "AWS_OWNED_KEY"}}
    read = {"name": "m", "type": "STANDARD", "encryptionConfiguration": {"type": "AWS_OWNED_KEY"}}
    assert compare(pair, sent, read).verified
    wrong = compare(pair, sent, dict(read, encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY"}))
    assert wrong.verified is False and "CUSTOMER_MANAGED_KMS_KEY" in wrong.reason
    # a rule's Name is not its rule set's; a nested member the read has at its top level is
    pair = _pair("ses", "CreateReceiptRule")
    sent = {"RuleSetName": "rules", "Rule": {"Name": "rule", "Enabled": True}}
    assert compare(pair, sent, {"Metadata": {"Name": "rules"}, "Rules": [{"Name": "rule"}]}).verified is not False
    pair = _pair("s3", "PutBucketTagging")
    tags = [{"Key": "a", "Value": "1"}]
    assert compare(pair, {"Bucket": "b", "Tagging": {"TagSet": tags}}, {"TagSet": tags}).verified


@pytest.mark.parametrize("wrote, got, expected", [
    (45, "45", True), (True, "true", True), ("1.50", 1.5, True),
    ('{"a": [1, 2]}', {"a": [1, 2]}, True), ("%7B%22a%22%3A1%7D", '{"a":1}', True),
    ("key-id", "arn:aws:kms:us-east-1:000000000000:key/key-id", True),
    ("https://idp.example", "idp.example", True),
    (b"body", "body", True), ("body", b"body", True),
    ({"Tag": "x"}, {"tag": "x", "other": 1}, True),
    ([{"Key": "a", "Value": "1"}], [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}], True),
    (45, 46, False), ({"k": "1"}, {"k": "2"}, False), ([{"Key": "a"}], [{"Key": "b"}], False),
    ([], ["x"], None), ({"only-written": "1"}, {"other": "2"}, None),
])
def test_match(wrote, got, expected):
    assert match(wrote, got) is expected
