"""Roles, instance profiles, service-linked roles, managed and inline policies."""

import json

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def policy(*actions, effect="Allow", resource="*"):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": list(actions), "Resource": resource}]})


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_role_lifecycle(iam):
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST, Description="d",
                           MaxSessionDuration=7200, Tags=[{"Key": "k", "Value": "v"}])["Role"]
    assert role["RoleId"].startswith("AROA")
    assert role["Arn"] == "arn:aws:iam::000000000000:role/app"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    got = iam.get_role(RoleName="app")["Role"]
    assert got["MaxSessionDuration"] == 7200 and got["Description"] == "d"
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert error_of(iam.create_role, RoleName="app", AssumeRolePolicyDocument=TRUST) == (
        "EntityAlreadyExists", "Role with name app already exists."
    )
    assert error_of(iam.get_role, RoleName="nope") == (
        "NoSuchEntity", "The role with name nope cannot be found."
    )
    new_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}]})
    iam.update_assume_role_policy(RoleName="app", PolicyDocument=new_trust)
    assert iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"] == json.loads(new_trust)
    iam.update_role(RoleName="app", Description="changed", MaxSessionDuration=3600)
    assert iam.get_role(RoleName="app")["Role"]["Description"] == "changed"
    iam.delete_role(RoleName="app")
    assert iam.list_roles()["Roles"] == []


def test_trust_policy_validation(iam):
    code, message = error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=policy("s3:*"))
    assert code == "MalformedPolicyDocument"
    assert message == ("Trust Policy statement actions can only be sts:AssumeRole, "
                       "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity")
    code, message = error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                 "Action": "sts:AssumeRole", "Resource": "*"}]}))
    assert message == "Has prohibited field Resource."
    code, message = error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument="not json")
    assert (code, message) == ("MalformedPolicyDocument", "This policy contains invalid Json")


def test_instance_profiles(iam):
    iam.create_role(RoleName="ec2", AssumeRolePolicyDocument=TRUST)
    profile = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert profile["InstanceProfileId"].startswith("AIPA")
    assert profile["Arn"] == "arn:aws:iam::000000000000:instance-profile/web"
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="ec2")
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["ec2"]
    iam.create_role(RoleName="ec2b", AssumeRolePolicyDocument=TRUST)
    assert error_of(iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="ec2b") == (
        "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    )
    listed = iam.list_instance_profiles_for_role(RoleName="ec2")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["web"]
    assert error_of(iam.delete_role, RoleName="ec2") == (
        "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."
    )
    assert error_of(iam.get_instance_profile, InstanceProfileName="nope") == (
        "NoSuchEntity", "Instance Profile nope cannot be found."
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="ec2")
    iam.delete_instance_profile(InstanceProfileName="web")
    iam.delete_role(RoleName="ec2")


def test_service_linked_role(iam):
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "autoscaling.amazonaws.com"},
         "Action": "sts:AssumeRole"}
    ]
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForAutoScaling")
    assert attached["AttachedPolicies"] == [{
        "PolicyName": "AutoScalingServiceRolePolicy",
        "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
    }]
    code, message = error_of(iam.delete_role, RoleName="AWSServiceRoleForAutoScaling")
    assert code == "UnmodifiableEntity"
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "SUCCEEDED"
    assert error_of(iam.get_role, RoleName="AWSServiceRoleForAutoScaling")[0] == "NoSuchEntity"


def test_managed_policy_versions(iam):
    created = iam.create_policy(PolicyName="ops", Path="/team/", PolicyDocument=policy("s3:Get*"),
                                Description="ops policy")["Policy"]
    arn = created["Arn"]
    assert arn == "arn:aws:iam::000000000000:policy/team/ops"
    assert created["PolicyId"].startswith("ANPA") and created["DefaultVersionId"] == "v1"
    assert error_of(iam.create_policy, PolicyName="ops", PolicyDocument=policy("s3:*")) == (
        "EntityAlreadyExists", "A policy called ops already exists. Duplicate names are not allowed."
    )
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy("s3:*"), SetAsDefault=True)
    assert v2["PolicyVersion"]["VersionId"] == "v2" and v2["PolicyVersion"]["IsDefaultVersion"]
    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy("sqs:*"))
    assert error_of(iam.create_policy_version, PolicyArn=arn, PolicyDocument=policy("sns:*")) == (
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version.",
    )
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v2") == (
        "DeleteConflict", "Cannot delete the default version of a policy."
    )
    doc = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"]
    assert doc == json.loads(policy("s3:*"))
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    assert error_of(iam.get_policy_version, PolicyArn=arn, VersionId="v9")[0] == "NoSuchEntity"
    assert error_of(iam.get_policy, PolicyArn="arn:aws:iam::000000000000:policy/none") == (
        "NoSuchEntity", "Policy arn:aws:iam::000000000000:policy/none was not found."
    )
    code, message = error_of(iam.create_policy, PolicyName="bad", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                 "Principal": "*"}]}))
    assert (code, message) == ("MalformedPolicyDocument", "Policy document should not specify a principal.")


def test_attach_detach_and_attachment_counts(iam):
    arn = iam.create_policy(PolicyName="p", PolicyDocument=policy("s3:*"))["Policy"]["Arn"]
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    iam.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["u"]
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == ["g"]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == ["r"]
    attached = iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == ["p", "ReadOnlyAccess"]
    assert error_of(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict", "Cannot delete a policy attached to entities."
    )
    assert error_of(iam.attach_user_policy, UserName="u",
                    PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy") == (
        "NoSuchEntity", "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."
    )
    only = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in only] == ["p"]
    aws = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in aws] == ["ReadOnlyAccess"]
    for call, kw in ((iam.detach_user_policy, {"UserName": "u"}), (iam.detach_group_policy, {"GroupName": "g"}),
                     (iam.detach_role_policy, {"RoleName": "r"})):
        call(PolicyArn=arn, **kw)
    iam.delete_policy(PolicyArn=arn)


def test_inline_policies(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=policy("sqs:*"))
    got = iam.get_role_policy(RoleName="r", PolicyName="inline")
    assert got["PolicyDocument"] == json.loads(policy("sqs:*")) and got["RoleName"] == "r"
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["inline"]
    assert error_of(iam.get_role_policy, RoleName="r", PolicyName="other") == (
        "NoSuchEntity", "The role policy with name other cannot be found."
    )
    assert error_of(iam.delete_role, RoleName="r") == (
        "DeleteConflict", "Cannot delete entity, must delete policies first."
    )
    iam.delete_role_policy(RoleName="r", PolicyName="inline")
    iam.create_group(GroupName="g")
    iam.put_group_policy(GroupName="g", PolicyName="gp", PolicyDocument=policy("sns:*"))
    assert iam.list_group_policies(GroupName="g")["PolicyNames"] == ["gp"]
    assert error_of(iam.put_group_policy, GroupName="g", PolicyName="bad", PolicyDocument="{")[0] == (
        "MalformedPolicyDocument"
    )


def test_permissions_boundary(iam):
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=policy("s3:*"))["Policy"]["Arn"]
    user = iam.create_user(UserName="bounded", PermissionsBoundary=arn)["User"]
    assert user["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn
    }
    iam.delete_user_permissions_boundary(UserName="bounded")
    assert "PermissionsBoundary" not in iam.get_user(UserName="bounded")["User"]
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=arn)
    assert iam.get_role(RoleName="r")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn


def test_service_linked_deletion_of_an_ordinary_role_fails_as_a_task(iam):
    iam.create_role(RoleName="plain", AssumeRolePolicyDocument=TRUST)
    task = iam.delete_service_linked_role(RoleName="plain")["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED"
    assert status["Reason"]["Reason"] == "Role plain is not a service-linked role."
    assert iam.get_role(RoleName="plain")["Role"]["RoleName"] == "plain"


def test_get_policy_answers_an_empty_tag_list(aws_client):
    iam = aws_client("iam")
    doc = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    arn = iam.create_policy(PolicyName="untagged", PolicyDocument=doc)["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == []
