"""Time to Live: items whose TTL attribute (epoch seconds, a Number) has passed are deleted
by the service itself, as system deletes that streams report with the service principal.

AWS leaves alone items whose expiry is more than five years in the past, and values that
are not numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from cloudtwin.services.dynamodb.changes import TTL_IDENTITY
from cloudtwin.services.dynamodb.stored import decode

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

FIVE_YEARS = 5 * 365 * 24 * 3600


def expired(item: dict[str, Any], attribute: str, now: float) -> bool:
    value = item.get(attribute)
    if value is None or "N" not in value:
        return False
    try:
        when = Decimal(value["N"])
    except InvalidOperation:
        return False
    return now - FIVE_YEARS <= when <= Decimal(repr(now))


def expire(provider: "Provider", now: float) -> dict[str, Any]:
    deleted = 0
    for (account_id, region), store in provider.stores.items():  # type: ignore[union-attr]
        for record in list(store.tables.values()):
            if not record.ttl_enabled or not record.ttl_attribute:
                continue
            data = store.data(record)
            # only items whose text holds the attribute as a number are decoded
            mark = (json.dumps(record.ttl_attribute, ensure_ascii=False) + ':{"N":').encode("utf-8", "surrogatepass")
            doomed = [
                item for item in (decode(s.raw) for s in data.primary.scan() if mark in s.raw)
                if expired(item, record.ttl_attribute, now)
            ]
            for item in doomed:
                key = {e["AttributeName"]: item[e["AttributeName"]] for e in record.key_schema}
                provider.changes.delete(account_id, region, record, data, key, identity=TTL_IDENTITY)
                deleted += 1
    return {"deleted": deleted}
