"""Wildcard patterns (``*`` and ``?``) and policy variables (``${aws:username}``).

Patterns are compiled to regular expressions once per distinct text and kept on a
:class:`PatternCache` owned by whoever parses policies, so evaluating a request costs a
dict lookup and a regex match per pattern.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def has_variables(text: str) -> bool:
    return "${" in text


def substitute(text: str, lookup: Callable[[str], Sequence[str] | None]) -> str | None:
    """Replace ``${key}`` / ``${key, 'default'}`` with the request's value of ``key``.

    ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters. Returns None when a
    variable has no value and no default: AWS then treats the pattern as not matching.
    """
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        body = match.group(1).strip()
        if body in _SPECIAL:
            # A literal wildcard character: escape it so the matcher reads it literally.
            return "\x00" + body
        key, default = body, None
        if "," in body:
            key, _, rest = body.partition(",")
            key = key.strip()
            rest = rest.strip()
            if len(rest) >= 2 and rest[0] == rest[-1] == "'":
                default = rest[1:-1]
        values = lookup(key)
        if values and len(values) == 1:
            return values[0].replace("*", "\x00*").replace("?", "\x00?")
        if default is not None:
            return default
        missing = True
        return ""

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def wildcard_regex(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """``*`` -> any run of characters, ``?`` -> one character; ``\\x00`` escapes the next one."""
    out: list[str] = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\x00":
            escaped = True
        elif ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


class PatternCache:
    """Compiled wildcard patterns, keyed by (text, ignore_case)."""

    __slots__ = ("_patterns",)

    def __init__(self) -> None:
        self._patterns: dict[tuple[str, bool], re.Pattern[str]] = {}

    def match(self, pattern: str, value: str, *, ignore_case: bool = False) -> bool:
        if pattern == "*":
            return True
        key = (pattern, ignore_case)
        compiled = self._patterns.get(key)
        if compiled is None:
            if len(self._patterns) > 10_000:
                self._patterns.clear()
            compiled = self._patterns[key] = wildcard_regex(pattern, ignore_case=ignore_case)
        return compiled.fullmatch(value) is not None


def arn_matches(cache: PatternCache, pattern: str, arn: str) -> bool:
    """ArnLike: the six colon-separated parts match one by one (the last may hold colons)."""
    if pattern == "*":
        return True
    p = pattern.split(":", 5)
    a = arn.split(":", 5)
    if len(p) != 6 or len(a) != 6:
        return False
    return all(cache.match(pp, ap) for pp, ap in zip(p, a))


def context_lookup(context: Mapping[str, Sequence[str]]) -> Callable[[str], Sequence[str] | None]:
    """A case-insensitive lookup of condition keys (the request context keys are lower-cased)."""

    def lookup(key: str) -> Sequence[str] | None:
        return context.get(key.lower())

    return lookup
