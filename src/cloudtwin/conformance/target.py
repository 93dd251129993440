"""The service under test: any endpoint reached by botocore clients (an in-process
cloudtwin, another emulator, a recording proxy), and what cloudtwin claims.

Clients have parameter validation off (negative variants must reach the wire) and retries
off (a 5xx must show, not be retried away). Each call's raw HTTP answer is captured from
botocore's ``after-call`` event, so the judge sees the body botocore's parser would hide
(extra members, wrong wire types).
"""

from __future__ import annotations

import importlib
import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudtwin.conformance.judge import Response

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
#: Seconds a variant may take. Every call is bounded (a hang is a ``transport`` failure,
#: never a stuck run); a variant that asks for CPU-heavy work (an RSA-4096 key pair made on
#: a loaded 2-core machine takes seconds) gets :data:`GENEROUS_TIMEOUT` so it cannot flake.
DEFAULT_TIMEOUT = 15.0
GENEROUS_TIMEOUT = 120.0
#: After this many calls in a row without an answer, set-ups and resets are skipped.
UNANSWERED_LIMIT = 3
#: Key specs whose generation is CPU-heavy (members named ``*KeySpec`` / ``KeyPairSpec``).
_HEAVY_SPECS = ("RSA_3072", "RSA_4096")


def implemented_services() -> list[str]:
    """botocore names of the services with a ``services/<name>/provider.py``."""
    from cloudtwin.services import registry

    here = Path(registry.__file__).parent
    return sorted(p.name.rstrip("_").replace("_", "-") for p in here.iterdir()
                  if p.is_dir() and (p / "provider.py").exists())


def claimed_operations(service: str, operations: list[str]) -> tuple[set[str], str | None]:
    """The operations the provider has handlers for, and an import error if it has none."""
    from cloudtwin.services.provider import ServiceProvider, handler_name
    from cloudtwin.services.registry import module_name

    try:
        module = importlib.import_module(f"cloudtwin.services.{module_name(service)}.provider")
        provider = module.Provider
    except Exception as exc:  # a provider being written, or broken: reported, not raised
        return set(), f"{type(exc).__name__}: {exc}"
    base = set(dir(ServiceProvider))
    return {op for op in operations
            if handler_name(op) not in base and callable(getattr(provider, handler_name(op), None))}, None


class Target:
    """A cloudtwin endpoint and one botocore client per service."""

    def __init__(self, endpoint: str, region: str = "us-east-1", timeout: float = DEFAULT_TIMEOUT,
                 generous: float = GENEROUS_TIMEOUT) -> None:
        import botocore.session

        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.timeout = timeout
        self.generous = max(generous, timeout)
        self._session = botocore.session.get_session()
        self._clients: dict[tuple[str, str | None, str | None, float], Any] = {}
        self._last: dict[str, Any] = {}
        #: False once the endpoint showed it has no cloudtwin reset (another emulator).
        self.resettable = True
        #: Calls in a row that got no HTTP answer: an endpoint that stopped answering is not
        #: sent set-ups any more (each would cost a timeout), only the variants themselves.
        self.unanswered = 0

    def timeout_for(self, service: str, params: Any) -> float:
        """The read timeout of one variant: generous when it asks for a CPU-heavy key."""
        return self.generous if _heavy(params) else self.timeout

    def client(self, service: str, account: str | None = None, region: str | None = None,
               timeout: float | None = None) -> Any:
        """The client of ``service`` (signed as ``account`` — cloudtwin reads a 12-digit
        access key as that account — and in ``region`` when given)."""
        timeout = timeout or self.timeout
        key = (service, account, region, timeout)
        client = self._clients.get(key)
        if client is None:
            from botocore.config import Config

            config = Config(
                parameter_validation=False,
                retries={"total_max_attempts": 1},
                connect_timeout=5,
                read_timeout=timeout,
                s3={"addressing_style": "path"},
                # StartSyncExecution, TestState...: a host prefix (``sync-``) on a loopback
                # address names no host
                inject_host_prefix=False,
            )
            credentials = dict(CREDENTIALS, aws_access_key_id=account) if account else CREDENTIALS
            client = self._session.create_client(service, region_name=region or self.region,
                                                 endpoint_url=self.endpoint, config=config, **credentials)
            client.meta.events.register("after-call", self._after_call)
            client.meta.events.register("before-send", self._before_send)
            self._clients[key] = client
        return client

    def _before_send(self, request: Any, **_: Any) -> None:
        body = request.body
        if isinstance(body, (bytes, bytearray)):
            shown = bytes(body[:600]).decode("utf-8", "replace")
        elif isinstance(body, str):
            shown = body[:600]
        else:
            shown = "<stream>"
        self._last["request"] = f"{request.method} {request.url}\n{shown}"

    def _after_call(self, http_response: Any, model: "OperationModel", **_: Any) -> None:
        self._last["status"] = http_response.status_code
        self._last["headers"] = dict(http_response.headers)
        # a streaming body, or an event stream (SubscribeToShard's lasts minutes): not read here
        streaming = ((model.has_streaming_output or model.has_event_stream_output)
                     and 200 <= http_response.status_code < 300)
        self._last["body"] = b"" if streaming else (http_response.content or b"")

    def reset(self) -> None:
        """Empty every service and freeze the virtual clock: time-based work (a message move
        task completing, a visibility timeout running out) must not depend on how long the
        run happens to take, or two runs of one seed would judge differently.

        An endpoint that is not a cloudtwin (another emulator, a proxy) has no reset: the
        first refusal turns resets off, and its state then carries over between variants."""
        if not self.resettable or self.unanswered >= UNANSWERED_LIMIT:
            return
        for path in ("reset", "clock/freeze"):
            request = urllib.request.Request(f"{self.endpoint}/_cloudtwin/{path}", data=b"{}", method="POST",
                                             headers={"content-type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    answer.read()
            except (OSError, ValueError):  # HTTPError, URLError, a timeout: no cloudtwin here
                self.resettable = False
                return

    def call(self, service: str, operation: str, params: dict[str, Any], *, account: str | None = None,
             region: str | None = None, timeout: float | None = None) -> tuple[Response | None, Any, str]:
        """Send one request: (response, parsed result or None, request summary).

        The response is None when botocore could not even build the request (a value its
        serializer refuses): such a variant is not sendable and is not counted.
        """
        answer = self._call(service, operation, params, account=account, region=region, timeout=timeout)
        if answer[0] is not None:
            self.unanswered = self.unanswered + 1 if answer[0].status == 0 else 0
        return answer

    def _call(self, service: str, operation: str, params: dict[str, Any], *, account: str | None,
              region: str | None, timeout: float | None) -> tuple[Response | None, Any, str]:
        from botocore.eventstream import EventStream
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            EndpointConnectionError,
            HTTPClientError,
            ReadTimeoutError,
        )

        client = self.client(service, account, region, timeout)
        self._last = {}
        method = getattr(client, _python_name(client, operation))
        try:
            parsed = method(**params)
        except ClientError as exc:
            meta = exc.response.get("ResponseMetadata", {})
            status = self._last.get("status", meta.get("HTTPStatusCode", 0))
            code = exc.response.get("Error", {}).get("Code")
            body = self._last.get("body", b"")
            return (Response(status, self._last.get("headers", {}), body, code, _error_type(body)),
                    None, self._last.get("request", ""))
        except (ReadTimeoutError, ConnectionClosedError, EndpointConnectionError, HTTPClientError) as exc:
            return (Response(0, {}, b"", None, None, f"{type(exc).__name__}: {exc}"), None,
                    self._last.get("request", ""))
        except Exception as exc:
            if "request" not in self._last:  # botocore refused to serialize the input
                return None, None, ""
            # sent, but the SDK could not read what came back: the server's fault
            return (Response(self._last.get("status", 0), self._last.get("headers", {}),
                             self._last.get("body", b""), None, None,
                             f"the SDK could not read the answer: {type(exc).__name__}: {exc}"),
                    None, self._last.get("request", ""))
        for value in parsed.values():  # an event stream answered is not listened to
            if isinstance(value, EventStream):
                value.close()
        return (Response(self._last.get("status", 200), self._last.get("headers", {}),
                         self._last.get("body", b"")), parsed, self._last.get("request", ""))


def _heavy(params: Any, depth: int = 0) -> bool:
    """Whether the parameters ask for a CPU-heavy key (``KeySpec: RSA_4096``)."""
    if depth > 4:
        return False
    if isinstance(params, dict):
        for name, value in params.items():
            if isinstance(name, str) and name.endswith(("KeySpec", "KeyPairSpec")) and value in _HEAVY_SPECS:
                return True
            if isinstance(value, (dict, list)) and _heavy(value, depth + 1):
                return True
    elif isinstance(params, list):
        return any(_heavy(item, depth + 1) for item in params)
    return False


def _error_type(body: bytes) -> str | None:
    """The shape name in a JSON error body's ``__type`` (``com.amazonaws.sqs#QueueDoesNotExist``)."""
    if not body or not body.lstrip().startswith(b"{"):
        return None
    try:
        kind = json.loads(body).get("__type")
    except (ValueError, AttributeError):
        return None
    return kind.rsplit("#", 1)[-1] if isinstance(kind, str) else None


def _python_name(client: Any, operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def dumps(value: Any, limit: int = 400) -> str:
    """A short printable form of a request's parameters."""
    text = json.dumps(value, default=lambda o: repr(o)[:80], ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
