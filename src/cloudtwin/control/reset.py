"""``POST /_cloudtwin/reset``: drop state, all of it, one service's, or one account's.

Tests reset between cases, so this has to be fast: it drops the stores of the services
that were loaded (nothing is imported or created to be reset) and reports how long it took.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from cloudtwin.control.payload import ControlError, json_response, optional_str, read_params
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway


def reset_state(
    gateway: "Gateway", service: str | None = None, account: str | None = None
) -> dict[str, Any]:
    """Reset the server's state and say what was reset.

    - nothing given: every service's stores, the identity registry (keys issued by STS and
      IAM), the request log, and the clock (back to real time, running);
    - ``service``: that service's stores, in every account (or only ``account``);
    - ``account``: every service's stores of that account, and its issued keys.

    Raises ``ValueError`` for an unknown service or a malformed account id.
    """
    started = time.perf_counter()
    if account is not None and not (len(account) == 12 and account.isdigit()):
        raise ValueError(f"account must be a 12-digit account id, not {account!r}")
    registry = gateway.services
    loaded = registry.loaded()
    if service is not None and service not in loaded:
        if service not in gateway.catalog.service_names():
            raise ValueError(f"unknown service {service!r}")
    everything = service is None and account is None
    registry.reset(service, account)
    if everything:
        scope = "all"
    elif account is None:
        scope = "service"
    else:
        scope = "account" if service is None else "service+account"
    result: dict[str, Any] = {
        "scope": scope,
        "services": [name for name in loaded if service is None or name == service],
        "account": account,
        "identities": False,
        "request_log": False,
        "clock": False,
    }
    if everything:
        gateway.identities.reset()
        gateway.request_log.clear()
        gateway.clock.reset()
        result.update(identities=True, request_log=True, clock=True)
    elif service is None:
        gateway.identities.forget_account(account)  # type: ignore[arg-type]
        result["identities"] = True
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result


class ResetApi:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway

    def routes(self) -> dict:
        return {("POST", "reset"): self.reset}

    def reset(self, request: HttpRequest) -> HttpResponse:
        params = read_params(request, ("service", "account"))
        try:
            result = reset_state(
                self.gateway, optional_str(params, "service"), optional_str(params, "account")
            )
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return json_response(200, result)
