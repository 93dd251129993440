"""S3 buckets and objects (every version, download, upload); DynamoDB tables and their
items (a scan or query form)."""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from cloudtwin.console.pages.base import Page, ServicePage
from cloudtwin.console.render import Html, field, form, h, join, kv_table, link, section, size, table, when
from cloudtwin.console.view import ConsoleError, View
from cloudtwin.protocol.http import HttpResponse

# -- S3 ---------------------------------------------------------------------------------------


def _buckets(view: View) -> list[dict[str, Any]]:
    """Every bucket (S3 names are global): the control surface's list, all accounts."""
    return view.control("s3/buckets").get("buckets", [])


async def s3_count(view: View) -> int:
    return len(_buckets(view))


async def s3_index(view: View) -> Page:
    rows = [
        {
            "bucket": link(view.url("s3/bucket", name=b["name"]), b["name"]),
            "account": b.get("account"),
            "region": b.get("region"),
            "versioning": b.get("versioning") or "",
            "objects": b.get("objects"),
        }
        for b in _buckets(view)
    ]
    create = form(view.url("s3/create"), field("name", "Bucket name", required=True), submit="Create bucket")
    return Page("S3 buckets", section("Buckets", table(rows, empty="No buckets.")) + section("New bucket", create))


async def s3_bucket(view: View) -> Page:
    name = view.need("name")
    prefix = view.arg("prefix")
    listed = view.control("s3/objects", bucket=name).get("objects", [])
    rows = []
    seen: set[str] = set()
    for obj in listed:
        key = obj.get("key", "")
        latest = key not in seen  # newest version first within a key
        seen.add(key)
        if prefix and not key.startswith(prefix):
            continue
        version = obj.get("version_id")
        download = (
            Html("")
            if obj.get("delete_marker")
            else link(view.url("s3/download", bucket=name, key=key, version=version if version not in (None, "null") else ""), "download", download="")
        )
        target = {"bucket": name, "key": key, "version": version if version not in (None, "null") else ""}
        what = f"version {version} of {key}" if target["version"] else key
        delete = form(view.url("s3/delete"), hidden=target, submit="delete", cls="inline danger small", confirm=f"Delete {what}?")
        rows.append({
            "key": key,
            "": download + delete,
            "version": version or "",
            "latest": "yes" if latest else "",
            "delete marker": "yes" if obj.get("delete_marker") else "",
            "size": size(obj.get("size", 0)),
            "last modified": when(obj.get("last_modified")),
            "etag": obj.get("etag"),
            "storage class": obj.get("storage_class"),
        })
    versioning = (await view.try_call("s3", "GetBucketVersioning", {"Bucket": name}))[0].get("Status") or "not enabled"
    filter_form = form(view.url("s3/bucket"), field("prefix", "Key prefix", prefix), method="get", hidden={"name": name, **view.scope()}, submit="Filter", cls="inline")
    upload = form(
        view.url("s3/upload"),
        field("key", "Key (empty: the file's name)"),
        field("file", "File", kind="file", required=True),
        hidden={"bucket": name},
        submit="Upload",
    )
    body = join([
        section(h("Objects and versions ({})", len(rows)), filter_form, table(rows, empty="No objects."), id="objects"),
        section("Upload", upload),
        section("Bucket", kv_table({"name": name, "versioning": versioning}),
                form(view.url("s3/versioning"), hidden={"bucket": name, "status": "Suspended" if versioning == "Enabled" else "Enabled"},
                     submit="Suspend versioning" if versioning == "Enabled" else "Enable versioning", cls="inline")),
    ])
    return Page(name, body, (("buckets", view.url("s3")),))


async def s3_download(view: View) -> HttpResponse:
    params: dict[str, Any] = {"Bucket": view.need("bucket"), "Key": view.need("key")}
    if view.arg("version"):
        params["VersionId"] = view.arg("version")
    result = await view.call("s3", "GetObject", params)
    name = params["Key"].rsplit("/", 1)[-1] or "object"
    headers = {
        "Content-Type": result.get("ContentType") or "application/octet-stream",
        # RFC 6266: an ASCII fallback, and the real name percent-encoded.
        "Content-Disposition": "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
            "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name),
            quote(name, safe=""),
        ),
    }
    if result.get("ContentLength") is not None:
        headers["Content-Length"] = str(result["ContentLength"])
    return HttpResponse(200, headers, result.get("Body") or b"")


async def s3_upload(view: View) -> dict[str, Any]:
    bucket = view.need("bucket")
    upload = view.params.get("file")
    if not isinstance(upload, dict) or "data" not in upload:
        raise ConsoleError("choose a file to upload")
    try:
        data = base64.b64decode(upload["data"], validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ConsoleError("the file did not arrive as base64") from None
    key = view.arg("key").strip() or str(upload.get("name") or "")
    if not key:
        raise ConsoleError("missing 'key'")
    params = {"Bucket": bucket, "Key": key, "Body": data}
    if upload.get("type"):
        params["ContentType"] = str(upload["type"])
    result = await view.call("s3", "PutObject", params)
    version = result.get("VersionId")
    return {"message": f"uploaded {key}" + (f" (version {version})" if version else ""), "reload": True}


async def s3_delete(view: View) -> dict[str, Any]:
    """Delete a key (a delete marker when versioned), or one version of it for good."""
    params: dict[str, Any] = {"Bucket": view.need("bucket"), "Key": view.need("key")}
    if view.arg("version"):
        params["VersionId"] = view.arg("version")
    result = await view.call("s3", "DeleteObject", params)
    done = "delete marker added" if result.get("DeleteMarker") and not view.arg("version") else "deleted"
    return {"message": f"{params['Key']}: {done}", "reload": True}


async def s3_create(view: View) -> dict[str, Any]:
    name = view.need("name")
    params: dict[str, Any] = {"Bucket": name}
    if view.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": view.region}
    await view.call("s3", "CreateBucket", params)
    return {"message": f"created {name}", "redirect": view.url("s3/bucket", name=name)}


async def s3_versioning(view: View) -> dict[str, Any]:
    status = view.need("status")
    await view.call("s3", "PutBucketVersioning", {"Bucket": view.need("bucket"), "VersioningConfiguration": {"Status": status}})
    return {"message": f"versioning {status.lower()}", "reload": True}


S3 = ServicePage(
    "s3", "S3", "Storage", s3_index,
    pages={"bucket": s3_bucket, "download": s3_download},
    actions={"upload": s3_upload, "delete": s3_delete, "create": s3_create, "versioning": s3_versioning},
    count=s3_count,
)

# -- DynamoDB ---------------------------------------------------------------------------------


def _plain(value: dict[str, Any]) -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer().deserialize(value)


def _typed(value: Any) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer().serialize(value)


def _key_text(key: dict[str, Any]) -> str:
    """A typed key (``{"pk": {"S": "a"}}``) as JSON for a link or form; binary parts base64."""
    return json.dumps({
        name: {t: base64.b64encode(v).decode() if isinstance(v, (bytes, bytearray)) else v for t, v in typed.items()}
        for name, typed in key.items()
    })


def _key_value(text: str, what: str) -> dict[str, Any]:
    """:func:`_key_text` read back."""
    key = _json_document(text, what)
    if not isinstance(key, dict) or not key or not all(isinstance(v, dict) for v in key.values()):
        raise ConsoleError(f"{what} must be a JSON object of typed attributes")
    try:
        return {name: {t: base64.b64decode(v) if t == "B" else v for t, v in typed.items()} for name, typed in key.items()}
    except (binascii.Error, ValueError):
        raise ConsoleError(f"{what} has a binary part that is not base64") from None


def _json_document(text: str, what: str) -> Any:
    """A JSON document typed by the user, numbers as Decimal (DynamoDB's numbers)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise ConsoleError(f"{what} is not valid JSON: {exc}") from None


def _shown(value: Any) -> Any:
    """A deserialized attribute for a table cell: Decimals as numbers, sets as lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted((_shown(v) for v in value), key=str)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if hasattr(value, "value") and isinstance(getattr(value, "value"), (bytes, bytearray)):  # Binary
        return base64.b64encode(value.value).decode()
    return value


async def _tables(view: View) -> list[str]:
    return await view.pages("dynamodb", "ListTables", {}, "TableNames", token="ExclusiveStartTableName", out_token="LastEvaluatedTableName")


async def dynamodb_count(view: View) -> int:
    return len(await _tables(view))


async def dynamodb_index(view: View) -> Page:
    rows = []
    for name in await _tables(view):
        desc = (await view.try_call("dynamodb", "DescribeTable", {"TableName": name}))[0].get("Table", {})
        rows.append({
            "table": link(view.url("dynamodb/table", name=name), name),
            "status": desc.get("TableStatus"),
            "key": " ".join(f"{k['AttributeName']} ({k['KeyType']})" for k in desc.get("KeySchema", [])),
            "items": desc.get("ItemCount"),
            "indexes": len(desc.get("GlobalSecondaryIndexes") or []) + len(desc.get("LocalSecondaryIndexes") or []),
        })
    return Page("DynamoDB tables", section("Tables", table(rows, empty="No tables in this account and region.")))


_SEARCH_FIELDS = ("mode", "key", "filter", "values", "names", "index", "limit")


async def dynamodb_table(view: View) -> Page:
    name = view.need("name")
    desc = (await view.call("dynamodb", "DescribeTable", {"TableName": name}))["Table"]
    indexes = [i["IndexName"] for i in (desc.get("GlobalSecondaryIndexes") or []) + (desc.get("LocalSecondaryIndexes") or [])]
    mode = view.arg("mode", "scan")
    params: dict[str, Any] = {"TableName": name, "Limit": 100}
    if view.arg("limit").strip():
        try:
            params["Limit"] = max(1, min(1000, int(view.arg("limit"))))
        except ValueError:
            raise ConsoleError("the limit must be a whole number") from None
    if view.arg("index"):
        params["IndexName"] = view.arg("index")
    if mode == "query":
        params["KeyConditionExpression"] = view.need("key")
    if view.arg("filter").strip():
        params["FilterExpression"] = view.arg("filter")
    if view.arg("values").strip():
        values = _json_document(view.arg("values"), "the values")
        if not isinstance(values, dict):
            raise ConsoleError('the values must be a JSON object: {":pk": "user#1"}')
        params["ExpressionAttributeValues"] = {k: _typed(v) for k, v in values.items()}
    if view.arg("names").strip():
        names = _json_document(view.arg("names"), "the names")
        if not isinstance(names, dict):
            raise ConsoleError('the names must be a JSON object: {"#s": "status"}')
        params["ExpressionAttributeNames"] = {k: str(v) for k, v in names.items()}
    if view.arg("start").strip():
        params["ExclusiveStartKey"] = _key_value(view.arg("start"), "the start key")
    result, error = await view.try_call("dynamodb", "Query" if mode == "query" else "Scan", params)
    keys = [k["AttributeName"] for k in desc.get("KeySchema", [])]
    items = []
    for raw in result.get("Items", []):
        item: dict[str, Any] = {k: _shown(_plain(v)) for k, v in raw.items()}
        key = {k: raw[k] for k in keys if k in raw}
        item[""] = form(view.url("dynamodb/delete"), hidden={"name": name, "key": _key_text(key)}, submit="delete",
                        cls="inline danger small", confirm="Delete this item?")
        items.append(item)
    columns = keys + sorted({c for item in items for c in item} - set(keys) - {""}) + [""]
    search = form(
        view.url("dynamodb/table"),
        field("mode", "Operation", mode, kind="select", options=("scan", "query")),
        field("index", "Index", view.arg("index"), kind="select", options=("", *indexes)),
        field("key", "Key condition (query)", view.arg("key"), placeholder="pk = :pk"),
        field("filter", "Filter", view.arg("filter"), placeholder="attribute_exists(#s)"),
        field("values", "Values (JSON)", view.arg("values"), placeholder='{":pk": "user#1"}'),
        field("names", "Names (JSON)", view.arg("names"), placeholder='{"#s": "status"}'),
        field("limit", "Limit", view.arg("limit"), kind="number", placeholder="100"),
        method="get", hidden={"name": name, **view.scope()}, submit="Run", cls="search",
    )
    put = form(view.url("dynamodb/put"), field("item", "Item (JSON, plain values)", kind="textarea", required=True,
                                               placeholder='{"pk": "user#1", "name": "Ada"}'), hidden={"name": name}, submit="Put item")
    outcome = (
        h('<div class="flash error">{}: {}</div>', error.code, error.message)
        if error else table(items, columns, empty="No items matched.", cls="items")
    )
    more = Html("")
    if result.get("LastEvaluatedKey"):
        current = {k: view.arg(k) for k in _SEARCH_FIELDS}
        more = link(view.url("dynamodb/table", name=name, **current, start=_key_text(result["LastEvaluatedKey"])),
                    "next page", cls="next")
    summary = h('<p class="hint">{} item(s), {} scanned {}</p>', result.get("Count", 0), result.get("ScannedCount", 0), more)
    body = join([
        section("Query or scan", search, summary if not error else Html(""), outcome, id="items"),
        section("Put an item", put),
        section("Table", kv_table({
            "key schema": desc.get("KeySchema"), "attributes": desc.get("AttributeDefinitions"),
            "items": desc.get("ItemCount"), "billing": (desc.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "indexes": indexes, "stream": desc.get("LatestStreamArn"), "arn": desc.get("TableArn"),
        })),
    ])
    return Page(name, body, (("tables", view.url("dynamodb")),))


async def dynamodb_delete(view: View) -> dict[str, Any]:
    key = _key_value(view.need("key"), "the key")
    await view.call("dynamodb", "DeleteItem", {"TableName": view.need("name"), "Key": key})
    return {"message": "item deleted", "reload": True}


async def dynamodb_put(view: View) -> dict[str, Any]:
    item = _json_document(view.need("item"), "the item")
    if not isinstance(item, dict) or not item:
        raise ConsoleError("the item must be a JSON object")
    await view.call("dynamodb", "PutItem", {"TableName": view.need("name"), "Item": {k: _typed(v) for k, v in item.items()}})
    return {"message": "item written", "reload": True}


DYNAMODB = ServicePage(
    "dynamodb", "DynamoDB", "Storage", dynamodb_index,
    pages={"table": dynamodb_table},
    actions={"put": dynamodb_put, "delete": dynamodb_delete},
    count=dynamodb_count,
)

PAGES = (S3, DYNAMODB)
