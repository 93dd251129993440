"""Parameter mapping expressions of REST APIs: ``method.request.header.X``,
``method.request.querystring.X``, ``method.request.path.X``, ``method.request.body``,
``method.request.body.<JSONPath>``, ``integration.response.header.X``,
``integration.response.body[.<JSONPath>]``, ``context.X``, ``stageVariables.X`` and
``'static'`` values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.execute_api.vtl import json_path, to_json


@dataclass(slots=True)
class Sources:
    """What mapping expressions read."""

    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    multi_querystring: dict[str, list[str]] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)
    multi_header: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    context: dict[str, Any] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    response_header: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""


def _header(headers: dict[str, str], name: str) -> str | None:
    if name in headers:
        return headers[name]
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _body_path(body: bytes, expression: str | None) -> str | None:
    if expression is None:
        return body.decode("utf-8", "replace")
    try:
        document = json.loads(body or b"null")
    except ValueError:
        return None
    value = json_path(document, "$." + expression if not expression.startswith("$") else expression)
    if value is None:
        return None
    return value if isinstance(value, str) else to_json(value)


def resolve(expression: Any, sources: Sources) -> str | list[str] | None:
    """The value of a mapping expression (None: nothing to map)."""
    if not isinstance(expression, str):
        return None
    if len(expression) >= 2 and expression.startswith("'") and expression.endswith("'"):
        return expression[1:-1]
    parts = expression.split(".", 3)
    if expression.startswith("method.request.") and len(parts) >= 3:
        where = parts[2]
        name = parts[3] if len(parts) > 3 else None
        if where == "body":
            return _body_path(sources.body, name)
        if name is None:
            return None
        if where == "path":
            return sources.path.get(name)
        if where == "querystring":
            return sources.querystring.get(name)
        if where == "multivaluequerystring":
            return sources.multi_querystring.get(name)
        if where == "header":
            return _header(sources.header, name)
        if where == "multivalueheader":
            return sources.multi_header.get(name) or sources.multi_header.get(name.lower())
        return None
    if expression.startswith("integration.response.") and len(parts) >= 3:
        where = parts[2]
        name = parts[3] if len(parts) > 3 else None
        if where == "body":
            return _body_path(sources.response_body, name)
        if where in ("header", "multivalueheader") and name:
            return _header(sources.response_header, name)
        return None
    if expression.startswith("context."):
        node: Any = sources.context
        for part in expression.split(".")[1:]:
            node = node.get(part) if isinstance(node, dict) else None
        return None if node is None else str(node)
    if expression.startswith("stageVariables."):
        return sources.stage_variables.get(expression.split(".", 1)[1])
    return None
