"""Asynchronous invocation settings per qualifier (``Put/Get/Update/Delete/List
FunctionEventInvokeConfig``): retries, maximum event age, destinations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_ import configuration as conf
from cloudtwin.services.lambda_ import names
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_.paging import page as _page
from cloudtwin.services.lambda_.models import LATEST, function_arn

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.services.lambda_.models import LambdaStore

Params = dict[str, Any]


class EventConfigOperations:
    """Handlers mixed into the Lambda provider."""

    # -- event invoke configs ---------------------------------------------------------------------

    def _event_target(self, ctx: "RequestContext", params: Params, exists: bool = False) -> tuple["LambdaStore", dict, str, str]:
        """The function and qualifier; ``exists``: the function and the version or alias must
        exist ("The function doesn't exist." otherwise, as writes answer)."""
        ref = self._ref(ctx, params)
        qualifier = ref.qualifier or LATEST
        try:
            store, record = self._function(ctx, ref)
            if exists:
                self._config(ctx, ref, record)
        except ServiceError as error:
            if exists and error.code == "ResourceNotFoundException":
                raise _no_function() from None
            if error.code != "ResourceNotFoundException":
                raise
            arn = function_arn(ctx.partition, ref.region, ref.account_id, ref.name, qualifier)
            raise _no_config(arn) from None
        arn = record["latest"]["FunctionArn"] + f":{qualifier}"
        return store, record, qualifier, arn

    def _check_destinations(self, ctx: "RequestContext", record: dict, destinations: Params) -> None:
        for kind in ("OnSuccess", "OnFailure"):
            target = (destinations.get(kind) or {}).get("Destination")
            if not target:
                continue
            service = target.split(":")[2:3]
            if service not in (["sqs"], ["sns"], ["lambda"], ["events"], ["s3"]):
                shown = {k: f"{k}(destination={(destinations.get(k) or {}).get('Destination')})"
                         if (destinations.get(k) or {}).get("Destination") else "null" for k in ("OnSuccess", "OnFailure")}  # fmt: skip
                raise conf.invalid(
                    f"The provided destination config DestinationConfig(onSuccess={shown['OnSuccess']}, "
                    f"onFailure={shown['OnFailure']}) is invalid."
                )
            if service == ["lambda"]:
                try:
                    ref = names.parse(target, ctx.account_id, ctx.region)
                    self._function(ctx, ref)
                except ServiceError:
                    raise conf.invalid(f"The destination ARN {target} is invalid.") from None
                if ref.name == record["latest"]["FunctionName"] and ref.account_id == ctx.account_id:
                    raise conf.invalid("You can't specify the function as a destination for itself.")

    def _write_event_config(self, ctx: "RequestContext", params: Params, merge: bool) -> Params:
        if not merge and not any(
            params.get(m) is not None for m in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
        ):
            raise conf.invalid("You must specify at least one of error handling or destination setting.")
        store, record, qualifier, arn = self._event_target(ctx, params, exists=True)
        existing = record["event_configs"].get(qualifier) if merge else None
        if merge and existing is None:
            raise _no_config(arn)
        config: Params = dict(existing or {})
        for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
            if member in params:
                config[member] = params[member]
        self._check_destinations(ctx, record, config.get("DestinationConfig") or {})
        config["FunctionArn"] = arn
        config["LastModified"] = ctx.clock.now()
        destinations = config.get("DestinationConfig") or {}
        config["DestinationConfig"] = {"OnSuccess": destinations.get("OnSuccess") or {},
                                       "OnFailure": destinations.get("OnFailure") or {}}  # fmt: skip
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
            raise _no_config(arn)
        return dict(config)

    def delete_function_event_invoke_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier, arn = self._event_target(ctx, params)
        if record["event_configs"].pop(qualifier, None) is None:
            raise _no_config(arn)
        store.save(record["latest"]["FunctionName"])
        return {}

    def list_function_event_invoke_configs(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        try:
            _, record = self._function(ctx, ref)
        except ServiceError as error:
            if error.code == "ResourceNotFoundException":
                raise _no_function() from None
            raise
        configs = [dict(c) for _, c in sorted(record["event_configs"].items())]
        page, marker = _page(configs, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"FunctionEventInvokeConfigs": page}
        if marker:
            out["NextMarker"] = marker
        return out



def _no_function() -> ServiceError:
    return lambda_error("ResourceNotFoundException", "The function doesn't exist.", 404)


def _no_config(arn: str) -> ServiceError:
    return lambda_error("ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig", 404)
