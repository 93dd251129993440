"""Amazon EventBridge Scheduler: schedule groups and schedules — ``at()`` one-time,
``rate()`` and ``cron()`` with ``ScheduleExpressionTimezone`` (DST as AWS documents it, see
:mod:`cloudtwin.events.schedule`), start and end dates, flexible time windows, templated
and universal targets (runs.py), retries and dead-letter queues, and
``ActionAfterCompletion: DELETE`` — all on the virtual clock.

A schedule runs when the clock passes its time, never before. A ``FLEXIBLE`` time window
runs at the window's start (the scheduled time itself), so runs are deterministic. After a
jump of the clock over several periods a schedule runs once for each period missed, up to
``MAX_CATCH_UP`` times per processor run, then resumes at the next period after now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cloudtwin.events.schedule import ScheduleError, parse_schedule
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.scheduler.models import SchedulerStore
from cloudtwin.services.scheduler.runs import Runner

Params = dict[str, Any]
DEFAULT_GROUP = "default"
MAX_CATCH_UP = 1440


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime) else float(value)


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


class Provider(ServiceProvider):
    service_name = "scheduler"
    store_class = SchedulerStore

    def __init__(self, env) -> None:
        super().__init__(env)
        self.runner = Runner(env)
        env.processors.register("scheduler-schedules", self._fire)
        env.processors.register("scheduler-retries", self.runner.process)

    def introspection(self) -> dict:
        return {("GET", "runs"): self._introspect_runs}

    def _introspect_runs(self, params: dict[str, Any]) -> Any:
        records = list(self.runner.records)
        if params.get("schedule"):
            records = [r for r in records if params["schedule"] in (r["name"], r["schedule"])]
        return {"runs": records}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.runner.reset()

    # -- helpers ----------------------------------------------------------------------------------

    def _store(self, ctx: RequestContext) -> SchedulerStore:
        store: SchedulerStore = ctx.store  # type: ignore[assignment]
        if DEFAULT_GROUP not in store.groups:
            now = self.env.clock.now()
            store.groups[DEFAULT_GROUP] = {
                "Name": DEFAULT_GROUP, "Arn": self._arn(ctx, "schedule-group/default"), "State": "ACTIVE",
                "CreationDate": now, "LastModificationDate": now, "Tags": {},
            }  # fmt: skip
        return store

    def _arn(self, ctx: RequestContext, resource: str) -> str:
        return f"arn:{ctx.partition}:scheduler:{ctx.region}:{ctx.account_id}:{resource}"

    def _group(self, store: SchedulerStore, name: str | None) -> Params:
        group = store.groups.get(name or DEFAULT_GROUP)
        if group is None:
            raise ServiceError("ResourceNotFoundException", f"Schedule group {name} does not exist.")
        return group

    def _schedule(self, store: SchedulerStore, params: Params) -> Params:
        group = self._group(store, params.get("GroupName"))
        schedule = store.schedules.get((group["Name"], params["Name"]))
        if schedule is None:
            raise ServiceError("ResourceNotFoundException", f"Schedule {params['Name']} does not exist.")
        return schedule

    @staticmethod
    def _page(items: list, params: Params) -> tuple[list, Params]:
        start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
        limit = params.get("MaxResults") or 100
        extra: Params = {}
        if start + limit < len(items):
            extra["NextToken"] = str(start + limit)
        return items[start:start + limit], extra

    # -- schedule groups --------------------------------------------------------------------------

    def create_schedule_group(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name in store.groups:
            raise ServiceError("ConflictException", f"Schedule group {name} already exists.")
        now = self.env.clock.now()
        store.groups[name] = {
            "Name": name, "Arn": self._arn(ctx, f"schedule-group/{name}"), "State": "ACTIVE",
            "CreationDate": now, "LastModificationDate": now,
            "Tags": {t["Key"]: t["Value"] for t in params.get("Tags") or []},
        }  # fmt: skip
        return {"ScheduleGroupArn": store.groups[name]["Arn"]}

    def get_schedule_group(self, ctx: RequestContext, params: Params) -> Params:
        group = self._group(self._store(ctx), params["Name"])
        return {k: v for k, v in group.items() if k != "Tags"}

    def delete_schedule_group(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name == DEFAULT_GROUP:
            raise validation("Cannot delete the default schedule group.")
        self._group(store, name)
        for key in [k for k in store.schedules if k[0] == name]:
            del store.schedules[key]
        del store.groups[name]
        return {}

    def list_schedule_groups(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        groups = [{k: v for k, v in g.items() if k != "Tags"} for _, g in sorted(store.groups.items())
                  if g["Name"].startswith(params.get("NamePrefix") or "")]
        page, extra = self._page(groups, params)
        return {"ScheduleGroups": page, **extra}

    # -- tags (schedule groups) -------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, arn: str) -> Params:
        store = self._store(ctx)
        name = arn.split(":schedule-group/", 1)[-1] if ":schedule-group/" in arn else None
        group = store.groups.get(name) if name else None
        if group is None:
            raise ServiceError("ResourceNotFoundException", f"Schedule group {name or arn} does not exist.")
        return group

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self._tagged(ctx, params["ResourceArn"])
        group["Tags"].update({t["Key"]: t["Value"] for t in params["Tags"]})
        self._store(ctx).groups[group["Name"]] = group
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self._tagged(ctx, params["ResourceArn"])
        for key in params["TagKeys"]:
            group["Tags"].pop(key, None)
        self._store(ctx).groups[group["Name"]] = group
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        group = self._tagged(ctx, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in group["Tags"].items()]}

    # -- schedules --------------------------------------------------------------------------------

    def _checked(self, params: Params) -> tuple[Any, float | None, float | None]:
        expression = params["ScheduleExpression"]
        try:
            schedule = parse_schedule(expression, timezone_name=params.get("ScheduleExpressionTimezone"),
                                      allow_at=True)
        except ScheduleError as error:
            if str(error).startswith("Invalid time zone"):
                raise validation(f"Invalid time zone: {params.get('ScheduleExpressionTimezone')}.") from None
            raise validation(f"Invalid Schedule Expression {expression}.") from None
        window = params["FlexibleTimeWindow"]
        if window.get("Mode") == "FLEXIBLE" and not window.get("MaximumWindowInMinutes"):
            raise validation("MaximumWindowInMinutes must be provided when Mode is FLEXIBLE.")
        if window.get("Mode") == "OFF" and window.get("MaximumWindowInMinutes"):
            raise validation("MaximumWindowInMinutes must not be provided when Mode is OFF.")
        start, end = _epoch(params.get("StartDate")), _epoch(params.get("EndDate"))
        if start is not None and end is not None and start >= end:
            raise validation("The StartDate must be before the EndDate.")
        return schedule, start, end

    def _next(self, record: Params, after: float) -> float | None:
        """The next run strictly after ``after``, inside the start and end dates."""
        schedule = parse_schedule(record["ScheduleExpression"], timezone_name=record.get("ScheduleExpressionTimezone"),
                                  allow_at=True)
        start, end = record.get("StartDate"), record.get("EndDate")
        if schedule.kind != "at" and start is not None and after < start:
            after = start - 1e-6
        due = schedule.next_after(after, anchor=record.get("Anchor"))
        if due is not None and schedule.kind != "at" and end is not None and due > end:
            return None
        return due

    def _write(self, ctx: RequestContext, params: Params, existing: Params | None) -> Params:
        store = self._store(ctx)
        group = self._group(store, params.get("GroupName"))
        _, start, end = self._checked(params)
        now = self.env.clock.now()
        record: Params = {
            "Name": params["Name"], "GroupName": group["Name"],
            "Arn": self._arn(ctx, f"schedule/{group['Name']}/{params['Name']}"),
            "ScheduleExpression": params["ScheduleExpression"], "Target": params["Target"],
            "FlexibleTimeWindow": params["FlexibleTimeWindow"], "State": params.get("State") or "ENABLED",
            "ActionAfterCompletion": params.get("ActionAfterCompletion") or "NONE",
            "CreationDate": existing["CreationDate"] if existing else now, "LastModificationDate": now,
        }  # fmt: skip
        for key in ("Description", "ScheduleExpressionTimezone", "KmsKeyArn"):
            if params.get(key):
                record[key] = params[key]
        if start is not None:
            record["StartDate"] = start
        if end is not None:
            record["EndDate"] = end
        record["Anchor"] = start if start is not None else now
        record["NextFire"] = self._next(record, now)
        store.schedules[(group["Name"], params["Name"])] = record
        return record

    def create_schedule(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        group = self._group(store, params.get("GroupName"))
        if (group["Name"], params["Name"]) in store.schedules:
            raise ServiceError("ConflictException", f"Schedule {params['Name']} already exists.")
        return {"ScheduleArn": self._write(ctx, params, None)["Arn"]}

    def update_schedule(self, ctx: RequestContext, params: Params) -> Params:
        existing = self._schedule(self._store(ctx), params)
        return {"ScheduleArn": self._write(ctx, params, existing)["Arn"]}

    def get_schedule(self, ctx: RequestContext, params: Params) -> Params:
        schedule = self._schedule(self._store(ctx), params)
        return {k: v for k, v in schedule.items() if k not in ("NextFire", "Anchor")}

    def delete_schedule(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        schedule = self._schedule(store, params)
        del store.schedules[(schedule["GroupName"], schedule["Name"])]
        return {}

    def list_schedules(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        items = [
            s for _, s in sorted(store.schedules.items())
            if s["Name"].startswith(params.get("NamePrefix") or "")
            and (not params.get("GroupName") or s["GroupName"] == params["GroupName"])
            and (not params.get("State") or s["State"] == params["State"])
        ]  # fmt: skip
        page, extra = self._page(items, params)
        keys = ("Arn", "Name", "GroupName", "State", "CreationDate", "LastModificationDate")
        return {"Schedules": [{**{k: s[k] for k in keys}, "Target": {"Arn": s["Target"]["Arn"]}} for s in page],
                **extra}

    # -- running (tick processor) -----------------------------------------------------------------

    def _fire(self, now: float) -> dict[str, int]:
        fired = deleted = 0
        for (account, region), store in self.stores.items():
            for key, schedule in list(store.schedules.items()):
                due = schedule.get("NextFire")
                if due is None or due > now:
                    continue
                if schedule["State"] != "ENABLED":
                    schedule["NextFire"] = self._next(schedule, now)
                    store.schedules[key] = schedule
                    continue
                count = 0
                while due is not None and due <= now and count < MAX_CATCH_UP:
                    self.runner.start(account, region, schedule, due)
                    fired += 1
                    count += 1
                    due = self._next(schedule, due)
                if due is not None and due <= now:
                    due = self._next(schedule, now)
                schedule["NextFire"] = due
                if due is None and schedule.get("ActionAfterCompletion") == "DELETE":
                    del store.schedules[key]
                    deleted += 1
                else:
                    store.schedules[key] = schedule
        return {"fired": fired, "deleted": deleted}
