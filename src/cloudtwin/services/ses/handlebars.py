"""The part of Handlebars SES templates use: ``{{name}}``, ``{{a.b}}``, ``{{{raw}}}``,
``{{#if}}``/``{{#unless}}``/``{{else}}``, ``{{#each}}`` (``this``, ``@index``, ``@key``,
``@first``, ``@last``), ``{{#with}}``, ``../`` paths and ``{{! comments}}``.

``render(text, data, escape=..., missing=...)``: ``escape`` HTML-escapes ``{{...}}`` values
(the HTML part); ``missing(name)`` is called for a value the data lacks (it may raise).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Callable

_TAG = re.compile(r"\{\{(~?)(\{?)\s*(!--.*?--|![^}]*|[#/^]?[^{}]*?)\s*(\}?)(~?)\}\}", re.S)
_BLOCKS = ("if", "unless", "each", "with")


class TemplateSyntaxError(ValueError):
    pass


@dataclass(slots=True)
class _Block:
    helper: str
    argument: str
    body: list[Any] = field(default_factory=list)
    inverse: list[Any] = field(default_factory=list)
    in_inverse: bool = False

    def add(self, node: Any) -> None:
        (self.inverse if self.in_inverse else self.body).append(node)


@dataclass(slots=True)
class _Value:
    path: str
    raw: bool


def parse(text: str) -> list[Any]:
    root = _Block("root", "")
    stack = [root]
    position = 0
    for match in _TAG.finditer(text):
        if match.start() > position:
            stack[-1].add(text[position : match.start()])
        position = match.end()
        body = match.group(3)
        if body.startswith("!"):
            continue
        if body.startswith("#"):
            helper, _, argument = body[1:].strip().partition(" ")
            if helper not in _BLOCKS:
                raise TemplateSyntaxError(f"Unsupported block helper: {helper}")
            block = _Block(helper, argument.strip())
            stack[-1].add(block)
            stack.append(block)
        elif body.startswith("/"):
            if len(stack) == 1 or stack[-1].helper != body[1:].strip():
                raise TemplateSyntaxError(f"Unexpected closing tag: {body[1:].strip()}")
            stack.pop()
        elif body == "else" or body.startswith("^"):
            if len(stack) == 1:
                raise TemplateSyntaxError("Unexpected else")
            stack[-1].in_inverse = True
        else:
            stack[-1].add(_Value(body, bool(match.group(2))))
    if len(stack) > 1:
        raise TemplateSyntaxError(f"Unclosed block: {stack[-1].helper}")
    if position < len(text):
        root.add(text[position:])
    return root.body


@dataclass(slots=True)
class _Frame:
    context: Any
    data: dict[str, Any]
    parent: "_Frame | None" = None


_MISSING = object()


def _lookup(frame: _Frame, path: str) -> Any:
    while path.startswith("../"):
        frame = frame.parent or frame
        path = path[3:]
    if path.startswith("@"):
        return frame.data.get(path[1:], _MISSING)
    if path in ("this", "."):
        return frame.context
    if path.startswith("this."):
        path = path[5:]
    value = frame.context
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _truthy(value: Any) -> bool:
    return value is not _MISSING and value not in (None, False, "", 0) and value != []


def _text(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "[object Object]" if isinstance(value, dict) else ",".join(_text(v) for v in value)
    return str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))


def render(text: str, data: Any, *, escape: bool = False, missing: Callable[[str], None] | None = None) -> str:
    out: list[str] = []

    def run(nodes: list[Any], frame: _Frame) -> None:
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, _Value):
                value = _lookup(frame, node.path)
                if value is _MISSING and missing is not None:
                    missing(node.path)
                rendered = _text(value)
                out.append(html.escape(rendered) if escape and not node.raw else rendered)
            else:
                value = _lookup(frame, node.argument)
                if node.helper in ("if", "unless"):
                    chosen = node.body if _truthy(value) == (node.helper == "if") else node.inverse
                    run(chosen, frame)
                elif node.helper == "with":
                    run(node.body, _Frame(value, frame.data, frame)) if _truthy(value) else run(node.inverse, frame)
                else:
                    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
                    if not items:
                        run(node.inverse, frame)
                    for index, (key, item) in enumerate(items):
                        data = {"index": index, "key": key, "first": index == 0, "last": index == len(items) - 1}
                        run(node.body, _Frame(item, data, frame))

    run(parse(text), _Frame(data, {}))
    return "".join(out)
