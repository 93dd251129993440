"""End to end: a ``cloudtwin start --data-dir`` server restarted (stopped, or killed) while
executions run; they resume where they were — a task token issued before the restart
completes its task after it, a Wait keeps its deadline on the virtual clock, a finished
state is not run again (its side effect not repeated), and the history goes on without a
duplicated event."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config

from cloudtwin.client import Client
from cloudtwin.testing.server import free_port, start_process

ROLE = "arn:aws:iam::000000000000:role/sfn"


class Server:
    """One data dir, one port; a server process that can be stopped and started again."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc = start_process(self.port, "--data-dir", str(data_dir))
        endpoint = f"http://127.0.0.1:{self.port}"
        self.control = Client(endpoint)
        config = Config(inject_host_prefix=False, retries={"total_max_attempts": 1}, read_timeout=20)
        self.sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test", config=config)
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="test", aws_secret_access_key="test", config=config)

    def restart(self, how: signal.Signals = signal.SIGTERM) -> None:
        self.proc.send_signal(how)
        self.proc.wait(20)
        self.proc = start_process(self.port, "--data-dir", str(self.data_dir))

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path / "state")
    running.control.freeze()
    yield running
    running.close()


def until(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll the server (real time: the execution runs in the server's event loop)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def history(sfn, arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def last_type(sfn, arn: str) -> Callable[[], str]:
    return lambda: history(sfn, arn)[-1]["type"]


def assert_one_history(events: list[dict]) -> None:
    """Ids 1..n in order, and no state entered or left twice (none of these machines loops)."""
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    names = Counter((e["type"], (e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {})
                     .get("name")) for e in events)
    assert max(names.values()) == 1, names


def test_token_task_and_wait_resume_after_restarts(server):
    sfn, sqs = server.sfn, server.sqs
    url = sqs.create_queue(QueueName="asks")["QueueUrl"]
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"order": 7}, "Assign": {"order.$": "$.order"}, "Next": "Ask"},
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}},
                "ResultPath": "$.answer", "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 3600, "Next": "Report"},
        "Report": {"Type": "Pass", "Parameters": {"order.$": "$order", "answer.$": "$.answer"}, "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    machine = sfn.create_state_machine(name="resume", definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    until(lambda: last_type(sfn, arn)() == "TaskSubmitted", "the task to be submitted")

    server.restart()  # while the task waits for its token
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1  # the message was sent once: the Task was not run again
    token = json.loads(messages[0]["Body"])["token"]
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output=json.dumps({"ok": True}))

    server.restart(signal.SIGKILL)  # the answer was acknowledged: it is durable
    until(lambda: last_type(sfn, arn)() == "WaitStateEntered", "the Wait state")
    server.control.advance(1800)
    server.restart()  # halfway through the hour
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    server.control.advance(1799)
    time.sleep(0.1)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # 1 s to go
    server.control.advance(1)
    done = until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                 "the execution to end")

    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"order": 7, "answer": {"ok": True}}
    events = history(sfn, arn)
    assert_one_history(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled",
        "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "WaitStateEntered", "WaitStateExited",
        "PassStateEntered", "PassStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]
    entered = next(e for e in events if e["type"] == "WaitStateEntered")["timestamp"]
    exited = next(e for e in events if e["type"] == "WaitStateExited")["timestamp"]
    assert (exited - entered).total_seconds() == pytest.approx(3600, abs=1)


def _asks(sqs, url: str, count: int) -> list[dict]:
    """The next ``count`` messages of the queue (deleted as read)."""
    found: list[dict] = []

    def receive() -> bool:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(found) >= count

    until(receive, f"{count} messages")
    return found


def test_map_iterations_and_a_retry_resume_after_a_restart(server):
    sfn, sqs = server.sfn, server.sqs
    url = sqs.create_queue(QueueName="items")["QueueUrl"]
    ask = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
           "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "item.$": "$"}}}
    definition = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Again", "ResultPath": "$.results",
                 "ItemProcessor": {"StartAt": "Ask", "States": {"Ask": {**ask, "End": True}}}},
        "Again": {**ask, "Parameters": {**ask["Parameters"], "MessageBody": {"token.$": "$$.Task.Token",
                                                                             "item": "again"}},
                  "ResultPath": "$.again", "End": True,
                  "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 600, "MaxAttempts": 2}]}}}
    machine = sfn.create_state_machine(name="threads", definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"],
                              input=json.dumps({"items": [1, 2, 3]}))["executionArn"]
    asks = {a["item"]: a["token"] for a in _asks(sqs, url, 3)}
    sfn.send_task_success(taskToken=asks[2], output='"two"')
    until(lambda: any(e["type"] == "MapIterationSucceeded" for e in history(sfn, arn)), "an iteration to end")

    server.restart()
    sfn.send_task_success(taskToken=asks[1], output='"one"')
    sfn.send_task_success(taskToken=asks[3], output='"three"')
    first = _asks(sqs, url, 1)
    assert [a["item"] for a in first] == ["again"]  # each iteration's message was sent once
    sfn.send_task_failure(taskToken=first[0]["token"], error="Busy")
    until(lambda: last_type(sfn, arn)() == "TaskFailed", "the failure")

    server.restart()  # during the 600 s before the retry
    server.control.advance(599)
    time.sleep(0.1)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # not retried yet
    server.control.advance(1)
    retried = _asks(sqs, url, 1)
    sfn.send_task_success(taskToken=retried[0]["token"], output='"done"')
    done = until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                 "the execution to end")

    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"items": [1, 2, 3], "results": ["one", "two", "three"], "again": "done"}
    events = history(sfn, arn)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    started = Counter(e["mapIterationStartedEventDetails"]["index"] for e in events
                      if e["type"] == "MapIterationStarted")
    assert started == {0: 1, 1: 1, 2: 1}
    assert [e["type"] for e in events].count("TaskScheduled") == 5  # 3 iterations, 2 attempts


def test_parallel_branches_and_activities_resume_after_a_restart(server):
    sfn = server.sfn
    early = sfn.create_activity(name="early")["activityArn"]
    late = sfn.create_activity(name="late")["activityArn"]
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Early", "States": {"Early": {"Type": "Task", "Resource": early, "End": True}}},
        {"StartAt": "Late", "States": {"Late": {"Type": "Task", "Resource": late, "End": True}}},
        {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 100, "End": True}}}]}}}
    machine = sfn.create_state_machine(name="branches", definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"n": 1}')["executionArn"]
    until(lambda: [e["type"] for e in history(sfn, arn)].count("ActivityScheduled") == 2, "the activities")
    taken = sfn.get_activity_task(activityArn=early, workerName="w1")  # a worker has it before the restart

    server.restart(signal.SIGKILL)
    sfn.send_task_success(taskToken=taken["taskToken"], output='"early"')
    offered = sfn.get_activity_task(activityArn=late, workerName="w2")  # offered again after the restart
    assert json.loads(offered["input"]) == {"n": 1}
    sfn.send_task_success(taskToken=offered["taskToken"], output='"late"')
    time.sleep(0.1)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # the Wait is not over
    server.control.advance(100)
    done = until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                 "the execution to end")

    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == ["early", "late", {"n": 1}]
    types = Counter(e["type"] for e in history(sfn, arn))
    assert types["ParallelStateStarted"] == 1 and types["ActivityScheduled"] == 2
    assert types["ActivityStarted"] == 2 and types["ActivitySucceeded"] == 2 and types["WaitStateEntered"] == 1


def test_a_parent_waiting_on_a_sync_child_resumes_with_it(server):
    sfn = server.sfn
    child = sfn.create_state_machine(name="child", roleArn=ROLE, definition=json.dumps({"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 100, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "rested", "End": True}}}))["stateMachineArn"]
    parent = sfn.create_state_machine(name="parent", roleArn=ROLE, definition=json.dumps({"StartAt": "Run", "States": {
        "Run": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child}, "OutputPath": "$.Output", "End": True}}}))["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=parent)["executionArn"]
    until(lambda: last_type(sfn, arn)() == "TaskSubmitted", "the child to start")

    server.restart(signal.SIGKILL)
    server.control.advance(100)
    done = until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                 "the parent to end")
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == "rested"
    assert len(sfn.list_executions(stateMachineArn=child)["executions"]) == 1  # the child was started once


def test_a_failed_execution_is_redriven_from_its_failed_state_after_a_restart(server):
    sfn, sqs = server.sfn, server.sqs
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "left", "End": True}}},
        {"StartAt": "Right", "States": {"Right": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:getQueueUrl",
            "Parameters": {"QueueName": "later"}, "ResultSelector": {"found": True}, "End": True}}},
    ]}}}  # fmt: skip
    machine = sfn.create_state_machine(name="redrive", definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    until(lambda: sfn.describe_execution(executionArn=arn)["status"] == "FAILED", "the execution to fail")

    server.restart(signal.SIGKILL)  # what a redrive needs was kept on disk
    sqs.create_queue(QueueName="later")
    sfn.redrive_execution(executionArn=arn)
    done = until(lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d,
                 "the redriven execution to end")
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", ["left", {"found": True}])
    names = Counter(e["stateEnteredEventDetails"]["name"] for e in history(sfn, arn) if "stateEnteredEventDetails" in e)
    assert (names["Left"], names["Right"]) == (1, 2)
