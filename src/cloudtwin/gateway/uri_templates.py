"""Matching a rest request's method, path and query against the models' ``requestUri``s.

Every rest-json / rest-xml operation declares an ``http.requestUri`` template such as
``/{Bucket}/{Key+}?uploads`` or ``/2015-03-31/functions/{FunctionName}/invocations``:
literal segments, ``{label}`` segments (one non-empty segment), ``{greedy+}`` labels (one or
more segments, possibly followed by literal segments, as in
``/portals/{portalArn+}/browserSettings``) and query literals (``?tagging``: key present;
``?list-type=2``: key with that value).

:class:`TemplateMatcher` compiles a set of templates once into a trie per HTTP method, so a
match costs one walk down the path, not a regex per operation. At each segment a literal
child is tried before a label and a label before a greedy label, backtracking on failure;
at the end of the path the template group with the most satisfied query literals wins. The
first complete match is thus the most specific one (literals win left to right).
Templates that are identical for the matcher (same method, same shape, same query literals
— S3's ``PutObject``/``CopyObject``/``UploadPart``...) come back together as one group for
the caller to tell apart by headers and query parameters.

Label values are returned still percent-encoded, as the request carried them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable, Mapping
from urllib.parse import unquote

__all__ = ["UriTemplate", "TemplateMatcher", "Match", "split_path"]

_LITERAL, _LABEL, _GREEDY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class UriTemplate:
    """One operation's ``requestUri``, parsed. ``target`` is what a match returns."""

    target: Hashable
    method: str
    #: (kind, text): kind is literal / label / greedy; text is the literal or label name.
    segments: tuple[tuple[int, str], ...]
    #: (key, required value or None for "key present").
    query: tuple[tuple[str, str | None], ...]
    label_names: tuple[str, ...] = ()
    #: How specific a match is: literal segments (a trailing slash does not count), query
    #: literals, non-greedy labels.
    score: tuple[int, int, int] = (0, 0, 0)

    @classmethod
    def parse(cls, target: Hashable, method: str, request_uri: str) -> UriTemplate:
        path, _, query = request_uri.partition("?")
        segments = []
        for text in split_path(path):
            if text.startswith("{") and text.endswith("}"):
                name = text[1:-1]
                if name.endswith("+"):
                    segments.append((_GREEDY, name[:-1]))
                else:
                    segments.append((_LABEL, name))
            else:
                segments.append((_LITERAL, text))
        literals = []
        for part in query.split("&") if query else ():
            key, sep, value = part.partition("=")
            literals.append((key, value if sep else None))
        return cls(
            target,
            method.upper(),
            tuple(segments),
            tuple(sorted(literals, key=str)),
            tuple(text for kind, text in segments if kind != _LITERAL),
            (
                sum(1 for kind, text in segments if kind == _LITERAL and text),
                len(literals),
                sum(1 for kind, _ in segments if kind == _LABEL),
            ),
        )

    def satisfied_by(self, query: Mapping[str, str]) -> bool:
        for key, value in self.query:
            found = query.get(key)
            if found is None or (value is not None and found != value):
                return False
        return True


@dataclass(slots=True)
class Match:
    """The best match: its template group (usually one) and the captured label values.

    ``exact`` is False when the path matched only once a trailing slash was added or
    dropped; such a match ranks below any exact one.
    """

    templates: tuple[UriTemplate, ...]
    captures: tuple[str, ...]
    exact: bool = True

    @property
    def score(self) -> tuple[bool, int, int, int]:
        return (self.exact, *self.templates[0].score)

    def uri_params(self, template: UriTemplate) -> dict[str, str]:
        return dict(zip(template.label_names, self.captures))


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    label: _Node | None = None
    greedy: _Node | None = None
    #: Template groups ending here, most query literals first.
    groups: list[tuple[UriTemplate, ...]] = field(default_factory=list)
    #: The group without query literals, if any: the answer when the request has no query.
    plain: tuple[UriTemplate, ...] | None = None


class TemplateMatcher:
    """The compiled templates of one service (or of many: targets are opaque)."""

    def __init__(self, templates: Iterable[UriTemplate]) -> None:
        self._roots: dict[str, _Node] = {}
        grouped: dict[tuple, list[UriTemplate]] = {}
        for template in templates:
            shape = tuple(text if kind == _LITERAL else kind for kind, text in template.segments)
            grouped.setdefault((template.method, shape, template.query), []).append(template)
        for (method, _shape, _query), group in grouped.items():
            node = self._roots.setdefault(method, _Node())
            for kind, text in group[0].segments:
                if kind == _LITERAL:
                    node = node.literals.setdefault(text, _Node())
                elif kind == _LABEL:
                    node.label = node.label or _Node()
                    node = node.label
                else:
                    node.greedy = node.greedy or _Node()
                    node = node.greedy
            node.groups.append(tuple(group))
        for root in self._roots.values():
            _sort_groups(root)

    @classmethod
    def from_operations(cls, http: Mapping[str, tuple[str, str]]) -> TemplateMatcher:
        """From ``{operation: (method, requestUri)}`` as :class:`ServiceIndex` keeps it."""
        return cls(UriTemplate.parse(name, method, uri) for name, (method, uri) in http.items())

    def methods(self) -> frozenset[str]:
        return frozenset(self._roots)

    def match(self, method: str, segments: list[str], query: Mapping[str, str]) -> Match | None:
        """The most specific template for a request; ``segments`` from :func:`split_path`."""
        root = self._roots.get(method)
        if root is None:
            return None
        captures: list[str] = []
        found = _walk(root, segments, 0, captures, query)
        if found is not None:
            return Match(found, tuple(captures))
        if segments:
            # Tolerate a trailing slash the template lacks ("/bucket/"), or the reverse.
            retry = segments[:-1] if segments[-1] == "" else [*segments, ""]
            found = _walk(root, retry, 0, captures, query)
            if found is not None:
                return Match(found, tuple(captures), exact=False)
        return None


def split_path(path: str) -> list[str]:
    """``/a/b/`` -> ``["a", "b", ""]``; ``/`` -> ``[]``. Segments stay percent-encoded."""
    if not path or path == "/":
        return []
    return path[1:].split("/") if path[0] == "/" else path.split("/")


def _sort_groups(node: _Node) -> None:
    node.groups.sort(key=lambda group: len(group[0].query), reverse=True)
    node.plain = next((group for group in node.groups if not group[0].query), None)
    for child in node.literals.values():
        _sort_groups(child)
    for child in (node.label, node.greedy):
        if child is not None:
            _sort_groups(child)


def _walk(
    node: _Node, segments: list[str], i: int, captures: list[str], query: Mapping[str, str]
) -> tuple[UriTemplate, ...] | None:
    if i == len(segments):
        if not query:
            return node.plain
        for group in node.groups:
            if group[0].satisfied_by(query):
                return group
        return None
    segment = segments[i]
    child = node.literals.get(segment)
    if child is None and "%" in segment:
        child = node.literals.get(unquote(segment))
    if child is not None:
        found = _walk(child, segments, i + 1, captures, query)
        if found is not None:
            return found
    if node.label is not None and segment:
        captures.append(segment)
        found = _walk(node.label, segments, i + 1, captures, query)
        if found is not None:
            return found
        captures.pop()
    if node.greedy is not None:
        # Shortest first, so literal segments after a greedy label get their chance:
        # "/mrap/instances/{name+}/policy" before "/mrap/instances/{name+}".
        for end in range(i + 1, len(segments) + 1):
            value = "/".join(segments[i:end])
            if not value:
                continue
            captures.append(value)
            found = _walk(node.greedy, segments, end, captures, query)
            if found is not None:
                return found
            captures.pop()
    return None
