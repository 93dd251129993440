"""The ASGI application: one endpoint for every service.

A request goes through a short chain:

    control surface (/_cloudtwin/...)  ->  CORS preflight  ->  credentials (SigV4 scope)
      ->  route (service, wire protocol, operation)  ->  body (whole, or streamed)
      ->  parse (model-driven)  ->  validate (model-driven)  ->  handler  ->  serialize

Every failure on the way is an AWS-shaped error in the request's own protocol; nothing
raises into the ASGI server.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from typing import Any, Awaitable, Callable

from cloudtwin.clock import Clock, Processors
from cloudtwin.config import Config
from cloudtwin.control.api import ControlApi
from cloudtwin.control.request_log import RequestLog
from cloudtwin.gateway import host_targets, limits
from cloudtwin.execute_api import target as execute_api_target
from cloudtwin.http_protocol import RAW_HEADER_NAMES
from cloudtwin.gateway.body import BodyTimeout, BodyTooLarge, IncompleteBody, RequestBody
from cloudtwin.events.bus import EventBus
from cloudtwin.gateway.context import Exchange, RequestContext
from cloudtwin.gateway.cors import CorsPolicy
from cloudtwin.gateway.errors import internal_error, json_style, render_unrouted_error, request_timeout
from cloudtwin.gateway.fast_path import FastPaths
from cloudtwin.gateway.group_commit import GroupCommit
from cloudtwin.gateway.guard import HostCheck, control_body_refusal, host_name
from cloudtwin.gateway.host import website_bucket
from cloudtwin.gateway.identity import IdentityRegistry, check_credentials
from cloudtwin.gateway.payload import receive_payload
from cloudtwin.gateway.request_ids import RequestIds
from cloudtwin.gateway.warmup import start_warm_up
from cloudtwin.gateway.signing import parse_credentials
from cloudtwin.protocol.errors import ServiceError, not_implemented
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.registry import ServiceEnvironment, ServiceRegistry
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.state.backend import open_persistence

log = logging.getLogger("cloudtwin.request")
errlog = logging.getLogger("cloudtwin.gateway")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

#: Content types whose body names the operation (query / json / cbor): read before routing.
_BODY_ROUTED = (
    "application/x-www-form-urlencoded", "application/x-amz-json", "application/cbor", "application/x-amz-cbor",
)


class Gateway:
    """The cloudtwin ASGI app. One instance per server; it owns all state."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.started_at = time.monotonic()
        self.catalog = ServiceCatalog()
        self.identities = IdentityRegistry(self.config.default_account, self.config.default_identity)
        # The virtual clock and its tick processors: one pair per server, nothing shared.
        self.clock = Clock()
        self.persistence = open_persistence(self.config.data_dir, self.clock, self.config.check_records)
        self.processors = Processors(self.clock, after_run=self.persistence.commit)
        self.services = ServiceRegistry(
            ServiceEnvironment(
                self.config,
                self.catalog,
                self.identities,
                self.clock,
                self.processors,
                self.persistence,
                EventBus(after_delivery=self.persistence.commit),
            )
        )
        self.control = ControlApi(self)
        self.cors = CorsPolicy(self.config.cors_origins)
        self.hosts = HostCheck(self.config.host, self.config.hostnames)
        self.request_log = RequestLog()
        self.request_ids = RequestIds()
        self.fast_paths = FastPaths(self)
        #: The response headers as the server is handed them (the server may set its own:
        #: cloudtwin.response_head.CasedHeaders keeps the names' casing).
        self.header_list: Callable[[dict[str, str]], list[tuple[bytes, bytes]]] = _header_list
        #: The status line and header section as the server writes them, for the responses
        #: it lets the gateway write whole (cloudtwin.http_protocol); None: it lets none.
        self.wire_head: Callable[[int, dict[str, str]], bytes] | None = None
        self._router = None
        self._router_lock = threading.Lock()
        #: Requests that finish in the same turn of the event loop share one commit.
        self.group_commit = GroupCommit(self.persistence.commit)
        self._validators = None
        self._protocols: dict[str, tuple[Any, Any]] = {}
        self._restored = False
        #: Set once the warm-up thread has imported everything (None: no warm-up running).
        self._warming: threading.Event | None = None

    @property
    def warm(self) -> bool:
        """Whether the warm-up (imports in the background at start) is over."""
        return self._warming is None

    # -- lazily built machinery (start-up pays for none of it) ---------------------------

    @property
    def router(self):
        """The router (built by the warm-up, or by whichever request needs it first)."""
        if self._router is None:
            with self._router_lock:  # the warm-up thread may be building it
                if self._router is None:
                    from cloudtwin.gateway.router import Router
                    from cloudtwin.specs.index import ServiceIndex

                    self._router = Router(self.catalog, ServiceIndex.load(), hostnames=self.config.hostnames)
        return self._router

    def protocol(self, name: str) -> tuple[Any, Any]:
        """(parser, serializer) of a wire protocol."""
        pair = self._protocols.get(name)
        if pair is None:
            from cloudtwin.protocol.parsers import get_parser
            from cloudtwin.protocol.serializers import get_serializer

            pair = (get_parser(name), get_serializer(name))
            self._protocols[name] = pair
        return pair

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket connection: only API Gateway WebSocket APIs take them."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        api = execute_api_target(headers.get("host", ""), path) if self.hosts.serves(headers.get("host")) else None
        served = False
        if api is not None:
            provider = self.services.provider("apigatewayv2")
            try:
                served = await provider.serve_websocket(scope, receive, send, api[0], api[1])  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - a traceback must never reach the client
                errlog.exception("unhandled error in WebSocket API %s", api[0])
                return
        if not served:
            await send({"type": "websocket.close", "code": 1008})

    def restore(self) -> None:
        """Load the services that have saved state, so their stores and background work
        are back before the first request (only with persistence on). Runs once; raises
        DataDirError when the saved state cannot be read."""
        if self._restored:
            return
        self._restored = True
        with self.persistence.loading():
            for service in sorted({path.split("/", 1)[0] for path in self.persistence.paths()}):
                self.services.provider(service)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.restore()
                self.processors.start()  # background tick processing on real time
                await send({"type": "lifespan.startup.complete"})
                # Serving already: import what every first request needs meanwhile, and
                # build the router (the index of every service) that each one goes through.
                self._warming = start_warm_up(lambda: self.router)
            elif message["type"] == "lifespan.shutdown":
                await self.processors.stop()
                await self.services.close()
                self.persistence.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        raw_headers = scope["headers"]
        # ASGI servers give lower-cased names; latin-1 text has one character per byte.
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw_headers}
        if len(headers) == len(raw_headers):
            header_bytes = sum(map(len, headers)) + sum(map(len, headers.values()))
        else:  # a repeated header: its values joined, as one
            headers, header_bytes = _joined_headers(raw_headers)
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"")
        request = HttpRequest(scope["method"], path, query.decode("latin-1"), headers)
        ex = Exchange(request, self.request_ids.next())
        body = RequestBody(receive, headers, self.config.body_idle_timeout)
        close = False
        try:
            if header_bytes > self.config.max_header_bytes:
                raise ServiceError(
                    "RequestHeaderSectionTooLarge",
                    f"Your request header section exceeds the maximum allowed size "
                    f"of {self.config.max_header_bytes} bytes.",
                    400,
                )
            plan = (
                self.fast_paths.plan(request.method, raw_path, query, headers)
                if self.fast_paths.enabled and self._warming is None
                else None
            )
            if plan is not None:
                response = await self.fast_paths.dispatch(ex, body, plan)
            else:
                response = await self._general(scope, send, ex, body)
                if response is None:
                    return  # answered already: not a service call (the control surface...)
        except Exception as exc:  # noqa: BLE001 - a traceback must never reach the client
            response, close = self.failure(exc, ex)
            if response is None:
                return  # the client is gone: nobody to answer
        await self.conclude(send, ex, response, headers, close or body.worth_closing("expect" in headers), start)

    async def conclude(
        self, send: Send, ex: "Exchange", response: HttpResponse, headers: dict, close: bool, start: float
    ) -> None:
        """Answer a request whose response is made: once what it wrote is durable, with
        ``Connection: close`` where the connection cannot carry another request (a body
        left unread, or held back for ``100 Continue``); then log it."""
        # Whatever the request wrote is durable before anyone hears it was done.
        if self.persistence.pending:
            try:
                await self.group_commit.wait()
            except Exception:  # noqa: BLE001 - not durable: the write must not be acknowledged
                ex.error_code = "InternalFailure"
                response = self.render_error(internal_error(), ex)
        if close:
            response.headers["Connection"] = "close"
        if ex.cors is not None:
            # The service decided the CORS headers (S3 bucket rules): no server default.
            response.headers.update(ex.cors)
        await self._send(send, response, headers, decorate=ex.cors is None)
        self.record(ex, response.status_code, start)

    def failure(self, exc: Exception, ex: "Exchange") -> tuple[HttpResponse | None, bool]:
        """The answer to a request that raised ``exc``, and whether the connection must
        close after it (a body left unread); no answer when the client has gone."""
        close = False
        if isinstance(exc, ServiceError):
            error = exc
        elif isinstance(exc, BodyTooLarge):
            # Answered without reading the rest: the connection cannot carry another request.
            close = True
            route = ex.route
            error = limits.too_large(
                route.service if route else None,
                exc.limit,
                form_upload=route is not None and route.operation is None,
                operation=route.operation.name if route and route.operation else None,
            )
        elif isinstance(exc, BodyTimeout):
            close = True
            error = request_timeout()
        elif isinstance(exc, IncompleteBody):
            return None, True
        else:
            errlog.error("unhandled error in %s %s", ex.request.method, ex.request.path, exc_info=exc)
            error = internal_error()
        ex.error_code = error.code
        return self.render_error(error, ex), close

    def record(self, ex: "Exchange", status: int, start: float) -> None:
        """The request log's row (and the INFO line) of an answered request."""
        elapsed_ms = (time.perf_counter() - start) * 1000
        route = ex.route
        service = route.service if route else None
        operation = route.operation.name if route and route.operation else None
        self.request_log.append_row((  # a RequestRecord's fields
            time.time(),
            ex.request_id,
            service,
            operation,
            ex.account_id,
            ex.region,
            status,
            ex.error_code,
            round(elapsed_ms, 3),
        ))  # fmt: skip
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s.%s %d %s%.1fms",
                service,
                operation,
                status,
                f"{ex.error_code} " if ex.error_code else "",
                elapsed_ms,
            )

    async def _general(self, scope: Scope, send: Send, ex: "Exchange", body: RequestBody) -> HttpResponse | None:
        """The general chain: every kind of request the fast path does not take. Returns
        the response of a service call, or None for a request it answered itself."""
        request = ex.request
        headers, path = request.headers, request.path
        api = execute_api_target(headers.get("host", ""), path)
        if api is not None:  # <api-id>.execute-api.<base>, /restapis/<id>/<stage>/_user_request_/...
            if not self.hosts.serves(headers.get("host")):
                raise self._refusal(ex, _foreign_host_message(headers["host"]))
            request.body = await body.read(limits.EXECUTE_API_LIMIT)
            raw_names = scope.get(RAW_HEADER_NAMES)
            if raw_names:
                request.header_names = {n.decode("latin-1").lower(): n.decode("latin-1") for n in raw_names}
            response = await self._execute_api(request, api, ex.request_id)
            if self.persistence.pending:
                await self.group_commit.wait()
            await self._send(send, response, headers)
            return None
        if self.control.claims(request):
            response = await self._control(request, body)
            close = body.worth_closing("expect" in headers)
            if close:
                response.headers["Connection"] = "close"
            await self._send(send, response, headers)
            return None
        if self._warming is not None:
            self._finish_warm_up()
        if not self.hosts.serves(headers.get("host")):
            raise self._refusal(ex, _foreign_host_message(headers["host"]))
        url_id = host_targets.function_url_id(headers.get("host", ""))
        if url_id is not None:  # <url-id>.lambda-url.<region>.<base>: a function URL
            request.body = await body.read(limits.FUNCTION_URL_LIMIT)
            response = await self.services.provider("lambda").serve_url(request, url_id, ex.request_id)
            await self._send(send, response, {})
            return None
        registry = host_targets.ecr_registry(headers.get("host", ""), path)
        if registry is not None:  # <account>.dkr.ecr.<region>.<base>/v2/...: docker push / pull
            request.body = await body.read(limits.S3_OBJECT_LIMIT)
            response = self.services.provider("ecr").serve_registry(request, *registry)
            if self.persistence.pending:
                await self.group_commit.wait()
            await self._send(send, response, {})
            return None
        pool_target = host_targets.user_pool_target(request.path, headers.get("host", ""))
        if pool_target is not None and request.method != "OPTIONS" and (
            pool_target[0] == "domain" or self.router.hosts.parse(headers.get("host", "")).bucket is None
        ):  # a user pool's JWKS / OpenID configuration / OAuth2 endpoints (on a virtual-host
            # bucket, /<pool-id>/... is an object key)
            request.body = await body.read(limits.CONTROL_LIMIT)
            response = await self.services.provider("cognito-idp").serve_http(request, *pool_target)
            await self._send(send, response, headers)
            return None
        site = self._website(request, ex.request_id)
        if site is not None:
            await self._send(send, site, {}, decorate=False)
            return None
        if request.method == "OPTIONS":
            answer = self._service_options(request, ex.request_id)
            if answer is not None:
                await self._send(send, answer, {}, decorate=False)
                return None
        if CorsPolicy.is_preflight(request.method, headers):
            await self._send(send, self.cors.preflight(request.headers), {})
            return None
        return await self._dispatch(ex, body)

    def _finish_warm_up(self) -> None:
        """A service request during the warm-up waits for it (a fraction of a second, as
        long as importing would have taken it), rather than importing the same modules
        from a second thread: two threads importing one cycle of modules at once can each
        see the other's half-initialized module."""
        warming = self._warming
        if warming is not None:
            warming.wait(30)
            self._warming = None

    async def _warmed_up(self) -> None:
        """Wait for the warm-up without holding up the event loop (health answers once it
        is done: a few tens of milliseconds after the server starts serving). A thread of
        the loop's executor waits for it, and the loop is woken the moment it is done: an
        event loop polling it would take the GIL from the warm-up every turn (~10 % of its
        time at one turn every 2 ms)."""
        warming = self._warming
        if warming is None or warming.is_set():
            return
        await asyncio.get_running_loop().run_in_executor(None, warming.wait, 30)

    async def _control(self, request: HttpRequest, body: RequestBody) -> HttpResponse:
        """The control surface, for this machine's tools and pages only (gateway.guard)."""
        from cloudtwin.control.payload import json_response

        headers = request.headers
        if not self.hosts.serves(headers.get("host")):
            return json_response(403, {"error": _foreign_host_message(headers["host"])})
        origin = headers.get("origin")
        if origin and not self.cors.allowed(origin):
            return json_response(403, {"error": _foreign_origin_message(origin)})
        console = request.path.startswith("/_cloudtwin/ui/")
        request.body = await body.read(limits.CONSOLE_LIMIT if console else limits.CONTROL_LIMIT)
        if self._warming is not None:
            if request.path.startswith("/_cloudtwin/health"):
                await self._warmed_up()  # healthy = ready: a call right after it waits for nothing
            else:
                self._finish_warm_up()  # the control API may load models and services too
        refusal = control_body_refusal(request.method, headers, request.body)
        if refusal is not None:
            return json_response(415, {"error": refusal})
        response = self.control.handle(request)
        if inspect.isawaitable(response):  # the web console
            response = await response
        self.persistence.commit()
        return response

    async def _execute_api(self, request: HttpRequest, api: tuple[str, str], request_id: str) -> HttpResponse:
        """A request to an API Gateway API (REST, or HTTP/WebSocket of apigatewayv2)."""
        from cloudtwin.control.payload import json_response

        api_id, path = api
        try:
            for service in ("apigateway", "apigatewayv2"):
                provider = self.services.provider(service)
                serve = getattr(provider, "serve", None)
                if serve is None:
                    continue
                response = await serve(request, api_id, path, request_id, self.loopback)
                if response is not None:
                    return response
        except Exception:  # noqa: BLE001 - a traceback must never reach the client
            errlog.exception("unhandled error in API %s %s %s", api_id, request.method, path)
            return json_response(500, {"message": "Internal server error"})
        return json_response(
            404, {"message": f"The API id '{api_id}' does not correspond to a deployed API Gateway API"}
        )

    async def loopback(self, request: HttpRequest) -> HttpResponse:
        """Run a request made in-process (an API Gateway AWS integration) through the same
        chain as one from the network, and answer it as the service would."""
        ex = Exchange(request, self.request_ids.next())
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        body = RequestBody(receive, request.headers, self.config.body_idle_timeout)
        try:
            return await self._dispatch(ex, body)
        except ServiceError as error:
            return self.render_error(error, ex)
        except Exception:  # noqa: BLE001
            errlog.exception("unhandled error in an integration request to %s", request.path)
            return self.render_error(internal_error(), ex)

    def _refusal(self, ex: "Exchange", message: str) -> ServiceError:
        """A 403 for a request cloudtwin will not serve, in its service's envelope."""
        if ex.route is None:
            self._route_for_error(ex, parse_credentials(ex.request))
        return access_denied(ex.route, message)

    def _check_origin(self, ex: "Exchange", route) -> None:
        """A browser request. The server's policy must allow the origin, or the request is
        refused — except on an S3 bucket, whose CORS rules decide the headers as on AWS: a
        matching rule gives its headers, otherwise there are none (the page cannot read the
        answer); a foreign origin's write without a matching rule is refused (AWS would take
        a cross-site form upload; cloudtwin does not)."""
        request = ex.request
        origin = request.headers["origin"]
        if route.service == "s3" and (route.uri_params or {}).get("Bucket"):
            hook = getattr(self.services.provider("s3"), "cors_headers", None)
            rule_headers = (hook(request, route.uri_params) if hook is not None else None) or {}
            ex.cors = rule_headers  # S3's own: the matching rule's headers, else none at all
            if rule_headers or self.cors.allowed(origin) or request.method in ("GET", "HEAD"):
                return
        if not self.cors.allowed(origin):
            raise access_denied(route, _foreign_origin_message(origin))

    def _website(self, request: HttpRequest, request_id: str) -> HttpResponse | None:
        """A request to an S3 website endpoint (``<bucket>.s3-website...``): S3 answers it
        as a web server would (provider's ``website_request(request, bucket, request_id)``)."""
        bucket = website_bucket(request.headers.get("host", ""))
        if bucket is None:
            return None
        provider = self.services.provider("s3")
        return provider.website_request(request, bucket, request_id)  # type: ignore[union-attr]

    def _service_options(self, request: HttpRequest, request_id: str) -> HttpResponse | None:
        """An ``OPTIONS`` request the addressed service answers itself (S3, from the
        bucket's CORS configuration, via the provider's ``preflight(request, uri_params,
        request_id)``); None: the server-wide default policy decides."""
        try:
            probe = HttpRequest("GET", request.path, request.query_string, request.headers)
            route = self.router.route(probe, None)
            provider = self.services.provider(route.service) if route.service else None
            hook = getattr(provider, "preflight", None)
            if hook is not None:
                return hook(request, route.uri_params or {}, request_id)
        except ServiceError:
            pass
        return None


    async def _dispatch(self, ex: "Exchange", body: RequestBody) -> HttpResponse:
        request = ex.request
        headers = request.headers
        credentials = parse_credentials(request)
        identity = self.identities.resolve(credentials.access_key_id if credentials else None)
        ex.account_id = identity.account_id
        region = credentials.region if credentials else None
        if region is None:  # unsigned: the host may name it (sqs.eu-west-1.localhost)
            region = self.router.hosts.parse(headers.get("host", "")).region
        ex.region = region = region or self.config.default_region

        body_read = request.method in ("GET", "HEAD")
        if not body_read and (
            headers.get("content-type", "").startswith(_BODY_ROUTED)
            or "x-amz-target" in headers
            or "smithy-protocol" in headers
        ):
            try:
                request.body = await body.read(
                    limits.limit_before_routing(credentials.signing_name if credentials else None)
                )
            except BodyTooLarge:
                self._route_for_error(ex, credentials)
                raise
            body_read = True
        ex.route = route = self.router.route(request, credentials)
        operation = route.operation
        if "origin" in headers:
            self._check_origin(ex, route)
        if credentials is not None and credentials.presigned and route.service == "s3":
            from cloudtwin.gateway.presign import verify_presigned

            bucket = (route.uri_params or {}).get("Bucket")
            verify_presigned(request, credentials.scheme, bucket, identity, self.clock.now())
        if operation is None:
            if route.service == "s3" and request.method == "POST":
                # S3's browser-form upload (presigned POST) has no botocore operation.
                return await self._form_post(ex, route, identity, region, body)
            from cloudtwin.gateway.router import unknown_operation_error

            raise unknown_operation_error(route, request)
        if identity.expires_at is not None or identity.disabled:
            # Credentials IAM/STS issued: refused when inactive or expired.
            check_credentials(identity, self.clock.now(), route.protocol)
        # Receiving the payload takes aws-chunked off Content-Encoding: verify the headers
        # as they were signed.
        verify = self.config.verify_signatures and credentials is not None and not credentials.presigned
        signed_headers = dict(headers) if verify else None
        limit = limits.limit_for(route.service, operation)
        if limit is None:
            limits.check_declared_upload(route.service, headers)
        if not body_read:
            await receive_payload(request, operation, body, limit)
        elif limit is not None and len(request.body) > limit:
            raise BodyTooLarge(limit)
        if verify:
            from cloudtwin.gateway.verification import verify_header_signature

            verify_header_signature(request, credentials, identity, route, signed_headers)
        parser, serializer = self.protocol(route.protocol)
        return await self._operate(ex, identity, region, parser, serializer)

    async def _operate(self, ex: "Exchange", identity, region: str, parser, serializer) -> HttpResponse:
        """Parse, validate, authorize, run the handler, serialize: a routed request whose
        body has been received."""
        response = self.operate_now(ex, identity, region, parser, serializer)
        if type(response) is not HttpResponse:
            response = await response
        return response

    def operate_now(
        self, ex: "Exchange", identity, region: str, parser, serializer
    ) -> HttpResponse | Awaitable[HttpResponse]:
        """:meth:`_operate` as far as it goes without waiting: the response, or, when the
        handler has to wait (it returned an awaitable), what finishes it."""
        request = ex.request
        route = ex.route
        operation = route.operation
        # Malformed or invalid input gets AWS's answer even for operations cloudtwin does
        # not implement: AWS rejects it before any service logic runs.
        params = parser.parse(request, operation, route.uri_params)
        provider = self.services.provider(route.service)
        if provider is not None:
            provider.complete_params(request, operation, params)
        (self._validators or self.validators).validate(params, operation, route.protocol)
        if self.config.enforce_iam and not identity.is_root:
            self._authorize(identity, route, operation, params, region)
        handler = provider.handler(operation.name) if provider is not None else None
        if handler is None:
            raise not_implemented(route.service, operation.name)
        ctx = RequestContext(  # what _context builds, without its call (positional: fields' order)
            route.service, operation.name, route.protocol, identity.account_id, region,
            ex.request_id, identity, request, provider.stores, self.clock,
        )  # fmt: skip
        result = handler(ctx, params)
        if result is not None and type(result) is not dict and inspect.isawaitable(result):
            return self._serialized(ex, result, serializer)
        if route.protocol == "query" and _accepts_json_only(request.headers):
            return serializer.serialize_result_as_json(result, operation, ex.request_id)
        return serializer.serialize_result(result, operation, ex.request_id)

    async def _serialized(self, ex: "Exchange", pending: Awaitable, serializer) -> HttpResponse:
        result = await pending
        operation = ex.route.operation
        if ex.route.protocol == "query" and _accepts_json_only(ex.request.headers):
            return serializer.serialize_result_as_json(result, operation, ex.request_id)
        return serializer.serialize_result(result, operation, ex.request_id)

    def _route_for_error(self, ex: "Exchange", credentials) -> None:
        """Route a request whose body was refused unread, so that the error speaks the
        service's protocol where the headers alone say which it is."""
        try:
            ex.route = self.router.route(ex.request, credentials)
        except Exception:  # noqa: BLE001 - unroutable: the generic envelope will do
            ex.route = None

    async def _form_post(self, ex: "Exchange", route, identity, region: str, body: RequestBody) -> HttpResponse:
        """Hand an S3 form upload to the provider's ``post_object(ctx, uri_params)``."""
        provider = self.services.provider(route.service)
        post = getattr(provider, "post_object", None)
        if post is None:
            raise not_implemented(route.service, "PostObject")
        # The body may have been read already to route the request: it is replayed.
        ex.request.body = await body.read(limits.S3_FORM_LIMIT)
        ctx = self._context(ex, "PostObject", identity, region, provider)
        return await post(ctx, route.uri_params or {})

    def _context(self, ex: "Exchange", operation: str, identity, region: str, provider) -> RequestContext:
        route = ex.route
        # Positional (the fields' order): a dataclass's keyword arguments cost more per request.
        return RequestContext(
            route.service, operation, route.protocol, identity.account_id, region,
            ex.request_id, identity, ex.request, provider.stores, self.clock,
        )  # fmt: skip

    def _authorize(self, identity, route, operation, params: dict, region: str) -> None:
        """IAM enforcement (``CLOUDTWIN_ENFORCE_IAM=1``): the IAM provider's evaluator
        decides calls signed with IAM-issued credentials."""
        from cloudtwin.gateway.identity import partition_for_region

        iam = self.services.provider("iam")
        if iam is None:
            return
        message = iam.check_access(
            identity,
            route.service,
            operation.service_model.signing_name,
            operation.name,
            params,
            region,
            partition_for_region(region),
        )
        if message is not None:
            raise access_denied(route, message)

    @property
    def validators(self):
        """Model-driven input validation, with each protocol family's and service's wording."""
        if self._validators is None:
            from cloudtwin.protocol.validation import Validators

            self._validators = Validators()
        return self._validators

    def render_error(self, error: ServiceError, ex: "Exchange") -> HttpResponse:
        route = ex.route
        if route is not None:
            try:
                _, serializer = self.protocol(route.protocol)
                service_model = self.catalog.service_model(route.service)
                return serializer.serialize_error(error, service_model, route.operation, ex.request_id)
            except Exception:  # noqa: BLE001
                errlog.exception("could not serialize %s for %s", error.code, route.service)
        return render_unrouted_error(error, ex.request, ex.request_id)

    async def _send(
        self, send: Send, response: HttpResponse, request_headers: dict, *, decorate: bool = True
    ) -> None:
        out, body = self.outgoing(response, request_headers, decorate)
        await send({"type": "http.response.start", "status": response.status_code, "headers": self.header_list(out)})
        if type(body) is bytes or isinstance(body, (bytes, bytearray)):
            await send({"type": "http.response.body", "body": body})
            return
        # A failure mid-stream cannot change the status any more: the server drops the
        # connection, which is how a client learns the body is incomplete.
        async for chunk in body:  # type: ignore[union-attr]
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def outgoing(self, response: HttpResponse, request_headers: dict, decorate: bool = True) -> tuple[dict, Any]:
        """The headers and body a response goes out with: CORS headers for the request's
        origin, no body where the status allows none, and the length of a whole body."""
        out = response.headers
        origin = request_headers.get("origin")
        if origin and decorate:
            self.cors.decorate(origin, out)
        body = response.body
        if response.status_code in (204, 304) and body:
            # These statuses never carry a body (HTTP): a client would read the bytes as
            # the start of the next response (an S3 304 Not Modified error, say).
            body = b""
            out.pop("Content-Length", None)
            out.pop("Content-Type", None)
        if (
            response.status_code != 204  # a 204 has no length to announce
            and isinstance(body, (bytes, bytearray))
            and "content-length" not in out and "Content-Length" not in out
        ):
            out["Content-Length"] = str(len(body))
        return out, body


def _header_list(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]


def _joined_headers(raw_headers: list[tuple[bytes, bytes]]) -> tuple[dict[str, str], int]:
    """The headers as one dict, a repeated header's values joined with ", " (HTTP's
    reading of a repeated field), and the header section's size in bytes."""
    headers: dict[str, str] = {}
    size = 0
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        size += len(raw_name) + len(raw_value)
        if name in headers:
            headers[name] = f"{headers[name]}, {value}"
        else:
            headers[name] = value
    return headers, size


def _accepts_json_only(headers: Any) -> bool:
    """A query-protocol client that asks for JSON (``Accept: application/json``, no XML)."""
    accept = headers.get("accept", "").lower()
    return "application/json" in accept and "xml" not in accept


def access_denied(route, message: str) -> ServiceError:
    """403 in the service's words (see gateway.errors.json_style)."""
    code = "AccessDeniedException" if json_style(route) else "AccessDenied"
    return ServiceError(code, message, 403, sender_fault=True)


def _foreign_host_message(host: str) -> str:
    return (
        f"cloudtwin does not serve the host name '{host_name(host)}': it answers loopback "
        "addresses, localhost, *.localhost, localhost.localstack.cloud and the names given "
        "with --hostname / CLOUDTWIN_HOSTNAME."
    )


def _foreign_origin_message(origin: str) -> str:
    return (
        f"Requests from the web origin '{origin}' are not allowed: cloudtwin accepts browser "
        "requests from loopback origins and those listed in CLOUDTWIN_CORS_ORIGINS."
    )
