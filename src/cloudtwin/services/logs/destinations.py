"""CloudWatch Logs destinations: the receiving end of cross-account subscriptions. A
destination names a Kinesis or Firehose stream in its account and the role CloudWatch Logs
assumes to write to it; its access policy says which accounts may subscribe log groups to
it (``PutSubscriptionFilter`` with the destination's ARN)."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

Params = dict[str, Any]

#: Services whose streams a destination can target.
_TARGETS = ("kinesis", "firehose")


def _missing() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified destination does not exist.")


def shown(record: Params) -> Params:
    """A destination as AWS describes it (tags are read with ListTagsForResource)."""
    return {k: v for k, v in record.items() if k != "tags"}


class DestinationOperations:
    """Mixin of the logs provider: the destination operations."""

    def _paged(self, items: list, params: Params) -> tuple[list, str | None]:  # pragma: no cover - the provider's
        raise NotImplementedError

    def _now_ms(self) -> int:  # pragma: no cover - the provider's
        raise NotImplementedError

    def put_destination(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        name, target, role = params["destinationName"], params["targetArn"], params["roleArn"]
        parts = target.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] not in _TARGETS:
            raise ServiceError("InvalidParameterException", f"Invalid target ARN: {target}")
        if len(role.split(":", 5)) != 6 or ":iam::" not in role:
            raise ServiceError("InvalidParameterException", f"Invalid role ARN: {role}")
        existing = store.destinations.get(name)
        record: Params = {
            "destinationName": name,
            "targetArn": target,
            "roleArn": role,
            "arn": f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:destination:{name}",
            "creationTime": existing["creationTime"] if existing else self._now_ms(),
        }
        if existing is not None and "accessPolicy" in existing:
            record["accessPolicy"] = existing["accessPolicy"]
        record["tags"] = dict((existing or {}).get("tags") or {})
        record["tags"].update(params.get("tags") or {})
        store.destinations[name] = record
        return {"destination": shown(record)}

    def put_destination_policy(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        record = store.destinations.get(params["destinationName"])
        if record is None:
            raise _missing()
        try:
            json.loads(params["accessPolicy"])
        except ValueError:
            raise ServiceError("InvalidParameterException", "Access policy is not a valid JSON document.") from None
        record["accessPolicy"] = params["accessPolicy"]
        store.destinations.save(params["destinationName"])
        return {}

    def describe_destinations(self, ctx: RequestContext, params: Params) -> Params:
        prefix = params.get("DestinationNamePrefix") or ""
        found = [shown(d) for name, d in sorted(ctx.store.destinations.items()) if name.startswith(prefix)]
        page, token = self._paged(found, params)
        out: Params = {"destinations": page}
        if token:
            out["nextToken"] = token
        return out

    def delete_destination(self, ctx: RequestContext, params: Params) -> Params:
        if ctx.store.destinations.pop(params["destinationName"], None) is None:
            raise _missing()
        return {}
