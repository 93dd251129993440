"""LocalStack's and moto's control endpoints, and ``/_`` paths that must not reach S3."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3


def call(url: str, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_localstack_health_lists_the_services_with_their_state(endpoint, aws_client):
    aws_client("sqs").list_queues()
    status, body = call(f"{endpoint}/_localstack/health")
    assert status == 200
    assert body["services"]["sqs"] == "running"
    assert set(body["services"].values()) <= {"running", "available"}
    assert "dynamodb" in body["services"]


def test_localstack_info_and_init_readiness(endpoint):
    status, info = call(f"{endpoint}/_localstack/info")
    assert status == 200 and info["is_docker"] is False and info["uptime"] >= 0
    status, init = call(f"{endpoint}/_localstack/init")
    assert status == 200 and init["completed"]["READY"] is True
    assert call(f"{endpoint}/_localstack/init/ready") == (200, {"completed": True, "scripts": []})
    assert call(f"{endpoint}/_localstack/init/nope")[0] == 404


def test_moto_reset_drops_state(endpoint, aws_client):
    sqs = aws_client("sqs")
    sqs.create_queue(QueueName="before-moto-reset")
    status, body = call(f"{endpoint}/moto-api/reset", method="POST")
    assert (status, body) == (200, {"status": "ok"})
    assert "QueueUrls" not in sqs.list_queues()


def test_unknown_underscore_path_is_a_json_404_listing_every_endpoint(endpoint):
    status, body = call(f"{endpoint}/_nothing/here")
    assert status == 404
    endpoints = body["endpoints"]
    assert "/_cloudtwin/health" in endpoints
    assert "/_cloudtwin/sqs/messages" in endpoints  # a service's own
    assert "/_localstack/health" in endpoints and "/moto-api/reset" in endpoints


def test_underscore_key_on_a_virtual_host_bucket_is_still_s3(endpoint):
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="underscore-keys")
    s3.put_object(Bucket="underscore-keys", Key="_cloudtwin_like", Body=b"data")
    port = endpoint.rsplit(":", 1)[1]
    request = urllib.request.Request(
        f"{endpoint}/_cloudtwin_like", headers={"Host": f"underscore-keys.s3.localhost:{port}"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.read() == b"data"


def test_a_signed_s3_request_to_moto_api_reset_is_s3(aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="moto-api")
    s3.put_object(Bucket="moto-api", Key="reset", Body=b"kept")
    assert s3.get_object(Bucket="moto-api", Key="reset")["Body"].read() == b"kept"
