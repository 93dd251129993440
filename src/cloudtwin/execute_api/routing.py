"""Matching a request path to an API's resource paths or route keys.

A path template has literal parts, ``{name}`` parts (one segment) and at most one greedy
``{name+}`` last part. Literal parts win over variables, variables over the greedy part,
as API Gateway picks the most specific match.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import unquote


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s != ""]


def match(template: str, path: str) -> tuple[tuple, dict[str, str]] | None:
    """(specificity, path parameters) when ``path`` fits ``template``, else None."""
    parts = _segments(template)
    given = _segments(path)
    params: dict[str, str] = {}
    score: list[int] = []
    for i, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if i >= len(given):
                return None
            params[part[1:-2]] = "/".join(unquote(s) for s in given[i:])
            score.append(0)
            return (tuple(score), -len(parts)), params
        if i >= len(given):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = unquote(given[i])
            score.append(1)
        elif part == given[i] or part == unquote(given[i]):
            score.append(2)
        else:
            return None
    if len(given) != len(parts):
        return None
    return (tuple(score), len(parts)), params


def best(templates: Iterable[tuple[str, object]], path: str) -> tuple[object, dict[str, str]] | None:
    """The most specific (template, value) pair for ``path``: (value, path parameters)."""
    found = None
    for template, value in templates:
        hit = match(template, path)
        if hit is not None and (found is None or hit[0] > found[0]):
            found = (hit[0], value, hit[1])
    return (found[1], found[2]) if found else None
