"""KMS, Secrets Manager, SSM and IAM pages: secret values stay out of the page until asked."""

from __future__ import annotations

import json
import re


def _reveal_args(text: str, action: str) -> list[dict]:
    found = re.findall(r'data-reveal="([^"]+)" data-args="([^"]+)"', text)
    from html import unescape

    return [json.loads(unescape(args)) for url, args in found if url.endswith(action)]


def test_secret_values_are_hidden_until_asked(ui, aws_client) -> None:
    sm = aws_client("secretsmanager")
    arn = sm.create_secret(Name="db-password", SecretString="hunter2-<x>")["ARN"]
    page = ui("/secretsmanager")
    assert "db-password" in page.visible()
    assert "hunter2" not in page.text
    [args] = _reveal_args(page.text, "/secretsmanager/reveal")
    assert args == {"id": arn}
    revealed = ui("/secretsmanager/reveal", method="POST", body=args)
    assert revealed.status == 200
    assert json.loads(revealed.body) == {"value": "hunter2-<x>"}
    gone = ui("/secretsmanager/reveal", method="POST", body={"id": "nope"})
    assert gone.status == 400 and "ResourceNotFoundException" in gone.text


def test_secure_parameters_are_hidden_plain_ones_shown(ui, aws_client) -> None:
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/app/url", Value="http://example.test/", Type="String")
    ssm.put_parameter(Name="/app/token", Value="s3cr3t", Type="SecureString")
    page = ui("/ssm")
    assert "http://example.test/" in page.visible()
    assert "s3cr3t" not in page.text
    [args] = _reveal_args(page.text, "/ssm/reveal")
    assert json.loads(ui("/ssm/reveal", method="POST", body=args).body) == {"value": "s3cr3t"}


def test_kms_keys_with_aliases_and_a_new_key(ui, aws_client) -> None:
    kms = aws_client("kms")
    key = kms.create_key(Description="orders <key>")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key)
    text = ui("/kms").visible()
    assert key in text and "alias/orders" in text and "orders <key>" in text
    assert ui("/kms/create", method="POST", body={"spec": "ECC_NIST_P256"}).status == 200
    specs = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeySpec"] for k in kms.list_keys()["Keys"]]
    assert "ECC_NIST_P256" in specs


def test_iam_entities(ui, aws_client) -> None:
    iam = aws_client("iam")
    iam.create_user(UserName="alice")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_group(GroupName="devs")
    iam.create_policy(PolicyName="read-only-ish", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    text = ui("/iam").visible()
    for name in ("alice", "worker", "devs", "read-only-ish"):
        assert name in text
    assert ui("/iam/create-user", method="POST", body={"name": "bob"}).status == 200
    assert "bob" in [u["UserName"] for u in iam.list_users()["Users"]]


def test_cognito_user_pools_with_users_and_clients(ui, aws_client) -> None:
    idp = aws_client("cognito-idp")
    pool = idp.create_user_pool(PoolName="customers")["UserPool"]["Id"]
    idp.create_user_pool_client(UserPoolId=pool, ClientName="web-app")
    idp.admin_create_user(UserPoolId=pool, Username="grace", UserAttributes=[{"Name": "email", "Value": "grace@example.com"}])
    idp.create_group(UserPoolId=pool, GroupName="admins")
    assert "customers" in ui("/cognito-idp").visible()
    text = ui(f"/cognito-idp/pool?id={pool}").visible()
    for expected in ("grace", "grace@example.com", "FORCE_CHANGE_PASSWORD", "web-app", "admins"):
        assert expected in text
