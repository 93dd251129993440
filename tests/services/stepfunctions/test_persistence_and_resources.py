"""In-process: state machines and executions survive a restart with a data directory (a
running execution resumes where it was: see test_sfn_resume.py for real server restarts), and the CloudFormation resource
handlers of AWS::StepFunctions::StateMachine and ::Activity."""

from __future__ import annotations

import asyncio
import json

from cloudtwin.clock import Clock
from cloudtwin.config import Config
from cloudtwin.deployment.discovery import handlers
from cloudtwin.deployment.handler import ResourceRequest
from cloudtwin.gateway.identity import IdentityRegistry
from cloudtwin.services.registry import ServiceEnvironment, ServiceRegistry
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.state.persistence import SqlitePersistence

ACCOUNT, REGION = "123456789012", "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn"
WAITING = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "Next": "Done"},
                                      "Done": {"Type": "Pass", "Result": "done", "End": True}}}


def _registry(path=None, at: float | None = None):
    clock = Clock()
    clock.freeze()
    if at is not None:
        clock.set(at)  # the virtual time the server stopped at (a real server keeps it in its data dir)
    env = ServiceEnvironment(Config(), ServiceCatalog(), IdentityRegistry(ACCOUNT), clock=clock,
                             **({"persistence": SqlitePersistence(path)} if path else {}))
    registry = ServiceRegistry(env)
    call = lambda op, params: env.internal.call_async("stepfunctions", op, params, account_id=ACCOUNT,  # noqa: E731
                                                      region=REGION)
    return registry, env, call


def test_executions_survive_a_restart_and_running_ones_resume(tmp_path):
    _, env, call = _registry(tmp_path)

    async def before() -> str:
        arn = (await call("CreateStateMachine", {"name": "m", "definition": json.dumps(WAITING),
                                                 "roleArn": ROLE}))["stateMachineArn"]
        execution = (await call("StartExecution", {"stateMachineArn": arn, "name": "e1"}))["executionArn"]
        await asyncio.sleep(0.01)
        return execution

    execution = asyncio.run(before())
    env.persistence.commit()
    env.persistence.close()
    stopped_at = env.clock.now()

    _, env, call = _registry(tmp_path, stopped_at)

    async def after() -> dict:
        described = await call("DescribeExecution", {"executionArn": execution})
        assert described["status"] == "RUNNING"
        await asyncio.sleep(0.01)
        env.clock.advance(99)
        await asyncio.sleep(0.05)
        assert (await call("DescribeExecution", {"executionArn": execution}))["status"] == "RUNNING"
        env.clock.advance(1)  # the Wait keeps the deadline it had before the restart
        await asyncio.sleep(0.05)
        return (await call("DescribeExecution", {"executionArn": execution}),
                (await call("GetExecutionHistory", {"executionArn": execution}))["events"])

    done, events = asyncio.run(after())
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == "done"
    assert [e["type"] for e in events] == ["ExecutionStarted", "WaitStateEntered", "WaitStateExited",
                                           "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    env.persistence.close()


def _request(env, type_name: str, props: dict, **extra) -> ResourceRequest:
    return ResourceRequest(logical_id="Machine", resource_type=type_name, properties=props, stack_name="stack",
                           stack_id="id", account_id=ACCOUNT, region=REGION, internal=env.internal,
                           clock=env.clock, **extra)


def test_resource_handlers_create_update_and_delete():
    _, env, _ = _registry()
    found = handlers()
    machine = found["AWS::StepFunctions::StateMachine"]()
    props = {"RoleArn": ROLE, "DefinitionString": json.dumps(WAITING).replace('"done"', '"${Word}"'),
             "DefinitionSubstitutions": {"Word": "hello"}, "Tags": [{"Key": "team", "Value": "a"}]}
    created = machine.create(_request(env, machine.type_name, props))
    assert created.physical_id.startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:stack-Machine-")
    described = env.internal.call("stepfunctions", "DescribeStateMachine", {"stateMachineArn": created.physical_id},
                                  account_id=ACCOUNT, region=REGION)
    assert '"hello"' in described["definition"]
    assert created.attributes["Name"] == described["name"]
    updated = machine.update(_request(env, machine.type_name, {**props, "Definition": WAITING},
                                      physical_id=created.physical_id, previous_properties=props))
    assert updated.physical_id == created.physical_id
    machine.delete(_request(env, machine.type_name, props, physical_id=created.physical_id))
    listed = env.internal.call("stepfunctions", "ListStateMachines", {}, account_id=ACCOUNT, region=REGION)
    assert listed["stateMachines"] == []

    activity = found["AWS::StepFunctions::Activity"]()
    made = activity.create(_request(env, activity.type_name, {"Name": "work"}))
    assert made.physical_id == f"arn:aws:states:{REGION}:{ACCOUNT}:activity:work"
    activity.delete(_request(env, activity.type_name, {"Name": "work"}, physical_id=made.physical_id))
