"""CloudWatch Logs' vended-log deliveries: delivery destinations (an S3 bucket, a log group,
a Firehose stream or X-Ray) with their cross-account policies, delivery sources (a resource
of a service that vends logs) and the deliveries pairing one of each. Stored and answered
as AWS does; cloudtwin's services do not vend logs, so nothing is delivered."""

from __future__ import annotations

import secrets
import string
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

Params = dict[str, Any]

#: The destination type each destination service's ARN names.
DESTINATION_TYPES = {"s3": "S3", "logs": "CWL", "firehose": "FH", "xray": "XRAY"}

#: Services that can be a delivery source ("Supported [V2 Permissions]" in AWS's table
#: "Enabling logging from AWS services") with the log types each vends.
SOURCE_LOG_TYPES = {
    "bedrock": ("APPLICATION_LOGS",),
    "bedrock-agentcore": ("APPLICATION_LOGS", "USAGE_LOGS", "TRACES"),
    "cloudfront": ("ACCESS_LOGS", "CONNECTION_LOGS"),
    "codewhisperer": ("EVENT_LOGS",),
    "connect": ("CHAT_LOGS",),
    "elasticache": ("SLOW_LOG", "ENGINE_LOG"),
    "entityresolution": ("WORKFLOW_LOGS",),
    "events": ("ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"),
    "ivs": ("CHAT_LOGS",),
    "mediapackage": ("EGRESS_ACCESS_LOGS", "INGRESS_ACCESS_LOGS"),
    "mediatailor": ("AD_DECISION_SERVER_LOGS", "MANIFEST_SERVICE_LOGS", "TRANSCODE_LOGS"),
    "pcs": ("PCS_SCHEDULER_LOGS", "PCS_SCHEDULER_AUDIT_LOGS"),
    "q": ("EVENT_LOGS",),
    "qdeveloper": ("EVENT_LOGS",),
    "sagemaker": ("EVENT_LOGS",),
    "sso": ("ERROR_LOGS",),
    "vpc-lattice": ("EVENTS", "ACCESS_LOGS"),
    "workmail": ("ACCESS_CONTROL_LOGS", "AUTHENTICATION_LOGS", "WORKMAIL_DIRECTORY_LOGS"),
    "xray": ("TRACES",),
}

_ID_ALPHABET = string.ascii_letters + string.digits


def _missing(what: str) -> ServiceError:
    # AWS's sentence for a missing delivery source ends with two periods.
    end = ".." if what == "Delivery Source" else "."
    return ServiceError("ResourceNotFoundException", f"Requested {what} does not exist in this account{end}")


def _invalid(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def _arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


class DeliveryOperations:
    """Mixin of the logs provider: the vended-log delivery operations."""

    def _paged(self, items: list, params: Params) -> tuple[list, str | None]:  # pragma: no cover - the provider's
        raise NotImplementedError

    def _delivery_arn(self, ctx: RequestContext, kind: str, name: str) -> str:
        return f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:{kind}:{name}"

    # -- destinations -------------------------------------------------------------------------------

    def _destination(self, ctx: RequestContext, name: str) -> dict:
        found = ctx.store.delivery_destinations.get(name)
        if found is None:
            raise _missing("Delivery Destination")
        return found

    def put_delivery_destination(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        name = params["name"]
        config = params.get("deliveryDestinationConfiguration")
        if not config:
            raise _invalid("deliveryDestinationConfiguration must be provided.")
        resource = config["destinationResourceArn"]
        parts = _arn_parts(resource)
        kind = DESTINATION_TYPES.get(parts[2]) if parts else None
        if kind is None:
            raise _invalid(f"Invalid destination resource ARN: {resource}")
        if params.get("deliveryDestinationType") and params["deliveryDestinationType"] != kind:
            raise _invalid("The deliveryDestinationType does not match the destinationResourceArn.")
        existing = store.delivery_destinations.get(name)
        if existing is not None and existing["deliveryDestinationType"] != kind:
            raise ServiceError(
                "ConflictException", "The delivery destination type cannot be changed for an existing destination."
            )
        record: Params = {
            "name": name,
            "arn": self._delivery_arn(ctx, "delivery-destination", name),
            "deliveryDestinationType": kind,
            "deliveryDestinationConfiguration": {"destinationResourceArn": resource},
        }
        if params.get("outputFormat"):
            record["outputFormat"] = params["outputFormat"]
        tags = dict(params.get("tags") or (existing or {}).get("tags") or {})
        if tags:
            record["tags"] = tags
        if existing is not None and "policy" in existing:
            record["policy"] = existing["policy"]
        store.delivery_destinations[name] = record
        # Put answers without the tags (Get shows them).
        return {"deliveryDestination": {k: v for k, v in _public(record).items() if k != "tags"}}

    def get_delivery_destination(self, ctx: RequestContext, params: Params) -> Params:
        return {"deliveryDestination": _public(self._destination(ctx, params["name"]))}

    def describe_delivery_destinations(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        names = list(store.delivery_destinations)  # in creation order, as AWS lists them
        if params.get("names"):
            wanted = set(params["names"])
            names = [n for n in names if n in wanted]
        page, token = self._paged([_public(store.delivery_destinations[n]) for n in names], params)
        return {"deliveryDestinations": page, **({"nextToken": token} if token else {})}

    def delete_delivery_destination(self, ctx: RequestContext, params: Params) -> Params:
        record = self._destination(ctx, params["name"])
        if any(d["deliveryDestinationArn"] == record["arn"] for d in ctx.store.deliveries.values()):
            raise ServiceError(
                "ConflictException", "Delivery Destination is in use by one or more deliveries and cannot be deleted."
            )
        del ctx.store.delivery_destinations[params["name"]]
        return {}

    def put_delivery_destination_policy(self, ctx: RequestContext, params: Params) -> Params:
        record = self._destination(ctx, params["deliveryDestinationName"])
        record["policy"] = params["deliveryDestinationPolicy"]
        ctx.store.delivery_destinations[record["name"]] = record
        return {"policy": {"deliveryDestinationPolicy": record["policy"]}}

    def get_delivery_destination_policy(self, ctx: RequestContext, params: Params) -> Params:
        record = self._destination(ctx, params["deliveryDestinationName"])
        return {"policy": {"deliveryDestinationPolicy": record["policy"]} if record.get("policy") else {}}

    def delete_delivery_destination_policy(self, ctx: RequestContext, params: Params) -> Params:
        record = self._destination(ctx, params["deliveryDestinationName"])
        if record.pop("policy", None) is None:
            raise ServiceError("ResourceNotFoundException", "Requested Delivery Destination Policy does not exist.")
        ctx.store.delivery_destinations[record["name"]] = record
        return {}

    # -- sources --------------------------------------------------------------------------------------

    def _source(self, ctx: RequestContext, name: str) -> dict:
        found = ctx.store.delivery_sources.get(name)
        if found is None:
            raise _missing("Delivery Source")
        return found

    def put_delivery_source(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        name, resource, log_type = params["name"], params["resourceArn"], params["logType"]
        parts = _arn_parts(resource)
        service = parts[2] if parts else None
        if service not in SOURCE_LOG_TYPES:
            raise ServiceError("ResourceNotFoundException", "Cannot access provided service.")
        if log_type not in SOURCE_LOG_TYPES[service]:
            raise _invalid(f"Log type {log_type} is not supported for service {service}.")
        existing = store.delivery_sources.get(name)
        if existing is not None and existing["resourceArns"] != [resource]:
            raise ServiceError("ConflictException", "The resource of an existing delivery source cannot be changed.")
        record: Params = {
            "name": name,
            "arn": self._delivery_arn(ctx, "delivery-source", name),
            "resourceArns": [resource],
            "service": service,
            "logType": log_type,
        }
        tags = dict(params.get("tags") or (existing or {}).get("tags") or {})
        if tags:
            record["tags"] = tags
        store.delivery_sources[name] = record
        return {"deliverySource": dict(record)}

    def get_delivery_source(self, ctx: RequestContext, params: Params) -> Params:
        return {"deliverySource": dict(self._source(ctx, params["name"]))}

    def describe_delivery_sources(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        sources = list(store.delivery_sources.values())
        if params.get("resourceArns"):
            wanted = set(params["resourceArns"])
            sources = [s for s in sources if wanted & set(s["resourceArns"])]
        page, token = self._paged([dict(s) for s in sources], params)
        return {"deliverySources": page, **({"nextToken": token} if token else {})}

    def delete_delivery_source(self, ctx: RequestContext, params: Params) -> Params:
        self._source(ctx, params["name"])
        if any(d["deliverySourceName"] == params["name"] for d in ctx.store.deliveries.values()):
            raise ServiceError(
                "ConflictException", "Delivery Source is in use by one or more deliveries and cannot be deleted."
            )
        del ctx.store.delivery_sources[params["name"]]
        return {}

    # -- deliveries -------------------------------------------------------------------------------------

    def _delivery(self, ctx: RequestContext, delivery_id: str) -> dict:
        found = ctx.store.deliveries.get(delivery_id)
        if found is None:
            raise _missing("Delivery")
        return found

    def create_delivery(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        source = self._source(ctx, params["deliverySourceName"])
        destination_arn = params["deliveryDestinationArn"]
        parts = _arn_parts(destination_arn)
        if parts is None or not parts[5].startswith("delivery-destination:"):
            raise _invalid(f"Invalid delivery destination ARN: {destination_arn}")
        destination = store.delivery_destinations.get(parts[5].split(":", 1)[1])
        if destination is None or destination["arn"] != destination_arn:
            raise _missing("Delivery Destination")
        if any(
            d["deliverySourceName"] == source["name"] and d["deliveryDestinationArn"] == destination_arn
            for d in store.deliveries.values()
        ):
            raise ServiceError("ConflictException", "A delivery already exists for this source and destination.")
        delivery_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
        record: Params = {
            "id": delivery_id,
            "arn": self._delivery_arn(ctx, "delivery", delivery_id),
            "deliverySourceName": source["name"],
            "deliveryDestinationArn": destination_arn,
            "deliveryDestinationType": destination["deliveryDestinationType"],
        }
        if params.get("recordFields"):
            record["recordFields"] = list(params["recordFields"])
        if params.get("fieldDelimiter") is not None:
            record["fieldDelimiter"] = params["fieldDelimiter"]
        if destination["deliveryDestinationType"] == "S3":
            s3 = params.get("s3DeliveryConfiguration") or {}
            record["s3DeliveryConfiguration"] = {
                "suffixPath": s3.get("suffixPath", ""),
                "enableHiveCompatiblePath": bool(s3.get("enableHiveCompatiblePath")),
            }
            if not record["s3DeliveryConfiguration"]["suffixPath"]:
                del record["s3DeliveryConfiguration"]["suffixPath"]
        elif params.get("s3DeliveryConfiguration"):
            raise _invalid("s3DeliveryConfiguration is only allowed for S3 delivery destinations.")
        if params.get("tags"):
            record["tags"] = dict(params["tags"])
        store.deliveries[delivery_id] = record
        return {"delivery": dict(record)}

    def get_delivery(self, ctx: RequestContext, params: Params) -> Params:
        return {"delivery": dict(self._delivery(ctx, params["id"]))}

    def describe_deliveries(self, ctx: RequestContext, params: Params) -> Params:
        store = ctx.store
        found = list(store.deliveries.values())
        if params.get("deliverySourceNames"):
            wanted = set(params["deliverySourceNames"])
            found = [d for d in found if d["deliverySourceName"] in wanted]
        page, token = self._paged([dict(d) for d in found], params)
        return {"deliveries": page, **({"nextToken": token} if token else {})}

    def update_delivery_configuration(self, ctx: RequestContext, params: Params) -> Params:
        record = self._delivery(ctx, params["id"])
        if params.get("recordFields") is not None:
            record["recordFields"] = list(params["recordFields"])
        if params.get("fieldDelimiter") is not None:
            record["fieldDelimiter"] = params["fieldDelimiter"]
        if params.get("s3DeliveryConfiguration"):
            if record["deliveryDestinationType"] != "S3":
                raise _invalid("s3DeliveryConfiguration is only allowed for S3 delivery destinations.")
            record.setdefault("s3DeliveryConfiguration", {}).update(params["s3DeliveryConfiguration"])
        ctx.store.deliveries[record["id"]] = record
        return {}

    def delete_delivery(self, ctx: RequestContext, params: Params) -> Params:
        self._delivery(ctx, params["id"])
        del ctx.store.deliveries[params["id"]]
        return {}


def _public(destination: dict) -> dict:
    """A delivery destination as AWS shows it (its policy is read with its own operation)."""
    return {k: v for k, v in destination.items() if k != "policy"}
