"""Transformers: what makes a recorded response comparable across runs and targets.

A snapshot recorded against AWS must verify against cloudtwin, and a snapshot recorded
today must verify tomorrow, so everything that legitimately differs (account ids,
regions, request ids, timestamps, generated names, UUIDs...) is replaced by a placeholder
*both* when recording and when verifying. The placeholders follow the snapshot files other
AWS emulators' suites publish (``111111111111``, ``<region>``, ``<uuid:1>``, ``datetime``),
so their recordings verify here too.

Two kinds of replacement:

- **value** replacement: the value becomes a fixed placeholder (``"<request-id>"``).
- **reference** replacement: each distinct value becomes ``<kind:N>`` (numbered in order of
  first appearance within the test), and every occurrence of that value *anywhere* (inside
  ARNs, URLs, other responses of the same test) becomes the same placeholder. That keeps
  the information "this is the queue created above" while dropping the generated name.

Transformers run in two passes over the JSON form of a value: first the *structural* ones
(by key, by JSONPath: they look at where a value is), which replace values or register
references; then the *textual* ones (references, regexes), applied to every string.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from cloudtwin.testing.diff import Path, PathPattern

__all__ = [
    "TransformContext",
    "Transformer",
    "KeyValue",
    "JsonPath",
    "Regex",
    "Reference",
    "Custom",
    "ResponseMetadata",
    "default_transformers",
    "to_json",
]

ACCOUNT_PLACEHOLDER = "111111111111"
REGION_PLACEHOLDER = "<region>"
DATETIME_PLACEHOLDER = "datetime"
DATE_PLACEHOLDER = "date"


@dataclass
class TransformContext:
    """Per-test state: the reference values seen so far and their placeholders."""

    references: dict[str, str] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)
    _pattern: "re.Pattern[str] | None" = None

    def reference(self, value: str, kind: str) -> str:
        """The ``<kind:N>`` placeholder of ``value``, numbering it on first sight."""
        placeholder = self.references.get(value)
        if placeholder is None:
            number = self._counters.get(kind, 0) + 1
            self._counters[kind] = number
            placeholder = self.references[value] = f"<{kind}:{number}>"
            self._pattern = None
        return placeholder

    def replace_references(self, text: str) -> str:
        if not self.references:
            return text
        if self._pattern is None:
            # longest first, so a name that contains another name wins
            values = sorted(self.references, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in values))
        return self._pattern.sub(lambda m: self.references[m.group(0)], text)


class Transformer:
    """Base: ``structural`` sees every (path, key, value); ``textual`` sees every string."""

    def structural(self, path: Path, value: Any, ctx: TransformContext) -> Any:
        return value

    def textual(self, text: str, ctx: TransformContext) -> str:
        return text

    def whole(self, data: Any, ctx: TransformContext) -> Any:
        """A last look at the whole (already JSON) value."""
        return data


@dataclass
class KeyValue(Transformer):
    """Members named ``key`` (any depth): a reference ``<name:N>``, or the fixed ``<name>``."""

    key: str
    name: str | None = None
    reference: bool = True

    def structural(self, path: Path, value: Any, ctx: TransformContext) -> Any:
        if not path or path[-1] != self.key or not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return value
        kind = self.name or _kebab(self.key)
        if self.reference:
            # registered: the textual pass replaces it everywhere else too
            return ctx.reference(str(value), kind)
        return f"<{kind}>"


@dataclass
class JsonPath(Transformer):
    """Values at a JSONPath (``$..Attributes.QueueArn``; paths start at the match key)."""

    path: str
    name: str
    reference: bool = False

    def __post_init__(self) -> None:
        self._pattern = PathPattern(self.path)

    def structural(self, path: Path, value: Any, ctx: TransformContext) -> Any:
        if not self._pattern.matches(path):
            return value
        if self.reference and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return ctx.reference(str(value), self.name)
        return f"<{self.name}>"


@dataclass
class Regex(Transformer):
    """Every match of ``pattern`` in every string becomes ``replacement`` (``\\1`` allowed);
    with ``reference`` set, each distinct match becomes ``<reference:N>`` instead."""

    pattern: "str | re.Pattern[str]"
    replacement: str = ""
    reference: str | None = None

    def __post_init__(self) -> None:
        self._regex = re.compile(self.pattern) if isinstance(self.pattern, str) else self.pattern

    def textual(self, text: str, ctx: TransformContext) -> str:
        if self.reference is not None:
            kind = self.reference
            return self._regex.sub(lambda m: ctx.reference(m.group(0), kind), text)
        return self._regex.sub(self.replacement, text)


@dataclass
class Reference(Transformer):
    """One known value (a name the test generated) as ``<kind:N>`` wherever it appears."""

    value: str
    kind: str = "name"

    def register(self, ctx: TransformContext) -> None:
        ctx.reference(self.value, self.kind)


@dataclass
class Custom(Transformer):
    """Any function of the whole JSON value (runs after the built-in passes)."""

    function: Callable[[Any], Any]

    def whole(self, data: Any, ctx: TransformContext) -> Any:
        return self.function(data)


class ResponseMetadata(Transformer):
    """boto3's ``ResponseMetadata``: keep the status, drop headers, request ids and retries
    (the same reduction other emulators' recordings carry: ``{"HTTPHeaders": {},
    "HTTPStatusCode": 200}``)."""

    def structural(self, path: Path, value: Any, ctx: TransformContext) -> Any:
        if path and path[-1] == "ResponseMetadata" and isinstance(value, dict):
            kept: dict[str, Any] = {"HTTPHeaders": {}}
            if "HTTPStatusCode" in value:
                kept["HTTPStatusCode"] = value["HTTPStatusCode"]
            return kept
        return value


class IsoDates(Transformer):
    """ISO-8601 date-time strings (and numeric timestamps under ``*Timestamp`` keys)."""

    _ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
    _HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")

    def structural(self, path: Path, value: Any, ctx: TransformContext) -> Any:
        if isinstance(value, str):
            if self._ISO.match(value) or self._HTTP_DATE.match(value):
                return DATE_PLACEHOLDER
            if path and isinstance(path[-1], str) and path[-1].endswith(("Timestamp", "Date")) and value.isdigit():
                return "<timestamp>"
        return value


_REGIONS = r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:gov-|iso-|isob-)?(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_QUEUE_URL = r"https?://[A-Za-z0-9.\-]+(?::\d+)?/\d{12}/[A-Za-z0-9_\-]+(?:\.fifo)?"


def default_transformers() -> list[Transformer]:
    """The built-ins: response metadata, request ids, dates, queue URLs, S3 ETags, UUIDs,
    account ids (alone, in ARNs and URLs) and region names."""
    return [
        ResponseMetadata(),
        KeyValue("RequestId", "request-id", reference=False),
        KeyValue("requestId", "request-id", reference=False),
        IsoDates(),
        KeyValue("QueueUrl", "queue-url"),
        KeyValue("ETag", "etag"),
        Regex(_QUEUE_URL, reference="queue-url"),
        Regex(_UUID, reference="uuid"),
        Regex(r"(?<=:)\d{12}(?=:)", ACCOUNT_PLACEHOLDER),  # arn:aws:sqs:us-east-1:123456789012:q
        Regex(r"(?<=/)\d{12}(?=/|$)", ACCOUNT_PLACEHOLDER),  # .../123456789012/queue
        Regex(r"^\d{12}$", ACCOUNT_PLACEHOLDER),
        Regex(rf"(?<![A-Za-z0-9-]){_REGIONS}(?![A-Za-z0-9])", REGION_PLACEHOLDER),
    ]


def apply(data: Any, transformers: Iterable[Transformer], ctx: TransformContext) -> Any:
    """``data`` (already JSON) with every transformer applied, in the two passes."""
    transformers = list(transformers)
    for transformer in transformers:
        if isinstance(transformer, Reference):
            transformer.register(ctx)
    structural = [t for t in transformers if type(t).structural is not Transformer.structural]
    textual = [t for t in transformers if type(t).textual is not Transformer.textual]
    data = _structural(data, (), structural, ctx)
    data = _textual(data, textual, ctx)
    for transformer in transformers:
        if type(transformer).whole is not Transformer.whole:
            data = transformer.whole(data, ctx)
    return data


def _structural(value: Any, path: Path, transformers: list[Transformer], ctx: TransformContext) -> Any:
    for transformer in transformers:
        value = transformer.structural(path, value, ctx)
    if isinstance(value, dict):
        # sorted, so reference numbering does not depend on the order a response used
        return {key: _structural(value[key], (*path, key), transformers, ctx) for key in sorted(value, key=str)}
    if isinstance(value, list):
        return [_structural(item, (*path, index), transformers, ctx) for index, item in enumerate(value)]
    return value


def _textual(value: Any, transformers: list[Transformer], ctx: TransformContext) -> Any:
    if isinstance(value, str):
        value = ctx.replace_references(value)
        for transformer in transformers:
            value = transformer.textual(value, ctx)
        return value
    if isinstance(value, dict):
        return {_textual(key, transformers, ctx): _textual(item, transformers, ctx) for key, item in value.items()}
    if isinstance(value, list):
        return [_textual(item, transformers, ctx) for item in value]
    return value


def to_json(value: Any) -> Any:
    """A boto3 response (datetimes, bytes, streaming bodies...) as plain JSON values."""
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, _dt.datetime):
        return DATETIME_PLACEHOLDER
    if isinstance(value, _dt.date):
        return DATE_PLACEHOLDER
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "read") and callable(value.read):  # botocore StreamingBody
        return to_json(value.read())
    if isinstance(value, float) and value != value:
        return "NaN"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()
