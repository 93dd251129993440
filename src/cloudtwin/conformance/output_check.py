"""Does a response body match the operation's output shape? Read from the wire, not from
botocore's parsed result (which silently drops what the model lacks), and written from the
model here — never with the server's own validator.

Checks: required members present, no member the model lacks, every value of its declared
type, enum values and string lengths. Not checked on output: numeric ranges and collection
sizes — the models state them for input, and AWS's own answers break them (DynamoDB's
``NumberOfDecreasesToday`` is 0 against a ``min`` of 1; SSM returns ``"Labels": []`` against
a ``min`` of 1), so flagging them would fail AWS itself. JSON-family bodies are checked as decoded JSON
(keys are the members' wire names); XML bodies (query, rest-xml) as an element tree.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

_JSON_FAMILY = ("json", "rest-json")

#: Required members AWS itself leaves out on the JSON wire when they are empty — known model
#: errata, acknowledged by AWS: SQS's batch results omit an empty ``Failed`` (or
#: ``Successful``) since SQS answers JSON (aws/aws-sdk#536, aws/aws-sdk#657).
_EMPTY_OMITTED: dict[str, dict[str, frozenset[str]]] = {
    "sqs": {shape: frozenset({"Successful", "Failed"}) for shape in (
        "SendMessageBatchResult", "DeleteMessageBatchResult", "ChangeMessageVisibilityBatchResult")},
}
_HEADER_LOCATIONS = ("header", "headers", "statusCode")


def wire_name(member: "Shape", name: str) -> str:
    return member.serialization.get("name", name)


class OutputChecker:
    """Collects problems (``"path: what is wrong"``) for one response."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._omitted: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------------ entry points

    def check(self, operation: "OperationModel", status: int, headers: dict[str, str],
              body: bytes) -> list[str]:
        self.problems = []
        shape = operation.output_shape
        if shape is None or operation.has_streaming_output or operation.has_event_stream_output:
            return self.problems
        protocol = operation.service_model.protocol
        self._omitted = _EMPTY_OMITTED.get(operation.service_model.service_name, {})
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location == "header":
                header = wire_name(member, name).lower()
                if header in lowered:
                    self.scalar_text(member, lowered[header], name)
                elif name in shape.required_members:
                    self.problems.append(f"{name}: required header {header} missing")
        body_members = {n: m for n, m in shape.members.items()
                        if m.serialization.get("location") not in _HEADER_LOCATIONS}
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            if member.type_name != "structure":
                return self.problems
            target, required = member, False
        else:
            target, required = shape, True
            if not body_members:
                return self.problems
        if protocol in _JSON_FAMILY:
            self._json_body(target, body, required, body_members if not payload else None)
        elif protocol in ("query", "ec2", "rest-xml"):
            self._xml_body(operation, target, body, body_members if not payload else None)
        return self.problems

    # ------------------------------------------------------------------ JSON

    def _json_body(self, shape: "Shape", body: bytes, required: bool,
                   members: dict[str, "Shape"] | None) -> None:
        if not body.strip():
            if members is None:
                return
            value: Any = {}
        else:
            try:
                value = json.loads(body)
            except ValueError:
                self.problems.append("body: not JSON")
                return
        self.json_value(shape, value, "", members)

    def json_value(self, shape: "Shape", value: Any, path: str,
                   members: dict[str, "Shape"] | None = None) -> None:
        kind = shape.type_name
        if value is None:
            self.problems.append(f"{path or '.'}: null")
            return
        if kind == "structure":
            if not isinstance(value, dict):
                self._type(path, "structure", value)
                return
            own = members if members is not None else shape.members
            by_wire = {wire_name(m, n): (n, m) for n, m in own.items()}
            omitted = self._omitted.get(shape.name, ())
            for name in shape.required_members:
                if name in own and wire_name(own[name], name) not in value and name not in omitted:
                    self.problems.append(f"{_join(path, name)}: required member missing")
            for key, item in value.items():
                found = by_wire.get(key)
                if found is None:
                    if key == "__type" and shape.metadata.get("exception"):
                        continue
                    self.problems.append(f"{_join(path, key)}: member not in the model")
                    continue
                self.json_value(found[1], item, _join(path, found[0]))
            if shape.metadata.get("union") and len(value) != 1:
                self.problems.append(f"{path}: a union must have exactly one member")
        elif kind == "list":
            if not isinstance(value, list):
                self._type(path, "list", value)
                return
            for i, item in enumerate(value):
                self.json_value(shape.member, item, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                self._type(path, "map", value)
                return
            for key, item in value.items():
                self.string_value(shape.key, key, f"{path}{{key}}")
                self.json_value(shape.value, item, f"{path}[{key!r}]")
        elif kind == "string":
            if not isinstance(value, str):
                self._type(path, "string", value)
                return
            self.string_value(shape, value, path)
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self._type(path, kind, value)
                return
            self._range(shape, value, path)
        elif kind in ("float", "double"):
            if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
                return
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self._type(path, kind, value)
                return
            self._range(shape, value, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self._type(path, "boolean", value)
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                self._type(path, "timestamp", value)
            elif isinstance(value, str) and not _parses_time(value):
                self._type(path, "timestamp", value)
        elif kind == "blob":
            if not isinstance(value, str) or not _is_base64(value):
                self._type(path, "base64 blob", value)

    # ------------------------------------------------------------------ XML

    def _xml_body(self, operation: "OperationModel", shape: "Shape", body: bytes,
                  members: dict[str, "Shape"] | None) -> None:
        if not body.strip():
            if any(n in shape.required_members for n in (members or shape.members)):
                self.problems.append("body: empty, but the output has required members")
            return
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            self.problems.append("body: not well-formed XML")
            return
        protocol = operation.service_model.protocol
        node = root
        if protocol == "query":
            wrapper = operation.output_shape.serialization.get("resultWrapper")
            found = None
            for child in root:
                tag = _local(child.tag)
                if tag == wrapper:
                    found = child
                elif tag != "ResponseMetadata":
                    self.problems.append(f"{tag}: unexpected element beside the result")
            if found is None:
                if wrapper and any(n in shape.required_members for n in shape.members):
                    self.problems.append(f"{wrapper}: result element missing")
                return
            node = found
        elif protocol == "ec2":
            # Every EC2 response carries requestId beside the result: botocore reads it as
            # ResponseMetadata.RequestId (EC2 API Reference, "Responses").
            request_ids = [child for child in root if _local(child.tag) == "requestId"]
            if not request_ids:
                self.problems.append("requestId: missing")
            for child in request_ids:
                root.remove(child)
        self.xml_structure(shape, node, "", members)

    def xml_structure(self, shape: "Shape", node: ElementTree.Element, path: str,
                      members: dict[str, "Shape"] | None = None) -> None:
        own = members if members is not None else shape.members
        by_tag: dict[str, tuple[str, "Shape"]] = {}
        for name, member in own.items():
            if member.serialization.get("xmlAttribute"):
                continue
            by_tag[wire_name(member, name)] = (name, member)
            if member.type_name == "list" and member.serialization.get("flattened"):
                by_tag.setdefault(member.member.serialization.get("name", wire_name(member, name)),
                                  (name, member))
        children: dict[str, list[ElementTree.Element]] = {}
        for child in node:
            children.setdefault(_local(child.tag), []).append(child)
        for name in shape.required_members:
            member = own.get(name)
            if member is None or member.serialization.get("xmlAttribute"):
                continue
            if wire_name(member, name) not in children and not (
                    member.type_name == "list" and member.serialization.get("flattened")):
                self.problems.append(f"{_join(path, name)}: required member missing")
        for tag, elements in children.items():
            found = by_tag.get(tag)
            if found is None:
                self.problems.append(f"{_join(path, tag)}: member not in the model")
                continue
            name, member = found
            if member.type_name == "list" and member.serialization.get("flattened"):
                for i, element in enumerate(elements):
                    self.xml_value(member.member, element, f"{_join(path, name)}[{i}]")
                continue
            if member.type_name == "map" and member.serialization.get("flattened"):
                for element in elements:
                    self._xml_map_entry(member, element, _join(path, name))
                continue
            if len(elements) > 1:
                self.problems.append(f"{_join(path, name)}: repeated {len(elements)} times")
            self.xml_value(member, elements[0], _join(path, name))

    def xml_value(self, shape: "Shape", node: ElementTree.Element, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            self.xml_structure(shape, node, path)
        elif kind == "list":
            item_tag = shape.member.serialization.get("name", "member")
            items = list(node)
            for i, item in enumerate(items):
                if _local(item.tag) != item_tag:
                    self.problems.append(f"{path}[{i}]: list item <{_local(item.tag)}>, the model says <{item_tag}>")
                    continue
                self.xml_value(shape.member, item, f"{path}[{i}]")
        elif kind == "map":
            entries = list(node)
            for entry in entries:
                if _local(entry.tag) != "entry":
                    self.problems.append(f"{path}: map element <{_local(entry.tag)}>, expected <entry>")
                    continue
                self._xml_map_entry(shape, entry, path)
        else:
            if len(node):
                self.problems.append(f"{path}: scalar {kind} has child elements")
                return
            self.scalar_text(shape, node.text or "", path)

    def _xml_map_entry(self, shape: "Shape", entry: ElementTree.Element, path: str) -> None:
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        parts = {_local(child.tag): child for child in entry}
        if key_tag not in parts:
            self.problems.append(f"{path}: map entry without <{key_tag}>")
            return
        key = parts[key_tag].text or ""
        self.string_value(shape.key, key, f"{path}{{key}}")
        if value_tag in parts:
            self.xml_value(shape.value, parts[value_tag], f"{path}[{key!r}]")
        for tag in parts:
            if tag not in (key_tag, value_tag):
                self.problems.append(f"{path}[{key!r}]: map entry element <{tag}> not in the model")

    # ------------------------------------------------------------------ scalars

    def scalar_text(self, shape: "Shape", text: str, path: str) -> None:
        """A scalar carried as text (XML, headers)."""
        kind = shape.type_name
        if kind == "string":
            self.string_value(shape, text, path)
        elif kind in ("integer", "long"):
            try:
                self._range(shape, int(text.strip()), path)
            except ValueError:
                self._type(path, kind, text)
        elif kind in ("float", "double"):
            if text.strip() in ("NaN", "Infinity", "-Infinity"):
                return
            try:
                self._range(shape, float(text.strip()), path)
            except ValueError:
                self._type(path, kind, text)
        elif kind == "boolean":
            if text.strip() not in ("true", "false"):
                self._type(path, "boolean", text)
        elif kind == "timestamp":
            if not _parses_time(text.strip()):
                self._type(path, "timestamp", text)
        elif kind == "blob":
            if text and not _is_base64(text.strip()):
                self._type(path, "base64 blob", text)

    def string_value(self, shape: "Shape", value: str, path: str) -> None:
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            self.problems.append(f"{path}: {value!r} is not one of the model's enum values")
        self._size(shape, len(value), path)

    # ------------------------------------------------------------------ helpers

    def _size(self, shape: "Shape", size: int, path: str) -> None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and size < lo:
            self.problems.append(f"{path}: size {size} below the model's min {lo}")
        if hi is not None and size > hi:
            self.problems.append(f"{path}: size {size} above the model's max {hi}")

    def _range(self, shape: "Shape", value: float, path: str) -> None:
        """Numbers are type-checked only (see the module docstring)."""

    def _type(self, path: str, expected: str, value: Any) -> None:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        self.problems.append(f"{path or '.'}: expected {expected}, got {shown}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


def _parses_time(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        pass
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        parsedate_to_datetime(text)
        return True
    except (TypeError, ValueError, IndexError):
        return False
