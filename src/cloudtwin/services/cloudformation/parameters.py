"""Template parameters: defaults, ``UsePreviousValue``, types (``Number``, lists,
``AWS::SSM::Parameter::Value<…>`` read from cloudtwin's SSM), constraints and ``NoEcho``,
with CloudFormation's messages."""

from __future__ import annotations

import re
from typing import Any, Callable

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import validation

SSM_TYPE = "AWS::SSM::Parameter::Value<"


def resolve(
    declared: dict[str, Any],
    given: list[dict[str, Any]],
    previous: dict[str, str] | None = None,
    ssm: Callable[[str], str] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(values for ``Ref``, the ``Parameters`` list DescribeStacks shows)."""
    supplied: dict[str, str] = {}
    for item in given or ():
        key = item.get("ParameterKey")
        if item.get("UsePreviousValue"):
            if previous is None or key not in previous:
                raise validation(f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template")
            supplied[key] = previous[key]
        elif "ParameterValue" in item:
            supplied[key] = item["ParameterValue"]
    unknown = [k for k in supplied if k not in declared]
    if unknown:
        raise validation(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    missing = [k for k, d in declared.items() if k not in supplied and "Default" not in d]
    if missing:
        raise validation(f"Parameters: [{', '.join(missing)}] must have values")
    values: dict[str, Any] = {}
    listed: list[dict[str, Any]] = []
    for key, definition in declared.items():
        raw = supplied.get(key, definition.get("Default"))
        raw = _text(raw)
        kind = str(definition.get("Type", "String"))
        _constrain(key, raw, kind, definition)
        entry: dict[str, Any] = {"ParameterKey": key, "ParameterValue": "****" if _no_echo(definition) else raw}
        value: Any = raw
        if kind.startswith(SSM_TYPE):
            if ssm is None:
                raise validation(f"Parameters: [{key}] cannot be resolved")
            try:
                value = ssm(raw)
            except ServiceError:  # AWS's wording for a parameter SSM does not hold
                raise validation(f"Parameter {key} should either have input value or default value") from None
            entry["ResolvedValue"] = value
            if kind[len(SSM_TYPE):].startswith(("List<", "CommaDelimitedList")):
                value = value.split(",")
        elif kind.startswith("List<") or kind == "CommaDelimitedList":
            value = [v.strip() for v in raw.split(",")] if raw else []
        values[key] = value
        listed.append(entry)
    return values, listed


def raw_values(listed: list[dict[str, Any]], given: list[dict[str, Any]], previous: dict[str, str] | None) -> dict[str, str]:
    """The values as supplied (NoEcho ones too), kept for a later ``UsePreviousValue``."""
    out = dict(previous or {})
    for item in given or ():
        if "ParameterValue" in item:
            out[item["ParameterKey"]] = item["ParameterValue"]
    return {e["ParameterKey"]: out.get(e["ParameterKey"], e["ParameterValue"]) for e in listed}


def _no_echo(definition: dict[str, Any]) -> bool:
    return str(definition.get("NoEcho", "false")).lower() == "true"


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _constrain(key: str, raw: str, kind: str, d: dict[str, Any]) -> None:
    def fail(message: str) -> None:
        if d.get("ConstraintDescription"):
            message = f"Parameter '{key}' failed to satisfy constraint: {d['ConstraintDescription']}"
        raise validation(message)

    items = raw.split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else [raw]
    for item in items:
        if kind in ("Number", "List<Number>"):
            try:
                number = float(item)
            except ValueError:
                raise validation(f"Parameter '{key}' must be a number.") from None
            if "MinValue" in d and number < float(d["MinValue"]):
                fail(f"Parameter '{key}' must be a number not less than {d['MinValue']}")
            if "MaxValue" in d and number > float(d["MaxValue"]):
                fail(f"Parameter '{key}' must be a number not greater than {d['MaxValue']}")
        if "AllowedValues" in d and item not in [_text(v) for v in d["AllowedValues"]]:
            fail(f"Parameter '{key}' must be one of AllowedValues")
        if "AllowedPattern" in d and not re.fullmatch(str(d["AllowedPattern"]), item):
            fail(f"Parameter '{key}' must match pattern {d['AllowedPattern']}")
        if "MinLength" in d and len(item) < int(d["MinLength"]):
            fail(f"Parameter '{key}' must contain at least {d['MinLength']} characters")
        if "MaxLength" in d and len(item) > int(d["MaxLength"]):
            fail(f"Parameter '{key}' must contain at most {d['MaxLength']} characters")
