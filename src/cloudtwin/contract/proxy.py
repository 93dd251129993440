"""The contract-testing proxy: every request to both sides, one answer back, a verdict each.

::

    client --> ContractProxy (127.0.0.1:4577) --+--> reference (AWS, re-signed; a URL; a recording)
                                                +--> target    (cloudtwin, or any URL)
                                 compare parsed answers --> Report

The proxy routes each request to its (service, operation) with cloudtwin's own router
(the same rules the server uses, so SQS-over-query, S3 virtual hosts and the rest are
recognised), forwards to both sides at once in worker threads, returns the answer of the
side it serves (the reference by default, the target when replaying), and compares the two
through the operation's output shape. Ids each side generated for itself are paired up as
they appear (:mod:`cloudtwin.contract.aliases`), so a workload that creates a key and then
uses it works on both sides. Requests to cloudtwin's control API
(``/_cloudtwin/...``) go to the target only and are not compared.

Use it from Python::

    with ContractProxy(target="http://127.0.0.1:4566", reference="aws") as proxy:
        run_workload(endpoint_url=proxy.endpoint)
    report = proxy.report()
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

from cloudtwin.contract.aliases import IdAliases
from cloudtwin.contract.compare import DEFAULT_IGNORE, ResponseComparer
from cloudtwin.contract.recording import Recorder, Replayer
from cloudtwin.contract.report import ExchangeResult, Report, summary_table
from cloudtwin.contract.upstream import HOP_BY_HOP, Answer, AwsEndpoint, Endpoint, Upstream
from cloudtwin.protocol.http import HttpRequest

__all__ = ["ContractProxy", "AWS"]

AWS = "aws"
CONTROL_PREFIX = "/_cloudtwin/"
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class ContractProxy:
    """An ASGI app (and, with :meth:`start`, a uvicorn server on 127.0.0.1) that compares
    a reference and a target on the traffic sent through it."""

    def __init__(
        self,
        target: str | Upstream,
        reference: str | Upstream | None = None,
        *,
        port: int = 0,
        region: str | None = None,
        ignore_paths: Iterable[str] = DEFAULT_IGNORE,
        serve: str | None = None,
        record: str | Path | None = None,
        replay: str | Path | None = None,
        session: Any = None,
        id_aliases: bool = True,
    ) -> None:
        if reference is None and replay is None:
            raise ValueError("a reference (URL or 'aws') or a recording to replay is needed")
        self.target = target if isinstance(target, Upstream) else Endpoint(target)
        self.replayer = Replayer(replay) if replay is not None else None
        self.reference: Upstream | None = None
        if self.replayer is None:
            if isinstance(reference, Upstream):
                self.reference = reference
            elif str(reference).lower() == AWS:
                self.reference = AwsEndpoint(region, session)
            else:
                self.reference = Endpoint(str(reference))
        self.serve = serve or ("target" if self.replayer is not None else "reference")
        if self.serve not in ("reference", "target"):
            raise ValueError("serve must be 'reference' or 'target'")
        self.region = region
        self.recorder = Recorder(record) if record is not None else None
        self.comparer = ResponseComparer(ignore_paths)
        #: Ids the two sides generated differently (None when turned off, or replaying:
        #: a recording cannot be rewritten, and the target is served).
        self.aliases = IdAliases() if id_aliases and self.replayer is None else None
        self._report = Report()
        self.port = port
        self._router = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> "ContractProxy":
        import uvicorn

        from cloudtwin.testing.server import free_port

        if not self.port:
            self.port = free_port()
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            server_header=False, date_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="cloudtwin-contract", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the contract proxy could not start on port {self.port}")
            if time.monotonic() > deadline:
                raise TimeoutError("the contract proxy did not start in time")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._report.finish()

    def __enter__(self) -> "ContractProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- results --------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """The report so far (see :mod:`cloudtwin.contract.report` for its fields)."""
        return self._report.to_dict()

    def write_report(self, path: str | Path) -> dict[str, Any]:
        return self._report.write(path)

    def summary(self) -> str:
        return summary_table(self.report())

    # -- ASGI -----------------------------------------------------------------------------

    @property
    def router(self) -> Any:
        if self._router is None:
            from cloudtwin.gateway.router import Router
            from cloudtwin.specs.catalog import ServiceCatalog
            from cloudtwin.specs.index import ServiceIndex

            self._router = Router(ServiceCatalog(), ServiceIndex.load())
        return self._router

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = await _read_request(scope, receive)
        answer = await self.handle(request)
        await _respond(send, request.method, answer)

    async def handle(self, request: HttpRequest) -> Answer:
        if request.path.startswith(CONTROL_PREFIX):
            return await asyncio.to_thread(self.target.send, request, None, None, None)
        service, action, protocol, operation, signing_name, region = self._route(request)
        region = region or self.region
        aliases = self.aliases
        if self.replayer is not None:
            reference_answer = self.replayer.answer(service or "unknown", action, request)
            target_answer = await asyncio.to_thread(self.target.send, request, service, signing_name, region)
        else:
            assert self.reference is not None
            # the side not served gets the ids it generated itself (see contract.aliases)
            to_reference = aliases.for_reference(request) if aliases and self.serve == "target" else request
            to_target = aliases.for_target(request) if aliases and self.serve == "reference" else request
            reference_answer, target_answer = await asyncio.gather(
                asyncio.to_thread(self.reference.send, to_reference, service, signing_name, region),
                asyncio.to_thread(self.target.send, to_target, service, signing_name, region),
            )
            if self.recorder is not None:
                self.recorder.save(service or "unknown", action, request, reference_answer)
        comparison = await asyncio.to_thread(
            self.comparer.compare, reference_answer, target_answer, protocol, operation, aliases
        )
        self._report.add(ExchangeResult(
            service or "unknown", action, reference_answer.status, target_answer.status, comparison
        ))
        served, other = (
            (reference_answer, target_answer) if self.serve == "reference" else (target_answer, reference_answer)
        )
        if served.failed and not other.failed:
            return other
        if served.failed:
            return _bad_gateway(served.error or "no answer")
        return served

    def _route(self, request: HttpRequest) -> tuple[str | None, str, str | None, Any, str | None, str | None]:
        """(service, action, wire protocol, operation model, signing name, region)."""
        from cloudtwin.gateway.signing import parse_credentials
        from cloudtwin.protocol.errors import ServiceError

        credentials = parse_credentials(request)
        signing_name = credentials.signing_name if credentials else None
        region = credentials.region if credentials else None
        try:
            route = self.router.route(request, credentials)
        except ServiceError:
            return None, "Unknown", None, None, signing_name, region
        operation = route.operation
        action = operation.name if operation is not None else "Unknown"
        return route.service, action, route.protocol, operation, signing_name, region


async def _read_request(scope: dict, receive: Receive) -> HttpRequest:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    return HttpRequest(
        scope["method"], path, scope.get("query_string", b"").decode("latin-1"), headers, b"".join(chunks)
    )


async def _respond(send: Send, method: str, answer: Answer) -> None:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in answer.headers
        if k.lower() not in HOP_BY_HOP or (method == "HEAD" and k.lower() == "content-length")
    ]
    if method != "HEAD":
        headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status or 502, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else answer.body})


def _bad_gateway(reason: str) -> Answer:
    from xml.sax.saxutils import escape

    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Receiver</Type>'
        f"<Code>BadGateway</Code><Message>{escape(reason)}</Message></Error></ErrorResponse>"
    ).encode()
    return Answer(502, [("Content-Type", "text/xml")], body)
