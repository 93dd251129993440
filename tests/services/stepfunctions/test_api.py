"""The control plane: state machines, versions and aliases, activities and task tokens,
executions' name rules, listing and history pagination, validation diagnostics, TestState,
EXPRESS synchronous executions, and AWS's answers to bad input."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from sfn_helpers import ROLE, finished, history

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}


def _error(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_create_describe_list_delete(sfn, machine):
    arn = machine(PASS, name="basic")
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"]) == PASS
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert described["tracingConfiguration"] == {"enabled": False}
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == ["basic"]
    assert _error(sfn.create_state_machine, name="basic", definition=json.dumps({**PASS, "Comment": "x"}),
                  roleArn=ROLE) == ("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
    sfn.delete_state_machine(stateMachineArn=arn)
    assert _error(sfn.describe_state_machine, stateMachineArn=arn) == (
        "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def test_invalid_definitions_name_the_state_and_the_problem(sfn):
    bad = {"StartAt": "A", "States": {"A": {"Type": "Nope", "End": True}}}
    code, message = _error(sfn.create_state_machine, name="bad", definition=json.dumps(bad), roleArn=ROLE)
    assert code == "InvalidDefinition"
    assert message == ("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have "
                       "one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/A/Type'")
    missing = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    _, message = _error(sfn.create_state_machine, name="bad", definition=json.dumps(missing), roleArn=ROLE)
    assert "MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next" in message
    result = sfn.validate_state_machine_definition(definition=json.dumps({"States": {}}))
    assert result["result"] == "FAIL"
    assert result["diagnostics"] == [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                      "message": "These fields are required: [StartAt]", "location": "/"}]
    assert sfn.validate_state_machine_definition(definition=json.dumps(PASS))["result"] == "OK"
    assert _error(sfn.create_activity, name="bad name") == ("InvalidName", "Invalid Name: 'bad name'")


def test_execution_names_history_order_and_pagination(sfn, machine):
    arn = machine(PASS)
    first = sfn.start_execution(stateMachineArn=arn, name="once", input="{}")["executionArn"]
    finished(sfn, first)
    code, message = _error(sfn.start_execution, stateMachineArn=arn, name="once", input="{}")
    assert (code, message) == ("ExecutionAlreadyExists", f"Execution Already Exists: '{first}'")
    assert _error(sfn.start_execution, stateMachineArn=arn, input="not json")[0] == "InvalidExecutionInput"
    page = sfn.get_execution_history(executionArn=first, maxResults=2, reverseOrder=True)
    assert [e["type"] for e in page["events"]] == ["ExecutionSucceeded", "PassStateExited"]
    rest = sfn.get_execution_history(executionArn=first, maxResults=2, reverseOrder=True, nextToken=page["nextToken"])
    assert [e["type"] for e in rest["events"]] == ["PassStateEntered", "ExecutionStarted"]
    lean = sfn.get_execution_history(executionArn=first, includeExecutionData=False)["events"]
    assert "input" not in lean[0]["executionStartedEventDetails"]
    listed = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]
    assert [e["name"] for e in listed] == ["once"]
    assert _error(sfn.list_executions, stateMachineArn=arn, maxResults=1001)[0] == "ValidationException"


def test_versions_and_alias_routing(sfn, machine):
    arn = machine(PASS, publish=True, versionDescription="first")
    versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:1"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps({**PASS, "Comment": "v2"}), publish=True)
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:2", "weight": 100}])["stateMachineAliasArn"]
    assert alias == f"{arn}:live"
    execution = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    described = finished(sfn, execution)
    assert described["stateMachineVersionArn"] == f"{arn}:2" and described["stateMachineAliasArn"] == alias
    code, _ = _error(sfn.delete_state_machine_version, stateMachineVersionArn=f"{arn}:2")
    assert code == "ConflictException"
    assert _error(sfn.create_state_machine_alias, name="bad", routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:1", "weight": 50}])[0] == "ValidationException"


def test_tags(sfn, machine):
    arn = machine(PASS, tags=[{"key": "team", "value": "a"}])
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]


def test_activity_worker_round_trip(sfn, machine):
    activity = sfn.create_activity(name="work")["activityArn"]
    arn = machine({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"job": 1}))["executionArn"]
    task = sfn.get_activity_task(activityArn=activity, workerName="w1")
    assert json.loads(task["input"]) == {"job": 1}
    sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"done": True}))
    assert json.loads(finished(sfn, execution)["output"]) == {"done": True}
    events = history(sfn, execution)
    assert [e["type"] for e in events][2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    assert events[3]["activityStartedEventDetails"] == {"workerName": "w1"}
    assert _error(sfn.send_task_failure, taskToken="nope")[0] == "InvalidToken"


def test_express_synchronous_execution(sfn, machine):
    arn = machine(PASS, machine_type="EXPRESS")
    result = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
    assert result["status"] == "SUCCEEDED" and json.loads(result["output"]) == {"Arg1": "argument1"}
    assert result["executionArn"].startswith(arn.replace(":stateMachine:", ":express:"))
    assert _error(sfn.list_executions, stateMachineArn=arn)[0] == "StateMachineTypeNotSupported"
    standard = machine(PASS)
    assert _error(sfn.start_sync_execution, stateMachineArn=standard)[0] == "StateMachineTypeNotSupported"


def test_stop_execution(sfn, machine, cloudtwin_client):
    cloudtwin_client.freeze()
    arn = machine({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}})
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    sfn.stop_execution(executionArn=execution, error="Stop", cause="by hand")
    done = finished(sfn, execution)
    assert (done["status"], done["error"], done["cause"]) == ("ABORTED", "Stop", "by hand")
    assert history(sfn, execution)[-1]["type"] == "ExecutionAborted"


def test_test_state_inspection_levels(sfn):
    state = {"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.b"}, "ResultPath": "$.r", "Next": "X"}
    info = sfn.test_state(definition=json.dumps(state), input=json.dumps({"a": {"b": 1}}))
    assert (info["status"], info["nextState"], json.loads(info["output"])) == ("SUCCEEDED", "X", {"a": {"b": 1}, "r": {"b": 1}})
    assert "inspectionData" not in info
    debug = sfn.test_state(definition=json.dumps(state), input=json.dumps({"a": {"b": 1}}), inspectionLevel="DEBUG")
    data = debug["inspectionData"]
    assert json.loads(data["afterInputPath"]) == {"b": 1} and json.loads(data["afterParameters"]) == {"b": 1}
    failed = sfn.test_state(definition=json.dumps({"Type": "Fail", "Error": "E", "Cause": "C"}))
    assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "E", "C")
    assert _error(sfn.test_state, definition=json.dumps({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                                                         "End": True}))[0] == "ValidationException"


def test_test_state_mocks_retries_and_catches(sfn):
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True}
    mocked = sfn.test_state(definition=json.dumps(task), input="{}", inspectionLevel="DEBUG",
                            mock={"result": json.dumps({"Payload": "out"})})
    assert mocked["status"] == "SUCCEEDED" and json.loads(mocked["output"]) == {"Payload": "out"}
    assert json.loads(mocked["inspectionData"]["result"]) == {"Payload": "out"}
    failing = {**task, "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 2}],
               "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}]}
    error = {"errorOutput": {"error": "Boom", "cause": "bad"}}
    retriable = sfn.test_state(definition=json.dumps(failing), inspectionLevel="DEBUG", mock=error,
                               stateConfiguration={"retrierRetryCount": 1})
    assert retriable["status"] == "RETRIABLE"
    assert retriable["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 4}
    caught = sfn.test_state(definition=json.dumps(failing), inspectionLevel="DEBUG", mock=error,
                            stateConfiguration={"retrierRetryCount": 3})
    assert (caught["status"], caught["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert json.loads(caught["output"]) == {"Error": "Boom", "Cause": "bad"}
    assert _error(sfn.test_state, definition=json.dumps(task), mock={"result": "{}", "errorOutput": {}})[0] == \
        "ValidationException"


def test_a_tag_without_a_key_names_no_tag(sfn):
    """Tag's members are both optional in the model: an entry without a key is no tag (and
    never a server error)."""
    arn = sfn.create_activity(name="keyless", tags=[{"value": "orphan"}, {"key": "team", "value": "a"}])["activityArn"]
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "a"}]


def test_test_state_of_a_map_and_a_mocked_context(sfn):
    each = {"Type": "Map", "ItemsPath": "$.Values", "ToleratedFailureCount": 2, "MaxConcurrency": 3, "End": True,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
    code, message = _error(sfn.test_state, definition=json.dumps(each), input='{"Values": [1]}')
    assert code == "InvalidDefinition" and message.startswith("TestState API does not support Map or Parallel")
    mocked = sfn.test_state(definition=json.dumps(each), input='{"Values": ["a", "b"]}', inspectionLevel="DEBUG",
                            mock={"result": '["x", "y"]'})
    data = mocked["inspectionData"]
    assert (data["afterItemsPath"], data["maxConcurrency"], data["toleratedFailureCount"]) == ('["a", "b"]', 3, 2)
    assert "toleratedFailurePercentage" not in data

    pass_state = json.dumps({"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"}, "End": True})
    given = sfn.test_state(definition=pass_state, context=json.dumps({"Execution": {"Id": "run-1"}}))
    assert json.loads(given["output"]) == {"id": "run-1"}
    for context, reason in (({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
                            ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
                            ({"Execution": {"pokemon": 1}}, "Field 'pokemon' is not allowed"),
                            ({"Pokedex": {}}, "Field 'Pokedex' is not allowed")):
        assert _error(sfn.test_state, definition=pass_state, context=json.dumps(context)) == (
            "ValidationException", f"Invalid Context object provided: {reason}")


def test_a_mock_holds_a_result_or_an_error_output(sfn):
    """A mock with neither (only its fieldValidationMode) is AWS's ValidationException, as
    one with both, and never a server error."""
    task = json.dumps({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listActivities", "End": True})
    for mock in ({"fieldValidationMode": "NONE"}, {"result": "{}", "errorOutput": {"error": "E"}}):
        assert _error(sfn.test_state, definition=task, mock=mock) == (
            "ValidationException", "A test mock should have only one of the following fields: [result, errorOutput].")


def test_a_map_run_arn_that_is_no_arn_is_invalid(sfn):
    """DescribeMapRun, UpdateMapRun and ListExecutions tell a malformed Map Run ARN
    (InvalidArn) from one that names no Map Run (ResourceNotFound)."""
    for call in (sfn.describe_map_run, sfn.update_map_run, sfn.list_executions):
        assert _error(call, mapRunArn="not-an-arn")[0] == "InvalidArn"
        unknown = "arn:aws:states:us-east-1:000000000000:mapRun:machine/Fan:0b4dbfc4-5b2c-4c8e-9f4c-6a39e5dc1c0d"
        assert _error(call, mapRunArn=unknown)[0] == "ResourceNotFound"


def test_update_state_machine_keeps_the_encryption_configuration(sfn, machine):
    arn = machine(PASS)
    config = {"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/ct", "kmsDataKeyReusePeriodSeconds": 120}
    sfn.update_state_machine(stateMachineArn=arn, encryptionConfiguration=config)
    assert sfn.describe_state_machine(stateMachineArn=arn)["encryptionConfiguration"] == config
