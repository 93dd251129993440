"""The Map state: inline (iterations in the parent's history) and distributed (a map run
whose items are read by ``ItemReader`` from S3 — JSON, JSONL, CSV or a listing — batched by
``ItemBatcher``, with tolerated failures and ``ResultWriter``)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.stepfunctions.errors import FailureError, QueryError
from cloudtwin.services.stepfunctions.history import to_json

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.executions import Engine
    from cloudtwin.services.stepfunctions.interpreter import Execution, Frame

#: How many iterations of an inline Map AWS runs at once at most.
INLINE_CONCURRENCY = 40


class Maps:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    async def run(self, execution: "Execution", name: str, state: dict[str, Any], data: Any, raw: Any,
                  frame: "Frame", language: str) -> list[Any]:
        history = execution.history
        processor = state.get("ItemProcessor") or state.get("Iterator")
        distributed = (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
        items: Any = None
        if "ItemReader" not in state:
            try:
                if language == "JSONata":
                    items = await self._items_jsonata(execution, state, raw, execution.bindings(frame, {"input": raw}))
                else:
                    items = await self._items_jsonpath(execution, state, data, frame)
            except FailureError as failure:
                if failure.error == "States.QueryEvaluationError":
                    failure.cause = (f"An error occurred while executing the state '{name}' (entered at the event "
                                     f"id #{frame.entered}). {failure.cause}")
                    execution.evaluation_failed(name, failure, frame.entered)
                    history.add("MapStateFailed")
                    failure.state_failed = True  # type: ignore[attr-defined]
                raise
        concurrency = self._value(execution, state, data, frame, "MaxConcurrency", language, 0)
        if distributed:
            return await self._distributed(execution, name, state, items, data, raw, frame, language, processor)
        journal = execution.journal
        if frame.resumed("branches") is None:
            history.add("MapStateStarted", {"length": len(items)})
            journal.update(frame.key, phase="branches")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 0:
            raise QueryError(f"The MaxConcurrencyPath field refers to value \"{concurrency}\" which is not a valid "
                             "integer")
        limit = asyncio.Semaphore(concurrency if concurrency > 0 else INLINE_CONCURRENCY)
        language_inner = processor.get("QueryLanguage") or language

        broken: list[bool] = []

        async def iteration(index: int, item: Any) -> Any:
            async with limit:
                if broken:
                    return None  # an iteration failed: the Map starts no more
                child = frame.child({"Index": index, "Value": item}, language_inner, index)
                point = journal.at(child.key)
                if point is not None and "done" in point:
                    return point["done"]  # finished before a restart
                value = self._selected(execution, state, item, index, data, raw, child, language)
                if point is None or point.get("phase") == "redrive":
                    history.add("MapIterationStarted", {"index": index, "name": name})
                try:
                    result = await execution.run_states(processor, value, child)
                except FailureError:
                    broken.append(True)
                    history.add("MapIterationFailed", {"index": index, "name": name}, advance=False)
                    raise
                journal.done(child.key, result)
                history.add("MapIterationSucceeded", {"index": index, "name": name}, advance=False)
                return result

        tasks = [asyncio.ensure_future(iteration(i, item)) for i, item in enumerate(items)]
        try:
            results = await asyncio.gather(*tasks) if tasks else []
        except FailureError:
            for task in tasks:
                task.cancel()
            raise  # MapStateFailed is written once no retrier takes the failure (run_state)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        journal.drop_under(frame.key, frame.entered)
        last = len(history.events)
        history.add("MapStateSucceeded", previous=last, advance=False)
        history.last = last
        return list(results)

    # -- items -----------------------------------------------------------------------------------

    async def _items_jsonpath(self, execution: "Execution", state: dict[str, Any], data: Any,
                              frame: "Frame") -> list[Any]:
        path = state.get("ItemsPath", "$")
        try:
            items = execution.read(path, data, frame)
        except QueryError as error:
            raise QueryError(f"Invalid path '{path}' : {error}") from None
        if not isinstance(items, list):
            raise QueryError(f"Item path {path} in the input '{to_json(data)}' does not reference an array")
        return items

    async def _items_jsonata(self, execution: "Execution", state: dict[str, Any], raw: Any,
                             bindings: dict[str, Any]) -> list[Any]:
        if "Items" not in state:
            items = raw
            if not isinstance(items, list):
                raise FailureError("States.QueryEvaluationError", "The input of the Map state is not an array")
            return items
        items = execution.jsonata(state["Items"], bindings, "Items")
        if not isinstance(items, list):
            from cloudtwin.services.stepfunctions.interpreter import _type_name

            text = state["Items"]
            text = text[2:-2].strip() if isinstance(text, str) and text.startswith("{%") else to_json(text)
            raise FailureError("States.QueryEvaluationError", (
                f"The JSONata expression '{text}' specified for the field 'Items' returned an unexpected result "
                f"type. Expected 'array', but was '{_type_name(items)}' for value: {to_json(items)}"),
                location="Items")
        return items

    def _value(self, execution: "Execution", state: dict[str, Any], data: Any, frame: "Frame", field: str,
               language: str, default: Any) -> Any:
        if language == "JSONata":
            if field in state:
                return execution.jsonata(state[field], execution.bindings(frame, {"input": data}), field)
            return default
        if f"{field}Path" in state:
            path = state[f"{field}Path"]
            value = execution.read(path, data, frame)
            kind = "float" if field == "ToleratedFailurePercentage" else "integer"
            if isinstance(value, str):
                try:
                    value = float(value) if kind == "float" else int(value)
                except ValueError:
                    raise QueryError(f"The {field}Path field refers to value \"{value}\" which is not a valid "
                                     f"{kind}: {path}") from None
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    kind == "integer" and isinstance(value, float) and not value.is_integer()):
                raise QueryError(f"The {field}Path field refers to value \"{to_json(value)}\" which is not a "
                                 f"valid {kind}: {path}")
            return value
        return state.get(field, default)

    def _selected(self, execution: "Execution", state: dict[str, Any], item: Any, index: int, data: Any,
                  raw: Any, child: "Frame", language: str) -> Any:
        selector = state.get("ItemSelector", state.get("Parameters"))
        if selector is None:
            return item
        if language == "JSONata":
            return execution.jsonata(selector, execution.bindings(child, {"input": raw}), "ItemSelector")
        return execution.template(selector, data, child)

    # -- distributed -------------------------------------------------------------------------------

    async def _read(self, execution: "Execution", reader: dict[str, Any], data: Any, frame: "Frame | None",
                    bindings: dict[str, Any] | None) -> list[Any]:
        params = reader.get("Parameters") if "Parameters" in reader else reader.get("Arguments", {})
        if bindings is not None:
            params = execution.jsonata(params, bindings, "ItemReader/Arguments")
        else:
            params = execution.template(params, data, frame)
        resource = reader.get("Resource", "")
        config = reader.get("ReaderConfig") or {}
        account, region = execution.record["account"], execution.record["region"]
        internal = self.engine.env.internal
        try:
            if resource.endswith("s3:listObjectsV2"):
                listing = await internal.call_async("s3", "ListObjectsV2", params, account_id=account, region=region)
                items = [{"Etag": o.get("ETag"), "Key": o.get("Key"), "LastModified": str(o.get("LastModified")),
                          "Size": o.get("Size"), "StorageClass": o.get("StorageClass")}
                         for o in listing.get("Contents") or []]
            else:
                result = await internal.call_async("s3", "GetObject", params, account_id=account, region=region)
                body = result.get("Body")
                if hasattr(body, "read"):
                    body = body.read()
                text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body or "")
                items = _parse_items(text, config)
        except ServiceError as error:
            raise FailureError("States.ItemReaderFailed", error.message) from None
        limit = self._count(execution, config, "MaxItems", data, frame, bindings)
        if isinstance(limit, (int, float)) and not isinstance(limit, bool):
            if limit < 0:
                raise FailureError("States.ItemReaderFailed", "field MaxItems must be positive")
            if limit:
                items = items[:int(limit)]
        return items

    async def _distributed(self, execution: "Execution", name: str, state: dict[str, Any], items: list[Any],
                           data: Any, raw: Any, frame: "Frame", language: str, processor: dict[str, Any]) -> Any:
        history = execution.history
        journal = execution.journal
        reader = state.get("ItemReader")
        point = frame.resumed("branches")
        run = self.engine.find_map_run(execution, point.get("mapRunArn")) if point is not None else None
        if run is None:
            history.add("MapStateStarted", {"length": 0 if reader is not None else len(items)})
            run = self._redriven(execution, frame)
        tolerated_count, tolerated_percent = self._tolerance(execution, state, data, frame, language)
        if reader is not None:
            if run is None:
                run = self.engine.new_map_run(execution, name, state, 0, tolerated_count, tolerated_percent)
                history.add("MapRunStarted", {"mapRunArn": run["mapRunArn"]})
                journal.update(frame.key, phase="branches", mapRunArn=run["mapRunArn"])
            try:
                items = await self._read(execution, reader, data if language == "JSONPath" else raw,
                                         frame if language == "JSONPath" else None,
                                         execution.bindings(frame, {"input": raw}) if language == "JSONata" else None)
            except FailureError as failure:
                self.engine.finish_map_run(run, "FAILED")
                details = {"error": failure.error, **({"cause": failure.cause} if failure.cause else {})}
                history.add("MapRunFailed", details)
                history.add("MapStateFailed")
                failure.state_failed = True  # type: ignore[attr-defined]
                raise
            run["itemCounts"].update(total=len(items), pending=len(items), running=0, succeeded=0, failed=0)
        batcher = state.get("ItemBatcher")
        if batcher:
            jsonata_bindings = execution.bindings(frame, {"input": raw}) if language == "JSONata" else None
            size = self._count(execution, batcher, "MaxItemsPerBatch", data, frame, jsonata_bindings)
            size = int(size) if isinstance(size, (int, float)) and not isinstance(size, bool) and size > 0 else 0
            size = size or len(items) or 1
            extra = {}
            if "BatchInput" in batcher:
                extra["BatchInput"] = (execution.jsonata(batcher["BatchInput"], jsonata_bindings, "BatchInput")
                                       if jsonata_bindings is not None
                                       else execution.template(batcher["BatchInput"], data, frame))
            items = [{**extra, "Items": items[i:i + size]} for i in range(0, len(items), size)]
        if run is None:
            run = self.engine.new_map_run(execution, name, state, len(items), tolerated_count, tolerated_percent)
            history.add("MapRunStarted", {"mapRunArn": run["mapRunArn"]})
            journal.update(frame.key, phase="branches", mapRunArn=run["mapRunArn"])
        elif reader is None:
            run["itemCounts"].update(total=len(items), pending=len(items), running=0, succeeded=0, failed=0)
        concurrency = self._value(execution, state, data, frame, "MaxConcurrency", language, 0) or 1000
        limit = asyncio.Semaphore(min(concurrency, 1000))
        counts = run["itemCounts"]
        inner_language = processor.get("QueryLanguage") or language
        failed: list[FailureError] = []

        async def iteration(index: int, item: Any) -> Any:
            async with limit:
                child = frame.child({"Index": index, "Value": item}, inner_language, index)
                child.variables = {}
                point = journal.at(child.key)
                if point is not None and "done" in point:  # finished before a restart
                    counts["pending"] -= 1
                    counts["succeeded"] += 1
                    return point["done"]
                value = self._selected(execution, state, item, index, data, raw, child, language)
                sub = execution.detached()
                counts["running"] += 1
                counts["pending"] -= 1
                try:
                    result = await sub.run_states(processor, value, child)
                except FailureError as failure:
                    counts["running"] -= 1
                    counts["failed"] += 1
                    failed.append(failure)
                    return {"Error": failure.error, "Cause": failure.cause}
                counts["running"] -= 1
                counts["succeeded"] += 1
                journal.done(child.key, result)
                return result

        results = await asyncio.gather(*(iteration(i, item) for i, item in enumerate(items)))
        for key in ("resultsWritten",):
            counts[key] = counts["succeeded"] + counts["failed"]
        total = len(items) or 1
        exceeded = failed and (len(failed) > tolerated_count and 100.0 * len(failed) / total > tolerated_percent)
        if not exceeded:
            journal.drop_under(frame.key, frame.entered)  # (failed: its unsuccessful iterations can be redriven)
        self.engine.finish_map_run(run, "FAILED" if exceeded else "SUCCEEDED")
        if exceeded:
            history.add("MapRunFailed", {"error": "States.ExceedToleratedFailureThreshold",
                                         "cause": "The specified tolerated failure threshold was exceeded"})
            raise FailureError("States.ExceedToleratedFailureThreshold",
                               "The specified tolerated failure threshold was exceeded")
        history.add("MapRunSucceeded")
        history.add("MapStateSucceeded", advance=False)
        writer = state.get("ResultWriter")
        if writer:
            return await self._write(execution, run, writer, list(results))
        return list(results)

    def _redriven(self, execution: "Execution", frame: "Frame") -> dict[str, Any] | None:
        """The map run a redriven distributed Map state had: redriven (``MapRunRedriven``)
        rather than a new one started."""
        point = execution.journal.at(frame.key) or {}
        run = self.engine.find_map_run(execution, point.get("redriveMapRun"))
        if run is None:
            return None
        run.update(status="RUNNING", redriveCount=run.get("redriveCount", 0) + 1, redriveDate=self.engine.now())
        run.pop("stopDate", None)
        execution.history.add("MapRunRedriven", {"mapRunArn": run["mapRunArn"], "redriveCount": run["redriveCount"]})
        execution.journal.update(frame.key, phase="branches", mapRunArn=run["mapRunArn"], redriveMapRun=None)
        self.engine.provider.save_map_run(run)
        return run

    @staticmethod
    def _count(execution: "Execution", config: dict[str, Any], field: str, data: Any, frame: "Frame | None",
               bindings: dict[str, Any] | None) -> Any:
        """A count of ``config``: ``field`` (a number, or a JSONata expression) or ``<field>Path``
        (a path or a variable); a number written as text counts as that number."""
        value = config.get(field)
        if bindings is not None and isinstance(value, str):
            value = execution.jsonata(value, bindings, field)
        elif f"{field}Path" in config and frame is not None:
            value = execution.read(config[f"{field}Path"], data, frame)
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                pass
        return value

    def _tolerance(self, execution: "Execution", state: dict[str, Any], data: Any, frame: "Frame",
                   language: str) -> tuple[int, float]:
        count = self._value(execution, state, data, frame, "ToleratedFailureCount", language, 0)
        percent = self._value(execution, state, data, frame, "ToleratedFailurePercentage", language, 0)
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            raise QueryError("ToleratedFailurePercentage must be between 0 and 100.")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise QueryError("ToleratedFailureCount cannot be negative.")
        return count, percent

    async def _write(self, execution: "Execution", run: dict[str, Any], writer: dict[str, Any],
                     results: list[Any]) -> dict[str, Any]:
        params = writer.get("Parameters") or writer.get("Arguments") or {}
        bucket, prefix = params.get("Bucket"), params.get("Prefix", "")
        account, region = execution.record["account"], execution.record["region"]
        run_id = run["mapRunArn"].rsplit(":", 1)[-1]
        key_base = f"{prefix.rstrip('/')}/{run_id}" if prefix else run_id
        manifest = {"DestinationBucket": bucket, "MapRunArn": run["mapRunArn"],
                    "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": []}}
        body = json.dumps([{"Output": to_json(r)} for r in results]).encode()
        await self.engine.env.internal.call_async("s3", "PutObject", {
            "Bucket": bucket, "Key": f"{key_base}/SUCCEEDED_0.json", "Body": body},
            account_id=account, region=region)
        manifest["ResultFiles"]["SUCCEEDED"].append({"Key": f"{key_base}/SUCCEEDED_0.json", "Size": len(body)})
        await self.engine.env.internal.call_async("s3", "PutObject", {
            "Bucket": bucket, "Key": f"{key_base}/manifest.json", "Body": json.dumps(manifest).encode()},
            account_id=account, region=region)
        return {"MapRunArn": run["mapRunArn"], "ResultWriterDetails": {
            "Bucket": bucket, "Key": f"{key_base}/manifest.json"}}


def _parse_items(text: str, config: dict[str, Any]) -> list[Any]:
    kind = config.get("InputType", "JSON")
    if kind == "JSON":
        try:
            items = json.loads(text)
        except ValueError:
            raise FailureError("States.ItemReaderFailed", "Attempting to map over non-iterable node.") from None
        if not isinstance(items, list):
            raise FailureError("States.ItemReaderFailed", "Attempting to map over non-iterable node.")
        return items
    if kind == "JSONL":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if kind == "MANIFEST":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    delimiter = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}.get(
        config.get("CSVDelimiter", "COMMA"), ",")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
        headers = config.get("CSVHeaders") or []
    else:
        headers, rows = (rows[0], rows[1:]) if rows else ([], [])
    if len(set(headers)) != len(headers):
        raise FailureError("States.ItemReaderFailed", "CSV headers cannot contain duplicates.")
    order = _hash_map_order(headers)
    items = []
    for row in rows:
        if not row:
            continue
        cells = dict(zip(headers, row + [""] * (len(headers) - len(row))))  # a short row: the rest empty
        items.append({header: cells[header] for header in order})
    return items


def _java_hash(text: str) -> int:
    """Java's ``String.hashCode`` (over UTF-16 code units), as an unsigned 32-bit value."""
    value = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        value = (31 * value + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return value


def _hash_map_order(keys: list[str]) -> list[str]:
    """The order a Java ``HashMap`` filled with ``keys`` iterates them in: AWS reads a CSV row
    into one, so an item's fields come in that order, not the header's."""
    capacity = 16
    while len(keys) > capacity * 0.75:
        capacity *= 2

    def bucket(key: str) -> int:
        value = _java_hash(key)
        return (value ^ (value >> 16)) & (capacity - 1)

    return sorted(keys, key=bucket)  # stable: a bucket's keys in the order they went in


def map_run_id() -> str:
    return str(uuid.uuid4())
