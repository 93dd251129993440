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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudtwin.execute_api import target as execute_api_target
from cloudtwin.gateway import host_targets, limits
from cloudtwin.gateway.host import website_bucket
from cloudtwin.gateway.signing import SIGV4, Credentials, parse_authorization
from cloudtwin.protocol.http import HttpRequest

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway
    from cloudtwin.gateway.router import Route

__all__ = ["FastPaths", "OperationPlan"]

_SCOPE_PREFIX = SIGV4 + " Credential="
_JSON_CONTENT = "application/x-amz-json-"
#: Headers that send a request the general way whatever the rest says.
_GENERAL_HEADERS = ("origin", "transfer-encoding", "smithy-protocol", "x-amz-region-set")
#: Distinct request shapes remembered (one per access key, day, host and operation).
_PLAN_LIMIT = 4096


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


class FastPaths:
    """The plans of one gateway, by request shape; bounded."""

    def __init__(self, gateway: "Gateway") -> None:
        self._gateway = gateway
        self._plans: dict[tuple, OperationPlan | None] = {}
        #: Off when every request needs the general chain's checks.
        self.enabled = not gateway.config.verify_signatures

    def plan(self, method: str, raw_path: bytes | None, query: bytes, headers: dict[str, str]) -> OperationPlan | None:
        """The plan for a request of this shape, or None: take the general chain."""
        if method != "POST" or raw_path != b"/" or query:
            return None
        target = headers.get("x-amz-target")
        authorization = headers.get("authorization")
        if target is None or authorization is None or not authorization.startswith(_SCOPE_PREFIX):
            return None
        for name in _GENERAL_HEADERS:
            if name in headers:
                return None
        key = (authorization.partition(",")[0], headers.get("host"), target, headers.get("content-type"))
        try:
            return self._plans[key]
        except KeyError:
            pass
        plan = self._make(authorization, headers)
        if len(self._plans) >= _PLAN_LIMIT:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _make(self, authorization: str, headers: dict[str, str]) -> OperationPlan | None:
        gateway = self._gateway
        host = headers.get("host", "")
        content_type = headers.get("content-type", "")
        if not content_type.startswith(_JSON_CONTENT) or not gateway.hosts.serves(host):
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
            route = gateway.router.route(HttpRequest("POST", "/", "", headers), credentials)
        except Exception:  # noqa: BLE001 - the general chain gives this request its error
            return None
        if route.operation is None or route.uri_params is not None:
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
        )
