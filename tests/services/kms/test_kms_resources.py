"""KMS's CloudFormation resource handlers, checked through KMS's API."""

from __future__ import annotations


def test_key_and_alias(handlers, aws_client):
    kms = aws_client("kms")
    key = handlers.create("AWS::KMS::Key", {"Description": "k", "EnableKeyRotation": "true",
                                       "Tags": [{"Key": "team", "Value": "a"}]})
    metadata = kms.describe_key(KeyId=key.physical_id)["KeyMetadata"]
    assert key.attributes == {"Arn": metadata["Arn"], "KeyId": key.physical_id}
    assert kms.get_key_rotation_status(KeyId=key.physical_id)["KeyRotationEnabled"] is True
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key.physical_id)["Tags"]}
    assert tags["team"] == "a" and tags["aws:cloudformation:stack-name"] == "test-stack"

    key = handlers.update(key, {"Description": "changed", "Enabled": False})
    metadata = kms.describe_key(KeyId=key.physical_id)["KeyMetadata"]
    assert metadata["Description"] == "changed" and metadata["KeyState"] == "Disabled"
    assert kms.get_key_rotation_status(KeyId=key.physical_id)["KeyRotationEnabled"] is False

    alias = handlers.create("AWS::KMS::Alias", {"AliasName": "alias/app", "TargetKeyId": key.physical_id})
    assert alias.physical_id == "alias/app"
    other = handlers.create("AWS::KMS::Key", {})
    handlers.update(alias, {"AliasName": "alias/app", "TargetKeyId": other.physical_id})
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/app"] == other.physical_id
    handlers.delete(alias)
    assert "alias/app" not in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}

    handlers.delete(key)
    assert kms.describe_key(KeyId=key.physical_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    handlers.delete(key)  # already scheduled


def test_stack_key_and_alias(stack, aws_client):
    _, out = stack({
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": "app key"}},
            "Alias": {"Type": "AWS::KMS::Alias", "Properties": {"AliasName": "alias/app", "TargetKeyId": {"Ref": "Key"}}},
        },
        "Outputs": {"KeyId": {"Value": {"Ref": "Key"}}, "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
                    "Alias": {"Value": {"Ref": "Alias"}}},
    })
    kms = aws_client("kms")
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["Arn"] == out["KeyArn"]
    assert out["KeyArn"].endswith(out["KeyId"]) and out["Alias"] == "alias/app"
