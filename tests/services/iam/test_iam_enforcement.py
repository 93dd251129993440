"""CLOUDTWIN_ENFORCE_IAM=1: calls signed with IAM-issued credentials are allowed or denied
by their policies; root and default credentials are always allowed."""

import json

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port

NO_RETRIES = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def enforcing():
    config = Config.from_env(port=free_port(), log_level="warning")
    config.enforce_iam = True
    server = ServerThread(config).start()
    yield server
    server.stop()


def client(server, service, key="test", secret="test", token=None):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="us-east-1", config=NO_RETRIES,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
    )


def test_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("CLOUDTWIN_ENFORCE_IAM", "1")
    assert Config.from_env().enforce_iam is True
    monkeypatch.setenv("CLOUDTWIN_ENFORCE_IAM", "0")
    assert Config.from_env().enforce_iam is False


def test_user_key_allowed_and_denied_by_its_policy(enforcing):
    admin = client(enforcing, "iam")  # default credentials: the default user, always allowed
    admin.create_user(UserName="limited")
    admin.put_user_policy(UserName="limited", PolicyName="sqs-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sqs:CreateQueue", "sqs:GetQueueUrl"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"},
        ],
    }))
    key = admin.create_access_key(UserName="limited")["AccessKey"]
    creds = (key["AccessKeyId"], key["SecretAccessKey"])
    arn = "arn:aws:iam::000000000000:user/limited"

    sqs = client(enforcing, "sqs", *creds)
    url = sqs.create_queue(QueueName="allowed-queue")["QueueUrl"]
    assert url.endswith("/000000000000/allowed-queue")

    with pytest.raises(ClientError) as err:
        sqs.delete_queue(QueueUrl=url)
    error = err.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: {arn} is not authorized to perform: sqs:DeleteQueue on resource: "
        "arn:aws:sqs:us-east-1:000000000000:allowed-queue with an explicit deny in an "
        "identity-based policy"
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    user_iam = client(enforcing, "iam", *creds)
    assert user_iam.get_user(UserName="limited")["User"]["Arn"] == arn
    with pytest.raises(ClientError) as err:
        user_iam.get_user(UserName="someone-else")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as err:
        user_iam.create_user(UserName="escalate")
    assert err.value.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: iam:CreateUser on resource: "
        "arn:aws:iam::000000000000:user/escalate because no identity-based policy allows "
        "the iam:CreateUser action"
    )
    # GetCallerIdentity needs no permission
    assert client(enforcing, "sts", *creds).get_caller_identity()["Arn"] == arn
    # the root / default credentials are never denied
    admin.create_user(UserName="root-may")


def test_json_protocol_denial_uses_access_denied_exception(enforcing):
    admin = client(enforcing, "iam")
    admin.create_user(UserName="nobody")
    key = admin.create_access_key(UserName="nobody")["AccessKey"]
    ddb = client(enforcing, "dynamodb", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as err:
        ddb.list_tables()
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert err.value.response["Error"]["Message"] == (
        "User: arn:aws:iam::000000000000:user/nobody is not authorized to perform: "
        "dynamodb:ListTables because no identity-based policy allows the dynamodb:ListTables action"
    )


def test_group_and_managed_policies_and_boundary(enforcing):
    admin = client(enforcing, "iam")
    admin.create_group(GroupName="iam-admins")
    admin.attach_group_policy(GroupName="iam-admins", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    boundary = admin.create_policy(PolicyName="no-deletes", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotAction": "iam:Delete*", "Resource": "*"}],
    }))["Policy"]["Arn"]
    admin.create_user(UserName="member", PermissionsBoundary=boundary)
    admin.add_user_to_group(GroupName="iam-admins", UserName="member")
    key = admin.create_access_key(UserName="member")["AccessKey"]
    member = client(enforcing, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    member.create_user(UserName="made-by-member")
    with pytest.raises(ClientError) as err:
        member.delete_user(UserName="made-by-member")
    assert err.value.response["Error"]["Message"].endswith(
        "because no permissions boundary allows the iam:DeleteUser action"
    )


def test_assumed_role_session_is_limited_by_role_and_session_policy(enforcing):
    admin = client(enforcing, "iam")
    role = admin.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole"}],
    }))["Role"]
    admin.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    creds = client(enforcing, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    session = client(enforcing, "iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert session.get_role(RoleName="reader")["Role"]["RoleName"] == "reader"
    with pytest.raises(ClientError) as err:
        session.create_user(UserName="x")
    assert err.value.response["Error"]["Message"].startswith(
        "User: arn:aws:sts::000000000000:assumed-role/reader/s1 is not authorized to perform: iam:CreateUser"
    )
    narrowed = client(enforcing, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="s2",
        Policy=json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}),
    )["Credentials"]
    narrow = client(enforcing, "iam", narrowed["AccessKeyId"], narrowed["SecretAccessKey"],
                    narrowed["SessionToken"])
    assert [r["RoleName"] for r in narrow.list_roles()["Roles"]] == ["reader"]
    with pytest.raises(ClientError) as err:
        narrow.get_role(RoleName="reader")
    assert err.value.response["Error"]["Message"].endswith(
        "because no session policy allows the iam:GetRole action"
    )


def test_federation_token_is_the_intersection_of_user_and_session_policy(enforcing):
    admin = client(enforcing, "iam")
    admin.create_user(UserName="broker")
    admin.attach_user_policy(UserName="broker", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = admin.create_access_key(UserName="broker")["AccessKey"]
    sts = client(enforcing, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    bare = sts.get_federation_token(Name="nopolicy")["Credentials"]
    with pytest.raises(ClientError) as err:
        client(enforcing, "iam", bare["AccessKeyId"], bare["SecretAccessKey"], bare["SessionToken"]).list_users()
    assert err.value.response["Error"]["Message"].startswith(
        "User: arn:aws:sts::000000000000:federated-user/nopolicy is not authorized to perform: iam:ListUsers"
    )
    scoped = sts.get_federation_token(Name="lister", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]}))
    creds = scoped["Credentials"]
    fed = client(enforcing, "iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert "broker" in [u["UserName"] for u in fed.list_users()["Users"]]
    with pytest.raises(ClientError):
        fed.create_user(UserName="nope")
    # a session token of the user acts with the user's own permissions
    session = sts.get_session_token()["Credentials"]
    as_session = client(enforcing, "iam", session["AccessKeyId"], session["SecretAccessKey"],
                        session["SessionToken"])
    as_session.create_user(UserName="by-session")


def test_expired_credentials_on_a_json_service(enforcing):
    admin = client(enforcing, "iam")
    role = admin.create_role(RoleName="brief", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole"}],
    }))["Role"]
    creds = client(enforcing, "sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="short", DurationSeconds=900)["Credentials"]
    enforcing.app.clock.advance(900)
    ddb = client(enforcing, "dynamodb", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    with pytest.raises(ClientError) as err:
        ddb.list_tables()
    assert err.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert err.value.response["Error"]["Message"] == "The security token included in the request is expired"


def test_default_principal_session_tokens_stay_all_powerful(enforcing):
    session = client(enforcing, "sts").get_session_token(DurationSeconds=900)["Credentials"]
    as_root = client(enforcing, "iam", session["AccessKeyId"], session["SecretAccessKey"],
                     session["SessionToken"])
    as_root.create_user(UserName="made-by-root-session")
    fed = client(enforcing, "sts").get_federation_token(Name="rootfed", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}))
    creds = fed["Credentials"]
    fed_iam = client(enforcing, "iam", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert fed_iam.get_user(UserName="made-by-root-session")["User"]["UserName"] == "made-by-root-session"
    with pytest.raises(ClientError) as err:
        fed_iam.create_user(UserName="x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_session_tags_are_principal_tags(enforcing):
    admin = client(enforcing, "iam")
    role = admin.create_role(RoleName="abac", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "000000000000"},
                       "Action": ["sts:AssumeRole", "sts:TagSession"]}],
    }))["Role"]
    admin.put_role_policy(RoleName="abac", PolicyName="by-team", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}],
    }))
    admin.create_user(UserName="target")
    sts = client(enforcing, "sts")
    for team, allowed in (("blue", True), ("red", False)):
        creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=f"t-{team}",
                                Tags=[{"Key": "team", "Value": team}])["Credentials"]
        session = client(enforcing, "iam", creds["AccessKeyId"], creds["SecretAccessKey"],
                         creds["SessionToken"])
        if allowed:
            assert session.get_user(UserName="target")["User"]["UserName"] == "target"
        else:
            with pytest.raises(ClientError):
                session.get_user(UserName="target")
    plain = admin.create_role(RoleName="no-tagging", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole"}],
    }))["Role"]
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=plain["Arn"], RoleSessionName="t1", Tags=[{"Key": "team", "Value": "x"}])
    assert err.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::000000000000:user/cloudtwin is not authorized to perform: sts:TagSession "
        f"on resource: {plain['Arn']}"
    )
