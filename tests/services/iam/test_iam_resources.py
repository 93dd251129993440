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


def test_role_with_generated_name_inline_and_managed_policies(cfn, aws_client):
    iam = aws_client("iam")
    role = cfn.create("AWS::IAM::Role", {
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
    assert {t["Key"] for t in got["Tags"]} >= {"aws:cloudformation:stack-name", "aws:cloudformation:logical-id"}
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["inline"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

    updated = cfn.update(role, {
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
        cfn.update(updated, {**updated.properties, "RoleName": "renamed"})

    cfn.delete(updated)
    with pytest.raises(ClientError) as err:
        iam.get_role(RoleName=name)
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
    cfn.delete(updated)  # already gone: still fine


def test_managed_policy_versions_and_attachments(cfn, aws_client):
    iam = aws_client("iam")
    role = cfn.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": json.dumps(TRUST), "RoleName": "holder"})
    policy = cfn.create("AWS::IAM::ManagedPolicy", {"PolicyDocument": DOC, "Roles": ["holder"]})
    arn = policy.physical_id
    assert arn.startswith("arn:aws:iam::000000000000:policy/test-stack-Resource-")
    assert policy.attributes["PolicyArn"] == arn
    assert policy.attributes["DefaultVersionId"] == "v1"
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="holder")["AttachedPolicies"]] == [arn]

    changed = {**DOC, "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    updated = cfn.update(policy, {"PolicyDocument": changed, "Roles": []})
    assert updated.attributes["DefaultVersionId"] == "v2"
    assert iam.list_attached_role_policies(RoleName="holder")["AttachedPolicies"] == []

    cfn.delete(updated)
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=arn)
    cfn.delete(role)


def test_inline_policy_user_group_profile_and_key(cfn, aws_client):
    iam = aws_client("iam")
    cfn.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "RoleName": "r1"})
    group = cfn.create("AWS::IAM::Group", {"GroupName": "g1"})
    assert group.attributes["Arn"].endswith(":group/g1")
    user = cfn.create("AWS::IAM::User", {"UserName": "u1", "Groups": ["g1"]})
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u1")["Groups"]] == ["g1"]

    policy = cfn.create("AWS::IAM::Policy", {
        "PolicyName": "shared", "PolicyDocument": DOC, "Roles": ["r1"], "Users": ["u1"], "Groups": ["g1"],
    }, logical_id="fnServiceRoleDefaultPolicy")
    assert re.fullmatch(r"test--fnSe-[A-Z0-9]{12}", policy.physical_id)
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == ["shared"]
    assert iam.list_user_policies(UserName="u1")["PolicyNames"] == ["shared"]
    assert iam.list_group_policies(GroupName="g1")["PolicyNames"] == ["shared"]
    policy = cfn.update(policy, {"PolicyName": "shared", "PolicyDocument": DOC, "Roles": ["r1"]})
    assert iam.list_user_policies(UserName="u1")["PolicyNames"] == []

    profile = cfn.create("AWS::IAM::InstanceProfile", {"Roles": ["r1"]})
    got = iam.get_instance_profile(InstanceProfileName=profile.physical_id)["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["r1"]
    assert got["Arn"] == profile.attributes["Arn"]

    key = cfn.create("AWS::IAM::AccessKey", {"UserName": "u1"})
    keys = iam.list_access_keys(UserName="u1")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key.physical_id]
    assert key.attributes["SecretAccessKey"]
    cfn.update(key, {"UserName": "u1", "Status": "Inactive"})
    assert iam.list_access_keys(UserName="u1")["AccessKeyMetadata"][0]["Status"] == "Inactive"

    for resource in (key, profile, policy, user, group):
        cfn.delete(resource)
    assert iam.list_users()["Users"] == []
    assert iam.list_groups()["Groups"] == []
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == []
