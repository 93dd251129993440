"""Stack set instances deployed as stacks in their target accounts and regions: created with
the set's template and the instance's parameter overrides, updated with the set, deleted (or
retained) with the instance."""

from __future__ import annotations

import json

OTHER = "111111111111"
TEMPLATE = json.dumps({
    "Parameters": {"Value": {"Type": "String", "Default": "from-the-set"}},
    "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Value"}}}},
    "Outputs": {"Name": {"Value": {"Ref": "P"}}},
})  # fmt: skip


def _instance_stack(aws_client, account: str, region: str) -> dict:
    cfn = aws_client("cloudformation", region=region, aws_access_key_id=account, aws_secret_access_key="test")
    [summary] = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"].startswith("StackSet-fleet-")
                 and s["StackStatus"] != "DELETE_COMPLETE"]  # fmt: skip
    return cfn.describe_stacks(StackName=summary["StackId"])["Stacks"][0]


def _value(aws_client, account: str, region: str, stack: dict) -> str:
    ssm = aws_client("ssm", region=region, aws_access_key_id=account, aws_secret_access_key="test")
    name = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["Name"]
    return ssm.get_parameter(Name=name)["Parameter"]["Value"]


def test_instances_are_stacks_in_their_accounts_and_regions(cfn, aws_client):
    cfn.create_stack_set(StackSetName="fleet", TemplateBody=TEMPLATE)
    operation = cfn.create_stack_instances(
        StackSetName="fleet", Accounts=[OTHER], Regions=["eu-west-1"],
        ParameterOverrides=[{"ParameterKey": "Value", "ParameterValue": "overridden"}],
    )["OperationId"]  # fmt: skip
    done = cfn.describe_stack_set_operation(StackSetName="fleet", OperationId=operation)["StackSetOperation"]
    assert done["Status"] == "SUCCEEDED"
    stack = _instance_stack(aws_client, OTHER, "eu-west-1")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert _value(aws_client, OTHER, "eu-west-1", stack) == "overridden"
    instance = cfn.describe_stack_instance(StackSetName="fleet", StackInstanceAccount=OTHER,
                                           StackInstanceRegion="eu-west-1")["StackInstance"]  # fmt: skip
    assert (instance["StackId"], instance["Status"]) == (stack["StackId"], "CURRENT")

    updated = json.loads(TEMPLATE)
    updated["Parameters"]["Value"]["Default"] = "ignored-as-overridden"
    updated["Resources"]["P"]["Properties"]["Description"] = "v2"
    operation = cfn.update_stack_set(StackSetName="fleet", TemplateBody=json.dumps(updated))["OperationId"]
    assert cfn.describe_stack_set_operation(StackSetName="fleet", OperationId=operation)["StackSetOperation"]["Status"] == "SUCCEEDED"
    assert _instance_stack(aws_client, OTHER, "eu-west-1")["StackStatus"] == "UPDATE_COMPLETE"

    operation = cfn.delete_stack_instances(StackSetName="fleet", Accounts=[OTHER], Regions=["eu-west-1"],
                                           RetainStacks=False)["OperationId"]  # fmt: skip
    assert cfn.describe_stack_set_operation(StackSetName="fleet", OperationId=operation)["StackSetOperation"]["Status"] == "SUCCEEDED"
    other = aws_client("cloudformation", region="eu-west-1", aws_access_key_id=OTHER, aws_secret_access_key="test")
    assert other.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    cfn.delete_stack_set(StackSetName="fleet")


def test_a_failing_instance_fails_the_operation(cfn):
    bad = json.dumps({"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "Nope", "Value": "v"}}}})
    cfn.create_stack_set(StackSetName="broken", TemplateBody=bad)
    operation = cfn.create_stack_instances(StackSetName="broken", Accounts=[OTHER], Regions=["us-east-1"])["OperationId"]
    assert cfn.describe_stack_set_operation(StackSetName="broken", OperationId=operation)["StackSetOperation"]["Status"] == "FAILED"
    results = cfn.list_stack_set_operation_results(StackSetName="broken", OperationId=operation)["Summaries"]
    assert [r["Status"] for r in results] == ["FAILED"]
