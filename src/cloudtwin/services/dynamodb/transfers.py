"""Table exports to S3 and imports from S3, through S3's own API (the internal client).

An export writes what AWS writes under ``<prefix>AWSDynamoDB/<export id>/``: ``_started``,
one gzipped data file of ``{"Item": …}`` lines (DynamoDB JSON), ``manifest-files.json`` and
``manifest-summary.json``. An import creates the table from ``TableCreationParameters`` and
loads every object under the key prefix (DynamoDB JSON or CSV, optionally gzipped).

Both run to completion inside the request; the operation answers ``IN_PROGRESS`` as AWS
does, and Describe/List show where they ended (``COMPLETED``, or ``FAILED`` with AWS's
failure code when S3 refused).
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.items import item_from_params
from cloudtwin.services.dynamodb.values import item_size

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

Params = dict[str, Any]
MANIFEST_VERSION = "2020-06-30"


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)


def _transfer_id(now: float) -> str:
    return f"{int(now * 1000):014d}-{uuid.uuid4().hex[:8]}"


def _wire(value: Any) -> Any:
    """An attribute value as JSON can hold it (binary as base64)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _unwire(value: Any) -> Any:
    """An attribute value read from DynamoDB JSON (base64 binary back to bytes)."""
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError("not an attribute value")
    tag, inner = next(iter(value.items()))
    if tag == "B":
        return {"B": base64.b64decode(inner)}
    if tag == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if tag == "M":
        return {"M": {k: _unwire(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [_unwire(v) for v in inner]}
    return value


async def _s3(provider: "Provider", ctx: RequestContext, operation: str, params: Params) -> Params:
    return await provider.env.internal.call_async(
        "s3", operation, params, account_id=ctx.account_id, region=ctx.region, caller=ctx.identity,
    )


async def _body(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    chunks = []
    async for piece in value:
        chunks.append(piece)
    return b"".join(chunks)


# -- exports --------------------------------------------------------------------------------


def _export_view(export: Params) -> Params:
    out = {k: v for k, v in export.items() if not k.startswith("_") and v is not None}
    for key in ("StartTime", "EndTime", "ExportTime"):
        if key in out:
            out[key] = _dt(out[key])
    return out


async def export_table(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    arn = params["TableArn"]
    name = provider._name_from(arn)
    record = ctx.store.tables.get(name)
    if record is None or record.arn != arn:
        raise ServiceError("TableNotFoundException", f"Table not found: {arn}")
    if not record.pitr_enabled:
        raise ServiceError(
            "PointInTimeRecoveryUnavailableException",
            f"Point in time recovery is not enabled for table '{record.name}'",
        )
    token = params.get("ClientToken")
    if token:
        for existing in ctx.store.exports.values():
            if existing.get("ClientToken") == token and existing["TableArn"] == arn:
                return {"ExportDescription": _export_view(existing)}
    now = ctx.clock.now()
    export_time = params.get("ExportTime")
    export_id = _transfer_id(now)
    prefix = params.get("S3Prefix") or ""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = f"{prefix}AWSDynamoDB/{export_id}/"
    export: Params = {
        "ExportArn": f"{record.arn}/export/{export_id}",
        "ExportStatus": "IN_PROGRESS",
        "StartTime": now,
        "TableArn": record.arn,
        "TableId": record.table_id,
        "ExportTime": export_time.timestamp() if isinstance(export_time, datetime) else now,
        "ClientToken": token,
        "S3Bucket": params["S3Bucket"],
        "S3BucketOwner": params.get("S3BucketOwner"),
        "S3Prefix": params.get("S3Prefix"),
        "S3SseAlgorithm": params.get("S3SseAlgorithm") or "AES256",
        "S3SseKmsKeyId": params.get("S3SseKmsKeyId"),
        "ExportFormat": params.get("ExportFormat") or "DYNAMODB_JSON",
        "ExportType": params.get("ExportType") or "FULL_EXPORT",
    }
    if params.get("IncrementalExportSpecification"):
        export["IncrementalExportSpecification"] = params["IncrementalExportSpecification"]
    answer = _export_view(export)
    items = list(provider._data(ctx, record).all_items())
    lines = "".join(json.dumps({"Item": _wire(item)}) + "\n" for item in items).encode()
    data_key = f"{base}data/{uuid.uuid4().hex[:26]}.json.gz"
    compressed = gzip.compress(lines, mtime=0)
    size = sum(item_size(i) for i in items)
    bucket = params["S3Bucket"]
    try:
        await _s3(provider, ctx, "PutObject", {"Bucket": bucket, "Key": f"{base}_started", "Body": b""})
        await _s3(provider, ctx, "PutObject", {"Bucket": bucket, "Key": data_key, "Body": compressed})
        files = json.dumps({
            "itemCount": len(items), "md5Checksum": base64.b64encode(hashlib.md5(compressed).digest()).decode(),
            "etag": hashlib.md5(compressed).hexdigest(), "dataFileS3Key": data_key,
        }) + "\n"
        await _s3(provider, ctx, "PutObject", {"Bucket": bucket, "Key": f"{base}manifest-files.json",
                                                "Body": files.encode()})
        summary = {
            "version": MANIFEST_VERSION, "exportArn": export["ExportArn"],
            "startTime": _dt(now).isoformat(), "endTime": _dt(ctx.clock.now()).isoformat(),  # type: ignore[union-attr]
            "tableId": record.table_id, "tableArn": record.arn,
            "exportTime": _dt(export["ExportTime"]).isoformat(),  # type: ignore[union-attr]
            "s3Bucket": bucket, "s3Prefix": params.get("S3Prefix"),
            "s3SseAlgorithm": export["S3SseAlgorithm"], "s3SseKmsKeyId": export["S3SseKmsKeyId"],
            "manifestFilesS3Key": f"{base}manifest-files.json", "billedSizeBytes": size,
            "itemCount": len(items), "outputFormat": export["ExportFormat"],
            "exportType": export["ExportType"],
        }
        await _s3(provider, ctx, "PutObject", {"Bucket": bucket, "Key": f"{base}manifest-summary.json",
                                                "Body": json.dumps(summary).encode()})
    except ServiceError as error:
        export.update(ExportStatus="FAILED", EndTime=ctx.clock.now(),
                      FailureCode=f"S3{error.code}" if not error.code.startswith("S3") else error.code,
                      FailureMessage=error.message)  # fmt: skip
    else:
        export.update(ExportStatus="COMPLETED", EndTime=ctx.clock.now(),
                      ExportManifest=f"{base}manifest-summary.json", BilledSizeBytes=size,
                      ItemCount=len(items))  # fmt: skip
    ctx.store.exports[export["ExportArn"]] = export
    return {"ExportDescription": answer}


def describe_export(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    export = ctx.store.exports.get(params["ExportArn"])
    if export is None:
        raise ServiceError("ExportNotFoundException", f"Export not found: {params['ExportArn']}")
    return {"ExportDescription": _export_view(export)}


def _page(rows: list[Params], params: Params, size_key: str, default: int) -> tuple[list[Params], str | None]:
    size = params.get(size_key) or default
    token = params.get("NextToken")
    start = int(token) if token and token.isdigit() else 0
    more = start + size < len(rows)
    return rows[start : start + size], (str(start + size) if more else None)


def list_exports(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    wanted = params.get("TableArn")
    rows = [
        {"ExportArn": e["ExportArn"], "ExportStatus": e["ExportStatus"], "ExportType": e["ExportType"]}
        for e in sorted(ctx.store.exports.values(), key=lambda e: e["StartTime"])
        if not wanted or e["TableArn"] == wanted
    ]
    page, token = _page(rows, params, "MaxResults", 25)
    out: Params = {"ExportSummaries": page}
    if token:
        out["NextToken"] = token
    return out


# -- imports --------------------------------------------------------------------------------


def _import_view(found: Params, *, summary: bool = False) -> Params:
    out = {k: v for k, v in found.items() if not k.startswith("_") and v is not None}
    for key in ("StartTime", "EndTime"):
        if key in out:
            out[key] = _dt(out[key])
    if summary:
        keep = ("ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn",
                "InputFormat", "StartTime", "EndTime")  # fmt: skip
        out = {k: v for k, v in out.items() if k in keep}
    return out


def _rows_of(text: str, params: Params) -> list[Params | None]:
    """The items in one object (None for a line that is not an item)."""
    kind = params["InputFormat"]
    if kind == "CSV":
        options = (params.get("InputFormatOptions") or {}).get("Csv") or {}
        reader = csv.reader(io.StringIO(text), delimiter=options.get("Delimiter") or ",")
        rows = list(reader)
        header = options.get("HeaderList")
        if not header and rows:
            header, rows = rows[0], rows[1:]
        return [{h: {"S": v} for h, v in zip(header or [], row) if v != ""} for row in rows if row]
    out: list[Params | None] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = raw["Item"]
            out.append({k: _unwire(v) for k, v in item.items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            out.append(None)
    return out


def _typed_keys(record: Any, item: Params) -> Params:
    """CSV cells are strings: key attributes take their declared types."""
    for definition in record.attribute_definitions:
        name, kind = definition["AttributeName"], definition["AttributeType"]
        value = item.get(name)
        if value is not None and "S" in value and kind != "S":
            item[name] = {kind: value["S"] if kind == "N" else base64.b64decode(value["S"])}
    return item


async def import_table(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    creation = dict(params["TableCreationParameters"])
    name = creation["TableName"]
    if name in ctx.store.tables:
        raise ServiceError("ResourceInUseException", f"Table already exists: {name}")
    token = params.get("ClientToken")
    if token:
        for existing in ctx.store.imports.values():
            if existing.get("ClientToken") == token:
                return {"ImportTableDescription": _import_view(existing)}
    now = ctx.clock.now()
    provider.create_table(ctx, creation)
    record = ctx.store.tables[name]
    import_id = _transfer_id(now)
    source = params["S3BucketSource"]
    found: Params = {
        "ImportArn": f"{record.arn}/import/{import_id}",
        "ImportStatus": "IN_PROGRESS",
        "TableArn": record.arn,
        "TableId": record.table_id,
        "ClientToken": token,
        "S3BucketSource": source,
        "ErrorCount": 0,
        "CloudWatchLogGroupArn": f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:/aws-dynamodb/imports:*",
        "InputFormat": params["InputFormat"],
        "InputFormatOptions": params.get("InputFormatOptions"),
        "InputCompressionType": params.get("InputCompressionType") or "NONE",
        "TableCreationParameters": params["TableCreationParameters"],
        "StartTime": now,
    }
    answer = _import_view(found)
    processed = imported = errors = size = 0
    try:
        keys: list[str] = []
        continuation: str | None = None
        while True:
            listing = await _s3(provider, ctx, "ListObjectsV2", {
                "Bucket": source["S3Bucket"], "Prefix": source.get("S3KeyPrefix") or "",
                **({"ContinuationToken": continuation} if continuation else {}),
            })  # fmt: skip
            keys += [o["Key"] for o in listing.get("Contents") or [] if not o["Key"].endswith("/")]
            continuation = listing.get("NextContinuationToken")
            if not continuation:
                break
        data = provider._data(ctx, record)
        for key in keys:
            got = await _s3(provider, ctx, "GetObject", {"Bucket": source["S3Bucket"], "Key": key})
            raw = await _body(got.get("Body"))
            size += len(raw)
            if found["InputCompressionType"] == "GZIP":
                raw = gzip.decompress(raw)
            elif found["InputCompressionType"] == "ZSTD":
                raise ServiceError("InvalidCompression", "ZSTD input cannot be read by cloudtwin")
            for item in _rows_of(raw.decode("utf-8", errors="replace"), params):
                processed += 1
                try:
                    if item is None:
                        raise ServiceError("ValidationException", "not an item")
                    clean = item_from_params(record, _typed_keys(record, item))
                except ServiceError:
                    errors += 1
                    continue
                data.put(clean)
                imported += 1
    except (ServiceError, OSError, EOFError) as error:
        code = getattr(error, "code", "ImportFailed")
        found.update(ImportStatus="FAILED", FailureCode=f"S3{code}" if code.startswith("NoSuch") else code,
                     FailureMessage=getattr(error, "message", str(error)))  # fmt: skip
    else:
        found["ImportStatus"] = "COMPLETED"
    found.update(EndTime=ctx.clock.now(), ProcessedSizeBytes=size, ProcessedItemCount=processed,
                 ImportedItemCount=imported, ErrorCount=errors)  # fmt: skip
    ctx.store.imports[found["ImportArn"]] = found
    return {"ImportTableDescription": answer}


def describe_import(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    found = ctx.store.imports.get(params["ImportArn"])
    if found is None:
        raise ServiceError("ImportNotFoundException", f"Import not found: {params['ImportArn']}")
    return {"ImportTableDescription": _import_view(found)}


def list_imports(provider: "Provider", ctx: RequestContext, params: Params) -> Params:
    wanted = params.get("TableArn")
    rows = [
        _import_view(i, summary=True)
        for i in sorted(ctx.store.imports.values(), key=lambda i: i["StartTime"])
        if not wanted or i["TableArn"] == wanted
    ]
    page, token = _page(rows, params, "PageSize", 25)
    out: Params = {"ImportSummaryList": page}
    if token:
        out["NextToken"] = token
    return out
