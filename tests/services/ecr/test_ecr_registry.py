"""ECR's registry-wide settings: DescribeRegistry and replication, the registry policy,
scanning and signing configurations, account settings, pull through cache rules and
repository creation templates."""

import json

import pytest
from botocore.exceptions import ClientError


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_registry_replication_and_policy(aws_client):
    ecr = aws_client("ecr")
    assert ecr.describe_registry()["replicationConfiguration"] == {"rules": []}
    config = {"rules": [{"destinations": [{"region": "eu-west-1", "registryId": "000000000000"}],
                         "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}]}]}
    assert ecr.put_replication_configuration(replicationConfiguration=config)["replicationConfiguration"] == config
    assert ecr.describe_registry() | {"ResponseMetadata": None} == {"registryId": "000000000000",
                                                                     "replicationConfiguration": config, "ResponseMetadata": None}
    with pytest.raises(ClientError) as exc:
        ecr.put_replication_configuration(replicationConfiguration={"rules": [
            {"destinations": [{"region": "us-east-1", "registryId": "000000000000"}]}]})
    assert _code(exc) == "InvalidParameterException"

    with pytest.raises(ClientError) as exc:
        ecr.get_registry_policy()
    assert _code(exc) == "RegistryPolicyNotFoundException"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                                 "Action": ["ecr:CreateRepository"], "Resource": "*"}]})
    assert ecr.put_registry_policy(policyText=policy)["registryId"] == "000000000000"
    assert ecr.get_registry_policy()["policyText"] == policy
    assert ecr.delete_registry_policy()["policyText"] == policy
    with pytest.raises(ClientError) as exc:
        ecr.put_registry_policy(policyText="[]")
    assert _code(exc) == "InvalidParameterException"


def test_scanning_signing_and_account_settings(aws_client):
    ecr = aws_client("ecr")
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "BASIC", "rules": []}
    rules = [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=rules)
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "ENHANCED", "rules": rules}
    with pytest.raises(ClientError) as exc:
        ecr.get_signing_configuration()
    assert _code(exc) == "SigningConfigurationNotFoundException"
    assert ecr.get_account_setting(name="BASIC_SCAN_TYPE_VERSION")["value"] == "AWS_NATIVE"
    ecr.put_account_setting(name="BASIC_SCAN_TYPE_VERSION", value="CLAIR")
    assert ecr.get_account_setting(name="BASIC_SCAN_TYPE_VERSION")["value"] == "CLAIR"
    with pytest.raises(ClientError) as exc:
        ecr.get_account_setting(name="NOT_A_SETTING")
    assert _code(exc) == "ValidationException"


def test_pull_through_cache_rules(aws_client):
    ecr = aws_client("ecr")
    rule = ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io")
    assert rule["upstreamRegistry"] == "quay" and rule["registryId"] == "000000000000"
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io")
    assert _code(exc) == "PullThroughCacheRuleAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="hub", upstreamRegistryUrl="registry-1.docker.io")
    assert _code(exc) == "InvalidParameterException"  # Docker Hub needs credentials
    [described] = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    assert described["ecrRepositoryPrefix"] == "quay" and described["upstreamRegistryUrl"] == "quay.io"
    assert ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="quay")["isValid"] is True
    ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="quay")
    with pytest.raises(ClientError) as exc:
        ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["quay"])
    assert _code(exc) == "PullThroughCacheRuleNotFoundException"


def test_repository_creation_templates(aws_client):
    ecr = aws_client("ecr")
    created = ecr.create_repository_creation_template(prefix="team", appliedFor=["PULL_THROUGH_CACHE"],
                                                      description="team repos", imageTagMutability="IMMUTABLE")
    template = created["repositoryCreationTemplate"]
    assert template["prefix"] == "team" and template["encryptionConfiguration"] == {"encryptionType": "AES256"}
    with pytest.raises(ClientError) as exc:
        ecr.create_repository_creation_template(prefix="team", appliedFor=["REPLICATION"])
    assert _code(exc) == "TemplateAlreadyExistsException"
    updated = ecr.update_repository_creation_template(prefix="team", description="changed")["repositoryCreationTemplate"]
    assert updated["description"] == "changed" and updated["imageTagMutability"] == "IMMUTABLE"
    listed = ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]
    assert [t["prefix"] for t in listed] == ["team"]
    ecr.delete_repository_creation_template(prefix="team")
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository_creation_template(prefix="team")
    assert _code(exc) == "TemplateNotFoundException"


def test_replication_copies_pushed_images(aws_client):
    from ecr_helpers import digest, push

    ecr, west = aws_client("ecr"), aws_client("ecr", region="eu-west-1")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": "eu-west-1", "registryId": "000000000000"}],
        "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}]}]})
    west.create_repository_creation_template(prefix="prod", appliedFor=["REPLICATION"], imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName="prod/api")
    ecr.create_repository(repositoryName="dev/api")
    image = push(ecr, "prod/api", "v1", b"layer")
    push(ecr, "dev/api", "v1", b"layer")

    copied = west.describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in copied] == ["prod/api"]
    assert copied[0]["imageTagMutability"] == "IMMUTABLE"  # from the destination's REPLICATION template
    assert west.list_images(repositoryName="prod/api")["imageIds"] == [{"imageDigest": image, "imageTag": "v1"}]
    assert west.batch_check_layer_availability(repositoryName="prod/api", layerDigests=[digest(b"layer")])["layers"]
    status = ecr.describe_image_replication_status(repositoryName="prod/api", imageId={"imageTag": "v1"})
    assert status["replicationStatuses"] == [{"region": "eu-west-1", "registryId": "000000000000", "status": "COMPLETE"}]
