"""API keys, usage plans and their keys, and usage counted on the virtual clock.

A usage plan's quota counts the requests of each key per period (``DAY``, ``WEEK``,
``MONTH``, UTC, from the period's start plus ``offset`` days); the data plane asks
:meth:`KeyOps.consume` before it calls an integration.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta, timezone
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway import patch
from cloudtwin.services.apigateway.common import (
    Params, bad_request, conflict, new_id, not_found, page, public,
)

_KEY_ALPHABET = string.ascii_letters + string.digits


def _key_view(key: dict, include_value: bool) -> dict:
    out = public(key)
    if not include_value:
        out.pop("value", None)
    return out


def _check_key(params: Params) -> None:
    if len(params.get("name") or "") > 1024:
        raise bad_request("Invalid API Key name, can be at most 1024 characters.")
    if len(params.get("description") or "") > 125000:
        raise bad_request("Invalid API Key description specified.")
    value = params.get("value")
    if value:
        if len(value) < 20:
            raise bad_request("API Key value should be at least 20 characters")
        if len(value) > 128:
            raise bad_request("API Key value exceeds maximum size of 128 characters")


def period_start(now: float, period: str, offset: int = 0) -> str:
    """The start (ISO date) of the quota period that contains ``now``."""
    day = datetime.fromtimestamp(now, timezone.utc).date()
    if period == "WEEK":
        day = day - timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    return (day + timedelta(days=offset or 0)).isoformat()


class KeyOps:
    env: Any

    # -- API keys ---------------------------------------------------------------------------------

    def create_api_key(self, ctx: RequestContext, params: Params) -> Params:
        _check_key(params)
        now = self.env.clock.now()
        key: Params = {
            "id": new_id(10), "enabled": bool(params.get("enabled")), "createdDate": now, "lastUpdatedDate": now,
            "value": params.get("value") or "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40)),
            "stageKeys": [f"{s.get('restApiId')}/{s.get('stageName')}" for s in params.get("stageKeys") or []],
        }  # fmt: skip
        for name in ("name", "description", "customerId", "tags"):
            if params.get(name):
                key[name] = params[name]
        ctx.store.keys[key["id"]] = key
        return _key_view(key, True)

    def _key(self, ctx: RequestContext, key_id: str) -> dict:
        key = ctx.store.keys.get(key_id)
        if key is None:
            raise not_found("Invalid API Key identifier specified")
        return key

    def get_api_key(self, ctx: RequestContext, params: Params) -> Params:
        return _key_view(self._key(ctx, params["apiKey"]), bool(params.get("includeValue")))

    def get_api_keys(self, ctx: RequestContext, params: Params) -> Params:
        keys = list(ctx.store.keys.values())
        if params.get("nameQuery"):
            keys = [k for k in keys if (k.get("name") or "").startswith(params["nameQuery"])]
        if params.get("customerId"):
            keys = [k for k in keys if k.get("customerId") == params["customerId"]]
        return page([_key_view(k, bool(params.get("includeValues"))) for k in keys], params)

    def update_api_key(self, ctx: RequestContext, params: Params) -> Params:
        key = self._key(ctx, params["apiKey"])
        for op in params.get("patchOperations") or []:
            path = op.get("path") or ""
            if path == "/description" and len(op.get("value") or "") > 125000:
                raise bad_request("Invalid API Key description specified.")
            if path == "/enabled":
                key["enabled"] = str(op.get("value")).lower() == "true"
                continue
            if path == "/stages" or path.startswith("/stages/"):
                stage = op.get("value") or path.split("/", 2)[-1]
                if op.get("op") == "add" and stage not in key["stageKeys"]:
                    key["stageKeys"].append(stage)
                elif op.get("op") == "remove" and stage in key["stageKeys"]:
                    key["stageKeys"].remove(stage)
                continue
            if path not in ("/name", "/description", "/customerId") or op.get("op") != "replace":
                raise bad_request(f"Invalid patch path {path}")
            patch.apply(key, [op])
        key["lastUpdatedDate"] = self.env.clock.now()
        key.setdefault("tags", {})
        ctx.store.keys.save(key["id"])
        return _key_view(key, False)

    def delete_api_key(self, ctx: RequestContext, params: Params) -> None:
        self._key(ctx, params["apiKey"])
        del ctx.store.keys[params["apiKey"]]
        for plan_id, plan in list(ctx.store.plans.items()):
            if plan.get("_keys", {}).pop(params["apiKey"], None):
                ctx.store.plans.save(plan_id)
        return None

    def import_api_keys(self, ctx: RequestContext, params: Params) -> Params:
        body = params.get("body") or b""
        try:
            text = body.decode() if isinstance(body, bytes) else str(body)
        except UnicodeDecodeError:
            raise bad_request("Invalid API keys file specified") from None
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            raise bad_request("Invalid API keys file specified")
        header = [h.strip().lower() for h in lines[0].split(",")]
        ids = []
        for line in lines[1:]:
            row = dict(zip(header, (c.strip() for c in line.split(","))))
            created = self.create_api_key(ctx, {
                "name": row.get("name"), "value": row.get("key") or row.get("value"),
                "description": row.get("description"), "enabled": (row.get("enabled") or "").lower() == "true",
            })  # fmt: skip
            ids.append(created["id"])
        return {"ids": ids, "warnings": []}

    # -- usage plans ------------------------------------------------------------------------------

    def create_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        plan: Params = {"id": new_id(6), "name": params["name"], "apiStages": params.get("apiStages") or []}
        for key in ("description", "throttle", "quota", "tags"):
            if params.get(key):
                plan[key] = params[key]
        if "throttle" in plan and "rateLimit" in plan["throttle"]:
            plan["throttle"]["rateLimit"] = float(plan["throttle"]["rateLimit"])
        if "quota" in plan:  # a quota's offset is a number AWS always answers (0 unless set)
            plan["quota"] = {**plan["quota"], "offset": plan["quota"].get("offset", 0)}
        plan["_keys"] = {}
        plan["_usage"] = {}
        ctx.store.plans[plan["id"]] = plan
        return public(plan)

    def _plan(self, ctx: RequestContext, plan_id: str) -> dict:
        plan = ctx.store.plans.get(plan_id)
        if plan is None:
            raise not_found("Invalid Usage Plan ID specified")
        return plan

    def get_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        return public(self._plan(ctx, params["usagePlanId"]))

    def get_usage_plans(self, ctx: RequestContext, params: Params) -> Params:
        plans = list(ctx.store.plans.values())
        if params.get("keyId"):
            plans = [p for p in plans if params["keyId"] in p.get("_keys", {})]
        return page([public(p) for p in plans], params)

    def update_usage_plan(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        for op in params.get("patchOperations") or []:
            path, value, name = op.get("path") or "", op.get("value"), op.get("op")
            if path == "/apiStages" or path.startswith("/apiStages/"):
                api_id, _, stage = (value or "").partition(":")
                if name == "add":
                    plan["apiStages"].append({"apiId": api_id, "stage": stage})
                elif name == "remove":
                    plan["apiStages"] = [s for s in plan["apiStages"]
                                         if (s.get("apiId"), s.get("stage")) != (api_id, stage)]
                continue
            if path.startswith("/throttle/") or path.startswith("/quota/"):
                group, member = path[1:].split("/", 1)
                if name == "remove":
                    plan.get(group, {}).pop(member, None)
                    if not plan.get(group):
                        plan.pop(group, None)
                    continue
                target = plan.setdefault(group, {})
                if member in ("burstLimit", "limit", "offset"):
                    target[member] = int(value)
                elif member == "rateLimit":
                    target[member] = float(value)
                else:
                    target[member] = value
                continue
            if path in ("/name", "/description", "/productCode"):
                patch.apply(plan, [op])
                continue
            raise bad_request(f"Invalid patch path {path}")
        ctx.store.plans.save(plan["id"])
        return public(plan)

    def delete_usage_plan(self, ctx: RequestContext, params: Params) -> None:
        self._plan(ctx, params["usagePlanId"])
        del ctx.store.plans[params["usagePlanId"]]
        return None

    def create_usage_plan_key(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        key = self._key(ctx, params["keyId"])
        if key["id"] in plan["_keys"]:
            raise conflict("Usage Plan already contains specified API key")
        plan["_keys"][key["id"]] = params.get("keyType") or "API_KEY"
        ctx.store.plans.save(plan["id"])
        return self._plan_key(key)

    @staticmethod
    def _plan_key(key: dict) -> Params:
        out = {"id": key["id"], "type": "API_KEY", "value": key["value"]}
        if key.get("name"):
            out["name"] = key["name"]
        return out

    def get_usage_plan_key(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        if params["keyId"] not in plan["_keys"]:
            raise not_found("Invalid Usage Plan Key identifier specified")
        return self._plan_key(self._key(ctx, params["keyId"]))

    def get_usage_plan_keys(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        keys = [self._plan_key(ctx.store.keys[k]) for k in plan["_keys"] if k in ctx.store.keys]
        if params.get("nameQuery"):
            keys = [k for k in keys if (k.get("name") or "").startswith(params["nameQuery"])]
        return page(keys, params)

    def delete_usage_plan_key(self, ctx: RequestContext, params: Params) -> None:
        plan = self._plan(ctx, params["usagePlanId"])
        if params["keyId"] not in plan["_keys"]:
            raise not_found("Invalid Usage Plan Key identifier specified")
        del plan["_keys"][params["keyId"]]
        ctx.store.plans.save(plan["id"])
        return None

    def get_usage(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        start, end = params["startDate"], params["endDate"]
        items: dict[str, list] = {}
        for key_id, days in plan.get("_usage", {}).items():
            if params.get("keyId") and key_id != params["keyId"]:
                continue
            series = []
            day = datetime.fromisoformat(start).date()
            last = datetime.fromisoformat(end).date()
            limit = (plan.get("quota") or {}).get("limit")
            while day <= last:
                used = days.get(day.isoformat(), 0)
                series.append([used, (limit - used) if limit is not None else 0])
                day += timedelta(days=1)
            items[key_id] = series
        return {"usagePlanId": plan["id"], "startDate": start, "endDate": end, "items": items}

    def update_usage(self, ctx: RequestContext, params: Params) -> Params:
        plan = self._plan(ctx, params["usagePlanId"])
        for op in params.get("patchOperations") or []:
            if op.get("path") == "/remaining" and op.get("op") == "replace":
                limit = (plan.get("quota") or {}).get("limit") or 0
                today = datetime.fromtimestamp(self.env.clock.now(), timezone.utc).date().isoformat()
                plan.setdefault("_usage", {}).setdefault(params["keyId"], {})[today] = limit - int(op["value"])
        ctx.store.plans.save(plan["id"])
        return self.get_usage(ctx, {"usagePlanId": plan["id"], "keyId": params["keyId"],
                                    "startDate": period_start(self.env.clock.now(), "DAY"),
                                    "endDate": period_start(self.env.clock.now(), "DAY")})

    # -- what the data plane asks -----------------------------------------------------------------

    def consume(self, store: Any, api_id: str, stage: str, key_value: str | None) -> str | None:
        """Check an API key for a method that requires one, and count the request against
        its usage plan. Returns None when allowed, else the gateway response type
        (``INVALID_API_KEY`` / ``QUOTA_EXCEEDED``)."""
        key = next((k for k in store.keys.values() if k.get("value") == key_value), None) if key_value else None
        if key is None or not key.get("enabled"):
            return "INVALID_API_KEY"
        now = self.env.clock.now()
        for plan_id, plan in store.plans.items():
            if key["id"] not in plan.get("_keys", {}):
                continue
            if not any(s.get("apiId") == api_id and s.get("stage") == stage for s in plan.get("apiStages", [])):
                continue
            quota = plan.get("quota") or {}
            days = plan.setdefault("_usage", {}).setdefault(key["id"], {})
            today = datetime.fromtimestamp(now, timezone.utc).date().isoformat()
            if quota.get("limit") is not None:
                start = period_start(now, quota.get("period") or "DAY", quota.get("offset") or 0)
                used = sum(n for day, n in days.items() if day >= start)
                if used >= quota["limit"]:
                    return "QUOTA_EXCEEDED"
            days[today] = days.get(today, 0) + 1
            store.plans.save(plan_id)
            return None
        return "INVALID_API_KEY"
