"""How Jackson, the JSON reader of AWS's Java services, words a document it cannot read.

SNS (filter and redrive policies) and EventBridge (event patterns) quote Jackson's
message in their ``InvalidParameter`` / ``InvalidEventPatternException`` texts:
``Unexpected character ('i' (code 105)): was expecting double-quote to start field name``
or ``Unrecognized token 'x': was expecting (JSON String, ...)``, followed by the location.
Older Jackson versions quote the document in the location (``[Source: (String)"..."; line:
1, column: 2]``, EventBridge's); newer ones redact it (SNS's).
"""

from __future__ import annotations

import json

__all__ = ["location", "reason", "syntax_error"]

_EXPECTING_VALUE = "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
#: Jackson stops a token it does not recognize at the first character that is not a Java
#: identifier part, and shortens it past this length.
_MAX_TOKEN = 256
_REDACTED = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


def location(source: str, position: int, *, redacted: bool) -> str:
    """Jackson's location suffix for a 0-based ``position`` (1-based line and column)."""
    line = source.count("\n", 0, position) + 1
    column = position - (source.rfind("\n", 0, position) + 1) + 1
    quoted = _REDACTED if redacted else f'(String)"{source}"'
    return f"\n at [Source: {quoted}; line: {line}, column: {column}]"


def _java_identifier_part(char: str) -> bool:
    return char.isalnum() or char in "_$"


def syntax_error(source: str, error: json.JSONDecodeError, *, redacted: bool) -> str:
    """Jackson's message for ``source``, which Python's reader refused with ``error``."""
    pos = error.pos
    char = source[pos] if pos < len(source) else ""
    if error.msg.startswith("Expecting property name") and char:
        return (
            f"Unexpected character ('{char}' (code {ord(char)})): was expecting double-quote to start field name"
            + location(source, pos, redacted=redacted)
        )
    if error.msg.startswith("Expecting value") and char and _java_identifier_part(char):
        end = pos
        while end < len(source) and _java_identifier_part(source[end]) and end - pos < _MAX_TOKEN:
            end += 1
        word = source[pos:end] + ("..." if end - pos >= _MAX_TOKEN else "")
        return f"Unrecognized token '{word}': {_EXPECTING_VALUE}" + location(source, end, redacted=redacted)
    if not char:
        return "Unexpected end-of-input" + location(source, pos, redacted=redacted)
    return f"Unexpected character ('{char}' (code {ord(char)}))" + location(source, pos, redacted=redacted)


def reason(source: str, *, redacted: bool = True) -> str | None:
    """Jackson's message for a text that is not JSON; None when it is JSON (refused for
    another reason, such as its depth)."""
    try:
        json.loads(source)
    except json.JSONDecodeError as error:
        return syntax_error(source, error, redacted=redacted)
    except (ValueError, RecursionError):
        return None
    return None
