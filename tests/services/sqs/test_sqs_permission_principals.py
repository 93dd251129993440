"""AddPermission grants to AWS accounts only: AWS refuses anything but a 12-digit account id
(``*``, an ARN, a user id) with ``Value [x] for parameter PrincipalId is invalid``."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


@pytest.mark.parametrize("principal", ["*", "not", "arn:aws:iam::111122223333:user/alice", "11112222333"])
def test_add_permission_refuses_a_non_account_principal(sqs, principal):
    url = sqs.create_queue(QueueName="principals")["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=[principal], Actions=["SendMessage"])
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValue",
        f"Value [{principal}] for parameter PrincipalId is invalid. Reason: Unable to verify.",
    )
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_add_permission_takes_several_accounts(sqs):
    url = sqs.create_queue(QueueName="accounts")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="l1", AWSAccountIds=["111122223333", "444455556666"],
                       Actions=["SendMessage", "ReceiveMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}
