"""Running the gateway on a real ASGI server (uvicorn, with httptools and uvloop): the
connection protocol is ``cloudtwin.http_protocol``, response heads ``cloudtwin.response_head``."""

from __future__ import annotations

import errno
import gc
import logging
import socket
import sys

from cloudtwin.config import Config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format=LOG_FORMAT)
    logging.getLogger("cloudtwin").setLevel(level.upper())


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
    from cloudtwin.code_cache import compiled_code

    with compiled_code("cloudtwin.server"):  # the classes' code, as a server before compiled it
        import uvicorn

        from cloudtwin.gateway.app import Gateway
        from cloudtwin.http_protocol import http_protocol_class
        from cloudtwin.response_head import CasedHeaders

        app = Gateway(config)
        protocol = http_protocol_class()
    if protocol != "auto":
        cased = CasedHeaders()
        app.header_list = cased
        app.wire_head = cased.head  # the protocol writes planned requests' answers itself
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


#: How many container objects the server allocates (net) before the garbage collector
#: looks at the young ones: Python's default, 700, is one collection every few requests
#: of a busy server, and each one that promotes survivors brings the next full collection
#: nearer. 10,000 costs at most a few MiB of uncollected cycles at a time.
GC_YOUNG_THRESHOLD = 10_000


def serve(config: Config) -> None:
    """Bind, say where, then run in the foreground until Ctrl-C or SIGTERM."""
    # This process is the server's alone. uvicorn imports its --reload file watcher
    # (watchfiles, with anyio: ~2 MiB) when it is imported; the server never reloads, and
    # without watchfiles uvicorn takes its plain stat-based reloader instead.
    sys.modules.setdefault("watchfiles", None)  # type: ignore[arg-type]
    # (and so is its garbage collector's schedule: see GC_YOUNG_THRESHOLD)
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
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
