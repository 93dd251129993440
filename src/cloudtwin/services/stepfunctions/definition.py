"""Reading and checking a state machine definition, with AWS's diagnostics
(``ValidateStateMachineDefinition``) and its ``InvalidDefinition`` messages."""

from __future__ import annotations

import json
import re
from typing import Any

from cloudtwin.services.stepfunctions.choice import parse_timestamp
from cloudtwin.services.stepfunctions.errors import QueryError, invalid_definition
from cloudtwin.services.stepfunctions.integrations import OPTIMIZED, parse_resource
from cloudtwin.services.stepfunctions.intrinsics import is_intrinsic, parse
from cloudtwin.services.stepfunctions.paths import compile_path

_VARIABLE = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*")
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")


def _diag(code: str, message: str, location: str | None = None) -> dict[str, Any]:
    out = {"code": code, "message": message, "severity": "ERROR"}
    if location is not None:
        out["location"] = location
    return out


def diagnostics(text: str, machine_type: str = "STANDARD") -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The parsed definition (None when it is not JSON) and the problems found in it."""
    if not isinstance(text, str) or not text.strip():
        return None, [_diag("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")]
    try:
        definition = json.loads(text)
    except ValueError as error:
        token = text.strip().split()[0][:64] if text.strip() else ""
        source = text if len(text) <= 500 else text[:500]
        column = getattr(error, "colno", 1) + len(token) - 1
        location = f'[Source: (String)"{source}"; line: {getattr(error, "lineno", 1)}, column: {column}]'
        return None, [_diag("INVALID_JSON_DESCRIPTION", location=location, message=(
            f"Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', "
            f"'true' or 'false')\n at {location}"))]
    if not isinstance(definition, dict):
        return None, [_diag("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")]
    found: list[dict[str, Any]] = []
    _machine(definition, "", found, machine_type, definition.get("QueryLanguage") or "JSONPath", top=True)
    return definition, found


def _machine(machine: dict[str, Any], where: str, found: list, machine_type: str, language: str,
             top: bool = False) -> None:
    missing = [f for f in ("States", "StartAt") if f not in machine]
    if missing:
        found.append(_diag("SCHEMA_VALIDATION_FAILED", f"These fields are required: [{', '.join(missing)}]",
                           where or "/"))
        return
    states = machine["States"]
    if not isinstance(states, dict):
        found.append(_diag("SCHEMA_VALIDATION_FAILED", "The value for the field 'States' must be an OBJECT",
                           f"{where}/States"))
        return
    if machine["StartAt"] not in states:
        found.append(_diag("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {machine['StartAt']}",
                           f"{where}/StartAt"))
    for name, state in states.items():
        _state(name, state, states, f"{where}/States/{name}", found, machine_type, language)


def _state(name: str, state: Any, states: dict, where: str, found: list, machine_type: str, language: str) -> None:
    if not isinstance(state, dict):
        found.append(_diag("SCHEMA_VALIDATION_FAILED", "The value for the field must be an OBJECT", where))
        return
    kind = state.get("Type")
    if kind is None:
        found.append(_diag("SCHEMA_VALIDATION_FAILED", "These fields are required: [Type]", where))
        return
    if kind not in STATE_TYPES:
        found.append(_diag("SCHEMA_VALIDATION_FAILED", "The field 'Type' should have one of these values: "
                           f"[{', '.join(STATE_TYPES)}]", f"{where}/Type"))
        return
    own = state.get("QueryLanguage")
    if own == "JSONPath" and language == "JSONata":
        found.append(_diag("SCHEMA_VALIDATION_FAILED",
                           "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", where))
    state_language = own or language
    for target in _targets(state):
        if target not in states:
            found.append(_diag("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", f"{where}/Next"))
    if kind not in ("Choice", "Succeed", "Fail") and "Next" not in state and not state.get("End"):
        found.append(_diag("SCHEMA_VALIDATION_FAILED", "This state must have either an 'End' or 'Next' field.",
                           where))
    if kind == "Task":
        _resource(state, where, found, machine_type)
    if kind == "Wait" and isinstance(state.get("Timestamp"), str) and not state["Timestamp"].startswith("{%"):
        if parse_timestamp(state["Timestamp"]) is None:
            found.append(_diag("SCHEMA_VALIDATION_FAILED", "String does not match RFC3339 timestamp",
                               f"{where}/Timestamp"))
    if state_language == "JSONPath":
        for field in ("Parameters", "ResultSelector", "ItemSelector"):
            if field in state:
                _template(state[field], f"{where}/{field}", found)
        for field in ("InputPath", "OutputPath", "ResultPath", "ItemsPath"):
            value = state.get(field)
            if isinstance(value, str) and not _VARIABLE.match(value):
                try:
                    compile_path(value)
                except QueryError:
                    found.append(_diag("SCHEMA_VALIDATION_FAILED",
                                       f"The value for the field '{field}' must be a valid JSONPath", f"{where}/{field}"))
    if kind == "Parallel":
        for i, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                _machine(branch, f"{where}/Branches[{i}]", found, machine_type, state_language)
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            _machine(processor, f"{where}/ItemProcessor", found, machine_type,
                     processor.get("QueryLanguage") or state_language)


def _targets(state: dict[str, Any]) -> list[str]:
    out = []
    if isinstance(state.get("Next"), str):
        out.append(state["Next"])
    if state.get("Type") == "Choice":
        out.extend(r["Next"] for r in state.get("Choices") or [] if isinstance(r, dict) and "Next" in r)
        if isinstance(state.get("Default"), str):
            out.append(state["Default"])
    out.extend(c["Next"] for c in state.get("Catch") or [] if isinstance(c, dict) and "Next" in c)
    return out


def _resource(state: dict[str, Any], where: str, found: list, machine_type: str) -> None:
    resource = state.get("Resource")
    if isinstance(resource, str) and resource.startswith("{%"):
        return
    try:
        target = parse_resource(resource)
    except QueryError:
        found.append(_diag("SCHEMA_VALIDATION_FAILED", f"The resource provided {resource} is not recognized. The "
                           "value is not a valid resource ARN, or the resource is not available in this region.",
                           f"{where}/Resource"))
        return
    if target["kind"] == "service" and (target["service"], target["action"]) not in OPTIMIZED:
        found.append(_diag("SCHEMA_VALIDATION_FAILED", f"The resource provided {resource} is not recognized. The "
                           "value is not a valid resource ARN, or the resource is not available in this region.",
                           f"{where}/Resource"))
    if machine_type == "EXPRESS":
        if target["kind"] == "activity":
            found.append(_diag("SCHEMA_VALIDATION_FAILED", "Express state machine does not support Activity ARN",
                               f"{where}/Resource"))
        elif target.get("pattern") == "waitForTaskToken":
            found.append(_diag("SCHEMA_VALIDATION_FAILED",
                               "Express state machine does not support '.waitForTaskToken' service integration ",
                               f"{where}/Resource"))
        elif target.get("pattern", "").startswith("sync"):
            found.append(_diag("SCHEMA_VALIDATION_FAILED",
                               "Express state machine does not support '.sync' service integration ",
                               f"{where}/Resource"))


def _template(value: Any, where: str, found: list) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith(".$"):
                if not _dynamic_ok(item):
                    found.append(_diag("SCHEMA_VALIDATION_FAILED", f"The value for the field '{key}' must be a valid "
                                       "JSONPath or a valid intrinsic function call", where))
            else:
                _template(item, where, found)
    elif isinstance(value, list):
        for item in value:
            _template(item, where, found)


def _dynamic_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        if is_intrinsic(value):
            parse(value)
            return True
        if value.startswith("$"):
            if value.startswith("$$") or value[1:2] in ("", ".", "["):
                compile_path(value)
            return True
    except QueryError:
        return False
    return False


def parse_definition(text: str, machine_type: str = "STANDARD") -> dict[str, Any]:
    """The definition, or ``InvalidDefinition`` naming every problem as AWS words it."""
    definition, found = diagnostics(text, machine_type)
    if found:
        parts = []
        for d in found:
            part = f"{d['code']}: {d['message']}"
            if d.get("location") and d["code"] != "INVALID_JSON_DESCRIPTION":
                part += f" at {d['location']}"
            parts.append(part)
        raise invalid_definition(", ".join(parts))
    assert definition is not None
    return definition
