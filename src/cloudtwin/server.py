"""Running the gateway on a real ASGI server (uvicorn, with httptools and uvloop)."""

from __future__ import annotations

import errno
import logging
import socket
import sys
import time

from cloudtwin.config import Config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format=LOG_FORMAT)
    logging.getLogger("cloudtwin").setLevel(level.upper())


def http_protocol_class():
    """uvicorn's httptools protocol, with AWS-shaped answers to unparseable HTTP.

    When a request cannot even be framed (bad chunk sizes, broken request line...), the
    ASGI app never sees it and uvicorn answers a plain-text 400. SDKs parse error bodies,
    so answer the XML envelope they all understand instead. Falls back to uvicorn's
    choice when httptools is missing.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency via uvicorn[standard]
        return "auto"
    from cloudtwin.protocol.xml_writer import escape_text as escape

    class AwsHttpToolsProtocol(HttpToolsProtocol):
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._raw_names: list[bytes] = []
            self.scope[RAW_HEADER_NAMES] = self._raw_names  # type: ignore[literal-required]

        def on_header(self, name: bytes, value: bytes) -> None:
            # the names as the client wrote them (ASGI lower-cases them): API Gateway hands
            # them on to integrations with their casing. (uvicorn's own on_header, inline:
            # it runs for every header of every request.)
            self._raw_names.append(name)
            name = name.lower()
            if name == b"expect" and value.lower() == b"100-continue":
                self.expect_100_continue = True
            self.headers.append((name, value))

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.scope is self.scope and self.scope.get("method") != "HEAD":
                cycle.transport = HeadHeldTransport(self.transport)

        def send_400_response(self, msg: str) -> None:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                f"<Code>BadRequest</Code><Message>{escape(msg)}</Message></Error></ErrorResponse>"
            ).encode()
            head = [STATUS_LINE[400]]
            for name, value in self.server_state.default_headers:
                head.extend([name, b": ", value, b"\r\n"])
            head.append(
                b"content-type: text/xml\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
                % len(body)
            )
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    return AwsHttpToolsProtocol


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


#: A first piece of body up to this size is copied behind the head (one write); a larger
#: one goes out in a write of its own.
_COALESCE_LIMIT = 64 * 1024


class _HeaderName(bytes):
    """A response header name as the gateway wrote it (``Content-Type``, ``ETag``).

    uvicorn's httptools protocol lower-cases each name (``name.lower()``) to recognise
    ``content-length``, ``transfer-encoding`` and ``connection``, and writes what
    ``lower()`` returned: here that is the name as written, a plain ``bytes`` (compared in
    C), except for those three names, whose ``lower()`` is a :class:`_FramingName` equal
    to any casing of itself. Names are made once (:func:`cased_name`), not per response."""

    def lower(self) -> bytes:  # type: ignore[override]
        return self._written  # type: ignore[attr-defined]


class _FramingName(bytes):
    """``Content-Length`` and friends: written as cased, equal to the lower-case name."""

    def lower(self) -> "_FramingName":  # type: ignore[override]
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, bytes) and bytes.lower(self) == bytes.lower(other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(bytes.lower(self))


_FRAMING = (b"content-length", b"transfer-encoding", b"connection")


def cased_name(name: bytes) -> bytes:
    """``name`` in the form that makes uvicorn write it as it is (see :class:`_HeaderName`);
    :class:`CasedHeaders` makes each name once."""
    lower = bytes.lower(name)
    if lower == name:
        return bytes(name)  # already as uvicorn writes it
    if lower in _FRAMING:
        return _FramingName(name)
    found = _HeaderName(name)
    found._written = bytes(name)  # type: ignore[attr-defined]
    return found


#: The scope key holding the request's header names as the client wrote them (a list).
RAW_HEADER_NAMES = "cloudtwin.raw_header_names"
_DATE = cased_name(b"Date")


def _http_date(cache: list) -> bytes:
    """Now as an HTTP date (the server's wall clock, as uvicorn's own ``date`` header);
    ``cache`` holds the last second formatted and its text."""
    second = int(time.time())
    if cache[0] != second:
        import email.utils

        cache[0], cache[1] = second, email.utils.formatdate(second, usegmt=True).encode()
    return cache[1]


class CasedHeaders:
    """Response headers as the gateway hands them to the server (``Gateway.header_list``):
    names sent as written — AWS's headers have their casing (``Content-Type``, ``ETag``,
    ``Access-Control-Allow-Origin``, lower-case ``x-amz-*``), and clients that compare raw
    header maps see it — and a ``Date`` header first, as AWS writes it (uvicorn's own,
    lower-case, is turned off), unless the response has its own."""

    def __init__(self) -> None:
        self._date: list = [0, b""]
        #: header name -> its cased bytes (see :func:`cased_name`); bounded
        self._names: dict[str, bytes] = {}

    def __call__(self, headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
        names = self._names
        out = [(names.get(k) or self._name(k), str(v).encode("latin-1")) for k, v in headers.items()]
        for name in headers:
            if len(name) == 4 and name.lower() == "date":
                break  # the response's own
        else:
            out.insert(0, (_DATE, _http_date(self._date)))
        return out

    def _name(self, name: str) -> bytes:
        if len(self._names) >= 1024:
            self._names.clear()
        found = self._names[name] = cased_name(name.encode("latin-1"))
        return found


def websocket_protocol(**kwargs):
    """uvicorn's WebSocket protocol (its choice, as ``ws="auto"``), imported at the first
    WebSocket upgrade rather than at start: the websockets library is ~4 MiB that only
    API Gateway WebSocket APIs use."""
    from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

    if AutoWebSocketsProtocol is None:  # pragma: no cover - websockets is a dependency
        raise RuntimeError("no WebSocket library installed (websockets or wsproto)")
    return AutoWebSocketsProtocol(**kwargs)


def _server_class():
    import contextlib

    import uvicorn

    class CloudtwinServer(uvicorn.Server):
        """uvicorn's server, except that Ctrl-C / SIGTERM is a clean stop (exit status 0):
        uvicorn re-raises the signal after shutting down, which makes the process die of
        it; for a local tool a requested stop is not a failure."""

        @contextlib.contextmanager
        def capture_signals(self):
            with super().capture_signals():
                yield
                captured = getattr(self, "_captured_signals", None)
                if isinstance(captured, list):
                    captured.clear()

    return CloudtwinServer


def build_server(config: Config):
    """A uvicorn Server for the gateway, not yet started."""
    import uvicorn

    from cloudtwin.gateway.app import Gateway

    app = Gateway(config)
    protocol = http_protocol_class()
    if protocol != "auto":
        app.header_list = CasedHeaders()
    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level=config.log_level if config.log_level != "debug" else "info",
        access_log=False,  # the gateway logs one line per request itself
        lifespan="on",
        http=protocol,
        server_header=False,
        date_header=protocol == "auto",  # else CasedHeaders writes it
        # SDKs keep connections in a pool for a long time; AWS idles them out after ~60 s+.
        timeout_keep_alive=75,
        log_config=None,
        proxy_headers=False,  # a local endpoint: no proxy in front to trust
        ws=websocket_protocol,
    )
    return _server_class()(uv_config), app


class BindError(Exception):
    """The server cannot listen where it was asked to; the message is one line for a person."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port), or :class:`BindError`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise BindError(
                f"cannot listen on {where}: the port is in use (another cloudtwin or "
                "LocalStack?); stop it or choose another with --port (--port 0: any free port)"
            ) from None
        if exc.errno == errno.EACCES:
            raise BindError(f"cannot listen on {where}: permission denied") from None
        raise BindError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return sock


def serve(config: Config) -> None:
    """Bind, say where, then run in the foreground until Ctrl-C or SIGTERM."""
    # This process is the server's alone. uvicorn imports its --reload file watcher
    # (watchfiles, with anyio: ~2 MiB) when it is imported; the server never reloads, and
    # without watchfiles uvicorn takes its plain stat-based reloader instead.
    sys.modules.setdefault("watchfiles", None)  # type: ignore[arg-type]
    configure_logging(config.log_level)
    sock = listen(config.host, config.port)
    config.port = sock.getsockname()[1]  # the port chosen for --port 0
    try:
        server, app = build_server(config)
        app.restore()  # before serving: a data dir that cannot be loaded stops the start here
    except BaseException:
        sock.close()
        raise
    host = f"[{config.host}]" if ":" in config.host else config.host
    # Printed whatever the log level: it is how a person (or a script) learns the URL.
    print(f"cloudtwin listening on http://{host}:{config.port}", file=sys.stderr, flush=True)
    server.run(sockets=[sock])
