"""``TestState``: one state run on its own, with the data after each processing step
(``DEBUG``) and the HTTP request and response of HTTP tasks (``TRACE``). A Wait state does
not wait; a Task state really calls its integration."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.stepfunctions.definition import parse_definition
from cloudtwin.services.stepfunctions.errors import FailureError, QueryError, RuntimeFailure, validation
from cloudtwin.services.stepfunctions.history import History, to_json
from cloudtwin.services.stepfunctions.interpreter import Execution, Frame
from cloudtwin.services.stepfunctions.paths import set_path

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.provider import Provider

Params = dict[str, Any]


class _NoWait:
    """The engine as TestState sees it: Wait states and retries do not wait."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    async def sleep(self, seconds: float) -> None:
        return None

    async def sleep_until(self, due: float) -> None:
        return None


def _state_of(params: Params) -> tuple[str, Params, str]:
    try:
        document = json.loads(params["definition"])
    except ValueError:
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION'") from None
    if isinstance(document, dict) and "States" in document:
        name = params.get("stateName") or document.get("StartAt")
        if name not in document["States"]:
            raise validation(f"State '{name}' does not exist in the definition")
        return name, document["States"][name], document.get("QueryLanguage") or "JSONPath"
    if not isinstance(document, dict) or "Type" not in document:
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                           "These fields are required: [Type] at /'")
    return params.get("stateName") or "TestState", document, document.get("QueryLanguage") or "JSONPath"


async def run(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    name, state, language = _state_of(params)
    kind = state["Type"]
    if kind in ("Map", "Parallel"):
        raise validation("TestState API does not support Map or Parallel states. Supported state types include: "
                         "[Task, Wait, Pass, Succeed, Fail, Choice]")
    if kind == "Task" and not params.get("roleArn"):
        raise validation("RoleArn must be specified when testing a Task state")
    probe = dict(state)
    if kind not in ("Choice", "Succeed", "Fail") and "Next" not in probe and not probe.get("End"):
        probe["End"] = True
    if "Next" in probe:
        probe.pop("End", None)
    machine = {"StartAt": name, "States": {name: {**probe, **({"End": True} if "Next" in probe else {})}},
               "QueryLanguage": language}
    machine["States"][name].pop("Next", None) if kind not in ("Choice",) else None
    if kind == "Choice":
        targets = {r.get("Next") for r in probe.get("Choices") or []} | {probe.get("Default")}
        for target in targets - {None}:
            machine["States"].setdefault(target, {"Type": "Succeed"})
    parse_definition(json.dumps(machine))
    text = params.get("input") or "{}"
    try:
        value = json.loads(text)
    except ValueError:
        raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{text}'") from None
    now = provider.env.clock.now()
    record = {
        "executionArn": provider._arn(ctx, f"execution:TestStateMachine:{uuid.uuid4()}"),
        "stateMachineArn": provider._arn(ctx, "stateMachine:TestStateMachine"), "stateMachineName": "TestStateMachine",
        "name": str(uuid.uuid4()), "startDate": now, "input": text, "inputValue": value,
        "roleArn": params.get("roleArn") or "", "account": ctx.account_id, "region": ctx.region, "history": [],
    }  # fmt: skip
    engine = _NoWait(provider.engine)
    execution = Execution(engine, record, machine, History([], engine.now))  # type: ignore[arg-type]
    frame = Frame(dict(_variables(params)), language)
    level = params.get("inspectionLevel") or "INFO"
    out: Params = {}
    inspection: Params = {"input": text}
    try:
        output, next_name = await execution.run_state(name, machine["States"][name], value, frame)
        if kind == "Choice":
            next_name = _choice_next(execution, probe, value, frame)
        out["output"] = to_json(output)
        out["status"] = "SUCCEEDED"
        if "Next" in probe:
            out["nextState"] = probe["Next"]
        elif next_name and kind == "Choice":
            out["nextState"] = next_name
        if level in ("DEBUG", "TRACE") and language == "JSONPath":
            inspection.update(_stages(execution, probe, value, frame, output))
    except FailureError as failure:
        out["status"] = "FAILED"
        out["error"] = failure.error
        if failure.cause is not None:
            out["cause"] = failure.cause
        catcher = next((c for c in probe.get("Catch") or [] if _matches(c, failure)), None)
        if catcher is not None:
            out["status"] = "CAUGHT_ERROR"
            out["nextState"] = catcher["Next"]
            path = catcher.get("ResultPath", "$")
            caught = value if path is None else set_path(path, value, failure.output())
            out["output"] = to_json(caught)
    if level in ("DEBUG", "TRACE"):
        if frame.variables:
            inspection["variables"] = to_json(frame.variables)
        out["inspectionData"] = inspection
    return out


def _variables(params: Params) -> dict[str, Any]:
    text = params.get("variables")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise validation("Variables must be a JSON object") from None
    return value if isinstance(value, dict) else {}


def _matches(catcher: Params, failure: FailureError) -> bool:
    from cloudtwin.services.stepfunctions.retry import matches

    return matches(catcher.get("ErrorEquals") or [], failure.error)


def _choice_next(execution: Execution, state: Params, value: Any, frame: Frame) -> str | None:
    from cloudtwin.services.stepfunctions import choice

    data = execution.input_path(state, value, frame)
    for rule in state.get("Choices") or []:
        if "Condition" in rule:
            if execution.jsonata(rule["Condition"], execution.bindings(frame, {"input": value}), "Condition"):
                return rule["Next"]
            continue
        if choice.evaluate(rule, lambda p: execution.read(p, data, frame), lambda p: execution._has(p, data, frame)):
            return rule["Next"]
    return state.get("Default")


def _stages(execution: Execution, state: Params, value: Any, frame: Frame, output: Any) -> Params:
    """The data after each step of JSONPath processing, as ``inspectionData`` shows it."""
    stages: Params = {}
    try:
        after_input = execution.input_path(state, value, frame)
        stages["afterInputPath"] = to_json(after_input)
        after_params = execution.template(state["Parameters"], after_input, frame) if "Parameters" in state \
            else after_input
        stages["afterParameters"] = to_json(after_params)
        if state["Type"] in ("Task", "Pass"):
            result = state.get("Result", after_params) if state["Type"] == "Pass" else None
            if result is not None:
                stages["result"] = to_json(result)
                selected = execution.template(state["ResultSelector"], result, frame) \
                    if "ResultSelector" in state else result
                stages["afterResultSelector"] = to_json(selected)
                path = state.get("ResultPath", "$")
                stages["afterResultPath"] = to_json(value if path is None else set_path(path, value, selected))
    except (QueryError, RuntimeFailure):
        pass
    return stages
