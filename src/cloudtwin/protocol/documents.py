"""The one reader for JSON documents a caller hands over inside a parameter.

Policies, redrive and filter policies, SNS message structures, pagination tokens, JSON
request bodies: every JSON text that comes from a client is read here, never with a bare
``json.loads``. A 2 KB document nested 1,000 deep makes Python's decoder raise
``RecursionError`` (a 500 when nobody expects it), and one nested a few hundred deep decodes
but then exhausts the stack of whatever walks it recursively (validators, ``json.dumps``).
This reader turns the first into a refusal and measures the nesting of the second, without
recursion, refusing what is deeper than :data:`MAX_DEPTH`; so code that walks a document it
returned may recurse freely. It also refuses ``NaN`` / ``Infinity``, which are not JSON.

Every refusal is a :class:`DocumentError` (a ``ValueError``): callers turn it into their
service's own error (``MalformedPolicyDocument``, ``InvalidParameterValue``, ...). Its text
never carries Python's wording.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "DocumentError", "nesting_depth", "plain_object", "read_json"]

MAX_DEPTH = 100
"""Deepest nesting of arrays/objects accepted in a document: far beyond any policy AWS
takes, far below what would exhaust the interpreter's stack."""


class DocumentError(ValueError):
    """A client's JSON document that is refused; ``reason`` says why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(value: Any, *, stop_past: int | None = None) -> int:
    """How deeply lists and dicts nest in a decoded document (a scalar is 0, ``[]`` is 1),
    found without recursion; with ``stop_past``, the walk ends at the first level deeper."""
    deepest = 0
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        kind = type(node)
        if kind is not dict and kind is not list:
            continue
        if depth > deepest:
            deepest = depth
            if stop_past is not None and depth > stop_past:
                break
        for child in node.values() if kind is dict else node:
            push((child, depth + 1))
    return deepest


def _refuse_constant(name: str) -> Any:
    raise DocumentError(f"{name} is not a JSON number")


#: ``json.loads(text, parse_constant=...)`` builds a decoder per call: one, made once.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant)
_scan = _decoder.scan_once


def _decode(text: str) -> Any:
    """``_decoder.decode(text)``: an object with nothing around it is scanned directly
    (what ``decode`` does after its whitespace checks); anything else, and every error,
    goes through ``decode`` itself."""
    if text[:1] == "{" and text[-1:] == "}":
        try:
            value, end = _scan(text, 0)
        except StopIteration:
            pass
        else:
            if end == len(text):
                return value
    return _decoder.decode(text)


def read_json(text: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of the JSON document ``text``; :class:`DocumentError` when it is not JSON,
    is nested deeper than ``max_depth`` or holds a non-finite number."""
    if isinstance(text, (bytes, bytearray)):
        try:
            if text[:1] == b"{" and text[1:2] != b"\x00":  # UTF-8 (json.detect_encoding's verdict)
                text = bytes(text).decode("utf-8")
            else:
                text = bytes(text).decode(json.detect_encoding(text))
        except UnicodeDecodeError as exc:
            raise DocumentError(f"invalid UTF-8 at byte {exc.start}") from None
        except LookupError:
            raise DocumentError("the document is not valid UTF-8") from None
    elif not isinstance(text, str):
        raise DocumentError("the document is not a string")
    too_deep = f"the document nests deeper than {max_depth} levels"
    try:
        value = _decode(text)
    except DocumentError:
        raise
    except RecursionError:  # the decoder's own guard, far past max_depth
        raise DocumentError(too_deep) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"the document is not valid JSON (at character {exc.pos})") from None
    except ValueError:  # e.g. an integer of more digits than Python converts
        raise DocumentError("the document is not valid JSON") from None
    # Fewer brackets than the limit cannot nest past it: most documents stop here.
    if text.count("[") + text.count("{") > max_depth and nesting_depth(value, stop_past=max_depth) > max_depth:
        raise DocumentError(too_deep)
    return value


def plain_object(data: bytes, max_depth: int = MAX_DEPTH) -> dict | None:
    """:func:`read_json` of the common request body in one step: a UTF-8 ``{...}`` with
    nothing around it, whose bracket count cannot nest past ``max_depth``. None for
    anything else, errors included: :func:`read_json` then decides, with its words."""
    if data[:1] != b"{" or data[-1:] != b"}":
        return None
    try:
        text = data.decode("utf-8")
        value, end = _scan(text, 0)
    except (ValueError, StopIteration, RecursionError):  # DocumentError is a ValueError
        return None
    if end != len(text) or text.count("[") + text.count("{") > max_depth:
        return None
    return value
