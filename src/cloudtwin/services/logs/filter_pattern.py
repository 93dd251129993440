"""CloudWatch Logs filter patterns, compiled once into a predicate over a message.

Three forms, as AWS documents them:

    ERROR                      terms: every term must occur (case-sensitive)
    "Failed to connect"        a quoted term: the exact phrase
    ?ERROR ?WARN               any of the ``?`` terms
    ERROR -Retrying            a ``-`` term must not occur
    { $.level = "error" && $.ms > 100 }      JSON: selectors, = != < <= > >=, * in
                                              strings, && || and parentheses,
                                              IS NULL, NOT EXISTS, IS TRUE/FALSE
    [ip, user, ..., status = 5*, bytes > 1000]   space-delimited fields

An empty pattern matches everything. A pattern that cannot be read raises
:class:`PatternError` with AWS's message.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from typing import Any, Callable

Predicate = Callable[[str], bool]


class PatternError(ValueError):
    pass


_INVALID = "Invalid filter pattern"


def compile_pattern(pattern: str | None) -> Predicate:
    text = (pattern or "").strip()
    if not text or text in ('""', "''"):
        return lambda message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise PatternError(_INVALID)
        return _json_pattern(text[1:-1])
    if text.startswith("["):
        if not text.endswith("]"):
            raise PatternError(_INVALID)
        return _delimited_pattern(text[1:-1])
    return _terms(text)


# -- terms --------------------------------------------------------------------------------------


def _terms(text: str) -> Predicate:
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        raise PatternError(_INVALID) from None
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for token in tokens:
        if token.startswith("?") and len(token) > 1:
            optional.append(token[1:])
        elif token.startswith("-") and len(token) > 1:
            excluded.append(token[1:])
        else:
            required.append(token)

    def matches(message: str) -> bool:
        if any(term in message for term in excluded):
            return False
        if required and not all(term in message for term in required):
            return False
        if optional and not required and not any(term in message for term in optional):
            return False
        return True

    return matches


# -- JSON -----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<sel>\$(?:\.[A-Za-z0-9_@\-]+|\[\d+\])*(?:\.\*)?)|(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))"
    r"|(?P<str>\"(?:[^\"\\]|\\.)*\")|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_*\-\.]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise PatternError(_INVALID)
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _select(document: Any, selector: str) -> tuple[bool, Any]:
    value = document
    for part in re.findall(r"\.([A-Za-z0-9_@\-]+)|\[(\d+)\]", selector[1:]):
        key, index = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return False, None
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return False, None
            value = value[int(index)]
    return True, value


def _compare(found: bool, value: Any, op: str, kind: str, literal: str) -> bool:
    if kind == "word":
        word = literal.upper()
        if op == "IS" and word == "NULL":
            return found and value is None
        if op == "NOT" and word == "EXISTS":
            return not found
        if op == "IS" and word in ("TRUE", "FALSE"):
            return found and value is (word == "TRUE")
    if not found:
        return False
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return op == "!="
        number = float(literal)
        return {"=": value == number, "!=": value != number, "<": value < number,
                "<=": value <= number, ">": value > number, ">=": value >= number}.get(op, False)  # fmt: skip
    if kind in ("str", "word"):
        target = json.loads(literal) if kind == "str" else literal
        if not isinstance(value, str):
            value = json.dumps(value) if not isinstance(value, (int, float)) else str(value)
        equal = fnmatch.fnmatchcase(value, target) if "*" in target else value == target
        if op == "=":
            return equal
        if op == "!=":
            return not equal
    return False


def _json_pattern(body: str) -> Predicate:
    tokens = _tokens(body)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        if pos >= len(tokens):
            raise PatternError(_INVALID)
        pos += 1
        return tokens[pos - 1]

    def comparison() -> Callable[[Any], bool]:
        token = take()
        if token == ("op", "("):
            inner = disjunction()
            if take() != ("op", ")"):
                raise PatternError(_INVALID)
            return inner
        if token[0] != "sel":
            raise PatternError(_INVALID)
        selector = token[1]
        op_token = take()
        if op_token[0] == "word" and op_token[1].upper() in ("IS", "NOT"):
            op = op_token[1].upper()
            kind, literal = take()
        elif op_token[0] == "op" and op_token[1] in ("=", "!=", "<", "<=", ">", ">="):
            op = op_token[1]
            kind, literal = take()
            if kind not in ("str", "num", "word"):
                raise PatternError(_INVALID)
        else:
            raise PatternError(_INVALID)

        def test(document: Any) -> bool:
            found, value = _select(document, selector)
            if isinstance(value, list) and op in ("=", "!=") and selector.endswith("]") is False:
                return any(_compare(True, v, op, kind, literal) for v in value) if op == "=" else all(
                    _compare(True, v, op, kind, literal) for v in value)
            return _compare(found, value, op, kind, literal)

        return test

    def conjunction() -> Callable[[Any], bool]:
        parts = [comparison()]
        while peek() == ("op", "&&"):
            take()
            parts.append(comparison())
        return lambda d: all(p(d) for p in parts)

    def disjunction() -> Callable[[Any], bool]:
        parts = [conjunction()]
        while peek() == ("op", "||"):
            take()
            parts.append(conjunction())
        return lambda d: any(p(d) for p in parts)

    tree = disjunction()
    if pos != len(tokens):
        raise PatternError(_INVALID)

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, (dict, list)) and tree(document)

    return matches


# -- space-delimited ------------------------------------------------------------------------------

_FIELD = re.compile(r"\s*(?P<name>[A-Za-z0-9_]+|\.\.\.)\s*(?:(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>\"[^\"]*\"|[^,\s]+))?\s*")


def _split_fields(message: str) -> list[str]:
    return [a or b or c for a, b, c in re.findall(r'"([^"]*)"|\[([^\]]*)\]|(\S+)', message)]


def _delimited_pattern(body: str) -> Predicate:
    specs = []
    for chunk in [c for c in body.split(",")] if body.strip() else []:
        match = _FIELD.fullmatch(chunk)
        if match is None:
            raise PatternError(_INVALID)
        specs.append((match["name"], match["op"], match["value"]))
    if not specs:
        return lambda message: True
    ellipsis_at = [i for i, s in enumerate(specs) if s[0] == "..."]

    def matches(message: str) -> bool:
        fields = _split_fields(message)
        if ellipsis_at:
            i = ellipsis_at[0]
            head, tail = specs[:i], specs[i + 1:]
            if len(fields) < len(head) + len(tail):
                return False
            pairs = list(zip(head, fields)) + list(zip(tail, fields[len(fields) - len(tail):] if tail else []))
        else:
            if len(fields) != len(specs):
                return False
            pairs = list(zip(specs, fields))
        for (name, op, value), field in pairs:
            if op is None:
                continue
            if value.startswith('"'):
                kind, literal = "str", value
            elif re.fullmatch(r"-?\d+(?:\.\d+)?", value):
                kind, literal = "num", value
            else:
                kind, literal = "word", value
            actual: Any = field
            if kind == "num":
                try:
                    actual = float(field)
                except ValueError:
                    return False
            if not _compare(True, actual, op, kind, literal):
                return False
        return True

    return matches
