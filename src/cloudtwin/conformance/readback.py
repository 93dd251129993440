"""Read-backs: after a write answered 2xx, read what it wrote and compare.

The pairing comes from the model alone. A write is an operation named ``Create``/``Put``/
``Update``/``Set`` + *noun*; its reads are the ``Get``/``Describe`` operations named *noun*
or *noun*-something (``CreateQueue`` -> ``GetQueueAttributes``). A read qualifies when
every member it requires can be taken, by name, from what the write sent or answered
(``QueueUrl`` from CreateQueue's output, ``TableName`` from CreateTable's input); of those,
the read whose output names the most written members wins. Besides its required members
the read gets the identifiers the write answered (``VersionId``), the write's SSE-C key
members (such an object reads only with its key), ``All`` for a list of enum names that
offers it (``AttributeNames``) and ``true`` for a ``With…`` flag (``WithDecryption``).

The comparison: every member the write sent (at any depth of its structures) whose name
the read's output also has (at any depth of its structures), apart from the members that
address the resource, is compared after normalising types (numbers and booleans as text,
timestamps as instants, JSON documents parsed, URL-encoded documents decoded, map keys
case-insensitive, lists and maps as subsets — the read may add defaults, an identifier may
come back as its ARN). A value that differs, a read that fails, or an empty read fails the
round trip; a member the read leaves out is not judged alone (AWS omits defaults such as
``STANDARD``, and write-only values such as credentials).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

WRITE_PREFIXES = ("Create", "Put", "Update", "Set")
READ_PREFIXES = ("Get", "Describe")
#: Optional read members copied from the write's input by name (a customer-keyed object
#: reads only with its key).
_COPIED_PREFIXES = ("SSECustomer",)
#: Optional read members that name the resource, copied from the write's input by name
#: (UpdateLoginProfile's ``UserName``: without it GetLoginProfile reads the caller's).
_IDENTIFIER_SUFFIXES = ("Name", "Id", "Arn", "Url")


@dataclass(frozen=True)
class ReadBack:
    write: str
    read: str
    #: read member -> ("input" | "output", member name found in the write's input/output)
    sources: dict[str, str]
    #: read members with a fixed value (``AttributeNames: ["All"]``, ``WithDecryption``)
    fixed: dict[str, Any]
    #: written member names the read's output also has (identifiers excluded)
    compared: tuple[str, ...]
    #: the read's required members
    required: tuple[str, ...] = ()


@dataclass
class Outcome:
    #: verified: every compared value found matched (at least one); failed: a mismatch,
    #: a failed read, or nothing of what was written came back; None: nothing to compare.
    verified: bool | None
    reason: str = ""
    matched: list[str] = field(default_factory=list)


def _noun(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper():
            return name[len(prefix):]
    return None


def _names(shape: "Shape | None", depth: int = 0, seen: set[str] | None = None) -> dict[str, "Shape"]:
    """Member names at any depth of nested structures (not into lists or maps), first wins."""
    out: dict[str, "Shape"] = {}
    if shape is None or shape.type_name != "structure" or depth > 4:
        return out
    for name, member in shape.members.items():
        out.setdefault(name, member)
    for member in shape.members.values():
        if member.type_name == "structure":
            for name, inner in _names(member, depth + 1).items():
                out.setdefault(name, inner)
    return out


def pairing(model: "ServiceModel", write: "OperationModel") -> ReadBack | None:
    noun = _noun(write.name, WRITE_PREFIXES)
    if noun is None or write.input_shape is None:
        return None
    written = _names(write.input_shape)
    answered = _names(write.output_shape)
    best: tuple[int, int, ReadBack] | None = None
    for name in model.operation_names:
        read_noun = _noun(name, READ_PREFIXES)
        if read_noun is None or not read_noun.startswith(noun):
            continue
        read = model.operation_model(name)
        if read.input_shape is None or read.output_shape is None or read.has_event_stream_output:
            continue
        sources: dict[str, str] = {}
        fixed: dict[str, Any] = {}
        for member_name in read.input_shape.required_members:
            if member_name in written and member_name in write.input_shape.members:
                sources[member_name] = "input"
            elif member_name in answered:
                sources[member_name] = "output"
            else:
                break
        else:
            for member_name, member in read.input_shape.members.items():
                if member_name in sources:
                    continue
                if member_name in answered:  # an identifier the write answered (VersionId, UserName)
                    sources[member_name] = "input" if member_name in write.input_shape.members else "output"
                elif member_name in write.input_shape.members and (
                        member_name.startswith(_COPIED_PREFIXES) or member_name.endswith(_IDENTIFIER_SUFFIXES)):
                    sources[member_name] = "input"
                elif member.type_name == "list" and "All" in (getattr(member.member, "enum", None) or []):
                    fixed[member_name] = ["All"]
                elif member.type_name == "boolean" and member_name.startswith("With"):
                    fixed[member_name] = True
            shown = _names(read.output_shape)
            addressing = set(read.input_shape.members)
            compared = tuple(sorted(n for n in written if n in shown and n not in addressing
                                    and not n.startswith(_COPIED_PREFIXES)))
            if not compared:
                continue
            rank = (len(compared), 1 if read_noun == noun else 0)
            candidate = ReadBack(write.name, name, sources, fixed, compared,
                                  tuple(read.input_shape.required_members))
            if best is None or rank > best[:2]:
                best = (*rank, candidate)
    return best[2] if best else None


def find(data: Any, name: str, depth: int = 0) -> Any:
    """The value of the first member called ``name`` in nested dicts (breadth first)."""
    if not isinstance(data, dict) or depth > 5:
        return None
    if name in data:
        return data[name]
    for value in data.values():
        if isinstance(value, dict):
            found = find(value, name, depth + 1)
            if found is not None:
                return found
    return None


def holder(data: Any, name: str, depth: int = 0) -> str | None:
    """The key of the structure that holds the member :func:`find` finds (None: top level
    or not found)."""
    if not isinstance(data, dict) or depth > 5 or name in data:
        return None
    for key, value in data.items():
        if isinstance(value, dict) and find(value, name) is not None:
            inner = holder(value, name, depth + 1)
            return key if inner is None else inner
    return None


def read_back(read: Any, sent: dict[str, Any], name: str) -> Any:
    """What the read answers for a member written as ``name``: by name where the write sent
    it at its top level; where the write nested it, inside the read's same-named structure,
    or else at the read's top level only (the ``type`` of an ``encryptionConfiguration`` is
    not the resource's own ``type``, a receipt rule's ``Name`` not its rule set's)."""
    if not isinstance(read, dict):
        return None
    parent = holder(sent, name)
    if parent is None:
        return find(read, name)
    scope = find(read, parent)
    return find(scope, name) if isinstance(scope, dict) else read.get(name)


def read_params(pair: ReadBack, sent: dict[str, Any], answer: Any) -> dict[str, Any] | None:
    """The read's parameters, or None when a member it requires is missing (a write's
    answer without the ``QueueUrl`` it must return)."""
    params: dict[str, Any] = dict(pair.fixed)
    for member, where in pair.sources.items():
        value = find(sent if where == "input" else answer, member)
        if value is not None:
            params[member] = value
        elif member in pair.required:
            return None
    return params


def compare(pair: ReadBack, sent: dict[str, Any], read: Any) -> Outcome:
    matched: list[str] = []
    written_any = False
    for name in pair.compared:
        wrote = find(sent, name)
        if wrote is None or empty(wrote):  # nothing written: nothing to read back
            continue
        written_any = True
        got = read_back(read, sent, name)
        if got is None:
            continue
        if hasattr(got, "read"):
            got = got.read()
        verdict = match(wrote, got)
        if verdict is False:
            return Outcome(False, f"{name}: wrote {_short(wrote)}, read {_short(got)}")
        if verdict:
            matched.append(name)
    if not written_any:
        return Outcome(None)
    if not matched:
        shown = ({k: v for k, v in read.items() if k != "ResponseMetadata" and v not in (None, "", [], {})}
                 if isinstance(read, dict) else {})
        if not shown:  # an empty answer: nothing was kept
            return Outcome(False, f"the read ({pair.read}) answers nothing of what was written "
                                  f"({', '.join(n for n in pair.compared if find(sent, n) is not None)})")
        return Outcome(None)  # the read leaves the written members out: not judged alone
    return Outcome(True, matched=matched)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(float(value), "g") if value != int(value) else str(int(value))
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        text = value.strip()
        if text[:3].upper() in ("%7B", "%5B"):
            text = unquote(text)
        if text[:1] in "{[":
            try:
                return json.dumps(json.loads(text), sort_keys=True)
            except ValueError:
                return text
        try:
            number = float(text)
        except ValueError:
            return text
        if text.lower() in ("nan", "inf", "-inf", "infinity") or not math.isfinite(number):
            return text
        return format(number, "g") if number != int(number) else str(int(number))
    return value


def match(wrote: Any, got: Any) -> bool | None:
    """True: the read shows what was written; False: it shows something else; None: it
    shows nothing to compare (a map without the written keys — write-only entries such as
    a platform credential — an empty list, an empty structure written)."""
    if isinstance(wrote, str) and isinstance(got, (dict, list)):
        document = _document(wrote)  # a JSON document the SDK hands back parsed
        if document is not None:
            return document == json.dumps(got, sort_keys=True, default=str)
    if isinstance(wrote, dict):
        if not isinstance(got, dict):
            return False
        lowered = {str(k).lower(): v for k, v in got.items()}
        return _fold([match(v, lowered[str(k).lower()]) for k, v in wrote.items() if str(k).lower() in lowered])
    if isinstance(wrote, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return False
        if not got or not wrote:
            return None
        verdicts = []
        for item in wrote:
            found = [match(item, other) for other in got]
            verdicts.append(True if True in found else (None if all(f is None for f in found) else False))
        return _fold(verdicts)
    if isinstance(got, dict):  # a written identifier the read wraps (PermissionsBoundary -> its ARN and type)
        return any(same(wrote, value) for value in got.values() if not isinstance(value, (dict, list)))
    return same(wrote, got)


def _fold(verdicts: list[bool | None]) -> bool | None:
    if False in verdicts:
        return False
    return True if True in verdicts else None


def _document(text: str) -> str | None:
    text = text.strip()
    if text[:3].upper() in ("%7B", "%5B"):
        text = unquote(text)
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except ValueError:
        return None


def empty(value: Any) -> bool:
    """Nothing but empty collections: a write of it may leave nothing to read."""
    if isinstance(value, dict):
        return all(empty(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(empty(v) for v in value)
    return value in (None, "")


def same(wrote: Any, got: Any) -> bool:
    """Two scalars, types normalised."""
    if isinstance(wrote, (dict, list, tuple)):
        return bool(match(wrote, got))
    a, b = _scalar(wrote), _scalar(got)
    if isinstance(a, bytes) != isinstance(b, bytes):  # a str body comes back as bytes
        a, b = (x.encode() if isinstance(x, str) else x for x in (a, b))
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str) and b.startswith("arn:") and a and b.endswith((":" + a, "/" + a)):
        return True  # an identifier comes back as its ARN
    if isinstance(a, str) and isinstance(b, str) and a.startswith(("https://", "http://")) and a.split("://", 1)[1] == b:
        return True  # a URL comes back without its scheme (IAM's OIDC provider Url)
    if isinstance(a, float) or isinstance(b, float):  # timestamps: to the second
        try:
            return abs(float(a) - float(b)) < 1
        except (TypeError, ValueError):
            return False
    return False
