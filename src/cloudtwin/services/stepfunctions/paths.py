"""JSONPath as Step Functions reads it (Jayway's dialect): ``$``/``$$`` roots, ``.name``,
``['name']``, ``[n]``, ``[-n]``, ``[*]``/``.*``, slices ``[a:b]``, unions ``[a,b]``, deep scan
``..name``, filters ``[?(@.price < 10)]`` and ``.length()``.

A *definite* path (no wildcard, slice, union, filter or deep scan) selects one value and
fails when it is missing; an indefinite one selects a list, possibly empty.
``set_path`` writes a ``ResultPath`` (definite, creating the objects on the way).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from cloudtwin.services.stepfunctions.errors import QueryError

__all__ = ["compile_path", "get_path", "set_path", "normalized", "is_path", "MISSING"]

MISSING = object()


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # "key", "index", "wild", "slice", "union", "deep", "filter", "length"
    arg: Any = None


@dataclass(frozen=True, slots=True)
class Path:
    text: str
    context: bool  # "$$" root
    steps: tuple[Step, ...]

    @property
    def definite(self) -> bool:
        return all(s.kind in ("key", "index", "length") for s in self.steps)


_NAME = re.compile(r"[^.\[\]()\s]+")
_cache: dict[str, Path] = {}


def is_path(text: Any) -> bool:
    return isinstance(text, str) and text.startswith("$")


def compile_path(text: str) -> Path:
    found = _cache.get(text)
    if found is not None:
        return found
    if not isinstance(text, str) or not text.startswith("$"):
        raise QueryError(f"Invalid path: {text}")
    context = text.startswith("$$")
    pos = 2 if context else 1
    steps: list[Step] = []
    n = len(text)
    while pos < n:
        ch = text[pos]
        if text.startswith("..", pos):
            pos += 2
            if pos < n and text[pos] == "[":
                steps.append(Step("deep", None))
                continue
            m = _NAME.match(text, pos)
            if not m:
                raise QueryError(f"Invalid path: {text}")
            name = m.group(0)
            pos = m.end()
            steps.append(Step("deep", None if name == "*" else name))
        elif ch == ".":
            pos += 1
            if text.startswith("length()", pos):
                steps.append(Step("length"))
                pos += len("length()")
                continue
            m = _NAME.match(text, pos)
            if not m:
                raise QueryError(f"Invalid path: {text}")
            name = m.group(0)
            pos = m.end()
            steps.append(Step("wild") if name == "*" else Step("key", name))
        elif ch == "[":
            end = _bracket_end(text, pos)
            inner = text[pos + 1:end].strip()
            pos = end + 1
            steps.append(_bracket(inner, text))
        else:
            raise QueryError(f"Invalid path: {text}")
    path = Path(text, context, tuple(steps))
    if len(_cache) < 10000:
        _cache[text] = path
    return path


def _bracket_end(text: str, pos: int) -> int:
    depth = 0
    quote = None
    i = pos
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise QueryError(f"Invalid path: {text}")


def _bracket(inner: str, text: str) -> Step:
    if inner == "*":
        return Step("wild")
    if inner.startswith("?"):
        expr = inner[1:].strip()
        if expr.startswith("(") and expr.endswith(")"):
            expr = expr[1:-1]
        return Step("filter", expr)
    parts = _split_top(inner, ",")
    if len(parts) > 1:
        return Step("union", tuple(_key_or_index(p.strip(), text) for p in parts))
    if ":" in inner and not inner.startswith(("'", '"')):
        bits = inner.split(":")
        try:
            nums = [int(b) if b.strip() else None for b in bits]
        except ValueError:
            raise QueryError(f"Invalid path: {text}") from None
        return Step("slice", tuple(nums + [None] * (3 - len(nums)))[:3])
    value = _key_or_index(inner, text)
    return Step("index", value) if isinstance(value, int) else Step("key", value)


def _key_or_index(part: str, text: str) -> str | int:
    if len(part) >= 2 and part[0] in "'\"" and part[-1] == part[0]:
        quote = part[0]
        return part[1:-1].replace("\\" + quote, quote)  # only the quote is escaped: other backslashes stay
    try:
        return int(part)
    except ValueError:
        raise QueryError(f"Invalid path: {text}") from None


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def normalized(path: Path) -> str:
    """Jayway's normalized form of a definite path: ``$['a'][0]``."""
    out = "$"
    for step in path.steps:
        if step.kind == "key":
            out += f"['{step.arg}']"
        elif step.kind == "index":
            out += f"[{step.arg}]"
        elif step.kind == "length":
            out += ".length()"
    return out


def get_path(text: str, data: Any, context: Any = None) -> Any:
    """The value ``text`` selects from ``data`` (or from ``context`` for ``$$`` paths).
    Raises ``QueryError`` (the Jayway wording) when a definite path selects nothing."""
    path = compile_path(text)
    root = context if path.context else data
    if not path.steps:
        return root
    if path.definite:
        value = root
        for index, step in enumerate(path.steps):
            if step.kind == "length":
                if isinstance(value, (list, dict, str)):
                    value = len(value)
                    continue
                raise QueryError(f"No results for path: {normalized(path)}")
            value = _child(value, step)
            if value is MISSING:
                if index < len(path.steps) - 1 and step.kind == "key":
                    upto = Path(path.text, path.context, path.steps[:index + 1])
                    raise QueryError(f"Missing property in path {normalized(upto)}")
                raise QueryError(f"No results for path: {normalized(path)}")
        return value
    values = [root]
    for step in path.steps:
        values = [v for item in values for v in _select(item, step)]
    return values


def _child(value: Any, step: Step) -> Any:
    if step.kind == "key":
        if isinstance(value, dict):
            return value.get(step.arg, MISSING)
        return MISSING
    if isinstance(value, list):
        index = step.arg
        if -len(value) <= index < len(value):
            return value[index]
    return MISSING


def _select(value: Any, step: Step) -> list[Any]:
    kind = step.kind
    if kind in ("key", "index"):
        found = _child(value, step)
        return [] if found is MISSING else [found]
    if kind == "wild":
        if isinstance(value, dict):
            return list(value.values())
        return list(value) if isinstance(value, list) else []
    if kind == "slice":
        if not isinstance(value, list):
            return []
        start, stop, stride = step.arg
        return value[slice(start, stop, stride)]
    if kind == "union":
        out = []
        for part in step.arg:
            found = _child(value, Step("index" if isinstance(part, int) else "key", part))
            if found is not MISSING:
                out.append(found)
        return out
    if kind == "deep":
        out = []
        _deep(value, step.arg, out)
        return out
    if kind == "filter":
        items = value if isinstance(value, list) else ([value] if isinstance(value, dict) else [])
        return [item for item in items if _filter(step.arg, item)]
    if kind == "length":
        return [len(value)] if isinstance(value, (list, dict, str)) else []
    return []


def _deep(value: Any, name: str | None, out: list) -> None:
    if isinstance(value, dict):
        if name is None:
            out.extend(value.values())
        elif name in value:
            out.append(value[name])
        for child in value.values():
            _deep(child, name, out)
    elif isinstance(value, list):
        if name is None:
            out.extend(value)
        for child in value:
            _deep(child, name, out)


_FILTER = re.compile(r"^\s*(@[^<>=!\s]*)\s*(==|!=|<=|>=|<|>)?\s*(.*?)\s*$")


def _filter(expr: str, item: Any) -> bool:
    for disjunct in _split_logic(expr, "||"):
        if all(_condition(c, item) for c in _split_logic(disjunct, "&&")):
            return True
    return False


def _split_logic(expr: str, op: str) -> list[str]:
    return [part for part in expr.split(op)]


def _condition(expr: str, item: Any) -> bool:
    m = _FILTER.match(expr)
    if not m:
        raise QueryError(f"Invalid filter: {expr}")
    target, op, literal = m.groups()
    try:
        left = get_path("$" + target[1:], item) if target != "@" else item
    except QueryError:
        return False
    if isinstance(left, list) and not compile_path("$" + target[1:]).definite:
        left = left[0] if left else MISSING
    if op is None:
        return left is not MISSING
    if left is MISSING:
        return False
    try:
        right = json.loads(literal.replace("'", '"')) if literal else None
    except ValueError:
        return False
    try:
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if isinstance(left, bool) or isinstance(right, bool):
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def set_path(text: str, data: Any, value: Any) -> Any:
    """``data`` with ``value`` written at the definite path ``text`` (``$`` replaces it)."""
    path = compile_path(text)
    if not path.steps:
        return value
    if not path.definite or path.context:
        raise QueryError(f"Invalid path: {text}")
    root = _copy(data) if isinstance(data, (dict, list)) else {}
    node = root
    for i, step in enumerate(path.steps):
        last = i == len(path.steps) - 1
        if step.kind == "key":
            if not isinstance(node, dict):
                raise QueryError(f"Invalid path: {text}")
            if last:
                node[step.arg] = value
            else:
                child = node.get(step.arg)
                child = _copy(child) if isinstance(child, (dict, list)) else {}
                node[step.arg] = child
                node = child
        elif step.kind == "index":
            if not isinstance(node, list) or not -len(node) <= step.arg < len(node):
                raise QueryError(f"Invalid path: {text}")
            if last:
                node[step.arg] = value
            else:
                child = _copy(node[step.arg]) if isinstance(node[step.arg], (dict, list)) else {}
                node[step.arg] = child
                node = child
    return root


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else list(value)
