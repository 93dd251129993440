"""Archives (events of a bus kept, filtered by a pattern, for ``RetentionDays`` on the
virtual clock) and replays (archived events of a time window sent again through the bus's
rules, with ``"replay-name"`` added to each event as AWS does)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

Params = dict[str, Any]
DAY = 86_400


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class ArchivesMixin:
    # -- archives ---------------------------------------------------------------------------------

    def _archive(self, store: Any, name: str) -> Params:
        archive = store.archives.get(name)
        if archive is None:
            raise ServiceError("ResourceNotFoundException", f"Archive {name} does not exist.")
        return archive

    def create_archive(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.events.provider import check_pattern

        store = self._store(ctx)
        name = params["ArchiveName"]
        if name in store.archives:
            raise ServiceError("ResourceAlreadyExistsException", f"Archive {name} already exists.")
        source = params["EventSourceArn"]
        self._bus(store, source)
        if params.get("EventPattern"):
            check_pattern(params["EventPattern"])
        now = self.env.clock.now()
        archive = {
            "ArchiveName": name, "ArchiveArn": self._arn(ctx, f"archive/{name}"), "EventSourceArn": source,
            "State": "ENABLED", "RetentionDays": params.get("RetentionDays") or 0, "CreationTime": now,
            "SizeBytes": 0, "EventCount": 0,
        }  # fmt: skip
        for key in ("Description", "EventPattern", "KmsKeyIdentifier"):
            if params.get(key):
                archive[key] = params[key]
        store.archives[name] = archive
        return {"ArchiveArn": archive["ArchiveArn"], "State": "ENABLED", "CreationTime": now}

    def describe_archive(self, ctx: RequestContext, params: Params) -> Params:
        return dict(self._archive(self._store(ctx), params["ArchiveName"]))

    def update_archive(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.events.provider import check_pattern

        store = self._store(ctx)
        archive = self._archive(store, params["ArchiveName"])
        if params.get("EventPattern"):
            check_pattern(params["EventPattern"])
        for key in ("Description", "EventPattern", "RetentionDays", "KmsKeyIdentifier"):
            if key in params:
                archive[key] = params[key]
        store.archives[archive["ArchiveName"]] = archive
        return {k: archive[k] for k in ("ArchiveArn", "State", "CreationTime")}

    def delete_archive(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = self._archive(store, params["ArchiveName"])["ArchiveName"]
        for key in [k for k in store.archived if k[0] == name]:
            del store.archived[key]
        del store.archives[name]
        return {}

    def list_archives(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        if params.get("EventSourceArn"):
            self._bus(store, params["EventSourceArn"])
        archives = [
            a for _, a in sorted(store.archives.items())
            if a["ArchiveName"].startswith(params.get("NamePrefix") or "")
            and (not params.get("EventSourceArn") or a["EventSourceArn"] == params["EventSourceArn"])
            and (not params.get("State") or a["State"] == params["State"])
        ]  # fmt: skip
        page, extra = self._page(archives, params)
        keys = ("ArchiveName", "EventSourceArn", "State", "StateReason", "RetentionDays", "SizeBytes",
                "EventCount", "CreationTime")
        return {"Archives": [{k: a[k] for k in keys if k in a} for a in page], **extra}

    def _expire_archives(self, now: float) -> dict[str, int]:
        """Tick processor: drop archived events older than their archive's retention."""
        expired = 0
        for _, store in self.stores.items():
            for (name, event_id), row in list(store.archived.items()):
                archive = store.archives.get(name)
                days = (archive or {}).get("RetentionDays") or 0
                if archive is not None and days and row["time"] + days * DAY <= now:
                    del store.archived[(name, event_id)]
                    archive["EventCount"] = max(0, archive.get("EventCount", 1) - 1)
                    archive["SizeBytes"] = max(0, archive.get("SizeBytes", 0) - row["size"])
                    store.archives[name] = archive
                    expired += 1
        return {"expired": expired}

    # -- replays ----------------------------------------------------------------------------------

    def start_replay(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["ReplayName"]
        if name in store.replays:
            raise ServiceError("ResourceAlreadyExistsException", f"Replay {name} already exists.")
        start, end = _epoch(params["EventStartTime"]), _epoch(params["EventEndTime"])
        if start >= end:
            raise ServiceError("ValidationException",
                               "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
        archive_name = params["EventSourceArn"].split(":archive/", 1)[-1]
        archive = self._archive(store, archive_name)
        destination = params["Destination"]
        if self._bus_name(destination["Arn"]) != self._bus_name(archive["EventSourceArn"]):
            raise ServiceError("ValidationException",
                               "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
        bus = self._bus(store, destination["Arn"])
        now = self.env.clock.now()
        replay = {
            "ReplayName": name, "ReplayArn": self._arn(ctx, f"replay/{name}"), "EventSourceArn": params["EventSourceArn"],
            "Destination": destination, "EventStartTime": start, "EventEndTime": end, "ReplayStartTime": now,
            "State": "STARTING",
        }  # fmt: skip
        if params.get("Description"):
            replay["Description"] = params["Description"]
        rows = sorted((row for (a, _), row in store.archived.items() if a == archive_name), key=lambda r: r["time"])
        filters = set(destination.get("FilterArns") or [])
        rules = [r for r in store.bus_rules(bus["Name"]) if not filters or r["Arn"] in filters]
        last = None
        for row in rows:
            if start <= row["time"] <= end:
                event = dict(row["event"], **{"replay-name": name})
                matched = [r for r in rules if self.dispatcher.matches(r.get("EventPattern"), event)]
                self.dispatcher.route(store, bus, event, replay=replay, rules=matched)
                last = row["time"]
        replay.update(State="COMPLETED", ReplayEndTime=now)
        if last is not None:
            replay["EventLastReplayedTime"] = last
        store.replays[name] = replay
        return {"ReplayArn": replay["ReplayArn"], "State": "STARTING", "ReplayStartTime": now}

    def _replay(self, store: Any, name: str) -> Params:
        replay = store.replays.get(name)
        if replay is None:
            raise ServiceError("ResourceNotFoundException", f"Replay {name} does not exist.")
        return replay

    def describe_replay(self, ctx: RequestContext, params: Params) -> Params:
        return dict(self._replay(self._store(ctx), params["ReplayName"]))

    def list_replays(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        replays = [
            r for _, r in sorted(store.replays.items())
            if r["ReplayName"].startswith(params.get("NamePrefix") or "")
            and (not params.get("State") or r["State"] == params["State"])
            and (not params.get("EventSourceArn") or r["EventSourceArn"] == params["EventSourceArn"])
        ]  # fmt: skip
        page, extra = self._page(replays, params)
        keys = ("ReplayName", "EventSourceArn", "State", "StateReason", "EventStartTime", "EventEndTime",
                "EventLastReplayedTime", "ReplayStartTime", "ReplayEndTime")
        return {"Replays": [{k: r[k] for k in keys if k in r} for r in page], **extra}

    def cancel_replay(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        replay = self._replay(store, params["ReplayName"])
        if replay["State"] not in ("STARTING", "RUNNING"):
            raise ServiceError("IllegalStatusException", f"Replay {replay['ReplayName']} is not in a valid state for this operation.")
        replay["State"] = "CANCELLED"
        store.replays[replay["ReplayName"]] = replay
        return {"ReplayArn": replay["ReplayArn"], "State": "CANCELLING"}


