"""SES v2 configuration sets and their event destinations, SES v1's in v2's shapes
(handlers mixed into the provider)."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.sesv2.models import SesV2Store, resource_arn
from cloudtwin.services.sesv2.v1 import SesV1, paging

Params = dict[str, Any]
_V1_TRACKING = ("CustomRedirectDomain", "HttpsPolicy")
#: v2's event types (``RENDERING_FAILURE``) -> v1's (``renderingFailure``).
_EVENT_TYPES = {
    name: "".join([name.split("_")[0].lower(), *(part.capitalize() for part in name.split("_")[1:])])
    for name in ("SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK", "RENDERING_FAILURE", "DELIVERY_DELAY", "SUBSCRIPTION")
}
_V2_EVENT_TYPES = {v1: v2 for v2, v1 in _EVENT_TYPES.items()}


def v1_delivery(tls_policy: str | None) -> Params:
    """v2's ``TlsPolicy`` (``REQUIRE``) as v1's delivery options (``Require``)."""
    return {"TlsPolicy": tls_policy.capitalize()} if tls_policy else {}
#: v2's dimension value sources (``MESSAGE_TAG``) -> v1's (``messageTag``).
_SOURCES = {name: "".join([name.split("_")[0].lower(), *(p.capitalize() for p in name.split("_")[1:])])
            for name in ("MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG")}
_V2_SOURCES = {v1: v2 for v2, v1 in _SOURCES.items()}


def _cloudwatch(destination: Params, sources: dict[str, str]) -> Params:
    """A CloudWatch destination with its dimensions' value sources in the other version's names."""
    dimensions = [dict(d, DimensionValueSource=sources.get(d.get("DimensionValueSource"), d.get("DimensionValueSource")))
                  if "DimensionValueSource" in d else d for d in destination.get("DimensionConfigurations") or []]
    return dict(destination, DimensionConfigurations=dimensions) if "DimensionConfigurations" in destination \
        else dict(destination)
#: v2's Firehose destination members -> v1's.
_FIREHOSE = (("IamRoleArn", "IAMRoleARN"), ("DeliveryStreamArn", "DeliveryStreamARN"))


def v1_destination(name: str, definition: Params) -> Params:
    out: Params = {"Name": name, "Enabled": bool(definition.get("Enabled", False)),
                   "MatchingEventTypes": [_EVENT_TYPES[t] for t in definition.get("MatchingEventTypes") or []]}  # fmt: skip
    if definition.get("SnsDestination"):
        out["SNSDestination"] = {"TopicARN": definition["SnsDestination"]["TopicArn"]}
    if definition.get("EventBridgeDestination"):  # v1 has no such member: kept for v2 only
        out["EventBridgeDestination"] = {"EventBusARN": definition["EventBridgeDestination"]["EventBusArn"]}
    if definition.get("KinesisFirehoseDestination"):
        out["KinesisFirehoseDestination"] = {v1: definition["KinesisFirehoseDestination"][v2] for v2, v1 in _FIREHOSE}
    if definition.get("CloudWatchDestination"):
        out["CloudWatchDestination"] = _cloudwatch(definition["CloudWatchDestination"], _SOURCES)
    return out


def v2_destination(destination: Params) -> Params:
    out: Params = {"Name": destination["Name"], "Enabled": destination.get("Enabled", False),
                   "MatchingEventTypes": [_V2_EVENT_TYPES.get(t, t.upper()) for t in destination.get("MatchingEventTypes", [])]}  # fmt: skip
    if destination.get("SNSDestination"):
        out["SnsDestination"] = {"TopicArn": destination["SNSDestination"]["TopicARN"]}
    if destination.get("EventBridgeDestination"):
        out["EventBridgeDestination"] = {"EventBusArn": destination["EventBridgeDestination"]["EventBusARN"]}
    if destination.get("KinesisFirehoseDestination"):
        out["KinesisFirehoseDestination"] = {v2: destination["KinesisFirehoseDestination"][v1] for v2, v1 in _FIREHOSE}
    if destination.get("CloudWatchDestination"):
        out["CloudWatchDestination"] = _cloudwatch(destination["CloudWatchDestination"], _V2_SOURCES)
    return out


class ConfigurationSetOperations(SesV1):
    async def create_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        await self._v1(ctx, "CreateConfigurationSet", {"ConfigurationSet": {"Name": name}})
        tracking = {k: v for k, v in (params.get("TrackingOptions") or {}).items() if k in _V1_TRACKING}
        if tracking:
            await self._v1(ctx, "CreateConfigurationSetTrackingOptions", {"ConfigurationSetName": name, "TrackingOptions": tracking})
        if (params.get("DeliveryOptions") or {}).get("TlsPolicy"):
            delivery = v1_delivery(params["DeliveryOptions"]["TlsPolicy"])
            await self._v1(ctx, "PutConfigurationSetDeliveryOptions", {"ConfigurationSetName": name, "DeliveryOptions": delivery})
        reputation = params.get("ReputationOptions") or {}
        if "ReputationMetricsEnabled" in reputation:
            await self._v1(ctx, "UpdateConfigurationSetReputationMetricsEnabled",
                           {"ConfigurationSetName": name, "Enabled": reputation["ReputationMetricsEnabled"]})  # fmt: skip
        sending = params.get("SendingOptions") or {}
        if "SendingEnabled" in sending:
            await self._v1(ctx, "UpdateConfigurationSetSendingEnabled", {"ConfigurationSetName": name, "Enabled": sending["SendingEnabled"]})
        store: SesV2Store = ctx.store
        store.add_tags(resource_arn(ctx, "configuration-set", name), params.get("Tags"))
        return {}

    async def get_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        found = await self._v1(ctx, "DescribeConfigurationSet", {
            "ConfigurationSetName": name, "ConfigurationSetAttributeNames": ["trackingOptions", "deliveryOptions", "reputationOptions"]})  # fmt: skip
        reputation = found.get("ReputationOptions") or {}
        out: Params = {
            "ConfigurationSetName": name,
            "ReputationOptions": {"ReputationMetricsEnabled": reputation.get("ReputationMetricsEnabled", False)},
            "SendingOptions": {"SendingEnabled": reputation.get("SendingEnabled", True)},
            "Tags": ctx.store.tags_of(resource_arn(ctx, "configuration-set", name)),
            "DeliveryOptions": {"TlsPolicy": (found.get("DeliveryOptions") or {}).get("TlsPolicy", "Optional").upper()},
        }
        if found.get("TrackingOptions"):
            out["TrackingOptions"] = dict(found["TrackingOptions"])
        return out

    async def list_configuration_sets(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListConfigurationSets", paging(params))
        out: Params = {"ConfigurationSets": [c["Name"] for c in page["ConfigurationSets"]]}
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def delete_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "DeleteConfigurationSet", {"ConfigurationSetName": params["ConfigurationSetName"]})
        ctx.store.tags.pop(resource_arn(ctx, "configuration-set", params["ConfigurationSetName"]), None)
        return {}

    # -- options ------------------------------------------------------------------------------

    async def put_configuration_set_delivery_options(self, ctx: RequestContext, params: Params) -> Params:
        delivery = v1_delivery(params.get("TlsPolicy"))
        await self._v1(ctx, "PutConfigurationSetDeliveryOptions", {"ConfigurationSetName": params["ConfigurationSetName"], "DeliveryOptions": delivery})
        return {}

    async def put_configuration_set_reputation_options(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateConfigurationSetReputationMetricsEnabled",
                       {"ConfigurationSetName": params["ConfigurationSetName"], "Enabled": bool(params.get("ReputationMetricsEnabled", False))})  # fmt: skip
        return {}

    async def put_configuration_set_sending_options(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateConfigurationSetSendingEnabled",
                       {"ConfigurationSetName": params["ConfigurationSetName"], "Enabled": bool(params.get("SendingEnabled", False))})  # fmt: skip
        return {}

    async def put_configuration_set_tracking_options(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        tracking = {k: params[k] for k in _V1_TRACKING if params.get(k)}
        found = await self._v1(ctx, "DescribeConfigurationSet", {"ConfigurationSetName": name, "ConfigurationSetAttributeNames": ["trackingOptions"]})
        operation = "UpdateConfigurationSetTrackingOptions" if found.get("TrackingOptions") else "CreateConfigurationSetTrackingOptions"
        await self._v1(ctx, operation, {"ConfigurationSetName": name, "TrackingOptions": tracking})
        return {}

    # -- event destinations -------------------------------------------------------------------

    async def create_configuration_set_event_destination(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "CreateConfigurationSetEventDestination", {
            "ConfigurationSetName": params["ConfigurationSetName"],
            "EventDestination": v1_destination(params["EventDestinationName"], params["EventDestination"])})  # fmt: skip
        return {}

    async def update_configuration_set_event_destination(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateConfigurationSetEventDestination", {
            "ConfigurationSetName": params["ConfigurationSetName"],
            "EventDestination": v1_destination(params["EventDestinationName"], params["EventDestination"])})  # fmt: skip
        return {}

    async def get_configuration_set_event_destinations(self, ctx: RequestContext, params: Params) -> Params:
        found = await self._v1(ctx, "DescribeConfigurationSet", {
            "ConfigurationSetName": params["ConfigurationSetName"], "ConfigurationSetAttributeNames": ["eventDestinations"]})  # fmt: skip
        return {"EventDestinations": [v2_destination(d) for d in found.get("EventDestinations", [])]}

    async def delete_configuration_set_event_destination(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "DeleteConfigurationSetEventDestination", {
            "ConfigurationSetName": params["ConfigurationSetName"], "EventDestinationName": params["EventDestinationName"]})  # fmt: skip
        return {}
