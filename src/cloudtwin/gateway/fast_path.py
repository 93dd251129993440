"""The short way through the gateway for the common request: a signed awsJson call.

Most requests an SDK sends look alike: ``POST /`` with ``X-Amz-Target``, an
``application/x-amz-json-*`` body of known length and a SigV4 ``Authorization`` header,
to a host the server answers plainly (no API Gateway, function URL, registry, user pool
or website host). For those, everything the gateway works out before the operation runs
— that the host is served plainly, the credential scope, the region, the route, the body
limits, the protocol's parser and serializer — depends only on four header values: the
``Authorization`` header up to its first comma (``AWS4-HMAC-SHA256 Credential=<scope>``),
``Host``, ``X-Amz-Target`` and ``Content-Type``. :class:`FastPaths` works it out once per
distinct combination into an :class:`OperationPlan`; later requests of the same shape look
it up with one dict access.

What a plan must not hold: anything of one request (the identity is resolved per request,
since IAM and STS register keys at any time), or a provider (tests install their own).
Requests of any other shape — CORS (``Origin``), presigned or unsigned, SigV4a, chunked
bodies, rest protocols, the control surface, signature verification — take the general
chain in :mod:`cloudtwin.gateway.app`, and so does any request whose plan cannot be made
(its error is the general chain's to give).

Form-encoded calls (the query and EC2 protocols) are planned the same way, with the
body's ``Action`` and ``Version`` in their shape (:meth:`FastPaths.plan_form`).

A planned request is run by :meth:`FastPaths.dispatch` (under ASGI), or, when the server
holds its whole body already (``cloudtwin.http_protocol``), by :meth:`FastPaths.answer`
there and then: no ASGI task, no messages, the response written as bytes in one go — the
same bytes, in the same order, as the ASGI way writes. An answer that acknowledges a
write is given once the group commit has made it durable; where the handler has to wait,
the answer goes on under ASGI (from where the handler stopped: it is run up to its first
wait on the spot, and most never wait).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from cloudtwin.execute_api import target as execute_api_target
from cloudtwin.gateway import host_targets, limits
from cloudtwin.gateway.body import BodyTooLarge
from cloudtwin.gateway.context import Exchange
from cloudtwin.gateway.errors import internal_error
from cloudtwin.gateway.host import website_bucket
from cloudtwin.gateway.identity import check_credentials
from cloudtwin.gateway.resumption import resume
from cloudtwin.gateway.signing import SIGV4, Credentials, parse_authorization
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway
    from cloudtwin.gateway.body import RequestBody
    from cloudtwin.gateway.router import Route

__all__ = ["FastPaths", "OperationPlan"]

errlog = logging.getLogger("cloudtwin.gateway")

_SCOPE_PREFIX = SIGV4 + " Credential="
_JSON_CONTENT = "application/x-amz-json-"
_FORM_CONTENT = "application/x-www-form-urlencoded"
#: A form body's Action and Version, when written plainly (nothing percent-encoded).
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)(?=&|$)")
_VERSION = re.compile(rb"(?:^|&)Version=([0-9-]+)(?=&|$)")
#: What :meth:`FastPaths.direct` says of a form-encoded call: its plan is known once its
#: body is (:meth:`FastPaths.plan_form`).
FORM = object()
_UNKNOWN = object()
#: Headers that send a request the general way whatever the rest says.
_GENERAL_HEADERS = ("origin", "transfer-encoding", "smithy-protocol", "x-amz-region-set")
#: Distinct request shapes remembered (one per access key, day, host and operation).
_PLAN_LIMIT = 4096
#: The largest body the server holds whole for :meth:`FastPaths.answer` (larger ones are
#: received under ASGI, with its flow control).
DIRECT_BODY_LIMIT = 64 * 1024

#: A body up to this size is copied behind its head (one write); a larger one is not.
_COPY_LIMIT = 64 * 1024
#: uvicorn's answer when the app fails before its response starts.
SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)

#: What :meth:`FastPaths.answer` gives the server: the response's bytes (or, for a large
#: body, a list of the head and the body) and whether the connection stays open; None when the answer is given later through the ``respond``
#: callback (once the request's writes are durable); or a coroutine function that answers
#: through an ASGI ``send`` (the handler has to wait, or the body is a stream).
Answer = "tuple[bytes | list[bytes], bool] | None | Callable[[Callable], Awaitable[None]]"


class HeaderNames(dict):
    """Header names as a client writes them (bytes) -> lower-cased text, each decoded once
    (``names[raw]``); bounded."""

    def __missing__(self, raw: bytes) -> str:
        if len(self) >= 1024:
            self.clear()
        name = self[raw] = raw.decode("latin-1").lower()
        return name


@dataclass(frozen=True, slots=True)
class OperationPlan:
    """What requests of one shape share: derived from the models and the server's
    settings, never from one request's data."""

    credentials: Credentials
    region: str
    route: "Route"
    #: The cap while reading the body (as before routing) and once routed (None: S3's
    #: declared-upload check instead).
    read_limit: int
    limit: int | None
    parser: Any
    serializer: Any
    #: The largest body the server may hold whole for :meth:`FastPaths.answer`.
    direct_limit: int


class FastPaths:
    """The plans of one gateway, by request shape; bounded."""

    def __init__(self, gateway: "Gateway") -> None:
        self._gateway = gateway
        self._plans: dict[tuple, OperationPlan | None] = {}
        #: Off when every request needs the general chain's checks.
        self.enabled = not gateway.config.verify_signatures
        #: Header names as the server reads them -> lower-cased text.
        self.header_names = HeaderNames()
        self._direct_ready = False
        self._max_header_bytes = gateway.config.max_header_bytes

    def plan(self, method: str, raw_path: bytes | None, query: bytes, headers: dict[str, str]) -> OperationPlan | None:
        """The plan for a request of this shape, or None: take the general chain."""
        if method != "POST" or raw_path != b"/" or query:
            return None
        return self._json_plan(headers)

    def _json_plan(self, headers: dict[str, str]) -> OperationPlan | None:
        """:meth:`plan` of a ``POST /`` without a query string."""
        target = headers.get("x-amz-target")
        authorization = headers.get("authorization")
        if target is None or authorization is None or not authorization.startswith(_SCOPE_PREFIX):
            return None
        if (  # (_GENERAL_HEADERS)
            "origin" in headers or "transfer-encoding" in headers
            or "smithy-protocol" in headers or "x-amz-region-set" in headers
        ):
            return None
        key = (authorization.partition(",")[0], headers.get("host"), target, headers.get("content-type"))
        plan = self._plans.get(key, _UNKNOWN)
        if plan is _UNKNOWN:
            plan = self._remember(key, self._make(authorization, headers, b"", _JSON_CONTENT))
        return plan  # type: ignore[return-value]

    def plan_form(self, headers: dict[str, str], body: bytes) -> OperationPlan | None:
        """The plan for a form-encoded call (the query and EC2 protocols: ``Action=`` in
        the body of a ``POST /``), whose shape includes the body's ``Action`` and
        ``Version``; None: take the general chain."""
        authorization = headers.get("authorization")
        if authorization is None or not authorization.startswith(_SCOPE_PREFIX):
            return None
        for name in _GENERAL_HEADERS:
            if name in headers:
                return None
        actions = _ACTION.findall(body)
        versions = _VERSION.findall(body)
        if len(actions) != 1 or len(versions) > 1:
            return None  # none, or repeated: the general chain reads the form whole
        key = (
            authorization.partition(",")[0], headers.get("host"), headers.get("content-type"),
            actions[0], versions[0] if versions else None,
        )
        try:
            return self._plans[key]
        except KeyError:
            pass
        return self._remember(key, self._make(authorization, headers, body, _FORM_CONTENT))

    def _remember(self, key: tuple, plan: OperationPlan | None) -> OperationPlan | None:
        if len(self._plans) >= _PLAN_LIMIT:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _make(self, authorization: str, headers: dict[str, str], body: bytes, content: str) -> OperationPlan | None:
        gateway = self._gateway
        host = headers.get("host", "")
        content_type = headers.get("content-type", "")
        if not content_type.startswith(content) or not gateway.hosts.serves(host):
            return None
        if (
            execute_api_target(host, "/") is not None
            or host_targets.function_url_id(host) is not None
            or host_targets.user_pool_target("/", host) is not None
            or website_bucket(host) is not None
        ):
            return None
        credentials = parse_authorization(authorization)
        if credentials is None or credentials.scheme != SIGV4 or credentials.presigned:
            return None
        try:
            route = gateway.router.route(HttpRequest("POST", "/", "", headers, body), credentials)
        except Exception:  # noqa: BLE001 - the general chain gives this request its error
            return None
        if route.operation is None or route.uri_params is not None:
            return None
        if content is _FORM_CONTENT and route.protocol not in ("query", "ec2"):
            return None
        region = credentials.region or gateway.router.hosts.parse(host).region or gateway.config.default_region
        parser, serializer = gateway.protocol(route.protocol)
        return OperationPlan(
            credentials,
            region,
            route,
            limits.limit_before_routing(credentials.signing_name),
            limits.limit_for(route.service, route.operation),
            parser,
            serializer,
            min(DIRECT_BODY_LIMIT, limits.limit_before_routing(credentials.signing_name)),
        )

    # -- running planned requests ----------------------------------------------------

    async def dispatch(self, ex: Exchange, body: "RequestBody", plan: OperationPlan) -> HttpResponse:
        """The gateway's ``_dispatch`` for a request of a planned shape, under ASGI: the
        same steps, in the same order, minus what the plan already knows."""
        identity = self._identify(ex, plan)
        try:
            ex.request.body = await body.read(plan.read_limit)
        except BodyTooLarge:
            ex.route = plan.route  # as the general chain would route it for its error
            raise
        response = self._run(ex, identity, plan)
        if type(response) is not HttpResponse:
            response = await response
        return response

    def direct(self, headers: dict[str, str], header_bytes: int) -> OperationPlan | object | None:
        """The plan of a ``POST /`` (HTTP/1.1, keep-alive) the server can hold whole and
        hand to :meth:`answer`; :data:`FORM` for a form-encoded one whose plan its body
        will tell (:meth:`plan_form`); None: it goes to the gateway under ASGI.
        ``header_bytes``: the header section's size, or more (a bound)."""
        if not self._direct_ready and not self._ready():
            return None
        if header_bytes > self._max_header_bytes or "expect" in headers:
            return None
        length = headers.get("content-length")
        size = 0
        if length is not None:
            if not length.isdigit():
                return None
            size = int(length)
            if size > DIRECT_BODY_LIMIT:
                return None
        if "x-amz-target" not in headers:
            content_type = headers.get("content-type")
            if content_type is None or not content_type.startswith(_FORM_CONTENT) or "transfer-encoding" in headers:
                return None
            return FORM
        plan = self._json_plan(headers)
        if plan is None or size > plan.direct_limit:
            return None
        return plan

    def _ready(self) -> bool:
        """Whether the server may answer planned requests itself: once the gateway is
        warm, where the server writes response heads (``Gateway.wire_head``)."""
        gateway = self._gateway
        self._direct_ready = self.enabled and gateway.wire_head is not None and gateway.warm
        return self._direct_ready

    def answer(
        self, plan: OperationPlan, headers: dict[str, str], body: bytes, respond: Callable[[bytes | list[bytes], bool], None]
    ) -> Answer:
        """Run a planned request whose whole body is ``body`` and answer it: see
        :data:`Answer`. ``respond(data, keep_alive)`` is how the answer of a request that
        wrote something is given once the write is durable (when this returns None)."""
        gateway = self._gateway
        start = time.perf_counter()
        ex = Exchange(HttpRequest("POST", "/", "", headers, body), gateway.request_ids.next())
        close = False
        try:
            identity = gateway.identities.resolve(plan.credentials.access_key_id)
            ex.account_id = identity.account_id
            ex.region = plan.region
            response = self._run(ex, identity, plan)
            if type(response) is not HttpResponse:
                # Most handlers that may wait do not (an SNS publish whose subscribers
                # are queues): run it up to its first wait, here, and answer now if it
                # finished; otherwise it goes on as a task from where it stopped.
                try:
                    waiting_on = response.send(None)
                except StopIteration as finished:
                    response = finished.value
                else:
                    return partial(self._answer_later, ex, resume(response, waiting_on), headers, start)
        except Exception as exc:  # noqa: BLE001 - a traceback must never reach the client
            response, close = gateway.failure(exc, ex)
        if ex.cors is not None or type(response.body) is not bytes:
            return partial(gateway.conclude, ex=ex, response=response, headers=headers, close=close, start=start)
        if gateway.persistence.pending:
            gateway.group_commit.after(partial(self._durable, ex, response, headers, close, start, respond))
            return None
        return self._wire(ex, response, headers, close, start)

    def _durable(
        self, ex: Exchange, response: HttpResponse, headers: dict, close: bool, start: float,
        respond: Callable[[bytes | list[bytes], bool], None], failure: Exception | None,
    ) -> None:  # fmt: skip
        try:
            if failure is not None:  # not durable: the write must not be acknowledged
                ex.error_code = "InternalFailure"
                response = self._gateway.render_error(internal_error(), ex)
            answer = self._wire(ex, response, headers, close, start)
        except Exception:  # noqa: BLE001 - the held connection is answered whatever happens
            errlog.exception("answering %s after its commit failed", ex.request_id)
            answer = (SERVER_ERROR, False)
        respond(*answer)

    def _wire(
        self, ex: Exchange, response: HttpResponse, headers: dict, close: bool, start: float
    ) -> tuple[bytes | list[bytes], bool]:
        """The response as the server writes it, and whether the connection stays open."""
        gateway = self._gateway
        if close:
            response.headers["Connection"] = "close"
        out, data = gateway.outgoing(response, headers)
        try:
            head = gateway.wire_head(response.status_code, out)  # type: ignore[misc]
        except UnicodeEncodeError:  # not latin-1: uvicorn could not be handed it
            errlog.error("a response header is not latin-1 text: %r", out)
            return SERVER_ERROR, False
        except ValueError:  # a header uvicorn would refuse to write: it closes the connection
            errlog.error("a response header cannot be written: %r", out)
            return b"", False
        gateway.record(ex, response.status_code, start)
        # a large body is not copied behind its head: the two go out in one writev
        wire = head + data if len(data) <= _COPY_LIMIT else [head, data]
        return wire, not close and "Connection" not in out

    async def _answer_later(
        self, ex: Exchange, pending: Awaitable[HttpResponse], headers: dict, start: float, send: Callable
    ) -> None:
        gateway = self._gateway
        close = False
        try:
            response = await pending
        except Exception as exc:  # noqa: BLE001 - a traceback must never reach the client
            response, close = gateway.failure(exc, ex)
        await gateway.conclude(send, ex, response, headers, close, start)

    def _identify(self, ex: Exchange, plan: OperationPlan):
        identity = self._gateway.identities.resolve(plan.credentials.access_key_id)
        ex.account_id = identity.account_id
        ex.region = plan.region
        return identity

    def _run(self, ex: Exchange, identity, plan: OperationPlan) -> HttpResponse | Awaitable[HttpResponse]:
        """The steps after the body is in: credentials' expiry, the routed body limit,
        then the operation (see ``Gateway.operate_now``)."""
        gateway = self._gateway
        ex.route = route = plan.route
        if identity.expires_at is not None or identity.disabled:
            check_credentials(identity, gateway.clock.now(), route.protocol)
        limit = plan.limit
        if limit is None:
            limits.check_declared_upload(route.service, ex.request.headers)
        elif len(ex.request.body) > limit:
            raise BodyTooLarge(limit)
        return gateway.operate_now(ex, identity, plan.region, plan.parser, plan.serializer)

