"""A web page cannot drive the local endpoint: Host check (DNS rebinding), CORS only for
loopback and configured origins, the control API only for this machine's pages and JSON."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import pytest
import urllib3

from cloudtwin.config import Config
from cloudtwin.gateway.cors import CorsPolicy, is_loopback_origin
from cloudtwin.gateway.guard import HostCheck
from cloudtwin.testing.server import ServerThread, free_port

SQS_AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
    "SignedHeaders=host, Signature=00"
)
FOREIGN = "https://evil.example"


def send(endpoint, method, path, body=b"", headers=None):
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def send_message(endpoint, queue_url, text, **headers):
    return send(endpoint, "POST", "/", json.dumps({"QueueUrl": queue_url, "MessageBody": text}), {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage",
        "Authorization": SQS_AUTH, **headers,
    })


@pytest.fixture
def queue(aws_client):
    """State written before; every refused request must leave it as it was."""
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="guarded")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="before")
    yield url
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert [m["Body"] for m in got.get("Messages", [])] == ["before"]


# -- Host -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:4566", "127.5.6.7", "[::1]:4566", "localhost", "LOCALHOST:4566",
     "sqs.us-east-1.localhost:4566", "my-bucket.s3.localhost",
     "localhost.localstack.cloud:4566", "s3.eu-west-1.localhost.localstack.cloud:4566",
     "aws.internal", "sqs.aws.internal:4566", "http://localhost:4566", None],
)
def test_hosts_served(host):
    assert HostCheck("127.0.0.1", ("aws.internal",)).serves(host)


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:4566", "localhost.evil.example", "127.0.0.1.nip.io",
     "10.1.2.3:4566", "sqs.us-east-1.amazonaws.com", "localstack.cloud", "xlocalhost",
     "http://evil.example:4566"],
)
def test_hosts_refused(host):
    assert not HostCheck("127.0.0.1", ("aws.internal",)).serves(host)


def test_any_address_bind_serves_addresses_but_not_names():
    check = HostCheck("0.0.0.0")
    assert check.serves("192.168.1.20:4566") and check.serves("[fe80::1]:4566")
    assert not check.serves("evil.example")
    assert HostCheck("192.168.1.20").serves("192.168.1.20:4566")


def test_rebinding_host_is_refused_on_data_paths(endpoint, queue):
    status, _, body = send_message(endpoint, queue, "rebound", Host="evil.example:4566")
    assert status == 403
    doc = json.loads(body)
    assert doc["__type"].endswith("AccessDenied") and "evil.example" in doc["message"]


def test_rebinding_host_is_refused_on_control_paths(endpoint, queue):
    status, _, body = send(endpoint, "POST", "/_cloudtwin/reset", b"", {"Host": "evil.example"})
    assert status == 403 and "evil.example" in json.loads(body)["error"]
    status, _, _ = send(endpoint, "GET", "/_cloudtwin/sqs/messages?queue=guarded", headers={"Host": "evil.example"})
    assert status == 403


# -- Origin on data paths ---------------------------------------------------------------------


def test_foreign_origin_is_refused_before_any_service_logic(endpoint, queue):
    status, headers, body = send_message(endpoint, queue, "from a web page", Origin=FOREIGN)
    assert status == 403 and "evil.example" in json.loads(body)["message"]
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "https://app.localhost", "http://127.0.0.1:8080", "http://[::1]:5173"]
)
def test_loopback_origins_work_with_credentials(endpoint, aws_client, origin):
    url = aws_client("sqs").create_queue(QueueName="from-page")["QueueUrl"]
    status, headers, _ = send_message(endpoint, url, "ok", Origin=origin)
    assert status == 200
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-credentials"] == "true"


def test_preflight_from_foreign_origin_is_refused(endpoint):
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"}
    status, headers, _ = send(endpoint, "OPTIONS", "/", headers={"Origin": FOREIGN, **ask})
    assert status == 403 and "access-control-allow-origin" not in headers
    status, headers, _ = send(endpoint, "OPTIONS", "/", headers={"Origin": "http://localhost:3000", **ask})
    assert status == 200 and headers["access-control-allow-origin"] == "http://localhost:3000"


def test_policy_unit():
    assert is_loopback_origin("http://localhost") and is_loopback_origin("https://a.b.localhost:1")
    assert not is_loopback_origin("null") and not is_loopback_origin("file://localhost")
    assert not is_loopback_origin("http://localhost.evil.example")
    assert not is_loopback_origin("http://localhost:notaport")
    configured = CorsPolicy(("https://app.example.com",))
    assert configured.allowed("https://app.example.com") and not configured.allowed(FOREIGN)
    anyone = CorsPolicy(("*",))
    out: dict[str, str] = {}
    anyone.decorate(FOREIGN, out)
    assert out["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in out
    assert "Access-Control-Allow-Credentials" not in anyone.preflight(
        {"origin": FOREIGN, "access-control-request-method": "GET"}
    ).headers


def test_config_reads_cors_origins(monkeypatch):
    assert Config.from_env().cors_origins == ()
    monkeypatch.setenv("CLOUDTWIN_CORS_ORIGINS", "https://App.example.com, *")
    assert Config.from_env().cors_origins == ("https://app.example.com", "*")


@pytest.fixture(scope="module")
def open_to_all():
    config = Config(port=free_port(), log_level="warning", cors_origins=("*", "https://app.example.com"))
    with ServerThread(config) as server:
        yield server


def test_star_opt_in_never_sends_credentials(open_to_all):
    status, headers, _ = send(open_to_all.endpoint, "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15", {
        "Content-Type": "application/x-www-form-urlencoded", "Origin": FOREIGN,
        "Authorization": SQS_AUTH.replace("/sqs/", "/sts/"),
    })
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers
    status, headers, _ = send(open_to_all.endpoint, "GET", "/_cloudtwin/health", headers={"Origin": "https://app.example.com"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-allow-credentials"] == "true"


# -- S3: bucket CORS rules still apply, as on AWS -----------------------------------------------


def test_s3_bucket_cors_rules_decide_for_their_bucket(aws_client, endpoint):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="site-assets")
    s3.put_object(Bucket="site-assets", Key="a.txt", Body=b"asset")
    path = "/site-assets/a.txt"
    # No rules: a read is served as AWS serves it, with no CORS headers (the page cannot
    # read it); a write from a foreign page is refused (AWS would take it).
    status, headers, _ = send(endpoint, "GET", path, headers={"Origin": FOREIGN})
    assert status == 200 and not any(h.startswith("access-control") for h in headers)
    status, _, _ = send(endpoint, "PUT", "/site-assets/b.txt", b"evil", headers={"Origin": FOREIGN})
    assert status == 403
    # a loopback page is served too, and S3 adds no CORS headers to a bucket without rules
    # (as AWS does: a page reading S3 needs the bucket's CORS configuration)
    status, headers, _ = send(endpoint, "GET", path, headers={"Origin": "http://localhost:3000"})
    assert status == 200 and "access-control-allow-origin" not in headers
    s3.put_bucket_cors(Bucket="site-assets", CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET", "PUT"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 60,
    }]})
    status, headers, body = send(endpoint, "GET", path, headers={"Origin": "https://app.example.com"})
    assert status == 200 and body == b"asset"
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-expose-headers"] == "ETag"
    status, _, _ = send(endpoint, "PUT", "/site-assets/c.txt", b"ok", headers={"Origin": "https://app.example.com"})
    assert status == 200  # the bucket's rule allows it
    status, _, _ = send(endpoint, "DELETE", path, headers={"Origin": "https://app.example.com"})
    assert status == 403  # the rule allows GET and PUT only
    # With rules, they alone decide the headers, also for a loopback page (as on AWS).
    status, headers, _ = send(endpoint, "GET", path, headers={"Origin": "http://localhost:3000"})
    assert status == 200 and "access-control-allow-origin" not in headers
    assert s3.get_object(Bucket="site-assets", Key="a.txt")["Body"].read() == b"asset"
    assert "b.txt" not in [o["Key"] for o in s3.list_objects_v2(Bucket="site-assets")["Contents"]]


def test_s3_presigned_post_from_a_loopback_page(aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="uploads")
    post = s3.generate_presigned_post("uploads", "from-form", ExpiresIn=60)
    http = urllib3.PoolManager()
    ok = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"form data")},
                      headers={"Origin": "http://localhost:3000"})
    assert ok.status == 204, ok.data  # taken (no bucket CORS rules: no CORS headers, as on AWS)
    refused = http.request("POST", post["url"], fields={**post["fields"], "file": ("f", b"evil")},
                           headers={"Origin": FOREIGN})
    assert refused.status == 403
    assert s3.get_object(Bucket="uploads", Key="from-form")["Body"].read() == b"form data"


# -- control API --------------------------------------------------------------------------------


def test_control_api_refuses_foreign_origins(endpoint, queue):
    status, headers, body = send(endpoint, "POST", "/_cloudtwin/reset", b"", {"Origin": FOREIGN})
    assert status == 403 and "evil.example" in json.loads(body)["error"]
    status, _, _ = send(endpoint, "GET", "/_cloudtwin/sqs/messages?queue=guarded", headers={"Origin": FOREIGN})
    assert status == 403


def test_control_api_refuses_non_json_bodies(endpoint, queue):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, _, body = send(endpoint, "POST", "/_cloudtwin/reset", b'{"service": "sqs"}',
                               {"Content-Type": content_type})
        assert status == 415 and "application/json" in json.loads(body)["error"]


def test_control_api_from_a_loopback_page(endpoint):
    status, headers, body = send(endpoint, "GET", "/_cloudtwin/health", headers={"Origin": "http://localhost:3000"})
    assert status == 200 and json.loads(body)["status"] == "running"
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    status, _, _ = send(endpoint, "POST", "/_cloudtwin/clock", b"", {"Origin": "http://127.0.0.1:3000"})
    assert status == 405  # reached the control API (GET only there)
