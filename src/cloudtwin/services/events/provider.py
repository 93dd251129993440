"""Amazon EventBridge: event buses (default and custom, resource policies, tags), rules with
event patterns (the shared :mod:`cloudtwin.events.patterns`) or ``rate()``/``cron()``
schedules fired by the virtual clock, targets (delivery.py: input transformation, retries,
dead-letter queues), ``PutEvents`` with AWS's per-entry checks and size rule,
``TestEventPattern``, archives and replays (archives.py), connections and API destinations
(connections.py).

A scheduled rule fires when the clock passes its due time, never before. After a jump of
the clock over several periods it fires once for each missed period, up to
``MAX_CATCH_UP`` times per rule and processor run (AWS never misses a period in real time;
a virtual-clock jump stands for time that passed), then resumes at the next period after
now.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from cloudtwin.events.patterns import PatternError, compile_pattern
from cloudtwin.events.schedule import ScheduleError, parse_schedule
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.events import transform
from cloudtwin.services.events.archives import ArchivesMixin
from cloudtwin.services.events.connections import ConnectionsMixin
from cloudtwin.services.events.delivery import Dispatcher, iso_seconds
from cloudtwin.services.events.models import EventsStore
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]

MAX_ENTRY_BYTES = 256 * 1024
MAX_CATCH_UP = 1440
MAX_TARGETS = 5
DEFAULT_BUS = "default"


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def entry_size(entry: Params) -> int:
    """An entry's size as AWS counts it: 14 bytes for a Time, plus the UTF-8 bytes of
    Source, DetailType, Detail and each Resources entry."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        if entry.get(key):
            size += len(str(entry[key]).encode())
    for resource in entry.get("Resources") or []:
        size += len(str(resource).encode())
    return size


class Provider(ArchivesMixin, ConnectionsMixin, ServiceProvider):
    service_name = "events"
    store_class = EventsStore

    def __init__(self, env) -> None:
        super().__init__(env)
        self.dispatcher = Dispatcher(env, self._find_bus, self._find_destination)
        env.processors.register("events-schedules", self._fire_schedules)
        env.processors.register("events-archives", self._expire_archives)

    def introspection(self) -> dict:
        return {("GET", "deliveries"): self._introspect_deliveries}

    def _introspect_deliveries(self, params: dict[str, Any]) -> Any:
        records = list(self.dispatcher.records)
        if params.get("bus"):
            records = [r for r in records if r["bus"].endswith("/" + params["bus"]) or r["bus"] == params["bus"]]
        if params.get("rule"):
            records = [r for r in records if any(a.endswith("/" + params["rule"]) or a == params["rule"] for a in r["rules"])]
        return {"deliveries": records}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.dispatcher.reset()

    # -- helpers ----------------------------------------------------------------------------------

    def _store(self, ctx: RequestContext) -> EventsStore:
        store: EventsStore = ctx.store  # type: ignore[assignment]
        self._ensure_default(store, ctx.partition)
        return store

    def _find_bus(self, account: str, region: str, name: str) -> tuple[EventsStore, Params] | None:
        store = self.stores.get(account, region)
        self._ensure_default(store)
        bus = store.buses.get(name)
        return None if bus is None else (store, bus)

    def _find_destination(self, account: str, region: str, name: str) -> tuple[Params, Params] | None:
        store = self.stores.get(account, region)
        destination = store.destinations.get(name)
        if destination is None:
            return None
        connection_name = destination["ConnectionArn"].split(":connection/", 1)[-1].split("/", 1)[0]
        connection = store.connections.get(connection_name)
        return None if connection is None else (destination, connection)

    def _ensure_default(self, store: EventsStore, partition: str = "aws") -> None:
        if DEFAULT_BUS not in store.buses:
            now = self.env.clock.now()
            store.buses[DEFAULT_BUS] = {
                "Name": DEFAULT_BUS,
                "Arn": f"arn:{partition}:events:{store.region}:{store.account_id}:event-bus/default",
                "CreationTime": now, "LastModifiedTime": now, "Tags": {},
            }  # fmt: skip

    def _arn(self, ctx: RequestContext, resource: str) -> str:
        return f"arn:{ctx.partition}:events:{ctx.region}:{ctx.account_id}:{resource}"

    @staticmethod
    def _bus_name(value: str | None) -> str:
        if not value:
            return DEFAULT_BUS
        if value.startswith("arn:"):
            return value.split(":event-bus/", 1)[-1]
        return value

    def _bus(self, store: EventsStore, name: str | None) -> Params:
        bus_name = self._bus_name(name)
        bus = store.buses.get(bus_name)
        if bus is None:
            raise not_found(f"Event bus {bus_name} does not exist.")
        return bus

    def _rule(self, store: EventsStore, params: Params) -> Params:
        bus = self._bus(store, params.get("EventBusName"))
        rule = store.rules.get((bus["Name"], params["Name"] if "Name" in params else params["Rule"]))
        if rule is None:
            name = params.get("Name") or params.get("Rule")
            raise not_found(f"Rule {name} does not exist on EventBus {bus['Name']}.")
        return rule

    @staticmethod
    def _page(items: list, params: Params, limit_key: str = "Limit") -> tuple[list, Params]:
        """One page of ``items``; the token is opaque, as AWS's are."""
        start = 0
        token = params.get("NextToken")
        if token:
            try:
                start = int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                raise validation("The nextToken provided is invalid.") from None
        limit = params.get(limit_key) or 100
        page = items[start:start + limit]
        extra: Params = {}
        if start + limit < len(items):
            extra["NextToken"] = base64.urlsafe_b64encode(f"{uuid.uuid4().hex}:{start + limit}".encode()).decode()
        return page, extra

    # -- event buses ------------------------------------------------------------------------------

    def create_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name in store.buses:
            raise ServiceError("ResourceAlreadyExistsException", f"Event bus {name} already exists.")
        if name == DEFAULT_BUS or "/" in name:
            raise validation("Event bus name must not contain '/'." if "/" in name else f"Event bus {name} already exists.")
        now = self.env.clock.now()
        bus = {"Name": name, "Arn": self._arn(ctx, f"event-bus/{name}"), "CreationTime": now,
               "LastModifiedTime": now, "Tags": {t["Key"]: t["Value"] for t in params.get("Tags") or []}}
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig", "EventSourceName"):
            if params.get(key):
                bus[key] = params[key]
        store.buses[name] = bus
        out = {"EventBusArn": bus["Arn"]}
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig"):
            if key in bus:
                out[key] = bus[key]
        return out

    def _describe_bus(self, bus: Params) -> Params:
        out = {k: bus[k] for k in ("Name", "Arn", "Description", "KmsKeyIdentifier", "DeadLetterConfig",
                                   "LogConfig", "CreationTime", "LastModifiedTime") if k in bus}
        if bus.get("Policy"):
            out["Policy"] = json.dumps(bus["Policy"])
        return out

    def describe_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        return self._describe_bus(self._bus(self._store(ctx), params.get("Name")))

    def update_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("Name"))
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig"):
            if key in params:
                bus[key] = params[key]
        bus["LastModifiedTime"] = self.env.clock.now()
        store.buses[bus["Name"]] = bus
        out = {"Arn": bus["Arn"], "Name": bus["Name"]}
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig", "LogConfig"):
            if key in bus:
                out[key] = bus[key]
        return out

    def delete_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name == DEFAULT_BUS:
            raise validation("Cannot delete event bus default.")
        if name in store.buses:
            for key in [k for k in store.rules if k[0] == name]:
                del store.rules[key]
            del store.buses[name]
        return {}

    def list_event_buses(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        buses = [b for _, b in sorted(store.buses.items()) if b["Name"].startswith(params.get("NamePrefix") or "")]
        page, extra = self._page(buses, params)
        listed = []
        for bus in page:
            item = {k: bus[k] for k in ("Name", "Arn", "Description", "CreationTime", "LastModifiedTime") if k in bus}
            if bus.get("Policy"):
                item["Policy"] = json.dumps(bus["Policy"])
            listed.append(item)
        return {"EventBuses": listed, **extra}

    def put_permission(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        if params.get("Policy"):
            try:
                policy = json.loads(params["Policy"])
            except ValueError:
                raise ServiceError("MalformedPolicyDocumentException", "Policy is not valid JSON.") from None
            bus["Policy"] = policy
        else:
            for key in ("Action", "Principal", "StatementId"):
                if not params.get(key):
                    raise validation(f"Parameter {key} must be specified.")
            statement: Params = {
                "Sid": params["StatementId"], "Effect": "Allow",
                "Principal": "*" if params["Principal"] == "*" else {"AWS": f"arn:{ctx.partition}:iam::{params['Principal']}:root"},
                "Action": params["Action"], "Resource": bus["Arn"],
            }  # fmt: skip
            if params.get("Condition"):
                condition = params["Condition"]
                statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
            policy = bus.get("Policy") or {"Version": "2012-10-17", "Statement": []}
            policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != params["StatementId"]] + [statement]
            bus["Policy"] = policy
        store.buses[bus["Name"]] = bus
        return {}

    def remove_permission(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        policy = bus.get("Policy")
        if params.get("RemoveAllPermissions"):
            bus.pop("Policy", None)
        else:
            statements = (policy or {}).get("Statement") or []
            kept = [s for s in statements if s.get("Sid") != params.get("StatementId")]
            if not policy or len(kept) == len(statements):
                raise not_found("Statement with the provided id does not exist.")
            if kept:
                policy["Statement"] = kept
            else:
                bus.pop("Policy", None)
        store.buses[bus["Name"]] = bus
        return {}

    # -- rules ------------------------------------------------------------------------------------

    def put_rule(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        pattern, schedule = params.get("EventPattern"), params.get("ScheduleExpression")
        if not pattern and not schedule:
            raise validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        if schedule:
            if bus["Name"] != DEFAULT_BUS:
                raise validation("ScheduleExpression is supported only on the default event bus.")
            try:
                parsed = parse_schedule(schedule)
            except ScheduleError:
                raise validation("Parameter ScheduleExpression is not valid.") from None
        if pattern:
            check_pattern(pattern)
        key = (bus["Name"], params["Name"])
        rule = store.rules.get(key) or {"Targets": [], "Tags": {}, "CreatedBy": ctx.account_id}
        now = self.env.clock.now()
        resource = f"rule/{params['Name']}" if bus["Name"] == DEFAULT_BUS else f"rule/{bus['Name']}/{params['Name']}"
        rule.update(Name=params["Name"], Arn=self._arn(ctx, resource), EventBusName=bus["Name"],
                    State=params.get("State") or "ENABLED")
        for key_name in ("EventPattern", "ScheduleExpression", "Description", "RoleArn"):
            if params.get(key_name) is not None:
                rule[key_name] = params[key_name]
            else:
                rule.pop(key_name, None)
        if schedule:
            if rule.get("Expression") != schedule:
                rule["Anchor"] = now
                rule["Expression"] = schedule
                rule["NextFire"] = parsed.next_after(now, anchor=now)
        else:
            for stale in ("Anchor", "Expression", "NextFire"):
                rule.pop(stale, None)
        for tag in params.get("Tags") or []:
            rule["Tags"][tag["Key"]] = tag["Value"]
        store.rules[key] = rule
        return {"RuleArn": rule["Arn"]}

    def _describe_rule(self, rule: Params) -> Params:
        return {k: rule[k] for k in ("Name", "Arn", "EventPattern", "ScheduleExpression", "State", "Description",
                                     "RoleArn", "ManagedBy", "EventBusName") if k in rule}

    def describe_rule(self, ctx: RequestContext, params: Params) -> Params:
        rule = self._rule(self._store(ctx), params)
        out = self._describe_rule(rule)
        out["CreatedBy"] = rule.get("CreatedBy", ctx.account_id)
        return out

    def delete_rule(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        rule = store.rules.get((bus["Name"], params["Name"]))
        if rule is None:
            return {}
        if rule.get("Targets"):
            raise validation("Rule can't be deleted since it has targets.")
        del store.rules[(bus["Name"], params["Name"])]
        return {}

    def _set_state(self, ctx: RequestContext, params: Params, state: str) -> Params:
        store = self._store(ctx)
        rule = self._rule(store, params)
        rule["State"] = state
        store.rules[(rule["EventBusName"], rule["Name"])] = rule
        return {}

    def enable_rule(self, ctx: RequestContext, params: Params) -> Params:
        return self._set_state(ctx, params, "ENABLED")

    def disable_rule(self, ctx: RequestContext, params: Params) -> Params:
        return self._set_state(ctx, params, "DISABLED")

    def list_rules(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        rules = [r for r in store.bus_rules(bus["Name"]) if r["Name"].startswith(params.get("NamePrefix") or "")]
        page, extra = self._page(rules, params)
        return {"Rules": [self._describe_rule(r) for r in page], **extra}

    def list_rule_names_by_target(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        bus = self._bus(store, params.get("EventBusName"))
        names = [r["Name"] for r in store.bus_rules(bus["Name"])
                 if any(t["Arn"] == params["TargetArn"] for t in r.get("Targets") or [])]
        page, extra = self._page(names, params)
        return {"RuleNames": page, **extra}

    # -- targets ----------------------------------------------------------------------------------

    def put_targets(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        rule = self._rule(store, params)
        targets = {t["Id"]: t for t in rule.get("Targets") or []}
        failed = []
        for target in params["Targets"]:
            transform.check_target(target)
            arn = target["Arn"]
            if ":sqs:" in arn and arn.endswith(".fifo") and not (target.get("SqsParameters") or {}).get("MessageGroupId"):
                failed.append({"TargetId": target["Id"], "ErrorCode": "ValidationException",
                               "ErrorMessage": "Parameter(s) SqsParameters must be specified for target: " + target["Id"] + "."})
                continue
            targets[target["Id"]] = {k: v for k, v in target.items() if v is not None}
        if len(targets) > MAX_TARGETS:
            raise ServiceError("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
        rule["Targets"] = list(targets.values())
        store.rules[(rule["EventBusName"], rule["Name"])] = rule
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def remove_targets(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        rule = self._rule(store, params)
        ids = set(params["Ids"])
        rule["Targets"] = [t for t in rule.get("Targets") or [] if t["Id"] not in ids]
        store.rules[(rule["EventBusName"], rule["Name"])] = rule
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def list_targets_by_rule(self, ctx: RequestContext, params: Params) -> Params:
        rule = self._rule(self._store(ctx), params)
        page, extra = self._page(rule.get("Targets") or [], params)
        return {"Targets": page, **extra}

    # -- events -----------------------------------------------------------------------------------

    def put_events(self, ctx: RequestContext, params: Params) -> Params:
        entries = params["Entries"]
        if sum(entry_size(e) for e in entries) > MAX_ENTRY_BYTES:
            raise validation("Total size of the entries in the request is over the limit.")
        results, failed = [], 0
        for entry in entries:
            result = self._put_event(ctx, entry)
            failed += "ErrorCode" in result
            results.append(result)
        return {"FailedEntryCount": failed, "Entries": results}

    def _put_event(self, ctx: RequestContext, entry: Params) -> Params:
        for key in ("Source", "DetailType", "Detail"):
            if not entry.get(key):
                return {"ErrorCode": "InvalidArgument",
                        "ErrorMessage": f"Parameter {key} is not valid. Reason: {key} is a required argument."}
        try:
            detail = json.loads(entry["Detail"])
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
        event_id = str(uuid.uuid4())
        target_account, target_region = ctx.account_id, ctx.region
        bus_ref = entry.get("EventBusName") or DEFAULT_BUS
        if bus_ref.startswith("arn:"):
            parts = bus_ref.split(":")
            if len(parts) >= 6:
                target_region, target_account = parts[3] or ctx.region, parts[4] or ctx.account_id
        store = self.stores.get(target_account, target_region)
        self._ensure_default(store, ctx.partition)
        bus = store.buses.get(self._bus_name(bus_ref))
        if bus is None:
            return {"EventId": event_id}  # AWS accepts it and drops it
        when = entry.get("Time")
        when_epoch = when.timestamp() if isinstance(when, datetime) else (float(when) if when else self.env.clock.now())
        event = {
            "version": "0", "id": event_id, "detail-type": entry["DetailType"], "source": entry["Source"],
            "account": ctx.account_id, "time": iso_seconds(when_epoch), "region": ctx.region,
            "resources": list(entry.get("Resources") or []), "detail": detail,
        }  # fmt: skip
        trace = entry.get("TraceHeader") or ctx.request.headers.get("x-amzn-trace-id")
        self.dispatcher.route(store, bus, event, trace=trace)
        return {"EventId": event_id}

    def put_partner_events(self, ctx: RequestContext, params: Params) -> Params:
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(uuid.uuid4())} for _ in params["Entries"]]}

    def test_event_pattern(self, ctx: RequestContext, params: Params) -> Params:
        compiled = check_pattern(params["EventPattern"])
        try:
            event = json.loads(params["Event"])
        except ValueError:
            raise validation("Parameter Event is not valid.") from None
        required = ("id", "account", "source", "time", "region", "detail-type")
        if not isinstance(event, dict) or any(k not in event for k in required):
            raise validation("Parameter Event is not valid.")
        return {"Result": compiled.matches(event)}

    # -- tags -------------------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, arn: str) -> tuple[Any, Any, Params]:
        store = self._store(ctx)
        resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else ""
        if resource.startswith("event-bus/"):
            name = resource.split("/", 1)[1]
            if name in store.buses:
                return store.buses, name, store.buses[name]
            raise not_found(f"Event bus {name} does not exist.")
        if resource.startswith("rule/"):
            parts = resource.split("/")
            key = (DEFAULT_BUS, parts[1]) if len(parts) == 2 else (parts[1], parts[2])
            if key in store.rules:
                return store.rules, key, store.rules[key]
            raise not_found(f"Rule {key[1]} does not exist on EventBus {key[0]}.")
        raise not_found(f"Resource {arn} does not exist.")

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, key, record = self._tagged(ctx, params["ResourceARN"])
        record.setdefault("Tags", {}).update({t["Key"]: t["Value"] for t in params["Tags"]})
        table[key] = record
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, key, record = self._tagged(ctx, params["ResourceARN"])
        for name in params["TagKeys"]:
            record.setdefault("Tags", {}).pop(name, None)
        table[key] = record
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        _, _, record = self._tagged(ctx, params["ResourceARN"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in (record.get("Tags") or {}).items()]}

    # -- scheduled rules (tick processor) ---------------------------------------------------------

    def _fire_schedules(self, now: float) -> dict[str, int]:
        fired = 0
        for _, store in self.stores.items():
            for key, rule in list(store.rules.items()):
                due = rule.get("NextFire")
                if due is None or due > now or rule.get("State") != "ENABLED":
                    if due is not None and due <= now and rule.get("State") != "ENABLED":
                        self._reschedule(store, key, rule, now)
                    continue
                bus = store.buses.get(rule["EventBusName"])
                schedule = parse_schedule(rule["Expression"])
                count = 0
                while due is not None and due <= now and count < MAX_CATCH_UP:
                    if bus is not None:
                        self.dispatcher.route(store, bus, self._scheduled_event(store, rule, due), rules=[rule])
                    fired += 1
                    count += 1
                    due = schedule.next_after(due, anchor=rule.get("Anchor"))
                if due is not None and due <= now:
                    due = schedule.next_after(now, anchor=rule.get("Anchor"))
                rule["NextFire"] = due
                store.rules[key] = rule
        return {"fired": fired}

    def _reschedule(self, store: EventsStore, key: Any, rule: Params, now: float) -> None:
        """A disabled rule skips the periods that pass while it is disabled."""
        rule["NextFire"] = parse_schedule(rule["Expression"]).next_after(now, anchor=rule.get("Anchor"))
        store.rules[key] = rule

    def _scheduled_event(self, store: EventsStore, rule: Params, due: float) -> Params:
        return {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": store.account_id, "time": iso_seconds(due), "region": store.region,
            "resources": [rule["Arn"]], "detail": {},
        }  # fmt: skip


def check_pattern(text: str) -> Any:
    """The compiled pattern, or AWS's ``InvalidEventPatternException``."""
    try:
        return compile_pattern(text)
    except PatternError as error:
        raise ServiceError("InvalidEventPatternException", f"Event pattern is not valid. Reason: {error}") from None

