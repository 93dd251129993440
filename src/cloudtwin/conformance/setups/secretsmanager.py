"""What secretsmanager needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import RoundTrip, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY

SETUP = ServiceSetup(
    steps=(
        Step("CreateSecret", {"Name": "{secret}", "SecretString": "s3cr3t"},
             {"secret_arn": "ARN", "version_id": "VersionId"}),
    ),
    names={"SecretId": ("secret", "ct-secret")},
    members={"SecretId": "{secret}", "VersionId": "{version_id}", "ResourcePolicy": POLICY,
             "MoveToVersionId": "{version_id}", "RemoveFromVersionId": "{version_id}"},
    overrides={"CreateSecret": {"Name": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("secret-value",
                  Step("PutSecretValue", {"SecretId": "ct-secret", "SecretString": "round-trip"}),
                  Step("GetSecretValue", {"SecretId": "ct-secret"}), {"SecretString": "round-trip"}),
    ),
)
