"""With --data-dir, IAM access keys and STS sessions sign requests again after a restart."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def client(server, service, key="test", secret="test", token=None):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
    )


def test_keys_and_sessions_survive_a_restart(tmp_path):
    data_dir = str(tmp_path / "data")
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as first:
        iam = client(first, "iam")
        user = iam.create_user(UserName="durable")["User"]
        key = iam.create_access_key(UserName="durable")["AccessKey"]
        role = client(first, "iam", "111111111111").create_role(
            RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole"}]}),
        )["Role"]
        session = client(first, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")[
            "Credentials"
        ]
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as second:
        me = client(second, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
        assert me["Arn"] == user["Arn"]
        as_role = client(second, "sts", session["AccessKeyId"], session["SecretAccessKey"],
                         session["SessionToken"]).get_caller_identity()
        assert as_role["Arn"] == "arn:aws:sts::111111111111:assumed-role/r/s1"
        assert client(second, "iam").get_user(UserName="durable")["User"]["UserId"] == user["UserId"]
        with pytest.raises(ClientError):
            client(second, "iam").get_user(UserName="never-made")
