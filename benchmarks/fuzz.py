"""Fuzz the wire: mutated botocore-built requests of all six protocols against a real server.

    .venv/bin/python benchmarks/fuzz.py [--count 100000] [--seconds 600] [--seed 1]
                                        [--concurrency 4] [--data-dir] [--out .fuzz-out]

Seeds are valid requests that botocore's own serializers and SigV4 signer build (query:
STS, IAM, SNS, SQS; ec2: EC2; json: DynamoDB, KMS, SQS, Secrets Manager, SSM; rest-json:
Lambda; rest-xml: S3; smithy-rpc-v2-cbor: CloudWatch). Each request sent is a seed with one
to three mutations: flipped, truncated or random bytes, lying / huge / negative
Content-Length, deleted, duplicated or random headers, swapped content types, deeply nested
JSON / XML / CBOR / form documents, invalid UTF-8, broken chunked and aws-chunked framing,
path and query mutations, other methods. They go over raw loopback sockets (asyncio
streams) with a per-request timeout.

Reported: requests sent, the status histogram, 5xx answers (each written with its request
to ``<out>/5xx.jsonl``; a 501 NotImplemented for an operation cloudtwin does not have is an
answer, not counted), hangs (no answer within the timeout, written to ``hangs.jsonl``),
connections closed without an answer (expected only after broken framing), the server's resident memory before and after, and whether it
still serves — and still holds the state written before the run — at the end. The goal is
0 × 5xx and 0 hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.serialize import create_serializer

from _servers import free_port, rss_mib, stop, wait_healthy

REGION = "us-east-1"
ACCOUNT = "000000000000"
CREDENTIALS = Credentials("test", "test")

#: (service, protocol or None for the model's own, operation, params)
SEEDS: list[tuple[str, str | None, str, dict[str, Any]]] = [
    ("sts", None, "GetCallerIdentity", {}),
    ("sts", None, "AssumeRole", {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/fuzz", "RoleSessionName": "fuzz",
                                 "Tags": [{"Key": "k", "Value": "v"}]}),
    ("iam", None, "CreateUser", {"UserName": "fuzz-user", "Tags": [{"Key": "a", "Value": "b"}]}),
    ("iam", None, "PutUserPolicy", {"UserName": "fuzz", "PolicyName": "p", "PolicyDocument": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})}),
    ("iam", None, "ListUsers", {"MaxItems": 10}),
    ("sns", None, "CreateTopic", {"Name": "fuzz-topic", "Attributes": {"DisplayName": "x"}}),
    ("sns", None, "Publish", {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:fuzz", "Message": "hello",
                              "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}}),
    ("sns", None, "SetTopicAttributes", {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:fuzz",
                                         "AttributeName": "Policy", "AttributeValue": "{}"}),
    ("sqs", "query", "SendMessage", {"QueueUrl": "QUEUE", "MessageBody": "hello",
                                     "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}}),
    ("sqs", "query", "CreateQueue", {"QueueName": "fuzz-q", "Attributes": {"DelaySeconds": "0"}}),
    ("ec2", None, "DescribeInstances", {"MaxResults": 5, "Filters": [{"Name": "n", "Values": ["v"]}]}),
    ("dynamodb", None, "PutItem", {"TableName": "fuzz", "Item": {
        "pk": {"S": "a"}, "n": {"N": "1.5"}, "b": {"B": b"\x01"}, "m": {"M": {"l": {"L": [{"NULL": True}]}}},
        "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}}}),
    ("dynamodb", None, "Query", {"TableName": "fuzz", "KeyConditionExpression": "pk = :v",
                                 "ExpressionAttributeValues": {":v": {"S": "a"}}}),
    ("dynamodb", None, "UpdateItem", {"TableName": "fuzz", "Key": {"pk": {"S": "a"}},
                                      "UpdateExpression": "SET #a = list_append(if_not_exists(#a, :e), :v)",
                                      "ExpressionAttributeNames": {"#a": "lst"},
                                      "ExpressionAttributeValues": {":e": {"L": []}, ":v": {"L": [{"S": "z"}]}}}),
    ("kms", None, "Encrypt", {"KeyId": "alias/fuzz", "Plaintext": b"secret", "EncryptionContext": {"a": "b"}}),
    ("kms", None, "CreateKey", {"Description": "fuzz", "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}),
    ("sqs", None, "SendMessage", {"QueueUrl": "QUEUE", "MessageBody": "hello", "DelaySeconds": 0}),
    ("sqs", None, "SetQueueAttributes", {"QueueUrl": "QUEUE", "Attributes": {"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:x", "maxReceiveCount": 2})}}),
    ("secretsmanager", None, "CreateSecret", {"Name": "fuzz-secret", "SecretString": "s3cr3t"}),
    ("ssm", None, "PutParameter", {"Name": "/fuzz/p", "Value": "v", "Type": "String", "Overwrite": True}),
    ("lambda", None, "ListFunctions", {"MaxItems": 5}),
    ("lambda", None, "CreateFunction", {"FunctionName": "f", "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
                                        "Code": {"ZipFile": b"PK"}, "Runtime": "python3.12", "Handler": "h"}),
    ("s3", None, "PutObject", {"Bucket": "fuzz", "Key": "dir/key.txt", "Body": b"hello body",
                               "Metadata": {"m": "1"}, "Tagging": "a=b"}),
    ("s3", None, "GetObject", {"Bucket": "fuzz", "Key": "dir/key.txt", "Range": "bytes=0-3"}),
    ("s3", None, "PutBucketTagging", {"Bucket": "fuzz", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}),
    ("s3", None, "DeleteObjects", {"Bucket": "fuzz", "Delete": {"Objects": [{"Key": "nope"}]}}),
    ("s3", None, "ListObjectsV2", {"Bucket": "fuzz", "Prefix": "dir/", "MaxKeys": 5}),
    ("s3", None, "PutBucketPolicy", {"Bucket": "fuzz", "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}),
    ("cloudwatch", None, "PutMetricData", {"Namespace": "fuzz", "MetricData": [
        {"MetricName": "m", "Value": 1.0, "Unit": "Count", "Dimensions": [{"Name": "d", "Value": "v"}]}]}),
    ("cloudwatch", None, "ListMetrics", {"Namespace": "fuzz"}),
    # more surface: documents in strings, multipart, copies, transactions, PartiQL
    ("sts", None, "AssumeRoleWithWebIdentity", {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/fuzz",
                                                "RoleSessionName": "fuzz", "WebIdentityToken": "a.b.c"}),
    ("sns", None, "Subscribe", {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:fuzz", "Protocol": "sqs",
                                "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:fuzz",
                                "Attributes": {"FilterPolicy": json.dumps({"a": [{"prefix": "x"}]})}}),
    ("sqs", None, "ReceiveMessage", {"QueueUrl": "QUEUE", "MaxNumberOfMessages": 10,
                                     "MessageAttributeNames": ["All"], "WaitTimeSeconds": 0}),
    ("dynamodb", None, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "fuzz", "Item": {"pk": {"S": "t"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": "fuzz", "Key": {"pk": {"S": "u"}}, "UpdateExpression": "ADD c :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}]}),
    ("dynamodb", None, "ExecuteStatement", {"Statement": "SELECT * FROM fuzz WHERE pk = ?",
                                            "Parameters": [{"S": "a"}]}),
    ("kms", None, "GenerateDataKey", {"KeyId": "alias/fuzz", "KeySpec": "AES_256"}),
    ("ssm", None, "GetParametersByPath", {"Path": "/fuzz", "Recursive": True,
                                          "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]}),
    ("secretsmanager", None, "PutSecretValue", {"SecretId": "fuzz-secret", "SecretBinary": b"\x00\xff"}),
    ("s3", None, "CreateMultipartUpload", {"Bucket": "fuzz", "Key": "mp", "Metadata": {"a": "b"}}),
    ("s3", None, "CompleteMultipartUpload", {"Bucket": "fuzz", "Key": "mp", "UploadId": "x", "MultipartUpload": {
        "Parts": [{"PartNumber": 1, "ETag": '"e"'}]}}),
    ("s3", None, "CopyObject", {"Bucket": "fuzz", "Key": "copy", "CopySource": "fuzz/dir/key.txt",
                                "MetadataDirective": "REPLACE", "Metadata": {"c": "d"}}),
    ("s3", None, "PutBucketLifecycleConfiguration", {"Bucket": "fuzz", "LifecycleConfiguration": {"Rules": [
        {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "p"}, "Expiration": {"Days": 3}}]}}),
    ("s3", None, "PutObjectRetention", {"Bucket": "fuzz", "Key": "dir/key.txt", "Retention": {
        "Mode": "GOVERNANCE", "RetainUntilDate": "2030-01-01T00:00:00Z"}}),
]

CONTENT_TYPES = [
    "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-16",
    "application/xml", "text/xml", "application/cbor", "text/plain", "multipart/form-data; boundary=x",
    "multipart/form-data", "", "\x00garbage", "application/x-amz-json-1.0; charset=latin-1",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "FOO", "TRACE"]
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xe2\x82"]


class Request:
    __slots__ = ("seed", "method", "target", "headers", "body", "eof", "framed", "mutations")

    def __init__(self, seed: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.seed = seed
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.eof = False  # half-close after sending (the framing promises more than is sent)
        self.framed = False  # headers carry the framing as given (no Content-Length recomputed)
        self.mutations: list[str] = []

    def copy(self) -> "Request":
        return Request(self.seed, self.method, self.target, list(self.headers), self.body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()] + [(name, value)]

    def wire(self) -> bytes:
        headers = self.headers
        if not self.framed:
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")]
            if self.body or self.method in ("POST", "PUT", "PATCH"):
                headers.append(("Content-Length", str(len(self.body))))
        head = f"{self.method} {self.target} HTTP/1.1\r\n".encode("latin-1", "replace")
        head += b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
        return head + b"\r\n" + self.body

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "mutations": self.mutations, "method": self.method, "target": self.target[:2000],
            "headers": [[k, v[:500]] for k, v in self.headers],
            "body_b64": base64.b64encode(self.body[:4000]).decode(), "body_len": len(self.body),
            "eof": self.eof,
        }


# -- seeds: botocore's serializers and signer --------------------------------------------------


def build_seeds(endpoint: str, queue_url: str) -> list[Request]:
    session = botocore.session.get_session()
    host = urlsplit(endpoint).netloc
    out = []
    for service, protocol, operation, params in SEEDS:
        model = session.get_service_model(service)
        op = model.operation_model(operation)
        params = {k: (queue_url if v == "QUEUE" else v) for k, v in params.items()}
        request_dict = create_serializer(protocol or model.protocol).serialize_to_request(params, op)
        prepare_request_dict(request_dict, endpoint)
        aws_request = create_request_object(request_dict)
        signing = model.signing_name or service
        (S3SigV4Auth if service == "s3" else SigV4Auth)(CREDENTIALS, signing, REGION).add_auth(aws_request)
        prepared = aws_request.prepare()
        split = urlsplit(prepared.url)
        target = split.path + (f"?{split.query}" if split.query else "")
        headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()]
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", host))
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else body.read()
        out.append(Request(f"{service}.{operation}/{protocol or model.protocol}", prepared.method, target, headers, body))
    return out


# -- mutations -----------------------------------------------------------------------------


def _nested(rng: random.Random, req: Request) -> None:
    depth = rng.choice([64, 500, 1000, 5000, 100_000])
    kind = (req.header("content-type") or "") + req.seed
    if "cbor" in kind:
        req.body = b"\xa1\x61a" * min(depth, 20000) + b"\x00" if rng.random() < 0.5 else b"\x81" * depth + b"\x00"
    elif "xml" in kind or "s3" in req.seed:
        req.body = b"<a>" * depth + b"x" + b"</a>" * depth
    elif "form" in kind or "query" in kind or "ec2" in kind:
        doc = '{"a":' * depth + "1" + "}" * depth
        name = rng.choice(["Policy", "PolicyDocument", "AttributeValue", "Message", "MessageStructure",
                           "Attributes.entry.1.Value", "NextToken", "FilterPolicy"])
        req.body += b"&" + name.encode() + b"=" + doc.encode()
    else:
        doc = "[" * depth + "]" * depth if rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth
        if req.body.startswith(b"{") and rng.random() < 0.5:
            field = rng.choice(["Policy", "RedrivePolicy", "ExclusiveStartKey", "NextToken", "Item", "Attributes"])
            req.body = b'{"' + field.encode() + b'":' + json.dumps(doc).encode() + b"," + req.body[1:]
        else:
            req.body = doc.encode()


def _flip(rng: random.Random, req: Request) -> None:
    if not req.body:
        req.body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        return
    body = bytearray(req.body)
    for _ in range(rng.randint(1, 8)):
        body[rng.randrange(len(body))] = rng.randrange(256)
    req.body = bytes(body)


def _truncate(rng: random.Random, req: Request) -> None:
    req.body = req.body[: rng.randrange(len(req.body) + 1)]


def _lie_length(rng: random.Random, req: Request) -> None:
    req.framed = True
    sent = req.body[: rng.randrange(len(req.body) + 1)]
    req.headers = [(k, v) for k, v in req.headers if k.lower() not in ("content-length", "transfer-encoding")]
    req.headers.append(("Content-Length", str(len(req.body) + rng.randint(1, 100))))
    req.body = sent
    req.eof = True


def _huge_length(rng: random.Random, req: Request) -> None:
    req.framed = True
    req.headers = [(k, v) for k, v in req.headers if k.lower() not in ("content-length", "transfer-encoding")]
    req.headers.append(("Content-Length", rng.choice(["1099511627776", str(2**63), "9" * 40, "-1", "-99",
                                                      "1e3", "0x10", " 5", "5, 6", ""])))
    req.eof = True


def _drop_header(rng: random.Random, req: Request) -> None:
    if req.headers:
        del req.headers[rng.randrange(len(req.headers))]


def _dup_header(rng: random.Random, req: Request) -> None:
    if req.headers:
        name, value = rng.choice(req.headers)
        if name.lower() != "host" or rng.random() < 0.3:
            req.headers.append((name, value if rng.random() < 0.5 else _junk(rng, 40)))


def _junk(rng: random.Random, n: int) -> str:
    alphabet = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0x80, 0x100)] + ["\t"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(n + 1)))


def _random_header(rng: random.Random, req: Request) -> None:
    names = [k for k, _ in req.headers] + ["Authorization", "X-Amz-Target", "X-Amz-Date", "Content-MD5",
                                           "x-amz-content-sha256", "Content-Encoding", "Expect", "Range",
                                           "x-amz-checksum-crc32", "x-amz-security-token", "Origin",
                                           "If-Match", "x-amz-copy-source", "Smithy-Protocol",
                                           "x-amz-decoded-content-length", "Accept-Encoding"]
    name = rng.choice(names)
    req.set_header(name, _junk(rng, rng.choice([8, 64, 2000])))


def _content_type(rng: random.Random, req: Request) -> None:
    req.set_header("Content-Type", rng.choice(CONTENT_TYPES))


def _bad_utf8(rng: random.Random, req: Request) -> None:
    junk = rng.choice(BAD_UTF8)
    if rng.random() < 0.6 or not req.body:
        at = rng.randrange(len(req.body) + 1)
        req.body = req.body[:at] + junk + req.body[at:]
    else:
        at = rng.randrange(len(req.target) + 1)
        req.target = req.target[:at] + "".join(f"%{b:02X}" for b in junk) + req.target[at:]


def _chunked(rng: random.Random, req: Request) -> None:
    req.framed = True
    req.headers = [(k, v) for k, v in req.headers if k.lower() not in ("content-length", "transfer-encoding")]
    req.headers.append(("Transfer-Encoding", rng.choice(["chunked", "chunked", "gzip, chunked", "chunked, identity"])))
    body, out = req.body, b""
    while body:
        n = rng.randint(1, max(1, len(body)))
        out += f"{n:x}".encode() + rng.choice([b"", b";ext=1", b";" + b"x" * 100]) + b"\r\n" + body[:n] + b"\r\n"
        body = body[n:]
    damage = rng.randrange(6)
    if damage == 0:
        out = b"zz\r\n" + out
    elif damage == 1:
        out += b"0\r\n"  # no final CRLF
        req.eof = True
    elif damage == 2:
        out = b"ffffffffffffffff\r\n" + out
        req.eof = True
    elif damage == 3:
        out += b"0\r\nX-Trailer: t\r\n\r\n"
    elif damage == 4:
        out = out[: rng.randrange(len(out) + 1)]
        req.eof = True
    else:
        out += b"0\r\n\r\n"
    req.body = out


def _aws_chunked(rng: random.Random, req: Request) -> None:
    payload = req.body
    size = rng.choice([len(payload), len(payload) + 5, 0, 2**40])
    chunk = f"{size:x};chunk-signature={'0' * 64}\r\n".encode() + payload + b"\r\n"
    if rng.random() < 0.5:
        chunk += b"0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    req.body = chunk[: rng.randrange(len(chunk) + 1)] if rng.random() < 0.3 else chunk
    req.set_header("Content-Encoding", "aws-chunked")
    req.set_header("x-amz-content-sha256", rng.choice(["STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                                       "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x"]))
    req.set_header("x-amz-decoded-content-length", rng.choice([str(len(payload)), "-1", "abc", str(2**64)]))
    if rng.random() < 0.3:
        req.set_header("x-amz-trailer", rng.choice(["x-amz-checksum-crc32", "bogus"]))


def _path(rng: random.Random, req: Request) -> None:
    path, _, query = req.target.partition("?")
    choice = rng.randrange(8)
    if choice == 0:
        path += rng.choice(["/..", "/../..", "/%2e%2e/", "//", "/%00", "/%zz", "/%", "/\u00e9".encode().decode("latin-1")])
    elif choice == 1:
        path = "/" + "a" * rng.choice([1025, 5000, 60000])
    elif choice == 2:
        query = (query + "&" if query else "") + rng.choice(["&&==", "a", "a=%zz", "Action=", "Action=Foo",
                                                              "x-id=GetObject", "uploads", "versionId=", "%ff=%fe"])
    elif choice == 3:
        path = rng.choice(["*", "", "http://evil/", "/?", "/_cloudtwin/../health"])
    elif choice == 4:
        query = "&".join(f"p{i}={i}" for i in range(rng.choice([100, 2000])))
    elif choice == 5:
        path = path.replace("/", "/" * rng.randint(2, 4))
    elif choice == 6:
        path = rng.choice(["/fuzz?uploadId=1&partNumber=-1", "/fuzz/k?tagging", "/fuzz?acl", "/fuzz/k?restore",
                           "/fuzz/k?select&select-type=2", "/fuzz?notification", "/fuzz?lifecycle"])
        query = ""
    else:
        path = path + "/" + _junk(rng, 20).replace(" ", "%20")
    req.target = (path or "") + (f"?{query}" if query else "")


def _method(rng: random.Random, req: Request) -> None:
    req.method = rng.choice(METHODS)


def _random_body(rng: random.Random, req: Request) -> None:
    req.body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 16, 1000])))


def _expect(rng: random.Random, req: Request) -> None:
    req.set_header("Expect", rng.choice(["100-continue", "100-continue", "bogus"]))


MUTATIONS: list[Callable[[random.Random, Request], None]] = [
    _nested, _flip, _truncate, _lie_length, _huge_length, _drop_header, _dup_header, _random_header,
    _content_type, _bad_utf8, _chunked, _aws_chunked, _path, _method, _random_body, _expect,
]


def mutate(rng: random.Random, seeds: list[Request]) -> Request:
    req = rng.choice(seeds).copy()
    if rng.random() < 0.1:  # cross-protocol: another seed's body under these headers
        req.body = rng.choice(seeds).body
        req.mutations.append("splice")
    if rng.random() < 0.03:
        return req
    for fn in rng.sample(MUTATIONS, rng.choice([1, 1, 2, 3])):
        fn(rng, req)
        req.mutations.append(fn.__name__.lstrip("_"))
    if req.framed:
        # The framing may promise more than is sent: half-close, so that the server sees the
        # end and must answer or close (no answer then is the server's hang, not ours).
        req.eof = True
    return req


# -- sending ---------------------------------------------------------------------------------


class NoAnswer(Exception):
    pass


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, dict[str, str], bytes]:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise NoAnswer(str(exc)) from None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if status != 100:
            break
    if method == "HEAD" or status in (204, 304):
        return status, headers, b""
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return status, headers, body
            body += await reader.readexactly(size)
            await reader.readline()
    return status, headers, await reader.read()


class Fuzzer:
    def __init__(self, port: int, timeout: float, out: Path) -> None:
        self.port = port
        self.timeout = timeout
        self.out = out
        self.statuses: collections.Counter[str] = collections.Counter()
        self.sent = 0
        self.hangs = 0
        self.closed = 0  # on a request whose framing was complete
        self.closed_framing = 0  # after a half-close with broken or lying framing
        self.errors_5xx = 0
        self.not_implemented = 0
        self.rss: list[int] = []  # the server's RSS (MiB) every tenth of the count
        self.samples = open(out / "5xx.jsonl", "w")  # noqa: SIM115 - closed in finish()
        self.hang_samples = open(out / "hangs.jsonl", "w")  # noqa: SIM115

    async def worker(self, requests: "asyncio.Queue[Request | None]") -> None:
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while True:
            req = await requests.get()
            if req is None:
                break
            keep = True
            try:
                if conn is None:
                    conn = await asyncio.wait_for(
                        asyncio.open_connection("127.0.0.1", self.port, limit=2**24), self.timeout
                    )
                reader, writer = conn
                status, headers, body = await asyncio.wait_for(self._exchange(reader, writer, req), self.timeout)
            except asyncio.TimeoutError:
                self.hangs += 1
                self.statuses["hang"] += 1
                self.hang_samples.write(json.dumps(req.describe()) + "\n")
                keep = False
            except (NoAnswer, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                    IndexError):
                if req.eof:
                    self.closed_framing += 1
                else:
                    self.closed += 1
                    self.hang_samples.write(json.dumps({"closed": True, **req.describe()}) + "\n")
                self.statuses["closed"] += 1
                keep = False
            except Exception as exc:  # noqa: BLE001 - the fuzzer's own trouble: count it, go on
                self.statuses[f"client error {type(exc).__name__}"] += 1
                keep = False
            else:
                self.statuses[str(status)] += 1
                if status == 501:
                    self.not_implemented += 1  # an operation cloudtwin does not have: an answer
                elif status >= 500:
                    self.errors_5xx += 1
                    self.samples.write(json.dumps({
                        "request": req.describe(), "status": status, "headers": headers,
                        "body": body[:4000].decode("utf-8", "replace")}) + "\n")
                if req.eof or req.framed or headers.get("connection", "").lower() == "close":
                    keep = False
            self.sent += 1
            if not keep and conn is not None:
                conn[1].close()
                conn = None

    async def _exchange(self, reader, writer, req: Request):
        writer.write(req.wire())
        if req.eof:
            writer.write_eof()
        await writer.drain()
        return await read_response(reader, req.method)


async def run(args: argparse.Namespace, pid: int, port: int, seeds: list[Request], out: Path) -> Fuzzer:
    fuzzer = Fuzzer(port, args.timeout, out)
    rng = random.Random(args.seed)
    queue: asyncio.Queue[Request | None] = asyncio.Queue(maxsize=args.concurrency * 4)
    workers = [asyncio.create_task(fuzzer.worker(queue)) for _ in range(args.concurrency)]
    deadline = time.monotonic() + args.seconds
    last_report = time.monotonic()
    for i in range(args.count):
        if time.monotonic() > deadline:
            break
        await queue.put(mutate(rng, seeds))
        if i and i % max(1, args.count // 10) == 0:
            fuzzer.rss.append(round(rss_mib(pid)))
        if time.monotonic() - last_report > 30:
            last_report = time.monotonic()
            print(f"  ... {i} sent, 5xx {fuzzer.errors_5xx}, hangs {fuzzer.hangs}", file=sys.stderr, flush=True)
    for _ in workers:
        await queue.put(None)
    await asyncio.gather(*workers)
    fuzzer.samples.close()
    fuzzer.hang_samples.close()
    return fuzzer


def prepare_state(endpoint: str) -> tuple[str, Callable[[], bool]]:
    """Resources the seeds use, and canaries no seed touches: read back after the run."""
    def client(name: str):
        return boto3.client(name, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
                            aws_secret_access_key="test", config=Config(retries={"total_max_attempts": 1}))
    sqs, s3, ddb, kms = client("sqs"), client("s3"), client("dynamodb"), client("kms")
    queue_url = sqs.create_queue(QueueName="fuzz")["QueueUrl"]
    canary_queue = sqs.create_queue(QueueName="canary")["QueueUrl"]
    sqs.send_message(QueueUrl=canary_queue, MessageBody="still here")
    s3.create_bucket(Bucket="fuzz")
    s3.create_bucket(Bucket="canary")
    s3.put_object(Bucket="canary", Key="object", Body=b"still here")
    ddb.create_table(TableName="fuzz", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/fuzz", TargetKeyId=key)

    def intact() -> bool:
        sts = client("sts")
        assert sts.get_caller_identity()["Account"] == ACCOUNT
        got = client("sqs").receive_message(QueueUrl=canary_queue, WaitTimeSeconds=0).get("Messages", [])
        body = client("s3").get_object(Bucket="canary", Key="object")["Body"].read()
        return [m["Body"] for m in got] == ["still here"] and body == b"still here"

    return queue_url, intact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=1800, help="stop after this long, whatever the count")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before a request counts as a hang")
    parser.add_argument("--data-dir", action="store_true", help="the server persists to a temporary --data-dir")
    parser.add_argument("--out", default=".fuzz-out", help="where 5xx.jsonl, hangs.jsonl and server.log go")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp, open(out / "server.log", "w") as log:
        exe = Path(sys.executable).with_name("cloudtwin")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cloudtwin"]
        extra = ["--data-dir", tmp] if args.data_dir else []
        proc = subprocess.Popen([*cmd, "start", "--port", str(port), "--log-level", "warning", *extra],
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_healthy(f"{endpoint}/_cloudtwin/health")
            queue_url, intact = prepare_state(endpoint)
            seeds = build_seeds(endpoint, queue_url)
            rss_before = rss_mib(proc.pid)
            started = time.perf_counter()
            fuzzer = asyncio.run(run(args, proc.pid, port, seeds, out))
            elapsed = time.perf_counter() - started
            rss_after = rss_mib(proc.pid)
            try:
                with urllib.request.urlopen(f"{endpoint}/_cloudtwin/health", timeout=10) as response:
                    serving = response.status == 200
                state_ok = intact()
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                serving, state_ok = False, f"no ({exc})"
        finally:
            stop(proc)
    print(f"fuzz: {len(seeds)} seeds over 6 protocols, seed {args.seed}, concurrency {args.concurrency}"
          f"{', --data-dir' if args.data_dir else ''}")
    print(f"  requests sent        {fuzzer.sent} in {elapsed:.0f} s ({fuzzer.sent / elapsed:.0f}/s)")
    print(f"  status histogram     {dict(sorted(fuzzer.statuses.items()))}")
    print(f"  5xx                  {fuzzer.errors_5xx}  (samples: {out / '5xx.jsonl'}; "
          f"not counted: {fuzzer.not_implemented} x 501, operations cloudtwin does not have)")
    print(f"  hangs (> {args.timeout:g} s)      {fuzzer.hangs}  (samples: {out / 'hangs.jsonl'})")
    print(f"  closed, no answer    {fuzzer.closed} on complete requests (samples with the hangs), "
          f"{fuzzer.closed_framing} after broken framing and a half-close")
    print(f"  server RSS           {rss_before:.1f} MiB before, {rss_after:.1f} MiB after "
          f"(every tenth: {fuzzer.rss})")
    print(f"  still serving        {'yes' if serving else 'NO'}; state written before intact: {state_ok}")
    return 0 if fuzzer.errors_5xx == 0 and fuzzer.hangs == 0 and serving and state_ok is True else 1


if __name__ == "__main__":
    sys.exit(main())
