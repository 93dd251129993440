"""EventBridge buses, rules and deliveries; Kinesis streams, shards and records."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cloudtwin.console.pages.base import Page, ServicePage
from cloudtwin.console.render import field, form, h, join, link, pretty, section, table, when
from cloudtwin.console.view import ConsoleError, View

# -- EventBridge ----------------------------------------------------------------------------------


async def _buses(view: View) -> list[dict[str, Any]]:
    return await view.pages("events", "ListEventBuses", {}, "EventBuses")


async def events_count(view: View) -> int:
    return len(await _buses(view))


async def events_index(view: View) -> Page:
    rows = []
    for bus in await _buses(view):
        rules = await view.pages("events", "ListRules", {"EventBusName": bus["Name"]}, "Rules")
        rows.append({"bus": link(view.url("events/bus", name=bus["Name"]), bus["Name"]), "rules": len(rules), "arn": bus.get("Arn")})
    return Page("EventBridge buses", section("Event buses", table(rows, empty="No buses.")))


async def events_bus(view: View) -> Page:
    name = view.need("name")
    rules = await view.pages("events", "ListRules", {"EventBusName": name}, "Rules")
    rule_rows = []
    for rule in rules:
        targets = await view.pages("events", "ListTargetsByRule", {"Rule": rule["Name"], "EventBusName": name}, "Targets")
        rule_rows.append({
            "rule": rule["Name"], "state": rule.get("State"),
            "pattern": h('<pre class="body">{}</pre>', rule.get("EventPattern")) if rule.get("EventPattern") else "",
            "schedule": rule.get("ScheduleExpression"),
            "targets": ", ".join(t.get("Arn", "") for t in targets),
        })
    bus_arn = (await view.call("events", "DescribeEventBus", {"Name": name})).get("Arn")
    deliveries = view.control("events/deliveries", bus=bus_arn or name).get("deliveries", [])
    delivery_rows = [
        {
            "time": when(d.get("time")), "event id": d.get("event_id"),
            "source / type": f"{(d.get('event') or {}).get('source', '')} / {(d.get('event') or {}).get('detail-type', '')}",
            "rules": ", ".join(r.rsplit("/", 1)[-1] for r in d.get("rules") or []),
            "attempts": ", ".join(f"{a.get('arn')}: {a.get('outcome')}" for a in d.get("attempts") or []),
            "event": h('<pre class="body">{}</pre>', pretty(d.get("event"))),
        }
        for d in reversed(deliveries)
    ]
    put = form(
        view.url("events/put"),
        field("source", "Source", required=True, placeholder="my.app"),
        field("detail_type", "Detail type", required=True, placeholder="OrderPlaced"),
        field("detail", "Detail (JSON object)", "{}", kind="textarea"),
        hidden={"bus": name}, submit="Put event",
    )
    body = join([
        section(h("Rules ({})", len(rule_rows)), table(rule_rows, empty="No rules.")),
        section(h("Events ({})", len(delivery_rows)), table(delivery_rows, empty="No events yet."), id="deliveries"),
        section("Put an event", put),
    ])
    return Page(name, body, (("buses", view.url("events")),))


async def events_put(view: View) -> dict[str, Any]:
    result = await view.call("events", "PutEvents", {"Entries": [{
        "EventBusName": view.need("bus"), "Source": view.need("source"),
        "DetailType": view.need("detail_type"), "Detail": view.arg("detail", "{}").strip() or "{}",
    }]})
    entry = (result.get("Entries") or [{}])[0]
    if entry.get("ErrorCode"):
        raise ConsoleError(f"{entry['ErrorCode']}: {entry.get('ErrorMessage', '')}")
    return {"message": f"put event {entry.get('EventId')}", "reload": True}


EVENTS = ServicePage("events", "EventBridge", "Integration", events_index, pages={"bus": events_bus},
                     actions={"put": events_put}, count=events_count)

# -- Kinesis --------------------------------------------------------------------------------------


async def _streams(view: View) -> list[str]:
    return await view.pages("kinesis", "ListStreams", {}, "StreamNames")


async def kinesis_count(view: View) -> int:
    return len(await _streams(view))


async def kinesis_index(view: View) -> Page:
    rows = []
    for name in await _streams(view):
        summary = (await view.try_call("kinesis", "DescribeStreamSummary", {"StreamName": name}))[0].get("StreamDescriptionSummary", {})
        rows.append({
            "stream": link(view.url("kinesis/stream", name=name), name),
            "status": summary.get("StreamStatus"),
            "open shards": summary.get("OpenShardCount"),
            "retention hours": summary.get("RetentionPeriodHours"),
            "mode": (summary.get("StreamModeDetails") or {}).get("StreamMode"),
        })
    return Page("Kinesis streams", section("Streams", table(rows, empty="No streams in this account and region.")))


def _text(data: str) -> str:
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"({len(raw)} bytes) {data}"


async def kinesis_stream(view: View) -> Page:
    name = view.need("name")
    shards = view.control("kinesis/shards", stream=name, records="1", account=view.account, region=view.region)
    shard_list = [shard for stream in shards.get("streams", []) for shard in stream.get("Shards", [])]
    shard_rows, record_rows = [], []
    for shard in shard_list:
        shard_rows.append({k: v for k, v in shard.items() if k != "Records"})
        for record in shard.get("Records") or []:
            record_rows.append({
                "shard": shard.get("ShardId"), "sequence": record.get("SequenceNumber"),
                "partition key": record.get("PartitionKey"), "arrived": when(record.get("ApproximateArrivalTimestamp")),
                "data": h('<pre class="body">{}</pre>', _text(record.get("Data", ""))),
            })
    body = section(h("Shards ({})", len(shard_rows)), table(shard_rows)) + section(h("Records ({})", len(record_rows)), table(record_rows, empty="No records."), id="records")
    return Page(name, body, (("streams", view.url("kinesis")),))


KINESIS = ServicePage("kinesis", "Kinesis", "Integration", kinesis_index, pages={"stream": kinesis_stream}, count=kinesis_count)

PAGES = (EVENTS, KINESIS)
