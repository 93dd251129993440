"""One console request as the pages see it: its arguments, the account and region it looks
at, and the two ways a page may read or change state.

* :meth:`View.call` runs a service operation through the internal client, as an AWS SDK
  call would run (validated against the model, the service's own errors);
* :meth:`View.control` reads the control surface (``/_cloudtwin/...``) in-process, the
  same endpoints a test or ``curl`` reads.

Pages never reach into a store.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from cloudtwin.console.render import qs
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.console.routing import Console

__all__ = ["View", "ConsoleError", "UI"]

#: Where the console lives.
UI = "/_cloudtwin/ui"


class ConsoleError(Exception):
    """Something a page cannot show or an action cannot do: shown to the user, status kept."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class View:
    def __init__(self, console: "Console", request: HttpRequest, params: dict[str, Any]) -> None:
        self.console = console
        self.request = request
        self.params = params
        config = console.config
        self.default_account = config.default_account
        self.default_region = config.default_region
        self.account = str(params.get("account") or self.default_account)
        self.region = str(params.get("region") or self.default_region)

    @classmethod
    def from_request(cls, console: "Console", request: HttpRequest, body: dict[str, Any] | None) -> "View":
        # A browser's GET form encodes a space as "+": read the query as HTML forms write it.
        params: dict[str, Any] = dict(parse_qsl(request.query_string, keep_blank_values=True))
        params.update(body or {})
        return cls(console, request, params)

    # -- arguments ----------------------------------------------------------------------------

    def arg(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return default if value is None else str(value)

    def need(self, name: str) -> str:
        value = self.arg(name).strip()
        if not value:
            raise ConsoleError(f"missing {name!r}")
        return value

    # -- reading and acting -------------------------------------------------------------------

    async def call(self, service: str, operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A service operation in this view's account and region (raises ``ServiceError``)."""
        internal = self.console.services.env.internal
        return await internal.call_async(
            service, operation, params or {}, account_id=self.account, region=self.region
        )

    async def try_call(
        self, service: str, operation: str, params: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], ServiceError | None]:
        """:meth:`call`, with the error returned rather than raised (a page shows it)."""
        try:
            return await self.call(service, operation, params), None
        except ServiceError as error:
            return {}, error

    async def pages(
        self, service: str, operation: str, params: dict[str, Any], items: str,
        token: str = "NextToken", out_token: str | None = None, limit: int = 1000,
    ) -> list[Any]:
        """Every item of a paginated list operation (up to ``limit``): ``items`` is the
        output member listing them, ``token`` the input member taking the next page's
        token and ``out_token`` the output member giving it (default: the same name)."""
        found: list[Any] = []
        params = dict(params)
        while True:
            result = await self.call(service, operation, params)
            found.extend(result.get(items) or [])
            next_token = result.get(out_token or token)
            if not next_token or len(found) >= limit:
                return found[:limit]
            params[token] = next_token

    def control(self, path: str, **query: Any) -> Any:
        """``GET /_cloudtwin/<path>?<query>`` answered in-process; its JSON, or ConsoleError."""
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        request = HttpRequest("GET", f"/_cloudtwin/{path}", urlencode(kept), {"host": "localhost"})
        response = self.console.control.handle(request)
        body = response.body if isinstance(response.body, bytes) else b""
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if response.status_code != 200:
            message = data.get("error") if isinstance(data, dict) else None
            raise ConsoleError(message or f"/_cloudtwin/{path} answered {response.status_code}", response.status_code)
        return data

    # -- links --------------------------------------------------------------------------------

    def scope(self) -> dict[str, str]:
        """The account and region arguments a link keeps (only when not the defaults)."""
        out = {}
        if self.account != self.default_account:
            out["account"] = self.account
        if self.region != self.default_region:
            out["region"] = self.region
        return out

    def url(self, path: str = "", **query: Any) -> str:
        """A console URL (``service/page``) keeping this view's account and region."""
        base = f"{UI}/{path}" if path else UI
        return base + qs(**self.scope(), **query)
