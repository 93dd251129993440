"""Step Functions' figures: EXPRESS executions/s of a 10-state Pass machine
(StartSyncExecution, several clients), a Map of 10,000 items, and the time to advance the
virtual clock through a 1,000-step Wait loop.

    .venv/bin/python benchmarks/bench_stepfunctions.py [--duration 5] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import boto3
from botocore.config import Config

from cloudtwin.client import Client

from _servers import free_port, start_cloudtwin, stop, wait_healthy

ROLE = "arn:aws:iam::000000000000:role/bench"


def client(endpoint: str, service: str = "stepfunctions"):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}))


def express_rate(endpoint: str, duration: float, clients: int) -> float:
    sfn = client(endpoint)
    states = {f"S{i}": {"Type": "Pass", "Result": {"step": i}, "ResultPath": f"$.s{i}",
                        **({"Next": f"S{i + 1}"} if i < 9 else {"End": True})} for i in range(10)}
    arn = sfn.create_state_machine(name="express10", type="EXPRESS", roleArn=ROLE,
                                   definition=json.dumps({"StartAt": "S0", "States": states}))["stateMachineArn"]
    counts = [0] * clients
    deadline = time.perf_counter() + duration

    def work(slot: int) -> None:
        mine = client(endpoint)
        while time.perf_counter() < deadline:
            result = mine.start_sync_execution(stateMachineArn=arn, input='{"n": 1}')
            assert result["status"] == "SUCCEEDED"
            counts[slot] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def wait_done(sfn, execution: str, timeout: float = 600) -> dict:
    deadline = time.perf_counter() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.perf_counter() > deadline:
            return described
        time.sleep(0.01)


def map_of(endpoint: str, items: int) -> float:
    sfn = client(endpoint)
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "Double", "States": {"Double": {
            "Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": True}}}, "End": True}}}
    arn = sfn.create_state_machine(name="map10k", roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": list(range(items))}))
    done = wait_done(sfn, execution["executionArn"])
    elapsed = time.perf_counter() - started
    assert done["status"] == "SUCCEEDED", done
    return elapsed


def wait_loop(endpoint: str, steps: int) -> tuple[float, int]:
    sfn = client(endpoint)
    definition = {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.i", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Count"},
        "Count": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Again?"},
        "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": steps, "Next": "Wait"}],
                   "Default": "Done"},
        "Done": {"Type": "Succeed"}}}  # fmt: skip
    arn = sfn.create_state_machine(name="waits", roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]
    control = Client(endpoint)
    control.freeze()
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    advances = 0
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        control.advance(3600)
        advances += 1
    return time.perf_counter() - started, advances


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{endpoint}/_cloudtwin/health")
        rate = express_rate(endpoint, args.duration, args.clients)
        print(f"EXPRESS 10-state Pass machine, StartSyncExecution, {args.clients} clients: {rate:,.0f} executions/s")
        print(f"Map of 10,000 items (inline, Pass): {map_of(endpoint, 10_000):.2f} s")
        seconds, advances = wait_loop(endpoint, 1000)
        print(f"1,000-step Wait loop (1 h each) advanced by the clock: {seconds:.2f} s ({advances} advances)")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
