"""ECR's CloudFormation resource handlers, checked through its API."""

import json

import pytest
from botocore.exceptions import ClientError

from cloudtwin.protocol.errors import ServiceError
from ecr_helpers import push

LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "expire untagged after a year", "selection": {
    "tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 365},
    "action": {"type": "expire"}}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*",
                                                  "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}


def test_stack_repository_with_every_property(stack, aws_client):
    _, out = stack({
        "Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {
            "RepositoryName": "assets", "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": {"ScanOnPush": True},
            "LifecyclePolicy": {"LifecyclePolicyText": json.dumps(LIFECYCLE)},
            "RepositoryPolicyText": POLICY, "EmptyOnDelete": True, "Tags": [{"Key": "team", "Value": "a"}]}}},
        "Outputs": {"Name": {"Value": {"Ref": "Repo"}}, "Arn": {"Value": {"Fn::GetAtt": ["Repo", "Arn"]}},
                    "Uri": {"Value": {"Fn::GetAtt": ["Repo", "RepositoryUri"]}}},
    })
    ecr = aws_client("ecr")
    repo = ecr.describe_repositories(repositoryNames=["assets"])["repositories"][0]
    assert out == {"Name": "assets", "Arn": repo["repositoryArn"], "Uri": repo["repositoryUri"]}
    assert repo["imageTagMutability"] == "IMMUTABLE" and repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert json.loads(ecr.get_lifecycle_policy(repositoryName="assets")["lifecyclePolicyText"]) == LIFECYCLE
    assert json.loads(ecr.get_repository_policy(repositoryName="assets")["policyText"]) == POLICY
    tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]}
    assert tags["team"] == "a" and tags["aws:cloudformation:logical-id"] == "Repo"

    push(ecr, "assets", "v1", b"layer")
    aws_client("cloudformation").delete_stack(StackName="stack")
    aws_client("cloudformation").get_waiter("stack_delete_complete").wait(StackName="stack", WaiterConfig={"Delay": 1})
    assert ecr.describe_repositories()["repositories"] == []  # EmptyOnDelete emptied it


def test_generated_name_updates_and_delete_without_emptying(handlers, aws_client):
    ecr = aws_client("ecr")
    repo = handlers.create("AWS::ECR::Repository", {}, logical_id="Repo")
    name = repo.physical_id
    assert name == name.lower() and "repo" in name
    assert repo.attributes["RepositoryUri"].endswith("/" + name)
    repo = handlers.update(repo, {"ImageTagMutability": "IMMUTABLE", "RepositoryPolicyText": POLICY,
                                  "LifecyclePolicy": {"LifecyclePolicyText": json.dumps(LIFECYCLE)}})
    assert ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["imageTagMutability"] == "IMMUTABLE"
    assert json.loads(ecr.get_repository_policy(repositoryName=name)["policyText"]) == POLICY
    repo = handlers.update(repo, {"ImageTagMutability": "IMMUTABLE"})
    with pytest.raises(ClientError):
        ecr.get_repository_policy(repositoryName=name)
    with pytest.raises(ClientError):
        ecr.get_lifecycle_policy(repositoryName=name)
    push(ecr, name, "v1", b"layer")
    with pytest.raises(ServiceError) as exc:  # without EmptyOnDelete a repository with images stays
        handlers.delete(repo)
    assert exc.value.code == "RepositoryNotEmptyException"


def test_registry_types(handlers, aws_client):
    ecr = aws_client("ecr")
    policy = handlers.create("AWS::ECR::RegistryPolicy", {"PolicyText": POLICY})
    assert policy.physical_id == "000000000000" and policy.attributes == {"RegistryId": "000000000000"}
    assert json.loads(ecr.get_registry_policy()["policyText"]) == POLICY
    handlers.delete(policy)
    handlers.delete(policy)

    config = {"Rules": [{"Destinations": [{"Region": "eu-west-1", "RegistryId": "000000000000"}]}]}
    replication = handlers.create("AWS::ECR::ReplicationConfiguration", {"ReplicationConfiguration": config})
    assert ecr.describe_registry()["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "eu-west-1", "registryId": "000000000000"}]
    handlers.delete(replication)
    assert ecr.describe_registry()["replicationConfiguration"] == {"rules": []}

    rule = handlers.create("AWS::ECR::PullThroughCacheRule", {"EcrRepositoryPrefix": "ecr-public",
                                                               "UpstreamRegistryUrl": "public.ecr.aws"})
    assert rule.physical_id == "ecr-public"
    handlers.delete(rule)
    assert ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []

    template = handlers.create("AWS::ECR::RepositoryCreationTemplate", {
        "Prefix": "team", "AppliedFor": ["REPLICATION"], "RepositoryPolicy": POLICY, "ResourceTags": [{"Key": "a", "Value": "b"}]})
    assert template.physical_id == "team" and template.attributes["CreatedAt"]
    template = handlers.update(template, {"Prefix": "team", "AppliedFor": ["REPLICATION"], "Description": "d"})
    assert ecr.describe_repository_creation_templates(prefixes=["team"])["repositoryCreationTemplates"][0]["description"] == "d"
    handlers.delete(template)
    handlers.delete(template)
