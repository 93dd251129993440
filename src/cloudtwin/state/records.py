"""Table records as tagged JSON: the safe, inspectable form persistence writes.

A record is plain data (str, int, float, bool, None, lists, str-keyed dicts) plus a few
types JSON lacks, each written as a one-key object whose key starts with ``$``:

==========================  ======================================================
``{"$b": "aGk="}``          bytes (base64)
``{"$x": [0, 65536]}``      bytes kept beside the text, raw (:func:`encode_split`): offset
                            and length in the row's data column. Large bodies (S3's inline
                            objects) would cost far more to base64 than to copy.
``{"$t": [...]}``           tuple
``{"$s": [...]}``           set (``"$fs"``: frozenset)
``{"$d": "1.50"}``          Decimal, exactly as written (DynamoDB numbers)
``{"$dt": "...+00:00"}``    datetime (ISO 8601, with its offset)
``{"$m": [[k, v], ...]}``   a dict whose keys are not all strings, or where a key starts
                            with ``$`` (so no user data can pass for a tag)
``{"$c": "sqs.Message",     a record class declared with :func:`record_types`, by name,
   "id": ..., ...}``        with its fields by name
==========================  ======================================================

Reading never imports anything: a class name is looked up in the classes the stores
declared, and an unknown name or tag is an error (:class:`RecordError`), as is writing a
value of any other type — a store that keeps something this format cannot carry fails on
its first persisted write rather than losing data on the next start.

A record class gaining a field with a default reads old rows fine (the default applies);
renaming or removing one needs a format migration (see :mod:`persistence`).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

__all__ = ["RecordError", "record_types", "record_type_names", "encode", "encode_split", "decode"]

#: Bytes values at least this long go beside the text when :func:`encode_split` is used.
DATA_MIN = 512


class RecordError(ValueError):
    """A value that cannot be written, or stored text that cannot be read back."""


# The declared record classes. Filled once, at import of the modules that define them
# (each store's models module), and only read afterwards.
_CLASSES: dict[str, type] = {}
#: A declared class's name and fields (name, default is None), until its encoder is made.
_DECLARED: dict[type, tuple[str, tuple[tuple[str, bool], ...]]] = {}
#: Encoders by type; a declared class's is written on its first encode (a cache: writing
#: one compiles code, ~0.4 ms a class, which a service's first call would otherwise pay
#: for every class it declares).
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _name_of(cls: type) -> str:
    parts = cls.__module__.split(".")
    if parts[:2] == ["cloudtwin", "services"] and len(parts) > 2:
        return f"{parts[2]}.{cls.__qualname__}"  # "sqs.Message": stable across file moves
    return f"{cls.__module__}.{cls.__qualname__}"


def record_types(*classes: type) -> None:
    """Declare the dataclasses a store keeps in its tables (call once, in its models module)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls) or not isinstance(cls, type):
            raise TypeError(f"{cls!r} is not a dataclass")
        fields = dataclasses.fields(cls)
        if any(not f.init for f in fields):
            raise TypeError(f"{cls.__qualname__}: every field of a record must be an init field")
        name = _name_of(cls)
        known = _CLASSES.get(name)
        if known is not None and known is not cls:
            raise TypeError(f"two record classes are named {name!r}")
        for field in fields:
            if not field.name.isidentifier():  # (dataclass fields are; never run otherwise)
                raise TypeError(f"{name}: field {field.name!r} is not an identifier")
        _CLASSES[name] = cls
        _DECLARED[cls] = (name, tuple((f.name, f.default is None) for f in fields))


def record_type_names() -> dict[str, type]:
    """The declared record classes by the name they are stored under."""
    return dict(_CLASSES)


def _class_encoder(name: str, fields: tuple[tuple[str, bool], ...]) -> Callable[[Any], Any]:
    """Fields by name; one whose value is None and whose default is None is left out.

    The encoder is written out for the class, a statement per field (as ``dataclasses``
    writes ``__init__``): records are encoded on every persisted write, and a loop over
    the fields with ``getattr`` cost twice as much."""
    lines = ["def encode_record(value):", f"    out = {{'$c': {name!r}}}"]
    for field, none_by_default in fields:  # identifiers (record_types checked)
        lines += [
            f"    item = value.{field}",
            "    if item is None:",
            "        pass" if none_by_default else f"        out[{field!r}] = None",
            "    elif (t := type(item)) is str or t is int or t is float or t is bool:",
            f"        out[{field!r}] = item",
            "    else:",
            f"        out[{field!r}] = _enc(item)",
        ]
    lines.append("    return out")
    namespace: dict[str, Any] = {"_enc": _enc}
    exec("\n".join(lines), namespace)  # noqa: S102 - field names checked by record_types
    return namespace["encode_record"]


# -- writing ----------------------------------------------------------------------------------


def _enc_dict(value: dict) -> Any:
    out = {}
    for key, item in value.items():
        if type(key) is not str or key[:1] == "$":
            return {"$m": [[_enc(k), _enc(v)] for k, v in value.items()]}
        t = type(item)
        out[key] = item if t is str or t is int or t is float or item is None or t is bool else _enc(item)
    return out


def _enc(value: Any) -> Any:
    t = type(value)
    if t is str or t is int or t is float or value is None or t is bool:
        return value
    if t is dict:
        return _enc_dict(value)
    if t is list:
        return [_enc(item) for item in value]
    encoder = _ENCODERS.get(t)
    if encoder is None:
        declared = _DECLARED.get(t)
        if declared is not None:  # its first encode
            encoder = _ENCODERS[t] = _class_encoder(*declared)
            return encoder(value)
        raise RecordError(
            f"cannot persist a value of type {t.__module__}.{t.__qualname__}: records hold plain "
            "data, bytes, tuples, sets, Decimal, datetime and classes declared with record_types()"
        )
    return encoder(value)


#: While :func:`encode_split` runs: ``[total length, chunk, chunk...]`` of the data column.
_DATA_OUT: ContextVar[list | None] = ContextVar("cloudtwin_record_data_out", default=None)
#: While :func:`decode` runs with a data column: its bytes.
_DATA_IN: ContextVar[bytes | None] = ContextVar("cloudtwin_record_data_in", default=None)


def _enc_bytes(value: bytes) -> dict[str, Any]:
    if len(value) >= DATA_MIN:
        sink = _DATA_OUT.get()
        if sink is not None:
            offset = sink[0]
            sink.append(value)
            sink[0] = offset + len(value)
            return {"$x": [offset, len(value)]}
    return {"$b": base64.b64encode(value).decode("ascii")}


_ENCODERS.update(
    {
        bytes: _enc_bytes,
        tuple: lambda v: {"$t": [_enc(item) for item in v]},
        set: lambda v: {"$s": [_enc(item) for item in v]},
        frozenset: lambda v: {"$fs": [_enc(item) for item in v]},
        Decimal: lambda v: {"$d": str(v)},
        datetime: lambda v: {"$dt": v.isoformat()},
    }
)

_dumps = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def encode(value: Any) -> str:
    """The JSON text of a record; :class:`RecordError` for a value it cannot carry."""
    return _dumps(_enc(value))


def encode_split(value: Any) -> tuple[str, bytes | None]:
    """The JSON text of a record, and the raw bytes of its large bytes values (or None)."""
    sink: list = [0]
    token = _DATA_OUT.set(sink)
    try:
        text = _dumps(_enc(value))
    finally:
        _DATA_OUT.reset(token)
    return text, (b"".join(sink[1:]) if len(sink) > 1 else None)


# -- reading ----------------------------------------------------------------------------------


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _data_slice(place: Any) -> bytes:
    data = _DATA_IN.get()
    offset, length = place
    if data is None or type(offset) is not int or type(length) is not int or offset < 0 or length < 0 \
            or offset + length > len(data):
        raise ValueError("outside the row's data")
    return data[offset: offset + length]


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$b": _b64,
    "$x": _data_slice,
    "$t": tuple,
    "$s": set,
    "$fs": frozenset,
    "$d": Decimal,
    "$dt": datetime.fromisoformat,
    "$m": lambda pairs: {k: v for k, v in pairs},
}


def _hook(obj: dict[str, Any]) -> Any:
    if "$c" in obj:
        name = obj.pop("$c")
        cls = _CLASSES.get(name)
        if cls is None:
            raise RecordError(f"unknown record type {name!r}")
        try:
            return cls(**obj)
        except TypeError as exc:
            raise RecordError(f"record type {name!r} does not match the stored fields ({exc})") from None
    if len(obj) == 1:
        (key, value), = obj.items()
        if key[:1] == "$":
            tag = _TAGS.get(key)
            if tag is None:
                raise RecordError(f"unknown tag {key!r}")
            try:
                return tag(value)
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise RecordError(f"bad {key} value ({exc})") from None
    return obj


_decoder = json.JSONDecoder(object_hook=_hook)


def decode(text: str | bytes, data: bytes | None = None) -> Any:
    """The record a text of :func:`encode` (and the data of :func:`encode_split`) holds;
    :class:`RecordError` if it is not one."""
    token = _DATA_IN.set(data)
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return _decoder.decode(text)
    except RecordError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:
        raise RecordError(f"not a record ({type(exc).__name__})") from None
    finally:
        _DATA_IN.reset(token)
