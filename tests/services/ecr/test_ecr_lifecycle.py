"""ECR lifecycle policies: validation, previews evaluated against the stored images on the
virtual clock (imageCountMoreThan, sinceImagePushed, rule priorities), and the daily run."""

import json

import pytest
from botocore.exceptions import ClientError

from ecr_helpers import push

DAY = 86400


def _policy(*rules):
    return json.dumps({"rules": [
        {"rulePriority": i + 1, "description": f"rule {i + 1}", "selection": selection, "action": {"type": "expire"}}
        for i, selection in enumerate(rules)
    ]})


@pytest.fixture
def ecr(aws_client):
    client = aws_client("ecr")
    client.create_repository(repositoryName="app")
    return client


def test_put_get_delete_and_validation(ecr):
    with pytest.raises(ClientError) as exc:
        ecr.get_lifecycle_policy(repositoryName="app")
    assert exc.value.response["Error"] == {
        "Code": "LifecyclePolicyNotFoundException",
        "Message": "Lifecycle policy does not exist for the repository with name 'app' in the registry with id '000000000000'",
    }
    text = _policy({"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14})
    assert ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=text)["lifecyclePolicyText"] == text
    got = ecr.get_lifecycle_policy(repositoryName="app")
    assert got["lifecyclePolicyText"] == text and "lastEvaluatedAt" in got
    assert ecr.delete_lifecycle_policy(repositoryName="app")["lifecyclePolicyText"] == text
    bad = [
        {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1},  # no tag list
        {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 1},  # no countUnit
        {"tagStatus": "sometimes", "countType": "imageCountMoreThan", "countNumber": 1},
    ]
    for selection in bad:
        with pytest.raises(ClientError) as exc:
            ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=_policy(selection))
        assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
        assert "Lifecycle policy validation failure" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:  # "any" must come last
        ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=_policy(
            {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
            {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}))
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"


def test_preview_counts_and_ages_on_the_virtual_clock(ecr, cloudtwin):
    with pytest.raises(ClientError) as exc:
        ecr.get_lifecycle_policy_preview(repositoryName="app")
    assert exc.value.response["Error"]["Code"] == "LifecyclePolicyPreviewNotFoundException"
    old = push(ecr, "app", "prod-1", b"1")
    cloudtwin.client.advance(10 * DAY)
    push(ecr, "app", "prod-2", b"2")
    cloudtwin.client.advance(DAY)
    push(ecr, "app", "prod-3", b"3")
    untagged = push(ecr, "app", None, b"4")
    policy = _policy(
        {"tagStatus": "tagged", "tagPrefixList": ["prod"], "countType": "imageCountMoreThan", "countNumber": 2},
        {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 5},
    )
    started = ecr.start_lifecycle_policy_preview(repositoryName="app", lifecyclePolicyText=policy)
    assert started["status"] == "IN_PROGRESS"
    preview = ecr.get_lifecycle_policy_preview(repositoryName="app")
    assert preview["status"] == "COMPLETE" and preview["summary"] == {"expiringImageTotalCount": 1}
    [result] = preview["previewResults"]
    assert result["imageDigest"] == old and result["imageTags"] == ["prod-1"]
    assert result["action"] == {"type": "EXPIRE"} and result["appliedRulePriority"] == 1

    # Six days on, the untagged image is older than five days; the prod images stay protected by rule 1.
    cloudtwin.client.advance(6 * DAY)
    ecr.start_lifecycle_policy_preview(repositoryName="app", lifecyclePolicyText=policy)
    preview = ecr.get_lifecycle_policy_preview(repositoryName="app")
    assert {(r["imageDigest"], r["appliedRulePriority"]) for r in preview["previewResults"]} == {(old, 1), (untagged, 2)}
    only_untagged = ecr.get_lifecycle_policy_preview(repositoryName="app", filter={"tagStatus": "UNTAGGED"})
    assert [r["imageDigest"] for r in only_untagged["previewResults"]] == [untagged]
    assert "imageTags" not in only_untagged["previewResults"][0]


def test_the_policy_runs_daily(ecr, cloudtwin):
    cloudtwin.client.freeze()  # pushed at the same instant: the last pushed counts as the newest
    push(ecr, "app", None, b"1")
    push(ecr, "app", None, b"2")
    keep = push(ecr, "app", None, b"3")
    ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=_policy(
        {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}))
    cloudtwin.client.advance(3600)
    assert len(ecr.list_images(repositoryName="app")["imageIds"]) == 3
    cloudtwin.client.advance(DAY)
    cloudtwin.client.tick("ecr-lifecycle")
    assert ecr.list_images(repositoryName="app")["imageIds"] == [{"imageDigest": keep}]
    assert ecr.get_lifecycle_policy(repositoryName="app")["lastEvaluatedAt"].timestamp() > 0
