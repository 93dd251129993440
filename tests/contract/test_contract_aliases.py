"""Ids generated differently on the two sides: paired up, rewritten, compared as equal."""

from __future__ import annotations

import pytest

from cloudtwin.contract import ContractProxy
from cloudtwin.contract.aliases import IdAliases
from cloudtwin.protocol.http import HttpRequest

REF_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
TGT_ID = "9876fedc-98fe-76dc-54ba-0987654321fe"


def test_learned_ids_are_rewritten_raw_and_percent_encoded() -> None:
    aliases = IdAliases()
    ref_arn, tgt_arn = f"arn:aws:kms:us-east-1:111111111111:key/{REF_ID}", f"arn:aws:kms:us-east-1:111111111111:key/{TGT_ID}"
    aliases.learn([(REF_ID, TGT_ID), (ref_arn, tgt_arn), ("ENCRYPT_DECRYPT", "SIGN_VERIFY"), ("2024-01-01T00:00:00", "2024-01-02T00:00:00")])
    assert len(aliases) == 2  # enum values and timestamps are not ids
    request = HttpRequest(
        "POST", f"/keys/{REF_ID}", "Arn=" + ref_arn.replace(":", "%3A").replace("/", "%2F"),
        {}, f'{{"KeyId": "{REF_ID}", "Arn": "{ref_arn}"}}'.encode(),
    )
    rewritten = aliases.for_target(request)
    assert rewritten.path == f"/keys/{TGT_ID}"
    assert rewritten.query_string == "Arn=" + tgt_arn.replace(":", "%3A").replace("/", "%2F")
    assert rewritten.body == f'{{"KeyId": "{TGT_ID}", "Arn": "{tgt_arn}"}}'.encode()
    assert dict(rewritten.query) == {"Arn": tgt_arn}
    assert aliases.for_reference(rewritten).body == request.body
    assert aliases.as_reference({"Keys": [{"KeyId": TGT_ID, "KeyArn": tgt_arn}]}) == {
        "Keys": [{"KeyId": REF_ID, "KeyArn": ref_arn}]
    }
    untouched = HttpRequest("GET", "/other")
    assert aliases.for_target(untouched) is untouched


def kms_flow(endpoint: str) -> None:
    import boto3

    kms = boto3.client("kms", endpoint_url=endpoint, aws_access_key_id="test",
                       aws_secret_access_key="test", region_name="us-east-1")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.describe_key(KeyId=key_id)
    kms.encrypt(KeyId=key_id, Plaintext=b"x")


@pytest.mark.parametrize("serve", ["reference", "target"])
def test_a_key_created_on_both_sides_is_used_on_both_sides(serve) -> None:
    pytest.importorskip("cloudtwin.services.kms.provider")
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as reference, ServerThread() as target:
        with ContractProxy(target.endpoint, reference.endpoint, serve=serve,
                           ignore_paths=["KeyId", "Arn", "CreationDate", "CurrentKeyMaterialId", "CiphertextBlob"]) as proxy:
            kms_flow(proxy.endpoint)
        with ContractProxy(target.endpoint, reference.endpoint, serve=serve, id_aliases=False) as plain:
            kms_flow(plain.endpoint)
    report = proxy.report()
    assert report["total_requests"] == 3 and report["mismatches"] == [], report["mismatches"]
    # without pairing ids, the follow-up calls name a key the other side never made
    assert [m["severity"] for m in plain.report()["mismatches"]][-2:] == ["error", "error"]
