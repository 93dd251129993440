"""cloudtwin side by side with its Python peers (ministack, moto): the same workloads
against all three, in interleaved rounds, with the load average of each round.

    .venv/bin/python benchmarks/peers.py [--rounds 3] [--seconds 5] [--items 100000]
        [--only cloudtwin,ministack,moto] [--skip memory,...] [--port 4606] [--peer-port N]

The peers are installed on first use into their own virtualenvs under
``~/.cache/cloudtwin-peers/`` with pip (ministack 1.5.33, ``moto[server]`` 5.2.x). Every
server listens on loopback only (ports: ``--port`` and the next three; by default
4606, then 4616-4618). The workloads (boto3 from this virtualenv unless said otherwise):

- ``startup``: launch -> first 200 from the server's health URL (ms).
- ``touch``: a fresh server, the first call to each of 7 services (STS, SQS, DynamoDB, S3,
  SNS, IAM, Lambda list calls, as raw HTTP requests), total ms; ``extra``: the sum over
  the services of first call minus a later call of the same; ``rss``: the server's
  resident memory after (MiB, with its children), and after 3 more (KMS, Secrets
  Manager, Logs).
- ``send``/``getitem``: SQS SendMessage and DynamoDB GetItem requests/s at 16 keep-alive
  connections from ``loadgen.py`` (the same client for all), and the server's CPU per
  request (ms); ``bare``: a bare ASGI app on cloudtwin's HTTP server, the same client —
  the limit cloudtwin's figures are a share of.
- ``sns``: SNS Publish -> receivable in a subscribed SQS queue (envelope delivery), p50
  ms, and the server's CPU per publish (ms).
- ``s3``: 1 KiB PutObject p50 / p99 (ms), sequential.
- ``query``: DynamoDB Query returning 2,000 items: the server's CPU per query (ms).
- ``memory``: the server's RSS growth per 100,000 DynamoDB items of ~200 bytes (MiB), then
  a paginated Scan of them all: the server's CPU (s).
- ``persist`` (cloudtwin only): ``send`` again with ``--data-dir``.

Each figure is the median over the rounds; the order of the servers rotates per round.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

from _servers import rss_mib, wait_healthy

HERE = Path(__file__).resolve().parent
PEERS = Path.home() / ".cache" / "cloudtwin-peers"
PACKAGES = {"ministack": "ministack==1.5.33", "moto": "moto[server]>=5.2,<5.3"}
TICK = os.sysconf("SC_CLK_TCK")
WORKLOADS = ("startup", "touch", "send", "getitem", "sns", "s3", "query", "memory", "persist")


# -- servers ----------------------------------------------------------------------------


def install(name: str) -> Path:
    """The peer's virtualenv (created and filled with pip the first time)."""
    venv = PEERS / name
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", f"import {name}"], capture_output=True)
    if probe.returncode != 0:
        print(f"installing {PACKAGES[name]} into {venv} ...", file=sys.stderr)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PACKAGES[name]], check=True)
    return venv


class Server:
    """One server under test: how to start it and where its health URL is."""

    def __init__(self, name: str, port: int) -> None:
        self.name, self.port = name, port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.extra_args: list[str] = []

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.name == "cloudtwin":
            exe = Path(sys.executable).with_name("cloudtwin")
            return [str(exe), "start", "--port", str(self.port), "--log-level", "warning", *self.extra_args], env
        venv = PEERS / self.name
        if self.name == "ministack":
            env.update(GATEWAY_PORT=str(self.port), MINISTACK_HOST="127.0.0.1", LOG_LEVEL="WARNING")
            return [str(venv / "bin" / "ministack")], env
        if self.name == "moto":
            return [str(venv / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)], env
        if self.name == "bare":  # the limit: a bare ASGI app on cloudtwin's server settings
            return [sys.executable, "-c", BARE_SERVER, str(self.port)], env
        raise ValueError(self.name)

    @property
    def health(self) -> str:
        return self.endpoint + {
            "cloudtwin": "/_cloudtwin/health", "ministack": "/_ministack/health",
            "moto": "/moto-api/data.json", "bare": "/",
        }[self.name]

    def start(self) -> float:
        """Launch; return the ms to the first health 200."""
        cmd, env = self.command()
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_healthy(self.health, timeout=60)
        return (time.perf_counter() - started) * 1000

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def pids(self) -> list[int]:
        """The server's process and its descendants."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    todo += [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    pass
        return found

    def cpu(self) -> float:
        """Seconds of CPU (user + system) the server's processes have used."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / TICK

    def rss(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                total += rss_mib(pid)
            except (OSError, RuntimeError):
                pass
        return total


BARE_SERVER = """
import sys, uvicorn
sys.path.insert(0, ".")
from bare_app import app
from cloudtwin.http_protocol import http_protocol_class
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
            http=http_protocol_class(), server_header=False, lifespan="off")
"""


# -- clients ----------------------------------------------------------------------------


def client(server: Server, service: str):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{svc}/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64
)


def json_headers(service: str, target: str, version: str) -> list[str]:
    return [
        f"Content-Type: application/x-amz-json-{version}",
        f"X-Amz-Target: {target}",
        "X-Amz-Date: 20260101T000000Z",
        f"Authorization: {AUTH.format(svc=service)}",
    ]


def load(url: str, headers: list[str], body: str, connections: int, seconds: float, method: str = "POST") -> dict:
    cmd = [sys.executable, str(HERE / "loadgen.py"), url, "--body", body, "--method", method,
           "--connections", str(connections), "--seconds", str(seconds)]
    for header in headers:
        cmd += ["--header", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


# -- workloads --------------------------------------------------------------------------

def _query(service: str, action: str, version: str) -> tuple:
    return ("POST", "/", [
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "X-Amz-Date: 20260101T000000Z", f"Authorization: {AUTH.format(svc=service)}",
    ], f"Action={action}&Version={version}")


def _json(service: str, target: str, version: str = "1.1") -> tuple:
    return ("POST", "/", json_headers(service, target, version), "{}")


def _rest(service: str, path: str) -> tuple:
    return ("GET", path, ["X-Amz-Date: 20260101T000000Z", f"Authorization: {AUTH.format(svc=service)}"], "")


#: A first call to each service, as raw HTTP requests (so that what is timed is the server,
#: not boto3 loading its own models): the 7 timed ones, then 3 more for the memory figure.
TOUCH = {
    "sts": _query("sts", "GetCallerIdentity", "2011-06-15"),
    "sqs": _json("sqs", "AmazonSQS.ListQueues", "1.0"),
    "dynamodb": _json("dynamodb", "DynamoDB_20120810.ListTables", "1.0"),
    "s3": _rest("s3", "/"),
    "sns": _query("sns", "ListTopics", "2010-03-31"),
    "iam": _query("iam", "ListUsers", "2010-05-08"),
    "lambda": _rest("lambda", "/2015-03-31/functions/"),
}
TOUCH_MORE = {
    "kms": _json("kms", "TrentService.ListKeys"),
    "secretsmanager": _json("secretsmanager", "secretsmanager.ListSecrets"),
    "logs": _json("logs", "Logs_20140328.DescribeLogGroups"),
}


def call(server: Server, request: tuple) -> float:
    """ms for one request over a new connection (status checked)."""
    method, path, headers, body = request
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    start = time.perf_counter()
    conn.request(method, path, body=body.encode(), headers=dict(h.split(": ", 1) for h in headers))
    resp = conn.getresponse()
    resp.read()
    elapsed = (time.perf_counter() - start) * 1000
    conn.close()
    if resp.status >= 300:
        raise RuntimeError(f"{method} {path}: status {resp.status}")
    return elapsed


def touch(server: Server) -> dict:
    first = {svc: call(server, request) for svc, request in TOUCH.items()}
    later = {svc: statistics.median(call(server, request) for _ in range(5)) for svc, request in TOUCH.items()}
    worst = max(first, key=lambda s: first[s] - later[s])
    out = {
        "touch_ms": sum(first.values()),
        "extra_ms": sum(first[s] - later[s] for s in first),
        "worst_extra": f"{worst} {first[worst] - later[worst]:.0f}",
        "rss_mib": server.rss(),
    }
    for request in TOUCH_MORE.values():
        call(server, request)
    return out | {"rss10_mib": server.rss()}


def throughput(server: Server, args) -> dict:
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="peers-bench")["QueueUrl"]
    ddb = client(server, "dynamodb")
    ddb.create_table(
        TableName="peers-bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="peers-bench", Item={"pk": {"S": "k1"}, "v": {"S": "x" * 100}})
    workloads = {
        "send": (json_headers("sqs", "AmazonSQS.SendMessage", "1.0"),
                 json.dumps({"QueueUrl": url, "MessageBody": "hello from the benchmark"})),
        "getitem": (json_headers("dynamodb", "DynamoDB_20120810.GetItem", "1.0"),
                    json.dumps({"TableName": "peers-bench", "Key": {"pk": {"S": "k1"}}})),
    }
    out = {}
    for name, (headers, body) in workloads.items():
        load(server.endpoint + "/", headers, body, args.connections, 1)  # warm-up
        cpu = server.cpu()
        result = load(server.endpoint + "/", headers, body, args.connections, args.seconds)
        cpu = server.cpu() - cpu
        out[f"{name}_rps"] = result["rate"]
        out[f"{name}_cpu_ms"] = cpu * 1000 / max(1, result["requests"])
        if result["errors"]:
            out[f"{name}_errors"] = result["errors"]
    return out


def bare(server: Server, args) -> dict:
    headers, body = json_headers("sqs", "AmazonSQS.SendMessage", "1.0"), '{"QueueUrl":"x","MessageBody":"y"}'
    load(server.endpoint + "/", headers, body, args.connections, 1)
    cpu = server.cpu()
    result = load(server.endpoint + "/", headers, body, args.connections, args.seconds)
    cpu_ms = (server.cpu() - cpu) * 1000 / max(1, result["requests"])
    return {"send_rps": result["rate"], "getitem_rps": result["rate"], "send_cpu_ms": cpu_ms, "getitem_cpu_ms": cpu_ms}


def sns_delivery(server: Server, messages: int) -> dict:
    sns, sqs = client(server, "sns"), client(server, "sqs")
    topic = sns.create_topic(Name="peers-bench")["TopicArn"]
    url = sqs.create_queue(QueueName="peers-sns")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    for _ in range(10):
        sns.publish(TopicArn=topic, Message="warm-up")
    sqs.purge_queue(QueueUrl=url)
    time.sleep(0.1)
    latencies = []
    for i in range(messages):
        start = time.perf_counter()
        sns.publish(TopicArn=topic, Message=f"message {i}")
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0).get("Messages")
            if got:
                break
        latencies.append((time.perf_counter() - start) * 1000)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    cpu = server.cpu()
    for i in range(messages):
        sns.publish(TopicArn=topic, Message=f"cpu {i}")
    cpu = server.cpu() - cpu
    return {"sns_p50_ms": statistics.median(latencies), "sns_cpu_ms": cpu * 1000 / messages}


def s3_put(server: Server, count: int) -> dict:
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="peers-bench")
    body = b"x" * 1024
    for i in range(20):
        s3.put_object(Bucket="peers-bench", Key=f"warm/{i}", Body=body)
    samples = []
    for i in range(count):
        t = time.perf_counter()
        s3.put_object(Bucket="peers-bench", Key=f"k/{i}", Body=body)
        samples.append((time.perf_counter() - t) * 1000)
    return {"s3_p50_ms": statistics.median(samples), "s3_p99_ms": percentile(samples, 99)}


def create_table(ddb, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )


def batch_load(ddb, table: str, items) -> None:
    batch = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            ddb.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        ddb.batch_write_item(RequestItems={table: batch})


def query(server: Server, queries: int) -> dict:
    ddb = client(server, "dynamodb")
    create_table(ddb, "peers-query")
    batch_load(ddb, "peers-query", (
        {"pk": {"S": "p"}, "sk": {"N": str(i)}, "a": {"S": "v" * 40}, "n": {"N": str(i * 3)}}
        for i in range(2000)
    ))
    got = ddb.query(TableName="peers-query", KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "p"}})
    if got["Count"] != 2000:
        return {"query_error": f"Count {got['Count']}"}
    cpu = server.cpu()
    for _ in range(queries):
        ddb.query(TableName="peers-query", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    return {"query_cpu_ms": (server.cpu() - cpu) * 1000 / queries}


def memory(server: Server, items: int) -> dict:
    ddb = client(server, "dynamodb")
    create_table(ddb, "peers-memory")
    time.sleep(0.5)
    before = server.rss()
    # ~200 bytes each: a key, a 120-character string, a number, a small map
    batch_load(ddb, "peers-memory", (
        {"pk": {"S": f"user#{i % 1000:04d}"}, "sk": {"N": str(i)}, "name": {"S": f"{i:08d}" + "n" * 112},
         "score": {"N": str(i * 7 % 10007)}, "meta": {"M": {"ok": {"BOOL": True}, "tag": {"S": "t" * 16}}}}
        for i in range(items)
    ))
    time.sleep(0.5)
    out = {"mem_per_100k_mib": (server.rss() - before) * 100_000 / items}
    cpu = server.cpu()
    scanned = sum(page["Count"] for page in ddb.get_paginator("scan").paginate(TableName="peers-memory"))
    out["scan_cpu_s"] = server.cpu() - cpu
    if scanned != items:
        out["scan_error"] = f"Count {scanned}"
    return out


def persisted(server: Server, args) -> dict:
    """SendMessage at 16 connections with ``--data-dir``, as a share of in memory."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="cloudtwin-peers-")
    server.extra_args = ["--data-dir", folder]
    try:
        fresh(server)
        figures = throughput(server, args)
    finally:
        server.stop()
        server.extra_args = []
        shutil.rmtree(folder, ignore_errors=True)
    return {"persist_send_rps": figures["send_rps"], "persist_send_cpu_ms": figures["send_cpu_ms"]}


# -- driver -----------------------------------------------------------------------------


def fresh(server: Server) -> float:
    server.stop()
    return server.start()


def run_round(server: Server, args, skip: set[str]) -> dict:
    out: dict = {"load": os.getloadavg()[0]}
    try:
        if server.name == "bare":
            fresh(server)
            return out | bare(server, args)
        out["startup_ms"] = fresh(server)
        if "touch" not in skip:
            out |= touch(server)
        if not skip >= {"send", "getitem"}:
            out |= throughput(server, args)
        if "sns" not in skip:
            out |= sns_delivery(server, args.messages)
        if "s3" not in skip:
            out |= s3_put(server, args.puts)
        if "query" not in skip:
            out |= query(server, args.queries)
        if "memory" not in skip:
            fresh(server)
            out |= memory(server, args.items)
        if server.name == "cloudtwin" and "persist" not in skip:
            out |= persisted(server, args)
    except Exception as exc:  # noqa: BLE001 - a peer failing a workload is a figure too
        out["error"] = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        server.stop()
    return out


ROWS = (
    ("startup_ms", "launch -> health 200 (ms)"),
    ("touch_ms", "first call to 7 services, total (ms)"),
    ("extra_ms", "  first minus later call, summed (ms)"),
    ("worst_extra", "  worst service (ms over a later call)"),
    ("rss_mib", "RSS after touching 7 services (MiB)"),
    ("rss10_mib", "RSS after touching 10 services (MiB)"),
    ("send_rps", "SQS SendMessage/s, 16 conns"),
    ("send_cpu_ms", "  server CPU per SendMessage (ms)"),
    ("getitem_rps", "DynamoDB GetItem/s, 16 conns"),
    ("getitem_cpu_ms", "  server CPU per GetItem (ms)"),
    ("sns_p50_ms", "SNS publish -> receivable in SQS p50 (ms)"),
    ("sns_cpu_ms", "  server CPU per publish, 1 SQS subscriber (ms)"),
    ("s3_p50_ms", "S3 PutObject 1 KiB p50 (ms)"),
    ("s3_p99_ms", "S3 PutObject 1 KiB p99 (ms)"),
    ("query_cpu_ms", "DynamoDB Query of 2,000 items, server CPU (ms)"),
    ("mem_per_100k_mib", "RSS per 100k DynamoDB items of ~200 B (MiB)"),
    ("scan_cpu_s", "  Scan of those items (every page), server CPU (s)"),
    ("persist_send_rps", "SendMessage/s, 16 conns, with --data-dir"),
    ("persist_send_cpu_ms", "  server CPU per SendMessage with --data-dir (ms)"),
    ("load", "load average (1 min) at the round's start"),
)


def median_of(values: list) -> object:
    numbers = [v for v in values if isinstance(v, (int, float))]
    if numbers:
        return statistics.median(numbers)
    return values[len(values) // 2] if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--messages", type=int, default=200, help="SNS publishes per round")
    parser.add_argument("--puts", type=int, default=500, help="S3 PutObject calls per round")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--only", default="cloudtwin,ministack,moto")
    parser.add_argument("--skip", default="", help=f"comma-separated, of {','.join(WORKLOADS)}")
    parser.add_argument("--port", type=int, default=4606, help="cloudtwin's; peers take port+10..+12")
    parser.add_argument("--peer-port", type=int, help="the peers' first port instead of port+10 (they take it and the next two)")
    parser.add_argument("--json", help="also write every round's figures to this file")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    # The peers come from pip, which writes their bytecode; an editable cloudtwin (with
    # PYTHONDONTWRITEBYTECODE set) would compile its modules at every start: compile them
    # once, as installing a wheel does.
    import cloudtwin

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(cloudtwin.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)
    names = [n for n in args.only.split(",") if n]
    for name in names:
        if name in PACKAGES:
            install(name)
    peer = args.peer_port if args.peer_port is not None else args.port + 10
    ports = {"cloudtwin": args.port, "ministack": peer, "moto": peer + 1, "bare": peer + 2}
    servers = [Server(n, ports[n]) for n in names]
    if not skip >= {"send", "getitem"} and "cloudtwin" in names:
        servers.append(Server("bare", ports["bare"]))
    results: dict[str, list[dict]] = {s.name: [] for s in servers}
    for r in range(args.rounds):
        order = servers[r % len(servers):] + servers[: r % len(servers)]
        for server in order:
            figures = run_round(server, args, skip)
            results[server.name].append(figures)
            print(f"round {r + 1} {server.name}: {json.dumps(figures, default=str)}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    table_names = [n for n in names]
    print(f"\n{'figure (median of ' + str(args.rounds) + ' rounds)':<50}" + "".join(f"{n:>14}" for n in table_names))
    for key, label in ROWS:
        cells = []
        for name in table_names:
            value = median_of([f[key] for f in results[name] if key in f])
            cells.append("—" if value is None else f"{value:,.2f}" if isinstance(value, float) else str(value))
        if any(c != "—" for c in cells):
            print(f"{label:<50}" + "".join(f"{c:>14}" for c in cells))
    if "bare" in results and "cloudtwin" in results:
        for key in ("send_rps", "getitem_rps"):
            limit = median_of([f[key] for f in results["bare"] if key in f])
            for name in table_names:
                value = median_of([f[key] for f in results[name] if key in f])
                if isinstance(value, float) and limit:
                    print(f"{name} {key.split('_')[0]}: {value / limit:.0%} of the bare ASGI app's rate ({limit:,.0f} req/s)")
            cpu_key = key.replace("_rps", "_cpu_ms")
            floor = median_of([f[cpu_key] for f in results["bare"] if cpu_key in f])
            for name in table_names:
                value = median_of([f[cpu_key] for f in results[name] if cpu_key in f])
                if isinstance(value, float) and value and floor:
                    print(f"{name} {key.split('_')[0]}: {floor / value:.0%} of the bare ASGI app by server CPU "
                          f"per request ({floor * 1000:.0f} µs vs {value * 1000:.0f} µs)")
    errors = {n: [f["error"] for f in rs if "error" in f] for n, rs in results.items()}
    for name, errs in errors.items():
        for err in errs:
            print(f"{name}: {err}")


if __name__ == "__main__":
    main()
