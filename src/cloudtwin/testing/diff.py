"""Structural differences between two JSON-like values, and a JSONPath subset to name them.

Shared by the snapshot fixture (recorded vs. actual) and the contract proxy (reference vs.
target): both want "what is missing, what is extra, what changed", by path, never a text
diff, so key order and formatting cannot count.

Paths are tuples of keys and list indices; :func:`render_path` writes them as JSONPath
(``$.Attributes.QueueArn``, ``$.Items[0].Id``). :class:`PathPattern` matches the subset
of JSONPath that snapshot waivers and custom transformers need: ``$.a.b``, ``$..b``
(any depth), ``[*]`` / ``.*`` (any key or index) and ``[0]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["Difference", "PathPattern", "diff", "render_path", "render_value"]

Path = tuple["str | int", ...]

#: Difference kinds: ``removed`` (only in the expected value), ``added`` (only in the
#: actual value), ``changed`` (both, different values), ``type`` (both, different JSON types).
REMOVED, ADDED, CHANGED, TYPE = "removed", "added", "changed", "type"


@dataclass(frozen=True, slots=True)
class Difference:
    path: Path
    kind: str
    expected: Any = None
    actual: Any = None

    def render(self) -> str:
        where = render_path(self.path)
        if self.kind == REMOVED:
            return f"(-) {where}  missing; expected {render_value(self.expected)}"
        if self.kind == ADDED:
            return f"(+) {where}  unexpected {render_value(self.actual)}"
        return f"(~) {where}  {render_value(self.expected)} -> {render_value(self.actual)}"


def diff(expected: Any, actual: Any, ignore_keys: Iterable[str] = (), path: Path = ()) -> list[Difference]:
    """Every difference between ``expected`` and ``actual``, in a stable order.

    Dict members named in ``ignore_keys`` are skipped at any depth. Lists are compared
    position by position (a longer list shows its extra items as ``added``).
    """
    out: list[Difference] = []
    _diff(expected, actual, frozenset(ignore_keys), path, out)
    return out


def _diff(expected: Any, actual: Any, ignore: frozenset[str], path: Path, out: list[Difference]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            if key in ignore:
                continue
            here = (*path, key)
            if key not in actual:
                out.append(Difference(here, REMOVED, expected=expected[key]))
            elif key not in expected:
                out.append(Difference(here, ADDED, actual=actual[key]))
            else:
                _diff(expected[key], actual[key], ignore, here, out)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for index in range(max(len(expected), len(actual))):
            here = (*path, index)
            if index >= len(actual):
                out.append(Difference(here, REMOVED, expected=expected[index]))
            elif index >= len(expected):
                out.append(Difference(here, ADDED, actual=actual[index]))
            else:
                _diff(expected[index], actual[index], ignore, here, out)
        return
    if _kind(expected) != _kind(actual):
        out.append(Difference(path, TYPE, expected, actual))
    elif expected != actual:
        out.append(Difference(path, CHANGED, expected, actual))


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def render_path(path: Path) -> str:
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            parts.append(f"[{json.dumps(step)}]")
    return "".join(parts)


def render_value(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- JSONPath subset ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<desc>\.\.)(?P<dname>[^.\[]+|\*)?   # ..name / ..* (any depth)
      | \.(?P<name>[^.\[]+)                     # .name / .*
      | \[(?P<index>\d+|\*)\]                   # [0] / [*]
      | \[(?P<quoted>'[^']*'|"[^"]*")\]          # ['odd key']
    """,
    re.VERBOSE,
)

_ANY = object()


class PathPattern:
    """A compiled JSONPath (subset) that says whether a concrete path matches it."""

    def __init__(self, text: str) -> None:
        self.text = text
        source = text.strip()
        if not source.startswith("$"):
            source = "$." + source  # "Attributes.Foo" is short for "$.Attributes.Foo"
        steps: list[tuple[bool, Any]] = []  # (any depth?, key | index | _ANY)
        pos = 1
        while pos < len(source):
            match = _TOKEN.match(source, pos)
            if match is None:
                raise ValueError(f"unsupported JSONPath {text!r} at {source[pos:]!r}")
            pos = match.end()
            if match["desc"]:
                name = match["dname"]
                if name is None:  # "$..[0]" style: the next token carries the step
                    nxt = _TOKEN.match(source, pos)
                    if nxt is None or nxt["index"] is None:
                        raise ValueError(f"unsupported JSONPath {text!r}")
                    pos = nxt.end()
                    steps.append((True, _step(nxt["index"])))
                else:
                    steps.append((True, _step(name)))
            elif match["name"] is not None:
                steps.append((False, _step(match["name"])))
            elif match["index"] is not None:
                steps.append((False, _step(match["index"])))
            else:
                steps.append((False, match["quoted"][1:-1]))
        self._steps = tuple(steps)

    def matches(self, path: Path, prefix: bool = False) -> bool:
        """Whether ``path`` is matched (or, with ``prefix``, lies under a match)."""
        return _match(self._steps, 0, path, 0, prefix)

    def __repr__(self) -> str:
        return f"PathPattern({self.text!r})"


def _step(text: str) -> Any:
    if text == "*":
        return _ANY
    return int(text) if text.isdigit() else text


def _same(step: Any, key: Any) -> bool:
    if step is _ANY:
        return True
    if isinstance(step, int):
        return isinstance(key, int) and step == key
    return isinstance(key, str) and step == key


def _match(steps: tuple, si: int, path: Path, pi: int, prefix: bool) -> bool:
    if si == len(steps):
        return pi == len(path) or prefix
    if pi == len(path):
        return False
    deep, step = steps[si]
    if _same(step, path[pi]) and _match(steps, si + 1, path, pi + 1, prefix):
        return True
    return deep and _match(steps, si, path, pi + 1, prefix)

