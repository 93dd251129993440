"""Secrets Manager through boto3: values, versions and stages, deletion, listing, policies,
passwords, rotation schedules, and the KMS calls it makes."""

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sm(aws_client):
    return aws_client("secretsmanager")


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_create_get_string_and_binary(sm):
    created = sm.create_secret(Name="db/password", SecretString='{"user":"app","password":"pw"}', Description="db")
    assert created["ARN"].startswith("arn:aws:secretsmanager:us-east-1:000000000000:secret:db/password-")
    assert len(created["ARN"].rsplit("-", 1)[1]) == 6
    value = sm.get_secret_value(SecretId="db/password")
    assert json.loads(value["SecretString"]) == {"user": "app", "password": "pw"}
    assert value["VersionStages"] == ["AWSCURRENT"] and value["VersionId"] == created["VersionId"]
    # By full ARN and by partial ARN (without the random suffix).
    assert sm.get_secret_value(SecretId=created["ARN"])["Name"] == "db/password"
    assert sm.get_secret_value(SecretId=created["ARN"][:-7])["Name"] == "db/password"
    sm.create_secret(Name="cert", SecretBinary=b"\x00\x01binary")
    assert sm.get_secret_value(SecretId="cert")["SecretBinary"] == b"\x00\x01binary"
    with pytest.raises(ClientError) as err:
        sm.create_secret(Name="cert", SecretString="x")
    assert _error(err) == {
        "Code": "ResourceExistsException",
        "Message": "The operation failed because the secret cert already exists.",
    }
    with pytest.raises(ClientError) as err:
        sm.get_secret_value(SecretId="missing")
    assert _error(err) == {
        "Code": "ResourceNotFoundException",
        "Message": "Secrets Manager can't find the specified secret.",
    }


def test_secret_rotated_through_its_stages_by_hand(sm):
    v1 = sm.create_secret(Name="rot", SecretString="one")["VersionId"]
    # A rotation's createSecret step: the new value goes in as AWSPENDING.
    v2 = sm.put_secret_value(SecretId="rot", SecretString="two", VersionStages=["AWSPENDING"])["VersionId"]
    assert sm.get_secret_value(SecretId="rot")["SecretString"] == "one"
    assert sm.get_secret_value(SecretId="rot", VersionStage="AWSPENDING")["SecretString"] == "two"
    with pytest.raises(ClientError) as err:
        sm.update_secret_version_stage(SecretId="rot", VersionStage="AWSCURRENT", MoveToVersionId=v2)
    assert _error(err) == {
        "Code": "InvalidParameterException",
        "Message": "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is "
        f"currently attached to version {v1}, so you must explicitly reference that version in "
        "RemoveFromVersionId.",
    }
    # finishSecret: move AWSCURRENT, then drop AWSPENDING.
    sm.update_secret_version_stage(SecretId="rot", VersionStage="AWSCURRENT", MoveToVersionId=v2, RemoveFromVersionId=v1)
    sm.update_secret_version_stage(SecretId="rot", VersionStage="AWSPENDING", RemoveFromVersionId=v2)
    stages = sm.describe_secret(SecretId="rot")["VersionIdsToStages"]
    assert stages == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId="rot")["SecretString"] == "two"
    assert sm.get_secret_value(SecretId="rot", VersionStage="AWSPREVIOUS")["SecretString"] == "one"
    # A third value pushes the first out of every stage: deprecated, listed only on request.
    v3 = sm.put_secret_value(SecretId="rot", SecretString="three")["VersionId"]
    listed = sm.list_secret_version_ids(SecretId="rot")["Versions"]
    assert {v["VersionId"]: v["VersionStages"] for v in listed} == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    everything = sm.list_secret_version_ids(SecretId="rot", IncludeDeprecated=True)["Versions"]
    assert {v["VersionId"] for v in everything} == {v1, v2, v3}
    with pytest.raises(ClientError) as err:
        sm.update_secret_version_stage(SecretId="rot", VersionStage="AWSCURRENT", RemoveFromVersionId=v3)
    assert _error(err)["Code"] == "InvalidParameterException"


def test_put_secret_value_is_idempotent_per_token(sm):
    sm.create_secret(Name="idem", SecretString="a")
    token = "11111111-2222-3333-4444-555555555555"
    first = sm.put_secret_value(SecretId="idem", SecretString="b", ClientRequestToken=token)
    again = sm.put_secret_value(SecretId="idem", SecretString="b", ClientRequestToken=token)
    assert first["VersionId"] == again["VersionId"] == token
    with pytest.raises(ClientError) as err:
        sm.put_secret_value(SecretId="idem", SecretString="c", ClientRequestToken=token)
    assert _error(err) == {
        "Code": "ResourceExistsException",
        "Message": "You can't modify an existing version, you can only create a new version.",
    }


def test_delete_with_recovery_window_restore_and_force(sm, cloudtwin):
    sm.create_secret(Name="gone", SecretString="x")
    out = sm.delete_secret(SecretId="gone", RecoveryWindowInDays=7)
    assert "DeletionDate" in out
    with pytest.raises(ClientError) as err:
        sm.get_secret_value(SecretId="gone")
    assert _error(err) == {
        "Code": "InvalidRequestException",
        "Message": "You can't perform this operation on the secret because it was marked for deletion.",
    }
    assert "DeletedDate" in sm.describe_secret(SecretId="gone")
    assert sm.list_secrets()["SecretList"] == []
    assert [s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]] == ["gone"]
    sm.restore_secret(SecretId="gone")
    assert sm.get_secret_value(SecretId="gone")["SecretString"] == "x"
    sm.delete_secret(SecretId="gone", RecoveryWindowInDays=7)
    report = cloudtwin.control().advance(7 * 86400 + 1)
    assert report["processed"]["secretsmanager-secrets"]["purged"] == 1
    with pytest.raises(ClientError) as err:
        sm.describe_secret(SecretId="gone")
    assert _error(err)["Code"] == "ResourceNotFoundException"
    sm.create_secret(Name="now", SecretString="x")
    with pytest.raises(ClientError) as err:
        sm.delete_secret(SecretId="now", RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert _error(err) == {
        "Code": "InvalidParameterException",
        "Message": "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    }
    sm.delete_secret(SecretId="now", ForceDeleteWithoutRecovery=True)
    sm.create_secret(Name="now", SecretString="again")


def test_list_filters_and_pagination(sm):
    sm.create_secret(Name="prod/db", SecretString="x", Description="Database password",
                     Tags=[{"Key": "env", "Value": "prod"}])
    sm.create_secret(Name="prod/api", SecretString="x", Tags=[{"Key": "env", "Value": "prod"}])
    sm.create_secret(Name="dev/db", SecretString="x", Tags=[{"Key": "env", "Value": "dev"}])
    names = lambda **kw: sorted(s["Name"] for s in sm.list_secrets(**kw)["SecretList"])  # noqa: E731
    assert names(Filters=[{"Key": "name", "Values": ["prod/"]}]) == ["prod/api", "prod/db"]
    assert names(Filters=[{"Key": "name", "Values": ["Prod/"]}]) == []
    assert names(Filters=[{"Key": "description", "Values": ["database"]}]) == ["prod/db"]
    assert names(Filters=[{"Key": "tag-value", "Values": ["!prod"]}]) == ["dev/db"]
    assert names(Filters=[{"Key": "tag-key", "Values": ["env"]}, {"Key": "name", "Values": ["dev"]}]) == ["dev/db"]
    assert names(Filters=[{"Key": "all", "Values": ["db"]}]) == ["dev/db", "prod/db"]
    first = sm.list_secrets(MaxResults=2, SortOrder="asc")
    assert [s["Name"] for s in first["SecretList"]] == ["prod/db", "prod/api"]
    second = sm.list_secrets(MaxResults=2, SortOrder="asc", NextToken=first["NextToken"])
    assert [s["Name"] for s in second["SecretList"]] == ["dev/db"] and "NextToken" not in second
    entry = first["SecretList"][0]
    assert list(entry["SecretVersionsToStages"].values()) == [["AWSCURRENT"]]
    batch = sm.batch_get_secret_value(SecretIdList=["prod/db", "nope"])
    assert [v["Name"] for v in batch["SecretValues"]] == ["prod/db"]
    assert batch["Errors"] == [{
        "SecretId": "nope", "ErrorCode": "ResourceNotFoundException",
        "Message": "Secrets Manager can't find the specified secret.",
    }]
    batch = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["prod/"]}])
    assert sorted(v["Name"] for v in batch["SecretValues"]) == ["prod/api", "prod/db"]


def test_update_tags_and_policies(sm):
    sm.create_secret(Name="pol", SecretString="v1")
    out = sm.update_secret(SecretId="pol", SecretString="v2", Description="new")
    assert sm.get_secret_value(SecretId="pol")["VersionId"] == out["VersionId"]
    sm.tag_resource(SecretId="pol", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    sm.untag_resource(SecretId="pol", TagKeys=["a"])
    described = sm.describe_secret(SecretId="pol")
    assert described["Tags"] == [{"Key": "b", "Value": "2"}] and described["Description"] == "new"
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    with pytest.raises(ClientError) as err:
        sm.put_resource_policy(SecretId="pol", ResourcePolicy=public, BlockPublicPolicy=True)
    assert _error(err)["Code"] == "PublicPolicyException"
    check = sm.validate_resource_policy(ResourcePolicy=public)
    assert check["PolicyValidationPassed"] is False and check["ValidationErrors"][0]["CheckName"]
    narrow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    assert sm.validate_resource_policy(ResourcePolicy=narrow)["PolicyValidationPassed"] is True
    sm.put_resource_policy(SecretId="pol", ResourcePolicy=narrow, BlockPublicPolicy=True)
    assert sm.get_resource_policy(SecretId="pol")["ResourcePolicy"] == narrow
    sm.delete_resource_policy(SecretId="pol")
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId="pol")
    with pytest.raises(ClientError) as err:
        sm.put_resource_policy(SecretId="pol", ResourcePolicy="{nope")
    assert _error(err)["Code"] == "MalformedPolicyDocumentException"


def test_random_password_options(sm):
    pw = sm.get_random_password()["RandomPassword"]
    assert len(pw) == 32
    pw = sm.get_random_password(PasswordLength=50, ExcludePunctuation=True, ExcludeUppercase=True,
                                ExcludeCharacters="abc")["RandomPassword"]
    assert len(pw) == 50 and pw.isalnum() and pw == pw.lower() and not set(pw) & set("abc")
    pw = sm.get_random_password(PasswordLength=4, ExcludeLowercase=True, ExcludeUppercase=True,
                                ExcludePunctuation=True, IncludeSpace=True)["RandomPassword"]
    assert " " in pw and sum(c.isdigit() for c in pw) >= 1
    with pytest.raises(ClientError) as err:
        sm.get_random_password(ExcludeLowercase=True, ExcludeUppercase=True, ExcludeNumbers=True,
                               ExcludePunctuation=True)
    assert _error(err)["Code"] == "InvalidParameterException"


EXTERNAL_ROTATION = {
    "ExternalSecretRotationMetadata": [{"Key": "tenant", "Value": "t-1"}],
    "ExternalSecretRotationRoleArn": "arn:aws:iam::000000000000:role/rotator",
}


def test_rotation_schedule_on_the_virtual_clock(sm, cloudtwin):
    sm.create_secret(Name="auto", SecretString="x")
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId="auto")
    assert _error(err) == {
        "Code": "InvalidRequestException",
        "Message": "No Lambda rotation function ARN is associated with this secret.",
    }
    # cloudtwin has no Lambda yet, so the schedule is driven by a managed external rotation.
    out = sm.rotate_secret(SecretId="auto", **EXTERNAL_ROTATION,
                           RotationRules={"AutomaticallyAfterDays": 10}, RotateImmediately=False)
    described = sm.describe_secret(SecretId="auto")
    assert described["RotationEnabled"] is True and "RotationLambdaARN" not in described
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 10
    first_due = described["NextRotationDate"]
    report = cloudtwin.control().advance(10 * 86400 + 60)
    assert report["processed"]["secretsmanager-secrets"]["rotations_started"] == 1
    assert sm.describe_secret(SecretId="auto")["NextRotationDate"] > first_due
    sm.rotate_secret(SecretId="auto", RotationRules={"ScheduleExpression": "cron(0 12 ? * MON *)"},
                     RotateImmediately=False)
    nxt = sm.describe_secret(SecretId="auto")["NextRotationDate"]
    assert nxt.weekday() == 0 and nxt.hour == 12 and nxt.minute == 0
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId="auto", RotationRules={"ScheduleExpression": "every tuesday"})
    assert _error(err) == {"Code": "InvalidParameterException", "Message": "Invalid ScheduleExpression format."}
    assert out["VersionId"]
    sm.cancel_rotate_secret(SecretId="auto")
    assert sm.describe_secret(SecretId="auto")["RotationEnabled"] is False


def test_replication_settings_are_stored(sm):
    out = sm.create_secret(Name="rep", SecretString="x", AddReplicaRegions=[{"Region": "eu-west-1"}])
    assert out["ReplicationStatus"][0]["Region"] == "eu-west-1"
    sm.replicate_secret_to_regions(SecretId="rep", AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": "alias/x"}])
    described = sm.describe_secret(SecretId="rep")
    assert [r["Region"] for r in described["ReplicationStatus"]] == ["eu-west-1", "us-west-2"]
    assert described["PrimaryRegion"] == "us-east-1"
    sm.remove_regions_from_replication(SecretId="rep", RemoveReplicaRegions=["eu-west-1"])
    assert [r["Region"] for r in sm.describe_secret(SecretId="rep")["ReplicationStatus"]] == ["us-west-2"]


def test_kms_calls_recorded_with_secret_encryption_context(aws_client, cloudtwin):
    sm, kms = aws_client("secretsmanager"), aws_client("kms")
    key = kms.create_key()["KeyMetadata"]
    created = sm.create_secret(Name="enc", SecretString="top", KmsKeyId=key["Arn"])
    sm.get_secret_value(SecretId="enc")
    calls = cloudtwin.control()._call("GET", "kms/calls", query={"internal": 1})["calls"]
    assert [c["operation"] for c in calls] == ["GenerateDataKey", "Decrypt"]
    context = {"SecretARN": created["ARN"], "SecretVersionId": created["VersionId"]}
    assert all(c["encryption_context"] == context and c["key_id"] == key["KeyId"] for c in calls)
    assert calls[0]["caller"] == "arn:aws:iam::000000000000:user/cloudtwin"
    # Default key: aws/secretsmanager, made on first use.
    sm.create_secret(Name="default", SecretString="x")
    managed = kms.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS"
    last = cloudtwin.control()._call("GET", "kms/calls", query={"internal": 1, "limit": 1})["calls"][0]
    assert last["key_id"] == managed["KeyId"] and last["operation"] == "GenerateDataKey"
    # A disabled key makes the secret unreadable.
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as err:
        sm.get_secret_value(SecretId="enc")
    assert _error(err)["Code"] == "DecryptionFailure"


def test_due_rotation_publishes_an_event_for_the_rotation_function(sm, server, cloudtwin):
    events = server.app.services.env.events
    seen = []
    events.subscribe("secretsmanager:RotationStarted", seen.append)
    try:
        arn = sm.create_secret(Name="evented", SecretString="x")["ARN"]
        token = sm.rotate_secret(SecretId="evented", **EXTERNAL_ROTATION,
                                 RotationRules={"ScheduleExpression": "rate(4 hours)"})["VersionId"]
        cloudtwin.control().advance(4 * 3600 + 1)
        # Events are delivered on the server's loop right after the publisher's work: one more
        # request round trip guarantees the loop has run them.
        sm.describe_secret(SecretId="evented")
    finally:
        events.unsubscribe("secretsmanager:RotationStarted", seen.append)
    details = [e.detail for e in seen]
    assert [d["SecretId"] for d in details] == [arn, arn]
    assert details[0]["ClientRequestToken"] == token and details[0]["RotationLambdaARN"] is None
    assert details[1]["ClientRequestToken"] != token


def test_cross_account_replica_follows_its_primary(endpoint):
    import boto3

    def clients(account):
        kwargs = dict(endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=account, aws_secret_access_key="test")
        return boto3.client("secretsmanager", **kwargs), boto3.client("kms", **kwargs)

    (primary_sm, _), (replica_sm, replica_kms) = clients("111111111111"), clients("222222222222")
    primary = primary_sm.create_secret(Name="shared", SecretString="v1")
    key = replica_kms.create_key()["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as err:
        replica_sm.create_secret(Name="shared-copy", CrossAccountPrimaryARN=primary["ARN"])
    assert _error(err)["Code"] == "InvalidParameterException"
    replica = replica_sm.create_secret(Name="shared-copy", CrossAccountPrimaryARN=primary["ARN"], KmsKeyId=key)
    assert replica_sm.describe_secret(SecretId="shared-copy")["CrossAccountPrimary"]["ReplicationStatus"] == "Pending"

    out = primary_sm.associate_cross_account_replica(SecretId="shared", CrossAccountReplicaARN=replica["ARN"])
    assert out["ReplicationStatus"] == "InSync"
    assert replica_sm.get_secret_value(SecretId="shared-copy")["SecretString"] == "v1"
    primary_sm.put_secret_value(SecretId="shared", SecretString="v2")
    assert replica_sm.get_secret_value(SecretId="shared-copy")["SecretString"] == "v2"
    links = primary_sm.describe_secret(SecretId="shared")["CrossAccountReplicas"]
    assert [(r["ReplicaSecretARN"], r["ReplicationStatus"]) for r in links] == [(replica["ARN"], "InSync")]
    with pytest.raises(ClientError) as err:
        replica_sm.put_secret_value(SecretId="shared-copy", SecretString="mine")
    assert _error(err)["Code"] == "InvalidRequestException"

    primary_sm.disassociate_cross_account_replica(SecretId="shared", CrossAccountReplicaARN=replica["ARN"])
    primary_sm.put_secret_value(SecretId="shared", SecretString="v3")
    assert replica_sm.get_secret_value(SecretId="shared-copy")["SecretString"] == "v2"
    assert replica_sm.describe_secret(SecretId="shared-copy")["CrossAccountPrimary"]["ReplicationStatus"] == "Detached"
