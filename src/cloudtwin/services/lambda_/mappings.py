"""Event source mapping handlers (``Create/Get/Update/Delete/List EventSourceMapping``);
the checks and shapes are in event_sources.py, the polling in pollers.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.events.targets import arn_parts
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_.paging import page as _page
from cloudtwin.services.lambda_ import event_sources
from cloudtwin.services.lambda_.models import function_arn
from cloudtwin.services.lambda_.stream_sources import shards_of, source_of

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.services.lambda_.models import LambdaStore

Params = dict[str, Any]


class MappingOperations:
    """Handlers mixed into the Lambda provider."""

    # -- event source mappings -----------------------------------------------------------------------

    def _source_exists(self, ctx: "RequestContext", kind: str, arn: str) -> None:
        _, region, account, resource = arn_parts(arn)
        try:
            if kind == "sqs":
                self.env.internal.call("sqs", "GetQueueUrl", {"QueueName": resource, "QueueOwnerAWSAccountId": account},
                                       account_id=account, region=region)  # fmt: skip
            else:
                source = source_of(arn)
                self.env.internal.call(source.service, "DescribeStream", {source.arn_param: arn}, account_id=account,
                                       region=region)  # fmt: skip
        except ServiceError as error:
            if kind == "sqs":
                raise event_sources.invalid(
                    f"Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                    f"SQS Error Message: {error.message}"
                ) from None
            raise event_sources.invalid(f"Stream not found: {arn}") from None

    def create_event_source_mapping(self, ctx: "RequestContext", params: Params) -> Params:
        kind = event_sources.source_kind(params.get("EventSourceArn") or "")
        ref = self._ref(ctx, params)
        store, record = self._function(ctx, ref)
        if ref.qualifier:
            self._config(ctx, ref, record)
        self._source_exists(ctx, kind, params["EventSourceArn"])
        fn_arn = record["latest"]["FunctionArn"] + (f":{ref.qualifier}" if ref.qualifier else "")
        prefix = f"arn:{ctx.partition}:lambda:{ref.region}:{ref.account_id}"
        mapping = event_sources.new_mapping(params, kind, fn_arn, prefix, ctx.clock.now())
        for existing in store.mappings.values():
            if existing["EventSourceArn"] == params["EventSourceArn"] and existing["FunctionArn"] == fn_arn:
                source = params["EventSourceArn"]
                raise lambda_error(
                    "ResourceConflictException",
                    (f'An event source mapping with SQS arn (" {source} ") and function (" {ref.name} ") already exists.'
                     if kind == "sqs" else
                     f'The event source arn (" {source} ") and function (" {ref.name} ") provided mapping already exists.')
                    + f" Please update or delete the existing mapping with UUID {existing['UUID']}",
                    409,
                )  # fmt: skip
        if kind in ("dynamodb", "kinesis") and mapping["StartingPosition"] == "LATEST":
            # LATEST is the end of each shard now, when the mapping is made
            mapping["_iterators"] = self._latest_iterators(params["EventSourceArn"])
        store.mappings[mapping["UUID"]] = mapping
        self.pollers.sync()
        return event_sources.as_response(mapping, "Creating")

    def _latest_iterators(self, stream_arn: str) -> dict[str, str]:
        _, region, account, _ = arn_parts(stream_arn)
        call = self.env.internal.call
        source = source_of(stream_arn)
        shards = shards_of(call(source.service, "DescribeStream", {source.arn_param: stream_arn}, account_id=account,
                                region=region))  # fmt: skip
        return {
            shard["ShardId"]: call(
                source.service, "GetShardIterator",
                {source.arn_param: stream_arn, "ShardId": shard["ShardId"], "ShardIteratorType": "LATEST"},
                account_id=account, region=region,
            )["ShardIterator"]
            for shard in shards
            if "EndingSequenceNumber" not in shard["SequenceNumberRange"]
        }  # fmt: skip

    def _mapping(self, ctx: "RequestContext", mapping_id: str) -> tuple["LambdaStore", dict]:
        store = self._store(ctx.account_id, ctx.region)
        mapping = store.mappings.get(mapping_id)
        if mapping is None:
            raise lambda_error(
                "ResourceNotFoundException",
                f"The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: {ctx.request_id})",
                404,
            )
        return store, mapping

    def get_event_source_mapping(self, ctx: "RequestContext", params: Params) -> Params:
        return event_sources.as_response(self._mapping(ctx, params["UUID"])[1])

    def update_event_source_mapping(self, ctx: "RequestContext", params: Params) -> Params:
        store, mapping = self._mapping(ctx, params["UUID"])
        if params.get("FunctionName"):
            ref = self._ref(ctx, params)
            _, record = self._function(ctx, ref)
            mapping["FunctionArn"] = record["latest"]["FunctionArn"] + (f":{ref.qualifier}" if ref.qualifier else "")
        was = mapping["State"]
        event_sources.update_mapping(mapping, params, ctx.clock.now())
        store.mappings.save(params["UUID"])
        self.pollers.sync()
        # switching a mapping on or off is its own transition
        state = "Updating" if mapping["State"] == was else ("Enabling" if mapping["State"] == "Enabled" else "Disabling")
        return event_sources.as_response(mapping, state)

    def delete_event_source_mapping(self, ctx: "RequestContext", params: Params) -> Params:
        store, mapping = self._mapping(ctx, params["UUID"])
        del store.mappings[params["UUID"]]
        self.pollers.sync()
        return event_sources.as_response(mapping, "Deleting")

    def list_event_source_mappings(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)
        mappings = list(store.mappings.values())
        if params.get("EventSourceArn"):
            mappings = [m for m in mappings if m["EventSourceArn"] == params["EventSourceArn"]]
        if params.get("FunctionName"):
            ref = self._ref(ctx, params)
            base = function_arn(ctx.partition, ref.region, ref.account_id, ref.name)
            mappings = [m for m in mappings if m["FunctionArn"] == base or m["FunctionArn"].startswith(base + ":")]
        page, marker = _page(mappings, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"EventSourceMappings": [event_sources.as_response(m) for m in page]}
        if marker:
            out["NextMarker"] = marker
        return out
