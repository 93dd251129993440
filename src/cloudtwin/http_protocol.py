"""The server's side of an HTTP/1.1 connection: uvicorn's httptools protocol, with three
things of cloudtwin's own.

- **Planned requests answered on the spot.** Most requests an SDK sends are a signed
  ``POST /`` of a small awsJson body (``X-Amz-Target``) or form-encoded query/EC2 body
  (``Action=``) of a shape the gateway has planned already (``gateway/fast_path.py``).
  For those, the protocol keeps the headers and body it parsed and, once the message is
  complete, has the gateway answer there and then: no ASGI scope, task, event or
  messages, and the response leaves in one write. That is most of what uvicorn spends
  per request around a trivial ASGI app.

  - A body that follows its headers in a later read (SDKs often write them apart) is
    awaited for up to a second (``_BODY_WAIT``), then read the ASGI way.
  - An answer that acknowledges a write is held until the group commit has made it
    durable (``--data-dir``); requests behind it on the connection wait their turn.
  - A handler that has to wait (a long poll) goes on under ASGI, through a request cycle
    of uvicorn's own.

  Every other request goes the ASGI way, with uvicorn's request cycle, pipelining and
  flow control unchanged. One keep-alive timer per idle stretch replaces uvicorn's one
  per request.
- **AWS-shaped 400s** for requests that cannot even be framed (bad chunk sizes, a broken
  request line): SDKs parse error bodies, so they get the XML envelope they all
  understand, not uvicorn's plain text.
- **Header names as the client wrote them** (``RAW_HEADER_NAMES`` in the scope): API
  Gateway hands them on to integrations with their casing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HeadHeldTransport", "RAW_HEADER_NAMES", "http_protocol_class"]

#: The scope key holding the request's header names as the client wrote them (a list).
RAW_HEADER_NAMES = "cloudtwin.raw_header_names"


def http_protocol_class() -> Any:
    """The protocol class (uvicorn's ``http=``); uvicorn's choice when httptools is missing."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
    except ImportError:  # pragma: no cover - httptools is a dependency via uvicorn[standard]
        return "auto"
    import asyncio

    from cloudtwin.gateway.fast_path import DIRECT_BODY_LIMIT, FORM, SERVER_ERROR
    from cloudtwin.protocol.xml_writer import escape_text as escape
    from cloudtwin.response_head import status_line

    class AwsHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            app = self.app
            # The gateway's planned requests (a bare ASGI app has none: all its requests
            # go the ASGI way).
            self._fast = getattr(app, "fast_paths", None) if getattr(app, "wire_head", None) else None
            self._planned: tuple | None = None
            self._body_timer: asyncio.TimerHandle | None = None
            self._held: _Held | None = None
            self._body = b""
            self._raw: list[tuple[bytes, bytes]] = []
            self._active_at = self.loop.time()
            #: reads so far, the size of the last, and the read a request began in
            self._reads = self._read_size = self._begun_in = 0

        # -- the keep-alive timer: one per idle stretch, not one per request -----------

        def data_received(self, data: bytes) -> None:
            self._active_at = self.loop.time()
            self._reads += 1
            self._read_size = len(data)
            super().data_received(data)
            if self._planned is not None and self._body_timer is None:
                # A planned request whose body has not come whole with its headers (SDKs
                # often write them apart): it is awaited here for a moment, and then, if
                # still short, read the ASGI way (with its flow control and idle timeout).
                if self.transport.is_closing():
                    self._planned = None
                else:
                    self._body_timer = self.loop.call_later(_BODY_WAIT, self._body_late)

        def _unset_keepalive_if_required(self) -> None:
            pass  # uvicorn cancels its timer on every request; _idle_check looks instead

        def connection_lost(self, exc: Exception | None) -> None:
            for timer in (self.timeout_keep_alive_task, self._body_timer):
                if timer is not None:
                    timer.cancel()
            self.timeout_keep_alive_task = self._body_timer = None
            self._planned = None
            super().connection_lost(exc)

        def _body_late(self) -> None:
            self._body_timer = None
            if self._planned is not None and not self.transport.is_closing():
                self._planned_to_asgi()

        def on_response_complete(self) -> None:
            # uvicorn's, with the timer armed only when none is
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self._active_at = self.loop.time()
            self.flow.resume_reading()
            if self.pipeline:
                cycle, app = self.pipeline.pop()
                self._start_asgi_task(cycle, app)
            elif self.timeout_keep_alive_task is None:
                self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self._idle_check)

        def _idle_check(self) -> None:
            """Close the connection once it has been idle for the keep-alive timeout: no
            data and no answer for that long, and no request in flight."""
            self.timeout_keep_alive_task = None
            if self.transport.is_closing():
                return
            cycle = self.cycle
            idle = self.loop.time() - self._active_at
            busy = self._held is not None or self._planned is not None
            if busy or (cycle is not None and not cycle.response_complete):
                wait = self.timeout_keep_alive  # busy: look again later
            elif idle >= self.timeout_keep_alive:
                self.timeout_keep_alive_handler()
                return
            else:
                wait = self.timeout_keep_alive - idle
            self.timeout_keep_alive_task = self.loop.call_later(wait, self._idle_check)

        # -- parsing ---------------------------------------------------------------------

        def on_message_begin(self) -> None:
            # uvicorn's scope and header list are made only for requests that go the
            # ASGI way (_open_scope), once the headers say which way that is.
            self.url = b""
            self.expect_100_continue = False
            self._raw = []
            self._planned = None
            self._begun_in = self._reads

        def on_header(self, name: bytes, value: bytes) -> None:
            self._raw.append((name, value))

        def on_headers_complete(self) -> None:
            fast = self._fast
            cycle = self.cycle
            parser = self.parser
            if (
                fast is not None
                and self.url == b"/"
                and (cycle is None or cycle.response_complete)  # nothing in flight before it
                and self._held is None
                and parser.get_method() == b"POST"
                and parser.should_keep_alive()
                and parser.get_http_version() == "1.1"
                and not parser.should_upgrade()
            ):
                raw = self._raw
                # lower-cased names (remembered); latin-1 text has one character per byte
                names = fast.header_names
                # (a value's trailing whitespace is not part of it: RFC 9110, 5.5)
                headers = {names[name]: value.rstrip(b" \t").decode("latin-1") for name, value in raw}
                if len(headers) == len(raw):  # (a repeated header: the ASGI way joins it)
                    # the header section's size, or a bound of it: what came in this read
                    if self._begun_in == self._reads:
                        size = self._read_size
                    else:
                        size = sum(map(len, headers)) + sum(map(len, headers.values()))
                    plan = fast.direct(headers, size)
                    if plan is not None:
                        self._planned = (plan, headers)
                        self._body = b""
                        return
            self._to_asgi()

        def _to_asgi(self) -> None:
            """Hand this request to the ASGI app, as uvicorn does."""
            self._open_scope()
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.scope is self.scope and self.scope.get("method") != "HEAD":
                cycle.transport = HeadHeldTransport(self.transport)

        def _planned_to_asgi(self) -> None:
            """Hand the planned request received so far to the ASGI app after all."""
            self._planned = None
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None
            body, self._body = self._body, b""
            self._to_asgi()
            if body:
                super().on_body(body)

        def _open_scope(self) -> None:
            """uvicorn's scope and header list for this request (as its own
            ``on_message_begin`` and ``on_header`` make them)."""
            url = self.url
            HttpToolsProtocol.on_message_begin(self)
            self.url = url
            raw = self._raw
            headers = self.headers
            for name, value in raw:
                name = name.lower()
                value = value.rstrip(b" \t")  # (RFC 9110, 5.5; as uvicorn 0.55 does)
                if name == b"expect" and value.lower() == b"100-continue":
                    self.expect_100_continue = True
                headers.append((name, value))
            self.scope[RAW_HEADER_NAMES] = [name for name, _ in raw]  # type: ignore[literal-required]

        def on_body(self, body: bytes) -> None:
            if self._planned is not None:
                self._body += body
                if len(self._body) <= DIRECT_BODY_LIMIT:  # (as its Content-Length said)
                    return
                self._planned_to_asgi()  # longer than it said: uvicorn's flow control
                return
            super().on_body(body)

        # -- answering -------------------------------------------------------------------

        def on_message_complete(self) -> None:
            planned = self._planned
            if planned is None:
                super().on_message_complete()
                return
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None
            plan, headers = planned
            body = self._body
            fast = self._fast
            if plan is FORM:  # known by its body's Action
                plan = fast.plan_form(headers, body)  # type: ignore[union-attr]
                if plan is None or len(body) > plan.direct_limit:
                    self._planned_to_asgi()
                    super().on_message_complete()
                    return
            self._planned = None
            self._body = b""
            try:
                answer = fast.answer(plan, headers, body, self._respond_held)  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - as uvicorn answers an app that fails
                self.logger.exception("Exception in ASGI application")
                answer = (SERVER_ERROR, False)
            if type(answer) is tuple:
                data, keep_alive = answer
                transport = self.transport
                if type(data) is list:  # a large body, not copied behind its head
                    transport.writelines(data)
                elif data:
                    transport.write(data)
                if not keep_alive:
                    self.server_state.total_requests += 1
                    transport.close()
                else:
                    self.on_response_complete()
            elif answer is None:  # to be answered once its writes are durable
                self._held = self.cycle = _Held()  # type: ignore[assignment]
            else:
                self._answer_later(answer)

        def _respond_held(self, data: bytes | list[bytes], keep_alive: bool) -> None:
            """The answer to the request held for its commit (see ``FastPaths.answer``)."""
            held, self._held = self._held, None
            if held is None:
                return
            held.response_complete = True
            transport = self.transport
            if held.disconnected or transport.is_closing():
                return
            if type(data) is list:
                transport.writelines(data)
            elif data:
                transport.write(data)
            if not keep_alive or not held.keep_alive:
                transport.close()
            self.on_response_complete()

        def _answer_later(self, finish) -> None:
            """Go on under ASGI with a planned request that has to wait: a request cycle of
            uvicorn's own (the body already in), whose ``send`` the gateway answers
            through; requests behind it on this connection queue as pipelined ones do."""
            self._open_scope()
            self.scope.update(method="POST", path="/", raw_path=b"/", query_string=b"")  # type: ignore[call-arg]
            cycle = self.cycle = RequestResponseCycle(
                scope=self.scope,
                transport=HeadHeldTransport(self.transport),  # type: ignore[arg-type]
                flow=self.flow,
                logger=self.logger,
                access_logger=self.access_logger,
                access_log=self.access_log,
                default_headers=self.server_state.default_headers,
                message_event=asyncio.Event(),
                expect_100_continue=False,
                keep_alive=True,
                on_response=self.on_response_complete,
            )
            cycle.more_body = False

            async def app(scope, receive, send) -> None:
                await finish(send)

            self._start_asgi_task(cycle, app)

        def send_400_response(self, msg: str) -> None:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                f"<Code>BadRequest</Code><Message>{escape(msg)}</Message></Error></ErrorResponse>"
            ).encode()
            head = [status_line(400)]
            for name, value in self.server_state.default_headers:
                head.extend([name, b": ", value, b"\r\n"])
            head.append(
                b"content-type: text/xml\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
                % len(body)
            )
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    return AwsHttpToolsProtocol


class _Held:
    """The request cycle, as uvicorn's protocol sees it, of a request answered once what
    it wrote is durable: requests behind it on the connection queue behind it."""

    __slots__ = ("response_complete", "disconnected", "keep_alive", "message_event")

    def __init__(self) -> None:
        self.response_complete = False
        self.disconnected = False
        self.keep_alive = True  # uvicorn's shutdown() turns it off
        self.message_event = self  # connection_lost() sets it

    def set(self) -> None:
        pass


class HeadHeldTransport:
    """The transport as one response sees it: the status line and headers of a response
    with a ``Content-Length`` are held back until the first piece of its body, so that it
    leaves in one write (one system call, one packet) rather than two. ``100 Continue``
    and the head of a chunked (streamed) response go out at once; closing sends what is
    held first. (Not used for HEAD, whose answer has no body to wait for.)"""

    __slots__ = ("_transport", "_head")

    def __init__(self, transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if len(data) <= _COALESCE_LIMIT:
                self._transport.write(head + data)
                return
            self._transport.write(head)
        elif (
            data.startswith(b"HTTP/1.1 ") and not data.startswith(b"HTTP/1.1 1")
            and b"\r\ntransfer-encoding: chunked\r\n" not in data
        ):
            self._head = data
            return
        self._transport.write(data)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def close(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)
        self._transport.close()


#: Seconds a planned request's body may follow its headers before it is read the ASGI way.
_BODY_WAIT = 1.0
#: A first piece of body up to this size is copied behind the head (one write); a larger
#: one goes out in a write of its own.
_COALESCE_LIMIT = 64 * 1024
