"""Change set calls refused in AWS's words: a deleted or live stack re-created through a change
set, a change set deleted from a stack that does not exist, and a stack under review that shows
none of the change set's tags yet."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

TEMPLATE = json.dumps(
    {"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "v"}}}}
)


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return {**error.value.response["Error"], "Status": error.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def test_delete_change_set_of_a_missing_stack(cfn):
    error = _error(cfn.delete_change_set, StackName="nostack", ChangeSetName="c")
    assert (error["Code"], error["Message"], error["Status"]) == ("ValidationError", "Stack [nostack] does not exist", 400)


def test_describe_stack_resource_of_a_missing_stack(cfn):
    error = _error(cfn.describe_stack_resource, StackName="nostack", LogicalResourceId="R")
    assert (error["Code"], error["Message"]) == ("ValidationError", "Stack 'nostack' does not exist")


def test_create_change_set_for_an_existing_or_deleted_stack(cfn):
    created = cfn.create_change_set(StackName="cs-conflict", ChangeSetName="first", ChangeSetType="CREATE",
                                    TemplateBody=TEMPLATE, Tags=[{"Key": "k", "Value": "v"}])  # fmt: skip
    under_review = cfn.describe_stacks(StackName=created["StackId"])["Stacks"][0]
    assert (under_review["StackStatus"], under_review["Tags"]) == ("REVIEW_IN_PROGRESS", [])
    cfn.execute_change_set(ChangeSetName=created["Id"])
    cfn.get_waiter("stack_create_complete").wait(StackName="cs-conflict", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert cfn.describe_stacks(StackName="cs-conflict")["Stacks"][0]["Tags"] == [{"Key": "k", "Value": "v"}]
    again = dict(ChangeSetName="again", ChangeSetType="CREATE", TemplateBody=TEMPLATE)
    error = _error(cfn.create_change_set, StackName="cs-conflict", **again)
    assert (error["Code"], error["Message"]) == (
        "ValidationError", "Stack [cs-conflict] already exists and cannot be created again with the changeSet [again]."
    )
    cfn.delete_stack(StackName="cs-conflict")
    cfn.get_waiter("stack_delete_complete").wait(StackName="cs-conflict", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    error = _error(cfn.create_change_set, StackName=created["StackId"], **again)
    assert error["Code"] == "ValidationError"
    assert error["Message"] == f"Stack [{created['StackId']}] already exists and cannot be created again with the changeSet [again]."
