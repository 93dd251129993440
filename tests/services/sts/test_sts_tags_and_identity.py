"""Session tags (case-insensitive keys, transitive keys carried through role chaining),
GetFederationToken's PackedPolicySize, and CLOUDTWIN_DEFAULT_IDENTITY: the IAM user the
default credentials act as."""

import json

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}],
})


@pytest.fixture
def role_arn(aws_client, resource_name):
    name = resource_name("role")
    arn = aws_client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    yield arn
    aws_client("iam").delete_role(RoleName=name)


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_tag_key_rules(aws_client, role_arn):
    sts = aws_client("sts")
    with pytest.raises(ClientError) as err:
        sts.assume_role(
            RoleArn=role_arn, RoleSessionName="tagged", Tags=[{"Key": "Team", "Value": "a"}], TransitiveTagKeys=["Other"]
        )
    assert _error(err)["Code"] == "InvalidParameterValue"
    assert _error(err)["Message"] == "The specified transitive tag key must be included in the requested tags."
    with pytest.raises(ClientError) as err:
        sts.assume_role(
            RoleArn=role_arn, RoleSessionName="tagged",
            Tags=[{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}],
        )
    assert _error(err)["Message"] == "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    # Transitive keys match tags whatever their case.
    sts.assume_role(
        RoleArn=role_arn, RoleSessionName="tagged", Tags=[{"Key": "Team", "Value": "a"}], TransitiveTagKeys=["team"]
    )


def _tag_trust(key: str, value: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {f"aws:PrincipalTag/{key}": value}},
        }],
    })


def test_transitive_tags_pass_through_role_chaining(aws_client, role_arn, endpoint, resource_name):
    iam = aws_client("iam")
    team_role = iam.create_role(RoleName=resource_name("team"), AssumeRolePolicyDocument=_tag_trust("Team", "a"))["Role"]
    stage_role = iam.create_role(RoleName=resource_name("stage"), AssumeRolePolicyDocument=_tag_trust("Stage", "dev"))["Role"]
    try:
        first = aws_client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName="first",
            Tags=[{"Key": "Team", "Value": "a"}, {"Key": "Stage", "Value": "dev"}], TransitiveTagKeys=["Team"],
        )["Credentials"]

        def as_session(credentials):
            return boto3.client(
                "sts", endpoint_url=endpoint, region_name="us-east-1",
                aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                config=BotoConfig(retries={"total_max_attempts": 1}),
            )

        # The first session carries both tags.
        as_session(first).assume_role(RoleArn=stage_role["Arn"], RoleSessionName="check")
        second = as_session(first).assume_role(RoleArn=role_arn, RoleSessionName="second")["Credentials"]
        # Chained: only the transitive tag came along.
        as_session(second).assume_role(RoleArn=team_role["Arn"], RoleSessionName="third")
        with pytest.raises(ClientError) as err:
            as_session(second).assume_role(RoleArn=stage_role["Arn"], RoleSessionName="third")
        assert _error(err)["Code"] == "AccessDenied"
    finally:
        iam.delete_role(RoleName=team_role["RoleName"])
        iam.delete_role(RoleName=stage_role["RoleName"])


def test_federation_token_states_packed_policy_size(aws_client):
    out = aws_client("sts").get_federation_token(Name="fed-user")
    assert out["PackedPolicySize"] == 0


def test_default_identity_is_configurable(monkeypatch):
    monkeypatch.setenv("CLOUDTWIN_DEFAULT_IDENTITY", "arn:aws:iam::123456789012:user/team/alice")
    config = Config.from_env(port=free_port(), log_level="warning")
    assert config.default_account == "123456789012"
    server = ServerThread(config).start()
    try:
        sts = boto3.client(
            "sts", endpoint_url=server.endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=BotoConfig(retries={"total_max_attempts": 1}),
        )
        me = sts.get_caller_identity()
        assert me["Arn"] == "arn:aws:iam::123456789012:user/team/alice"
        assert me["Account"] == "123456789012"
        assert me["UserId"].startswith("AIDA") and len(me["UserId"]) == 21
        assert sts.get_caller_identity()["UserId"] == me["UserId"]
        # A 12-digit key picks that account's user of the same name.
        other = boto3.client(
            "sts", endpoint_url=server.endpoint, region_name="us-east-1",
            aws_access_key_id="111111111111", aws_secret_access_key="test",
        )
        assert other.get_caller_identity()["Arn"] == "arn:aws:iam::111111111111:user/team/alice"
    finally:
        server.stop()


@pytest.mark.parametrize("value", ["root", "arn:aws:iam::000000000000:root"])
def test_default_identity_may_be_the_root(monkeypatch, value):
    monkeypatch.setenv("CLOUDTWIN_DEFAULT_IDENTITY", value)
    config = Config.from_env(port=free_port(), log_level="warning")
    assert config.default_account == "000000000000"
    server = ServerThread(config).start()
    try:
        def session(key):
            return boto3.Session(aws_access_key_id=key, aws_secret_access_key="test",
                                 region_name="us-east-1")

        sts = session("test").client("sts", endpoint_url=server.endpoint)
        me = sts.get_caller_identity()
        assert (me["Arn"], me["UserId"]) == ("arn:aws:iam::000000000000:root", "000000000000")
        iam = session("test").client("iam", endpoint_url=server.endpoint)
        assert iam.get_user()["User"]["UserId"] == "000000000000"
        other = session("111111111111").client("sts", endpoint_url=server.endpoint)
        assert other.get_caller_identity()["Arn"] == "arn:aws:iam::111111111111:root"
    finally:
        server.stop()


def test_default_identity_must_be_a_user_arn(monkeypatch):
    monkeypatch.setenv("CLOUDTWIN_DEFAULT_IDENTITY", "arn:aws:iam::123456789012:role/admin")
    with pytest.raises(ValueError):
        Config.from_env()
