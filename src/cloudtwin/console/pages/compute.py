"""Lambda functions with their invocations and logs; CloudWatch Logs groups, streams and
events."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.console.pages.base import Page, ServicePage
from cloudtwin.console.render import field, form, h, join, kv_table, link, section, table, when
from cloudtwin.console.view import ConsoleError, View

# -- Lambda -------------------------------------------------------------------------------------


async def _functions(view: View) -> list[dict[str, Any]]:
    return await view.pages("lambda", "ListFunctions", {}, "Functions", token="Marker", out_token="NextMarker")


async def lambda_count(view: View) -> int:
    return len(await _functions(view))


async def lambda_index(view: View) -> Page:
    rows = [
        {
            "function": link(view.url("lambda/function", name=f["FunctionName"]), f["FunctionName"]),
            "runtime": f.get("Runtime") or f.get("PackageType"),
            "handler": f.get("Handler"),
            "memory": f.get("MemorySize"),
            "timeout": f.get("Timeout"),
            "modified": f.get("LastModified"),
        }
        for f in await _functions(view)
    ]
    return Page("Lambda functions", section("Functions", table(rows, empty="No functions in this account and region.")))


async def lambda_function(view: View) -> Page:
    name = view.need("name")
    config = (await view.call("lambda", "GetFunction", {"FunctionName": name})).get("Configuration", {})
    invocations = view.control("lambda/invocations", function=config.get("FunctionArn") or name).get("invocations", [])
    rows = [
        {
            "time": when(i.get("time")), "request id": i.get("request_id"), "trigger": i.get("trigger"),
            "version": i.get("version"), "status": h('<span class="state {0}">{0}</span>', i.get("status")),
            "error": i.get("error"), "duration ms": i.get("duration_ms"), "init ms": i.get("init_duration_ms"),
        }
        for i in reversed(invocations)
        if i.get("account") in (None, view.account)
    ]
    group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"
    events, error = await view.try_call("logs", "FilterLogEvents", {"logGroupName": group, "limit": 200})
    log_rows = [{"time": when(e.get("timestamp")), "stream": e.get("logStreamName"), "message": h('<pre class="body">{}</pre>', e.get("message"))}
                for e in events.get("events", [])]
    invoke = form(view.url("lambda/invoke"), field("payload", "Event (JSON)", "{}", kind="textarea"), hidden={"name": name}, submit="Invoke")
    body = join([
        section(h("Invocations ({})", len(rows)), table(rows, empty="Not invoked yet."), id="invocations"),
        section("Invoke", invoke, h('<pre class="code" id="invoke-result" hidden></pre>')),
        section(h("Logs: {}", group), table(log_rows, empty="No log events." if error is None else f"No log group {group}."), id="logs"),
        section("Configuration", kv_table({k: v for k, v in config.items() if k not in ("Environment",)})),
    ])
    return Page(name, body, (("functions", view.url("lambda")),))


async def lambda_invoke(view: View) -> dict[str, Any]:
    payload = view.arg("payload", "{}").strip() or "{}"
    try:
        json.loads(payload)
    except ValueError as exc:
        raise ConsoleError(f"the event is not valid JSON: {exc}") from None
    result = await view.call("lambda", "Invoke", {"FunctionName": view.need("name"), "Payload": payload.encode()})
    answer = result.get("Payload") or b""
    if not isinstance(answer, (bytes, bytearray)):
        answer = b"".join([piece async for piece in answer])
    text = answer.decode("utf-8", "replace")
    status = f"status {result.get('StatusCode')}" + (f", {result['FunctionError']}" if result.get("FunctionError") else "")
    return {"message": f"invoked: {status}", "value": text, "target": "#invoke-result"}


LAMBDA = ServicePage("lambda", "Lambda", "Compute", lambda_index,
                     pages={"function": lambda_function}, actions={"invoke": lambda_invoke}, count=lambda_count)

# -- CloudWatch Logs ----------------------------------------------------------------------------


async def _groups(view: View) -> list[dict[str, Any]]:
    return await view.pages("logs", "DescribeLogGroups", {}, "logGroups", token="nextToken")


async def logs_count(view: View) -> int:
    return len(await _groups(view))


async def logs_index(view: View) -> Page:
    rows = [
        {
            "group": link(view.url("logs/group", name=g["logGroupName"]), g["logGroupName"]),
            "stored bytes": g.get("storedBytes"),
            "retention days": g.get("retentionInDays"),
            "created": when(g.get("creationTime")),
        }
        for g in await _groups(view)
    ]
    return Page("Log groups", section("Log groups", table(rows, empty="No log groups in this account and region.")))


async def logs_group(view: View) -> Page:
    name = view.need("name")
    streams = await view.pages("logs", "DescribeLogStreams", {"logGroupName": name, "orderBy": "LastEventTime", "descending": True},
                               "logStreams", token="nextToken", limit=200)
    rows = [
        {
            "stream": link(view.url("logs/stream", group=name, name=s["logStreamName"]), s["logStreamName"]),
            "first event": when(s.get("firstEventTimestamp")) if s.get("firstEventTimestamp") else "",
            "last event": when(s.get("lastEventTimestamp")) if s.get("lastEventTimestamp") else "",
        }
        for s in streams
    ]
    return Page(name, section("Streams", table(rows, empty="No streams.")), (("groups", view.url("logs")),))


async def logs_stream(view: View) -> Page:
    group, name = view.need("group"), view.need("name")
    result = await view.call("logs", "GetLogEvents", {"logGroupName": group, "logStreamName": name, "startFromHead": True, "limit": 1000})
    rows = [{"time": when(e.get("timestamp")), "message": h('<pre class="body">{}</pre>', e.get("message"))} for e in result.get("events", [])]
    return Page(name, section("Events", table(rows, empty="No events.")),
                (("groups", view.url("logs")), (group, view.url("logs/group", name=group))))


LOGS = ServicePage("logs", "CloudWatch Logs", "Compute", logs_index,
                   pages={"group": logs_group, "stream": logs_stream}, count=logs_count)

PAGES = (LAMBDA, LOGS)
