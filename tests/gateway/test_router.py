"""The router against real SDK requests: botocore builds them, the router must name them.

For each operation of each selected service, botocore itself serializes and signs a request
(``botocore_capture``); the router must pick the same (service, operation) and name the
wire protocol botocore spoke. Some requests are byte-for-byte identical for two
operations (sibling services that share a signing name and the same templates, S3's
deprecated twins): those are listed once, with the reason, in ``AMBIGUOUS``, and a test
checks that every listed pair really is indistinguishable from the request alone.

By default a fixed set of 71 services covering every protocol and routing path runs, plus
a seeded random sample of the others. ``CLOUDTWIN_ROUTER_SWEEP=all`` runs every operation of
every service in botocore (about a minute); running this file as a script prints the pass
rate per protocol for the full sweep:

    .venv/bin/python tests/gateway/test_router.py
"""

from __future__ import annotations

import collections
import copy
import os
import random
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from botocore_capture import RequestCapture, Uncapturable  # noqa: E402

from cloudtwin.gateway.router import Router  # noqa: E402
from cloudtwin.gateway.signing import parse_credentials  # noqa: E402
from cloudtwin.gateway.uri_templates import UriTemplate  # noqa: E402
from cloudtwin.protocol.http import HttpRequest  # noqa: E402
from cloudtwin.specs.catalog import ServiceCatalog  # noqa: E402
from cloudtwin.specs.index import ServiceIndex  # noqa: E402

CBOR = "smithy-rpc-v2-cbor"

#: Services whose every operation is checked on every run: all six protocols, shared
#: signing names, host prefixes, bearer and unsigned operations, SigV2, SigV4a, greedy
#: labels mid-path, deprecated twins, query-compatible json services.
FIXED_SERVICES = (
    # query / ec2
    "sts", "sns", "iam", "cloudformation", "elb", "elbv2", "rds", "docdb", "neptune", "ses",
    "autoscaling", "elasticache", "sdb", "importexport", "ec2",
    # json (sqs and cloudwatch are also spoken in query, below)
    "sqs", "dynamodb", "dynamodbstreams", "kinesis", "logs", "kms", "secretsmanager", "ssm",
    "events", "stepfunctions", "cognito-identity", "cognito-idp", "timestream-query",
    "timestream-write", "machinelearning",
    # smithy-rpc-v2-cbor (cbor only; cbor+json services are also swept in cbor, below)
    "cloudwatch", "cloudwatchomni", "eventbridgev2", "codebuild", "acm-pca",
    # rest-json
    "lambda", "lambda-microvms", "apigateway", "apigatewayv2", "apigatewaymanagementapi",
    "bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime", "iot", "iot-data",
    "sso", "sso-oidc", "signin", "codecatalyst", "glacier", "opensearch", "es",
    "workspaces-web", "lex-models", "lexv2-models", "qconnect", "wisdom", "greengrass",
    "greengrassv2", "cloudsearchdomain", "cloudfront-keyvaluestore", "neptune-graph",
    "location", "mediastore-data", "signer", "signer-data",
    # rest-xml
    "s3", "s3control", "route53", "cloudfront",
)
SAMPLE_SIZE = 25
SAMPLE_SEED = 20240101

#: Requests the router cannot tell apart, because the SDK sends the same bytes for both
#: operations (same signing name, same Host, same template or target or action). Keyed by
#: (expected service, routed service); for operations of one service by
#: ("service:Operation", routed operation). The router's pick is deterministic (the
#: service whose name is the signing name, then model order); a Host naming the endpoint
#: prefix settles the cross-service ones where the prefixes differ (see
#: test_host_names_the_service_where_the_request_cannot).
AMBIGUOUS = {
    ("docdb", "rds"): "DocumentDB's API is RDS's: same signing name (rds), Version and actions",
    ("neptune", "rds"): "Neptune's API is RDS's: same signing name (rds), Version and actions",
    ("timestream-write", "timestream-query"): "same target prefix and signing name; shared tagging/DescribeEndpoints operations",
    ("bedrock-agent-runtime", "bedrock-agent"): "both sign as bedrock; same /tags/{resourceArn} templates",
    ("bedrock-data-automation", "bedrock"): "both sign as bedrock; same /tagResource, /untagResource, /listTagsForResource",
    ("chime-sdk-media-pipelines", "chime-sdk-identity"): "all chime-sdk-* sign as chime; same /tags?operation=... templates",
    ("chime-sdk-meetings", "chime-sdk-identity"): "all chime-sdk-* sign as chime; same /tags?operation=... templates",
    ("chime-sdk-messaging", "chime-sdk-identity"): "all chime-sdk-* sign as chime; same /tags?operation=... templates",
    ("chime-sdk-voice", "chime-sdk-identity"): "all chime-sdk-* sign as chime; same /tags?operation=... templates",
    ("chime-sdk-voice", "chime"): "Chime SDK Voice took over Chime's phone-number API: same templates, both sign as chime",
    ("greengrassv2", "greengrass"): "same signing name and endpoint prefix; shared /greengrass/... operations",
    ("ivs-realtime", "ivs"): "both sign as ivs; same /tags/{resourceArn} templates",
    ("lambda-microvms", "lambda"): "both sign as lambda; same /2017-03-31/tags/{ARN} templates",
    ("lexv2-models", "lex-models"): "both sign as lex; same /tags/{resourceArn} and POST /imports/",
    ("pinpoint-sms-voice", "sms-voice"): "same signing name and endpoint prefix; same /v1/sms-voice/... API",
    ("qconnect", "wisdom"): "Amazon Q in Connect is Wisdom renamed: same API, both sign as wisdom",
    ("signer-data", "signer"): "both sign as signer; same GET /revocations (signer-data's host prefix is data-)",
    ("s3:GetBucketLifecycle", "GetBucketLifecycleConfiguration"): "deprecated twin: same request",
    ("s3:PutBucketLifecycle", "PutBucketLifecycleConfiguration"): "deprecated twin: same request",
    ("s3:GetBucketNotification", "GetBucketNotificationConfiguration"): "deprecated twin: same request",
}


# -- the sweep ------------------------------------------------------------------------


@dataclass
class Outcome:
    service: str
    operation: str
    protocol: str  # the wire protocol botocore spoke
    routed: tuple  # (service, operation, protocol) or ("error", message)
    request: HttpRequest | None = None

    @property
    def ok(self) -> bool:
        return self.routed == (self.service, self.operation, self.protocol)

    @property
    def pair(self) -> tuple[str, str]:
        if self.routed[0] == self.service:
            return (f"{self.service}:{self.operation}", self.routed[1])
        return (self.service, self.routed[0])


@lru_cache(maxsize=None)
def _index() -> ServiceIndex:
    return ServiceIndex.load()


@lru_cache(maxsize=None)
def _router() -> Router:
    return Router(ServiceCatalog(), _index())


@lru_cache(maxsize=None)
def _capture(protocol: str | None) -> RequestCapture:
    return RequestCapture(protocol)


@lru_cache(maxsize=None)
def _resolved(service: str) -> str:
    """The protocol botocore speaks to a service (its priority order over `protocols`)."""
    return _router().catalog.service_model(service).resolved_protocol


@lru_cache(maxsize=None)
def sweep_service(service: str, protocol: str | None = None) -> list[Outcome]:
    """Route every operation of ``service`` as botocore sends it (in ``protocol`` if given)."""
    router = _router()
    capture = _capture(protocol)
    model = router.catalog.service_model(service)
    wire = protocol or _resolved(service)
    outcomes = []
    for name in model.operation_names:
        try:
            request = capture.capture(service, model.operation_model(name))
        except Uncapturable:
            continue  # event-stream input: botocore cannot build it without a live stream
        try:
            route = router.route(request, parse_credentials(request))
            routed = (route.service, route.operation.name if route.operation else None, route.protocol)
        except Exception as exc:  # noqa: BLE001 - reported as a failure below
            routed = ("error", repr(exc))
        outcomes.append(Outcome(service, name, wire, routed, request))
    return outcomes


def alternative_protocols(service: str) -> list[str]:
    """Other wire protocols a service is spoken in: cbor for json+cbor services, query
    for query-compatible ones (SQS, CloudWatch)."""
    info = _index().service(service)
    extra = []
    if CBOR in info.protocols and _resolved(service) != CBOR:
        extra.append(CBOR)
    if info.query_compatible and _resolved(service) != "query":
        extra.append("query")
    return extra


def selected_services() -> list[str]:
    names = _index().service_names()
    if os.environ.get("CLOUDTWIN_ROUTER_SWEEP") == "all":
        return names
    others = sorted(set(names) - set(FIXED_SERVICES))
    return [*FIXED_SERVICES, *random.Random(SAMPLE_SEED).sample(others, SAMPLE_SIZE)]


def indistinguishable(outcome: Outcome) -> bool:
    """Whether botocore's request for the routed operation would route the same way: same
    template / target / action, and a signing name both services answer to."""
    index = _index()
    routed_service, routed_op = outcome.routed[0], outcome.routed[1]
    if routed_op is None or outcome.routed[2] != outcome.protocol:
        return False
    expected, routed = index.service(outcome.service), index.service(routed_service)
    credentials = parse_credentials(outcome.request)
    signing = credentials.signing_name if credentials else None
    if signing and signing not in routed.signing_names:
        return False
    if outcome.protocol in ("rest-json", "rest-xml"):
        return _template_shape(expected.http[outcome.operation]) == _template_shape(routed.http[routed_op])
    if outcome.protocol in ("json", CBOR):
        return expected.target_prefix == routed.target_prefix and outcome.operation == routed_op
    return outcome.operation == routed_op and expected.api_version == routed.api_version


def _template_shape(http: tuple[str, str]) -> tuple:
    """A template with its label names erased: what a request can show of it."""
    template = UriTemplate.parse(None, *http)
    segments = tuple((kind, text if kind == 0 else "") for kind, text in template.segments)
    return template.method, segments, template.query


# -- tests ----------------------------------------------------------------------------


def _check(outcomes: list[Outcome]) -> None:
    wrong = []
    for outcome in outcomes:
        if outcome.ok:
            continue
        if outcome.pair in AMBIGUOUS and indistinguishable(outcome):
            continue
        request = outcome.request
        wrong.append(
            f"{outcome.service}.{outcome.operation} [{outcome.protocol}] -> {outcome.routed}: "
            f"{request.method} {request.path}?{request.query_string} host={request.headers.get('host')}"
        )
    assert not wrong, f"{len(wrong)} of {len(outcomes)} misrouted:\n" + "\n".join(wrong[:40])


@pytest.mark.parametrize("service", selected_services())
def test_every_operation_routes_as_botocore_sends_it(service):
    outcomes = sweep_service(service)
    assert outcomes, f"botocore built no request for {service}"
    _check(outcomes)


@pytest.mark.parametrize(
    "service,protocol",
    [(s, p) for s in selected_services() for p in alternative_protocols(s)],
)
def test_every_operation_routes_in_the_services_other_protocols(service, protocol):
    outcomes = sweep_service(service, protocol)
    assert outcomes
    _check(outcomes)


def test_every_listed_ambiguity_is_real():
    """Each AMBIGUOUS entry is a pair the request cannot tell apart (none hides a bug)."""
    by_service = collections.defaultdict(list)
    for expected, routed in AMBIGUOUS:
        by_service[expected.partition(":")[0]].append((expected, routed))
    for service, pairs in sorted(by_service.items()):
        outcomes = {o.pair: o for o in sweep_service(service) if not o.ok}
        for pair in pairs:
            assert pair in outcomes, f"{pair} is listed as ambiguous but routes correctly now"
            outcome = outcomes[pair]
            if ":" in pair[0]:
                # Same service: the two operations must have identical templates and inputs
                # the router can read (required query/header members).
                http = _index().service(outcome.service).http
                assert _template_shape(http[outcome.operation]) == _template_shape(http[outcome.routed[1]])
            else:
                assert indistinguishable(outcome), pair


def test_host_names_the_service_where_the_request_cannot():
    """For listed ambiguities whose services have different endpoint prefixes, a Host of
    ``<endpointPrefix>.<region>.localhost`` routes to the right one."""
    index = _index()
    router = _router()
    checked = 0
    for expected, routed in AMBIGUOUS:
        if ":" in expected:
            continue
        prefix = index.service(expected).endpoint_prefix
        if prefix == index.service(routed).endpoint_prefix:
            continue
        for outcome in sweep_service(expected):
            if outcome.ok or outcome.pair != (expected, routed):
                continue
            request = copy.copy(outcome.request)
            request.headers = {**request.headers, "host": f"{prefix}.us-east-1.localhost:4566"}
            route = router.route(request, parse_credentials(request))
            assert (route.service, route.operation.name) == (expected, outcome.operation)
            checked += 1
    assert checked > 20


def test_s3_virtual_host_requests_take_the_bucket_from_the_host():
    """boto3 with virtual addressing against s3.localhost.localstack.cloud: every operation
    with a bucket routes, and the bucket comes back as the Bucket uri param."""
    from botocore.config import Config

    capture = RequestCapture(
        endpoint_url="http://s3.localhost.localstack.cloud:4566",
        config=Config(s3={"addressing_style": "virtual"}),
    )
    router = _router()
    model = router.catalog.service_model("s3")
    virtual = 0
    for name in model.operation_names:
        operation = model.operation_model(name)
        try:
            request = capture.capture("s3", operation)
        except Uncapturable:
            continue
        route = router.route(request, parse_credentials(request))
        if (f"s3:{name}", route.operation.name) in AMBIGUOUS:
            continue
        assert (route.service, route.operation.name) == ("s3", name), request
        if request.headers["host"].startswith("abcdefgh.") and "Bucket" in operation.input_shape.members:
            assert route.uri_params["Bucket"] == "abcdefgh"
            virtual += 1
    assert virtual > 80


def test_compiles_and_loads_only_what_requests_need():
    router = Router(ServiceCatalog(), _index())
    request = HttpRequest(
        "GET",
        "/2015-03-31/functions/f",
        headers={
            "host": "localhost:4566",
            "authorization": "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host, Signature=00",
        },
    )
    route = router.route(request, parse_credentials(request))
    assert (route.service, route.operation.name) == ("lambda", "GetFunction")
    assert route.uri_params == {"FunctionName": "f"}
    # Every service signing as "lambda" is a candidate; nothing else was compiled.
    assert set(router.compiled()) == set(_index().by_signing_name("lambda"))
    assert router.catalog.loaded() == ["lambda"]


def main() -> None:
    """Print the pass rate per protocol for every operation of every service."""
    totals: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    unexplained = []
    for service in _index().service_names():
        for protocol in (None, *alternative_protocols(service)):
            for outcome in sweep_service(service, protocol):
                if outcome.ok:
                    verdict = "routed"
                elif outcome.pair in AMBIGUOUS and indistinguishable(outcome):
                    verdict = "ambiguous"
                else:
                    verdict = "wrong"
                    unexplained.append(outcome)
                totals[outcome.protocol][verdict] += 1
    print(f"{'protocol':20} {'operations':>10} {'routed':>8} {'ambiguous':>10} {'wrong':>6} {'pass rate':>10}")
    for protocol, counts in sorted(totals.items()):
        total = sum(counts.values())
        rate = (counts["routed"] + counts["ambiguous"]) / total
        print(
            f"{protocol:20} {total:10} {counts['routed']:8} {counts['ambiguous']:10} "
            f"{counts['wrong']:6} {rate:10.2%}"
        )
    for outcome in unexplained[:50]:
        print("WRONG", outcome.service, outcome.operation, outcome.protocol, outcome.routed)


if __name__ == "__main__":
    main()
