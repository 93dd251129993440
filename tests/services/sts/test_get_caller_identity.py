import json
import os
import subprocess
import sys

import pytest


def test_default_credentials_are_the_default_user(aws_client):
    identity = aws_client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:user/cloudtwin"
    assert identity["UserId"].startswith("AIDA") and len(identity["UserId"]) == 21
    assert aws_client("sts").get_caller_identity()["UserId"] == identity["UserId"]
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert identity["ResponseMetadata"]["RequestId"]


def test_twelve_digit_access_key_selects_the_account(endpoint):
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="123456789012",
        aws_secret_access_key="test",
    )
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/cloudtwin"


def test_partition_follows_the_region(endpoint):
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="cn-north-1",
        aws_access_key_id="210987654321",
        aws_secret_access_key="test",
    )
    assert sts.get_caller_identity()["Arn"] == "arn:aws-cn:iam::210987654321:user/cloudtwin"


def test_aws_cli_get_caller_identity(endpoint, tmp_path):
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    cli = [sys.executable, "-m", "awscli"]
    out = subprocess.run(
        [*cli, "sts", "get-caller-identity", "--endpoint-url", endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    identity = json.loads(out.stdout)
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:user/cloudtwin"


@pytest.mark.parametrize("via_env", [True, False])
def test_aws_endpoint_url_env_is_honoured(endpoint, monkeypatch, via_env):
    import boto3

    if via_env:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        sts = boto3.client("sts", region_name="us-east-1")
    else:
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)
    assert sts.get_caller_identity()["Account"] == "000000000000"
