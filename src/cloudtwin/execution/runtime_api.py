"""The Lambda Runtime API for one execution environment, on its own loopback port.

The process of an environment finds it through ``AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>``
and speaks plain HTTP/1.1 (h11 frames it):

    GET  /2018-06-01/runtime/invocation/next            the next event (waits for one)
    POST /2018-06-01/runtime/invocation/<id>/response   the handler's result
    POST /2018-06-01/runtime/invocation/<id>/error      the handler's error
    POST /2018-06-01/runtime/init/error                 the runtime could not start

A port per environment tells the environments apart without anything in the request,
as on AWS where each sandbox has its own endpoint.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

import h11

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.execution.environment import ExecutionEnvironment

log = logging.getLogger("cloudtwin.execution")

_PREFIX = "/2018-06-01/runtime/"
#: A response past AWS's limit (6 MB + 100 bytes) is refused here, as AWS's Runtime API
#: refuses it; smaller ones past 6 MB are refused by the caller.
_MAX_BODY = 6 * 1024 * 1024 + 100


class RuntimeApi:
    """Serves one environment; :meth:`start` binds and returns the port."""

    def __init__(self, environment: "ExecutionEnvironment") -> None:
        self.environment = environment
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._connections):  # a runtime still waiting for its next event
            task.cancel()
        self._connections.clear()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while True:
                request, body = await self._read_request(conn, reader)
                if request is None:
                    return
                status, payload = await self._route(
                    request.method.decode(), request.target.decode(), body, request.headers
                )
                if isinstance(payload, _Raw):
                    data = payload.invocation.payload
                    headers = payload.invocation.runtime_headers()
                else:
                    data = json.dumps(payload).encode()
                    headers = [("content-type", "application/json")]
                headers.append(("content-length", str(len(data))))
                writer.write(conn.send(h11.Response(status_code=status, headers=headers)))
                writer.write(conn.send(h11.Data(data=data)))
                writer.write(conn.send(h11.EndOfMessage()))
                await writer.drain()
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.RemoteProtocolError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:  # the environment stopped while the runtime waited
            return
        except Exception:  # noqa: BLE001 - a runtime's bad request must not hurt the server
            log.exception("runtime API connection failed")
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _read_request(self, conn: h11.Connection, reader: asyncio.StreamReader):
        request = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                if not data and conn.their_state is not h11.DONE:
                    if request is None:
                        return None, b""
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                if body is not None:
                    body += event.data
                    if len(body) > _MAX_BODY:
                        body = None  # read on, keep nothing: the route answers 413
            elif isinstance(event, h11.EndOfMessage):
                return request, (bytes(body) if body is not None else None)
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""

    async def _route(self, method: str, target: str, body: bytes | None, headers) -> tuple[int, object]:
        env = self.environment
        path = target.split("?", 1)[0]
        if not path.startswith(_PREFIX):
            return 404, {"errorMessage": f"unknown path {path}", "errorType": "InvalidRequest"}
        rest = path[len(_PREFIX):]
        if body is None and not rest.endswith("/response"):
            return 413, {"errorMessage": "Payload too large", "errorType": "RequestEntityTooLarge"}
        if method == "GET" and rest == "invocation/next":
            invocation = await env.next_invocation()
            return 200, _Raw(invocation)
        if method == "POST" and rest == "init/error":
            env.init_failed(body, _header(headers, b"lambda-runtime-function-error-type"))
            return 202, {"status": "OK"}
        parts = rest.split("/")
        if method == "POST" and len(parts) == 3 and parts[0] == "invocation":
            request_id, kind = parts[1], parts[2]
            if kind == "response" and body is None:
                message = f"Response payload size exceeded maximum allowed payload size ({_MAX_BODY} bytes)."
                env.fail(request_id, json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}).encode(),
                         "Function.ResponseSizeTooLarge")  # fmt: skip
                # The invocation fails; the runtime is told its report was taken, so it asks
                # for the next event rather than exiting (the environment stays usable).
                return 202, {"status": "OK"}
            if kind == "response":
                ok = env.respond(request_id, body)
            elif kind == "error":
                ok = env.fail(request_id, body, _header(headers, b"lambda-runtime-function-error-type"))
            else:
                ok = None
            if ok is None:
                return 404, {"errorMessage": f"unknown path {path}", "errorType": "InvalidRequest"}
            if not ok:
                return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            return 202, {"status": "OK"}
        return 404, {"errorMessage": f"unknown path {path}", "errorType": "InvalidRequest"}


class _Raw:
    """Marker: the /next answer is the event itself, with the invocation's headers."""

    def __init__(self, invocation) -> None:
        self.invocation = invocation


def _header(headers, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None
