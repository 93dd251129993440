"""The interpreter through the API: the AWS documentation's sample machines, JSONPath input
and output processing, the context object, history event sequences, Retry/Catch and Wait on
the virtual clock, and runtime errors with AWS's causes."""

from __future__ import annotations

import json

from sfn_helpers import finished, history, types


def test_hello_world_pass_choice_wait_history(sfn, run):
    """AWS's "Hello world" sample: Pass, Choice, Wait (0 s), Parallel and Succeed."""
    definition = {
        "StartAt": "Pass", "States": {
            "Pass": {"Type": "Pass", "Next": "Hello World example?"},
            "Hello World example?": {"Type": "Choice", "Choices": [
                {"Variable": "$.IsHelloWorldExample", "BooleanEquals": True, "Next": "Yes"},
                {"Variable": "$.IsHelloWorldExample", "BooleanEquals": False, "Next": "No"}],
                "Default": "Yes"},
            "Yes": {"Type": "Pass", "Next": "Wait 0 sec"},
            "No": {"Type": "Fail", "Cause": "Not Hello World"},
            "Wait 0 sec": {"Type": "Wait", "Seconds": 0, "Next": "Parallel State"},
            "Parallel State": {"Type": "Parallel", "Next": "Hello World", "Branches": [
                {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}},
                {"StartAt": "World", "States": {"World": {"Type": "Pass", "End": True}}}]},
            "Hello World": {"Type": "Succeed"}}}  # fmt: skip
    done = run(definition, {"IsHelloWorldExample": True})
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == [{"IsHelloWorldExample": True}] * 2
    events = history(sfn, done["executionArn"])
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered", "ChoiceStateExited",
        "PassStateEntered", "PassStateExited", "WaitStateEntered", "WaitStateExited", "ParallelStateEntered",
        "ParallelStateStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited",
        "ParallelStateSucceeded", "ParallelStateExited", "SucceedStateEntered", "SucceedStateExited",
        "ExecutionSucceeded"]  # fmt: skip
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["previousEventId"] == 0 and events[1]["previousEventId"] == 0
    exited = next(e for e in events if e["type"] == "ParallelStateExited")
    # AWS chains the Parallel state's exit to the branches' last event, not to ParallelStateSucceeded
    assert exited["previousEventId"] == exited["id"] - 2
    assert all(e["previousEventId"] == e["id"] - 1 for e in events[2:] if e is not exited)
    assert events[0]["executionStartedEventDetails"]["roleArn"].endswith(":role/sfn")

    failed = run(definition, {"IsHelloWorldExample": False})
    assert failed["status"] == "FAILED" and failed["cause"] == "Not Hello World"
    assert types(sfn, failed["executionArn"])[-2:] == ["FailStateEntered", "ExecutionFailed"]


def test_jsonpath_processing_and_context_object(run):
    definition = {"StartAt": "S", "States": {"S": {
        "Type": "Pass", "InputPath": "$.order", "Parameters": {"id.$": "$.id", "exec.$": "$$.Execution.Name",
                                                               "state.$": "$$.State.Name", "fixed": 1},
        "ResultSelector": {"copied.$": "$.id", "all.$": "$"}, "ResultPath": "$.order.result",
        "OutputPath": "$.order", "End": True}}}  # fmt: skip
    done = run(definition, {"order": {"id": "o-1"}}, name="ctx")
    assert json.loads(done["output"]) == {"id": "o-1", "result": {"copied": "o-1", "all": {
        "id": "o-1", "exec": done["name"], "state": "S", "fixed": 1}}}


def test_map_of_items_history(sfn, run):
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"value.$": "$$.Map.Item.Value",
                                                               "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "Double", "States": {"Double": {
            "Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.value, $.value)", "i.$": "$.index"},
            "End": True}}}, "End": True}}}  # fmt: skip
    done = run(definition, {"items": [1, 2, 3]})
    assert json.loads(done["output"]) == [{"v": 2, "i": 0}, {"v": 4, "i": 1}, {"v": 6, "i": 2}]
    events = history(sfn, done["executionArn"])
    assert events[2]["mapStateStartedEventDetails"] == {"length": 3}
    assert [e["type"] for e in events[3:8]] == ["MapIterationStarted", "PassStateEntered", "PassStateExited",
                                                 "MapIterationSucceeded", "MapIterationStarted"]


def test_wait_of_a_day_completes_only_when_the_clock_passes_it(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    arn = machine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}})
    started = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    cloudtwin_client.advance(86399)
    assert finished(sfn, started, seconds=0.3)["status"] == "RUNNING"
    cloudtwin_client.advance(1)
    assert finished(sfn, started)["status"] == "SUCCEEDED"


def test_retry_intervals_and_catch_on_the_virtual_clock(sfn, machine, cloudtwin_client):
    """A Task failing every time: retried after 2 s then 4 s (BackoffRate 2), then caught."""
    cloudtwin_client.freeze()
    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
              "Parameters": {"SecretId": "missing"},
              "Retry": [{"ErrorEquals": ["SecretsManager.ResourceNotFoundException"], "IntervalSeconds": 2,
                         "MaxAttempts": 2, "BackoffRate": 2}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Pass", "End": True}}}  # fmt: skip
    arn = machine(definition)
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"
    assert types(sfn, execution).count("TaskFailed") == 1
    cloudtwin_client.advance(2)
    finished(sfn, execution, seconds=0.3)
    assert types(sfn, execution).count("TaskFailed") == 2
    cloudtwin_client.advance(3)
    assert finished(sfn, execution, seconds=0.3)["status"] == "RUNNING"
    cloudtwin_client.advance(1)
    done = finished(sfn, execution)
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["error"]["Error"] == "SecretsManager.ResourceNotFoundException"
    assert types(sfn, execution)[-5:] == ["TaskFailed", "TaskStateExited", "PassStateEntered", "PassStateExited",
                                          "ExecutionSucceeded"]


def test_bad_paths_fail_with_states_runtime_and_aws_cause(run):
    done = run({"StartAt": "pass", "States": {"pass": {"Type": "Pass", "InputPath": "$.NoSuchInputPath",
                                                         "End": True}}})
    assert done["status"] == "FAILED" and done["error"] == "States.Runtime"
    assert done["cause"] == ("An error occurred while executing the state 'pass' (entered at the event id #2). "
                             "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']")
    done = run({"StartAt": "pass", "States": {"pass": {"Type": "Pass", "Parameters": {"v.$": "$.missing"},
                                                         "End": True}}}, {"a": 1})
    assert done["cause"] == ("An error occurred while executing the state 'pass' (entered at the event id #2). "
                             "The JSONPath '$.missing' specified for the field 'v.$' could not be found in the "
                             "input '{\"a\":1}'")


def test_fail_state_error_and_cause_paths(run):
    done = run({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e",
                                                   "CausePath": "States.Format('because {}', $.c)"}}},
               {"e": "Custom", "c": "reasons"})
    assert (done["error"], done["cause"]) == ("Custom", "because reasons")


def test_parallel_failure_is_caught(sfn, run):
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {
            "B": {"Type": "Fail", "Error": "FailureType", "Cause": "Cause description"}}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Final"}], "End": True},
        "Final": {"Type": "Pass", "End": True}}}  # fmt: skip
    done = run(definition)
    assert json.loads(done["output"]) == {"Error": "FailureType", "Cause": "Cause description"}
    assert types(sfn, done["executionArn"])[2:7] == ["ParallelStateStarted", "FailStateEntered",
                                                       "ParallelStateFailed", "ParallelStateExited",
                                                       "PassStateEntered"]


def test_choice_operators(run):
    def choose(rule: dict, value) -> str:
        definition = {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True}}}  # fmt: skip
        return json.loads(run(definition, value)["output"])

    assert choose({"Variable": "$.v", "NumericGreaterThanEquals": 3}, {"v": 3}) == "yes"
    assert choose({"Variable": "$.v", "StringMatches": "log-*.txt"}, {"v": "log-1.txt"}) == "yes"
    assert choose({"Variable": "$.v", "TimestampLessThanPath": "$.w"},
                  {"v": "2024-01-01T00:00:00Z", "w": "2024-01-02T00:00:00Z"}) == "yes"
    assert choose({"Not": {"Variable": "$.v", "IsPresent": True}}, {}) == "yes"
    assert choose({"And": [{"Variable": "$.v", "IsNumeric": True}, {"Variable": "$.v", "NumericEquals": 1}]},
                  {"v": "1"}) == "no"


def test_execution_timeout(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    arn = machine({"StartAt": "W", "TimeoutSeconds": 10,
                   "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    cloudtwin_client.advance(10)
    done = finished(sfn, execution)
    assert done["status"] == "TIMED_OUT"
    assert types(sfn, execution)[-1] == "ExecutionTimedOut"
