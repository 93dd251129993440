"""STS through the plugin's boto3 clients and through the environment it sets."""

import boto3


def test_get_caller_identity(aws_client):
    identity = aws_client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:user/cloudtwin"


def test_another_account_and_region(aws_client):
    sts = aws_client("sts", region="eu-west-1", aws_access_key_id="123456789012")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_sdks_built_by_the_code_under_test_reach_the_twin(cloudtwin_env):
    assert boto3.client("sts").get_caller_identity()["Account"] == "000000000000"
