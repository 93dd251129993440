"""Configuration sets and their event destinations (SNS destinations really receive the
events of the messages sent with the set: see ``events.py``), tracking, delivery and
reputation options. Handlers mixed into the provider."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses import events
from cloudtwin.services.ses.errors import configuration_set_missing
from cloudtwin.services.ses.models import ConfigurationSet, SesStore
from cloudtwin.services.ses.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def get_configuration_set(store: SesStore, name: str) -> ConfigurationSet:
    config = store.configuration_sets.get(name)
    if config is None:
        raise configuration_set_missing(name)
    return config


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise ServiceError(
            "InvalidConfigurationSetException" if kind == "Configuration set" else "InvalidParameterValue",
            f"{kind} name <{name}> is invalid. Names may only contain alphanumeric ASCII characters, '_', and '-', "
            "and be at most 64 characters long.",
            sender_fault=True,
        )


class ConfigurationSetOperations:
    def create_configuration_set(self, ctx: "RequestContext", params: Params) -> Params:
        name = params["ConfigurationSet"]["Name"]
        _check_name("Configuration set", name)
        if name in ctx.store.configuration_sets:
            raise ServiceError("ConfigurationSetAlreadyExistsException", f"Configuration set <{name}> already exists.")
        ctx.store.configuration_sets[name] = ConfigurationSet(name=name, created=ctx.clock.now())
        return {}

    def delete_configuration_set(self, ctx: "RequestContext", params: Params) -> Params:
        get_configuration_set(ctx.store, params["ConfigurationSetName"])
        ctx.store.configuration_sets.pop(params["ConfigurationSetName"], None)
        return {}

    def list_configuration_sets(self, ctx: "RequestContext", params: Params) -> Params:
        names = [{"Name": name} for name in ctx.store.configuration_sets]
        chunk, token = page(names, params.get("NextToken"), params.get("MaxItems"), default=1000)
        return {"ConfigurationSets": chunk, **({"NextToken": token} if token else {})}

    def describe_configuration_set(self, ctx: "RequestContext", params: Params) -> Params:
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        wanted = set(params.get("ConfigurationSetAttributeNames") or [])
        out: Params = {"ConfigurationSet": {"Name": config.name}}
        if "eventDestinations" in wanted:
            out["EventDestinations"] = [dict(d) for d in config.destinations]
        if "trackingOptions" in wanted and config.tracking:
            out["TrackingOptions"] = dict(config.tracking)
        if "deliveryOptions" in wanted and config.delivery:
            out["DeliveryOptions"] = dict(config.delivery)
        if "reputationOptions" in wanted:
            out["ReputationOptions"] = {
                "SendingEnabled": config.sending_enabled,
                "ReputationMetricsEnabled": config.reputation_metrics,
            }
        return out

    # -- event destinations -------------------------------------------------------------------

    async def create_configuration_set_event_destination(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        config = get_configuration_set(store, params["ConfigurationSetName"])
        destination = dict(params["EventDestination"])
        _check_name("Event destination", destination["Name"])
        if config.destination(destination["Name"]) is not None:
            raise ServiceError(
                "EventDestinationAlreadyExistsException",
                f"Event destination {destination['Name']} already exists in configuration set {config.name}.",
            )
        await self._validate_topic(ctx, config, destination)
        destination.setdefault("Enabled", False)
        config.destinations.append(destination)
        store.configuration_sets.save(config.name)
        return {}

    async def update_configuration_set_event_destination(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        config = get_configuration_set(store, params["ConfigurationSetName"])
        destination = dict(params["EventDestination"])
        index = next((i for i, d in enumerate(config.destinations) if d["Name"] == destination["Name"]), None)
        if index is None:
            raise self._destination_missing(config.name, destination["Name"])
        await self._validate_topic(ctx, config, destination)
        destination.setdefault("Enabled", False)
        config.destinations[index] = destination
        store.configuration_sets.save(config.name)
        return {}

    def delete_configuration_set_event_destination(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        config = get_configuration_set(store, params["ConfigurationSetName"])
        name = params["EventDestinationName"]
        if config.destination(name) is None:
            raise self._destination_missing(config.name, name)
        config.destinations = [d for d in config.destinations if d["Name"] != name]
        store.configuration_sets.save(config.name)
        return {}

    @staticmethod
    def _destination_missing(config: str, name: str) -> ServiceError:
        return ServiceError(
            "EventDestinationDoesNotExistException",
            f"No EventDestination found for {name} in configuration set {config}.",
        )

    async def _validate_topic(self, ctx: "RequestContext", config: ConfigurationSet, destination: Params) -> None:
        """AWS checks an SNS destination's topic by publishing its validation message."""
        topic = (destination.get("SNSDestination") or {}).get("TopicARN")
        if not topic:
            return
        if not await events.publish(self.env.internal, topic, events.VALIDATION_MESSAGE, None, ctx.account_id, ctx.region):  # type: ignore[attr-defined]
            raise ServiceError(
                "InvalidSNSDestinationException",
                f"SNS topic <{topic}> not found.",
                fields={"ConfigurationSetName": config.name, "EventDestinationName": destination["Name"]},
            )

    # -- options ------------------------------------------------------------------------------

    @staticmethod
    def _tracked(ctx: "RequestContext", params: Params) -> ConfigurationSet:
        """The configuration set, which must have tracking options."""
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        if config.tracking is None:
            raise ServiceError("TrackingOptionsDoesNotExistException", f"Tracking options do not exist for configuration set {config.name}.")
        return config

    def create_configuration_set_tracking_options(self, ctx: "RequestContext", params: Params) -> Params:
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        if config.tracking is not None:
            raise ServiceError("TrackingOptionsAlreadyExistsException", f"Tracking options already exist for configuration set {config.name}.")
        config.tracking = dict(params["TrackingOptions"])
        ctx.store.configuration_sets.save(config.name)
        return {}

    def update_configuration_set_tracking_options(self, ctx: "RequestContext", params: Params) -> Params:
        config = self._tracked(ctx, params)
        config.tracking = dict(params["TrackingOptions"])
        ctx.store.configuration_sets.save(config.name)
        return {}

    def delete_configuration_set_tracking_options(self, ctx: "RequestContext", params: Params) -> Params:
        config = self._tracked(ctx, params)
        config.tracking = None
        ctx.store.configuration_sets.save(config.name)
        return {}

    def put_configuration_set_delivery_options(self, ctx: "RequestContext", params: Params) -> Params:
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        config.delivery = dict(params.get("DeliveryOptions") or {}) or None
        ctx.store.configuration_sets.save(config.name)
        return {}

    def update_configuration_set_sending_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        config.sending_enabled = params["Enabled"]
        ctx.store.configuration_sets.save(config.name)
        return {}

    def update_configuration_set_reputation_metrics_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        config = get_configuration_set(ctx.store, params["ConfigurationSetName"])
        config.reputation_metrics = params["Enabled"]
        ctx.store.configuration_sets.save(config.name)
        return {}
