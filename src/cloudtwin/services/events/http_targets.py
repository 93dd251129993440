"""API destination targets: an HTTP request to the destination's endpoint with the
connection's authorization, as EventBridge sends it.

    API_KEY                   <ApiKeyName>: <ApiKeyValue>
    BASIC                     Authorization: Basic base64(user:password)
    OAUTH_CLIENT_CREDENTIALS  Authorization: Bearer <access_token>, the token fetched from the
                              AuthorizationEndpoint (client id and secret as basic auth, the
                              OAuthHttpParameters added) and kept until ``expires_in`` passes
                              on the virtual clock

The connection's ``InvocationHttpParameters`` and the target's ``HttpParameters`` add
headers and query string parameters; ``*`` in the endpoint takes the target's
``PathParameterValues`` in order. Only loopback endpoints are called (cloudtwin never
reaches out of the machine): another host fails the delivery. A 2xx answer delivers; 429
and 5xx are retried by the target's retry policy; any other status goes to the
dead-letter queue. The destination's ``InvocationRateLimitPerSecond`` is enforced per second
of the virtual clock: a call past it is throttled (429) and waits for the target's retry
policy, as events past AWS's limit wait.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from cloudtwin.protocol.errors import ServiceError

HTTP_TIMEOUT = 10.0
_USER_AGENT = "Amazon/EventBridge/ApiDestinations"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parameters(http: dict[str, Any] | None, headers: dict[str, str], query: dict[str, str]) -> None:
    """Connection-style parameters: lists of ``{"Key", "Value"}``."""
    for item in (http or {}).get("HeaderParameters") or []:
        headers[item["Key"]] = item.get("Value", "")
    for item in (http or {}).get("QueryStringParameters") or []:
        query[item["Key"]] = item.get("Value", "")


class HttpTargets:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self._client: Any = None
        #: connection ARN -> (access token, expires at)
        self._tokens: dict[str, tuple[str, float]] = {}
        #: API destination ARN -> (virtual second, calls made in it)
        self._rate: dict[str, tuple[int, int]] = {}

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False, trust_env=False)
        return self._client

    async def call(self, destination: dict[str, Any], connection: dict[str, Any], target: dict[str, Any],
                   body: str) -> None:
        if connection.get("ConnectionState") != "AUTHORIZED":
            raise ServiceError("ResourceNotFoundException", "The API destination or its connection is not active.")
        url = destination["InvocationEndpoint"]
        for value in (target.get("HttpParameters") or {}).get("PathParameterValues") or []:
            url = url.replace("*", value, 1)
        if not is_loopback(url):
            raise ServiceError("AccessDeniedException", f"cloudtwin calls loopback endpoints only, not {url}")
        self._take_rate(destination)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": _USER_AGENT}
        query: dict[str, str] = {}
        auth = connection.get("AuthParameters") or {}
        _parameters(auth.get("InvocationHttpParameters"), headers, query)
        target_http = target.get("HttpParameters") or {}
        headers.update(target_http.get("HeaderParameters") or {})
        query.update(target_http.get("QueryStringParameters") or {})
        headers.update(await self._authorization(connection))
        try:
            answer = await self._http().request(destination["HttpMethod"], url, params=query, headers=headers,
                                                content=body.encode())
        except Exception as error:  # noqa: BLE001 - any transport failure is a failed attempt
            raise ServiceError("ConnectionFailure", f"{type(error).__name__}: {error}", 503) from None
        if 200 <= answer.status_code < 300:
            return
        status = answer.status_code
        raise ServiceError(
            "Throttling" if status == 429 else f"Http{status}",
            f"The API destination answered {status}.",
            status if status >= 500 or status == 429 else 400,
        )

    def _take_rate(self, destination: dict[str, Any]) -> None:
        limit = int(destination.get("InvocationRateLimitPerSecond") or 300)
        key = destination.get("ApiDestinationArn") or destination["InvocationEndpoint"]
        second = int(self.clock.now())
        seen, count = self._rate.get(key, (second, 0))
        if seen != second:
            count = 0
        if count >= limit:
            raise ServiceError(
                "Throttling", f"The API destination's invocation rate limit ({limit} per second) is exceeded.", 429
            )
        self._rate[key] = (second, count + 1)

    async def _authorization(self, connection: dict[str, Any]) -> dict[str, str]:
        auth = connection.get("AuthParameters") or {}
        kind = connection.get("AuthorizationType")
        if kind == "API_KEY":
            key = auth.get("ApiKeyAuthParameters") or {}
            return {key.get("ApiKeyName", "x-api-key"): key.get("ApiKeyValue", "")}
        if kind == "BASIC":
            basic = auth.get("BasicAuthParameters") or {}
            pair = f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if kind == "OAUTH_CLIENT_CREDENTIALS":
            return {"Authorization": "Bearer " + await self.token(connection)}
        return {}

    async def token(self, connection: dict[str, Any]) -> str:
        cached = self._tokens.get(connection["ConnectionArn"])
        if cached and cached[1] > self.clock.now():
            return cached[0]
        oauth = (connection.get("AuthParameters") or {}).get("OAuthParameters") or {}
        client = oauth.get("ClientParameters") or {}
        endpoint = oauth.get("AuthorizationEndpoint", "")
        if not is_loopback(endpoint):
            raise ServiceError("AccessDeniedException", f"cloudtwin calls loopback endpoints only, not {endpoint}")
        pair = f"{client.get('ClientID', '')}:{client.get('ClientSecret', '')}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode(), "User-Agent": _USER_AGENT}
        query: dict[str, str] = {}
        http = oauth.get("OAuthHttpParameters") or {}
        _parameters(http, headers, query)
        form = {item["Key"]: item.get("Value", "") for item in http.get("BodyParameters") or []}
        try:
            answer = await self._http().request(oauth.get("HttpMethod", "POST").upper(), endpoint, params=query,
                                                headers=headers, data=form or None)
            document = answer.json() if 200 <= answer.status_code < 300 else {}
        except (ValueError, Exception) as error:  # noqa: BLE001
            raise ServiceError("ConnectionFailure", f"OAuth token request failed: {error}", 503) from None
        token = document.get("access_token") if isinstance(document, dict) else None
        if not token:
            raise ServiceError("AccessDeniedException", "The authorization endpoint gave no access_token.")
        expires = float(document.get("expires_in") or 3600)
        self._tokens[connection["ConnectionArn"]] = (token, self.clock.now() + expires)
        return token


