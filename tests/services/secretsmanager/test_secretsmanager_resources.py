"""Secrets Manager's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError


def test_generated_secret_policy_and_delete(handlers, aws_client):
    sm = aws_client("secretsmanager")
    secret = handlers.create("AWS::SecretsManager::Secret", {
        "Description": "Aurora Password",
        "GenerateSecretString": {
            "SecretStringTemplate": '{"username": "admin"}', "GenerateStringKey": "password",
            "PasswordLength": "16", "ExcludeCharacters": "\"@/\\",
        },
    }, logical_id="Secret")
    arn = secret.physical_id
    assert secret.attributes == {"Id": arn}
    described = sm.describe_secret(SecretId=arn)
    assert re.fullmatch(r"Secret-[A-Za-z0-9]{12}", described["Name"])
    assert [t["Key"] for t in described["Tags"]] == [
        "aws:cloudformation:stack-name", "aws:cloudformation:logical-id", "aws:cloudformation:stack-id",
    ]
    value = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    assert value["username"] == "admin" and len(value["password"]) == 16
    assert not set("\"@/\\") & set(value["password"])

    updated = handlers.update(secret, {"Description": "changed", "SecretString": "plain"})
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "plain"
    assert sm.describe_secret(SecretId=arn)["Description"] == "changed"

    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*",
    }]}
    resource_policy = handlers.create("AWS::SecretsManager::ResourcePolicy", {"SecretId": arn, "ResourcePolicy": policy})
    assert json.loads(sm.get_resource_policy(SecretId=arn)["ResourcePolicy"]) == policy
    handlers.delete(resource_policy)
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=arn)

    handlers.delete(updated)
    with pytest.raises(ClientError) as err:
        sm.describe_secret(SecretId=arn)
    assert err.value.response["Error"]["Message"] == "Secrets Manager can't find the specified secret."
    handlers.delete(updated)


def test_stack_generated_secret(stack, aws_client):
    _, out = stack({
        "Resources": {"Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {
            "GenerateSecretString": {"PasswordLength": 20, "ExcludePunctuation": True}}}},
        "Outputs": {"Arn": {"Value": {"Ref": "Secret"}}},
    })
    value = aws_client("secretsmanager").get_secret_value(SecretId=out["Arn"])["SecretString"]
    assert len(value) == 20 and value.isalnum()
