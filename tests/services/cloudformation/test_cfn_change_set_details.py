"""What a change set says caused each change: a parameter, a resource reference or attribute
(with the dynamic modification it brings) or the template's own text; replacements carry their
policy action."""

from __future__ import annotations

import json

WAIT = {"Delay": 1, "MaxAttempts": 10}
TEMPLATE = json.dumps({
    "Parameters": {"Name": {"Type": "String"}, "Shown": {"Type": "String", "Default": "a"}},
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}, "DisplayName": {"Ref": "Shown"}}},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Fn::GetAtt": ["Topic", "TopicName"]}}},
    },
})  # fmt: skip


def _details(cfn, stack: str, name: str, shown: str) -> dict:
    cfn.create_change_set(StackName=stack, ChangeSetName="next", TemplateBody=TEMPLATE, Parameters=[
        {"ParameterKey": "Name", "ParameterValue": name}, {"ParameterKey": "Shown", "ParameterValue": shown}])
    cfn.get_waiter("change_set_create_complete").wait(StackName=stack, ChangeSetName="next", WaiterConfig=WAIT)
    described = cfn.describe_change_set(StackName=stack, ChangeSetName="next")
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}


def test_parameter_and_attribute_causes(cfn):
    cfn.create_stack(StackName="causes", TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Name", "ParameterValue": "t1"}])
    cfn.get_waiter("stack_create_complete").wait(StackName="causes", WaiterConfig=WAIT)
    changes = _details(cfn, "causes", "t2", "a")
    topic = changes["Topic"]
    assert (topic["Replacement"], topic["PolicyAction"]) == ("True", "ReplaceAndDelete")
    assert [(d["ChangeSource"], d["Evaluation"], d.get("CausingEntity")) for d in topic["Details"]] == [
        ("ParameterReference", "Static", "Name"), ("DirectModification", "Dynamic", None),
    ]
    param = changes["Param"]
    assert ("ResourceAttribute", "Static", "Topic.TopicName") in [
        (d["ChangeSource"], d["Evaluation"], d.get("CausingEntity")) for d in param["Details"]
    ]
    assert "PolicyAction" not in param


def test_deleted_stack_description(cfn):
    cfn.create_stack(StackName="gone", TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Name", "ParameterValue": "g1"}])
    cfn.get_waiter("stack_create_complete").wait(StackName="gone", WaiterConfig=WAIT)
    stack_id = cfn.describe_stacks(StackName="gone")["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName="gone")
    cfn.get_waiter("stack_delete_complete").wait(StackName="gone", WaiterConfig=WAIT)
    described = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert described["StackStatus"] == "DELETE_COMPLETE"
    assert "EnableTerminationProtection" not in described and "ChangeSetId" not in described


def test_a_direct_update_leaves_no_change_set_on_the_stack(cfn):
    created = cfn.create_change_set(StackName="direct", ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=TEMPLATE,
                                    Parameters=[{"ParameterKey": "Name", "ParameterValue": "d1"}])  # fmt: skip
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=created["Id"], WaiterConfig=WAIT)
    cfn.execute_change_set(ChangeSetName=created["Id"])
    cfn.get_waiter("stack_create_complete").wait(StackName="direct", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName="direct")["Stacks"][0]["ChangeSetId"] == created["Id"]
    cfn.update_stack(StackName="direct", TemplateBody=TEMPLATE, Parameters=[
        {"ParameterKey": "Name", "ParameterValue": "d1"}, {"ParameterKey": "Shown", "ParameterValue": "b"}])
    cfn.get_waiter("stack_update_complete").wait(StackName="direct", WaiterConfig=WAIT)
    assert "ChangeSetId" not in cfn.describe_stacks(StackName="direct")["Stacks"][0]
