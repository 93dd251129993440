"""Let botocore itself build the request for any operation, and catch it before the wire.

The router tests need real requests, exactly as an SDK sends them, for every operation of
every service: this module makes minimal input params from the operation's input shape
(required members only, values long enough for botocore's host-label and endpoint-rule
checks), calls the operation on a client pointed at ``http://localhost:4566``, and grabs the
prepared request in a ``before-send`` handler, which answers with a canned response so
nothing goes on the wire.
"""

from __future__ import annotations

import datetime
import io
from urllib.parse import urlsplit

import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.loaders import Loader
from botocore.model import OperationModel, Shape
from botocore.tokens import FrozenAuthToken

from cloudtwin.protocol.http import HttpRequest

ENDPOINT_URL = "http://localhost:4566"
REGION = "us-east-1"

# Members whose value an endpoint rule or a client customisation parses: a placeholder
# string would stop botocore before it builds the request.
MEMBER_VALUES = {
    "KvsARN": "arn:aws:cloudfront::123456789012:key-value-store/abcdefgh",
    "PredictEndpoint": ENDPOINT_URL,
}


class _Raw:
    """Just enough of urllib3's response for botocore to read a canned body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs):
        yield self._body

    def read(self, *_args, **_kwargs) -> bytes:
        body, self._body = self._body, b""
        return body


class Uncapturable(Exception):
    """botocore could not build a request for this operation (e.g. event-stream input)."""


class _ProtocolLoader(Loader):
    """botocore's loader, but every service model claims to speak one given protocol.

    botocore picks the first protocol of its own priority list that a service supports
    (json before cbor), so this is how a test gets the cbor requests of a json+cbor
    service, or the query requests an old SDK sends to SQS.
    """

    def __init__(self, protocol: str) -> None:
        super().__init__()
        self._protocol = protocol

    def load_service_model(self, service_name, type_name, api_version=None):
        model = super().load_service_model(service_name, type_name, api_version)
        if type_name == "service-2":
            model = {**model, "metadata": {**model["metadata"], "protocol": self._protocol,
                                           "protocols": [self._protocol]}}
        return model


class RequestCapture:
    """One botocore session whose clients never send: each call yields its HttpRequest.

    ``protocol`` makes every client speak that wire protocol instead of its default.
    """

    def __init__(
        self, protocol: str | None = None, endpoint_url: str = ENDPOINT_URL, config: Config | None = None
    ) -> None:
        self._endpoint_url = endpoint_url
        self._config = config
        self._session = botocore.session.Session()
        if protocol is not None:
            self._session.register_component("data_loader", _ProtocolLoader(protocol))
        # Bearer-token services (CodeCatalyst...) need a token to sign with.
        self._session._auth_token = FrozenAuthToken("cloudtwin-test-token")
        self._clients: dict[tuple[str, str], object] = {}
        self._last: list[object] = []

    def client(self, service: str, endpoint_url: str | None = None):
        endpoint_url = endpoint_url or self._endpoint_url
        client = self._clients.get((service, endpoint_url))
        if client is None:
            config = Config(
                parameter_validation=False,
                retries={"total_max_attempts": 1},
                request_checksum_calculation="when_required",
            )
            if self._config is not None:
                config = config.merge(self._config)
            client = self._session.create_client(
                service,
                region_name=REGION,
                endpoint_url=endpoint_url,
                aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="secret",
                config=config,
            )
            client.meta.events.register("before-send", self._on_send)
            self._clients[(service, endpoint_url)] = client
        return client

    def _on_send(self, request, **_kwargs):
        self._last.append(request)
        return AWSResponse(request.url, 200, {}, _Raw(b""))

    def capture(self, service: str, operation: OperationModel) -> HttpRequest:
        """botocore's request for ``operation`` with minimal params (bearer-token services
        are retried over https: botocore refuses to send a token over plain http)."""
        if operation.get_event_stream_input() is not None:
            raise Uncapturable("event-stream input")
        params = ParamMaker().structure(operation.input_shape)
        error = self._call(self.client(service), operation, params)
        if not self._last and "HTTPS" in str(error):
            tls = self._endpoint_url.replace("http://", "https://", 1)
            error = self._call(self.client(service, tls), operation, params)
        if not self._last:
            raise Uncapturable(f"botocore did not send: {error!r}")
        return to_http_request(self._last[-1])

    def _call(self, client, operation: OperationModel, params: dict) -> Exception | None:
        self._last.clear()
        try:
            getattr(client, xform_name(operation.name))(**params)
        except Exception as exc:  # the canned answer may not parse; the request is what we want
            return exc
        return None


def to_http_request(prepared) -> HttpRequest:
    """Turn botocore's prepared request into what the server would receive."""
    parts = urlsplit(prepared.url)
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()}
    headers.setdefault("host", parts.netloc)
    body = prepared.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, (bytes, bytearray)):
        if hasattr(body, "seek"):
            body.seek(0)
        body = body.read()
        if isinstance(body, str):
            body = body.encode()
    return HttpRequest(
        method=prepared.method,
        path=parts.path or "/",
        query_string=parts.query,
        headers=headers,
        body=bytes(body),
    )


class ParamMaker:
    """Minimal input params: required members only, values that pass host-label checks."""

    def __init__(self) -> None:
        self._depth = 0

    def structure(self, shape: Shape | None) -> dict:
        if shape is None:
            return {}
        return self.value(shape) or {}

    def value(self, shape: Shape):
        kind = shape.type_name
        if self._depth > 12:
            return None
        self._depth += 1
        try:
            return getattr(self, "_" + kind)(shape)
        finally:
            self._depth -= 1

    def _structure(self, shape):
        members = shape.members
        if shape.metadata.get("union"):
            name = next(iter(members))
            return {name: self.value(members[name])}
        out = {}
        for name in shape.required_members:
            val = MEMBER_VALUES.get(name) or self.value(members[name])
            if val is not None:
                out[name] = val
        return out

    def _list(self, shape):
        count = max(shape.metadata.get("min", 1), 1)
        item = self.value(shape.member)
        return [] if item is None else [item] * count

    def _map(self, shape):
        return {self._string(shape.key): self.value(shape.value)}

    def _string(self, shape):
        enum = shape.enum
        if enum:
            return enum[0]
        low = int(shape.metadata.get("min", 1) or 1)
        high = int(shape.metadata.get("max", max(low, 8)) or max(low, 8))
        length = min(max(low, 8), max(high, 1))
        return ("abcdefgh" * (length // 8 + 1))[:length]

    def _integer(self, shape):
        return int(max(shape.metadata.get("min", 1), 1))

    _long = _integer

    def _float(self, shape):
        return float(max(shape.metadata.get("min", 1), 1))

    _double = _float

    def _boolean(self, _shape):
        return True

    def _timestamp(self, _shape):
        return datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

    def _blob(self, shape):
        if shape.serialization.get("streaming") or shape.metadata.get("requiresLength"):
            return io.BytesIO(b"data")
        return b"data"

    def _document(self, _shape):
        return {}

    _char = _string
    _byte = _integer
    _short = _integer
    _bigInteger = _integer
    _bigDecimal = _float
