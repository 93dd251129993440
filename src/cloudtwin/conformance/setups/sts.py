"""What sts needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, ServiceSetup
from cloudtwin.conformance.setups.documents import POLICY

SETUP = ServiceSetup(
    members={"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/ct-role", "RoleSessionName": "ct-session",
             "PrincipalArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/ct", "Policy": POLICY,
             "SerialNumber": DROP, "TokenCode": DROP},
)
