"""KMS: a symmetric key, encrypt and decrypt."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.parity


def test_encrypt_decrypt_round_trip(aws_client, resource_name, cleanup, require) -> None:
    require("kms", "CreateKey", "Encrypt", "Decrypt", "DescribeKey", "ScheduleKeyDeletion")
    kms = aws_client("kms")
    key = kms.create_key(Description=resource_name("key"))["KeyMetadata"]
    cleanup(kms.schedule_key_deletion, KeyId=key["KeyId"], PendingWindowInDays=7)
    assert key["KeySpec"] == "SYMMETRIC_DEFAULT" and key["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert key["Enabled"] is True and key["Arn"].endswith(":key/" + key["KeyId"])
    sealed = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret parity")
    assert sealed["CiphertextBlob"] != b"secret parity" and sealed["KeyId"] == key["Arn"]
    opened = kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"])
    assert opened["Plaintext"] == b"secret parity" and opened["KeyId"] == key["Arn"]


def test_a_key_that_does_not_exist(aws_client, resource_name, require) -> None:
    require("kms", "DescribeKey")
    with pytest.raises(ClientError) as caught:
        aws_client("kms").describe_key(KeyId="alias/" + resource_name("missing"))
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
