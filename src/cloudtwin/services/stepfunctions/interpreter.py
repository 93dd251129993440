"""The Amazon States Language interpreter: runs a definition against an input, writing the
history events AWS writes, with both query languages.

One :class:`Execution` runs one execution as a coroutine on the server's event loop. States
run one after the other; Parallel branches and Map iterations run as concurrent tasks.
Everything that waits (Wait states, retry intervals, timeouts, task tokens) waits on the
virtual clock through the engine (see executions.py), so a test that advances the clock
sees the execution move at once.

Input and output processing::

    JSONPath: input -> InputPath -> Parameters -> (task) -> ResultSelector -> ResultPath
              -> OutputPath -> output;  Assign reads the result
    JSONata:  input -> Arguments -> (task) -> Output (default $states.result) ; Assign
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.services.stepfunctions import choice, jsonata, retry
from cloudtwin.services.stepfunctions.errors import FailureError, QueryError, RuntimeFailure
from cloudtwin.services.stepfunctions.history import History, to_json
from cloudtwin.services.stepfunctions.intrinsics import evaluate as evaluate_intrinsic
from cloudtwin.services.stepfunctions.intrinsics import is_intrinsic
from cloudtwin.services.stepfunctions.paths import MISSING, get_path, set_path
from cloudtwin.services.stepfunctions.progress import Journal, branch_key

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.executions import Engine

__all__ = ["Execution", "Frame", "iso"]

_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$", re.DOTALL)
#: Payload size limit of a state's input or output.
MAX_PAYLOAD = 262144


def iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Stopped(Exception):
    """The execution was stopped (StopExecution) or timed out."""


class Frame:
    """A thread of work inside an execution: the variables it sees, the Map item it handles,
    the state it is in (for the context object)."""

    __slots__ = ("variables", "language", "map_item", "state", "task_token", "parent", "entered", "raw", "key",
                 "resume")

    def __init__(self, variables: dict[str, Any], language: str, map_item: dict | None = None,
                 parent: "Frame | None" = None, key: str = "") -> None:
        self.variables = variables
        self.language = language
        self.map_item = map_item
        self.state: dict[str, Any] = {}
        self.task_token: str | None = None
        self.parent = parent
        #: The id of the current state's ``...StateEntered`` event, and the state's input.
        self.entered = 0
        self.raw: Any = None
        #: The thread this frame runs (progress.py), and the checkpoint its current state
        #: resumes from after a restart (consumed by the step that was waiting).
        self.key = key
        self.resume: dict[str, Any] | None = None

    def child(self, map_item: dict | None = None, language: str | None = None, index: int = 0) -> "Frame":
        """A branch or iteration: sees a copy of the variables; what it assigns stays inside."""
        return Frame(dict(self.variables), language or self.language, map_item, self,
                     branch_key(self.key, self.entered, index))

    def resumed(self, phase: str) -> dict[str, Any] | None:
        """The checkpoint to resume from when the state was at ``phase`` (then forgotten)."""
        point = self.resume
        if point is None or point.get("phase") != phase:
            return None
        self.resume = None
        return point


class Execution:
    """One run of a definition."""

    def __init__(self, engine: "Engine", record: dict[str, Any], definition: dict[str, Any],
                 history: History, journal: Journal | None = None) -> None:
        self.engine = engine
        self.record = record
        self.definition = definition
        self.history = history
        self.language = definition.get("QueryLanguage") or "JSONPath"
        self.journal = journal or Journal(None, record["executionArn"])

    # -- context object ------------------------------------------------------------------------

    def context(self, frame: Frame) -> dict[str, Any]:
        record = self.record
        if record.get("context") is not None:
            return json.loads(record["context"])  # TestState: the context the caller gave
        ctx: dict[str, Any] = {
            "Execution": {
                "Id": record["executionArn"], "Input": record["inputValue"], "StartTime": iso(record["startDate"]),
                "Name": record["name"], "RoleArn": record["roleArn"], "RedriveCount": record.get("redriveCount", 0),
            },
            "StateMachine": {"Id": record["stateMachineArn"], "Name": record["stateMachineName"]},
            "State": dict(frame.state),
        }  # fmt: skip
        if record.get("testState") or record.get("type") == "EXPRESS":
            del ctx["Execution"]["RedriveCount"]  # TestState and EXPRESS executions are never redriven
        elif record.get("redriveCount"):
            ctx["Execution"]["RedriveTime"] = iso(record["redriveDate"])
        if frame.task_token is not None:
            ctx["Task"] = {"Token": frame.task_token}
        item = frame.map_item
        if item is not None:
            ctx["Map"] = {"Item": {"Index": item["Index"], "Value": item["Value"]}}
        return ctx

    # -- reading paths ---------------------------------------------------------------------------

    def read(self, path: str, data: Any, frame: Frame) -> Any:
        """A ``$``, ``$$`` or ``$variable`` path (raises QueryError when nothing is there)."""
        if path.startswith("$$"):
            return get_path(path, None, self.context(frame))
        m = _VARIABLE.match(path)
        if m:
            name, rest = m.groups()
            if name not in frame.variables:
                raise QueryError(f"The variable '{name}' is not defined")
            return get_path("$" + rest, frame.variables[name])
        return get_path(path, data)

    def dynamic(self, value: Any, data: Any, frame: Frame, field: str) -> Any:
        """The value of a ``"field.$"`` entry: a path, a variable or an intrinsic function."""
        if not isinstance(value, str):
            raise QueryError(f"The value for the field '{field}' must be a STRING")
        if is_intrinsic(value):
            return evaluate_intrinsic(value, lambda p: self._intrinsic_arg(p, data, frame, field))
        try:
            found = self.read(value, data, frame)
        except QueryError:
            raise QueryError(f"The JSONPath '{value}' specified for the field '{field}' could not be found "
                             f"in the input '{to_json(data)}'") from None
        if isinstance(found, list) and id(found) in self.history.originals:
            found = list(found)  # taken by a path, the value no longer keeps the text it came as
        return found

    def _intrinsic_arg(self, path: str, data: Any, frame: Frame, field: str) -> Any:
        try:
            return self.read(path, data, frame)
        except QueryError:
            raise QueryError(f"The JSONPath '{path}' specified for the field '{field}' could not be found "
                             f"in the input '{to_json(data)}'") from None

    def template(self, value: Any, data: Any, frame: Frame) -> Any:
        """A JSONPath payload template (``Parameters``, ``ResultSelector``, ``ItemSelector``)."""
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key.endswith(".$"):
                    out[key[:-2]] = self.dynamic(item, data, frame, key)
                else:
                    out[key] = self.template(item, data, frame)
            return out
        if isinstance(value, list):
            return [self.template(item, data, frame) for item in value]
        return value

    def input_path(self, state: dict[str, Any], data: Any, frame: Frame, field: str = "InputPath") -> Any:
        if field not in state:
            return data
        path = state[field]
        if path is None:
            return {}
        try:
            return self.read(path, data, frame)
        except QueryError as error:
            raise QueryError(f"Invalid path '{path}' : {error}") from None

    # -- JSONata ---------------------------------------------------------------------------------

    def bindings(self, frame: Frame, states: dict[str, Any]) -> dict[str, Any]:
        states = dict(states)
        states["context"] = self.context(frame)
        return {**frame.variables, "states": states}

    def jsonata(self, value: Any, bindings: dict[str, Any], field: str) -> Any:
        """Evaluate ``{% %}`` expressions anywhere inside ``value``."""
        if isinstance(value, str) and jsonata.is_expression(value):
            text = jsonata.expression_text(value)
            try:
                result = jsonata.evaluate(text, bindings)
            except QueryError as error:
                if str(error) == "unsupported":
                    raise FailureError("States.QueryEvaluationError", f"The JSONata expression '{text}' specified "
                                       f"for the field '{field}' returned an unsupported result type.",
                                       location=field) from None
                raise FailureError("States.QueryEvaluationError", str(error), location=field) from None
            if result is jsonata.UNDEFINED:
                raise FailureError("States.QueryEvaluationError", f"The JSONata expression '{text}' specified for "
                                   f"the field '{field}' returned nothing (undefined).", location=field)
            return result
        if isinstance(value, dict):
            return {k: self.jsonata(v, bindings, f"{field}/{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.jsonata(v, bindings, field) for v in value]
        return value

    # -- running ---------------------------------------------------------------------------------

    async def run(self) -> Any:
        frame = Frame({}, self.language)
        return await self.run_states(self.definition, self.record["inputValue"], frame)

    async def run_states(self, machine: dict[str, Any], data: Any, frame: Frame) -> Any:
        """Run a thread from its start, or (after a restart) from where its checkpoint is."""
        states = machine["States"]
        name = machine["StartAt"]
        point = self.journal.at(frame.key)
        if point is not None:
            if "done" in point:
                return point["done"]
            name, data = point["state"], point["input"]
            frame.variables = dict(point.get("variables") or {})
        while True:
            data, name = await self.run_state(name, states[name], data, frame, point)
            point = None
            if name is None:
                return data

    async def run_state(self, name: str, state: dict[str, Any], data: Any, frame: Frame,
                        point: dict[str, Any] | None = None) -> tuple[Any, str | None]:
        """Run one state (``point``: the checkpoint it resumes from, written before a restart)."""
        kind = state["Type"]
        language = state.get("QueryLanguage") or frame.language
        redriven = point if point is not None and point.get("phase") == "redrive" else None
        if redriven is not None:
            point = None  # entered again, as a new state
        if point is None:
            entered = self.history.add(f"{kind}StateEntered", {"name": name, **self.history.payload(data, "input")})
            frame.state = {"Name": name, "EnteredTime": iso(self.engine.now())}
            if kind in ("Task", "Parallel", "Map"):
                frame.state["RetryCount"] = 0
            retriers = [0] * len(state.get("Retry") or [])
        else:
            entered = point["entered"]
            frame.state = dict(point["context"])
            retriers = list(point["retriers"])
        frame.entered = entered
        frame.raw = data
        journal = self.journal
        if redriven is not None:
            journal.rekey(frame.key, redriven["entered"], entered)
        prefix = f"An error occurred while executing the state '{name}' (entered at the event id #{entered}). "
        resource = str(state.get("Resource"))
        waits_for_token = kind == "Task" and (".waitForTaskToken" in resource or ".sync" in resource)
        if point is not None and point.get("phase") == "retry":
            await self.engine.sleep_until(point["due"])
            point = None
        while True:
            if point is not None and point.get("token"):
                frame.task_token = point["token"]
            else:
                frame.task_token = self.engine.tokens.new() if waits_for_token else None
            frame.resume = point
            if point is None and journal.kept:
                journal.mark(frame.key, {
                    "state": name, "input": data, "entered": entered, "context": dict(frame.state),
                    "variables": dict(frame.variables), "retriers": list(retriers), "phase": "run",
                    **({"token": frame.task_token} if frame.task_token else {}),
                    **({"redriveMapRun": redriven["mapRunArn"]} if redriven and redriven.get("mapRunArn") else {})})
            point = None
            try:
                try:
                    if language == "JSONata":
                        output, next_name, assigned = await self._jsonata_state(name, state, data, frame, prefix)
                    else:
                        output, next_name, assigned = await self._jsonpath_state(name, state, data, frame)
                except QueryError as error:
                    raise RuntimeFailure(prefix + str(error)) from None
                break
            except FailureError as failure:
                frame.resume = None
                if failure.cause is not None and failure.error == "States.QueryEvaluationError" \
                        and not failure.cause.startswith("An error occurred"):
                    failure.cause = prefix + failure.cause
                if kind in ("Fail", "Succeed", "Pass", "Wait", "Choice"):
                    self.evaluation_failed(name, failure, entered)
                    raise
                index = retry.find(state.get("Retry"), failure.error)
                if index is not None:
                    retrier = state["Retry"][index]
                    if retriers[index] < retrier.get("MaxAttempts", 3):
                        seconds = retry.delay(retrier, retriers[index])
                        retriers[index] += 1
                        frame.state["RetryCount"] = frame.state.get("RetryCount", 0) + 1
                        due = self.engine.now() + max(0.0, float(seconds))
                        if kind in ("Parallel", "Map"):
                            journal.drop_under(frame.key, entered)  # tried again: all its branches
                        journal.update(frame.key, phase="retry", due=due, retriers=list(retriers),
                                       context=dict(frame.state), token=None, outcome=None, timeoutDue=None,
                                       child=None, worker=None, mapRunArn=None)
                        await self.engine.sleep_until(due)
                        continue
                if kind in ("Parallel", "Map") and failure.error != "States.Runtime" \
                        and not getattr(failure, "state_failed", False):
                    self.history.add(f"{kind}StateFailed")
                index = retry.find(state.get("Catch"), failure.error)
                if index is None:
                    self.evaluation_failed(name, failure, entered)
                    raise
                catcher = state["Catch"][index]
                if kind in ("Parallel", "Map"):
                    journal.drop_under(frame.key, entered)
                output, assigned = self._caught(catcher, data, failure, frame, language, prefix)
                next_name = catcher["Next"]
                break
        frame.resume = None
        details: dict[str, Any] = {"name": name, **self.history.payload(output, "output")}
        if assigned is not None:
            details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
            frame.variables.update(assigned)
        if kind != "Fail":
            self.history.add(f"{kind}StateExited", details)
        return output, next_name

    def evaluation_failed(self, name: str, failure: FailureError, entered: int) -> None:
        """AWS writes ``EvaluationFailed`` before the failure of a JSONata expression ends the
        execution (naming the state as previous event the one before its entry)."""
        if failure.error != "States.QueryEvaluationError" or getattr(failure, "reported", False):
            return
        failure.reported = True  # type: ignore[attr-defined]
        details = {"error": failure.error, "state": name}
        if failure.cause is not None:
            details["cause"] = failure.cause
        if failure.location:
            details["location"] = failure.location
        before = self.history.events[entered - 1]["previousEventId"] if entered <= len(self.history.events) else 0
        self.history.add("EvaluationFailed", details, previous=before)

    def _caught(self, catcher: dict[str, Any], data: Any, failure: FailureError, frame: Frame,
                language: str, prefix: str) -> tuple[Any, dict | None]:
        error_output = failure.output()
        try:
            if language == "JSONata":
                bindings = self.bindings(frame, {"input": data, "errorOutput": error_output})
                assigned = self.jsonata(catcher["Assign"], bindings, "Assign") if "Assign" in catcher else None
                output = self.jsonata(catcher["Output"], bindings, "Output") if "Output" in catcher else error_output
                return output, assigned
            assigned = None
            if "Assign" in catcher:
                assigned = self._assign_jsonpath(catcher["Assign"], error_output, frame)
            path = catcher.get("ResultPath", "$")
            output = data if path is None else set_path(path, data, error_output)
            return output, assigned
        except QueryError as error:
            raise RuntimeFailure(prefix + str(error)) from None

    def _assign_jsonpath(self, assign: dict[str, Any], data: Any, frame: Frame) -> dict[str, Any]:
        return self.template(assign, data, frame)

    # -- JSONPath states -------------------------------------------------------------------------

    async def _jsonpath_state(self, name: str, state: dict[str, Any], raw: Any,
                              frame: Frame) -> tuple[Any, str | None, dict | None]:
        kind = state["Type"]
        if kind == "Fail":
            error = state.get("Error")
            cause = state.get("Cause")
            if "ErrorPath" in state:
                error = self._fail_field(state["ErrorPath"], raw, frame, "ErrorPath")
            if "CausePath" in state:
                cause = self._fail_field(state["CausePath"], raw, frame, "CausePath")
            raise FailureError(error, cause)
        data = self.input_path(state, raw, frame)
        assigned = None
        if kind == "Choice":
            next_name = None
            for rule in state.get("Choices") or []:
                if choice.evaluate(rule, lambda p: self.read(p, data, frame), lambda p: self._has(p, data, frame)):
                    next_name = rule["Next"]
                    if "Assign" in rule:
                        assigned = self._assign_jsonpath(rule["Assign"], data, frame)
                    break
            if next_name is None:
                next_name = state.get("Default")
                if next_name is None:
                    raise FailureError("States.NoChoiceMatched", "No Matches!")
                if "Assign" in state:
                    assigned = self._assign_jsonpath(state["Assign"], data, frame)
            return self._output_path(state, data, frame), next_name, assigned
        if kind == "Wait":
            await self._wait_jsonpath(state, data, frame)
            if "Assign" in state:
                assigned = self._assign_jsonpath(state["Assign"], data, frame)
            return self._output_path(state, data, frame), state.get("Next"), assigned
        if kind == "Succeed":
            return self._output_path(state, data, frame), None, None
        if "Parameters" in state and kind != "Map":
            data = self.template(state["Parameters"], data, frame)
        if kind == "Pass":
            result = state["Result"] if "Result" in state else data
        elif kind == "Task":
            result = await self.engine.integrations.run(self, name, state, data, frame, "JSONPath")
        elif kind == "Parallel":
            result = await self._parallel(state, data, frame)
        elif kind == "Map":
            result = await self.engine.maps.run(self, name, state, data, raw, frame, "JSONPath")
        else:
            raise QueryError(f"Unsupported state type {kind}")
        if "ResultSelector" in state:
            result = self.template(state["ResultSelector"], result, frame)
        if "Assign" in state:
            assigned = self._assign_jsonpath(state["Assign"], result, frame)
        path = state.get("ResultPath", "$")
        output = raw if path is None else set_path(path, raw, result)
        return self._output_path(state, output, frame), None if state.get("End") else state.get("Next"), assigned

    def _has(self, path: str, data: Any, frame: Frame) -> bool:
        try:
            value = self.read(path, data, frame)
        except QueryError:
            return False
        return value is not MISSING

    def _fail_field(self, path: str, data: Any, frame: Frame, field: str) -> Any:
        if is_intrinsic(path):
            return evaluate_intrinsic(path, lambda p: self._intrinsic_arg(p, data, frame, field))
        try:
            return self.read(path, data, frame)
        except QueryError:
            raise QueryError(f"The JSONPath '{path}' specified for the field '{field}' could not be found "
                             f"in the input '{to_json(data)}'") from None

    def _output_path(self, state: dict[str, Any], data: Any, frame: Frame) -> Any:
        return self.input_path(state, data, frame, "OutputPath")

    async def _wait_jsonpath(self, state: dict[str, Any], data: Any, frame: Frame) -> None:
        if "Seconds" in state:
            await self.pause(frame, self.engine.now() + state["Seconds"])
        elif "SecondsPath" in state:
            try:
                seconds = self.read(state["SecondsPath"], data, frame)
            except QueryError:
                raise QueryError("The SecondsPath parameter does not reference an input value: "
                                 f"{state['SecondsPath']}") from None
            path = state["SecondsPath"]
            if isinstance(seconds, float) and seconds.is_integer():
                seconds = int(seconds)
            if not isinstance(seconds, int) or isinstance(seconds, bool):
                raise QueryError(f"The SecondsPath parameter cannot be parsed as a long value: {path} == "
                                 f"{to_json(seconds) if not isinstance(seconds, str) else seconds}")
            if seconds < 0:
                raise QueryError(f"The SecondsPath parameter references a negative value: {path} == {seconds}")
            await self.pause(frame, self.engine.now() + seconds)
        elif "Timestamp" in state:
            moment = choice.parse_timestamp(state["Timestamp"])
            if moment is None:
                raise QueryError("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                 f"format string: {state['Timestamp']}")
            await self.pause(frame, moment.timestamp())
        elif "TimestampPath" in state:
            path = state["TimestampPath"]
            try:
                value = self.read(path, data, frame)
            except QueryError:
                raise QueryError(f"The TimestampPath parameter does not reference an input value: {path}") from None
            moment = choice.parse_timestamp(value)
            if moment is None:
                raise QueryError("The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                                 f"date-time format string: {path} == {value}")
            await self.pause(frame, moment.timestamp())

    async def pause(self, frame: Frame, due: float) -> None:
        """A Wait state until ``due`` on the virtual clock (resumed: until the deadline it had)."""
        point = frame.resumed("wait")
        if point is not None:
            due = point["due"]
        else:
            self.journal.update(frame.key, phase="wait", due=due)
        await self.engine.sleep_until(due)

    async def _parallel(self, state: dict[str, Any], data: Any, frame: Frame) -> list[Any]:
        journal = self.journal
        if frame.resumed("branches") is None:
            self.history.add("ParallelStateStarted")
            journal.update(frame.key, phase="branches")

        async def branch(index: int, machine: dict[str, Any]) -> Any:
            child = frame.child(index=index)
            result = await self.run_states(machine, data, child)
            journal.done(child.key, result)
            return result

        tasks = [asyncio.ensure_future(branch(i, machine)) for i, machine in enumerate(state["Branches"])]
        try:
            results = await asyncio.gather(*tasks)
        except FailureError:
            for task in tasks:
                task.cancel()
            raise  # ParallelStateFailed is written once no retrier takes the failure (run_state)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        journal.drop_under(frame.key, frame.entered)
        self.history.add("ParallelStateSucceeded", advance=False)
        return list(results)

    # -- JSONata states --------------------------------------------------------------------------

    async def _jsonata_state(self, name: str, state: dict[str, Any], raw: Any, frame: Frame,
                             prefix: str) -> tuple[Any, str | None, dict | None]:
        kind = state["Type"]
        bindings = self.bindings(frame, {"input": raw})
        if kind == "Fail":
            error = self.jsonata(state.get("Error"), bindings, "Error")
            cause = self.jsonata(state.get("Cause"), bindings, "Cause")
            raise FailureError(error, cause)
        if kind == "Succeed":
            output = self.jsonata(state["Output"], bindings, "Output") if "Output" in state else raw
            return output, None, None
        if kind == "Choice":
            for rule in state.get("Choices") or []:
                condition = self.jsonata(rule.get("Condition"), bindings, "Condition")
                if not isinstance(condition, bool):
                    raise FailureError("States.QueryEvaluationError", prefix + (
                        f"The JSONata expression '{jsonata.expression_text(rule.get('Condition'))}' specified for "
                        f"the field 'Condition' returned an unexpected result type. Expected 'boolean', but was "
                        f"'{_type_name(condition)}' for value: {to_json(condition)}"))
                if condition:
                    return self._jsonata_finish(rule, raw, bindings, rule["Next"], raw)
            if "Default" not in state:
                raise FailureError("States.NoChoiceMatched", "No Matches!")
            return self._jsonata_finish(state, raw, bindings, state["Default"], raw)
        if kind == "Wait":
            if "Seconds" in state:
                seconds = self.jsonata(state["Seconds"], bindings, "Seconds")
                if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                    raise FailureError("States.QueryEvaluationError", prefix + (
                        f"The JSONata expression '{state['Seconds']}' specified for the field 'Seconds' returned "
                        "an unexpected result type."))
                await self.pause(frame, self.engine.now() + seconds)
            elif "Timestamp" in state:
                value = self.jsonata(state["Timestamp"], bindings, "Timestamp")
                moment = choice.parse_timestamp(value)
                if moment is None:
                    raise QueryError("The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                                     f"date-time format string: {value}")
                await self.pause(frame, moment.timestamp())
            return self._jsonata_finish(state, raw, bindings, state.get("Next"), raw)
        if kind == "Pass":
            return self._jsonata_finish(state, raw, bindings, None if state.get("End") else state.get("Next"), raw)
        if kind == "Task":
            args = self.jsonata(state["Arguments"], bindings, "Arguments") if "Arguments" in state else raw
            result = await self.engine.integrations.run(self, name, state, args, frame, "JSONata")
        elif kind == "Parallel":
            args = self.jsonata(state["Arguments"], bindings, "Arguments") if "Arguments" in state else raw
            result = await self._parallel(state, args, frame)
        elif kind == "Map":
            result = await self.engine.maps.run(self, name, state, raw, raw, frame, "JSONata")
        else:
            raise QueryError(f"Unsupported state type {kind}")
        bindings = self.bindings(frame, {"input": raw, "result": result})
        return self._jsonata_finish(state, result, bindings, None if state.get("End") else state.get("Next"), raw)

    def _jsonata_finish(self, state: dict[str, Any], default: Any, bindings: dict[str, Any],
                        next_name: str | None, raw: Any) -> tuple[Any, str | None, dict | None]:
        assigned = self.jsonata(state["Assign"], bindings, "Assign") if "Assign" in state else None
        output = self.jsonata(state["Output"], bindings, "Output") if "Output" in state else default
        return output, next_name, assigned


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _detached(self: Execution) -> Execution:
    """An execution sharing this one's record and engine whose events go nowhere (the child
    workflows of a distributed Map run)."""
    return Execution(self.engine, self.record, self.definition, History([], self.engine.now), self.journal)


Execution.detached = _detached  # type: ignore[attr-defined]
