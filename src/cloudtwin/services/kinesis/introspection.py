"""``GET /_cloudtwin/kinesis/shards``: every stream's shards with their hash ranges, state
and record counts (``?stream=<name>&records=1`` lists the records too, data base64'd);
``POST /_cloudtwin/kinesis/limits`` (``{"enforce": true}``) turns the per-shard write
limits on or off (off by default)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from cloudtwin.control.payload import ControlError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.kinesis.provider import Provider


class ShardsView:
    def __init__(self, provider: "Provider") -> None:
        self.provider = provider

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - {"stream", "account", "region", "records"})
        if unknown:
            raise ControlError(400, f"unknown parameter(s): {', '.join(unknown)}")
        config = self.provider.env.config
        account = params.get("account") or config.default_account
        region = params.get("region") or config.default_region
        store = self.provider.stores.get(account, region)  # type: ignore[union-attr]
        wanted = params.get("stream")
        if wanted and wanted not in store.streams:
            raise ControlError(404, f"no stream {wanted!r} in account {account}, region {region}")
        streams = []
        for stream in store.streams.values():
            if wanted and stream.name != wanted:
                continue
            shards = []
            for shard in stream.shards:
                item = shard.describe()
                numbers = store.numbers(stream.name, shard.shard_id)
                item["Open"] = shard.open
                item["RecordCount"] = len(numbers)
                if params.get("records"):
                    table = store.records(stream.name, shard.shard_id)
                    item["Records"] = [{
                        "SequenceNumber": str(n), "PartitionKey": table[n][1],
                        "Data": base64.b64encode(table[n][2]).decode(), "ApproximateArrivalTimestamp": table[n][0],
                    } for n in numbers]  # fmt: skip
                shards.append(item)
            streams.append({"StreamName": stream.name, "StreamARN": stream.arn, "Shards": shards})
        return {"account": account, "region": region, "streams": streams}

    def limits(self, params: dict[str, Any]) -> dict[str, Any]:
        value = params.get("enforce")
        if not isinstance(value, bool):
            raise ControlError(400, "the 'enforce' field (true or false) is required")
        self.provider.throughput.enforced = value
        return {"enforce": value}
