"""The intrinsic functions of JSONPath states (``States.Format('{}', $.name)``...), parsed
once and evaluated against the state's input, the context object and the variables.

Arguments are string literals in single quotes (``\\'``, ``\\{``, ``\\}`` and ``\\\\``
escaped), numbers, ``true``/``false``/``null``, paths (``$.x``, ``$$.Execution.Id``),
variables (``$name.field``) and nested calls.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid
from typing import Any, Callable

from cloudtwin.services.stepfunctions.errors import QueryError

__all__ = ["is_intrinsic", "evaluate", "parse"]

FUNCTIONS = (
    "States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
    "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange", "States.ArrayGetItem",
    "States.ArrayLength", "States.ArrayUnique", "States.Base64Encode", "States.Base64Decode",
    "States.Hash", "States.JsonMerge", "States.MathRandom", "States.MathAdd", "States.StringSplit",
    "States.UUID",
)


def is_intrinsic(text: Any) -> bool:
    return isinstance(text, str) and text.strip().startswith("States.")


class _Call:
    __slots__ = ("name", "args")

    def __init__(self, name: str, args: list) -> None:
        self.name = name
        self.args = args


class _Ref:
    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self) -> QueryError:
        return QueryError(f"Invalid intrinsic function: {self.text}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self) -> _Call:
        self.skip()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "._"):
            self.pos += 1
        name = self.text[start:self.pos]
        if name not in FUNCTIONS:
            raise QueryError(f"Unsupported intrinsic function: {name or self.text}")
        self.skip()
        if self.pos >= len(self.text) or self.text[self.pos] != "(":
            raise self.fail()
        self.pos += 1
        args: list = []
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] == ")":
            self.pos += 1
            return _Call(name, args)
        while True:
            args.append(self.arg())
            self.skip()
            if self.pos >= len(self.text):
                raise self.fail()
            ch = self.text[self.pos]
            self.pos += 1
            if ch == ")":
                return _Call(name, args)
            if ch != ",":
                raise self.fail()

    def arg(self) -> Any:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail()
        ch = self.text[self.pos]
        if ch == "'":
            return self.string()
        if ch == "$":
            return _Ref(self.path())
        if self.text.startswith("States.", self.pos):
            return self.call()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",)" and not self.text[self.pos].isspace():
            self.pos += 1
        token = self.text[start:self.pos]
        if token in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token]
        try:
            return int(token)
        except ValueError:
            try:
                return float(token)
            except ValueError:
                raise self.fail() from None

    def string(self) -> str:
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise self.fail()

    def path(self) -> str:
        start = self.pos
        depth = 0
        quote = None
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"" and depth:
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.pos += 1
        return self.text[start:self.pos].strip()


_parsed: dict[str, _Call] = {}


def parse(text: str) -> _Call:
    found = _parsed.get(text)
    if found is None:
        parser = _Parser(text.strip())
        found = parser.call()
        parser.skip()
        if parser.pos != len(parser.text):
            raise parser.fail()
        if len(_parsed) < 10000:
            _parsed[text] = found
    return found


def evaluate(text: str, resolve: Callable[[str], Any]) -> Any:
    """Evaluate the intrinsic ``text``; ``resolve(path)`` reads a ``$``/``$$``/variable path."""
    return _eval(parse(text), resolve)


def _eval(node: Any, resolve: Callable[[str], Any]) -> Any:
    if isinstance(node, _Call):
        args = [_eval(a, resolve) for a in node.args]
        return _IMPL[node.name](args)
    if isinstance(node, _Ref):
        return resolve(node.path)
    return node


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _need(args: list, count: int | tuple, name: str) -> None:
    counts = (count,) if isinstance(count, int) else count
    if len(args) not in counts:
        raise QueryError(f"Function {name} expects {counts[0]} argument(s).")


def _format(args: list) -> str:
    if not args or not isinstance(args[0], str):
        raise QueryError("The first argument of States.Format must be a string.")
    template, values = args[0], list(args[1:])
    out, i, n = [], 0, 0
    while i < len(template):
        if template.startswith("{}", i):
            if n >= len(values):
                raise QueryError("Number of arguments in States.Format does not match template.")
            out.append(_java_text(values[n]))
            n += 1
            i += 2
            continue
        out.append(template[i])
        i += 1
    return "".join(out)


def _java_text(value: Any, nested: bool = False) -> str:
    """How AWS's Java runtime prints a value into ``States.Format``: ``{a=1, b=[x, y]}``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_text(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v, True) for v in value) + "]"
    return _json(value)


def _string_to_json(args: list) -> Any:
    _need(args, 1, "States.StringToJson")
    try:
        return json.loads(args[0]) if args[0].strip() else None
    except (ValueError, AttributeError):
        raise QueryError(f"Invalid JSON string: {args[0]}") from None


def _array_partition(args: list) -> list:
    _need(args, 2, "States.ArrayPartition")
    array, size = args
    if not isinstance(array, list) or not isinstance(size, int) or size <= 0:
        raise QueryError("Invalid arguments in States.ArrayPartition")
    return [array[i:i + size] for i in range(0, len(array), size)]


def _array_range(args: list) -> list:
    _need(args, 3, "States.ArrayRange")
    start, end, step = (int(a) if isinstance(a, float) and a.is_integer() else a for a in args)
    if not all(isinstance(a, int) for a in (start, end, step)) or step == 0:
        raise QueryError("Invalid arguments in States.ArrayRange")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > 1000:
        raise QueryError("States.ArrayRange produced more than 1000 elements")
    return values


def _array_get_item(args: list) -> Any:
    _need(args, 2, "States.ArrayGetItem")
    array, index = args
    if not isinstance(array, list) or not isinstance(index, int) or not 0 <= index < len(array):
        raise QueryError("Invalid arguments in States.ArrayGetItem")
    return array[index]


def _array_unique(args: list) -> list:
    _need(args, 1, "States.ArrayUnique")
    out: list = []
    seen: set = set()
    for item in args[0]:
        key = _json(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _base64_decode(args: list) -> str:
    _need(args, 1, "States.Base64Decode")
    try:
        return base64.b64decode(args[0], validate=True).decode("utf-8")
    except (ValueError, TypeError):
        raise QueryError("Invalid base64 string in States.Base64Decode") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(args: list) -> str:
    _need(args, 2, "States.Hash")
    data, algorithm = args
    if algorithm not in _HASHES:
        raise QueryError(f"The specified hash algorithm '{algorithm}' is not supported. Supported algorithms: "
                         "[MD5, SHA-1, SHA-256, SHA-384, SHA-512]")
    text = data if isinstance(data, str) else _json(data)
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


def _json_merge(args: list) -> dict:
    _need(args, 3, "States.JsonMerge")
    left, right, deep = args
    if deep:
        raise QueryError("States.JsonMerge does not support deep merge (the third argument must be false)")
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise QueryError("States.JsonMerge merges two JSON objects")
    return {**left, **right}


def _math_random(args: list) -> int:
    _need(args, (2, 3), "States.MathRandom")
    start, end = int(args[0]), int(args[1])
    rng = random.Random(args[2]) if len(args) == 3 else random
    return rng.randint(start, end - 1) if end > start else start


def _math_add(args: list) -> Any:
    _need(args, 2, "States.MathAdd")
    a, b = args
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
        raise QueryError("Invalid arguments in States.MathAdd")
    return _java_round(a) + _java_round(b)


def _java_round(value: float) -> int:
    """Java's ``Math.round``: halves round up (towards positive infinity)."""
    return int(math.floor(value + 0.5))


def _string_split(args: list) -> list:
    _need(args, 2, "States.StringSplit")
    text, delimiters = args
    parts = [text]
    for delimiter in delimiters:
        parts = [piece for part in parts for piece in part.split(delimiter)]
    return [p for p in parts if p != ""]


_IMPL: dict[str, Callable[[list], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": lambda a: _json(a[0]),
    "States.Array": lambda a: list(a),
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": lambda a: a[1] in a[0],
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": lambda a: len(a[0]),
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": lambda a: base64.b64encode(a[0].encode("utf-8")).decode("ascii"),
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": lambda a: str(uuid.uuid4()),
}
