"""Stack policies enforced on updates: an update the policy denies (explicitly or by not
allowing it) fails its resource with AWS's reason and rolls the stack back; an allowed one goes
through; policies are checked when set, and one given for the update only overrides the stack's."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

TEMPLATE = json.dumps({
    "Parameters": {"Value": {"Type": "String"}},
    "Resources": {
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Value"}}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 0}},
    },
})  # fmt: skip
WAIT = {"Delay": 1, "MaxAttempts": 10}


def _statement(effect: str, action: str = "Update:*", **extra) -> dict:
    return {"Effect": effect, "Action": action, "Principal": "*", "Resource": "*", **extra}


def _stack(cfn, name: str, policy: dict | None = None) -> None:
    kwargs = {"StackPolicyBody": json.dumps(policy)} if policy else {}
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Value", "ParameterValue": "a"}], **kwargs)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=WAIT)


def _update(cfn, name: str, value: str = "b", **kwargs) -> str:
    cfn.update_stack(StackName=name, TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Value", "ParameterValue": value}], **kwargs)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def _reasons(cfn, name: str) -> list[str]:
    return [e.get("ResourceStatusReason") or "" for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
            if e["ResourceStatus"] == "UPDATE_FAILED"]  # fmt: skip


def test_explicit_deny_fails_the_update_and_rolls_back(cfn, aws_client):
    _stack(cfn, "policy-deny", {"Statement": [_statement("Allow"), _statement("Deny", Resource="LogicalResourceId/Param")]})
    assert _update(cfn, "policy-deny") == "UPDATE_ROLLBACK_COMPLETE"
    assert _reasons(cfn, "policy-deny") == [
        "Action denied by stack policy: Statement [#2] does not allow [Update:Modify] for resource [LogicalResourceId/Param]"
    ]
    name = cfn.describe_stack_resource(StackName="policy-deny", LogicalResourceId="Param")["StackResourceDetail"]["PhysicalResourceId"]
    assert aws_client("ssm").get_parameter(Name=name)["Parameter"]["Value"] == "a"


def test_an_update_no_statement_allows_is_refused(cfn):
    _stack(cfn, "policy-implicit", {"Statement": [_statement("Allow", Resource="LogicalResourceId/Queue")]})
    assert _update(cfn, "policy-implicit") == "UPDATE_ROLLBACK_COMPLETE"
    assert _reasons(cfn, "policy-implicit")[0].startswith("Action not allowed by stack policy")


def test_condition_on_the_resource_type_and_allowed_updates(cfn):
    deny_queues = _statement("Deny", Condition={"StringEquals": {"ResourceType": ["AWS::SQS::Queue"]}})
    _stack(cfn, "policy-typed", {"Statement": [deny_queues, _statement("Allow")]})
    assert _update(cfn, "policy-typed") == "UPDATE_COMPLETE"  # only the parameter changes


def test_policy_during_update_overrides_the_stack_policy(cfn):
    _stack(cfn, "policy-during", {"Statement": [_statement("Deny")]})
    during = json.dumps({"Statement": [_statement("Allow")]})
    assert _update(cfn, "policy-during", StackPolicyDuringUpdateBody=during) == "UPDATE_COMPLETE"
    assert _update(cfn, "policy-during", "c") == "UPDATE_ROLLBACK_COMPLETE"  # the stack's policy is back


@pytest.mark.parametrize("policy", [
    "not json", {"Statement": [_statement("Deny", Principal="someone")]},
    {"Statement": [_statement("Deny", action="Delete:*")]},
], ids=["json", "principal", "action"])  # fmt: skip
def test_invalid_policies_are_refused(cfn, policy):
    _stack(cfn, "policy-invalid")
    body = policy if isinstance(policy, str) else json.dumps(policy)
    with pytest.raises(ClientError) as error:
        cfn.set_stack_policy(StackName="policy-invalid", StackPolicyBody=body)
    assert error.value.response["Error"]["Message"] == "Error validating stack policy: Invalid stack policy"


def test_policy_both_as_body_and_url_is_refused(cfn):
    _stack(cfn, "policy-both")
    with pytest.raises(ClientError) as error:
        cfn.set_stack_policy(StackName="policy-both", StackPolicyBody="{}", StackPolicyURL="https://b.s3.amazonaws.com/p.json")
    assert error.value.response["Error"]["Message"] == "You cannot specify both StackPolicyURL and StackPolicyBody"
