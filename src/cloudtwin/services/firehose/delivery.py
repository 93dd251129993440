"""Delivering a buffered batch: the Lambda transformation (record protocol Ok / Dropped /
ProcessingFailed), then S3 — object keys as AWS names them, prefix expressions, GZIP/ZIP
compression — with failed records under the error prefix. HTTP endpoints get the
HTTP delivery protocol (:mod:`http_endpoint`); destinations cloudtwin cannot reach
(Redshift, OpenSearch, Splunk, Snowflake, Iceberg) fail as an unreachable destination does.
Failed records go to the S3 backup bucket when one is configured.

Object key (no expressions in the prefix)::

    <prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-mm-ss-<uuid>[.gz]

With ``!{timestamp:<Java date pattern>}`` / ``!{firehose:random-string}`` expressions the
evaluated prefix replaces the time path; ``!{firehose:error-output-type}`` names the
failure in error prefixes (``processing-failed``, ``elasticsearch-failed``...).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import secrets
import string
import uuid
import zipfile
from datetime import datetime, timezone
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.firehose import http_endpoint, partitioning, snappy
from cloudtwin.services.firehose.models import DeliveryStream

_EXPRESSION = re.compile(r"!\{([A-Za-z]+):([^}]*)\}")
_JAVA_FIELDS = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_JAVA_RUN = re.compile(r"y+|M+|d+|H+|m+|s+|S+|'[^']*'")
EXTENSIONS = {"GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".snappy"}
#: What each unreachable destination kind writes as !{firehose:error-output-type}.
FAILED_TYPES = {
    "Elasticsearch": "elasticsearch-failed", "Amazonopensearchservice": "AmazonOpenSearchService-failed",
    "AmazonOpenSearchServerless": "AmazonOpenSearchServerless-failed", "Splunk": "splunk-failed",
    "HttpEndpoint": "http-endpoint-failed", "Redshift": "redshift-failed", "Snowflake": "snowflake-failed",
    "Iceberg": "iceberg-failed",
}  # fmt: skip


def java_time(pattern: str, moment: datetime) -> str:
    """A Java DateTimeFormatter pattern (the letters Firehose documents) applied to ``moment``."""

    def field(match: re.Match) -> str:
        run = match.group(0)
        if run.startswith("'"):
            return run[1:-1]
        if run.startswith("S"):
            return f"{moment.microsecond // 1000:03d}"[: len(run)]
        fmt = _JAVA_FIELDS.get(run)
        return moment.strftime(fmt) if fmt else run

    return _JAVA_RUN.sub(field, pattern)


def has_expressions(prefix: str) -> bool:
    return bool(_EXPRESSION.search(prefix))


def evaluate(prefix: str, moment: datetime, error_type: str | None = None,
             keys: dict[str, dict[str, str]] | None = None) -> str:  # fmt: skip
    """``keys``: partition keys by namespace (``partitionKeyFromQuery`` / ``partitionKeyFromLambda``)."""

    def value(match: re.Match) -> str:
        namespace, key = match.group(1), match.group(2).strip()
        if keys is not None and key in keys.get(namespace, {}):
            return keys[namespace][key]
        if namespace == "timestamp":
            return java_time(key, moment)
        if namespace == "firehose" and key == "random-string":
            return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(11))
        if namespace == "firehose" and key == "error-output-type":
            return error_type or ""
        return match.group(0)

    return _EXPRESSION.sub(value, prefix)


def object_key(stream: DeliveryStream, prefix: str, moment: datetime, extension: str,
               error_type: str | None = None, type_folder: bool = False,
               keys: dict[str, dict[str, str]] | None = None) -> str:  # fmt: skip
    """The key of a delivered object (``type_folder``: the default error prefix, the S3
    prefix then the error output type as a folder)."""
    if has_expressions(prefix):
        path = evaluate(prefix, moment, error_type, keys)
    else:
        path = prefix + (f"{error_type}/" if type_folder else "") + moment.strftime("%Y/%m/%d/%H/")
    stamp = moment.strftime("%Y-%m-%d-%H-%M-%S")
    return f"{path}{stream.name}-{stream.version}-{stamp}-{uuid.uuid4()}{extension}"


def compress(data: bytes, fmt: str, name: str) -> bytes:
    if fmt == "GZIP":
        return gzip.compress(data)
    if fmt == "ZIP":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, data)
        return out.getvalue()
    if fmt == "Snappy":
        return snappy.framed(data)
    if fmt == "HADOOP_SNAPPY":
        return snappy.hadoop(data)
    return data


def _moment(stream: DeliveryStream, epoch: float) -> datetime:
    zone = stream.destination.get("CustomTimeZone")
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    if zone and zone != "UTC":
        try:
            from zoneinfo import ZoneInfo

            moment = moment.astimezone(ZoneInfo(zone))
        except (ImportError, KeyError, ValueError):
            pass
    return moment


def lambda_processor(destination: dict[str, Any]) -> tuple[str, int] | None:
    """(function ARN, retries) of an enabled Lambda processor, else None."""
    config = destination.get("ProcessingConfiguration") or {}
    if not config.get("Enabled"):
        return None
    for processor in config.get("Processors") or []:
        if processor.get("Type") == "Lambda":
            params = {p["ParameterName"]: p["ParameterValue"] for p in processor.get("Parameters") or []}
            if params.get("LambdaArn"):
                return params["LambdaArn"], int(params.get("NumberOfRetries", "3"))
    return None


class Deliverer:
    """Runs one batch to its destination (an asyncio task started by the tick processor)."""

    def __init__(self, env: Any) -> None:
        self.env = env

    async def transform(self, stream: DeliveryStream,
                        records: list[list]) -> tuple[list[bytes], list[dict], list[dict | None]]:  # fmt: skip
        """(data to deliver, failed-record documents, each delivered record's partition keys
        from the answer's ``metadata.partitionKeys``) after the Lambda processor, if any."""
        processor = lambda_processor(stream.destination)
        if processor is None:
            return [r[1] for r in records], [], []
        arn, retries = processor
        event = {
            "invocationId": str(uuid.uuid4()), "deliveryStreamArn": stream.arn, "region": stream.region,
            "records": [{"recordId": r[2], "approximateArrivalTimestamp": int(r[0] * 1000),
                         "data": base64.b64encode(r[1]).decode()} for r in records],
        }  # fmt: skip
        parts = arn.split(":")
        answer: dict[str, Any] | None = None
        error = ("Lambda.InvokeAccessDenied", "")
        for attempt in range(retries + 1):
            try:
                out = await self.env.internal.call_async(
                    "lambda", "Invoke", {"FunctionName": arn, "Payload": json.dumps(event).encode()},
                    account_id=parts[4], region=parts[3],
                )  # fmt: skip
            except ServiceError as exc:
                error = ("Lambda.InvokeAccessDenied" if exc.code == "ResourceNotFoundException" else "Lambda.ServiceError",
                         exc.message)  # fmt: skip
                continue
            if out.get("FunctionError"):
                error = ("Lambda.FunctionError",
                         "The Lambda function was successfully invoked but it returned an error result.")  # fmt: skip
                continue
            try:
                answer = json.loads(out.get("Payload") or b"null")
            except ValueError:
                error = ("Lambda.JsonProcessingException", "The Lambda function response is not valid JSON.")
                continue
            break
        now_ms = int(self.env.clock.now() * 1000)

        def failed(record: list, code: str, message: str, attempts: int) -> dict:
            return {"attemptsMade": attempts, "arrivalTimestamp": int(record[0] * 1000), "errorCode": code,
                    "errorMessage": message, "attemptEndingTimestamp": now_ms,
                    "rawData": base64.b64encode(record[1]).decode(), "lambdaArn": arn}  # fmt: skip

        if not isinstance(answer, dict) or not isinstance(answer.get("records"), list):
            code, message = error if answer is None else ("Lambda.MissingRecordId", "The records field is missing.")
            return [], [failed(r, code, message, retries + 1) for r in records], []
        by_id = {item.get("recordId"): item for item in answer["records"] if isinstance(item, dict)}
        delivered: list[bytes] = []
        keys: list[dict | None] = []
        failures: list[dict] = []
        for record in records:
            item = by_id.get(record[2])
            if item is None:
                failures.append(failed(record, "Lambda.MissingRecordId",
                                       f"recordId {record[2]} was not returned by the Lambda function.", 1))  # fmt: skip
                continue
            result = item.get("result")
            if result == "Dropped":
                continue
            if result == "Ok":
                try:
                    delivered.append(base64.b64decode(item.get("data") or ""))
                    keys.append(partitioning.lambda_keys(item))
                except ValueError:
                    failures.append(failed(record, "Lambda.InvalidBase64", "The data is not valid base64.", 1))
                continue
            if result == "ProcessingFailed":
                failures.append(failed(record, "Lambda.ProcessingFailedStatus",
                                       "ProcessingFailed status returned by the Lambda function.", 1))  # fmt: skip
            else:
                failures.append(failed(record, "Lambda.InvalidRecordResult",
                                       f"Invalid result {result!r} returned by the Lambda function.", 1))  # fmt: skip
        return delivered, failures, keys

    async def put_s3(self, stream: DeliveryStream, s3: dict[str, Any], body: bytes, moment: datetime,
                     error_type: str | None = None, keys: dict[str, dict[str, str]] | None = None) -> str:  # fmt: skip
        bucket = s3["BucketARN"].split(":::")[-1]
        fmt = s3.get("CompressionFormat") or "UNCOMPRESSED"
        extension = s3.get("FileExtension") or EXTENSIONS.get(fmt, "")
        if error_type and s3.get("ErrorOutputPrefix"):
            key = object_key(stream, s3["ErrorOutputPrefix"], moment, "", error_type)
        elif error_type:
            key = object_key(stream, s3.get("Prefix") or "", moment, "", error_type, type_folder=True)
        else:
            key = object_key(stream, s3.get("Prefix") or "", moment, extension, keys=keys)
            body = compress(body, fmt, key.rsplit("/", 1)[-1].removesuffix(extension))
        await self.env.internal.call_async(
            "s3", "PutObject", {"Bucket": bucket, "Key": key, "Body": body},
            account_id=stream.account_id, region=stream.region,
        )  # fmt: skip
        return key

    async def _other_destination(self, stream: DeliveryStream, kind: str, s3: dict[str, Any] | None,
                                 records: list[list], data: list[bytes], moment: datetime, entry: dict) -> None:  # fmt: skip
        """HTTP endpoints are delivered to; the others cannot be reached. Failed data (and all
        data with ``S3BackupMode`` AllData / AllDocuments...) goes to the S3 backup bucket."""
        attempts = 1
        error: tuple[str, str] | None = ("%s.Unreachable" % kind,
                                         f"cloudtwin cannot reach {kind} destinations: the records were not delivered.")
        if kind == "HttpEndpoint" and data:
            attempts, problem = await http_endpoint.send(self.env, stream.arn, stream.destination, data)
            error = None if problem is None else ("HttpEndpoint.DeliveryFailed", problem)
            entry["Attempts"] = attempts
        elif not data:
            error = None
        if error is not None:
            entry["Status"] = "DeliveryFailed"
            entry["Error"] = {"Code": error[0], "Message": error[1]}
        backup_all = str(stream.destination.get("S3BackupMode", "")).startswith("All")
        if not s3 or not data or (error is None and not backup_all):
            return
        if error is None:
            entry["Objects"].append(await self.put_s3(stream, s3, b"".join(data), moment))
            return
        now_ms = int(self.env.clock.now() * 1000)
        docs = [{"attemptsMade": attempts, "arrivalTimestamp": int(records[0][0] * 1000), "errorCode": error[0],
                 "errorMessage": error[1], "attemptEndingTimestamp": now_ms, "rawData": base64.b64encode(d).decode()}
                for d in data]  # fmt: skip
        lines = "".join(json.dumps(d) + "\n" for d in docs).encode()
        entry["Objects"].append(await self.put_s3(stream, s3, lines, moment, FAILED_TYPES.get(kind, "delivery-failed")))

    async def _partitioned(self, stream: DeliveryStream, records: list[list], data: list[bytes],
                           from_lambda: list[dict | None], moment: datetime, entry: dict) -> None:  # fmt: skip
        """Dynamic partitioning: an object per partition, records without keys to the error prefix."""
        arrivals = ([int(r[0] * 1000) for r in records] if len(records) == len(data)
                    else [int(records[0][0] * 1000)] * len(data))  # fmt: skip
        groups, failures = partitioning.partition(stream.destination, data, int(self.env.clock.now() * 1000), arrivals,
                                                  from_lambda)  # fmt: skip
        for keys, group in groups:
            entry["Objects"].append(await self.put_s3(stream, stream.destination, b"".join(group), moment, keys=keys))
        if failures:
            lines = "".join(json.dumps(f) + "\n" for f in failures).encode()
            entry["Objects"].append(await self.put_s3(stream, stream.destination, lines, moment, "processing-failed"))
            entry["Failed"] = entry.get("Failed", 0) + len(failures)

    async def deliver(self, stream: DeliveryStream, records: list[list]) -> dict[str, Any]:
        """Deliver ``records`` ([arrival, data, record id]); returns the log entry."""
        moment = _moment(stream, records[0][0])
        entry: dict[str, Any] = {"DeliveryStreamName": stream.name, "Records": len(records),
                                 "Time": self.env.clock.now(), "Objects": [], "Status": "Delivered"}  # fmt: skip
        try:
            data, failures, from_lambda = await self.transform(stream, records)
            kind = stream.destination_kind
            s3 = stream.destination if kind == "ExtendedS3" else stream.destination.get("S3Configuration")
            if failures and s3:
                lines = "".join(json.dumps(f) + "\n" for f in failures).encode()
                entry["Objects"].append(await self.put_s3(stream, s3, lines, moment, "processing-failed"))
                entry["Failed"] = len(failures)
            if kind != "ExtendedS3":
                await self._other_destination(stream, kind, s3, records, data, moment, entry)
                return entry
            if data and partitioning.enabled(stream.destination):
                await self._partitioned(stream, records, data, from_lambda, moment, entry)
            elif data:
                entry["Objects"].append(await self.put_s3(stream, stream.destination, b"".join(data), moment))
        except ServiceError as error:
            entry["Status"] = "DeliveryFailed"
            entry["Error"] = {"Code": error.code, "Message": error.message}
        return entry
