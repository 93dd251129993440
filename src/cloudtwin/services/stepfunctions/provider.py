"""AWS Step Functions: state machines (STANDARD and EXPRESS) with versions and aliases,
activities, executions run by the interpreter (interpreter.py, executions.py) on the
virtual clock, task tokens, map runs and ``TestState``.

The control plane of state machines lives in machines.py; this module holds the operation
handlers of executions, activities and tokens.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.stepfunctions import machines, teststate
from cloudtwin.services.stepfunctions.errors import does_not_exist, invalid_arn, validation
from cloudtwin.services.stepfunctions.executions import Engine
from cloudtwin.services.stepfunctions.history import to_json
from cloudtwin.services.stepfunctions.logs import ExecutionLogs
from cloudtwin.services.stepfunctions.models import StepFunctionsStore

Params = dict[str, Any]
MAX_INPUT = 262144
#: How long after it ended an execution can be redriven, and the history it must stay under.
REDRIVABLE_PERIOD = 14 * 86400
MAX_REDRIVE_HISTORY = 24999
#: RedriveExecution answers again the last 10 client tokens it took, for 15 minutes.
REDRIVE_TOKENS, REDRIVE_TOKEN_SECONDS = 10, 15 * 60
_INVALID_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str) -> None:
    if not name or len(name) > 80 or _INVALID_NAME.search(name):
        raise ServiceError("InvalidName", f"Invalid Name: '{name}'")


def page(items: list, params: Params, key: str) -> Params:
    token = params.get("nextToken")
    start = 0
    if token:
        try:
            start = int(token.split("-", 1)[0])
        except ValueError:
            raise ServiceError("InvalidToken", "Invalid Token: 'Invalid token'") from None
    limit = params.get("maxResults") or 100
    if limit > 1000:
        raise validation(f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                         "constraint: Member must have value less than or equal to 1000")
    out: Params = {key: items[start:start + limit]}
    if start + limit < len(items):
        out["nextToken"] = f"{start + limit}-{uuid.uuid4().hex}"
    return out


class Provider(machines.MachinesMixin, ServiceProvider):
    service_name = "stepfunctions"
    store_class = StepFunctionsStore

    def __init__(self, env) -> None:
        super().__init__(env)
        self.logs = ExecutionLogs(env)
        self.engine = Engine(env, self)
        #: Executions running when the server stopped, to resume once the event loop runs.
        self._pending_resume: list[tuple[Params, Params, StepFunctionsStore]] = []
        self._resume()

    def introspection(self) -> dict:
        return {("GET", "executions"): self._introspect_executions}

    def _introspect_executions(self, params: dict[str, Any]) -> Any:
        out = []
        for _, store in self.stores.items():
            for record in store.executions.values():
                if params.get("stateMachineArn") and record["stateMachineArn"] != params["stateMachineArn"]:
                    continue
                history = store.histories.get(record["executionArn"]) or []
                current = next((e["stateEnteredEventDetails"]["name"] for e in reversed(history)
                                if "stateEnteredEventDetails" in e), None)
                out.append({"executionArn": record["executionArn"], "stateMachineArn": record["stateMachineArn"],
                            "name": record["name"], "status": record["status"], "type": record.get("type"),
                            "currentState": current, "historyLength": len(history)})
        return {"executions": out}

    def reset(self, account_id: str | None = None) -> None:
        self._pending_resume = [p for p in self._pending_resume
                                if account_id is not None and p[0]["account"] != account_id]
        self.engine.reset()
        super().reset(account_id)

    async def close(self) -> None:
        for task in list(self.engine.running.values()):
            task.cancel()

    # -- helpers ---------------------------------------------------------------------------------

    def _store(self, ctx: RequestContext) -> StepFunctionsStore:
        return ctx.store  # type: ignore[return-value]

    def _arn(self, ctx: RequestContext, resource: str) -> str:
        return f"arn:{ctx.partition}:states:{ctx.region}:{ctx.account_id}:{resource}"

    def _save(self, record: Params) -> None:
        store = self.stores.get(record["account"], record["region"])
        if record.get("type") == "EXPRESS":
            return
        store.executions[record["executionArn"]] = record

    def save_map_run(self, run: Params) -> None:
        self.stores.get(run["account"], run["region"]).map_runs[run["mapRunArn"]] = run

    def find_execution(self, arn: str) -> Params:
        for _, store in self.stores.items():
            record = store.executions.get(arn)
            if record is not None:
                return record
        raise does_not_exist("Execution", arn)

    def _execution(self, ctx: RequestContext, arn: str) -> Params:
        parts = arn.split(":")
        if len(parts) < 8 or parts[2] != "states" or parts[5] not in ("execution", "express"):
            raise invalid_arn(arn)
        if parts[5] == "express":
            raise invalid_arn(arn, "Resource type not valid in this context: express")
        record = self._store(ctx).executions.get(arn)
        if record is None:
            raise does_not_exist("Execution", arn)
        return record

    def handler(self, operation: str):  # type: ignore[no-untyped-def]
        self._resume_now()  # the first request after a restart finds the executions running
        return super().handler(operation)

    def _resume(self) -> None:
        """After a restart: executions that were running go on from where they were (their
        checkpoints, progress.py), once the server's event loop runs: at the first request to
        Step Functions or the first tick of the clock, whichever comes first."""
        for _, store in self.stores.items():
            for record in list(store.executions.values()):
                if record.get("status") == "RUNNING":
                    try:
                        definition = json.loads(record["definition"])
                    except (KeyError, ValueError):
                        continue
                    self._pending_resume.append((record, definition, store))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._resume_now()

    def _resume_now(self) -> None:
        if not self._pending_resume:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        while self._pending_resume:
            record, definition, store = self._pending_resume.pop()
            self.engine.start(record, definition, store, self._save)

    # -- executions --------------------------------------------------------------------------------

    def _resolve_target(self, ctx: RequestContext, arn: str) -> tuple[Params, Params, Params]:
        """(the machine, the definition source — machine or version —, extra fields of the record)."""
        store = self._store(ctx)
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "states" or parts[5] != "stateMachine":
            raise invalid_arn(arn)
        extra: Params = {}
        if len(parts) == 7:
            machine = store.machines.get(arn)
            if machine is None:
                raise does_not_exist("State Machine", arn)
            return machine, machine, extra
        base = ":".join(parts[:7])
        machine = store.machines.get(base)
        if parts[7].isdigit():
            version = store.versions.get(arn)
            if version is None or machine is None:
                raise does_not_exist("State Machine", arn)
            extra["stateMachineVersionArn"] = arn
            return machine, version, extra
        alias = store.aliases.get(arn)
        if alias is None or machine is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
        pick = random.uniform(0, 100)
        total = 0.0
        routes = alias["routingConfiguration"]
        chosen = routes[-1]["stateMachineVersionArn"]
        for route in routes:
            total += route["weight"]
            if pick <= total:
                chosen = route["stateMachineVersionArn"]
                break
        extra.update(stateMachineAliasArn=arn, stateMachineVersionArn=chosen)
        return machine, store.versions[chosen], extra

    def _new_record(self, ctx: RequestContext, params: Params, express: bool) -> tuple[Params, Params]:
        machine, source, extra = self._resolve_target(ctx, params["stateMachineArn"])
        name = params.get("name") or str(uuid.uuid4())
        check_name(name)
        text = params.get("input")
        if text is None:
            text = "{}"
        if len(text.encode()) > MAX_INPUT:
            raise ServiceError("InvalidExecutionInput", "Input exceeds the maximum allowed size of 262144 bytes.")
        try:
            value = json.loads(text)
        except ValueError:
            raise ServiceError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{text}'") from None
        if machine["type"] == "EXPRESS":
            arn = self._arn(ctx, f"express:{machine['name']}:{name}:{uuid.uuid4()}")
        else:
            arn = self._arn(ctx, f"execution:{machine['name']}:{name}")
        now = self.env.clock.now()
        record: Params = {
            "executionArn": arn, "stateMachineArn": params["stateMachineArn"] if not extra else machine["stateMachineArn"],
            "stateMachineName": machine["name"], "name": name, "status": "RUNNING", "startDate": now,
            "input": text, "inputValue": value, "roleArn": source["roleArn"], "type": machine["type"],
            "account": ctx.account_id, "region": ctx.region, "redriveCount": 0,
            "definition": source["definition"], "loggingConfiguration": machine.get("loggingConfiguration"),
            "logStream": machine.get("logStream"),
            **extra,
        }  # fmt: skip
        if params.get("traceHeader"):
            record["traceHeader"] = params["traceHeader"]
        return record, json.loads(source["definition"])

    def start_execution(self, ctx: RequestContext, params: Params) -> Params:
        self._resume_now()
        record, definition = self._new_record(ctx, params, False)
        store = self._store(ctx)
        existing = store.executions.get(record["executionArn"])
        if existing is not None:
            if existing["status"] == "RUNNING" and existing["input"] == record["input"]:
                return {"executionArn": existing["executionArn"], "startDate": existing["startDate"]}
            raise ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{record['executionArn']}'")
        self.engine.start(record, definition, None if record["type"] == "EXPRESS" else store, self._save)
        return {"executionArn": record["executionArn"], "startDate": record["startDate"]}

    async def start_sync_execution(self, ctx: RequestContext, params: Params) -> Params:
        record, definition = self._new_record(ctx, params, True)
        if record["type"] != "EXPRESS":
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        self.engine.start(record, definition, None, self._save)
        await self.engine.wait(record["executionArn"])
        self.engine.done.pop(record["executionArn"], None)
        out = {k: record[k] for k in ("executionArn", "stateMachineArn", "name", "startDate", "stopDate", "status")}
        out["input"] = record["input"]
        out["inputDetails"] = {"included": True}
        if record["status"] == "SUCCEEDED":
            out["output"] = record["output"]
        out["outputDetails"] = {"included": True}
        for key in ("error", "cause", "traceHeader"):
            if record.get(key) is not None:
                out[key] = record[key]
        duration = max(100, int((record["stopDate"] - record["startDate"]) * 1000))
        out["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": duration}
        return out

    def describe(self, record: Params) -> Params:
        out: Params = {k: record[k] for k in ("executionArn", "stateMachineArn", "name", "status", "startDate")}
        if record.get("stopDate") is not None:
            out["stopDate"] = record["stopDate"]
        out["input"] = record["input"]
        out["inputDetails"] = {"included": True}
        if record.get("output") is not None:
            out["output"] = record["output"]
            out["outputDetails"] = {"included": True}
        for key in ("error", "cause", "traceHeader", "mapRunArn", "stateMachineVersionArn", "stateMachineAliasArn"):
            if record.get(key) is not None:
                out[key] = record[key]
        out["redriveCount"] = record.get("redriveCount", 0)
        if record.get("redriveDate"):
            out["redriveDate"] = record["redriveDate"]
        reason = self._not_redrivable(record)
        if reason is None:
            out["redriveStatus"] = "REDRIVABLE"
        else:
            out["redriveStatus"] = "NOT_REDRIVABLE"
            out["redriveStatusReason"] = reason
        return out

    def _not_redrivable(self, record: Params) -> str | None:
        """Why RedriveExecution would refuse the execution (AWS's reasons), or None."""
        status = record["status"]
        if status not in ("FAILED", "TIMED_OUT", "ABORTED") or record.get("type") == "EXPRESS":
            return f"Execution is {status} and cannot be redriven"
        if record.get("stopDate") is not None and self.env.clock.now() - record["stopDate"] > REDRIVABLE_PERIOD:
            return "Execution redrivable period exceeded"
        if len(self.stores.get(record["account"], record["region"]).histories.get(record["executionArn"]) or []) \
                >= MAX_REDRIVE_HISTORY:
            return "Execution history event limit exceeded"
        return None

    def describe_execution(self, ctx: RequestContext, params: Params) -> Params:
        self._resume_now()
        return self.describe(self._execution(ctx, params["executionArn"]))

    def describe_state_machine_for_execution(self, ctx: RequestContext, params: Params) -> Params:
        record = self._execution(ctx, params["executionArn"])
        store = self._store(ctx)
        machine = store.machines.get(record["stateMachineArn"])
        out: Params = {"stateMachineArn": record["stateMachineArn"], "name": record["stateMachineName"],
                       "definition": record["definition"], "roleArn": record["roleArn"],
                       "updateDate": (machine or {}).get("updateDate", (machine or {}).get("creationDate",
                                                                                         record["startDate"])),
                       "loggingConfiguration": (machine or {}).get("loggingConfiguration") or
                       {"level": "OFF", "includeExecutionData": False},
                       "tracingConfiguration": (machine or {}).get("tracingConfiguration") or {"enabled": False}}
        if record.get("stateMachineVersionArn"):
            version = store.versions.get(record["stateMachineVersionArn"])
            if version and version.get("revisionId"):
                out["revisionId"] = version["revisionId"]
        return out

    def list_executions(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        items = []
        if params.get("mapRunArn"):
            _check_map_run_arn(params["mapRunArn"])
            run = store.map_runs.get(params["mapRunArn"])
            if run is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{params['mapRunArn']}'")
            return page([], params, "executions")
        arn = params.get("stateMachineArn")
        if arn is None:
            raise validation("Must provide a StateMachine ARN or MapRun ARN")
        parts = arn.split(":")
        if len(parts) < 7 or parts[5] != "stateMachine":
            raise invalid_arn(arn)
        base = ":".join(parts[:7])
        machine = store.machines.get(base)
        if machine is None:
            raise does_not_exist("State Machine", arn)
        if machine["type"] == "EXPRESS":
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        status = params.get("statusFilter")
        for record in store.executions.values():
            if len(parts) == 7 and record["stateMachineArn"] != arn:
                continue
            if len(parts) > 7 and arn not in (record.get("stateMachineVersionArn"), record.get("stateMachineAliasArn")):
                continue
            if status and record["status"] != status:
                continue
            redrive = params.get("redriveFilter")
            if redrive == "REDRIVEN" and not record.get("redriveCount"):
                continue
            if redrive == "NOT_REDRIVEN" and record.get("redriveCount"):
                continue
            item = {k: record[k] for k in ("executionArn", "stateMachineArn", "name", "status", "startDate")}
            for key in ("stopDate", "stateMachineVersionArn", "stateMachineAliasArn", "redriveDate"):
                if record.get(key) is not None:
                    item[key] = record[key]
            item["redriveCount"] = record.get("redriveCount", 0)  # 0 too, as AWS lists them today
            items.append(item)
        items.sort(key=lambda e: e["startDate"], reverse=True)
        return page(items, params, "executions")

    def get_execution_history(self, ctx: RequestContext, params: Params) -> Params:
        self._resume_now()
        record = self._execution(ctx, params["executionArn"])
        events = list(self._store(ctx).histories.get(record["executionArn"]) or [])
        if params.get("reverseOrder"):
            events.reverse()
        if params.get("includeExecutionData") is False:
            events = [_without_data(e) for e in events]
        return page(events, params, "events")

    def stop_execution(self, ctx: RequestContext, params: Params) -> Params:
        record = self._execution(ctx, params["executionArn"])
        if record["status"] == "RUNNING":
            self.engine.stop(record, params.get("error"), params.get("cause"))
            record["stopDate"] = self.env.clock.now()
        return {"stopDate": record.get("stopDate") or self.env.clock.now()}

    def redrive_execution(self, ctx: RequestContext, params: Params) -> Params:
        if params["executionArn"].split(":")[5:6] == ["express"]:
            raise ServiceError("ExecutionNotRedrivable", "Execution of an EXPRESS state machine cannot be redriven")
        record = self._execution(ctx, params["executionArn"])
        now = self.env.clock.now()
        token = params.get("clientToken")
        for used, date in record.get("redriveTokens") or []:
            if token and used == token and now - date <= REDRIVE_TOKEN_SECONDS:
                return {"redriveDate": date}  # the same request again: the same answer
        reason = self._not_redrivable(record)
        if reason is not None:
            raise ServiceError("ExecutionNotRedrivable", reason)
        tokens = [pair for pair in record.get("redriveTokens") or [] if now - pair[1] <= REDRIVE_TOKEN_SECONDS]
        if token:
            tokens = (tokens + [[token, now]])[-REDRIVE_TOKENS:]
        record.update(status="RUNNING", redriveCount=record.get("redriveCount", 0) + 1, redriveDate=now,
                      redriveTokens=tokens)
        for key in ("stopDate", "error", "cause", "output"):
            record.pop(key, None)
        self.engine.start(record, json.loads(record["definition"]), self._store(ctx), self._save, redrive=True)
        return {"redriveDate": now}

    # -- map runs ----------------------------------------------------------------------------------

    def _map_run(self, ctx: RequestContext, arn: str) -> Params:
        _check_map_run_arn(arn)
        run = self._store(ctx).map_runs.get(arn)
        if run is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
        return run

    def describe_map_run(self, ctx: RequestContext, params: Params) -> Params:
        run = self._map_run(ctx, params["mapRunArn"])
        out = {k: v for k, v in run.items() if k not in ("account", "region")}
        counts = run["itemCounts"]
        keys = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten")
        out["itemCounts"] = {k: counts[k] for k in keys}
        out["executionCounts"] = {k: counts[k] for k in keys}
        return out

    def list_map_runs(self, ctx: RequestContext, params: Params) -> Params:
        self._execution(ctx, params["executionArn"])
        runs = [{"executionArn": r["executionArn"], "mapRunArn": r["mapRunArn"],
                 # a map run's child workflow, named as AWS lists it: <state machine ARN>/<map run label>
                 "stateMachineArn": r["mapRunArn"].replace(":mapRun:", ":stateMachine:").rsplit(":", 1)[0],
                 "startDate": r["startDate"], **({"stopDate": r["stopDate"]} if r.get("stopDate") else {})}
                for r in self._store(ctx).map_runs.values() if r["executionArn"] == params["executionArn"]]
        return page(runs, params, "mapRuns")

    def update_map_run(self, ctx: RequestContext, params: Params) -> Params:
        run = self._map_run(ctx, params["mapRunArn"])
        for key in ("maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount"):
            if key in params:
                run[key] = params[key]
        self.save_map_run(run)
        return {}

    # -- activities --------------------------------------------------------------------------------

    def create_activity(self, ctx: RequestContext, params: Params) -> Params:
        check_name(params["name"])
        store = self._store(ctx)
        arn = self._arn(ctx, f"activity:{params['name']}")
        existing = store.activities.get(arn)
        if existing is None:
            existing = {"activityArn": arn, "name": params["name"], "creationDate": self.env.clock.now(),
                        "encryptionConfiguration": params.get("encryptionConfiguration") or {"type": "AWS_OWNED_KEY"},
                        "tags": machines.tag_dict(params.get("tags"))}
            store.activities[arn] = existing
        return {"activityArn": arn, "creationDate": existing["creationDate"]}

    def _activity(self, ctx: RequestContext, arn: str) -> Params:
        parts = arn.split(":")
        if len(parts) != 7 or parts[2] != "states" or parts[5] != "activity":
            raise invalid_arn(arn)
        activity = self._store(ctx).activities.get(arn)
        if activity is None:
            raise does_not_exist("Activity", arn)
        return activity

    def describe_activity(self, ctx: RequestContext, params: Params) -> Params:
        activity = self._activity(ctx, params["activityArn"])
        return {k: activity[k] for k in ("activityArn", "name", "creationDate", "encryptionConfiguration")}

    def delete_activity(self, ctx: RequestContext, params: Params) -> Params:
        parts = params["activityArn"].split(":")
        if len(parts) != 7 or parts[5] != "activity":
            raise invalid_arn(params["activityArn"])
        self._store(ctx).activities.pop(params["activityArn"], None)
        return {}

    def list_activities(self, ctx: RequestContext, params: Params) -> Params:
        items = [{"activityArn": a["activityArn"], "name": a["name"], "creationDate": a["creationDate"]}
                 for a in self._store(ctx).activities.values()]
        return page(items, params, "activities")

    async def get_activity_task(self, ctx: RequestContext, params: Params) -> Params:
        self._activity(ctx, params["activityArn"])
        task = await self.engine.activities.poll(params["activityArn"], params.get("workerName"))
        if task is None:
            return {}
        return {"taskToken": task["token"], "input": to_json(task["input"])}

    # -- task tokens -------------------------------------------------------------------------------

    def _token(self, token: str) -> None:
        self._resume_now()
        if self.engine.tokens.get(token) is None:
            raise ServiceError("InvalidToken", f"Invalid Token: '{token}'")

    def send_task_success(self, ctx: RequestContext, params: Params) -> Params:
        self._token(params["taskToken"])
        try:
            output = json.loads(params["output"])
        except ValueError:
            raise ServiceError("InvalidOutput", f"Invalid Output: '{params['output']}'") from None
        self.engine.tokens.succeed(params["taskToken"], output)
        return {}

    def send_task_failure(self, ctx: RequestContext, params: Params) -> Params:
        self._token(params["taskToken"])
        self.engine.tokens.fail(params["taskToken"], params.get("error"), params.get("cause"))
        return {}

    def send_task_heartbeat(self, ctx: RequestContext, params: Params) -> Params:
        self._token(params["taskToken"])
        self.engine.tokens.beat(params["taskToken"])
        return {}

    # -- TestState ---------------------------------------------------------------------------------

    async def test_state(self, ctx: RequestContext, params: Params) -> Params:
        return await teststate.run(self, ctx, params)


def _check_map_run_arn(arn: str) -> None:
    """A Map Run ARN: arn:partition:states:region:account:mapRun:machine/label:id."""
    parts = arn.split(":")
    if len(parts) < 8 or parts[0] != "arn" or parts[2] != "states" or parts[5] != "mapRun":
        raise invalid_arn(arn)


def _without_data(event: Params) -> Params:
    out = dict(event)
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            out[key] = {k: v for k, v in value.items() if k not in ("input", "output", "inputDetails",
                                                                    "outputDetails", "parameters")}
    return out

