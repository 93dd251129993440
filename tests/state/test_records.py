"""The record format: tagged JSON that round-trips exactly the types stores keep, knows
record classes only by the names stores declared, and refuses anything else loudly."""

from __future__ import annotations

import dataclasses
import importlib
import json
import typing
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import cloudtwin.services
from cloudtwin.state.persistence import SqlitePersistence
from cloudtwin.state.records import (
    DATA_MIN,
    RecordError,
    decode,
    encode,
    encode_split,
    record_type_names,
    record_types,
)
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Sample:
    name: str
    blob: bytes | None = None
    pair: tuple[str, int] | None = None
    parts: dict[int, str] = field(default_factory=dict)
    note: str | None = "set"


record_types(Sample)


@pytest.mark.parametrize(
    "value",
    [
        "text", 0, -7, 2**70, 1.5, -0.0, float("inf"), True, False, None,
        b"\x00\xffbytes", ("a", 1, (b"x", None)), {"x", "y"}, frozenset({1, 2}),
        Decimal("1.50"), Decimal("-1E+126"), Decimal("0.000"),
        datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 2, 3, 4, 5),
        {"S": "x", "N": "1", "B": b"\x01", "M": {"nested": {"L": [{"BOOL": True}]}}},
        {1: "int key", ("t", 2): "tuple key", "plain": [1, 2]},
        {"$b": "not bytes: a user's key", "$c": "not a class"},
        {"$m": [["k", "v"]]},
        [[], {}, [{}], ""],
        Sample("a", b"raw", ("k", 3), {1: "one", 2: "two"}, None),
    ],
)
def test_round_trip_is_exact(value):
    back = decode(encode(value))
    assert back == value or (value != value and back != back)
    assert type(back) is type(value)
    if isinstance(value, (Decimal, datetime)):
        assert str(back) == str(value)  # exponent and offset kept, not just equal
    if isinstance(value, dict):
        assert [type(k) for k in back] == [type(k) for k in value]


def test_large_bytes_go_raw_beside_the_text():
    big, other, small = b"\x00" * DATA_MIN, bytes(range(256)) * 8, b"tiny"
    value = {"body": big, "parts": [small, other], "sample": Sample("s", other)}
    text, data = encode_split(value)
    assert data == big + other + other
    assert json.loads(text)["body"] == {"$x": [0, DATA_MIN]}
    assert json.loads(text)["parts"] == [{"$b": "dGlueQ=="}, {"$x": [DATA_MIN, len(other)]}]
    assert decode(text, data) == value
    assert encode_split({"k": small}) == ('{"k":{"$b":"dGlueQ=="}}', None)
    assert decode(encode(value)) == value  # without a data column: all base64, same value
    for place in ("[0, 99999]", "[-1, 2]", '["0", 2]', "[0]"):
        with pytest.raises(RecordError, match="bad \\$x value"):
            decode('{"$x": ' + place + "}", b"1234")
    with pytest.raises(RecordError):
        decode(text)  # the data column is missing


def test_records_are_readable_json():
    text = encode(Sample("queue", b"hi", ("a", 1), note=None))
    assert json.loads(text) == {
        "$c": record_type_names_for(Sample),
        "name": "queue", "blob": {"$b": "aGk="}, "pair": {"$t": ["a", 1]}, "parts": {},
        # "note" is None, but its default is not: kept. None fields defaulting to None are left out.
        "note": None,
    }
    assert encode(Sample("x")) == f'{{"$c":"{record_type_names_for(Sample)}","name":"x","parts":{{}},"note":"set"}}'


def test_a_value_it_cannot_carry_fails_at_write_time(tmp_path):
    class Unknown:
        pass

    @dataclass
    class Undeclared:
        x: int

    for value in (Unknown(), Undeclared(1), {"k": [Undeclared(2)]}, bytearray(b"x"), timedelta(1), object):
        with pytest.raises(RecordError, match="cannot persist a value of type"):
            encode(value)
    backend = SqlitePersistence(tmp_path)
    table = Table(backend, "svc/000000000000/us-east-1/t")
    with pytest.raises(RecordError):
        table["bad"] = {"when": timedelta(1)}


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"$c": "os.system", "command": "true"}', "unknown record type 'os.system'"),
        ('{"$c": "builtins.eval"}', "unknown record type"),
        ('{"$pickle": "gASV"}', "unknown tag '$pickle'"),
        ('{"$b": "***"}', "bad $b value"),
        ('{"$d": "one"}', "bad $d value"),
        ('{"$dt": 5}', "bad $dt value"),
        (f'{{"$c": "{Sample.__module__}.Sample", "name": "x", "gone": 1}}', "does not match the stored fields"),
        ("not json", "not a record"),
        ("[" * 100_000, "not a record"),
    ],
)
def test_stored_text_that_is_not_a_record_is_refused(text, problem):
    with pytest.raises(RecordError, match=problem.replace("$", r"\$").replace("(", r"\(")):
        decode(text)


def test_a_field_added_with_a_default_reads_old_rows():
    old = json.dumps({"$c": record_type_names_for(Sample), "name": "old"})
    assert decode(old) == Sample("old")


def record_type_names_for(cls: type) -> str:
    return next(name for name, known in record_type_names().items() if known is cls)


def _service_models():
    root = Path(cloudtwin.services.__file__).parent
    for models in sorted(root.glob("*/models.py")):
        yield importlib.import_module(f"cloudtwin.services.{models.parent.name}.models")


def test_every_record_class_of_every_store_is_declared():
    modules = list(_service_models())
    declared = set(record_type_names().values())
    assert len(modules) >= 10
    for module in modules:
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and isinstance(value, type) and value.__module__ == module.__name__:
                assert value in declared, f"{module.__name__}.{value.__qualname__}: call record_types()"


_LEAVES = {str, int, float, bool, type(None), bytes, Decimal, datetime, typing.Any}
_CONTAINERS = {list, dict, tuple, set, frozenset}


def _unencodable(hint, declared) -> list[str]:
    if hint in _LEAVES or hint in declared or hint is Ellipsis:
        return []
    origin = typing.get_origin(hint)
    if origin in _CONTAINERS or origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [p for arg in typing.get_args(hint) for p in _unencodable(arg, declared)]
    return [repr(hint)]


def test_every_declared_field_type_can_be_persisted():
    """Statically, from the annotations: a store cannot declare a field of a type the format
    lacks (``Any`` fields are checked by the restart tests that fill them)."""
    list(_service_models())
    declared = set(record_type_names().values())
    problems = []
    for name, cls in record_type_names().items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            problems += [f"{name}.{f.name}: {p}" for p in _unencodable(hints[f.name], declared)]
    assert problems == []


def test_in_process_test_servers_check_every_record_written():
    from cloudtwin.state.persistence import RecordCheck
    from cloudtwin.testing.server import ServerThread

    check = RecordCheck()
    table = Table(check, "svc/000000000000/us-east-1/t")
    table["fine"] = Sample("x", b"\x00", ("a", 1))
    with pytest.raises(RecordError):
        table["bad"] = {"when": timedelta(1)}
    with pytest.raises(TypeError):
        table[(b"bytes", "key")] = "keys are JSON text"
    assert ServerThread().config.check_records is True
