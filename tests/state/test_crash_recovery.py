"""Persistence across services: a ``cloudtwin start --data-dir`` server takes a mixed stream
of writes (SQS messages, S3 objects inline and on disk, DynamoDB items, secret versions),
is killed with SIGKILL at random moments, and after every restart everything it
acknowledged is there, byte for byte."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cloudtwin.testing.server import free_port, start_process

ROUNDS = 3


def start(port: int, data_dir: Path) -> subprocess.Popen:
    return start_process(port, "--data-dir", str(data_dir))


def clients(port: int) -> dict:
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15)
    return {
        name: boto3.client(name, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test", config=config)
        for name in ("sqs", "s3", "dynamodb", "secretsmanager")
    }


def body_for(i: int) -> bytes:
    # every fifth object is large enough to live in a file rather than in its record
    size = 100_000 if i % 5 == 0 else 100
    return (f"object-{i}-".encode() * (size // 10 + 1))[:size]


def test_acknowledged_writes_of_every_service_survive_sigkill(tmp_path):
    data_dir = tmp_path / "state"
    rng = random.Random(4242)
    port = free_port()
    proc = start(port, data_dir)
    c = clients(port)
    queue_url = c["sqs"].create_queue(QueueName="crash")["QueueUrl"]
    c["s3"].create_bucket(Bucket="crash-bucket")
    c["dynamodb"].create_table(
        TableName="crash", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    c["secretsmanager"].create_secret(Name="crash-secret", SecretString="v0")

    acked = {"sqs": {}, "s3": {}, "dynamodb": {}, "secret": {}}
    i = 0
    try:
        for _ in range(ROUNDS):
            killer = threading.Timer(rng.uniform(0.5, 1.5), os.kill, (proc.pid, signal.SIGKILL))
            killer.start()
            try:
                while proc.poll() is None:
                    i += 1
                    kind = i % 4
                    if kind == 0:
                        out = c["sqs"].send_message(QueueUrl=queue_url, MessageBody=f"message {i}")
                        if "MessageId" in out:  # a body cut short by the kill is no answer
                            acked["sqs"][out["MessageId"]] = f"message {i}"
                    elif kind == 1:
                        c["s3"].put_object(Bucket="crash-bucket", Key=f"k/{i}", Body=body_for(i))
                        acked["s3"][f"k/{i}"] = body_for(i)
                    elif kind == 2:
                        c["dynamodb"].put_item(TableName="crash", Item={"pk": {"S": f"p{i}"}, "n": {"N": str(i)}})
                        acked["dynamodb"][f"p{i}"] = str(i)
                    else:
                        out = c["secretsmanager"].put_secret_value(SecretId="crash-secret", SecretString=f"v{i}")
                        if "VersionId" in out:
                            acked["secret"][out["VersionId"]] = f"v{i}"
            except (BotoCoreError, ClientError, OSError):
                pass  # the server died mid-request: that write was never acknowledged
            finally:
                killer.cancel()
            proc.wait(30)
            proc = start(port, data_dir)
            c = clients(port)

            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/_cloudtwin/sqs/messages?queue=crash", timeout=10
            ) as response:
                stored = {m["MessageId"]: m["Body"] for m in json.loads(response.read())["messages"]}
            for message_id, body in acked["sqs"].items():
                assert stored.get(message_id) == body
            for key, body in acked["s3"].items():
                assert c["s3"].get_object(Bucket="crash-bucket", Key=key)["Body"].read() == body
            for pk, n in acked["dynamodb"].items():
                item = c["dynamodb"].get_item(TableName="crash", Key={"pk": {"S": pk}}, ConsistentRead=True)
                assert item["Item"]["n"] == {"N": n}
            # Secrets Manager keeps the newest 100 versions (older unlabelled ones are
            # removed, as on AWS): check those, and that the last acknowledged is current.
            versions = list(acked["secret"].items())
            for version_id, value in versions[-90:]:
                got = c["secretsmanager"].get_secret_value(SecretId="crash-secret", VersionId=version_id)
                assert got["SecretString"] == value
            if versions:
                current = c["secretsmanager"].get_secret_value(SecretId="crash-secret")
                # (or a later write that was committed but whose answer the kill cut off)
                assert int(current["SecretString"][1:]) >= int(versions[-1][1][1:])
        assert all(acked.values()), acked  # every service took writes before some kill
    finally:
        proc.kill()
        proc.wait()
