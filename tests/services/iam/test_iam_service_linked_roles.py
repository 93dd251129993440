"""Service-linked roles as AWS documents them (``service-linked-roles.json``): the role each
service principal gets, its AWS managed policies, which services take a CustomSuffix, the
taken-name answer, and deletion as a task."""

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from cloudtwin.services.iam.aws_managed import aws_policies
from cloudtwin.services.iam.service_linked import linked_service, linked_services


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    response = err.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response[
        "ResponseMetadata"]["HTTPStatusCode"]


def test_every_documented_role_is_well_formed_and_its_policies_exist():
    services = linked_services()
    assert len(services) >= 100
    policies = aws_policies()
    for principal, linked in services.items():
        assert principal.endswith(".amazonaws.com"), principal
        assert linked.role_name.startswith("AWSServiceRoleFor") and len(linked.role_name) <= 64
        assert linked.documentation.startswith("https://docs.aws.amazon.com/"), principal
        for path_name in linked.policies:
            path, name = path_name.rsplit("/", 1)
            assert name in policies, (principal, name)
            assert policies[name].path == path + "/", (principal, path_name)


@pytest.mark.parametrize("service, role_name, policy", [
    ("autoscaling-plans.amazonaws.com", "AWSServiceRoleForAutoScalingPlans_EC2AutoScaling",
     "AWSAutoScalingPlansEC2AutoScalingPolicy"),
    ("eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup",
     "AWSServiceRoleForAmazonEKSNodegroup"),
    ("acm.amazonaws.com", "AWSServiceRoleForCertificateManager",
     "CertificateManagerServiceRolePolicy"),
    ("ecs.application-autoscaling.amazonaws.com",
     "AWSServiceRoleForApplicationAutoScaling_ECSService",
     "AWSApplicationAutoscalingECSServicePolicy"),
    ("mrk.kms.amazonaws.com", "AWSServiceRoleForKeyManagementServiceMultiRegionKeys",
     "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy"),
])
def test_documented_role_name_path_trust_and_policy(iam, service, role_name, policy):
    role = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    assert role["RoleName"] == role_name
    assert role["Path"] == f"/aws-service-role/{service}/"
    assert role["Arn"].endswith(f":role/aws-service-role/{service}/{role_name}")
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(unquote(trust))
    assert trust["Statement"][0]["Principal"] == {"Service": service}
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    arn = f"arn:aws:iam::aws:policy/aws-service-role/{policy}"
    assert attached == [{"PolicyName": policy, "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] >= 1


@pytest.mark.parametrize("service", ["es.amazonaws.com", "rds.amazonaws.com",
                                     "eks-nodegroup.amazonaws.com"])
def test_a_custom_suffix_is_refused_where_aws_documents_none(iam, service):
    assert error_of(iam.create_service_linked_role, AWSServiceName=service,
                    CustomSuffix="mine") == (
        "InvalidInput", f"Custom suffix is not allowed for {service}", 400)
    assert iam.list_roles(PathPrefix="/aws-service-role/")["Roles"] == []


@pytest.mark.parametrize("service, role_name", [
    ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"),
    ("lexv2.amazonaws.com", "AWSServiceRoleForLexV2Bots"),
    ("connect.amazonaws.com", "AWSServiceRoleForAmazonConnect"),
])
def test_a_custom_suffix_where_aws_documents_one(iam, service, role_name):
    plain = iam.create_service_linked_role(AWSServiceName=service)["Role"]
    suffixed = iam.create_service_linked_role(AWSServiceName=service, CustomSuffix="team1")["Role"]
    assert plain["RoleName"] == role_name
    assert suffixed["RoleName"] == f"{role_name}_team1"
    assert suffixed["Path"] == f"/aws-service-role/{service}/"
    # Both carry the service's policies.
    for name in (role_name, f"{role_name}_team1"):
        assert len(iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]) == 1


def test_a_taken_name_asks_for_a_different_suffix(iam):
    iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="a")
    assert error_of(iam.create_service_linked_role, AWSServiceName="autoscaling.amazonaws.com",
                    CustomSuffix="a") == (
        "InvalidInput",
        "Service role name AWSServiceRoleForAutoScaling_a has been taken in this account, "
        "please try a different suffix.", 400)
    iam.create_service_linked_role(AWSServiceName="elasticache.amazonaws.com")
    assert error_of(iam.create_service_linked_role,
                    AWSServiceName="elasticache.amazonaws.com")[1] == (
        "Service role name AWSServiceRoleForElastiCache has been taken in this account, "
        "please try a different suffix.")


def test_an_undocumented_principal_keeps_the_first_label_guess(iam):
    assert linked_service("newthing.amazonaws.com").documentation is None
    role = iam.create_service_linked_role(AWSServiceName="newthing.amazonaws.com")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForNewthing"
    assert iam.list_attached_role_policies(RoleName="AWSServiceRoleForNewthing")[
        "AttachedPolicies"] == []


def test_deletion_is_a_task_that_detaches_the_policies(iam):
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    arn = "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    assert task.startswith("task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/")
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert error_of(iam.get_role, RoleName="AWSServiceRoleForECS")[0] == "NoSuchEntity"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    # The name is free again.
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")


def test_deletion_of_a_role_an_instance_profile_uses_fails_as_a_task(iam):
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="AWSServiceRoleForECS")
    task = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED" and "AWSServiceRoleForECS" in status["Reason"]["Reason"]
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["Path"] == (
        "/aws-service-role/ecs.amazonaws.com/")
    bogus = "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/nope"
    assert error_of(iam.get_service_linked_role_deletion_status, DeletionTaskId=bogus)[0] == (
        "NoSuchEntity")
