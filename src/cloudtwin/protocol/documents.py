"""The one reader for JSON documents a caller hands over inside a parameter.

Policies, redrive and filter policies, SNS message structures, pagination tokens, JSON
request bodies: every JSON text that comes from a client is read here, never with a bare
``json.loads``. Python's decoder recurses once per nesting level, so a 2 KB document nested
1,000 deep raises ``RecursionError`` (a 500); this reader measures the nesting first, with
a scan that does not recurse, and refuses what is deeper than :data:`MAX_DEPTH`. It also
refuses ``NaN`` / ``Infinity``, which are not JSON.

Every refusal is a :class:`DocumentError` (a ``ValueError``): callers turn it into their
service's own error (``MalformedPolicyDocument``, ``InvalidParameterValue``, ...). Its text
never carries Python's wording.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "DocumentError", "nesting_depth", "read_json"]

MAX_DEPTH = 100
"""Deepest nesting of arrays/objects accepted in a document: far beyond any policy AWS
takes, far below what would exhaust the interpreter's stack."""

# A string literal up to its closing quote, or to the end of an unterminated one (so the
# scan stays linear on any input).
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


class DocumentError(ValueError):
    """A client's JSON document that is refused; ``reason`` says why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings don't count),
    found without recursion. Unbalanced text gives a best-effort figure."""
    if text.count("[") + text.count("{") == 0:
        return 0
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a JSON number")


def read_json(text: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of the JSON document ``text``; :class:`DocumentError` when it is not JSON,
    is nested deeper than ``max_depth`` or holds a non-finite number."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode(json.detect_encoding(text))
        except (UnicodeDecodeError, LookupError):
            raise DocumentError("the document is not valid UTF-8") from None
    elif not isinstance(text, str):
        raise DocumentError("the document is not a string")
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise DocumentError(f"the document nests deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except DocumentError:
        raise
    except json.JSONDecodeError as exc:
        raise DocumentError(f"the document is not valid JSON (at character {exc.pos})") from None
    except (ValueError, RecursionError):  # e.g. an integer of more digits than Python converts
        raise DocumentError("the document is not valid JSON") from None
