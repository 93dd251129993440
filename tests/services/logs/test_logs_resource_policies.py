"""Logs resource policies: ``policyDocument`` is optional in the model but required by the
documentation, so a request without one is AWS's validation error, not a server error."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_a_resource_policy_needs_its_document(aws_client):
    logs = aws_client("logs")
    with pytest.raises(ClientError) as error:
        logs.put_resource_policy(policyName="no-document")
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "policyDocument" in error.value.response["Error"]["Message"]
    assert logs.describe_resource_policies()["resourcePolicies"] == []
