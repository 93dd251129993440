"""Asynchronous invocation settings per qualifier (``Put/Get/Update/Delete/List
FunctionEventInvokeConfig``): retries, maximum event age, destinations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_ import configuration as conf
from cloudtwin.services.lambda_.models import LATEST

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.services.lambda_.models import LambdaStore

Params = dict[str, Any]


class EventConfigOperations:
    """Handlers mixed into the Lambda provider."""

    # -- event invoke configs ---------------------------------------------------------------------

    def _event_target(self, ctx: "RequestContext", params: Params, exists: bool = False) -> tuple["LambdaStore", dict, str, str]:
        """The function and qualifier; ``exists``: the version or alias must exist (writes)."""
        ref = self._ref(ctx, params)
        store, record = self._function(ctx, ref)
        qualifier = ref.qualifier or LATEST
        if exists:
            self._config(ctx, ref, record)
        arn = record["latest"]["FunctionArn"] + f":{qualifier}"
        return store, record, qualifier, arn

    def _write_event_config(self, ctx: "RequestContext", params: Params, merge: bool) -> Params:
        store, record, qualifier, arn = self._event_target(ctx, params, exists=True)
        existing = record["event_configs"].get(qualifier) if merge else None
        if merge and existing is None:
            raise lambda_error("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig", 404)
        config: Params = dict(existing or {})
        for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
            if member in params:
                config[member] = params[member]
        for kind in ("OnSuccess", "OnFailure"):
            target = ((config.get("DestinationConfig") or {}).get(kind) or {}).get("Destination")
            if target and target.split(":")[2:3] not in (["sqs"], ["sns"], ["lambda"], ["events"], ["s3"]):
                raise conf.invalid(f"The provided destination config DestinationConfig.{kind}.Destination is invalid.")
        config["FunctionArn"] = arn
        config["LastModified"] = ctx.clock.now()
        config.setdefault("DestinationConfig", {"OnSuccess": {}, "OnFailure": {}})
        record["event_configs"][qualifier] = config
        store.save(record["latest"]["FunctionName"])
        return dict(config)

    def put_function_event_invoke_config(self, ctx: "RequestContext", params: Params) -> Params:
        return self._write_event_config(ctx, params, merge=False)

    def update_function_event_invoke_config(self, ctx: "RequestContext", params: Params) -> Params:
        return self._write_event_config(ctx, params, merge=True)

    def get_function_event_invoke_config(self, ctx: "RequestContext", params: Params) -> Params:
        _, record, qualifier, arn = self._event_target(ctx, params)
        config = record["event_configs"].get(qualifier)
        if config is None:
            raise lambda_error("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig", 404)
        return dict(config)

    def delete_function_event_invoke_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier, arn = self._event_target(ctx, params)
        if record["event_configs"].pop(qualifier, None) is None:
            raise lambda_error("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig", 404)
        store.save(record["latest"]["FunctionName"])
        return {}

    def list_function_event_invoke_configs(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        _, record = self._function(ctx, ref)
        configs = [dict(c) for _, c in sorted(record["event_configs"].items())]
        page, marker = _page(configs, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"FunctionEventInvokeConfigs": page}
        if marker:
            out["NextMarker"] = marker
        return out



def _page(items: list, marker: str | None, max_items: int | None) -> tuple[list, str | None]:
    from cloudtwin.services.lambda_.provider import _page as page

    return page(items, marker, max_items)
