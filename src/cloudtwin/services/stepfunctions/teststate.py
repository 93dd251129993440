"""``TestState``: one state run on its own, with the data after each processing step
(``DEBUG``) and the HTTP request and response of HTTP tasks (``TRACE``). A Wait state does
not wait; a Task state really calls its integration."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.stepfunctions import mockcheck
from cloudtwin.services.stepfunctions.definition import parse_definition
from cloudtwin.services.stepfunctions.errors import FailureError, QueryError, RuntimeFailure, validation
from cloudtwin.services.stepfunctions.history import History, to_json
from cloudtwin.services.stepfunctions.interpreter import Execution, Frame
from cloudtwin.services.stepfunctions.paths import set_path

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.provider import Provider

Params = dict[str, Any]


class _Recorder:
    """The integrations as TestState sees them: a mock answers instead of the service when
    one is given, and the task's input and result are kept for ``inspectionData``."""

    def __init__(self, integrations: Any, mock: Params | None) -> None:
        self._integrations = integrations
        self.mock = mock
        self.arguments: Any = None
        self.result: Any = None
        self.called = False

    async def run(self, execution: Any, name: str, state: Params, params: Any, frame: Any, language: str) -> Any:
        self.called = True
        self.arguments = params
        if self.mock is not None:
            if "errorOutput" in self.mock:
                failure = self.mock["errorOutput"]
                raise FailureError(failure.get("error") or "", failure.get("cause"))
            try:
                self.result = json.loads(self.mock["result"])
            except ValueError:
                raise validation("Mock result must be valid JSON") from None
            return self.result
        self.result = await self._integrations.run(execution, name, state, params, frame, language)
        return self.result


class _MockedMap:
    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    async def run(self, execution: Any, name: str, state: Params, data: Any, raw: Any, frame: Any,
                  language: str) -> Any:
        return await self.recorder.run(execution, name, state, data, frame, language)


class _NoWait:
    """The engine as TestState sees it: Wait states and retries do not wait."""

    def __init__(self, engine: Any, integrations: _Recorder) -> None:
        self._engine = engine
        self.integrations = integrations
        #: With a mock, a Map state's result is the mock's (its iterations do not run).
        self.maps = _MockedMap(integrations) if integrations.mock is not None else engine.maps

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
        found = _find_state(document, name, document.get("QueryLanguage") or "JSONPath")
        if found is None:
            raise validation("State not found in definition")
        return name, found[0], found[1]
    if not isinstance(document, dict) or "Type" not in document:
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                           "These fields are required: [Type] at /'")
    return params.get("stateName") or "StateName", document, document.get("QueryLanguage") or "JSONPath"


def _find_state(machine: Params, name: str, language: str) -> tuple[Params, str] | None:
    """The state called ``name`` anywhere in ``machine`` (inside Parallel branches and Map
    processors too), with the query language it runs in."""
    states = machine.get("States")
    if not isinstance(states, dict):
        return None
    if isinstance(states.get(name), dict):
        return states[name], states[name].get("QueryLanguage") or language
    for state in states.values():
        if not isinstance(state, dict):
            continue
        inner = state.get("QueryLanguage") or language
        nested = [state.get("ItemProcessor") or state.get("Iterator")] + list(state.get("Branches") or [])
        for child in nested:
            if isinstance(child, dict):
                found = _find_state(child, name, child.get("QueryLanguage") or inner)
                if found is not None:
                    return found
    return None


async def run(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    name, state, language = _state_of(params)
    kind = state["Type"]
    mock = params.get("mock")
    if mock is not None and ("result" in mock) == ("errorOutput" in mock):  # both, or neither
        raise validation("A test mock should have only one of the following fields: [result, errorOutput].")
    if kind in ("Map", "Parallel") and mock is None:  # their iterations and branches cannot run on their own
        raise ServiceError("InvalidDefinition", "TestState API does not support Map or Parallel states. Supported "
                           "state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
    if kind == "Task" and not params.get("roleArn") and mock is None:
        raise validation("RoleArn must be specified when testing a Task state")
    if mock is not None and "result" in mock and kind == "Task":
        try:
            mocked = json.loads(mock["result"])
        except ValueError:
            raise validation("Mock result must be valid JSON") from None
        mockcheck.check(mockcheck.output_shape(provider.env.catalog, state.get("Resource")), mocked,
                        mock.get("fieldValidationMode") or "STRICT")
    language = state.get("QueryLanguage") or language
    probe = {k: v for k, v in state.items() if k not in ("Retry", "Catch", "Next", "End")}
    if kind not in ("Choice", "Succeed", "Fail"):
        probe["End"] = True
    machine: Params = {"StartAt": name, "States": {name: probe}, "QueryLanguage": language}
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
    execution_name, machine_name = str(uuid.uuid4()), str(uuid.uuid4())
    record = {
        "executionArn": provider._arn(ctx, f"express:{machine_name}:{execution_name}"), "testState": True,
        "stateMachineArn": provider._arn(ctx, f"stateMachine:{machine_name}"), "stateMachineName": machine_name,
        "name": execution_name, "startDate": now, "input": text, "inputValue": value,
        "roleArn": params.get("roleArn") or "", "account": ctx.account_id, "region": ctx.region, "history": [],
    }  # fmt: skip
    if params.get("context"):
        try:
            given = json.loads(params["context"])
        except ValueError:
            raise validation("The context must be a valid JSON object") from None
        _check_context(given)
        record["context"] = params["context"]
    recorder = _Recorder(provider.engine.integrations, mock)
    engine = _NoWait(provider.engine, recorder)
    execution = Execution(engine, record, machine, History([], provider.env.clock.now))  # type: ignore[arg-type]
    frame = Frame(dict(_variables(params)), language)
    level = params.get("inspectionLevel") or "INFO"
    configuration = params.get("stateConfiguration") or {}
    out: Params = {}
    inspection: Params = {"input": text}
    try:
        output, next_name = await execution.run_state(name, probe, value, frame)
        out["output"] = to_json(output)
        out["status"] = "SUCCEEDED"
        following = next_name if kind == "Choice" else state.get("Next")
        if kind == "Choice":
            following = _choice_next(execution, state, value, frame)
        if following:
            out["nextState"] = following
        if kind == "Map":
            inspection.update(_map_stages(provider, execution, state, value, frame, language))
        elif language == "JSONPath":
            inspection.update(_stages(execution, state, value, frame, recorder))
        elif recorder.called:
            inspection["afterArguments"] = to_json(recorder.arguments)
            inspection["result"] = to_json(recorder.result)
    except FailureError as failure:
        out["error"] = failure.error
        if failure.cause is not None:
            out["cause"] = failure.cause
        out["status"] = "FAILED"
        if kind == "Fail" and language == "JSONPath":
            inspection["afterInputPath"] = to_json(value)
        if kind == "Map":
            inspection.update(_map_stages(provider, execution, state, value, frame, language))
        elif recorder.called:
            inspection["afterArguments" if language == "JSONata" else "afterParameters"] = to_json(recorder.arguments)
        from cloudtwin.services.stepfunctions import retry

        index = retry.find(state.get("Retry"), failure.error)
        attempts = configuration.get("retrierRetryCount", 0)
        if index is not None and attempts < state["Retry"][index].get("MaxAttempts", 3):
            out["status"] = "RETRIABLE"
            inspection["errorDetails"] = {"retryIndex": index, "retryBackoffIntervalSeconds": int(
                retry.delay({**state["Retry"][index], "JitterStrategy": "NONE"}, attempts))}
        else:
            if index is not None:
                inspection["errorDetails"] = {"retryIndex": index}  # retries exhausted
            index = retry.find(state.get("Catch"), failure.error)
            if index is not None:
                catcher = state["Catch"][index]
                caught, _ = execution._caught(catcher, value, failure, frame, language, "")
                out.update(status="CAUGHT_ERROR", nextState=catcher["Next"], output=to_json(caught))
                inspection["errorDetails"] = {"catchIndex": index}
    if level in ("DEBUG", "TRACE"):
        if frame.variables:
            inspection["variables"] = to_json(frame.variables)
        out["inspectionData"] = inspection
    return out


#: The context object a TestState call may give: field -> (member -> the JSON type it must
#: have, None: any value), as AWS's documentation describes the context object.
_CONTEXT_FIELDS: dict[str, dict[str, type | tuple[type, ...] | None]] = {
    "Execution": {"Id": str, "Input": None, "Name": str, "RoleArn": str, "StartTime": str, "RedriveCount": int,
                  "RedriveTime": str},
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
_TYPE_NAMES = {str: "a string", int: "an integer"}


def _check_context(context: Any) -> None:
    """AWS's checks of a mocked context object (``Invalid Context object provided: ...``)."""
    def refuse(reason: str) -> ServiceError:
        return validation(f"Invalid Context object provided: {reason}")

    if not isinstance(context, dict):
        raise refuse("the context must be a JSON object")
    for field, value in context.items():
        if field == "Map":
            raise refuse("'Map' field is not supported when mocking a Context object")
        members = _CONTEXT_FIELDS.get(field)
        if members is None:
            raise refuse(f"Field '{field}' is not allowed")
        if not isinstance(value, dict):
            raise refuse(f"{field} must be an object")
        for member, item in value.items():
            if member not in members:
                raise refuse(f"Field '{member}' is not allowed")
            kind = members[member]
            if kind is not None and (not isinstance(item, kind) or isinstance(item, bool)):
                raise refuse(f"{field}.{member} must be {_TYPE_NAMES[kind]}")


def _variables(params: Params) -> dict[str, Any]:
    text = params.get("variables")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise validation("Variables must be a JSON object") from None
    return value if isinstance(value, dict) else {}


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


def _map_stages(provider: "Provider", execution: Execution, state: Params, value: Any, frame: Frame,
                language: str) -> Params:
    """A Map state's ``inspectionData``: its input after ``InputPath`` and ``ItemsPath``
    (JSONPath), and the concurrency and tolerated failures it runs with, evaluated."""
    maps = provider.engine.maps
    stages: Params = {}
    data = value
    try:
        if language == "JSONPath":
            data = execution.input_path(state, value, frame)
            stages["afterInputPath"] = to_json(data)
            items = execution.read(state.get("ItemsPath", "$"), data, frame)
            stages["afterItemsPath"] = json.dumps(items, ensure_ascii=False)  # as AWS shows it: spaced
    except (QueryError, FailureError):
        pass
    for field, key, kind in (("MaxConcurrency", "maxConcurrency", int),
                             ("ToleratedFailurePercentage", "toleratedFailurePercentage", float),
                             ("ToleratedFailureCount", "toleratedFailureCount", int)):
        if field not in state and f"{field}Path" not in state and field != "MaxConcurrency":
            continue
        try:
            found = maps._value(execution, state, data, frame, field, language, 0)
            stages[key] = kind(found)
        except (QueryError, FailureError, TypeError, ValueError):
            continue
    return stages


def _stages(execution: Execution, state: Params, value: Any, frame: Frame, recorder: _Recorder) -> Params:
    """The data after each step of JSONPath processing, as ``inspectionData`` shows it."""
    stages: Params = {}
    kind = state["Type"]
    try:
        if kind == "Pass" and "Result" in state:
            result = state["Result"]
            stages["result"] = to_json(result)
        else:
            after_input = execution.input_path(state, value, frame)
            stages["afterInputPath"] = to_json(after_input)
            if kind not in ("Pass", "Task", "Map", "Parallel"):
                return stages
            after_params = execution.template(state["Parameters"], after_input, frame) if "Parameters" in state \
                else after_input
            stages["afterParameters"] = to_json(after_params)
            result = after_params
            if kind == "Task":
                result = recorder.result
                stages["result"] = to_json(result)
        selected = execution.template(state["ResultSelector"], result, frame) if "ResultSelector" in state else result
        stages["afterResultSelector"] = to_json(selected)
        path = state.get("ResultPath", "$")
        stages["afterResultPath"] = to_json(value if path is None else set_path(path, value, selected))
    except (QueryError, RuntimeFailure):
        pass
    return stages
