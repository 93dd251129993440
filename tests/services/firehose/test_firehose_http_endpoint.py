"""HTTP endpoint destinations: Firehose's request/response protocol against a loopback
HTTPS endpoint (AWS requires https; a loopback endpoint's self-signed certificate is
accepted), and a failing endpoint's records in the S3 backup bucket."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import pytest

ROLE = "arn:aws:iam::000000000000:role/firehose"


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def endpoint_server(tmp_path):
    received: list = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            document = json.loads(body)
            received.append((dict(self.headers), document))
            answer = json.dumps({"requestId": document["requestId"], "timestamp": int(time.time() * 1000)}).encode()
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/ingest", received, state
    server.shutdown()
    server.server_close()


def _eventually(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _stream(firehose, s3, url, **extra):
    s3.create_bucket(Bucket="http-backup")
    firehose.create_delivery_stream(DeliveryStreamName="web", HttpEndpointDestinationConfiguration={
        "EndpointConfiguration": {"Url": url, "Name": "collector", "AccessKey": "secret-key"},
        "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
        "RequestConfiguration": {"ContentEncoding": "GZIP",
                                 "CommonAttributes": [{"AttributeName": "env", "AttributeValue": "test"}]},
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::http-backup"}, **extra})


def test_records_are_posted_in_firehose_protocol(aws_client, cloudtwin, endpoint_server):
    url, received, _ = endpoint_server
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    _stream(firehose, s3, url)
    cloudtwin.client.freeze()
    try:
        firehose.put_record_batch(DeliveryStreamName="web", Records=[{"Data": b"a"}, {"Data": b"b"}])
        cloudtwin.client.advance(61)
        assert _eventually(lambda: received)
    finally:
        cloudtwin.client.unfreeze()
    headers, document = received[0]
    assert headers["X-Amz-Firehose-Access-Key"] == "secret-key"
    assert headers["X-Amz-Firehose-Protocol-Version"] == "1.0"
    assert headers["X-Amz-Firehose-Request-Id"] == document["requestId"]
    assert json.loads(headers["X-Amz-Firehose-Common-Attributes"]) == {"commonAttributes": {"env": "test"}}
    assert headers["X-Amz-Firehose-Source-Arn"].endswith(":deliverystream/web")
    assert [base64.b64decode(r["data"]) for r in document["records"]] == [b"a", b"b"]
    assert s3.list_objects_v2(Bucket="http-backup").get("Contents") is None  # FailedDataOnly: nothing backed up


def test_a_failing_endpoint_sends_the_records_to_the_backup_bucket(aws_client, cloudtwin, endpoint_server):
    url, received, state = endpoint_server
    state["status"] = 500
    firehose, s3 = aws_client("firehose"), aws_client("s3")
    _stream(firehose, s3, url, RetryOptions={"DurationInSeconds": 0})
    cloudtwin.client.freeze()
    try:
        firehose.put_record(DeliveryStreamName="web", Record={"Data": b"lost"})
        cloudtwin.client.advance(61)
        contents = _eventually(lambda: s3.list_objects_v2(Bucket="http-backup").get("Contents"))
    finally:
        cloudtwin.client.unfreeze()
    [obj] = contents
    assert obj["Key"].startswith("http-endpoint-failed/")
    document = json.loads(s3.get_object(Bucket="http-backup", Key=obj["Key"])["Body"].read())
    assert document["errorCode"] == "HttpEndpoint.DeliveryFailed" and base64.b64decode(document["rawData"]) == b"lost"
    assert len(received) == 1
