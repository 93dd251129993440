"""JSON in and out of the control surface, and the 4xx answers to bad input.

Every control endpoint takes its arguments from a JSON object body, from the query string,
or both (the body wins), so ``curl -X POST .../reset?service=sqs`` and a JSON client work
alike. Bad input raises :class:`ControlError`, which the router turns into
``{"error": "..."}`` with a 4xx status: never a traceback.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterable

from cloudtwin.protocol.documents import DocumentError, read_json
from cloudtwin.protocol.http import HttpRequest, HttpResponse

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class ControlError(Exception):
    """A control request that cannot be served: status, message, and extra JSON fields."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def response(self) -> HttpResponse:
        return json_response(self.status, {"error": self.message, **self.extra})


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(
        status,
        {"Content-Type": "application/json"},
        json.dumps(payload, default=str).encode(),
    )


def read_params(request: HttpRequest, allowed: Iterable[str]) -> dict[str, Any]:
    """The arguments of a control request: query parameters overlaid with the JSON body.

    Unknown names are refused, so a typo (``servcie``) is a 400 rather than a silent
    reset of everything.
    """
    params: dict[str, Any] = dict(request.query)
    if request.body.strip():
        try:
            body = read_json(request.body)
        except DocumentError as exc:
            raise ControlError(400, f"the body is not valid JSON: {exc.reason}") from None
        if not isinstance(body, dict):
            raise ControlError(400, "the body must be a JSON object")
        params.update(body)
    allowed = set(allowed)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ControlError(
            400, f"unknown parameter(s): {', '.join(unknown)}", allowed=sorted(allowed)
        )
    return params


def optional_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string, not {value!r}")
    return value


def optional_int(params: dict[str, Any], name: str, *, minimum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ControlError(400, f"{name} must be an integer, not {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ControlError(400, f"{name} must be an integer, not {value!r}") from None
    if not isinstance(value, int):
        raise ControlError(400, f"{name} must be an integer, not {value!r}")
    if minimum is not None and value < minimum:
        raise ControlError(400, f"{name} must be at least {minimum}, not {value}")
    return value


def number(params: dict[str, Any], name: str) -> float:
    """A required finite number (JSON number or numeric string)."""
    if name not in params:
        raise ControlError(400, f"missing parameter {name!r}")
    value = params[name]
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ControlError(400, f"{name} must be a number, not {params[name]!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ControlError(400, f"{name} must be a finite number, not {params[name]!r}")
    return float(value)


def flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ControlError(400, f"{name} must be a boolean (1/0, true/false), not {value!r}")
