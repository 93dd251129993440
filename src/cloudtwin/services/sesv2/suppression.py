"""The account-level suppression list (SES v2): addresses SES sends nothing to. SES v1's
sending asks it through ``ListSuppressedDestinations`` and bounces those recipients
(``OnAccountSuppressionList``). Handlers mixed into the provider."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sesv2.models import SesV2Store
from cloudtwin.services.sesv2.paging import page

Params = dict[str, Any]


def _key(params: Params) -> str:
    """Entries by tenant (none: the account's list) and lower-cased address."""
    return f"{params.get('TenantName') or ''}/{params['EmailAddress'].lower()}"


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _not_found(address: str) -> ServiceError:
    return ServiceError("NotFoundException", f"Email address {address} does not exist on your suppression list.")


class SuppressionOperations:
    def put_suppressed_destination(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        entry = {"EmailAddress": params["EmailAddress"], "Reason": params["Reason"], "LastUpdateTime": ctx.clock.now()}
        if params.get("TenantName"):
            entry["TenantName"] = params["TenantName"]
        store.suppressed[_key(params)] = entry
        return {}

    def get_suppressed_destination(self, ctx: RequestContext, params: Params) -> Params:
        entry = ctx.store.suppressed.get(_key(params))
        if entry is None:
            raise _not_found(params["EmailAddress"])
        return {"SuppressedDestination": {**entry, "LastUpdateTime": datetime.fromtimestamp(entry["LastUpdateTime"], timezone.utc), "Attributes": {}}}

    def delete_suppressed_destination(self, ctx: RequestContext, params: Params) -> Params:
        if ctx.store.suppressed.pop(_key(params), None) is None:
            raise _not_found(params["EmailAddress"])
        return {}

    def list_suppressed_destinations(self, ctx: RequestContext, params: Params) -> Params:
        tenant = params.get("TenantName") or ""
        reasons = set(params.get("Reasons") or ())
        start = _epoch(params["StartDate"]) if params.get("StartDate") else None
        end = _epoch(params["EndDate"]) if params.get("EndDate") else None
        entries = [
            e for key, e in sorted(ctx.store.suppressed.items())
            if key.partition("/")[0] == tenant and (not reasons or e["Reason"] in reasons)
            and (start is None or e["LastUpdateTime"] >= start) and (end is None or e["LastUpdateTime"] <= end)
        ]  # fmt: skip
        chunk, token = page(entries, params)
        out: Params = {
            "SuppressedDestinationSummaries": [
                {"EmailAddress": e["EmailAddress"], "Reason": e["Reason"], "LastUpdateTime": datetime.fromtimestamp(e["LastUpdateTime"], timezone.utc)}
                for e in chunk
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def put_account_suppression_attributes(self, ctx: RequestContext, params: Params) -> Params:
        ctx.store.account["suppressed-reasons"] = list(params.get("SuppressedReasons") or [])
        return {}
