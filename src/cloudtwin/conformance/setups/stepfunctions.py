"""What stepfunctions needs before its operations run.

``ct-machine`` is a standard state machine whose one state waits an hour (the runner's clock
is frozen, so its execution ``ct-run`` stays running), with a published version and an alias
``ct-alias`` on it; its role ``ct-sfn-role`` is made in IAM and a log group in CloudWatch Logs.
``ct-failing`` fails at once (its execution ``ct-failed`` is what RedriveExecution redrives;
its version is free to delete), ``ct-express`` is an express machine (StartSyncExecution).
``ct-worker`` hands each item of its input to the activity ``ct-activity`` from a Distributed
Map, so its execution keeps a Map Run in progress and activity tasks waiting: enough for every
GetActivityTask variant (each takes one; none may wait for one), and one taken by the set-up
gives the SendTask* operations their token.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:ct-sfn-logs:*"
PASS = '{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}'
WAIT = '{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"End":true}}}'
FAIL = '{"StartAt":"Stop","States":{"Stop":{"Type":"Fail","Error":"ct.Error","Cause":"ct"}}}'
#: A Distributed Map whose items each wait for the activity (``{activity_arn}`` is filled in).
WORKER = json.dumps({"StartAt": "Fan", "States": {"Fan": {
    "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "{activity_arn}",
                                                              "End": True}}}}}})
#: One state, as TestState takes it: a Task (the only kind every option applies to: a mock, its
#: result checked against ListActivities' output) that calls Step Functions itself.
TEST_STATE = '{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:listActivities","End":true}'
#: Activity tasks waiting before GetActivityTask's variants (it has about 30; each takes one).
TASKS = 40

_WORKER_OPS = ("GetActivityTask", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "DescribeMapRun",
               "UpdateMapRun", "ListMapRuns", "ListExecutions")


def _machine(name: str, definition: str, capture: str, kind: str = "STANDARD") -> Step:
    return Step("CreateStateMachine", {"name": name, "definition": definition, "roleArn": "{role_arn}",
                                       "type": kind}, {capture: "stateMachineArn"})


SETUP = ServiceSetup(
    steps=(
        Step("CreateRole", {"RoleName": "ct-sfn-role", "AssumeRolePolicyDocument": TRUST},
             {"role_arn": "Role.Arn"}, service="iam"),
        Step("CreateLogGroup", {"logGroupName": "ct-sfn-logs"}, service="logs"),
        _machine("ct-machine", WAIT, "machine_arn"),
        Step("PublishStateMachineVersion", {"stateMachineArn": "{machine_arn}"},
             {"version_arn": "stateMachineVersionArn"}),
        Step("CreateStateMachineAlias", {"name": "ct-alias", "routingConfiguration": [
            {"stateMachineVersionArn": "{version_arn}", "weight": 100}]}, {"alias_arn": "stateMachineAliasArn"}),
        Step("StartExecution", {"stateMachineArn": "{machine_arn}", "name": "ct-run"},
             {"execution_arn": "executionArn"}),
        _machine("ct-failing", FAIL, "failing_arn"),
        Step("PublishStateMachineVersion", {"stateMachineArn": "{failing_arn}"},
             {"spare_version_arn": "stateMachineVersionArn"}),
        Step("StartExecution", {"stateMachineArn": "{failing_arn}", "name": "ct-failed"},
             {"failed_arn": "executionArn"}),
        _machine("ct-express", PASS, "express_arn", "EXPRESS"),
        Step("CreateActivity", {"name": "ct-activity"}, {"activity_arn": "activityArn"}),
        _machine("ct-worker", WORKER, "worker_arn"),
        Step("StartExecution", {"stateMachineArn": "{worker_arn}", "name": "ct-work",
                                "input": json.dumps({"items": list(range(TASKS))})},
             {"work_arn": "executionArn"}, operations=("GetActivityTask",)),
        Step("StartExecution", {"stateMachineArn": "{worker_arn}", "name": "ct-work", "input": '{"items":[1,2]}'},
             {"work_arn": "executionArn"}, operations=tuple(op for op in _WORKER_OPS if op != "GetActivityTask")),
        Step("GetActivityTask", {"activityArn": "{activity_arn}"}, {"task_token": "taskToken"},
             operations=("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")),
        Step("ListMapRuns", {"executionArn": "{work_arn}"}, {"map_run_arn": "mapRuns.0.mapRunArn"},
             operations=("DescribeMapRun", "UpdateMapRun", "ListExecutions")),
    ),
    members={
        "stateMachineArn": "{machine_arn}", "executionArn": "{execution_arn}", "activityArn": "{activity_arn}",
        "stateMachineVersionArn": "{version_arn}", "stateMachineAliasArn": "{alias_arn}",
        "mapRunArn": "{map_run_arn}", "resourceArn": "{machine_arn}", "roleArn": "{role_arn}",
        "taskToken": "{task_token}", "definition": PASS, "input": "{}", "output": "{}",
        "routingConfiguration": [{"stateMachineVersionArn": "{version_arn}", "weight": 100}],
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": LOG_GROUP_ARN}}],
        "logGroupArn": LOG_GROUP_ARN, "revisionId": DROP, "nextToken": DROP,
        "result": '{"activities":[]}', "variables": "{}", "context": "{}",
        "tags": [{"key": "team", "value": "ct"}], "tagKeys": ["team"],
    },
    overrides={
        "CreateStateMachine": {"name": "ct-new-{n}"},
        "CreateActivity": {"name": "ct-new-{n}"},
        "CreateStateMachineAlias": {"name": "ct-new-alias-{n}", "stateMachineVersionArn": "{version_arn}"},
        "StartExecution": {"name": "ct-new-{n}"},
        "StartSyncExecution": {"stateMachineArn": "{express_arn}", "name": "ct-new-{n}"},
        "RedriveExecution": {"executionArn": "{failed_arn}"},
        "ListMapRuns": {"executionArn": "{work_arn}"},
        "DeleteStateMachineVersion": {"stateMachineVersionArn": "{spare_version_arn}"},
        "DescribeStateMachine": {"stateMachineArn": "{machine_arn}"},
        "TestState": {"definition": TEST_STATE},
        "ListTagsForResource": {"resourceArn": "{machine_arn}"},
    },
    defaults={
        "ListExecutions": {"stateMachineArn": "{machine_arn}"},
        "UpdateStateMachine": {"roleArn": "{role_arn}"},
        "UpdateStateMachineAlias": {"description": "ct"},
        "TestState": {"roleArn": "{role_arn}"},
    },
    exclusive=(("stateMachineArn", "mapRunArn"),),
    roundtrips=(
        RoundTrip("tags",
                  Step("TagResource", {"resourceArn": "{machine_arn}", "tags": [{"key": "team", "value": "ct"}]}),
                  Step("ListTagsForResource", {"resourceArn": "{machine_arn}"}),
                  {"tags.0.key": "team", "tags.0.value": "ct"}),
        RoundTrip("alias",
                  Step("UpdateStateMachineAlias", {"stateMachineAliasArn": "{alias_arn}", "description": "ct-rt"}),
                  Step("DescribeStateMachineAlias", {"stateMachineAliasArn": "{alias_arn}"}),
                  {"description": "ct-rt"}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}


def _logging_without_destination(params: Mapping[str, Any]) -> bool:
    config = params.get("loggingConfiguration")
    return (isinstance(config, Mapping) and config.get("level", "OFF") != "OFF"
            and not config.get("destinations"))


def _description_without_publish(params: Mapping[str, Any]) -> bool:
    return bool(params.get("versionDescription")) and not params.get("publish")


def _both_listed(params: Mapping[str, Any]) -> bool:
    return bool(params.get("stateMachineArn")) and bool(params.get("mapRunArn"))


def _pending_redrive_without_map_run(params: Mapping[str, Any]) -> bool:
    return params.get("statusFilter") == "PENDING_REDRIVE" and not params.get("mapRunArn")


def _redrive_filter_with_machine(params: Mapping[str, Any]) -> bool:
    return bool(params.get("redriveFilter")) and bool(params.get("stateMachineArn"))


def _state_name_without_machine(params: Mapping[str, Any]) -> bool:
    if not params.get("stateName"):
        return False
    try:
        document = json.loads(params.get("definition") or "")
    except ValueError:
        return True
    return not isinstance(document, dict) or params["stateName"] not in (document.get("States") or {})


def _mock_on_other_state(params: Mapping[str, Any]) -> bool:
    if params.get("mock") is None:
        return False
    try:
        document = json.loads(params.get("definition") or "")
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("Type") not in ("Task", "Map", "Parallel")


def _mock_result_and_error(params: Mapping[str, Any]) -> bool:
    mock = params.get("mock")
    return isinstance(mock, Mapping) and (mock.get("result") is None) == (mock.get("errorOutput") is None)


def _not_json(text: Any, kind: type = object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return not isinstance(json.loads(text), kind)
    except ValueError:
        return True


def _weights_not_100(params: Mapping[str, Any]) -> bool:
    routes = params.get("routingConfiguration")
    return isinstance(routes, list) and sum(r.get("weight", 0) for r in routes if isinstance(r, Mapping)) != 100


def _same_version_twice(params: Mapping[str, Any]) -> bool:
    routes = [r.get("stateMachineVersionArn") for r in params.get("routingConfiguration") or []
              if isinstance(r, Mapping)]
    return len(routes) != len(set(routes))


def _context_without_mock(params: Mapping[str, Any]) -> bool:
    return params.get("context") is not None and params.get("mock") is None


_LOGGING = ("LoggingConfiguration, destinations documentation (botocore model): "
            "'Required, if your log level is not set to OFF'")
_DESCRIPTION = ("{}, versionDescription documentation (botocore model): 'You can only set the description "
                "if the publish parameter is set to true'")

#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    *(Constraint(op, "loggingConfiguration: a level other than OFF needs a destination", _LOGGING,
                 _logging_without_destination) for op in ("CreateStateMachine", "UpdateStateMachine")),
    *(Constraint(op, "versionDescription is only set with publish=true", _DESCRIPTION.format(op),
                 _description_without_publish) for op in ("CreateStateMachine", "UpdateStateMachine")),
    Constraint("ListExecutions", "either a mapRunArn or a stateMachineArn, not both",
               "ListExecutions, stateMachineArn and mapRunArn documentation (botocore model)", _both_listed),
    Constraint("ListExecutions", "a PENDING_REDRIVE statusFilter needs a mapRunArn",
               "ListExecutions, statusFilter documentation (botocore model): 'If you provide a PENDING_REDRIVE "
               "statusFilter, you must specify mapRunArn'", _pending_redrive_without_map_run),
    Constraint("ListExecutions", "a redriveFilter is not given with a state machine ARN",
               "ListExecutions, redriveFilter documentation (botocore model): 'If you provide a state machine "
               "ARN in redriveFilter, the API returns a validation exception'", _redrive_filter_with_machine),
    Constraint("TestState", "stateName: the definition is a whole state machine holding that state",
               "TestState, stateName documentation (botocore model): 'If this field is specified, the "
               "definition must contain a fully-formed state machine definition'", _state_name_without_machine),
    Constraint("TestState", "mock: only for a Task, Map or Parallel state",
               "TestState, mock documentation (botocore model): 'A mock can only be specified for Task, Map, "
               "or Parallel states'", _mock_on_other_state),
    *(Constraint(op, "routingConfiguration: the weights add up to 100",
                 "RoutingConfigurationListItem, weight documentation (botocore model): 'The sum of the weights "
                 "in the routing configuration must be equal to 100'", _weights_not_100)
      for op in ("CreateStateMachineAlias", "UpdateStateMachineAlias")),
    *(Constraint(op, "routingConfiguration: two routes name two versions",
                 "RoutingConfigurationListItem, stateMachineVersionArn documentation (botocore model): 'one or two "
                 "state machine versions ... If you specify the ARN of a second version, it must belong to the "
                 "same state machine as the first version'", _same_version_twice)
      for op in ("CreateStateMachineAlias", "UpdateStateMachineAlias")),
    Constraint("TestState", "variables: a JSON object literal",
               "TestState, variables documentation (botocore model): 'JSON object literal that sets variables'",
               lambda p: _not_json(p.get("variables"), dict)),
    Constraint("TestState", "mock.result: a JSON string",
               "MockInput, result documentation (botocore model): 'A JSON string containing the mocked result'",
               lambda p: isinstance(p.get("mock"), Mapping) and _not_json(p["mock"].get("result"))),
    Constraint("TestState", "mock: a mocked result or an errorOutput (exactly one)",
               "TestState, MockInput documentation (botocore model): 'A JSON object that contains a mocked "
               "result or errorOutput'", _mock_result_and_error),
    Constraint("TestState", "context: only with a mock",
               "TestState, context documentation (botocore model): 'This field may only be specified if a mock "
               "is specified in the same request'", _context_without_mock),
)
