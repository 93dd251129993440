"""Secrets Manager: a secret's versions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.parity


def test_create_read_update_delete(aws_client, resource_name, cleanup, require) -> None:
    require("secretsmanager", "CreateSecret", "GetSecretValue", "PutSecretValue", "DeleteSecret")
    sm = aws_client("secretsmanager")
    name = resource_name("secret")
    created = sm.create_secret(Name=name, SecretString="one")
    cleanup(sm.delete_secret, SecretId=name, ForceDeleteWithoutRecovery=True)
    assert created["Name"] == name and f":secret:{name}-" in created["ARN"]
    first = sm.get_secret_value(SecretId=name)
    assert first["SecretString"] == "one" and first["VersionStages"] == ["AWSCURRENT"]
    second = sm.put_secret_value(SecretId=name, SecretString="two")
    assert second["VersionId"] != first["VersionId"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "two"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "one"


def test_a_secret_that_does_not_exist(aws_client, resource_name, require) -> None:
    require("secretsmanager", "GetSecretValue")
    with pytest.raises(ClientError) as caught:
        aws_client("secretsmanager").get_secret_value(SecretId=resource_name("missing"))
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
