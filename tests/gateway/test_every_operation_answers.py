"""Every operation answers with something an SDK can read — never a 500 or a traceback.

For every operation of a spread of services (each wire protocol, implemented services
and not), botocore builds the real request with minimal parameters; it is sent over HTTP to
a live server, and the answer must be a success or an error botocore parses to a code.
Implemented services are exercised with odd-but-valid input here, which is exactly where
unexpected exceptions hide.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import botocore.parsers
import pytest
from botocore.model import OperationModel

from botocore_capture import RequestCapture, Uncapturable

# (service, forced wire protocol or None for botocore's default)
SERVICES = [
    ("sts", None),
    ("sqs", None),
    ("sqs", "query"),
    ("sns", None),
    ("s3", None),
    ("dynamodb", None),
    ("dynamodbstreams", None),
    ("kms", None),
    ("secretsmanager", None),
    ("ssm", None),
    ("iam", None),
    ("lambda", None),
    ("route53", None),
    ("cloudwatch", "smithy-rpc-v2-cbor"),
    ("eventbridgev2", None),
]


def _cases():
    import botocore.session

    session = botocore.session.get_session()
    for service, protocol in SERVICES:
        model = session.get_service_model(service)
        for name in model.operation_names:
            yield pytest.param(service, protocol, name, id=f"{service}{'/' + protocol if protocol else ''}:{name}")


@pytest.fixture(scope="module")
def captures():
    return {}


def _capture(captures, protocol) -> RequestCapture:
    if protocol not in captures:
        captures[protocol] = RequestCapture(protocol)
    return captures[protocol]


@pytest.mark.parametrize("service,protocol,operation", list(_cases()))
def test_operation_answers_in_its_protocol(endpoint, captures, service, protocol, operation):
    capture = _capture(captures, protocol)
    client = capture.client(service)
    op: OperationModel = client.meta.service_model.operation_model(operation)
    if op.has_streaming_output or op.get_event_stream_output() is not None:
        pytest.skip("streamed output: covered by the service's own tests")
    try:
        request = capture.capture(service, op)
    except Uncapturable as exc:
        pytest.skip(str(exc))
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    target = request.path + ("?" + request.query_string if request.query_string else "")
    headers = {k: v for k, v in request.headers.items() if k not in ("content-length", "expect")}
    try:
        conn.request(request.method, target, body=request.body, headers=headers)
        response = conn.getresponse()
        body = response.read()
        status = response.status
        response_headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    assert status < 500 or status == 501, f"{status}: {body[:500]!r}"
    assert b"Traceback" not in body
    if status >= 300:
        wire = client.meta.service_model.resolved_protocol
        parsed = botocore.parsers.create_parser(wire).parse(
            {"status_code": status, "headers": response_headers, "body": body}, op.output_shape
        )
        assert parsed.get("Error", {}).get("Code"), f"no error code in {status}: {body[:500]!r}"
