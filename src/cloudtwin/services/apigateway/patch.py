"""API Gateway's patch operations (``UpdateX`` takes ``patchOperations``: RFC 6902 ops on
the resource's JSON, with API Gateway's own conventions).

A path names a member (``/description``), a map entry (``/variables/color``,
``/requestParameters/method.request.header.X``) or a list element by value
(``/binaryMediaTypes/image~1png``); ``~1`` stands for ``/`` and ``~0`` for ``~``. Values
are strings on the wire: ``"true"`` replaces a boolean, ``"5"`` a number.
"""

from __future__ import annotations

from typing import Any, Iterable

from cloudtwin.protocol.errors import ServiceError

OPS = ("add", "remove", "replace", "move", "copy", "test")


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


def split(path: str | None) -> list[str]:
    """``/a/b~1c`` -> ``["a", "b/c"]``."""
    if not path or not path.startswith("/"):
        raise bad_request(f"Invalid patch path {path}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def coerce(value: Any, old: Any) -> Any:
    """A string value read as the type of the member it replaces."""
    if not isinstance(value, str):
        return value
    if isinstance(old, bool):
        return value.lower() == "true"
    if isinstance(old, int):
        try:
            return int(value)
        except ValueError:
            return value
    if isinstance(old, float):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def check_paths(
    operations: Iterable[dict],
    allowed: dict[str, tuple[str, ...]],
) -> None:
    """AWS's answers for resources that take a fixed set of paths: ``allowed`` maps a path
    to the ops it takes (``{"/name": ("replace",)}``)."""
    replace_paths = [p for p, ops in allowed.items() if "replace" in ops]
    for op in operations:
        name, path = op.get("op"), op.get("path")
        if name not in ("add", "remove", "replace", "move", "copy", "test"):
            raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
        if path in allowed and name not in allowed[path]:
            raise bad_request(f"Invalid patch path  '{path}' specified for op '{name}'. Please choose supported operations")
        if path not in allowed:
            if name == "replace" or not any(name in ops for ops in allowed.values()):
                raise bad_request(
                    f"Invalid patch path  '{path}' specified for op '{name}'. "
                    f"Must be one of: [{', '.join(replace_paths)}]"
                )
            raise bad_request(f"Invalid patch path  '{path}' specified for op '{name}'. Please choose supported operations")


def apply(record: dict, operations: Iterable[dict], *, boolean_paths: tuple[str, ...] = ()) -> dict:
    """Apply the operations to ``record`` in place; returns it."""
    for op in operations:
        name = op.get("op")
        if name not in OPS:
            raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
        parts = split(op.get("path"))
        value = op.get("value")
        if name == "copy":
            source = _get(record, split(op.get("from")))
            _set(record, parts, _copy(source))
            continue
        if name == "move":
            source_parts = split(op.get("from"))
            source = _get(record, source_parts)
            _remove(record, source_parts)
            _set(record, parts, source)
            continue
        if name == "test":
            continue
        if op.get("path") in boolean_paths and isinstance(value, str):
            value = value.lower() == "true"
        if name == "remove":
            _remove(record, parts)
        elif name == "add":
            _add(record, parts, value)
        else:
            _replace(record, parts, value)
    return record


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _parent(record: dict, parts: list[str], create: bool = True) -> Any:
    node: Any = record
    for part in parts[:-1]:
        if isinstance(node, dict):
            child = node.get(part)
            if child is None:
                if not create:
                    raise bad_request(f"Invalid patch path /{'/'.join(parts)}")
                child = node[part] = {}
            node = child
        else:
            raise bad_request(f"Invalid patch path /{'/'.join(parts)}")
        if not isinstance(node, (dict, list)):
            raise bad_request(f"Invalid patch path /{'/'.join(parts)}")
    return node


def _get(record: dict, parts: list[str]) -> Any:
    node: Any = record
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise bad_request(f"Invalid patch path /{'/'.join(parts)}")
        node = node[part]
    return node


def _set(record: dict, parts: list[str], value: Any) -> None:
    parent = _parent(record, parts)
    parent[parts[-1]] = value


def _add(record: dict, parts: list[str], value: Any) -> None:
    parent = _parent(record, parts)
    key = parts[-1]
    if isinstance(parent, list):  # ``add /binaryMediaTypes/image~1png`` onto an existing list
        item = key if value in (None, "") else value
        if item not in parent:
            parent.append(item)
        return
    existing = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(existing, list):
        if value is not None and value not in existing:
            existing.append(value)
        return
    if isinstance(parent, dict) and value is None and len(parts) >= 2:
        # ``add /binaryMediaTypes/image~1png``: the element is the path's last part.
        grand = _parent(record, parts[:-1])
        current = grand.get(parts[-2]) if isinstance(grand, dict) else None
        if isinstance(current, list) or current is None or current == {}:
            items = current if isinstance(current, list) else []
            if key not in items:
                items.append(key)
            grand[parts[-2]] = items
            return
    parent[key] = coerce(value, existing)


def _replace(record: dict, parts: list[str], value: Any) -> None:
    if len(parts) >= 2:
        grand = _parent(record, parts[:-1])
        current = grand.get(parts[-2]) if isinstance(grand, dict) else None
        if isinstance(current, list):  # replace a list element by value
            if parts[-1] in current:
                current[current.index(parts[-1])] = value
            elif value is not None:
                current.append(value)
            return
    parent = _parent(record, parts)
    parent[parts[-1]] = coerce(value, parent.get(parts[-1]) if isinstance(parent, dict) else None)


def _remove(record: dict, parts: list[str]) -> None:
    if len(parts) >= 2:
        try:
            grand = _parent(record, parts[:-1], create=False)
        except ServiceError:
            return
        current = grand.get(parts[-2]) if isinstance(grand, dict) else None
        if isinstance(current, list):
            if parts[-1] in current:
                current.remove(parts[-1])
            if not current:
                grand.pop(parts[-2], None)
            return
    try:
        parent = _parent(record, parts, create=False)
    except ServiceError:
        return
    if isinstance(parent, dict):
        parent.pop(parts[-1], None)
