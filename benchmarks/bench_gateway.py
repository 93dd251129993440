"""The gateway's own cost per request, in-process: no sockets.

Each request is measured two ways, with the headers botocore sends:

- ``asgi``: through the ASGI app exactly as uvicorn hands it over (``scope``, ``receive``,
  ``send``, header names cased as the server has them);
- ``server``: as raw HTTP bytes fed to the server's connection protocol
  (``cloudtwin.http_protocol``, uvicorn's httptools protocol with cloudtwin's direct
  answers) over a transport that keeps what is written: the whole server in Python,
  without the kernel and the event loop's polling.

Prints, per request kind: µs per request each way (best of ``--repeat`` runs of
``--count`` requests) and Python calls per request the server way (counted with
``sys.setprofile``); ``--profile NAME`` prints a cProfile of that kind the server way,
sorted by own time.

    .venv/bin/python benchmarks/bench_gateway.py [--count 20000] [--profile send]

What an HTTP server adds on top is in ``peers.py`` (a bare ASGI app on the same server).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time

import uvicorn
import uvloop
from uvicorn.server import ServerState

from cloudtwin.config import Config
from cloudtwin.gateway.app import Gateway
from cloudtwin.http_protocol import http_protocol_class
from cloudtwin.response_head import CasedHeaders

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEKEY123456/20260101/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def _json_request(service: str, target: str, version: str, body: dict) -> tuple[dict, bytes]:
    data = json.dumps(body).encode()
    headers = [
        (b"host", b"127.0.0.1:4566"),
        (b"accept-encoding", b"identity"),
        (b"x-amz-target", target.encode()),
        (b"content-type", f"application/x-amz-json-{version}".encode()),
        (b"user-agent", b"Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.11.2"),
        (b"x-amz-date", b"20260101T000000Z"),
        (b"authorization", AUTH.format(svc=service).encode()),
        (b"amz-sdk-invocation-id", b"6f1c8e0a-0000-4000-8000-000000000000"),
        (b"amz-sdk-request", b"attempt=1; max=1"),
        (b"content-length", str(len(data)).encode()),
    ]
    return _scope(headers), data


def _scope(headers: list) -> dict:
    """An ASGI scope of a POST to ``/`` with these headers."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "server": ("127.0.0.1", 4566),
        "client": ("127.0.0.1", 50000), "scheme": "http", "method": "POST", "root_path": "",
        "path": "/", "raw_path": b"/", "query_string": b"", "headers": headers,
    }


def _query_request(service: str, body: str) -> tuple[dict, bytes]:
    data = body.encode()
    headers = [
        (b"host", b"127.0.0.1:4566"),
        (b"accept-encoding", b"identity"),
        (b"content-type", b"application/x-www-form-urlencoded; charset=utf-8"),
        (b"user-agent", b"Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux lang/python#3.11.2"),
        (b"x-amz-date", b"20260101T000000Z"),
        (b"authorization", AUTH.format(svc=service).encode()),
        (b"content-length", str(len(data)).encode()),
    ]
    return _scope(headers), data


class Call:
    """One request, replayable: a fresh scope copy, a receive that hands the body over
    once, a send that keeps the status."""

    def __init__(self, scope: dict, body: bytes) -> None:
        self.scope, self.body = scope, body
        self.status = 0
        self.sent: list[dict] = []

    async def run(self, app) -> None:
        message = {"type": "http.request", "body": self.body, "more_body": False}

        async def receive() -> dict:
            return message

        async def send(msg: dict) -> None:
            if msg["type"] == "http.response.start":
                self.status = msg["status"]
            self.sent.append(msg)

        self.sent = []
        await app(dict(self.scope), receive, send)


class Transport:
    """An asyncio transport that keeps what the protocol writes (the last response)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.data = b""
        self.closed = False
        self.waiter: asyncio.Future | None = None

    def get_extra_info(self, name: str, default=None):
        return {"sockname": ("127.0.0.1", 4566), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes) -> None:
        self.data += data
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Wire:
    """One request as raw HTTP bytes, replayed into the server's protocol."""

    def __init__(self, call: Call, protocol, transport: Transport) -> None:
        head = [b"POST / HTTP/1.1"] + [b"%s: %s" % (name, value) for name, value in call.scope["headers"]]
        self.raw = b"\r\n".join(head) + b"\r\n\r\n" + call.body
        self.protocol, self.transport = protocol, transport

    async def run(self, app=None) -> None:  # noqa: ARG002 - the same signature as Call.run
        transport = self.transport
        transport.data = b""
        self.protocol.data_received(self.raw)
        while not _complete(transport.data):  # answered under ASGI: a task writes it later
            transport.waiter = transport.loop.create_future()
            await transport.waiter

    @property
    def status(self) -> int:
        return int(self.transport.data[9:12])


class Wires:
    """One request replayed on each of N connections at once, as N clients each with one
    request in flight: the answers that wait for a (group) commit share it."""

    def __init__(self, call: Call, pairs: list) -> None:
        self.wires = [Wire(call, protocol, transport) for protocol, transport in pairs]

    async def run(self, app=None) -> None:  # noqa: ARG002 - the same signature as Call.run
        for wire in self.wires:
            wire.transport.data = b""
            wire.protocol.data_received(wire.raw)
        for wire in self.wires:
            transport = wire.transport
            while not _complete(transport.data):
                transport.waiter = transport.loop.create_future()
                await transport.waiter

    @property
    def status(self) -> int:
        return max(wire.status for wire in self.wires)


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole response (with a Content-Length)."""
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _server_protocol(gateway: Gateway, loop: asyncio.AbstractEventLoop):
    config = uvicorn.Config(gateway, http=http_protocol_class(), lifespan="off", log_config=None, proxy_headers=False)
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    transport = Transport(loop)
    protocol.connection_made(transport)
    return protocol, transport


async def _setup(app, calls: dict[str, Call]) -> None:
    for scope, body in (
        _json_request("sqs", "AmazonSQS.CreateQueue", "1.0", {"QueueName": "bench"}),
        _json_request("dynamodb", "DynamoDB_20120810.CreateTable", "1.0", {
            "TableName": "bench", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}),
        _json_request("dynamodb", "DynamoDB_20120810.PutItem", "1.0", {
            "TableName": "bench", "Item": {"pk": {"S": "k1"}, "v": {"S": "x" * 100}}}),
    ):
        call = Call(scope, body)
        await call.run(app)
        if call.status != 200:
            raise RuntimeError(f"set-up failed: {call.status} {call.sent}")
    for name, call in calls.items():
        await call.run(app)
        if call.status != 200:
            raise RuntimeError(f"{name}: {call.status} {call.sent[-1]}")


CALLS = {
    "send": lambda: Call(*_json_request("sqs", "AmazonSQS.SendMessage", "1.0", {
        "QueueUrl": "http://127.0.0.1:4566/000000000000/bench", "MessageBody": "hello from the benchmark"})),
    "getitem": lambda: Call(*_json_request("dynamodb", "DynamoDB_20120810.GetItem", "1.0", {
        "TableName": "bench", "Key": {"pk": {"S": "k1"}}})),
    "sts": lambda: Call(*_query_request("sts", "Action=GetCallerIdentity&Version=2011-06-15")),
}


async def _loop(app, call: Call, count: int) -> float:
    run = call.run
    start = time.perf_counter()
    for _ in range(count):
        await run(app)
    return time.perf_counter() - start


def _count_calls(loop: asyncio.AbstractEventLoop, app, call: Call, count: int) -> float:
    calls = 0

    def tracer(frame, event, arg):  # noqa: ARG001
        nonlocal calls
        if event == "call" or event == "c_call":
            calls += 1

    sys.setprofile(tracer)
    try:
        loop.run_until_complete(_loop(app, call, count))
    finally:
        sys.setprofile(None)
    return calls / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default=",".join(CALLS))
    parser.add_argument("--profile", help="print a cProfile of this kind of request")
    parser.add_argument("--data-dir", help="persist, as --data-dir does")
    parser.add_argument("--ways", default="asgi,server", help="which ways to measure")
    parser.add_argument("--connections", type=int, default=1,
                        help="the server way: this many connections, a request in flight on each")
    args = parser.parse_args()
    gateway = Gateway(Config(log_level="warning", data_dir=args.data_dir))
    cased = CasedHeaders()  # as cloudtwin.server.build_server sets them
    gateway.header_list, gateway.wire_head = cased, cased.head
    app = gateway
    loop = uvloop.new_event_loop()  # as the server runs
    calls = {name: CALLS[name]() for name in args.only.split(",")}
    loop.run_until_complete(_setup(app, calls))
    pairs = [_server_protocol(gateway, loop) for _ in range(args.connections)]
    wires = {name: Wires(call, pairs) if args.connections > 1 else Wire(call, *pairs[0]) for name, call in calls.items()}
    per = args.connections  # requests per run of a way's loop (the server way)
    print(f"{'request':<10} {'asgi µs':>8} {'server µs':>10} {'calls/request':>14}")
    ways = args.ways.split(",")
    for name, call in calls.items():
        timings = {}
        for way_name, way, runs in (("asgi", call, args.count), ("server", wires[name], args.count // per)):
            if way_name not in ways:
                continue
            loop.run_until_complete(_loop(app, way, min(runs, 2000)))  # warm
            timings[way_name] = min(loop.run_until_complete(_loop(app, way, runs)) for _ in range(args.repeat))
            if way.status != 200:
                raise RuntimeError(f"{name}: status {way.status}")
        per_call = _count_calls(loop, app, wires[name], 1000 // per) / per
        asgi, server = (f"{timings[w] * 1e6 / args.count:.1f}" if w in timings else "-" for w in ("asgi", "server"))
        print(f"{name:<10} {asgi:>8} {server:>10} {per_call:>14.0f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(_loop(app, wires[args.profile], args.count // per))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(45)
    gateway.persistence.close()


if __name__ == "__main__":
    main()
