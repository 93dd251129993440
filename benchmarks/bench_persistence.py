"""What ``--data-dir`` costs: the same write workloads against an in-memory server and a
``--data-dir`` server, interleaved, over several rounds.

    .venv/bin/python benchmarks/bench_persistence.py [--rounds 5] [--seconds 5] [--connections 16]
        [--workloads send,putitem,putobject] [--port 4630] [--json FILE]

Each round starts both servers afresh (the ``--data-dir`` one on an empty directory), then
for each workload warms both up (1 s each) and measures them in ``--slices`` alternating
slices of ``--seconds`` / ``--slices`` each (the first server alternating from round to
round and workload to workload), so both see the same machine, however busy it is:
``loadgen.py`` at ``--connections`` keep-alive connections, requests/s over all the slices,
and the server's CPU per request (user + system from ``/proc``, which holds on a busy
machine where rates do not). Workloads:

- ``send``: SQS SendMessage (a new message row per request);
- ``putitem``: DynamoDB PutItem of one ~150-byte item (the same key: an upsert per request);
- ``putobject``: S3 PutObject of 1 KiB (the same key: an overwrite per request).

The table shows, per workload, the median over the rounds of each server's figures and of
the per-round ratio ``--data-dir`` / in memory (rate, and in-memory CPU / ``--data-dir``
CPU: both are "share of in-memory throughput", the second independent of what else the
machine runs), with the load average at each round's start.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from peers import AUTH, Server, client, json_headers, load

WORKLOADS = ("send", "putitem", "putobject")


def prepare(server: Server) -> dict[str, tuple[str, str, list[str], str]]:
    """Create what the workloads write to; ``{workload: (method, url, headers, body)}``."""
    sqs = client(server, "sqs")
    queue = sqs.create_queue(QueueName="persist-bench")["QueueUrl"]
    ddb = client(server, "dynamodb")
    ddb.create_table(
        TableName="persist-bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    client(server, "s3").create_bucket(Bucket="persist-bench")
    item = {"pk": {"S": "k1"}, "name": {"S": "n" * 100}, "n": {"N": "42"}, "ok": {"BOOL": True}}
    return {
        "send": ("POST", server.endpoint + "/", json_headers("sqs", "AmazonSQS.SendMessage", "1.0"),
                 json.dumps({"QueueUrl": queue, "MessageBody": "hello from the benchmark"})),
        "putitem": ("POST", server.endpoint + "/", json_headers("dynamodb", "DynamoDB_20120810.PutItem", "1.0"),
                    json.dumps({"TableName": "persist-bench", "Item": item})),
        "putobject": ("PUT", server.endpoint + "/persist-bench/object-1k", [
            "Content-Type: application/octet-stream", "X-Amz-Date: 20260101T000000Z",
            "X-Amz-Content-SHA256: UNSIGNED-PAYLOAD", f"Authorization: {AUTH.format(svc='s3')}",
        ], "x" * 1024),
    }


def measure(pair: list[tuple[str, Server, tuple]], connections: int, seconds: float, slices: int) -> dict:
    """``{label: figures}`` for the servers of ``pair``, measured in alternating slices."""
    totals = {label: {"requests": 0, "seconds": 0.0, "cpu": 0.0, "errors": 0} for label, _, _ in pair}
    for _, _, (method, url, headers, body) in pair:
        load(url, headers, body, connections, 1, method)  # warm-up
    for _ in range(slices):
        for label, server, (method, url, headers, body) in pair:
            cpu = server.cpu()
            result = load(url, headers, body, connections, seconds / slices, method)
            total = totals[label]
            total["cpu"] += server.cpu() - cpu
            total["requests"] += result["requests"]
            total["seconds"] += result["seconds"]
            total["errors"] += result["errors"]
    out = {}
    for label, total in totals.items():
        out[label] = {"rps": total["requests"] / total["seconds"],
                      "cpu_ms": total["cpu"] * 1000 / max(1, total["requests"])}
        if total["errors"]:
            out[label]["errors"] = total["errors"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--slices", type=int, default=5, help="alternating slices per measurement")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--port", type=int, default=4630, help="in memory; --data-dir takes the next")
    parser.add_argument("--json", help="also write every round's figures to this file")
    args = parser.parse_args()
    workloads = [w for w in args.workloads.split(",") if w]
    memory, disk = Server("cloudtwin", args.port), Server("cloudtwin", args.port + 1)
    rounds: list[dict] = []
    for r in range(args.rounds):
        folder = tempfile.mkdtemp(prefix="cloudtwin-persist-bench-")
        disk.extra_args = ["--data-dir", folder]
        figures: dict = {"load": os.getloadavg()[0]}
        try:
            memory.start()
            disk.start()
            requests = {"memory": prepare(memory), "disk": prepare(disk)}
            for w, name in enumerate(workloads):
                pair = [("memory", memory, requests["memory"][name]), ("disk", disk, requests["disk"][name])]
                if (r + w) % 2:
                    pair.reverse()
                for label, result in measure(pair, args.connections, args.seconds, args.slices).items():
                    figures[f"{name}_{label}"] = result
        finally:
            memory.stop()
            disk.stop()
            shutil.rmtree(folder, ignore_errors=True)
        rounds.append(figures)
        print(f"round {r + 1}: {json.dumps(figures)}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(rounds, indent=1))

    def med(values: list[float]) -> float:
        return statistics.median(values)

    loads = ", ".join(f"{f['load']:.2f}" for f in rounds)
    print(f"\n{args.rounds} rounds x {args.seconds:g} s in {args.slices} slices, {args.connections} connections; "
          f"load average (1 min) "
          f"at each round's start: {loads}")
    print(f"{'workload':<12}{'mem req/s':>11}{'disk req/s':>11}{'rate ratio':>11}"
          f"{'mem CPU ms':>11}{'disk CPU ms':>12}{'CPU ratio':>10}")
    for name in workloads:
        mem = [f[f"{name}_memory"] for f in rounds]
        dsk = [f[f"{name}_disk"] for f in rounds]
        rate_ratio = med([d["rps"] / m["rps"] for m, d in zip(mem, dsk)])
        cpu_ratio = med([m["cpu_ms"] / d["cpu_ms"] for m, d in zip(mem, dsk)])
        print(f"{name:<12}{med([m['rps'] for m in mem]):>11,.0f}{med([d['rps'] for d in dsk]):>11,.0f}"
              f"{rate_ratio:>11.0%}{med([m['cpu_ms'] for m in mem]):>11.3f}"
              f"{med([d['cpu_ms'] for d in dsk]):>12.3f}{cpu_ratio:>10.0%}")
        errors = sum(x.get("errors", 0) for x in mem + dsk)
        if errors:
            print(f"  {name}: {errors} non-2xx answers")


if __name__ == "__main__":
    main()
