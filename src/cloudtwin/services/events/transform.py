"""What a target receives: the event itself, ``Input`` (constant JSON), ``InputPath`` (a
JSONPath into the event) or ``InputTransformer`` (``InputPathsMap`` + ``InputTemplate``).

The template's placeholders ``<name>`` take the value of their path, or one of the
predefined ``<aws.events.rule-arn>``, ``<aws.events.rule-name>``,
``<aws.events.event.ingestion-time>``, ``<aws.events.event>`` and
``<aws.events.event.json>``. The quoting follows AWS's rules:

* a template that is JSON (an object or array) gets a value placed outside a string as
  JSON (a string value in quotes), and a value placed inside a string as text;
* as text (inside a JSON string, or in a plain-text template) a string is its bare
  characters, and an object or array is its compact JSON without any quotes
  (``{acc_id:0a787ecb,sf_id:baz}``, ``[ACTIVE,INACTIVE]``), as AWS renders them.

A path that matches nothing gives an empty string (``""`` where JSON needs a value).
``<aws.events.event>`` is the event's envelope as AWS gives it (``detailType``, no
``detail``); ``<aws.events.event.json>`` is the whole event.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudtwin.protocol.errors import ServiceError

_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_PREDEFINED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
               "aws.events.event", "aws.events.event.json")
_MISSING = object()


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def json_path(document: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$``, ``$.a.b``, ``$.a[0]``, ``$['a-b']``)."""
    if not path.startswith("$"):
        return _MISSING
    value = document
    position = 1
    while position < len(path):
        match = _PATH_STEP.match(path, position)
        if match is None:
            return _MISSING
        key = match.group(1) or match.group(3) or match.group(4)
        index = match.group(2)
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        else:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        position = match.end()
    return value


def check_target(target: dict[str, Any]) -> None:
    """PutTargets' checks of one target's input settings (ValidationException)."""
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        raise validation(f"Only one of Input, InputPath, or InputTransformer must be provided for target {target['Id']}.")
    if target.get("Input") is not None:
        try:
            json.loads(target["Input"])
        except ValueError:
            raise validation(f"Input for target {target['Id']} must be a valid JSON text.") from None
    transformer = target.get("InputTransformer")
    if transformer:
        paths = transformer.get("InputPathsMap") or {}
        if len(paths) > 100:
            raise validation("InputPathsMap can not have more than 100 entries.")
        for key, path in paths.items():
            if key.startswith("aws.events"):
                raise validation(f"Invalid key for InputPathsMap: {key}. aws.events.* are reserved keys.")
            if not str(path).startswith("$"):
                raise validation(f"Invalid InputPathsMap value for key {key}: {path}")
        for name in _PLACEHOLDER.findall(transformer.get("InputTemplate") or ""):
            if name not in paths and name not in _PREDEFINED:
                raise validation(f"InputTemplate for target {target['Id']} contains invalid placeholder {name}.")


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str, ingestion: str) -> str:
    """The body the target receives for ``event``: compact JSON, as EventBridge writes it."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        value = json_path(event, target["InputPath"])
        return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"))
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event, separators=(",", ":"))
    values: dict[str, Any] = {
        name: json_path(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()
    }
    values.update({
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
        "aws.events.event.ingestion-time": ingestion,
        "aws.events.event": _envelope(event),
        "aws.events.event.json": event,
    })  # fmt: skip
    return render(transformer.get("InputTemplate") or "", values)


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its detail, keyed as AWS renders ``<aws.events.event>``."""
    out: dict[str, Any] = {"id": event.get("id"), "account": event.get("account"),
                           "detailType": event.get("detail-type"), "time": event.get("time"),
                           "source": event.get("source"), "region": event.get("region"),
                           "resources": event.get("resources", []), "version": event.get("version")}
    return out


def render(template: str, values: dict[str, Any]) -> str:
    stripped = template.strip()
    as_json = stripped.startswith(("{", "["))
    out: list[str] = []
    in_string = False
    escaped = False
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        if name not in values:
            continue
        # track JSON string state over the literal text before the placeholder
        for ch in template[position:match.start()]:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = in_string
            elif ch == '"':
                in_string = not in_string
        out.append(template[position:match.start()])
        out.append(_place(values[name], as_json, in_string))
        position = match.end()
    out.append(template[position:])
    return "".join(out)


def _place(value: Any, as_json: bool, in_string: bool) -> str:
    if value is _MISSING:
        return '""' if as_json and not in_string else ""
    if as_json and not in_string:
        return json.dumps(value)
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":")).replace('"', "")
    if as_json:
        return json.dumps(text)[1:-1]
    return text
