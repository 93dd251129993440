"""Which service and operation a request is for, read from the request alone.

AWS's front ends know the service from the endpoint a client called; cloudtwin has one
endpoint for all of them, so it routes as they would from what every request carries:

1. ``smithy-protocol: rpc-v2-cbor`` / path ``/service/<Svc>/operation/<Op>``  -> cbor
2. ``X-Amz-Target: <targetPrefix>.<Operation>``                               -> json
3. ``Action=<Operation>`` in a form body or the query string                 -> query / ec2
4. otherwise a rest request: the service from the signing name in the credential scope
   (several services share one: ``s3``/``s3control``, the six ``bedrock`` services...),
   the Host header (``sqs.us-east-1.localhost``, ``bucket.s3.localhost``...), a bearer
   token, and as a last resort every rest service; the operation by matching method,
   path and query literals against the services' compiled ``requestUri`` templates.

Ties between services are settled by the signing name, then the Host, then the API
``Version`` (query), then the service whose own name is the signing name. Requests that
stay ambiguous are listed, with the reason, in ``tests/gateway/test_router.py``.

Everything per service is compiled on first use (``TemplateMatcher`` per service, the
request-independent facts of colliding operations), and the catalog loads only the model
of the service a request is routed to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping
from urllib.parse import unquote_plus

from cloudtwin.gateway.host import HostInfo, HostRules
from cloudtwin.gateway.signing import Credentials
from cloudtwin.gateway.uri_templates import Match, TemplateMatcher, UriTemplate, split_path
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, parse_query
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.specs.index import ServiceIndex, ServiceInfo

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

__all__ = ["Route", "Router", "RoutingError", "unknown_operation_error"]

CBOR = "smithy-rpc-v2-cbor"
#: awsJson with a CBOR body (Kinesis from the SDKs that speak it): ``application/x-amz-cbor-1.1``.
JSON_CBOR = "json-cbor"
AMZ_CBOR_CONTENT_TYPE = "application/x-amz-cbor"
_FORM = "application/x-www-form-urlencoded"
_CBOR_PREFIX = "/service/"
#: Endpoint-rule signing names that select one operation among identical S3 requests
#: (``ListDirectoryBuckets`` is ``ListBuckets`` signed for ``s3express``), by the static
#: context parameter those operations set.
_SIGNING_NAME_CONTEXT = {
    "s3express": "UseS3ExpressControlEndpoint",
    "s3-object-lambda": "UseObjectLambdaEndpoint",
}
_SIGNING_CONTEXT_PARAMS = frozenset(_SIGNING_NAME_CONTEXT.values())
#: Distinct (signing name, Host, bearer) combinations remembered; virtual-host S3 makes one
#: per bucket, so the memo is cleared when it grows past this.
_PLAN_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request goes.

    ``protocol`` is the *wire* protocol of this request (SQS spoken in ``query`` says
    ``query`` though its model says json). ``operation`` is None when the service is known
    but the operation is not. ``uri_params`` are the still-encoded label values of a rest
    route (with ``Bucket`` from the Host for virtual-host S3), else None.
    """

    service: str
    protocol: str
    operation: "OperationModel | None"
    uri_params: dict[str, str] | None = None


class RoutingError(ServiceError):
    """No service matches. ``protocol`` is the wire protocol the request looked like."""

    def __init__(self, code: str, message: str, status_code: int, protocol: str | None) -> None:
        super().__init__(code, message, status_code, sender_fault=True)
        self.protocol = protocol


def unknown_operation_error(route: Route, request: HttpRequest) -> ServiceError:
    """What AWS answers when the service is right but the operation is not."""
    if route.protocol in ("query", "ec2"):
        action = _form_values(request).get("Action")
        if not action:
            return ServiceError("MissingAction", "The request must contain the parameter Action.", 400)
        return ServiceError("InvalidAction", f"The action {action} is not valid for this web service.", 400)
    if route.protocol == "rest-xml":
        return ServiceError(
            "MethodNotAllowed", "The specified method is not allowed against this resource.", 405
        )
    if route.protocol == "rest-json":
        return ServiceError(
            "UnknownOperationException", f"No operation matches {request.method} {request.path}", 404
        )
    return ServiceError("UnknownOperationException", "", 400)


@dataclass(frozen=True, slots=True)
class _Fit:
    """The request-independent facts that tell operations with identical templates apart."""

    required_query: frozenset[str]
    required_headers: frozenset[str]
    optional_query: frozenset[str]
    optional_headers: frozenset[str]
    context_params: frozenset[str]
    deprecated: bool

    @property
    def requirements(self) -> int:
        return len(self.required_query) + len(self.required_headers)


@dataclass(frozen=True, slots=True)
class _RestPlan:
    """Per (signing name, Host, bearer): the candidate services with their matchers."""

    candidates: tuple[tuple[ServiceInfo, TemplateMatcher], ...]
    #: Whether the services came from the request (signing name, Host) rather than a guess.
    authoritative: bool
    host: HostInfo
    #: Set when the plan is already the answer (signed for a non-rest service).
    unrouted: Route | None


class Router:
    """Routes requests to ``(service, wire protocol, operation, uri params)``."""

    def __init__(
        self, catalog: ServiceCatalog, index: ServiceIndex, hostnames: tuple[str, ...] = ()
    ) -> None:
        self.catalog = catalog
        self.index = index
        self.hosts = HostRules(index, hostnames)
        self._matchers: dict[str, TemplateMatcher] = {}
        self._all_rest: TemplateMatcher | None = None
        self._anonymous: TemplateMatcher | None = None
        self._fits: dict[tuple[str, str], _Fit] = {}
        self._plans: dict[tuple, _RestPlan] = {}
        self._rpc_routes: dict[tuple, Route] = {}

    # -- entry point --------------------------------------------------------------------

    def route(self, request: HttpRequest, credentials: Credentials | None) -> Route:
        signing_name = credentials.signing_name if credentials is not None else None
        headers = request.headers
        host = headers.get("host", "")
        # An rpc request's route depends only on a few header and form values: the answer
        # for the same values is remembered (rest routes carry per-request uri params).
        if headers.get("smithy-protocol") == "rpc-v2-cbor" or request.path.startswith(_CBOR_PREFIX):
            key: tuple = ("cbor", signing_name, host, request.path, headers.get("smithy-protocol"))
            route = self._rpc_routes.get(key)
            if route is None:
                route = self._remember(key, self._route_cbor(request, signing_name))
            if route is not None:
                return route
        target = headers.get("x-amz-target")
        if target:
            amz_cbor = headers.get("content-type", "").startswith(AMZ_CBOR_CONTENT_TYPE)
            key = ("json", signing_name, host, target, amz_cbor)
            route = self._rpc_routes.get(key)
            if route is None:
                route = self._route_json(request, target, signing_name)
                if route is not None and amz_cbor:
                    route = replace(route, protocol=JSON_CBOR)
                route = self._remember(key, route)
            if route is not None:
                return route
        if "Action=" in request.query_string or headers.get("content-type", "").startswith(_FORM):
            form = _form_values(request)
            if "Action" in form:
                key = ("query", signing_name, host, form["Action"], form.get("Version"),
                       request.path in ("", "/"))
                route = self._rpc_routes.get(key)
                if route is None:
                    route = self._remember(key, self._route_query(request, form, signing_name))
                if route is not None:
                    return route
        return self._route_rest(request, signing_name)

    def _remember(self, key: tuple, route: Route | None) -> Route | None:
        if route is not None:
            if len(self._rpc_routes) >= _PLAN_CACHE_LIMIT:
                self._rpc_routes.clear()
            self._rpc_routes[key] = route
        return route

    # -- rpc protocols ------------------------------------------------------------------

    def _route_cbor(self, request: HttpRequest, signing_name: str | None) -> Route | None:
        parts = request.path.split("/")
        # ['', 'service', <Svc>, 'operation', <Op>]
        if len(parts) != 5 or parts[1] != "service" or parts[3] != "operation":
            if request.headers.get("smithy-protocol") == "rpc-v2-cbor":
                raise RoutingError(
                    "UnknownOperationException",
                    "An rpc-v2-cbor request must use the path /service/<Service>/operation/<Operation>.",
                    404,
                    CBOR,
                )
            return None
        services = self.index.by_target_prefix(parts[2])
        if not services:
            return None
        operation = parts[4]
        info = self._pick(services, request, signing_name, lambda s: s.speaks(CBOR) and operation in s.operations)
        return self._rpc_route(info, CBOR, operation)

    def _route_json(self, request: HttpRequest, target: str, signing_name: str | None) -> Route | None:
        prefix, _, operation = target.rpartition(".")
        services = self.index.by_target_prefix(prefix)
        if services:
            info = self._pick(services, request, signing_name, lambda s: operation in s.operations)
            return self._rpc_route(info, "json", operation)
        signed = self._signed_services(signing_name, lambda s: True)
        json_services = tuple(s for s in signed if s.target_prefix is not None)
        if json_services:
            return Route(self._prefer(json_services, request, signing_name).name, "json", None)
        if signed:
            return None  # signed for a rest service: the header is not a json target
        raise RoutingError(
            "UnknownOperationException", f"No service has the X-Amz-Target prefix {prefix!r}.", 400, "json"
        )

    def _route_query(self, request: HttpRequest, form: dict[str, str], signing_name: str | None) -> Route | None:
        action = form["Action"]
        candidates: tuple[ServiceInfo, ...] = ()
        if signing_name:
            known = self._signed_services(signing_name, lambda s: True)
            candidates = tuple(s for s in known if s.speaks_query)
            if known and not candidates:
                return None  # signed for a rest/json service: not a query request
        if not candidates:
            hinted = self._host(request).services
            candidates = tuple(self.index.service(n) for n in hinted if self.index.service(n).speaks_query)
        if not candidates:
            candidates = tuple(self.index.service(n) for n in self.index.query_services_with_action(action))
        if not candidates:
            if request.path not in ("", "/"):
                return None  # e.g. an unsigned S3 GET that happens to carry ?Action=
            raise RoutingError(
                "InvalidAction", f"The action {action} is not valid for this web service.", 400, "query"
            )
        version = form.get("Version")
        candidates = _narrow(candidates, lambda s: action in s.operations)
        candidates = _narrow(candidates, lambda s: version is not None and s.api_version == version)
        info = self._prefer(candidates, request, signing_name)
        protocol = "ec2" if info.protocol == "ec2" else "query"
        return self._rpc_route(info, protocol, action)

    def _rpc_route(self, info: ServiceInfo, protocol: str, operation: str) -> Route:
        if operation not in info.operations:
            return Route(info.name, protocol, None)
        model = self.catalog.service_model(info.name).operation_model(operation)
        return Route(info.name, protocol, model)

    # -- rest protocols -----------------------------------------------------------------

    def _route_rest(self, request: HttpRequest, signing_name: str | None) -> Route:
        headers = request.headers
        bearer = headers.get("authorization", "").startswith("Bearer ")
        plan_key = (signing_name, headers.get("host", ""), bearer)
        plan = self._plans.get(plan_key)
        if plan is None:
            if len(self._plans) >= _PLAN_CACHE_LIMIT:
                self._plans.clear()
            plan = self._plans[plan_key] = self._rest_plan(signing_name, plan_key[1], bearer)
        if plan.unrouted is not None:
            return plan.unrouted
        segments = split_path(request.path)
        query = _first_values(request) if request.query_string else {}
        best: tuple | None = None
        for rank, (info, matcher) in enumerate(plan.candidates):
            if info.name == "s3":
                found = self._match_s3(matcher, request, plan.host, segments, query)
            else:
                found = matcher.match(request.method, segments, query)
                if found is None:
                    found = _match_form_as_query(matcher, request, segments, query)
            if found is not None:
                key = (found.score, -rank)
                if best is None or key > best[0]:
                    best = (key, info, found)
        if best is not None:
            return self._rest_route(best[1].name, best[2], request, query, signing_name)
        if not plan.authoritative:
            return self._route_anywhere(request, segments, query, signing_name)
        info = plan.candidates[0][0]
        if info.name == "s3":
            # No S3 operation is a POST to the bucket itself: it is a form upload, whatever
            # its content type (S3 refuses other enclosure types with 412).
            post = self._s3_post_object(request, plan.host, segments, form_only=False)
            if post is not None:
                return post
        return Route(info.name, info.protocol, None)

    def _rest_plan(self, signing_name: str | None, host_header: str, bearer: bool) -> _RestPlan:
        """The rest services a (signing name, Host, bearer) combination can mean, best first."""
        host = self.hosts.parse(host_header)
        candidates: tuple[ServiceInfo, ...] = ()
        authoritative = False
        if signing_name:
            signed = self._signed_services(signing_name, lambda s: True)
            candidates = tuple(s for s in signed if s.is_rest)
            if signed and not candidates:
                # Signed for a json/query/cbor service but carrying none of their markers.
                info = self._rank(signed, host, signing_name)[0]
                return _RestPlan((), True, host, Route(info.name, _wire_protocol(info), None))
            authoritative = bool(candidates)
        hinted = tuple(self.index.service(n) for n in host.services if self.index.service(n).is_rest)
        if hinted:
            both = tuple(s for s in candidates if s in hinted)
            candidates = both or candidates or hinted
            authoritative = True
        if not candidates and bearer:
            candidates = tuple(
                s for s in (self.index.service(n) for n in self.index.bearer_services()) if s.is_rest
            )
        ranked = self._rank(candidates, host, signing_name)
        return _RestPlan(tuple((info, self._matcher(info.name)) for info in ranked), authoritative, host, None)

    def _match_s3(
        self, matcher: TemplateMatcher, request: HttpRequest, host: HostInfo, segments: list[str],
        query: Mapping[str, str],
    ) -> Match | None:
        """S3 also reads the bucket from the Host (virtual-host style), which wins ties.

        Path style still wins with a more specific template: ``WriteGetObjectResponse``
        goes to ``<route>.s3...`` with the literal path ``/WriteGetObjectResponse``.
        """
        bucket = host.bucket if host.s3 else host.subdomain
        virtual = matcher.match(request.method, [bucket, *segments], query) if bucket else None
        path_style = matcher.match(request.method, segments, query)
        if virtual is None or (path_style is not None and path_style.score > virtual.score):
            return path_style
        return virtual

    def _route_anywhere(
        self, request: HttpRequest, segments: list[str], query: Mapping[str, str], signing_name: str | None
    ) -> Route:
        """An unsigned request with no hint. Such a request is for S3 (public objects,
        presigned POST) unless it is one of the few operations SDKs send unsigned (SSO,
        STS web identity...) and that operation's template is more specific; only when S3
        has no template at all does every rest service's template get a say."""
        post = self._s3_post_object(request, HostInfo(), segments)
        if post is not None:
            return post
        s3 = self._matcher("s3").match(request.method, segments, query) if "s3" in self.index else None
        anonymous = self._anonymous_matcher().match(request.method, segments, query)
        if anonymous is not None and (s3 is None or anonymous.score[1:3] > s3.score[1:3]):
            return self._qualified_route(anonymous, request, query, signing_name)
        if s3 is not None:
            return self._rest_route("s3", s3, request, query, signing_name)
        post = self._s3_post_object(request, HostInfo(), segments, form_only=False)
        if post is not None:
            return post
        anywhere = self._all_rest_matcher().match(request.method, segments, query)
        if anywhere is not None:
            return self._qualified_route(anywhere, request, query, signing_name)
        raise RoutingError(
            "UnknownOperationException",
            f"No AWS service operation matches {request.method} {request.path}.",
            404,
            None,
        )

    def _qualified_route(
        self, match: Match, request: HttpRequest, query: Mapping[str, str], signing_name: str | None
    ) -> Route:
        """A match of a multi-service matcher (targets are (service, operation)); services
        tied on one template are settled by name order, deterministically."""
        service = min(template.target[0] for template in match.templates)
        own = Match(tuple(t for t in match.templates if t.target[0] == service), match.captures, match.exact)
        return self._rest_route(service, own, request, query, signing_name)

    @staticmethod
    def _s3_post_object(
        request: HttpRequest, host: HostInfo, segments: list[str], form_only: bool = True
    ) -> Route | None:
        """A browser upload (presigned POST) to a bucket: S3's POST Object has no botocore
        operation, so the route names S3 and the bucket, with no operation. ``form_only``:
        only a ``multipart/form-data`` body makes a POST a form upload."""
        if request.method != "POST":
            return None
        if form_only and not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return None
        bucket = host.bucket if host.s3 else host.subdomain
        if bucket and not [s for s in segments if s]:
            return Route("s3", "rest-xml", None, {"Bucket": bucket})
        if not bucket and len(segments) in (1, 2) and segments[0] and not "".join(segments[1:]):
            return Route("s3", "rest-xml", None, {"Bucket": segments[0]})
        return None

    def _rest_route(
        self, service: str, match: Match, request: HttpRequest, query: Mapping[str, str],
        signing_name: str | None,
    ) -> Route:
        template = self._choose(service, match.templates, request, query, signing_name)
        name = _operation_name(template)
        operation = self.catalog.service_model(service).operation_model(name)
        return Route(service, self.index.service(service).protocol, operation, match.uri_params(template))

    def _choose(
        self, service: str, templates: tuple[UriTemplate, ...], request: HttpRequest,
        query: Mapping[str, str], signing_name: str | None,
    ) -> UriTemplate:
        """Tell apart operations whose templates are identical, by what the request carries.

        Only operations whose required query/header members are all present qualify; of
        those, the one the signing name selects (S3 Express), then the one with the most
        requirements (``UploadPart`` needs ``partNumber`` and ``uploadId``, ``PutObject``
        nothing), then the most optional members present, then a non-deprecated one.
        """
        if len(templates) == 1:
            return templates[0]
        headers = request.headers
        wanted = _SIGNING_NAME_CONTEXT.get(signing_name or "")
        best: tuple | None = None
        for template in templates:
            fit = self._fit(service, _operation_name(template))
            if not all(key in query for key in fit.required_query):
                continue
            if not all(key in headers for key in fit.required_headers):
                continue
            context = 1 if wanted and wanted in fit.context_params else (
                -1 if fit.context_params & _SIGNING_CONTEXT_PARAMS else 0
            )
            optional = sum(1 for key in fit.optional_query if key in query) + sum(
                1 for key in fit.optional_headers if key in headers
            )
            key = (context, fit.requirements, optional, not fit.deprecated)
            if best is None or key > best[0]:
                best = (key, template)
        return best[1] if best is not None else templates[0]

    def _fit(self, service: str, operation: str) -> _Fit:
        fit = self._fits.get((service, operation))
        if fit is None:
            fit = self._fits[(service, operation)] = _compute_fit(
                self.catalog.service_model(service).operation_model(operation)
            )
        return fit

    # -- service choice -----------------------------------------------------------------

    def _signed_services(self, signing_name: str | None, accept) -> tuple[ServiceInfo, ...]:
        """Services a signing name designates (also read as an endpoint prefix or a name)."""
        if not signing_name:
            return ()
        names = self.index.by_signing_name(signing_name) or self.index.by_endpoint_prefix(signing_name)
        if not names and signing_name in self.index:
            names = (signing_name,)
        return tuple(info for info in (self.index.service(n) for n in names) if accept(info))

    def _pick(self, names: tuple[str, ...], request: HttpRequest, signing_name: str | None, fits) -> ServiceInfo:
        """One of several services sharing a target prefix (Timestream query/write...)."""
        infos = tuple(self.index.service(n) for n in names)
        if len(infos) == 1:
            return infos[0]
        if signing_name:
            infos = _narrow(infos, lambda s: signing_name in s.signing_names)
        infos = _narrow(infos, fits)
        return self._prefer(infos, request, signing_name)

    def _prefer(self, infos: tuple[ServiceInfo, ...], request: HttpRequest, signing_name: str | None) -> ServiceInfo:
        if len(infos) == 1:
            return infos[0]
        return self._rank(infos, self._host(request), signing_name)[0]

    @staticmethod
    def _rank(infos: tuple[ServiceInfo, ...], host: HostInfo, signing_name: str | None) -> list[ServiceInfo]:
        """Best first: named by the Host, named like the signing name, then model order."""
        def key(item: tuple[int, ServiceInfo]) -> tuple:
            position, info = item
            return (
                info.name not in host.services,
                info.name != signing_name,
                info.endpoint_prefix != signing_name,
                position,
            )

        return [info for _, info in sorted(enumerate(infos), key=key)]

    def _host(self, request: HttpRequest) -> HostInfo:
        return self.hosts.parse(request.headers.get("host", ""))

    # -- compiled matchers --------------------------------------------------------------

    def _matcher(self, service: str) -> TemplateMatcher:
        matcher = self._matchers.get(service)
        if matcher is None:
            matcher = self._matchers[service] = TemplateMatcher.from_operations(self.index.service(service).http)
        return matcher

    def _anonymous_matcher(self) -> TemplateMatcher:
        """The templates of every rest operation an SDK sends unsigned."""
        if self._anonymous is None:
            self._anonymous = TemplateMatcher(
                UriTemplate.parse((info.name, name), *info.http[name])
                for info in self.index.services()
                if info.is_rest
                for name in info.anonymous_operations
            )
        return self._anonymous

    def _all_rest_matcher(self) -> TemplateMatcher:
        if self._all_rest is None:
            self._all_rest = TemplateMatcher(
                UriTemplate.parse((info.name, name), method, uri)
                for info in self.index.services()
                if info.is_rest
                for name, (method, uri) in info.http.items()
            )
        return self._all_rest

    def compiled(self) -> list[str]:
        """The services whose templates have been compiled so far (for tests and stats)."""
        return sorted(self._matchers)


def _match_form_as_query(
    matcher: TemplateMatcher, request: HttpRequest, segments: list[str], query: Mapping[str, str]
) -> Match | None:
    """A GET whose query string went into a form body: botocore does this for CloudSearch
    ``Search``/``Suggest``, whose queries can exceed URL limits, and the service accepts it."""
    if request.method != "POST" or not request.body:
        return None
    if not request.headers.get("content-type", "").startswith(_FORM):
        return None
    form = dict(parse_query(request.body.decode("utf-8", "replace").replace("+", "%20")))
    return matcher.match("GET", segments, {**form, **query})


def _compute_fit(operation: "OperationModel") -> _Fit:
    required_query: set[str] = set()
    required_headers: set[str] = set()
    optional_query: set[str] = set()
    optional_headers: set[str] = set()
    shape = operation.input_shape
    if shape is not None:
        required = set(shape.required_members)
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "querystring":
                (required_query if name in required else optional_query).add(wire)
            elif location == "header":
                (required_headers if name in required else optional_headers).add(wire.lower())
    context = operation.static_context_parameters
    return _Fit(
        frozenset(required_query),
        frozenset(required_headers),
        frozenset(optional_query),
        frozenset(optional_headers),
        frozenset(param.name for param in context if param.value),
        bool(operation.deprecated),
    )


def _operation_name(template: UriTemplate) -> str:
    """Templates target an operation name, or (service, operation) in multi-service matchers."""
    target = template.target
    return target[1] if isinstance(target, tuple) else target


def _wire_protocol(info: ServiceInfo) -> str:
    """The protocol an SDK speaks to a service by default (botocore's priority order)."""
    for protocol in ("json", "rest-json", "rest-xml", CBOR, "query", "ec2"):
        if protocol in info.protocols:
            return protocol
    return info.protocol


def _narrow(infos: tuple[ServiceInfo, ...], keep) -> tuple[ServiceInfo, ...]:
    """The services that pass ``keep``, or all of them when none does."""
    kept = tuple(info for info in infos if keep(info))
    return kept or infos


def _first_values(request: HttpRequest) -> dict[str, str]:
    """Decoded query parameters, first value per key (query literals only test presence)."""
    if not request.query_string:
        return {}
    values: dict[str, str] = {}
    for key, value in request.query:
        values.setdefault(key, value)
    return values


def _form_values(request: HttpRequest) -> dict[str, str]:
    """``Action`` and ``Version`` from the query string, else from a form-encoded body.

    Only those two are read (the body may be large): the protocol parser reads the rest.
    """
    found: dict[str, str] = {}
    if "Action=" in request.query_string:
        for key, value in parse_query(request.query_string):
            if key in ("Action", "Version") and key not in found:
                found[key] = value
        if "Action" in found:
            return found
    body = request.body
    if body and request.headers.get("content-type", "").startswith(_FORM):
        for pair in body.split(b"&"):
            if pair.startswith(b"Action=") or pair.startswith(b"Version="):
                key, _, raw = pair.partition(b"=")
                name = key.decode()
                if name not in found:
                    value = raw.decode("utf-8", "replace")
                    found[name] = unquote_plus(value) if ("%" in value or "+" in value) else value
                    if len(found) == 2:
                        break
    return found
