"""JSONata for states in the JSONata query language: ``{% expression %}`` strings inside
``Arguments``, ``Output``, ``Assign``, ``Condition``, ``Items``... evaluated with ``$states``
and the workflow variables bound, plus the functions Step Functions adds (``$partition``,
``$range``, ``$hash``, ``$random``, ``$uuid``, ``$parse``).

The engine is ``jsonata-python``; it gives ``None`` both for JSON null and for an undefined
result, so a ``None`` is told apart by asking ``$exists`` of the same expression.
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from typing import Any

import jsonata as _jsonata
from jsonata.utils import Utils as _Utils

from cloudtwin.services.stepfunctions.errors import QueryError
from cloudtwin.services.stepfunctions.intrinsics import _HASHES

__all__ = ["is_expression", "expression_text", "evaluate", "UNDEFINED"]

UNDEFINED = object()
_NULL = _Utils.NULL_VALUE


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def expression_text(value: str) -> str:
    return value[2:-2].strip()


def _partition(items: list, size: int) -> list:
    return [items[i:i + int(size)] for i in range(0, len(items), int(size))]


def _range(start: float, end: float, step: float) -> list:
    out, value = [], start
    while (step > 0 and value <= end) or (step < 0 and value >= end):
        out.append(int(value) if float(value).is_integer() else value)
        value += step
    return out


def _hash(data: Any, algorithm: str) -> str:
    import hashlib

    if algorithm not in _HASHES:
        raise QueryError(f"The hash algorithm '{algorithm}' is not supported")
    return hashlib.new(_HASHES[algorithm], str(data).encode()).hexdigest()


def _random(seed: Any = None) -> float:
    return random.Random(seed).random() if seed is not None else random.random()


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise QueryError(f"The string '{text}' is not valid JSON") from None


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> Any:
    """The compiled expression with AWS's added functions (compiled once per text; a parse
    error is not cached, it raises again)."""
    try:
        found = _jsonata.Jsonata(text)
    except Exception as error:  # noqa: BLE001 - any parser failure is the user's expression
        raise QueryError(f"Invalid JSONata expression '{text}': {error}") from None
    found.register_lambda("partition", _partition)
    found.register_lambda("range", _range)
    found.register_lambda("hash", _hash)
    found.register_lambda("random", _random)
    found.register_lambda("uuid", lambda: str(uuid.uuid4()))
    found.register_lambda("parse", _parse)
    return found


def evaluate(text: str, bindings: dict[str, Any]) -> Any:
    """The value of the JSONata ``text`` (without ``{% %}``), or ``UNDEFINED``."""
    expr = _compile(text)
    if any(v is None for v in bindings.values()):  # a variable set to null is there (not undefined)
        bindings = {k: _NULL if v is None else v for k, v in bindings.items()}
    try:
        value = expr.evaluate(None, bindings)
        if value is None:
            exists = _compile(f"$exists({text})").evaluate(None, bindings)
            if not exists:
                return UNDEFINED
    except QueryError:
        raise
    except Exception as error:  # noqa: BLE001 - the evaluation error is the cause AWS reports
        raise QueryError(str(error)) from None
    if callable(value) or type(value).__module__.startswith("jsonata"):
        raise QueryError("unsupported")
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
