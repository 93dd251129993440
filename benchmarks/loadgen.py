"""A small HTTP/1.1 load generator: N keep-alive connections, one request in flight on
each, the same request over and over (asyncio streams, uvloop when installed).

    .venv/bin/python benchmarks/loadgen.py URL --connections 16 --seconds 5 \
        --header 'Content-Type: application/x-amz-json-1.0' --body '{...}'

Prints one JSON line: requests, seconds, requests/s, non-2xx answers, reconnects. It is
the same client for every server it is pointed at (cloudtwin, its peers, a bare ASGI app),
so their figures compare; being Python, on a small machine it can itself be the limit —
compare ratios measured with it, not absolute numbers with wrk's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


def build_request(url: str, method: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, connection stays open) of one response, its body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, keep = 0, False, not lines[0].startswith("HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection":
            keep = "keep-alive" in value if lines[0].startswith("HTTP/1.0") else "close" not in value
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def run(url: str, request: bytes, connections: int, seconds: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    counts = {"requests": 0, "errors": 0, "reconnects": 0}
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while time.perf_counter() < deadline:
            writer.write(request)
            try:
                status, keep = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                status, keep = 0, False
            counts["requests"] += 1
            if not 200 <= status < 300:
                counts["errors"] += 1
            if not keep:
                writer.close()
                counts["reconnects"] += 1
                reader, writer = await asyncio.open_connection(host, port)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return counts | {"seconds": round(elapsed, 3), "rate": counts["requests"] / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--method", default="POST")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--body", default="")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    headers = [tuple(part.strip() for part in h.split(":", 1)) for h in args.header]
    request = build_request(args.url, args.method, headers, args.body.encode())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args.url, request, args.connections, args.seconds))))


if __name__ == "__main__":
    main()
