"""awsQuery and ec2Query: form-encoded ``Key.Path=value`` parameters.

The flat parameters are first folded into a tree on the dots (``ListArg.member.1`` ->
``{"ListArg": {"member": {"1": ...}}}``); the compiled decoders then walk that tree
guided by the shapes, visiting only the keys that are present::

    QueryParser     member names from locationName; lists ``Name.member.N`` (or
     |              ``Name.N`` when flattened); maps ``Name.entry.N.key/value``
     `-- Ec2Parser  names from queryName, else capitalised locationName, else the member
                    name; every list is flattened (``Name.N``)

Accepted beyond the strict rules, because real clients differ: botocore's and Smithy's
names for flattened lists whose member is renamed, both ``Hi`` and ``hi`` for an ec2 member
``hi``, lists with or without their ``member`` level, ``Name``/``Key``/``Value`` map entry
names. For models that moved from awsQuery to JSON (``awsQueryCompatible``, e.g. SQS), the
query-era singular names of flattened lists and maps are accepted too (``AttributeName.1``
for ``AttributeNames``, ``Tag.1.Key`` for ``tags``, ``SendMessageBatchRequestEntry.1`` for
``Entries``, ``ActionName.1`` for ``Actions``): the JSON model no longer carries them, old
SDKs still send them.

``Action`` and ``Version`` select the operation (the router's job) and are dropped.
Parameters may come in the form body or, for GET, the URL's query string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from cloudtwin.protocol.malformed import BODY, VALUE, InvalidInput
from cloudtwin.protocol.parsers import ABSENT, Decoder, DocumentParser
from cloudtwin.protocol.scalars import text_converter
from cloudtwin.protocol.shape_plans import ShapeCompiler
from cloudtwin.protocol.values import default_timestamp_format

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, Shape

    from cloudtwin.protocol.http import HttpRequest

# A tree node is the text of a parameter, or a dict of child nodes; a parameter that is
# both a value and a prefix (``A=x&A.B=y``) keeps its text under the key None.
Node = Any

_SKIPPED = frozenset({"Action", "Version"})
_MAP_KEY_NAMES = ("key", "Key", "Name")
_MAP_VALUE_NAMES = ("value", "Value")


def _capitalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def fold(pairs: list[tuple[str, str]]) -> dict:
    """Flat ``a.b.c=v`` pairs -> nested dicts; top-level Action/Version dropped."""
    root: dict = {}
    for key, value in pairs:
        if key in _SKIPPED:
            continue
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif type(child) is not dict:
                child = node[part] = {None: child}
            node = child
        last = parts[-1]
        existing = node.get(last)
        if type(existing) is dict:
            existing[None] = value
        else:
            node[last] = value
    return root


def _indexed(node: dict) -> list[tuple[int, Node]]:
    """The children of a list or map node, by their 1-based position."""
    items = []
    for index, child in node.items():
        if index is None:
            continue
        if not index.isdigit():
            raise InvalidInput(f"'{index}' is not a list position", VALUE)
        items.append((int(index), child))
    items.sort(key=lambda item: item[0])
    return items


def _unwrap(node: dict, level: str | None, usual: str) -> tuple[dict, str]:
    """(the node holding the numbered items, its path prefix).

    ``level`` is ``member``/``entry`` (or a renamed one) for non-flattened shapes, None for
    flattened ones. Clients that wrap a flattened shape (or not a wrapped one) anyway are
    understood too: a lone ``usual`` level is looked through.
    """
    items = node.get(level or usual)
    if type(items) is dict and (level is not None or len(node) == 1):
        return items, f"{level or usual}."
    return node, ""


def _first(entry: dict, names: tuple[str, ...]) -> Node:
    for name in names:
        node = entry.get(name)
        if node is not None:
            return node
    return None


class QueryCompiler(ShapeCompiler[Decoder]):
    """Compiles the decoders of one operation for awsQuery."""

    def __init__(self, query_compatible: bool = False) -> None:
        super().__init__()
        self.query_compatible = query_compatible

    # -- naming (ec2 overrides) ------------------------------------------------------------------

    def wire_names(self, name: str, member: Shape) -> tuple[list[str], list[str]]:
        """(names, aliases) a structure member may appear under; aliases yield to names."""
        primary = member.serialization.get("name", name)
        aliases = []
        if self.is_flattened(member) and member.type_name in ("list", "map"):
            if member.type_name == "list":
                renamed = member.member.serialization.get("name")
                if renamed:  # botocore names flattened items after the list member
                    aliases.append(renamed)
            if self.query_compatible:
                aliases.extend(self._query_era_names(name, member))
        return [primary], aliases

    def _query_era_names(self, name: str, member: Shape) -> list[str]:
        """awsQuery names a JSON model may have dropped: the singular of the member name
        (``AttributeNames`` -> ``AttributeName``, ``tags`` -> ``Tag``), the item shape's
        name (``SendMessageBatchRequestEntry``), the list shape's name without ``List``
        (``ActionNameList`` -> ``ActionName``)."""
        names = []
        if name.endswith("s") and len(name) > 1:
            singular = name[:-1]
            names += [singular, _capitalize(singular)]
        if member.type_name == "list":
            names.append(member.member.name)
            if member.name.endswith("List") and len(member.name) > 4:
                names.append(member.name[:-4])
        return names

    def is_flattened(self, shape: Shape) -> bool:
        return bool(shape.serialization.get("flattened"))

    def list_item_name(self, shape: Shape) -> str | None:
        """The level between a list and its items (``member``); None when flattened."""
        if self.is_flattened(shape):
            return None
        return shape.member.serialization.get("name", "member")

    def map_entry_names(self, shape: Shape) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = shape.key.serialization.get("name", "key")
        value = shape.value.serialization.get("name", "value")
        return (key, *_MAP_KEY_NAMES), (value, *_MAP_VALUE_NAMES)

    # -- decoders ----------------------------------------------------------------------------

    def compile(self, shape: Shape) -> Decoder:
        type_name = shape.type_name
        if type_name == "structure":
            return self._structure(shape)
        if type_name == "list":
            return self._list(shape)
        if type_name == "map":
            return self._map(shape)
        return self._scalar(shape)

    def _structure(self, shape: Shape) -> Decoder:
        table: dict[str, tuple[str, Decoder]] = {}
        aliases: list[tuple[str, str, Shape]] = []
        for name, member in shape.members.items():
            names, extra = self.wire_names(name, member)
            decoder = self.plan(member)
            for wire in names:
                table[wire] = (name, decoder)
            aliases.extend((alias, name, member) for alias in extra)
        for alias, name, member in aliases:
            table.setdefault(alias, (name, self.plan(member)))

        def decode(node: Node) -> dict:
            if type(node) is not dict:
                return {}  # ``Nested=``: present but empty
            result = {}
            for key, child in node.items():
                entry = table.get(key)
                if entry is None:
                    continue
                try:
                    value = entry[1](child)
                except InvalidInput as problem:
                    problem.path.append(key)
                    raise
                if value is not ABSENT:
                    result[entry[0]] = value
            return result

        return decode

    def _list(self, shape: Shape) -> Decoder:
        item_name = self.list_item_name(shape)
        decode_item = self.plan(shape.member)

        def decode(node: Node) -> list:
            if type(node) is not dict:
                return []  # ``ListArg=``: the empty list
            items, prefix = _unwrap(node, item_name, "member")
            result = []
            for index, child in _indexed(items):
                try:
                    value = decode_item(child)
                except InvalidInput as problem:
                    problem.path.append(f"{prefix}{index}")
                    raise
                if value is not ABSENT:
                    result.append(value)
            return result

        return decode

    def _map(self, shape: Shape) -> Decoder:
        flattened = self.is_flattened(shape)
        key_names, value_names = self.map_entry_names(shape)
        decode_key = self.plan(shape.key)
        decode_value = self.plan(shape.value)

        def decode(node: Node) -> dict:
            if type(node) is not dict:
                return {}
            entries, prefix = _unwrap(node, None if flattened else "entry", "entry")
            result = {}
            for index, entry in _indexed(entries):
                if type(entry) is not dict:
                    continue
                key_node = _first(entry, key_names)
                if key_node is None:
                    continue
                key = decode_key(key_node)
                value_node = _first(entry, value_names)
                if key is ABSENT or value_node is None:
                    continue
                try:
                    value = decode_value(value_node)
                except InvalidInput as problem:
                    problem.path.append(f"{prefix}{index}.{value_names[0]}")
                    raise
                if value is not ABSENT:
                    result[key] = value
            return result

        return decode

    def _scalar(self, shape: Shape) -> Decoder:
        convert = text_converter(shape, default_timestamp_format("query"))

        def decode(node: Node) -> Any:
            if type(node) is dict:
                node = node.get(None)
                if node is None:
                    return ABSENT
            return convert(node)

        return decode


class Ec2Compiler(QueryCompiler):
    """ec2Query naming: queryName, else capitalised locationName, else the member name."""

    def wire_names(self, name: str, member: Shape) -> tuple[list[str], list[str]]:
        serialization = member.serialization
        if "queryName" in serialization:
            return [serialization["queryName"]], []
        if "name" in serialization:
            return [_capitalize(serialization["name"])], []
        # botocore sends the member name as is; Smithy capitalises it.
        return [name], [_capitalize(name)]

    def list_item_name(self, shape: Shape) -> str | None:
        return None  # every ec2 list is flattened: ``Name.N``

    def map_entry_names(self, shape: Shape) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = _capitalize(shape.key.serialization.get("name", "key"))
        value = _capitalize(shape.value.serialization.get("name", "value"))
        return (key, *_MAP_KEY_NAMES), (value, *_MAP_VALUE_NAMES)


class QueryParser(DocumentParser):
    """awsQuery: ``Action=Op&Version=...&Param.Path=value`` in a form body or query string."""

    protocol = "query"
    compiler_class: type[QueryCompiler] = QueryCompiler

    def _compiler(self, operation: OperationModel) -> QueryCompiler:
        return self.compiler_class("awsQueryCompatible" in operation.metadata)

    def _document(self, request: HttpRequest, body: bytes) -> dict:
        pairs = form_pairs(request.query_string) if request.query_string else []
        if body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput("The form body is not valid UTF-8.", BODY) from None
            pairs += form_pairs(text)
        return fold(pairs)


class Ec2Parser(QueryParser):
    """ec2Query: awsQuery with EC2's naming and always-flattened lists."""

    protocol = "ec2"
    compiler_class = Ec2Compiler


def form_pairs(text: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` text -> decoded pairs (``+`` is a space)."""
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput("The query string contains a syntax error.", BODY) from None
