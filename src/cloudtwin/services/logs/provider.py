"""Amazon CloudWatch Logs: log groups and streams, events with AWS's ordering and batch
rules, reads and filters (filter_pattern.py), retention on the virtual clock, metric and
subscription filters (subscriptions.py: gzip'd deliveries to Lambda), and a Logs Insights
subset (insights.py). Lambda writes every function's output here."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.logs import emf, insights, subscriptions
from cloudtwin.services.logs.deliveries import DeliveryOperations
from cloudtwin.services.logs.destinations import DestinationOperations
from cloudtwin.services.logs.filter_pattern import PatternError, compile_pattern
from cloudtwin.services.logs.models import LogsStore
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
DAY_MS = 86_400_000
_TOO_OLD_MS = 14 * DAY_MS
_TOO_NEW_MS = 2 * 3_600_000
_MAX_FILTERS = 2


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def group_missing() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log group does not exist.")


def stream_missing() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log stream does not exist.")


class Provider(DeliveryOperations, DestinationOperations, ServiceProvider):
    service_name = "logs"
    store_class = LogsStore

    def __init__(self, env) -> None:
        super().__init__(env)
        env.processors.register("logs-retention", self._expire)

    # -- helpers ----------------------------------------------------------------------------------

    def _store(self, ctx: RequestContext) -> LogsStore:
        return ctx.store  # type: ignore[return-value]

    def _now_ms(self) -> int:
        return int(self.env.clock.now() * 1000)

    def _group_name(self, params: Params) -> str:
        """``logGroupName``, or the name inside ``logGroupIdentifier`` (a name or an ARN)."""
        if params.get("logGroupName") and params.get("logGroupIdentifier"):
            raise ServiceError("ValidationException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        name = params.get("logGroupName") or params.get("logGroupIdentifier") or ""
        if name.startswith("arn:"):
            name = name.split(":log-group:", 1)[-1].removesuffix(":*")
        if not name:
            raise invalid("Should provide either name or ARN of the log group.")
        return name

    def _group(self, ctx: RequestContext, params: Params) -> tuple[LogsStore, dict]:
        store = self._store(ctx)
        name = self._group_name(params)
        group = store.groups.get(name)
        if group is None:
            raise group_missing()
        return store, group

    def _paged(self, items: list, params: Params) -> tuple[list, str | None]:
        return _page(items, params.get("nextToken"), params.get("limit"), 50)

    def _arn(self, ctx: RequestContext, group: str) -> str:
        return f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:{group}"

    def _describe_group(self, ctx: RequestContext, store: LogsStore, group: dict) -> dict:
        name = group["logGroupName"]
        out = {
            "logGroupName": name,
            "creationTime": group["creationTime"],
            "metricFilterCount": len(group.get("metricFilters") or {}),
            "arn": self._arn(ctx, name) + ":*",
            "logGroupArn": self._arn(ctx, name),
            "storedBytes": sum(store.streams[(name, s)].get("storedBytes", 0) for s in store.group_streams(name)),
            "logGroupClass": group.get("logGroupClass", "STANDARD"),
            "deletionProtectionEnabled": bool(group.get("deletionProtectionEnabled")),
        }
        if group.get("retentionInDays"):
            out["retentionInDays"] = group["retentionInDays"]
        if group.get("kmsKeyId"):
            out["kmsKeyId"] = group["kmsKeyId"]
        return out

    # -- groups -----------------------------------------------------------------------------------

    def create_log_group(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["logGroupName"]
        if name in store.groups:
            raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists")
        store.groups[name] = {
            "logGroupName": name,
            "creationTime": self._now_ms(),
            "tags": dict(params.get("tags") or {}),
            "kmsKeyId": params.get("kmsKeyId"),
            "logGroupClass": params.get("logGroupClass") or "STANDARD",
            "deletionProtectionEnabled": bool(params.get("deletionProtectionEnabled")),
            "metricFilters": {},
            "subscriptionFilters": {},
        }
        return {}

    def delete_log_group(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        name = group["logGroupName"]
        if group.get("deletionProtectionEnabled"):
            raise ServiceError(
                "OperationAbortedException",
                "Log group deletion is not allowed because deletion protection is enabled.",
            )
        for stream in store.group_streams(name):
            store.drop_stream(name, stream)
        del store.groups[name]
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        prefix = params.get("logGroupNamePrefix")
        pattern = params.get("logGroupNamePattern")
        if prefix and pattern:
            raise invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        identifiers = params.get("logGroupIdentifiers")
        names = sorted(store.groups)
        if prefix:
            names = [n for n in names if n.startswith(prefix)]
        if pattern:
            names = [n for n in names if pattern.lower() in n.lower()]
        if identifiers:
            wanted = {i.split(":log-group:", 1)[-1].removesuffix(":*") for i in identifiers}
            names = [n for n in names if n in wanted]
        if params.get("logGroupClass"):
            names = [n for n in names if store.groups[n].get("logGroupClass", "STANDARD") == params["logGroupClass"]]
        page, token = _page(names, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"logGroups": [self._describe_group(ctx, store, store.groups[n]) for n in page]}
        if pattern:
            # A pattern search scans: it reports no stored bytes (nor an unset deletion
            # protection), and a token after any hit
            # (the next page, empty at the end, has none).
            for described in out["logGroups"]:
                del described["storedBytes"]
                if not described["deletionProtectionEnabled"]:
                    del described["deletionProtectionEnabled"]
            if page and not token:
                token = base64.b64encode(str(len(names)).encode()).decode()
        if token:
            out["nextToken"] = token
        return out

    def list_log_groups(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        pattern = params.get("logGroupNamePattern")
        names = [n for n in sorted(store.groups) if not pattern or re.search(pattern, n)]
        if params.get("logGroupClass"):
            names = [n for n in names if store.groups[n].get("logGroupClass", "STANDARD") == params["logGroupClass"]]
        page, token = _page(names, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"logGroups": [
            {"logGroupName": n, "logGroupArn": self._arn(ctx, n),
             "logGroupClass": store.groups[n].get("logGroupClass", "STANDARD")} for n in page
        ]}  # fmt: skip
        if token:
            out["nextToken"] = token
        return out

    # -- resource policies (account level) ----------------------------------------------------------

    def put_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params.get("policyName") or "default"
        existing = store.policies.get(name)
        if existing is None and len(store.policies) >= 10:
            raise ServiceError("LimitExceededException", "Resource limit exceeded.")
        if params.get("expectedRevisionId") and existing and existing["revisionId"] != params["expectedRevisionId"]:
            raise ServiceError("OperationAbortedException", "The expected revision id does not match the current one.")
        if params.get("policyDocument") is None:  # optional in the model, required by the docs
            raise ServiceError(
                "InvalidParameterException",
                "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: "
                "Member must not be null",
            )
        policy = {
            "policyName": name,
            "policyDocument": params["policyDocument"],
            "lastUpdatedTime": self._now_ms(),
            "policyScope": "ACCOUNT",
            "revisionId": uuid.uuid4().hex,
        }
        store.policies[name] = policy
        return {"resourcePolicy": {k: v for k, v in policy.items() if k != "revisionId"}, "revisionId": policy["revisionId"]}

    def describe_resource_policies(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        policies = [
            {**{k: v for k, v in p.items() if k != "revisionId"}, "policyDocument": _stored_policy(p["policyDocument"])}
            for _, p in sorted(store.policies.items())
        ]
        page, token = _page(policies, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"resourcePolicies": page}
        if token:
            out["nextToken"] = token
        return out

    def delete_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params.get("policyName") or "default"
        if store.policies.pop(name, None) is None:
            raise ServiceError("ResourceNotFoundException", f"Policy with name [{name}] does not exist.")
        return {}

    def put_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        days = params["retentionInDays"]
        if days not in RETENTION_DAYS:
            raise invalid(
                f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(map(str, RETENTION_DAYS))}]"
            )
        store, group = self._group(ctx, params)
        group["retentionInDays"] = days
        store.groups.save(group["logGroupName"])
        return {}

    def delete_retention_policy(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        group.pop("retentionInDays", None)
        store.groups.save(group["logGroupName"])
        return {}

    def _expire(self, now: float) -> dict[str, int]:
        """Tick processor: drop events older than their group's retention."""
        dropped = 0
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for name, group in list(store.groups.items()):
                days = group.get("retentionInDays")
                if not days:
                    continue
                cutoff = int(now * 1000) - days * DAY_MS
                for stream in store.group_streams(name):
                    dropped += store.drop_events_before(name, stream, cutoff)
        return {"expired": dropped}

    # -- tags -------------------------------------------------------------------------------------

    def tag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        group["tags"].update(params["tags"])
        store.groups.save(group["logGroupName"])
        return {}

    def untag_log_group(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        for key in params["tags"]:
            group["tags"].pop(key, None)
        store.groups.save(group["logGroupName"])
        return {}

    def list_tags_log_group(self, ctx: RequestContext, params: Params) -> Params:
        _, group = self._group(ctx, params)
        return {"tags": dict(group["tags"])}

    def _tagged(self, ctx: RequestContext, arn: str) -> tuple[Any, str, dict]:
        """(table, key, record) of a taggable resource: a log group or a destination."""
        if ":destination:" in arn:
            name = arn.split(":destination:", 1)[1]
            record = ctx.store.destinations.get(name)
            if record is None:
                raise ServiceError("ResourceNotFoundException", "The specified resource does not exist.")
            return ctx.store.destinations, name, record
        if ":log-group:" not in arn:
            raise invalid(f"Invalid resource ARN: {arn}")
        try:
            store, group = self._group(ctx, {"logGroupName": arn.split(":log-group:", 1)[1].removesuffix(":*")})
        except ServiceError:
            raise ServiceError("ResourceNotFoundException", "The specified resource does not exist.") from None
        return store.groups, group["logGroupName"], group

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, key, record = self._tagged(ctx, params["resourceArn"])
        record.setdefault("tags", {}).update(params["tags"])
        table.save(key)
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, key, record = self._tagged(ctx, params["resourceArn"])
        for tag in params["tagKeys"]:
            record.setdefault("tags", {}).pop(tag, None)
        table.save(key)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        _, _, record = self._tagged(ctx, params["resourceArn"])
        return {"tags": dict(record.get("tags") or {})}

    # -- streams ----------------------------------------------------------------------------------

    def create_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        key = (group["logGroupName"], params["logStreamName"])
        if key in store.streams:
            raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists")
        store.streams[key] = {"logStreamName": key[1], "creationTime": self._now_ms(), "storedBytes": 0, "next": 0}
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        key = (group["logGroupName"], params["logStreamName"])
        if key not in store.streams:
            raise stream_missing()
        store.drop_stream(*key)
        return {}

    def _describe_stream(self, ctx: RequestContext, group: str, stream: dict) -> dict:
        out = {
            "logStreamName": stream["logStreamName"],
            "creationTime": stream["creationTime"],
            "arn": f"{self._arn(ctx, group)}:log-stream:{stream['logStreamName']}",
            "storedBytes": 0,
        }
        for member in ("firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"):
            if member in stream:
                out[member] = stream[member]
        if "lastIngestionTime" in stream:
            out["uploadSequenceToken"] = str(stream["next"]).zfill(56)
        return out

    def describe_log_streams(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        name = group["logGroupName"]
        order = params.get("orderBy") or "LogStreamName"
        prefix = params.get("logStreamNamePrefix")
        if prefix and order == "LastEventTime":
            raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        streams = [store.streams[(name, s)] for s in store.group_streams(name)]
        if prefix:
            streams = [s for s in streams if s["logStreamName"].startswith(prefix)]
        if order == "LastEventTime":
            streams.sort(key=lambda s: (s.get("lastEventTimestamp", 0), s["logStreamName"]))
        if params.get("descending"):
            streams.reverse()
        page, token = _page(streams, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"logStreams": [self._describe_stream(ctx, name, s) for s in page]}
        if token:
            out["nextToken"] = token
        return out

    # -- events -----------------------------------------------------------------------------------

    def put_log_events(self, ctx: RequestContext, params: Params) -> Params:
        events = params["logEvents"]
        if len(events) > MAX_BATCH_EVENTS:
            raise invalid(f"1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH_EVENTS}")
        size = sum(len(e["message"].encode()) + EVENT_OVERHEAD for e in events)
        if size > MAX_BATCH_BYTES:
            raise invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
        stamps = [e["timestamp"] for e in events]
        if stamps != sorted(stamps):
            raise invalid("Log events in a single PutLogEvents request must be in chronological order.")
        if stamps and stamps[-1] - stamps[0] > DAY_MS:
            raise invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        store, group = self._group(ctx, params)
        name = group["logGroupName"]
        key = (name, params["logStreamName"])
        stream = store.streams.get(key)
        if stream is None:
            raise stream_missing()
        now = self._now_ms()
        rejected: Params = {}
        retention = group.get("retentionInDays")
        accepted = []
        for index, event in enumerate(events):
            ts = event["timestamp"]
            if ts > now + _TOO_NEW_MS:
                rejected.setdefault("tooNewLogEventStartIndex", index)
            elif retention and ts < now - retention * DAY_MS:
                rejected["expiredLogEventEndIndex"] = index
            elif ts < now - _TOO_OLD_MS:
                rejected["tooOldLogEventEndIndex"] = index
            else:
                accepted.append(event)
        for event in accepted:
            n = stream["next"]
            stream["next"] = n + 1
            store.add_event(name, key[1], n, event["timestamp"], event["message"], now)
            stream["firstEventTimestamp"] = min(stream.get("firstEventTimestamp", event["timestamp"]), event["timestamp"])
            stream["lastEventTimestamp"] = max(stream.get("lastEventTimestamp", event["timestamp"]), event["timestamp"])
            stream["storedBytes"] = stream.get("storedBytes", 0) + len(event["message"].encode())
            for namespace, metric, dims, value, unit, when in emf.metrics_of(event["message"], event["timestamp"]):
                self.env.metrics.record(ctx.account_id, ctx.region, namespace, metric, dims, value, unit, when)
        if accepted:
            stream["lastIngestionTime"] = now
        store.streams.save(key)
        if accepted and group.get("subscriptionFilters"):
            subscriptions.deliver(self.env, ctx, group, key[1], accepted, now)
        out: Params = {"nextSequenceToken": str(stream["next"]).zfill(56)}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    def get_log_events(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        key = (group["logGroupName"], params["logStreamName"])
        if key not in store.streams:
            raise stream_missing()
        events = store.stream_events(*key)
        start, end = params.get("startTime"), params.get("endTime")
        lo = 0 if start is None else _first_at(events, start)
        hi = len(events) if end is None else _first_at(events, end)
        limit = params.get("limit") or 10_000
        token = params.get("nextToken")
        if token:
            direction, position = _read_token(token)
            if direction == "f":
                lo = max(lo, position)
                chosen = (lo, min(hi, lo + limit))
            else:
                hi = min(hi, position)
                chosen = (max(lo, hi - limit), hi)
        elif params.get("startFromHead"):
            chosen = (lo, min(hi, lo + limit))
        else:
            chosen = (max(lo, hi - limit), hi)
        first, last = chosen
        return {
            "events": [
                {"timestamp": ts, "message": message, "ingestionTime": ingested}
                for ts, _, message, ingested in events[first:last]
            ],
            "nextForwardToken": f"f/{last:056d}/s",
            "nextBackwardToken": f"b/{first:056d}/s",
        }

    def filter_log_events(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        name = group["logGroupName"]
        if params.get("logStreamNames") and params.get("logStreamNamePrefix"):
            raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
        try:
            matches = compile_pattern(params.get("filterPattern"))
        except PatternError as error:
            raise invalid(str(error)) from None
        names = store.group_streams(name)
        if params.get("logStreamNames"):
            wanted = set(params["logStreamNames"])
            names = [n for n in names if n in wanted]
        if params.get("logStreamNamePrefix"):
            names = [n for n in names if n.startswith(params["logStreamNamePrefix"])]
        start, end = params.get("startTime"), params.get("endTime")
        found = []
        for stream in names:
            for ts, n, message, ingested in store.stream_events(name, stream):
                if (start is not None and ts < start) or (end is not None and ts > end):
                    continue
                if matches(message):
                    found.append((ts, ingested, stream, n, message))
        found.sort(key=lambda e: (e[0], e[1], e[2], e[3]))
        page, token = _page(found, params.get("nextToken"), params.get("limit"), 10_000)
        out: Params = {
            "events": [
                {"logStreamName": stream, "timestamp": ts, "message": message, "ingestionTime": ingested,
                 "eventId": f"{ts:020d}{n:016d}{abs(hash(stream)) % 10**20:020d}"[:56]}
                for ts, ingested, stream, n, message in page
            ],
            "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": True} for s in names],
        }  # fmt: skip
        if token:
            out["nextToken"] = token
        return out

    # -- metric and subscription filters ------------------------------------------------------------

    def put_metric_filter(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        try:
            compile_pattern(params["filterPattern"])
        except PatternError as error:
            raise invalid(str(error)) from None
        filters = group.setdefault("metricFilters", {})
        if params["filterName"] not in filters and len(filters) >= 100:
            raise ServiceError("LimitExceededException", "Resource limit exceeded.")
        filters[params["filterName"]] = {
            "filterName": params["filterName"],
            "filterPattern": params["filterPattern"],
            "metricTransformations": params["metricTransformations"],
            "applyOnTransformedLogs": bool(params.get("applyOnTransformedLogs")),
            "creationTime": self._now_ms(),
            "logGroupName": group["logGroupName"],
        }
        store.groups.save(group["logGroupName"])
        return {}

    def describe_metric_filters(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        if params.get("logGroupName"):
            groups = [self._group(ctx, params)[1]]
        else:
            groups = [store.groups[n] for n in sorted(store.groups)]
        found = []
        for group in groups:
            for name in sorted(group.get("metricFilters") or {}):
                mf = group["metricFilters"][name]
                if params.get("filterNamePrefix") and not name.startswith(params["filterNamePrefix"]):
                    continue
                transforms = mf["metricTransformations"]
                if params.get("metricName") and not any(t["metricName"] == params["metricName"] for t in transforms):
                    continue
                if params.get("metricNamespace") and not any(t["metricNamespace"] == params["metricNamespace"] for t in transforms):
                    continue
                found.append(mf)
        found.sort(key=lambda mf: (mf["filterName"], mf["logGroupName"]))
        page, token = _page(found, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"metricFilters": page}
        if token:
            out["nextToken"] = token
        return out

    def delete_metric_filter(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        if (group.get("metricFilters") or {}).pop(params["filterName"], None) is None:
            raise ServiceError("ResourceNotFoundException", "The specified resource does not exist.")
        store.groups.save(group["logGroupName"])
        return {}

    def put_subscription_filter(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        try:
            compile_pattern(params["filterPattern"])
        except PatternError as error:
            raise invalid(str(error)) from None
        filters = group.setdefault("subscriptionFilters", {})
        if params["filterName"] not in filters and len(filters) >= _MAX_FILTERS:
            raise ServiceError("LimitExceededException", "Resource limit exceeded.")
        subscriptions.check_destination(self.env, ctx, params["destinationArn"], self._arn(ctx, group["logGroupName"]) + ":*")
        filters[params["filterName"]] = {
            "filterName": params["filterName"],
            "logGroupName": group["logGroupName"],
            "filterPattern": params["filterPattern"],
            "destinationArn": params["destinationArn"],
            "distribution": params.get("distribution") or "ByLogStream",
            "applyOnTransformedLogs": bool(params.get("applyOnTransformedLogs")),
            "creationTime": self._now_ms(),
            **({"roleArn": params["roleArn"]} if params.get("roleArn") else {}),
        }
        store.groups.save(group["logGroupName"])
        return {}

    def describe_subscription_filters(self, ctx: RequestContext, params: Params) -> Params:
        _, group = self._group(ctx, params)
        filters = [f for n, f in sorted((group.get("subscriptionFilters") or {}).items())
                   if not params.get("filterNamePrefix") or n.startswith(params["filterNamePrefix"])]  # fmt: skip
        page, token = _page(filters, params.get("nextToken"), params.get("limit"), 50)
        out: Params = {"subscriptionFilters": page}
        if token:
            out["nextToken"] = token
        return out

    def delete_subscription_filter(self, ctx: RequestContext, params: Params) -> Params:
        store, group = self._group(ctx, params)
        if (group.get("subscriptionFilters") or {}).pop(params["filterName"], None) is None:
            raise ServiceError("ResourceNotFoundException", "The specified subscription filter does not exist.")
        store.groups.save(group["logGroupName"])
        return {}

    # -- Logs Insights ------------------------------------------------------------------------------

    def start_query(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        names = list(params.get("logGroupNames") or [])
        if params.get("logGroupName"):
            names.append(params["logGroupName"])
        names += [i.split(":log-group:", 1)[-1].removesuffix(":*") for i in params.get("logGroupIdentifiers") or []]
        if not names:
            raise invalid("Query must specify a log group.")
        for name in names:
            if name not in store.groups:
                raise ServiceError("ResourceNotFoundException", f"Log group '{name}' does not exist for account ID '{ctx.account_id}' (Service: AWSLogs; Status Code: 400; Error Code: ResourceNotFoundException)")
        try:
            query = insights.parse(params["queryString"])
        except insights.QueryError as error:
            raise ServiceError("MalformedQueryException", str(error)) from None
        query_id = str(uuid.uuid4())
        store.queries[query_id] = {
            "queryId": query_id, "status": "Complete",
            "queryString": " ".join(["SOURCE", *(f'"{n}"' for n in names),
                                     f"START={params['startTime'] * 1000}", f"END={params['endTime'] * 1000 + 999}",
                                     "|", params["queryString"]]),
            "createTime": self._now_ms(), "logGroupName": names[0],
            "results": insights.run(query, store, names, params["startTime"] * 1000, params["endTime"] * 1000 + 999,
                                    params.get("limit")),
        }  # fmt: skip
        return {"queryId": query_id}

    def get_query_results(self, ctx: RequestContext, params: Params) -> Params:
        query = self._store(ctx).queries.get(params["queryId"])
        if query is None:
            raise ServiceError("ResourceNotFoundException", "Query does not exist.")
        rows, scanned = query["results"]
        return {
            "queryLanguage": "CWLI",
            "results": rows,
            "statistics": {"recordsMatched": float(len(rows)), "recordsScanned": float(scanned), "bytesScanned": 0.0},
            "status": query["status"],
        }

    def stop_query(self, ctx: RequestContext, params: Params) -> Params:
        query = self._store(ctx).queries.get(params["queryId"])
        if query is None:
            raise ServiceError("ResourceNotFoundException", "Query does not exist.")
        return {"success": False}  # a query here completes as it starts

    def describe_queries(self, ctx: RequestContext, params: Params) -> Params:
        queries = [
            {"queryLanguage": "CWLI", **{k: q[k] for k in ("queryId", "queryString", "status", "createTime", "logGroupName")}}
            for q in self._store(ctx).queries.values()
            if (not params.get("logGroupName") or q["logGroupName"] == params["logGroupName"])
            and (not params.get("status") or q["status"] == params["status"])
        ]
        return {"queries": queries}


def _stored_policy(document: str) -> str:
    """A resource policy as CloudWatch Logs describes it (Put answers the document as given):
    with a ``Version`` (2008-10-17 when none is given), one-element principal lists as
    plain strings."""
    try:
        policy = json.loads(document)
    except ValueError:
        return document
    if not isinstance(policy, dict):
        return document
    statements = policy.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if isinstance(principal, dict):
            for key, value in principal.items():
                if isinstance(value, list) and len(value) == 1:
                    principal[key] = value[0]
    return json.dumps({"Version": policy.pop("Version", "2008-10-17"), **policy}, separators=(",", ":"))


def _first_at(events: list[tuple[int, int, str, int]], ts: int) -> int:
    import bisect

    return bisect.bisect_left(events, (ts,))


def _read_token(token: str) -> tuple[str, int]:
    match = re.fullmatch(r"([fb])/(\d+)(?:/s)?", token)
    if match is None:
        raise invalid("The specified nextToken is invalid.")
    return match[1], int(match[2])


def _page(items: list, token: str | None, limit: int | None, default: int) -> tuple[list, str | None]:
    start = 0
    if token:
        try:
            start = int(base64.b64decode(token, validate=True).decode())
        except ValueError:
            raise invalid("The specified nextToken is invalid.") from None
    size = limit or default
    page = items[start : start + size]
    nxt = start + size
    return page, base64.b64encode(str(nxt).encode()).decode() if nxt < len(items) else None
