"""AWS Security Token Service."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.provider import ServiceProvider


class Provider(ServiceProvider):
    service_name = "sts"

    def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        identity = ctx.identity
        return {
            "UserId": identity.user_id,
            "Account": identity.account_id,
            "Arn": identity.arn_in(ctx.region),
        }
