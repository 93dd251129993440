"""botocore's response vectors, run backwards: serialize the expected value, parse it back.

For every output case under ``../shared/protocol-tests/output`` and ``legacy/output``: build
the suite's model, turn the case's ``result`` (or ``errorCode``/``errorMessage``/``error``)
into typed values (or a ServiceError), serialize it with cloudtwin, feed the HttpResponse to
botocore's own parser for the protocol, and compare with the expected value the way
botocore's runner does (``ResponseMetadata`` stripped, bytes as text, ``Error`` reduced to
``Code`` and ``Message``). A server that passes writes what botocore reads.

Cases that cannot hold for a server are listed, with the reason, in NOT_APPLICABLE; every
other case must pass.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.eventstream import EventStream
from botocore.model import NoShapeFoundError, ServiceModel, Shape
from botocore.parsers import create_parser

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.serializers import get_serializer

from botocore_answers import RawBody, body_of

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "protocol-tests"
if not (VECTORS / "output").is_dir():
    pytest.skip(f"protocol test vectors not found at {VECTORS}", allow_module_level=True)

REQUEST_ID = "cloudtwin-request-id"

# (file, case id, why the case cannot apply to a server). Everything else must pass.
_NO_MESSAGE = (
    "the error has no message: botocore's XML error parser then leaves Message out, but the "
    "vector expects ''; no response can produce that"
)
_SHARED_ITEM_NAME = (
    "two flattened lists share the list member name 'item'; botocore names flattened items by "
    "the list member's locationName (AWS's own form, e.g. SimpleDB), so it cannot tell the "
    "two lists apart, whichever name a server writes"
)
_ABSENT_BLOB = "botocore reads a blob payload from every response: an absent blob reads back as ''"
_UNSET_UNION = (
    "botocore parses a union payload even from an empty body and rejects it for having no "
    "member set"
)
_ALL_HEADERS = (
    "a header map without a prefix collects every response header, and a server always sends "
    "the request id (and a transport-level Content-Length) that the vector leaves out"
)
_LIST_HEADER_COMMAS = (
    "botocore splits list headers on every comma and does not unquote: quoted items (as RFC "
    "7230 requires for commas and quotes) and HTTP dates (which contain commas) read back split"
)
_UNKNOWN_UNION = (
    "unknown union member: the expected value is botocore's SDK_UNKNOWN_MEMBER placeholder for "
    "a member missing from the client's model; a server only sends members of its own model"
)

NOT_APPLICABLE: list[tuple[str, str, str]] = [
    ("output/ec2.json", "Ec2ComplexError", _NO_MESSAGE),
    ("output/query.json", "QueryComplexError", _NO_MESSAGE),
    ("output/ec2.json", "Ec2XmlLists", _SHARED_ITEM_NAME),
    ("output/query.json", "QueryXmlLists", _SHARED_ITEM_NAME),
    ("output/rest-xml.json", "XmlLists", _SHARED_ITEM_NAME),
    ("output/rest-json.json", "RestJsonHttpPayloadTraitsWithNoBlobBody", _ABSENT_BLOB),
    ("output/rest-xml.json", "HttpPayloadTraitsWithNoBlobBody", _ABSENT_BLOB),
    ("output/rest-json.json", "RestJsonHttpPayloadWithUnsetUnion", _UNSET_UNION),
    ("output/rest-xml.json", "RestXmlHttpPayloadWithUnsetUnion", _UNSET_UNION),
    ("output/rest-json.json", "HttpPrefixHeadersResponse", _ALL_HEADERS),
    ("legacy/output/rest-json.json", "Supports header maps [9.0]", _ALL_HEADERS),
    ("output/rest-json.json", "RestJsonInputAndOutputWithQuotedStringHeaders", _LIST_HEADER_COMMAS),
    ("output/rest-json.json", "RestJsonInputAndOutputWithTimestampHeaders", _LIST_HEADER_COMMAS),
    ("output/rest-xml.json", "InputAndOutputWithTimestampHeaders", _LIST_HEADER_COMMAS),
    ("legacy/output/rest-json.json", "Tagged Unions [17.2]", _UNKNOWN_UNION),
    ("legacy/output/rest-xml.json", "Unions [16.2]", _UNKNOWN_UNION),
]

_SKIPPED = {(file, case_id): reason for file, case_id, reason in NOT_APPLICABLE}


def _cases() -> list[Any]:
    params = []
    files = sorted((VECTORS / "output").glob("*.json")) + sorted(
        (VECTORS / "legacy" / "output").glob("*.json")
    )
    for path in files:
        file = str(path.relative_to(VECTORS))
        for suite_index, suite in enumerate(json.loads(path.read_text())):
            for case_index, case in enumerate(suite["cases"]):
                case_id = case.get("id") or f"{suite['description']} [{suite_index}.{case_index}]"
                marks = []
                if (file, case_id) in _SKIPPED:
                    marks.append(pytest.mark.skip(reason=_SKIPPED[(file, case_id)]))
                params.append(
                    pytest.param(file, suite, case, id=f"{file}::{case_id}", marks=marks)
                )
    return params


# -- expected values -> typed values ---------------------------------------------------------

_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def typed(shape: Shape, value: Any) -> Any:
    """The vectors' JSON encoding of a value (epochs, str blobs, "NaN") as a typed value."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if shape.metadata.get("document"):
            return value
        if shape.serialization.get("eventstream"):
            return [
                {name: typed(shape.members[name], body) for name, body in event.items()}
                for event in value
            ]
        return {
            name: typed(shape.members[name], item)
            for name, item in value.items()
            if name in shape.members
        }
    if kind == "list":
        return [typed(shape.member, item) for item in value]
    if kind == "map":
        return {key: typed(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        return datetime.fromtimestamp(value, timezone.utc)
    if kind == "blob":
        return value.encode("utf-8") if isinstance(value, str) else value
    if kind in ("float", "double") and isinstance(value, str):
        return _SPECIAL_FLOATS[value]
    return value


# -- botocore's parse, normalised as botocore's runner does ----------------------------------


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, (list, EventStream)):
        return [normalise(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, float) and not math.isfinite(value):
        if value != value:
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    return value


def error_shape(model: ServiceModel, error: dict) -> Shape | None:
    """The shape botocore's client raises for a parsed error: by ``error.code``, else by
    shape name (``QueryErrorCode`` first, as botocore does for SQS)."""
    shape = model.shape_for_error_code(error["Code"])
    if shape is None:
        try:
            shape = model.shape_for(error.get("QueryErrorCode") or error["Code"])
        except NoShapeFoundError:
            return None
    return shape


def botocore_parse(protocol: str, model: ServiceModel, operation, response) -> dict:
    body = body_of(response)
    http = {
        "status_code": response.status_code,
        "headers": HeadersDict(response.headers),
        "body": body,
        "context": {"operation_name": operation.name},
    }
    if operation.has_event_stream_output:
        http["body"] = RawBody(body)
    parser = create_parser(protocol)
    parsed = parser.parse(http, operation.output_shape)
    if response.status_code >= 300:
        shape = error_shape(model, parsed["Error"])
        if shape is not None:
            http["body"] = body
            parsed.update(parser.parse(http, shape))
    parsed.pop("ResponseMetadata", None)
    if "Error" in parsed:
        parsed["Error"] = {k: v for k, v in parsed["Error"].items() if k in ("Code", "Message")}
    return normalise(parsed)


# -- the test --------------------------------------------------------------------------------


def _model(file: str, suite: dict, case: dict) -> tuple[ServiceModel, Any]:
    given = copy.deepcopy(case["given"])
    name = given.get("name", "OperationName")
    protocol = suite["metadata"]["protocol"]
    if protocol == "query" and "output" in given:
        # botocore's runner gives query outputs their wrapper, as real query models do.
        given["output"].setdefault("resultWrapper", f"{name}Result")
    description = {
        "metadata": suite["metadata"],
        "shapes": suite["shapes"],
        "operations": {name: given},
    }
    model = ServiceModel(description)
    return model, model.operation_model(name)


@pytest.mark.parametrize(("file", "suite", "case"), _cases())
def test_response_vector(file: str, suite: dict, case: dict) -> None:
    model, operation = _model(file, suite, case)
    protocol = suite["metadata"]["protocol"]
    serializer = get_serializer(protocol)

    if "errorCode" in case:
        code = case["errorCode"]
        try:
            shape = model.shape_for(code)
        except NoShapeFoundError:
            shape = None
        modeled = shape is not None and shape.metadata.get("exception")
        error = ServiceError(
            code,
            case.get("errorMessage", ""),
            None if modeled else case["response"]["status_code"],
            fields=typed(shape, case.get("error") or {}) if modeled else None,
        )
        response = serializer.serialize_error(error, model, operation, REQUEST_ID)
        expected = {"Error": {"Code": code, "Message": case.get("errorMessage", "")}}
        expected.update(case.get("error") or {})
        assert response.status_code >= 400
    else:
        output = operation.output_shape
        result = typed(output, case["result"]) if output is not None else None
        response = serializer.serialize_result(result, operation, REQUEST_ID)
        expected = case["result"]
        assert response.status_code == case["response"]["status_code"]

    assert all(isinstance(v, str) for v in response.headers.values())
    assert botocore_parse(protocol, model, operation, response) == expected


def test_not_applicable_names_real_cases() -> None:
    """Every NOT_APPLICABLE entry names a case that exists (no stale exemptions)."""
    ids = {(param.values[0], param.id.split("::", 1)[1]) for param in _cases()}
    assert set(_SKIPPED) <= ids
