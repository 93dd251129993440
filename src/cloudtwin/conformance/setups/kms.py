"""What kms needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, RoundTrip, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY

SETUP = ServiceSetup(
    steps=(
        Step("CreateKey", {}, {"key_id": "KeyMetadata.KeyId", "key_arn": "KeyMetadata.Arn"}),
        Step("CreateAlias", {"AliasName": "{alias}", "TargetKeyId": "{key_id}"}),
        Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"hello"}, {"blob": "CiphertextBlob"}),
        Step("CreateGrant", {"KeyId": "{key_id}", "GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:root",
                             "Operations": ["Encrypt"]}, {"grant_id": "GrantId"}),
    ),
    members={"KeyId": "{key_id}", "TargetKeyId": "{key_id}", "DestinationKeyId": "{key_id}",
             "SourceKeyId": "{key_id}", "AliasName": "{alias}", "CiphertextBlob": "{blob}",
             "SourceCiphertextBlob": "{blob}", "GrantId": "{grant_id}",
             "GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:root",
             "RetiringPrincipal": f"arn:aws:iam::{ACCOUNT}:root", "PolicyName": "default",
             "Policy": POLICY, "GrantTokens": DROP},
    names={"AliasName": ("alias", "alias/ct-key")},
    overrides={"CreateAlias": {"AliasName": "alias/ct-new-{n}"}},
    roundtrips=(
        RoundTrip("encrypt-decrypt",
                  Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"round-trip"}, {"rt_blob": "CiphertextBlob"}),
                  Step("Decrypt", {"CiphertextBlob": "{rt_blob}"}), {"Plaintext": b"round-trip"}),
    ),
)
