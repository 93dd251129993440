"""ECR repositories: creation and its validation, description with pagination, deletion
(force, non-empty), repository policies, tags and per-repository settings."""

import json

import pytest
from botocore.exceptions import ClientError

from ecr_helpers import push


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_create_describe_and_defaults(aws_client):
    ecr = aws_client("ecr")
    repo = ecr.create_repository(repositoryName="team/web-app")["repository"]
    assert repo["repositoryArn"] == "arn:aws:ecr:us-east-1:000000000000:repository/team/web-app"
    assert repo["registryId"] == "000000000000"
    host, _, name = repo["repositoryUri"].partition("/")
    # under a name that resolves to 127.0.0.1, with the port the client reached
    assert host.startswith("000000000000.dkr.ecr.us-east-1.localhost.localstack.cloud:") and name == "team/web-app"
    assert repo["imageTagMutability"] == "MUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": False}
    assert repo["encryptionConfiguration"] == {"encryptionType": "AES256"}
    assert ecr.describe_repositories(repositoryNames=["team/web-app"])["repositories"] == [repo]

    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="team/web-app")
    assert _err(exc) == ("RepositoryAlreadyExistsException",
                         "The repository with name 'team/web-app' already exists in the registry with id '000000000000'")
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(repositoryNames=["missing"])
    assert _err(exc) == ("RepositoryNotFoundException",
                         "The repository with name 'missing' does not exist in the registry with id '000000000000'")


def test_name_rules(aws_client):
    ecr = aws_client("ecr")
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="Upper")
    assert _err(exc) == ("InvalidParameterException",
                         "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular "
                         "expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''")
    for name in ("a--b", "a__b", "ns/a.b_c"):
        assert ecr.create_repository(repositoryName=name)["repository"]["repositoryName"] == name


def test_settings_at_creation_and_after(aws_client):
    ecr = aws_client("ecr")
    repo = ecr.create_repository(
        repositoryName="kms", imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "KMS"},
    )["repository"]
    assert repo["imageTagMutability"] == "IMMUTABLE" and repo["imageScanningConfiguration"] == {"scanOnPush": True}
    key = repo["encryptionConfiguration"]["kmsKey"]
    assert repo["encryptionConfiguration"]["encryptionType"] == "KMS"
    assert aws_client("kms").describe_key(KeyId="alias/aws/ecr")["KeyMetadata"]["Arn"] == key

    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="missing-filters", imageTagMutability="IMMUTABLE_WITH_EXCLUSION")
    assert _err(exc)[0] == "InvalidParameterException"
    filters = [{"filterType": "WILDCARD", "filter": "latest*"}]
    out = ecr.put_image_tag_mutability(repositoryName="kms", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                                       imageTagMutabilityExclusionFilters=filters)
    assert out["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION" and out["imageTagMutabilityExclusionFilters"] == filters
    ecr.put_image_scanning_configuration(repositoryName="kms", imageScanningConfiguration={"scanOnPush": False})
    described = ecr.describe_repositories(repositoryNames=["kms"])["repositories"][0]
    assert described["imageTagMutabilityExclusionFilters"] == filters
    assert described["imageScanningConfiguration"] == {"scanOnPush": False}
    scanning = ecr.batch_get_repository_scanning_configuration(repositoryNames=["kms", "nope"])
    assert scanning["scanningConfigurations"][0]["scanFrequency"] == "MANUAL"
    assert scanning["failures"][0]["failureCode"] == "REPOSITORY_NOT_FOUND"


def test_pagination(aws_client):
    ecr = aws_client("ecr")
    for i in range(5):
        ecr.create_repository(repositoryName=f"repo-{i}")
    first = ecr.describe_repositories(maxResults=2)
    assert [r["repositoryName"] for r in first["repositories"]] == ["repo-0", "repo-1"]
    names = [r["repositoryName"] for page in ecr.get_paginator("describe_repositories").paginate(PaginationConfig={"PageSize": 2})
             for r in page["repositories"]]
    assert names == [f"repo-{i}" for i in range(5)]


def test_delete_refuses_a_repository_with_images_unless_forced(aws_client):
    ecr = aws_client("ecr")
    ecr.create_repository(repositoryName="full")
    push(ecr, "full", "v1", b"layer")
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="full")
    assert _err(exc) == ("RepositoryNotEmptyException",
                         "The repository with name 'full' in registry with id '000000000000' cannot be deleted because "
                         "it still contains images")
    assert ecr.delete_repository(repositoryName="full", force=True)["repository"]["repositoryName"] == "full"
    assert ecr.describe_repositories()["repositories"] == []
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="full")
    assert _err(exc)[0] == "RepositoryNotFoundException"


def test_repository_policy(aws_client):
    ecr = aws_client("ecr")
    ecr.create_repository(repositoryName="shared")
    with pytest.raises(ClientError) as exc:
        ecr.get_repository_policy(repositoryName="shared")
    assert _err(exc) == ("RepositoryPolicyNotFoundException",
                         "Repository policy does not exist for the repository with name 'shared' in the registry with id "
                         "'000000000000'")
    with pytest.raises(ClientError) as exc:
        ecr.set_repository_policy(repositoryName="shared", policyText="{not json")
    assert _err(exc) == ("InvalidParameterException",
                         "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*",
                                                                 "Action": ["ecr:BatchGetImage"]}]})
    assert ecr.set_repository_policy(repositoryName="shared", policyText=policy)["policyText"] == policy
    assert ecr.get_repository_policy(repositoryName="shared")["policyText"] == policy
    assert ecr.delete_repository_policy(repositoryName="shared")["policyText"] == policy
    with pytest.raises(ClientError):
        ecr.delete_repository_policy(repositoryName="shared")


def test_tags(aws_client):
    ecr = aws_client("ecr")
    arn = ecr.create_repository(repositoryName="tagged", tags=[{"Key": "team", "Value": "a"}])["repository"]["repositoryArn"]
    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}]
    ecr.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as exc:
        ecr.tag_resource(resourceArn=arn, tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert _err(exc)[0] == "InvalidTagParameterException"
    with pytest.raises(ClientError) as exc:
        ecr.list_tags_for_resource(resourceArn=arn.replace("tagged", "gone"))
    assert _err(exc)[0] == "RepositoryNotFoundException"
