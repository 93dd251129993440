"""Repositories, images, layers and settings survive a kill with ``--data-dir``."""

from __future__ import annotations

import json
import signal
import urllib.request

import boto3

from cloudtwin.testing.server import free_port, start_process
from ecr_helpers import digest, push


def _ecr(port):
    return boto3.client("ecr", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_images_survive_a_kill(tmp_path):
    port = free_port()
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        ecr = _ecr(port)
        ecr.create_repository(repositoryName="kept", imageTagMutability="IMMUTABLE", tags=[{"Key": "a", "Value": "b"}])
        image = push(ecr, "kept", "v1", b"layer bytes " * 100)
        ecr.put_lifecycle_policy(repositoryName="kept", lifecyclePolicyText=json.dumps({"rules": [{
            "rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5},
            "action": {"type": "expire"}}]}))
        ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17", "Statement": []}))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        ecr = _ecr(port)
        repo = ecr.describe_repositories()["repositories"][0]
        assert repo["repositoryName"] == "kept" and repo["imageTagMutability"] == "IMMUTABLE"
        assert ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"] == [{"Key": "a", "Value": "b"}]
        assert ecr.list_images(repositoryName="kept")["imageIds"] == [{"imageDigest": image, "imageTag": "v1"}]
        url = ecr.get_download_url_for_layer(repositoryName="kept", layerDigest=digest(b"layer bytes " * 100))["downloadUrl"]
        assert urllib.request.urlopen(url).read() == b"layer bytes " * 100
        assert "countNumber" in ecr.get_lifecycle_policy(repositoryName="kept")["lifecyclePolicyText"]
        assert ecr.get_registry_policy()["policyText"]
    finally:
        proc.terminate()
        proc.wait(10)
