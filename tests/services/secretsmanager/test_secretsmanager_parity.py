"""Secrets Manager behaviour checked against AWS's recorded answers: names checked before any
lookup, the ClientRequestToken raw requests must carry, forced deletes of missing secrets,
ListSecrets description words, fields AWS leaves out, cross-account access by ARN."""

import json

import botocore.handlers
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def sm(aws_client):
    return aws_client("secretsmanager")


def _error(excinfo):
    return excinfo.value.response["Error"]


INVALID_NAME = {
    "Code": "ValidationException",
    "Message": "Invalid name. Must be a valid name containing alphanumeric characters, "
    "or any of the following: -/_+=.@!",
}


@pytest.mark.parametrize(
    "call",
    [
        lambda sm, n: sm.describe_secret(SecretId=n),
        lambda sm, n: sm.get_secret_value(SecretId=n),
        lambda sm, n: sm.put_secret_value(SecretId=n, SecretString="x"),
        lambda sm, n: sm.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True),
        lambda sm, n: sm.tag_resource(SecretId=n, Tags=[{"Key": "k", "Value": "v"}]),
        lambda sm, n: sm.list_secret_version_ids(SecretId=n),
        lambda sm, n: sm.validate_resource_policy(SecretId=n, ResourcePolicy='{"Statement": []}'),
    ],
)
def test_invalid_names_are_refused_before_lookup(sm, call):
    with pytest.raises(ClientError) as err:
        call(sm, "no such*name")
    assert _error(err) == INVALID_NAME


def test_raw_requests_need_a_client_request_token(aws_client):
    raw = aws_client("secretsmanager", config=Config(retries={"total_max_attempts": 1}))
    raw.meta.events.unregister("before-parameter-build", botocore.handlers.generate_idempotent_uuid)
    expected = {
        "Code": "InvalidRequestException",
        "Message": "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
    }
    with pytest.raises(ClientError) as err:
        raw.create_secret(Name="raw-secret", SecretString="v")
    assert _error(err) == expected
    raw.create_secret(Name="raw-secret", SecretString="v", ClientRequestToken="a" * 32)
    with pytest.raises(ClientError) as err:
        raw.put_secret_value(SecretId="raw-secret", SecretString="w")
    assert _error(err) == expected
    # Changing only the description makes no version: no token needed.
    raw.update_secret(SecretId="raw-secret", Description="d")


def test_forced_delete_of_a_missing_secret_succeeds(sm):
    out = sm.delete_secret(SecretId="never-made", ForceDeleteWithoutRecovery=True)
    assert out["Name"] == "never-made"
    assert out["ARN"].startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:never-made-")
    with pytest.raises(ClientError) as err:
        sm.delete_secret(SecretId="never-made")
    assert _error(err)["Code"] == "ResourceNotFoundException"


def test_description_filter_matches_word_prefixes(sm):
    for name, description in [("w1", "a secret"), ("w2", "an secret"), ("w3", "asecret"), ("w4", "thesecret")]:
        sm.create_secret(Name=name, SecretString="v", Description=description)

    def names(*filters):
        return sorted(s["Name"] for s in sm.list_secrets(Filters=list(filters))["SecretList"])

    assert names({"Key": "description", "Values": ["a"]}) == ["w1", "w2", "w3"]
    assert names({"Key": "description", "Values": ["a secret"]}) == ["w1", "w2"]
    assert names({"Key": "description", "Values": ["!a"]}) == ["w4"]
    assert names({"Key": "description", "Values": ["A"]}, {"Key": "description", "Values": ["secret"]}) == ["w1", "w2"]
    assert names({"Key": "name", "Values": ["w1 w2"]}) == []


def test_empty_fields_are_left_out(sm):
    arn = sm.create_secret(Name="empty-one", Description="")["ARN"]
    described = sm.describe_secret(SecretId=arn)
    assert "Description" not in described and "VersionIdsToStages" not in described
    first = sm.put_secret_value(SecretId=arn, SecretString="1")["VersionId"]
    sm.put_secret_value(SecretId=arn, SecretString="2")
    sm.put_secret_value(SecretId=arn, SecretString="3")
    versions = {v["VersionId"]: v for v in sm.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)["Versions"]}
    assert "VersionStages" not in versions[first]


def test_cross_account_access_by_arn_follows_the_resource_policy(aws_client):
    owner = aws_client("secretsmanager")
    other = aws_client("secretsmanager", aws_access_key_id="111111111111", aws_secret_access_key="x")
    other_arn = aws_client("sts", aws_access_key_id="111111111111", aws_secret_access_key="x").get_caller_identity()["Arn"]
    arn = owner.create_secret(Name="shared", SecretString="s")["ARN"]
    with pytest.raises(ClientError) as err:
        other.describe_secret(SecretId=arn)
    assert _error(err)["Code"] == "AccessDeniedException"
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": other_arn}, "Action": "secretsmanager:*", "Resource": "*"}]}
    owner.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(policy))
    assert other.describe_secret(SecretId=arn)["ARN"] == arn
    with pytest.raises(ClientError) as err:
        other.get_secret_value(SecretId=arn)
    assert _error(err) == {
        "Code": "InvalidRequestException",
        "Message": "You can't access a secret from a different AWS account if you encrypt the secret "
        "with the default KMS service key.",
    }
    other.tag_resource(SecretId=arn, Tags=[{"Key": "from", "Value": "other"}])
    assert owner.describe_secret(SecretId=arn)["Tags"] == [{"Key": "from", "Value": "other"}]
    assert other.list_secrets()["SecretList"] == []
    # With a customer managed key the value can be read and written from the other account.
    key_arn = aws_client("kms").create_key()["KeyMetadata"]["Arn"]
    arn = owner.create_secret(Name="shared-cmk", SecretString="s", KmsKeyId=key_arn)["ARN"]
    owner.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(policy))
    other.put_secret_value(SecretId=arn, SecretString="new")
    assert other.get_secret_value(SecretId=arn)["SecretString"] == "new"
    assert owner.get_secret_value(SecretId=arn)["SecretString"] == "new"


def test_replicas_are_readable_in_their_region(aws_client):
    east = aws_client("secretsmanager")
    west = aws_client("secretsmanager", region="eu-west-1")
    created = east.create_secret(
        Name="replicated", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1"}]
    )
    assert created["ReplicationStatus"][0]["Status"] == "InSync"
    replica_arn = created["ARN"].replace(":us-east-1:", ":eu-west-1:")
    described = west.describe_secret(SecretId="replicated")
    assert described["ARN"] == replica_arn and described["PrimaryRegion"] == "us-east-1"
    assert "ReplicationStatus" not in described
    assert west.get_secret_value(SecretId=replica_arn)["SecretString"] == "v1"
    east.put_secret_value(SecretId="replicated", SecretString="v2")
    assert west.get_secret_value(SecretId="replicated")["SecretString"] == "v2"
    assert west.get_secret_value(SecretId="replicated", VersionStage="AWSPREVIOUS")["SecretString"] == "v1"
    assert [s["Name"] for s in west.list_secrets()["SecretList"]] == ["replicated"]
    with pytest.raises(ClientError) as err:
        west.put_secret_value(SecretId="replicated", SecretString="nope")
    assert _error(err) == {
        "Code": "InvalidRequestException",
        "Message": "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
    }
    east.remove_regions_from_replication(SecretId="replicated", RemoveReplicaRegions=["eu-west-1"])
    with pytest.raises(ClientError) as err:
        west.describe_secret(SecretId="replicated")
    assert _error(err)["Code"] == "ResourceNotFoundException"


def test_stopping_replication_makes_the_replica_standalone(aws_client):
    east = aws_client("secretsmanager")
    west = aws_client("secretsmanager", region="eu-west-1")
    east.create_secret(Name="promoted", SecretString="v1", AddReplicaRegions=[{"Region": "eu-west-1"}])
    west.stop_replication_to_replica(SecretId="promoted")
    assert "PrimaryRegion" not in west.describe_secret(SecretId="promoted")
    assert "ReplicationStatus" not in east.describe_secret(SecretId="promoted")
    west.put_secret_value(SecretId="promoted", SecretString="mine")
    assert east.get_secret_value(SecretId="promoted")["SecretString"] == "v1"


def test_filters_need_a_key_and_values(sm):
    with pytest.raises(ClientError) as err:
        sm.list_secrets(Filters=[{"Key": "name"}])
    assert _error(err) == {"Code": "InvalidParameterException", "Message": "Invalid filter values for key: name"}
    with pytest.raises(ClientError) as err:
        sm.list_secrets(Filters=[{"Values": ["x"]}])
    assert _error(err) == {"Code": "InvalidParameterException", "Message": "Invalid filter key"}


def test_replication_conflicts_and_deleting_a_replicated_primary(aws_client):
    east = aws_client("secretsmanager")
    west = aws_client("secretsmanager", region="eu-west-1")
    with pytest.raises(ClientError) as err:
        east.create_secret(Name="same-region", SecretString="v", AddReplicaRegions=[{"Region": "us-east-1"}])
    assert _error(err) == {"Code": "InvalidParameterException", "Message": "Invalid replica region."}
    west.create_secret(Name="taken", SecretString="theirs")
    out = east.create_secret(Name="taken", SecretString="ours", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert out["ReplicationStatus"][0]["Status"] == "Failed"
    assert "already exists in region eu-west-1" in out["ReplicationStatus"][0]["StatusMessage"]
    assert west.get_secret_value(SecretId="taken")["SecretString"] == "theirs"
    out = east.replicate_secret_to_regions(
        SecretId="taken", AddReplicaRegions=[{"Region": "eu-west-1"}], ForceOverwriteReplicaSecret=True
    )
    assert out["ReplicationStatus"][0]["Status"] == "InSync"
    assert west.get_secret_value(SecretId="taken")["SecretString"] == "ours"
    with pytest.raises(ClientError) as err:
        east.delete_secret(SecretId="taken", ForceDeleteWithoutRecovery=True)
    assert _error(err) == {
        "Code": "InvalidParameterException",
        "Message": "You can't delete secret taken that still has replica regions [eu-west-1]",
    }
