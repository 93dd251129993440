"""StopReplicationToReplica on a cross-account replica (called from the replica's account),
and RotateSecret's answer to empty rotation rules."""

import boto3
import pytest
from botocore.exceptions import ClientError


def _clients(endpoint, account):
    kwargs = dict(endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=account, aws_secret_access_key="test")
    return boto3.client("secretsmanager", **kwargs), boto3.client("kms", **kwargs)


def test_stop_replication_promotes_a_cross_account_replica(endpoint):
    (primary_sm, _), (replica_sm, replica_kms) = _clients(endpoint, "111111111111"), _clients(endpoint, "222222222222")
    primary = primary_sm.create_secret(Name="shared", SecretString="v1")
    key = replica_kms.create_key()["KeyMetadata"]["Arn"]
    replica = replica_sm.create_secret(Name="copy", CrossAccountPrimaryARN=primary["ARN"], KmsKeyId=key)
    primary_sm.associate_cross_account_replica(SecretId="shared", CrossAccountReplicaARN=replica["ARN"])
    assert replica_sm.get_secret_value(SecretId="copy")["SecretString"] == "v1"

    out = replica_sm.stop_replication_to_replica(SecretId="copy")

    assert out["ARN"] == replica["ARN"]
    assert "CrossAccountPrimary" not in replica_sm.describe_secret(SecretId="copy")
    links = primary_sm.describe_secret(SecretId="shared")["CrossAccountReplicas"]
    assert [(r["ReplicaSecretARN"], r["ReplicationStatus"]) for r in links] == [(replica["ARN"], "Detached")]
    # A standalone secret now: its own writes are accepted, the primary's no longer arrive.
    replica_sm.put_secret_value(SecretId="copy", SecretString="mine")
    primary_sm.put_secret_value(SecretId="shared", SecretString="v2")
    assert replica_sm.get_secret_value(SecretId="copy")["SecretString"] == "mine"


def test_stop_replication_on_a_primary_is_refused(endpoint):
    sm, _ = _clients(endpoint, "111111111111")
    sm.create_secret(Name="alone", SecretString="v1")
    with pytest.raises(ClientError) as err:
        sm.stop_replication_to_replica(SecretId="alone")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_rotate_with_empty_rules_is_a_parameter_error(aws_client):
    sm = aws_client("secretsmanager")
    sm.create_secret(Name="rot", SecretString="v1")
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId="rot", RotationLambdaARN="arn:aws:lambda:us-east-1:000000000000:function:f",
                         RotationRules={})
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "You must specify either AutomaticallyAfterDays or ScheduleExpression.",
    }


@pytest.mark.parametrize("immediately", [True, False])
def test_rotation_with_a_function_that_cannot_be_invoked_fails_and_stores_nothing(aws_client, immediately):
    # AWS invokes the function at once (createSecret, or testSecret when not rotating
    # immediately) and answers a function it cannot invoke, missing or not permitted alike, with
    # AccessDeniedException (400). cloudtwin has no Lambda yet, so every function is missing.
    sm = aws_client("secretsmanager")
    sm.create_secret(Name="rot", SecretString="v1")
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(
            SecretId="rot", RotationLambdaARN="arn:aws:lambda:us-east-1:000000000000:function:missing",
            RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=immediately,
        )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
        "function policy grants access to the principal secretsmanager.amazonaws.com.",
    }
    described = sm.describe_secret(SecretId="rot")
    assert not {"RotationEnabled", "RotationRules", "RotationLambdaARN"} & set(described)
    assert list(described["VersionIdsToStages"].values()) == [["AWSCURRENT"]]
