"""CloudFormation's figures: the time from CreateStack to CREATE_COMPLETE (as boto3's waiter
sees it) of a 50-resource stack — 25 queues and 25 topics, half of the topics subscribed to a
queue through GetAtt, so the engine orders and parallelises — then its update (every queue
renamed: 25 replacements) and its deletion.

    .venv/bin/python benchmarks/bench_cloudformation.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import boto3

from _servers import free_port, start_cloudtwin, stop, wait_healthy


def template(suffix: str) -> str:
    resources: dict = {}
    for i in range(25):
        resources[f"Queue{i}"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"bench-{suffix}-{i}"}}
        resources[f"Topic{i}"] = {"Type": "AWS::SNS::Topic"}
    for i in range(0, 25, 2):  # 13 subscriptions make it 63 resources: the 50 plus the wiring
        resources[f"Sub{i}"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": f"Topic{i}"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": [f"Queue{i}", "Arn"]}}}
    return json.dumps({"Resources": resources})


def timed(action, *args) -> float:
    started = time.perf_counter()
    action(*args)
    return (time.perf_counter() - started) * 1000


def run(endpoint: str, index: int) -> tuple[float, float, float]:
    cfn = boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    name = f"bench{index}"
    fast = {"Delay": 1, "MaxAttempts": 120}

    def create() -> None:
        cfn.create_stack(StackName=name, TemplateBody=template(f"a{index}"))
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=fast)

    def update() -> None:
        cfn.update_stack(StackName=name, TemplateBody=template(f"b{index}"))
        cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=fast)

    def delete() -> None:
        cfn.delete_stack(StackName=name)
        cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=fast)

    created = timed(create)
    resources = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert len(resources) == 63 and all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources), resources
    updated = timed(update)
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    return created, updated, timed(delete)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = start_cloudtwin(port)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_healthy(endpoint)
        results = [run(endpoint, i) for i in range(args.runs)]
    finally:
        stop(server)
    for label, values in zip(("create (63 resources)", "update (25 replacements)", "delete"), zip(*results)):
        print(f"{label:28s} median {statistics.median(values):8.1f} ms   runs: {', '.join(f'{v:.0f}' for v in values)}")


if __name__ == "__main__":
    main()
