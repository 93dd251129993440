"""Binary and text payloads of a REST API: ``binaryMediaTypes`` and ``contentHandling``,
as AWS's payload-encodings workflow converts them.

A payload is *binary* when its media type matches one of the API's ``binaryMediaTypes``
(``type/subtype`` exactly, ``type/*`` for any subtype, ``*/*`` for everything; AWS
matches no other wildcard), else *text* (read as UTF-8, malformed bytes becoming U+FFFD).

Request (the method request's ``Content-Type``, the integration's ``contentHandling``):
text stays text unless ``CONVERT_TO_BINARY`` base64-decodes it; binary stays binary
unless ``CONVERT_TO_TEXT`` base64-encodes it.

Response (the integration response's ``Content-Type``, the client's *first* ``Accept``
type, the integration response's ``contentHandling``): without ``contentHandling`` the
payload becomes what the ``Accept`` type asks for (binary when it matches), with
``CONVERT_TO_TEXT`` text and with ``CONVERT_TO_BINARY`` binary; text to binary is a
base64 decoding (a payload that is not base64 fails, 500), binary to text a base64 encoding.
"""

from __future__ import annotations

import base64
import binascii

CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
CONVERT_TO_TEXT = "CONVERT_TO_TEXT"


class PayloadError(Exception):
    """A payload that cannot be converted (AWS answers 500)."""


def media_type(value: str | None) -> str:
    """The ``type/subtype`` of a Content-Type, lower case, without parameters."""
    return (value or "").split(";", 1)[0].strip().lower()


def first_accept(accept: str | None) -> str:
    """The first media type of an ``Accept`` header: the only one AWS looks at."""
    return media_type((accept or "").split(",", 1)[0])


def is_binary(value: str | None, binary_types: list[str] | None) -> bool:
    """Does a media type match the API's ``binaryMediaTypes``?"""
    if not binary_types:
        return False
    kind = media_type(value)
    if "/" not in kind:
        return False
    main = kind.split("/", 1)[0]
    for pattern in binary_types:
        pattern = pattern.strip().lower()
        if pattern == "*/*" or pattern == kind and not pattern.startswith("*/"):
            return True
        if pattern.endswith("/*") and pattern[:-2] == main and main != "*":
            return True
    return False


def as_text(data: bytes) -> bytes:
    """A text payload as API Gateway carries it: UTF-8, malformed bytes replaced."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace").encode("utf-8")


def _decode(data: bytes) -> bytes:
    try:
        return base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("Unable to base64-decode the payload") from None


def convert(data: bytes, binary: bool, want_binary: bool) -> bytes:
    if binary and want_binary:
        return data
    if binary:
        return base64.b64encode(data)
    if want_binary:
        return _decode(data)
    return as_text(data)


def request_payload(body: bytes, content_type: str | None, binary_types: list[str] | None,
                    handling: str | None) -> tuple[bytes, bool]:
    """(integration request payload, whether it is binary) for a method request's body."""
    binary = is_binary(content_type, binary_types)
    want = _wanted(handling, binary)
    return convert(body, binary, want), want


def response_payload(body: bytes, content_type: str | None, accept: str | None,
                     binary_types: list[str] | None, handling: str | None) -> tuple[bytes, bool]:
    """(method response payload, whether it is binary) for an integration response's body."""
    binary = is_binary(content_type, binary_types)
    want = _wanted(handling, None) if handling in (CONVERT_TO_BINARY, CONVERT_TO_TEXT) else \
        is_binary(first_accept(accept), binary_types)
    return convert(body, binary, want), want


def _wanted(handling: str | None, otherwise: bool | None) -> bool:
    """Whether ``contentHandling`` asks for a binary payload (``otherwise`` without one)."""
    if handling == CONVERT_TO_BINARY:
        return True
    if handling == CONVERT_TO_TEXT:
        return False
    return bool(otherwise)


def template_text(data: bytes, binary: bool) -> str:
    """A payload handed to a mapping template: templates read text only, and a binary
    payload that is not UTF-8 fails the request."""
    if not binary:
        return data.decode("utf-8", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("Mapping templates cannot read a binary payload") from None
