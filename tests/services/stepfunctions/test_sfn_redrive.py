"""RedriveExecution: an execution that failed goes on from its unsuccessful step (the states
that succeeded are not run again, the failed one runs with the input it had), a Parallel
reruns only its failed branch and a Map only its failed iteration; SUCCEEDED, EXPRESS and
too old executions are not redrivable.

A task that fails the first time: ``aws-sdk:sqs:getQueueUrl`` of a queue that does not exist
yet; the test creates the queue, then redrives."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from sfn_helpers import finished, history

LOOKUP = "arn:aws:states:::aws-sdk:sqs:getQueueUrl"


def lookup(next_state: str | None = None, **extra) -> dict:
    state = {"Type": "Task", "Resource": LOOKUP, "Parameters": {"QueueName.$": "$.queue"}, **extra}
    return {**state, **({"Next": next_state} if next_state else {"End": True})}


def named(found: dict) -> str:
    """The queue a getQueueUrl result names (its URL's host is the internal client's)."""
    return found["QueueUrl"].rsplit("/", 1)[-1]


def entered(events: list[dict], name: str) -> list[dict]:
    return [e for e in events if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == name]


@pytest.fixture
def sqs(aws_client):
    return aws_client("sqs")


def start_failed(sfn, machine, definition: dict, value: dict) -> str:
    arn = machine(definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(value))["executionArn"]
    described = finished(sfn, execution)
    assert described["status"] == "FAILED"
    assert described["redriveStatus"] == "REDRIVABLE"
    return execution


def test_redrive_goes_on_from_the_failed_state(sfn, machine, sqs):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"queue": queue}, "Next": "Lookup"},
        "Lookup": lookup("Done"),
        "Done": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    execution = start_failed(sfn, machine, definition, {})
    before = history(sfn, execution)
    assert before[-1]["type"] == "ExecutionFailed"
    assert before[-1]["executionFailedEventDetails"]["error"].endswith(".QueueDoesNotExistException")

    sqs.create_queue(QueueName=queue)
    redriven = sfn.redrive_execution(executionArn=execution)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert described["redriveCount"] == 1
    assert described["redriveDate"] == redriven["redriveDate"]
    assert named(json.loads(described["output"])) == queue

    events = history(sfn, execution)
    assert events[:len(before)] == before  # the history goes on
    again = events[len(before)]
    assert again["type"] == "ExecutionRedriven"
    assert again["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert again["id"] == len(before) + 1
    assert len(entered(events, "Prepare")) == 1  # succeeded: not run again
    first, second = entered(events, "Lookup")
    assert second["id"] == again["id"] + 1 and second["previousEventId"] == again["id"]
    assert second["stateEnteredEventDetails"]["input"] == first["stateEnteredEventDetails"]["input"]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "ExecutionSucceeded"

    listed = sfn.list_executions(stateMachineArn=described["stateMachineArn"], redriveFilter="REDRIVEN")
    assert [e["executionArn"] for e in listed["executions"]] == [execution]


def test_redrive_of_a_parallel_reruns_only_the_failed_branch(sfn, machine, sqs):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "left", "End": True}}},
        {"StartAt": "Right", "States": {"Right": lookup()}},
    ]}}}  # fmt: skip
    execution = start_failed(sfn, machine, definition, {"queue": queue})
    sqs.create_queue(QueueName=queue)
    sfn.redrive_execution(executionArn=execution)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    left, right = json.loads(described["output"])
    assert (left, named(right)) == ("left", queue)
    events = history(sfn, execution)
    assert len(entered(events, "Left")) == 1
    assert len(entered(events, "Right")) == 2
    assert len(entered(events, "Both")) == 2
    after = [e["type"] for e in events[[e["type"] for e in events].index("ExecutionRedriven"):]]
    assert after[:3] == ["ExecutionRedriven", "ParallelStateEntered", "ParallelStateStarted"]
    assert after[-3:] == ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]


def test_redrive_of_a_map_reruns_only_the_failed_iteration(sfn, machine, sqs):
    present, missing = f"q-{uuid.uuid4().hex[:8]}", f"q-{uuid.uuid4().hex[:8]}"
    sqs.create_queue(QueueName=present)
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.queues", "MaxConcurrency": 1, "End": True,
        "ItemSelector": {"queue.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "Find", "States": {"Find": lookup()}},
    }}}  # fmt: skip
    execution = start_failed(sfn, machine, definition, {"queues": [present, missing]})
    sqs.create_queue(QueueName=missing)
    sfn.redrive_execution(executionArn=execution)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert [named(found) for found in json.loads(described["output"])] == [present, missing]
    events = history(sfn, execution)
    inputs = [json.loads(e["stateEnteredEventDetails"]["input"])["queue"] for e in entered(events, "Find")]
    assert inputs == [present, missing, missing]  # the iteration that succeeded ran once
    started = [e["mapIterationStartedEventDetails"]["index"] for e in events if e["type"] == "MapIterationStarted"]
    assert started == [0, 1, 1]


def test_a_redriven_execution_that_fails_again_can_be_redriven_again(sfn, machine, sqs):
    queue = f"q-{uuid.uuid4().hex[:8]}"
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Next": "Lookup"}, "Lookup": lookup()}}
    execution = start_failed(sfn, machine, definition, {"queue": queue})
    sfn.redrive_execution(executionArn=execution)
    assert finished(sfn, execution)["status"] == "FAILED"
    sqs.create_queue(QueueName=queue)
    sfn.redrive_execution(executionArn=execution)
    described = finished(sfn, execution)
    assert (described["status"], described["redriveCount"]) == ("SUCCEEDED", 2)
    events = history(sfn, execution)
    assert len(entered(events, "Prepare")) == 1
    assert len(entered(events, "Lookup")) == 3
    redrives = [e["executionRedrivenEventDetails"]["redriveCount"] for e in events if e["type"] == "ExecutionRedriven"]
    assert redrives == [1, 2]


def _not_redrivable(sfn, arn: str) -> str:
    with pytest.raises(ClientError) as info:
        sfn.redrive_execution(executionArn=arn)
    assert info.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return info.value.response["Error"]["Message"]


def test_succeeded_and_express_executions_are_not_redrivable(sfn, machine):
    passing = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    execution = sfn.start_execution(stateMachineArn=passing)["executionArn"]
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert _not_redrivable(sfn, execution) == described["redriveStatusReason"]

    express = machine({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}, "EXPRESS")
    arn = sfn.start_execution(stateMachineArn=express)["executionArn"]
    assert ":express:" in arn
    _not_redrivable(sfn, arn)


def test_an_execution_is_redrivable_for_14_days(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    failing = machine({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}})
    execution = sfn.start_execution(stateMachineArn=failing)["executionArn"]
    assert finished(sfn, execution)["status"] == "FAILED"
    cloudtwin_client.advance(14 * 86400)
    assert sfn.describe_execution(executionArn=execution)["redriveStatus"] == "REDRIVABLE"
    cloudtwin_client.advance(1)
    described = sfn.describe_execution(executionArn=execution)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert _not_redrivable(sfn, execution) == described["redriveStatusReason"]


def test_redrive_of_a_distributed_map_redrives_its_map_run(sfn, machine, sqs):
    present, missing = f"q-{uuid.uuid4().hex[:8]}", f"q-{uuid.uuid4().hex[:8]}"
    sqs.create_queue(QueueName=present)
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.queues", "End": True, "ItemSelector": {"queue.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Find", "States": {"Find": lookup()}},
    }}}  # fmt: skip
    execution = start_failed(sfn, machine, definition, {"queues": [present, missing]})
    run_arn = sfn.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"]
    assert sfn.describe_map_run(mapRunArn=run_arn)["status"] == "FAILED"
    sqs.create_queue(QueueName=missing)
    sfn.redrive_execution(executionArn=execution)
    described = finished(sfn, execution)
    assert described["status"] == "SUCCEEDED"
    assert [named(found) for found in json.loads(described["output"])] == [present, missing]
    events = history(sfn, execution)
    kinds = [e["type"] for e in events]
    assert kinds.count("MapRunStarted") == 1
    redriven = next(e for e in events if e["type"] == "MapRunRedriven")
    assert redriven["mapRunRedrivenEventDetails"] == {"mapRunArn": run_arn, "redriveCount": 1}
    assert kinds[kinds.index("ExecutionRedriven"):] == [
        "ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapRunRedriven", "MapRunSucceeded",
        "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    run = sfn.describe_map_run(mapRunArn=run_arn)
    assert (run["status"], run["redriveCount"]) == ("SUCCEEDED", 1)
    assert run["itemCounts"]["succeeded"] == 2 and run["itemCounts"]["failed"] == 0
    assert len(sfn.list_map_runs(executionArn=execution)["mapRuns"]) == 1


def test_an_aborted_execution_is_redriven_from_the_state_it_was_in(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    definition = {"StartAt": "Before", "States": {
        "Before": {"Type": "Pass", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 60, "Next": "After"},
        "After": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    arn = machine(definition)
    execution = sfn.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=execution)
    assert finished(sfn, execution)["status"] == "ABORTED"
    sfn.redrive_execution(executionArn=execution)
    cloudtwin_client.advance(59)
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"  # the Wait starts again
    cloudtwin_client.advance(1)
    described = finished(sfn, execution)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"n": 1})
    events = history(sfn, execution)
    assert [len(entered(events, name)) for name in ("Before", "Pause", "After")] == [1, 2, 1]


def test_a_retried_parallel_runs_all_its_branches_again_then_a_redrive_only_the_failed_one(
        sfn, machine, sqs, cloudtwin_client):
    cloudtwin_client.freeze()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    definition = {"StartAt": "Both", "States": {"Both": {
        "Type": "Parallel", "End": True, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
        "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {"Right": lookup()}},
        ]}}}  # fmt: skip
    arn = machine(definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"queue": queue}))["executionArn"]
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"
    cloudtwin_client.advance(1)
    assert finished(sfn, execution)["status"] == "FAILED"
    assert [len(entered(history(sfn, execution), name)) for name in ("Left", "Right")] == [2, 2]
    sqs.create_queue(QueueName=queue)
    sfn.redrive_execution(executionArn=execution)
    assert finished(sfn, execution)["status"] == "SUCCEEDED"
    assert [len(entered(history(sfn, execution), name)) for name in ("Left", "Right")] == [2, 3]


def test_the_same_client_token_gets_the_same_answer(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    definition = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 60, "End": True}}}
    arn = machine(definition)
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=execution)
    assert finished(sfn, execution)["status"] == "ABORTED"
    first = sfn.redrive_execution(executionArn=execution, clientToken="once")
    again = sfn.redrive_execution(executionArn=execution, clientToken="once")
    assert again["redriveDate"] == first["redriveDate"]  # the same request: not redriven twice
    assert sfn.describe_execution(executionArn=execution)["redriveCount"] == 1
    assert _not_redrivable(sfn, execution) == "Execution is RUNNING and cannot be redriven"
    cloudtwin_client.advance(15 * 60 + 1)
    assert finished(sfn, execution)["status"] == "SUCCEEDED"
    with pytest.raises(ClientError):  # the token is no longer remembered
        sfn.redrive_execution(executionArn=execution, clientToken="once")


def test_a_timed_out_execution_is_redriven_with_its_timeout_counted_from_the_redrive(
        sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    definition = {"TimeoutSeconds": 10, "StartAt": "First", "States": {
        "First": {"Type": "Wait", "Seconds": 8, "Next": "Second"},
        "Second": {"Type": "Wait", "Seconds": 8, "End": True},
    }}  # fmt: skip
    execution = sfn.start_execution(stateMachineArn=machine(definition))["executionArn"]
    cloudtwin_client.advance(8)
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"
    cloudtwin_client.advance(2)
    assert finished(sfn, execution)["status"] == "TIMED_OUT"
    sfn.redrive_execution(executionArn=execution)
    cloudtwin_client.advance(8)  # 18 s after the start, 8 s after the redrive
    assert finished(sfn, execution)["status"] == "SUCCEEDED"
    events = history(sfn, execution)
    assert [len(entered(events, name)) for name in ("First", "Second")] == [1, 2]
