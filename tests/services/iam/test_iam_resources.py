"""IAM's CloudFormation resource handlers, checked through IAM's API."""

from __future__ import annotations

import json
import re

import pytest
from botocore.exceptions import ClientError

from cloudtwin.deployment.handler import UpdateNeedsReplacement

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def test_role_with_generated_name_inline_and_managed_policies(handlers, aws_client):
    iam = aws_client("iam")
    role = handlers.create("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": TRUST,
        "Path": "/service/",
        "Policies": [{"PolicyName": "inline", "PolicyDocument": DOC}],
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "Tags": [{"Key": "team", "Value": "a"}],
    }, logical_id="MyRole")
    name = role.physical_id
    assert name.startswith("test-stack-MyRole-") and len(name) <= 64
    got = iam.get_role(RoleName=name)["Role"]
    assert got["Arn"] == role.attributes["Arn"]
    assert got["RoleId"] == role.attributes["RoleId"]
    assert got["Path"] == "/service/"
    assert {t["Key"]: t["Value"] for t in got["Tags"]}["team"] == "a"
    # IAM reserves the aws: prefix: CloudFormation's stack tags are not put on IAM resources
    assert not [t for t in got["Tags"] if t["Key"].startswith("aws:")]
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["inline"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

    updated = handlers.update(role, {
        **role.properties,
        "Policies": [{"PolicyName": "other", "PolicyDocument": DOC}],
        "ManagedPolicyArns": [],
        "Description": "now described",
    })
    assert updated.physical_id == name
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["other"]
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert iam.get_role(RoleName=name)["Role"]["Description"] == "now described"

    with pytest.raises(UpdateNeedsReplacement):
        handlers.update(updated, {**updated.properties, "RoleName": "renamed"})

    handlers.delete(updated)
    with pytest.raises(ClientError) as err:
        iam.get_role(RoleName=name)
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    handlers.delete(updated)  # already gone: still fine


def test_managed_policy_versions_and_attachments(handlers, aws_client):
    iam = aws_client("iam")
    role = handlers.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": json.dumps(TRUST), "RoleName": "holder"})
    policy = handlers.create("AWS::IAM::ManagedPolicy", {"PolicyDocument": DOC, "Roles": ["holder"]})
    arn = policy.physical_id
    assert arn.startswith("arn:aws:iam::000000000000:policy/test-stack-Resource-")
    assert policy.attributes["PolicyArn"] == arn
    assert policy.attributes["DefaultVersionId"] == "v1"
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="holder")["AttachedPolicies"]] == [arn]

    changed = {**DOC, "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    updated = handlers.update(policy, {"PolicyDocument": changed, "Roles": []})
    assert updated.attributes["DefaultVersionId"] == "v2"
    assert iam.list_attached_role_policies(RoleName="holder")["AttachedPolicies"] == []

    handlers.delete(updated)
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=arn)
    handlers.delete(role)


def test_inline_policy_user_group_profile_and_key(handlers, aws_client):
    iam = aws_client("iam")
    handlers.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "RoleName": "r1"})
    group = handlers.create("AWS::IAM::Group", {"GroupName": "g1"})
    assert group.attributes["Arn"].endswith(":group/g1")
    user = handlers.create("AWS::IAM::User", {"UserName": "u1", "Groups": ["g1"]})
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u1")["Groups"]] == ["g1"]

    policy = handlers.create("AWS::IAM::Policy", {
        "PolicyName": "shared", "PolicyDocument": DOC, "Roles": ["r1"], "Users": ["u1"], "Groups": ["g1"],
    }, logical_id="fnServiceRoleDefaultPolicy")
    assert re.fullmatch(r"test--fnSe-[A-Z0-9]{12}", policy.physical_id)
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == ["shared"]
    assert iam.list_user_policies(UserName="u1")["PolicyNames"] == ["shared"]
    assert iam.list_group_policies(GroupName="g1")["PolicyNames"] == ["shared"]
    policy = handlers.update(policy, {"PolicyName": "shared", "PolicyDocument": DOC, "Roles": ["r1"]})
    assert iam.list_user_policies(UserName="u1")["PolicyNames"] == []

    profile = handlers.create("AWS::IAM::InstanceProfile", {"Roles": ["r1"]})
    got = iam.get_instance_profile(InstanceProfileName=profile.physical_id)["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["r1"]
    assert got["Arn"] == profile.attributes["Arn"]

    key = handlers.create("AWS::IAM::AccessKey", {"UserName": "u1"})
    keys = iam.list_access_keys(UserName="u1")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key.physical_id]
    assert key.attributes["SecretAccessKey"]
    handlers.update(key, {"UserName": "u1", "Status": "Inactive"})
    assert iam.list_access_keys(UserName="u1")["AccessKeyMetadata"][0]["Status"] == "Inactive"

    for resource in (key, profile, policy, user, group):
        handlers.delete(resource)
    assert iam.list_users()["Users"] == []
    assert iam.list_groups()["Groups"] == []
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == []


def test_stack_with_role_policy_and_profile(stack, aws_client):
    iam = aws_client("iam")
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": TRUST, "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}},
            "Policy": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "extra", "PolicyDocument": DOC, "Roles": [{"Ref": "Role"}]}},
            "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": DOC, "Roles": [{"Ref": "Role"}]}},
            "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}},
        },
        "Outputs": {
            "RoleName": {"Value": {"Ref": "Role"}},
            "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
            "RoleId": {"Value": {"Fn::GetAtt": ["Role", "RoleId"]}},
            "ManagedArn": {"Value": {"Ref": "Managed"}},
            "ProfileArn": {"Value": {"Fn::GetAtt": ["Profile", "Arn"]}},
        },
    }  # fmt: skip
    _, out = stack(template, name="iam-app", Capabilities=["CAPABILITY_IAM"])
    role = iam.get_role(RoleName=out["RoleName"])["Role"]
    assert out["RoleName"].startswith("iam-app-Role-")
    assert (out["RoleArn"], out["RoleId"]) == (role["Arn"], role["RoleId"])
    assert iam.list_role_policies(RoleName=out["RoleName"])["PolicyNames"] == ["extra"]
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=out["RoleName"])["AttachedPolicies"]}
    assert attached == {"arn:aws:iam::aws:policy/ReadOnlyAccess", out["ManagedArn"]}
    assert out["ProfileArn"].endswith(":instance-profile/" + out["ProfileArn"].rsplit("/", 1)[1])

    aws_client("cloudformation").delete_stack(StackName="iam-app")
    aws_client("cloudformation").get_waiter("stack_delete_complete").wait(
        StackName="iam-app", WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    with pytest.raises(ClientError):
        iam.get_role(RoleName=out["RoleName"])
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=out["ManagedArn"])


def test_entity_policies_group_additions_and_oidc_provider(handlers, aws_client):
    iam = aws_client("iam")
    handlers.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "RoleName": "r2"})
    handlers.create("AWS::IAM::User", {"UserName": "u2"})
    handlers.create("AWS::IAM::Group", {"GroupName": "g2"})
    role_policy = handlers.create("AWS::IAM::RolePolicy", {"RoleName": "r2", "PolicyName": "p", "PolicyDocument": DOC})
    assert role_policy.physical_id == "p|r2"
    assert iam.get_role_policy(RoleName="r2", PolicyName="p")["PolicyDocument"] == DOC
    addition = handlers.create("AWS::IAM::UserToGroupAddition", {"GroupName": "g2", "Users": ["u2"]})
    assert [u["UserName"] for u in iam.get_group(GroupName="g2")["Users"]] == ["u2"]
    handlers.delete(addition)
    assert iam.get_group(GroupName="g2")["Users"] == []
    handlers.delete(role_policy)
    assert iam.list_role_policies(RoleName="r2")["PolicyNames"] == []

    provider = handlers.create("AWS::IAM::OIDCProvider", {
        "Url": "https://token.example.com", "ClientIdList": ["a"], "ThumbprintList": ["a" * 40],
    })
    provider = handlers.update(provider, {**provider.properties, "ClientIdList": ["b"]})
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider.physical_id)["ClientIDList"] == ["b"]
    handlers.delete(provider)
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_server_certificate(handlers, aws_client):
    from test_iam_credentials import _certificate  # the same self-signed certificate maker

    iam = aws_client("iam")
    body, private = _certificate()
    cert = handlers.create("AWS::IAM::ServerCertificate", {
        "ServerCertificateName": "cfn-site", "CertificateBody": body, "PrivateKey": private,
        "Tags": [{"Key": "team", "Value": "a"}],
    })
    assert cert.physical_id == "cfn-site"
    got = iam.get_server_certificate(ServerCertificateName="cfn-site")["ServerCertificate"]
    assert got["ServerCertificateMetadata"]["Arn"] == cert.attributes["Arn"]
    assert got["Tags"] == [{"Key": "team", "Value": "a"}]
    assert got["CertificateBody"] == body.strip()  # kept without its final newline
    handlers.delete(cert)
    with pytest.raises(ClientError):
        iam.get_server_certificate(ServerCertificateName="cfn-site")


def test_user_groups_joined_in_the_templates_order(handlers, aws_client):
    iam = aws_client("iam")
    names = ["grp-m", "grp-z", "grp-a", "grp-q"]
    for name in names:
        iam.create_group(GroupName=name)
    user = handlers.create("AWS::IAM::User", {"UserName": "ordered", "Groups": names})
    listed = iam.list_groups_for_user(UserName=user.physical_id)["Groups"]
    assert [g["GroupName"] for g in listed] == names
