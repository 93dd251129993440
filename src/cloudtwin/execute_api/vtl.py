"""VTL mapping templates as API Gateway evaluates them: Apache Velocity (the ``airspeed``
engine) with AWS's ``$input``, ``$util``, ``$context`` and ``$stageVariables``.

``$input.path(x)`` gives an object (maps and lists usable with ``.get``, ``.size()``,
``#foreach``), ``$input.json(x)`` a JSON string, ``$input.params()`` every request
parameter (``path``, ``querystring``, ``header``) and ``$input.params(name)`` the first one
of that name, searched in that order. JSONPath covers what templates use: ``$``,
``.name``, ``['name']``, ``[n]``, ``[*]`` and ``..name``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

from cloudtwin.protocol.errors import ServiceError

_TOKEN = re.compile(r"\.\.([A-Za-z0-9_$-]+)|\.([A-Za-z0-9_$@-]+)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(\*|-?\d+)\s*\]")


class TemplateError(Exception):
    """A template that does not parse or fails while rendering (AWS answers 500)."""


def json_path(document: Any, path: str) -> Any:
    """Evaluate a JSONPath (the subset templates use) against a parsed document."""
    path = (path or "$").strip()
    if not path.startswith("$"):
        path = "$." + path
    nodes = [document]
    many = False
    for deep, name, quoted, dquoted, index in _TOKEN.findall(path[1:]):
        key = name or quoted or dquoted
        out: list = []
        if deep:
            many = True
            for node in nodes:
                out.extend(_descend(node, deep))
        elif key:
            for node in nodes:
                if isinstance(node, dict) and key in node:
                    out.append(node[key])
        elif index == "*":
            many = True
            for node in nodes:
                out.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else [])
        else:
            i = int(index)
            for node in nodes:
                if isinstance(node, list) and -len(node) <= i < len(node):
                    out.append(node[i])
        nodes = out
    if many:
        return nodes
    return nodes[0] if nodes else None


def _descend(node: Any, key: str) -> list:
    found = []
    if isinstance(node, dict):
        if key in node:
            found.append(node[key])
        for value in node.values():
            found.extend(_descend(value, key))
    elif isinstance(node, list):
        for value in node:
            found.extend(_descend(value, key))
    return found


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class VtlMap(dict):
    """A map as Velocity templates see Java maps."""

    def put(self, key: Any, value: Any) -> Any:
        previous = self.get(key)
        self[key] = value
        return previous

    def containsKey(self, key: Any) -> bool:  # noqa: N802 - Java's name
        return key in self

    def keySet(self) -> list:  # noqa: N802
        return list(self.keys())

    def entrySet(self) -> list:  # noqa: N802
        return [{"key": k, "value": v} for k, v in self.items()]

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def size(self) -> int:
        return len(self)

    def putAll(self, other: dict) -> None:  # noqa: N802
        self.update(other)

    def remove(self, key: Any) -> Any:
        return self.pop(key, None)

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in self.items()) + "}"

    def toString(self) -> str:  # noqa: N802
        return str(self)


class ContextObject(VtlMap):
    """An object of ``$context`` (``identity``, ``requestOverride`` and its maps): readable
    member by member, but printed whole it renders as nothing, as in API Gateway."""

    def __str__(self) -> str:
        return ""


class VtlList(list):
    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:  # noqa: N802
        return not self

    def contains(self, value: Any) -> bool:
        return value in self

    def __str__(self) -> str:
        return "[" + ", ".join(_java_str(v) for v in self) + "]"

    def toString(self) -> str:  # noqa: N802
        return str(self)

    def get(self, index: int) -> Any:
        return self[index]


def _java_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def vtl_value(value: Any) -> Any:
    """Parsed JSON as template objects (Java-like maps and lists)."""
    if isinstance(value, dict):
        return VtlMap((k, vtl_value(v)) for k, v in value.items())
    if isinstance(value, list):
        return VtlList(vtl_value(v) for v in value)
    return value


class Input:
    """``$input``: the request (or integration response) body and the request parameters."""

    def __init__(self, body: bytes | str, params: dict[str, dict[str, str]] | None = None) -> None:
        self._raw = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else (body or "")
        self._params = params or {"path": {}, "querystring": {}, "header": {}}
        self._parsed: Any = None
        self._parsed_done = False

    @property
    def body(self) -> str:
        """The raw body; an empty one reads as ``{}`` (as API Gateway hands it to templates)."""
        return self._raw if self._raw else "{}"

    def _document(self) -> Any:
        if not self._parsed_done:
            self._parsed_done = True
            try:
                self._parsed = json.loads(self._raw) if self._raw.strip() else {}
            except ValueError:
                self._parsed = None
        return self._parsed

    def path(self, expression: str) -> Any:
        document = self._document()
        if document is None:
            if (expression or "$").strip() == "$":
                return self._raw
            raise TemplateError(f"Invalid JSON in body for path {expression}")
        return vtl_value(json_path(document, expression))

    def json(self, expression: str = "$") -> str:
        document = self._document()
        if document is None:
            if (expression or "$").strip() == "$":
                return self._raw
            raise TemplateError(f"Invalid JSON in body for path {expression}")
        value = json_path(document, expression)
        return to_json(value)

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return VtlMap((k, VtlMap(v)) for k, v in self._params.items())
        for where in ("path", "querystring", "header"):
            values = self._params.get(where) or {}
            if name in values:
                return values[name]
            if where == "header":
                for key, value in values.items():
                    if key.lower() == name.lower():
                        return value
        return ""

    def size(self) -> int:
        return len(self._raw)


class Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str | None:  # noqa: N802 - AWS's name
        if value is None:  # Java's helpers answer null for null: it renders as nothing
            return None
        text = _java_str(value)
        out = (text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("\b", "\\b").replace("\f", "\\f"))
        return out

    @staticmethod
    def parseJson(value: str) -> Any:  # noqa: N802
        try:
            return vtl_value(json.loads(value))
        except (TypeError, ValueError):
            raise TemplateError("Unable to parse JSON") from None

    @staticmethod
    def urlEncode(value: Any) -> str | None:  # noqa: N802
        if value is None:  # Java's helpers answer null for null: it renders as nothing
            return None
        return quote_plus(_java_str(value))

    @staticmethod
    def urlDecode(value: Any) -> str | None:  # noqa: N802
        if value is None:  # Java's helpers answer null for null: it renders as nothing
            return None
        return unquote_plus(_java_str(value))

    @staticmethod
    def base64Encode(value: Any) -> str | None:  # noqa: N802
        if value is None:  # Java's helpers answer null for null: it renders as nothing
            return None
        data = value if isinstance(value, bytes) else _java_str(value).encode()
        return base64.b64encode(data).decode()

    @staticmethod
    def base64Decode(value: Any) -> str | None:  # noqa: N802
        if value is None:  # Java's helpers answer null for null: it renders as nothing
            return None
        return base64.b64decode(_java_str(value)).decode("utf-8", "replace")


#: ``#set($map[key] = value)`` / ``#set($a["b"].c["d"] = value)``: Velocity's index
#: assignment, which the engine lacks, written as the ``put`` it means.
_INDEX_SET = re.compile(r"#set\(\s*(\$[^=]*?)\[([^\[\]]+)\]\s*=\s*(.+?)\)[ \t]*$", re.MULTILINE)
_INDEX_READ = re.compile(r"(\$[A-Za-z_][A-Za-z0-9_]*)\[\s*(\"[^\"]*\"|'[^']*')\s*\]")


_DIRECTIVE = re.compile(r"#\{?(set|if|elseif|foreach|macro|define|evaluate)\}?\s*\(")


def _quiet(template: str) -> str:
    """References in the text render null as empty, as API Gateway's engine does (Velocity
    prints an unresolved ``$ref`` as written): each ``$ref`` outside a directive's
    parentheses becomes ``$!ref``."""
    out: list[str] = []
    i, n = 0, len(template)
    while i < n:
        match = _DIRECTIVE.match(template, i) if template[i] == "#" else None
        if match is not None:  # copy the directive's parenthesized part as it is
            depth, j, quote = 1, match.end(), ""
            while j < n and depth:
                ch = template[j]
                if quote:
                    if ch == quote:
                        quote = ""
                elif ch in "\"'":
                    quote = ch
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                j += 1
            out.append(template[i:j])
            i = j
            continue
        ch = template[i]
        if ch == "$" and i + 1 < n and (template[i + 1].isalpha() or template[i + 1] == "{") \
                and (i == 0 or template[i - 1] != "\\"):
            out.append("$!")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _rewrite(template: str) -> str:
    def index_set(match: re.Match) -> str:
        target = _INDEX_READ.sub(lambda m: f"{m.group(1)}.get({m.group(2)})", match.group(1).strip())
        return f"#set($__vtl_put = {target}.put({match.group(2)}, {match.group(3)}))"

    return _quiet(_INDEX_SET.sub(index_set, template))


_UTIL = Util()
_CACHE: dict[str, Any] = {}
_CACHE_LIMIT = 256


def _null_false(compare: Any, both_null: bool) -> Any:
    def apply(left: Any, right: Any) -> bool:
        if left is None or right is None:
            return both_null and left is None and right is None
        return compare(left, right)

    return apply


#: Velocity 1.x's comparisons with a null operand: false (``$null == $null`` is true).
_NULL_SAFE = {op: _null_false(fn, op in ("==", "eq")) for op, fn in airspeed.BinaryOperator.OPERATORS.items()
              if op in ("<", "lt", "<=", "le", ">", "gt", ">=", "ge", "==", "eq", "!=", "ne")}
_COMPARISONS = {airspeed.BinaryOperator.OPERATORS[op]: safe for op, safe in _NULL_SAFE.items()}


def _null_safe(element: Any, seen: set[int]) -> None:
    """Give the compiled template's comparisons Velocity's null semantics (airspeed's raise
    or compare ``None``), on this template's own operator elements."""
    if id(element) in seen:
        return
    seen.add(id(element))
    if isinstance(element, airspeed.BinaryOperator):
        safe = _COMPARISONS.get(element.apply_to)
        if safe is not None:
            element.apply_to = safe
        return
    for value in vars(element).values() if hasattr(element, "__dict__") else ():
        for item in value if isinstance(value, list) else (value,):
            item = getattr(item, "__self__", item)  # a bound method kept in place of its element
            if isinstance(item, airspeed._Element):
                _null_safe(item, seen)


def _compile(template: str) -> Any:
    compiled = _CACHE.get(template)
    if compiled is None:
        try:
            compiled = airspeed.Template(_rewrite(template))
            compiled.ensure_compiled()
        except airspeed.TemplateSyntaxError as exc:
            raise TemplateError(str(exc)) from None
        _null_safe(compiled.root_element, set())
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[template] = compiled
    return compiled


def render(template: str, *, input: Input, context: dict, stage_variables: dict | None = None,
           extra: dict | None = None) -> str:
    """Evaluate a mapping template."""
    namespace = {
        "input": input, "util": _UTIL, "context": context if isinstance(context, VtlMap) else vtl_value(context),
        "stageVariables": VtlMap(stage_variables or {}),
    }  # fmt: skip
    if extra:
        namespace.update(extra)
    try:
        return _compile(template).merge(namespace)
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - a user's template: AWS answers 500
        raise TemplateError(str(exc)) from None


def check_template(template: str) -> None:
    """Raise the control plane's answer for a template that does not parse."""
    try:
        _compile(template)
    except TemplateError as exc:
        raise ServiceError("BadRequestException", f"Invalid mapping template specified: {exc}", 400) from None
