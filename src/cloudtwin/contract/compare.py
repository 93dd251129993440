"""Model-driven comparison of two responses to the same request.

Bytes never count: both sides are parsed with botocore's response parser for the wire
protocol the request was made in and the operation's output shape (so XML formatting,
JSON key order, or which optional headers a server adds cannot differ), then the two parsed
values are diffed. ``ResponseMetadata`` (request id, raw headers, retry count) is dropped:
what the client can see lives in the modelled members, and the HTTP status is compared
on its own.

Severities, most serious first (a mismatch takes the first that applies):

- ``error``: one side answered with an error and the other did not, or one side was
  unreachable / answered something unparseable at the HTTP level;
- ``status``: both answered, with different HTTP status codes;
- ``schema``: keys missing or extra (or a value of another JSON type);
- ``data``: the same keys, different values.
"""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from cloudtwin.contract.upstream import Answer
from cloudtwin.testing.diff import ADDED, CHANGED, REMOVED, TYPE, Difference, diff, render_path

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

    from cloudtwin.contract.aliases import IdAliases

__all__ = ["Comparison", "ResponseComparer", "SEVERITIES", "DEFAULT_IGNORE"]

SEVERITIES = ("error", "status", "schema", "data")
DEFAULT_IGNORE = ("RequestId", "ResponseMetadata", "Date")
_KIND_NAMES = {REMOVED: "missing", ADDED: "extra", TYPE: "type"}


@dataclass(slots=True)
class Comparison:
    """The verdict on one exchange: no severity means the two sides matched."""

    severity: str | None
    diffs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.severity is None


class ResponseComparer:
    """Parses and compares responses; one botocore parser per protocol, kept."""

    def __init__(self, ignore_keys: Iterable[str] = DEFAULT_IGNORE) -> None:
        self.ignore_keys = frozenset(ignore_keys) | {"ResponseMetadata"}
        self._parsers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def parser(self, protocol: str) -> Any:
        parser = self._parsers.get(protocol)
        if parser is None:
            from botocore.parsers import create_parser

            with self._lock:
                parser = self._parsers.setdefault(protocol, create_parser(protocol))
        return parser

    def parse(self, answer: Answer, protocol: str | None, operation: "OperationModel | None") -> Any:
        """The parsed form of one side's answer (what boto3 would hand its caller)."""
        body = answer.body
        if body and (answer.header("content-encoding") or "").lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except OSError:
                pass
        if operation is None or protocol is None:
            return {"Body": _text(body)} if body else {}
        from botocore.awsrequest import HeadersDict

        response = {
            "status_code": answer.status,
            "headers": HeadersDict(answer.headers),
            "body": body,
            "context": {"operation_name": operation.name},
        }
        shape = operation.output_shape
        if operation.has_event_stream_output:
            return {"EventStream": "<not compared>"}
        try:
            parsed = self.parser(protocol).parse(response, shape)
        except Exception as exc:  # noqa: BLE001 - an unparseable answer is a finding, not a crash
            return {"Unparseable": f"{type(exc).__name__}: {exc}", "Body": _text(body)[:500]}
        return _plain(parsed)

    def compare(self, reference: Answer, target: Answer, protocol: str | None,
                operation: "OperationModel | None", aliases: "IdAliases | None" = None) -> Comparison:
        """The verdict. With ``aliases``, ids the two sides generated differently are
        learned (from ignored keys too) and count as equal *after* their first appearance,
        which is still reported unless ignored."""
        if reference.failed or target.failed:
            return Comparison("error", [_entry_raw(
                "$", "unreachable",
                reference.error or reference.status, target.error or target.status, "error",
            )])
        ref_parsed = self.parse(reference, protocol, operation)
        tgt_parsed = self.parse(target, protocol, operation)
        if aliases is not None:
            tgt_parsed = aliases.as_reference(tgt_parsed)
            aliases.learn(
                (d.expected, d.actual) for d in diff(ref_parsed, tgt_parsed) if d.kind == CHANGED
            )
        differences = diff(ref_parsed, tgt_parsed, self.ignore_keys)
        entries = [_entry(d) for d in differences]
        ref_error, tgt_error = reference.status >= 300, target.status >= 300  # type: ignore[operator]
        if reference.status != target.status:
            entries.insert(0, _entry_raw("$", "status", reference.status, target.status, "status"))
        if ref_error != tgt_error:
            return Comparison("error", entries)
        if reference.status != target.status:
            return Comparison("status", entries)
        if any(e["severity"] == "schema" for e in entries):
            return Comparison("schema", entries)
        if entries:
            return Comparison("data", entries)
        return Comparison(None, [])


def _entry(difference: Difference) -> dict[str, Any]:
    kind = _KIND_NAMES.get(difference.kind, "changed")
    severity = "data" if kind == "changed" else "schema"
    return _entry_raw(render_path(difference.path), kind, difference.expected, difference.actual, severity)


def _entry_raw(path: str, kind: str, reference: Any, target: Any, severity: str) -> dict[str, Any]:
    return {"path": path, "kind": kind, "severity": severity, "reference": _plain(reference), "target": _plain(target)}


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii")


def _plain(value: Any) -> Any:
    """Parsed values as JSON (timestamps as ISO strings, bytes as text or base64)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return _text(bytes(value))
    if hasattr(value, "read") and callable(value.read):
        return _text(value.read())
    if isinstance(value, float) and value != value:
        return "NaN"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
