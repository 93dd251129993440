"""botocore's request vectors, run backwards: the serialized request must parse to ``params``.

Every *input* case of ``../shared/protocol-tests/input`` and ``legacy/input`` is one test,
named ``<file>:<case id>`` (legacy cases have no id: ``<suite>.<case>`` positions). The
wire request is rebuilt from ``serialized``, parsed with the protocol's parser against a
ServiceModel built from the suite (once per suite and operation), and compared with
``params`` after the README's normalisation: timestamps as epoch numbers, blobs as text,
NaN/Infinity as strings, ``null`` params left out.

Cases a server cannot meet are listed, with the reason, in :data:`NOT_FOR_A_SERVER`.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from datetime import datetime
from pathlib import Path

import pytest
from botocore.model import ServiceModel

from cloudtwin.protocol.http import HttpRequest
from cloudtwin.protocol.parsers import get_parser
from cloudtwin.protocol.values import to_epoch

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "protocol-tests"

if not (VECTORS / "input").is_dir():
    pytest.skip(
        f"botocore's protocol vectors are not at {VECTORS.resolve()} (expected beside the checkout)",
        allow_module_level=True,
    )

_TOKEN_AUTOFILL = "idempotency-token auto-fill is a client feature: the wire carries a token the caller never gave"
_COMPRESSED = "request compression: the vector gives no body (the client gzips it)"
_CUSTOM_PATH = "custom endpoint path (https://example.com/custom) is client configuration, not part of the operation's URI"
_EMPTY_NOT_SENT = "an empty list/map the client does not put on the wire: a server cannot tell it from an absent one"
_QUERY_MAP_ALL = (
    "the vector's client params repeat every named query parameter inside the httpQueryParams "
    "map; cloudtwin's querystring map holds only the parameters no other member binds"
)

# (file, case id, reason): the cases that do not apply to a server. Every other case passes.
NOT_FOR_A_SERVER: list[tuple[str, str, str]] = [
    # -- idempotency tokens filled in by the client (botocore's ignore list agrees)
    ("query", "QueryProtocolIdempotencyTokenAutoFill", _TOKEN_AUTOFILL),
    ("ec2", "Ec2ProtocolIdempotencyTokenAutoFill", _TOKEN_AUTOFILL),
    ("rest-json", "RestJsonQueryIdempotencyTokenAutoFill", _TOKEN_AUTOFILL),
    ("rest-xml", "QueryIdempotencyTokenAutoFill", _TOKEN_AUTOFILL),
    ("legacy/query", "12.1", _TOKEN_AUTOFILL),
    ("legacy/ec2", "8.1", _TOKEN_AUTOFILL),
    ("legacy/json", "6.1", _TOKEN_AUTOFILL),
    ("legacy/rest-json", "19.1", _TOKEN_AUTOFILL),
    ("legacy/rest-xml", "23.1", _TOKEN_AUTOFILL),
    # -- request compression (botocore's ignore list agrees)
    ("query", "SDKAppliedContentEncoding_awsQuery", _COMPRESSED),
    ("query", "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsQuery", _COMPRESSED),
    ("ec2", "SDKAppliedContentEncoding_ec2Query", _COMPRESSED),
    ("ec2", "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_ec2Query", _COMPRESSED),
    ("json", "SDKAppliedContentEncoding_awsJson1_1", _COMPRESSED),
    ("json", "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_1", _COMPRESSED),
    ("json_1_0", "SDKAppliedContentEncoding_awsJson1_0", _COMPRESSED),
    ("json_1_0", "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_0", _COMPRESSED),
    ("rest-json", "SDKAppliedContentEncoding_restJson1", _COMPRESSED),
    ("rest-json", "SDKAppendedGzipAfterProvidedEncoding_restJson1", _COMPRESSED),
    ("rest-xml", "SDKAppliedContentEncoding_restXml", _COMPRESSED),
    ("rest-xml", "SDKAppendedGzipAfterProvidedEncoding_restXml", _COMPRESSED),
    # -- custom endpoint paths (botocore's ignore list agrees)
    ("query", "QueryHostWithPath", _CUSTOM_PATH),
    ("ec2", "Ec2QueryHostWithPath", _CUSTOM_PATH),
    ("json", "AwsJson11HostWithPath", _CUSTOM_PATH),
    ("json_1_0", "AwsJson10HostWithPath", _CUSTOM_PATH),
    ("rest-json", "RestJsonHostWithPath", _CUSTOM_PATH),
    # -- client-side precedence of named query params over the map (botocore's list agrees)
    ("rest-json", "RestJsonQueryPrecedence", "client rule: a named query member wins over the same key in the httpQueryParams map"),
    ("rest-xml", "RestXmlQueryPrecedence", "client rule: a named query member wins over the same key in the httpQueryParams map"),
    # -- empty collections the client leaves off the wire
    ("ec2", "Ec2EmptyQueryLists", _EMPTY_NOT_SENT),
    ("query", "QueryEmptyQueryMaps", _EMPTY_NOT_SENT),
    ("rest-json", "RestJsonHttpPrefixHeadersAreNotPresent", _EMPTY_NOT_SENT),
    ("rest-xml", "HttpPrefixHeadersAreNotPresent", _EMPTY_NOT_SENT),
    ("rest-json", "RestJsonOmitsEmptyListQueryValues", _EMPTY_NOT_SENT),
    ("legacy/rest-json", "26.1", _EMPTY_NOT_SENT),
    ("legacy/rest-xml", "26.1", _EMPTY_NOT_SENT),
    # -- httpQueryParams maps: see _QUERY_MAP_ALL (Smithy's server-side cases want every
    #    parameter in the map; the brief asks for the unbound ones only, which is what a
    #    service filtering on the map, like amp ListScrapers, needs)
    ("rest-json", "RestJsonAllQueryStringTypes", _QUERY_MAP_ALL),
    ("rest-json", "RestJsonQueryStringEscaping", _QUERY_MAP_ALL),
    ("rest-json", "RestJsonSupportsNaNFloatQueryValues", _QUERY_MAP_ALL),
    ("rest-json", "RestJsonSupportsInfinityFloatQueryValues", _QUERY_MAP_ALL),
    ("rest-json", "RestJsonSupportsNegativeInfinityFloatQueryValues", _QUERY_MAP_ALL),
    ("rest-json", "RestJsonZeroAndFalseQueryValues", _QUERY_MAP_ALL),
    # -- client conventions that a server reads differently
    (
        "rest-json",
        "MediaTypeHeaderInputBase64",
        "a jsonvalue header is base64 JSON and parses to the JSON value (True here), as the "
        "legacy 'JSON value trait' cases want; this Smithy case keeps the raw string",
    ),
    (
        "legacy/rest-json",
        "25.7",
        "botocore adds Content-Type: application/octet-stream on its own, and that header is "
        "bound to the contentType member, so a server reads a value the caller never gave",
    ),
]

_SKIPS = {(file, case_id): reason for file, case_id, reason in NOT_FOR_A_SERVER}


def _files() -> list[tuple[str, Path]]:
    found = [(path.stem, path) for path in sorted((VECTORS / "input").glob("*.json"))]
    found += [
        (f"legacy/{path.stem}", path) for path in sorted((VECTORS / "legacy" / "input").glob("*.json"))
    ]
    return found


@functools.cache
def _suites(path: Path) -> list[dict]:
    return json.loads(path.read_text())


def _cases() -> list:
    params = []
    for file, path in _files():
        seen: set[str] = set()
        for suite_no, suite in enumerate(_suites(path)):
            for case_no, case in enumerate(suite["cases"]):
                case_id = case.get("id") or f"{suite_no}.{case_no}"
                if case_id in seen:
                    case_id = f"{case_id}#{suite_no}.{case_no}"
                seen.add(case_id)
                reason = _SKIPS.get((file, case_id))
                marks = [pytest.mark.skip(reason=reason)] if reason else []
                params.append(
                    pytest.param(file, path, suite_no, case_no, id=f"{file}:{case_id}", marks=marks)
                )
    return params


@functools.cache
def _operation(path: Path, suite_no: int, given_json: str):
    """The OperationModel of one suite's operation, built once per suite and operation."""
    suite = _suites(path)[suite_no]
    given = json.loads(given_json)
    model = ServiceModel(
        {"metadata": suite["metadata"], "operations": {given["name"]: given}, "shapes": suite["shapes"]},
        service_name="vectors",
    )
    return model.operation_model(given["name"])


def build_request(serialized: dict, binary_body: bool) -> HttpRequest:
    path, _, query = serialized.get("uri", "/").partition("?")
    body = serialized.get("body") or ""
    raw = base64.b64decode(body) if binary_body else body.encode("utf-8")
    headers = {name.lower(): value for name, value in (serialized.get("headers") or {}).items()}
    return HttpRequest(serialized.get("method", "POST"), path, query, headers, raw)


def normalise(value):
    """A parsed value in the vectors' notation."""
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, datetime):
        return to_epoch(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def expected_params(value):
    """``params`` without the ``null`` members (never on the wire)."""
    if isinstance(value, dict):
        return {key: expected_params(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [expected_params(item) for item in value]
    return value


def test_every_listed_case_exists():
    ids = {param.id for param in _cases()}
    missing = [f"{file}:{case_id}" for file, case_id, _ in NOT_FOR_A_SERVER if f"{file}:{case_id}" not in ids]
    assert not missing, f"NOT_FOR_A_SERVER names cases the vectors do not have: {missing}"


@pytest.mark.parametrize(("file", "path", "suite_no", "case_no"), _cases())
def test_request_vector(file: str, path: Path, suite_no: int, case_no: int) -> None:
    suite = _suites(path)[suite_no]
    case = suite["cases"][case_no]
    operation = _operation(path, suite_no, json.dumps(case["given"], sort_keys=True))
    binary = "cbor" in file
    request = build_request(case["serialized"], binary)
    parser = get_parser(suite["metadata"]["protocol"])

    parsed = parser.parse(request, operation)

    assert normalise(parsed) == expected_params(case.get("params") or {}), case.get("description")
