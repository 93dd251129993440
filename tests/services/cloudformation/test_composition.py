"""Stacks that use other stacks: exports imported by a second stack (and deletion refused while
imported), nested stacks from a template in cloudtwin's S3, and wait conditions signalled
through their presigned URL."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError
from cfn_helpers import outputs, statuses

WAIT = {"Delay": 1, "MaxAttempts": 5}

EXPORTER = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": "shared-queue-arn"}}},
}  # fmt: skip
IMPORTER = {
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
        "Subscription": [{"Protocol": "sqs", "Endpoint": {"Fn::ImportValue": "shared-queue-arn"}}]}}},
    "Outputs": {"Imported": {"Value": {"Fn::ImportValue": "shared-queue-arn"}}},
}  # fmt: skip


def test_exports_imported_and_deletion_refused_while_in_use(deploy, cfn):
    exporter = deploy("exporter", EXPORTER)
    arn = outputs(exporter)["Arn"]
    importer = deploy("importer", IMPORTER)
    assert outputs(importer)["Imported"] == arn
    assert cfn.list_imports(ExportName="shared-queue-arn")["Imports"] == ["importer"]
    cfn.delete_stack(StackName="exporter")
    stack = cfn.describe_stacks(StackName="exporter")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    assert stack["StackStatusReason"] == "Export shared-queue-arn cannot be deleted as it is in use by importer"
    # a second stack cannot export the same name
    duplicate = deploy("duplicate", EXPORTER, wait=None)
    assert duplicate["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason") for e in cfn.describe_stack_events(StackName="duplicate")["StackEvents"]]
    assert "Export with name shared-queue-arn is already exported by stack exporter" in reasons
    cfn.delete_stack(StackName="importer")
    cfn.get_waiter("stack_delete_complete").wait(StackName="importer", WaiterConfig=WAIT)
    with pytest.raises(ClientError) as error:
        cfn.list_imports(ExportName="nope")
    assert error.value.response["Error"]["Message"] == "Export 'nope' does not exist."
    cfn.delete_stack(StackName="exporter")
    cfn.get_waiter("stack_delete_complete").wait(StackName="exporter", WaiterConfig=WAIT)
    assert cfn.list_exports()["Exports"] == []


def test_import_of_missing_export_fails_the_resource(deploy, cfn):
    stack = deploy("orphan", IMPORTER, wait=None)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason") for e in cfn.describe_stack_events(StackName="orphan")["StackEvents"]]
    assert "No export named shared-queue-arn found." in reasons


CHILD = {
    "Parameters": {"Name": {"Type": "String"}},
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}}}},
    "Outputs": {"Url": {"Value": {"Ref": "Queue"}}},
}  # fmt: skip


def test_nested_stack(deploy, cfn, aws_client, cloudtwin):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="child.json", Body=json.dumps(CHILD).encode())
    parent = {
        "Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": "https://templates.s3.amazonaws.com/child.json", "Parameters": {"Name": "nested-q"}}}},
        "Outputs": {"ChildUrl": {"Value": {"Fn::GetAtt": ["Child", "Outputs.Url"]}}},
    }  # fmt: skip
    stack = deploy("parent", parent)
    url = aws_client("sqs").get_queue_url(QueueName="nested-q")["QueueUrl"]
    assert outputs(stack)["ChildUrl"] == url
    child_id = cfn.describe_stack_resource(StackName="parent", LogicalResourceId="Child")["StackResourceDetail"]["PhysicalResourceId"]
    child = cfn.describe_stacks(StackName=child_id)["Stacks"][0]
    assert child["ParentId"] == stack["StackId"] and child["RootId"] == stack["StackId"]
    assert child["StackName"].startswith("parent-Child-")
    cfn.delete_stack(StackName="parent")
    cfn.get_waiter("stack_delete_complete").wait(StackName="parent", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName=child_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert aws_client("sqs").list_queues(QueueNamePrefix="nested-q").get("QueueUrls", []) == []


def test_wait_condition_signalled_through_its_url(deploy, cfn):
    template = {
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Wait": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "300"}},
            "After": {"Type": "AWS::SQS::Queue", "DependsOn": "Wait"},
        },
        "Outputs": {"Url": {"Value": {"Ref": "Handle"}}, "Data": {"Value": {"Fn::GetAtt": ["Wait", "Data"]}}},
    }  # fmt: skip
    stack = deploy("waits", template, wait=None)
    assert stack["StackStatus"] == "CREATE_IN_PROGRESS"
    handle = cfn.describe_stack_resource(StackName="waits", LogicalResourceId="Handle")["StackResourceDetail"]
    signal = json.dumps({"Status": "SUCCESS", "Reason": "ready", "UniqueId": "one", "Data": "payload"}).encode()
    request = urllib.request.Request(handle["PhysicalResourceId"], data=signal, method="PUT")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    cfn.get_waiter("stack_create_complete").wait(StackName="waits", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="waits")["Stacks"][0]
    assert json.loads(outputs(stack)["Data"]) == {"one": "payload"}
    assert ("After", "CREATE_COMPLETE") in statuses(cfn, "waits")


def test_signal_resource_and_stack_policy_are_kept(deploy, cfn):
    deploy("signals", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    cfn.signal_resource(StackName="signals", LogicalResourceId="Q", UniqueId="i-1", Status="SUCCESS")
    with pytest.raises(ClientError) as error:
        cfn.signal_resource(StackName="signals", LogicalResourceId="Nope", UniqueId="i-1", Status="SUCCESS")
    assert error.value.response["Error"]["Message"] == "Resource Nope does not exist for stack signals"
    policy = json.dumps({"Statement": [{"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "*"}]})
    cfn.set_stack_policy(StackName="signals", StackPolicyBody=policy)
    assert cfn.get_stack_policy(StackName="signals")["StackPolicyBody"] == policy


def test_stack_sets_are_stored_and_answered(cfn):
    body = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    set_id = cfn.create_stack_set(StackSetName="fleet", TemplateBody=body)["StackSetId"]
    assert cfn.describe_stack_set(StackSetName="fleet")["StackSet"]["StackSetId"] == set_id
    operation = cfn.create_stack_instances(StackSetName="fleet", Accounts=["000000000000"], Regions=["us-east-1", "eu-west-1"])
    done = cfn.describe_stack_set_operation(StackSetName="fleet", OperationId=operation["OperationId"])["StackSetOperation"]
    assert done["Status"] == "SUCCEEDED" and done["Action"] == "CREATE"
    regions = sorted(i["Region"] for i in cfn.list_stack_instances(StackSetName="fleet")["Summaries"])
    assert regions == ["eu-west-1", "us-east-1"]
    with pytest.raises(ClientError) as error:
        cfn.delete_stack_set(StackSetName="fleet")
    assert error.value.response["Error"]["Code"] == "StackSetNotEmptyException"
    cfn.delete_stack_instances(StackSetName="fleet", Accounts=["000000000000"], Regions=["us-east-1", "eu-west-1"], RetainStacks=False)
    cfn.delete_stack_set(StackSetName="fleet")
    assert cfn.list_stack_sets()["Summaries"] == []


def test_wait_condition_times_out_on_the_virtual_clock(deploy, cfn, cloudtwin):
    template = {"Resources": {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Wait": {"Type": "AWS::CloudFormation::WaitCondition", "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "600", "Count": "2"}},
    }}  # fmt: skip
    assert deploy("patient", template, wait=None)["StackStatus"] == "CREATE_IN_PROGRESS"
    cloudtwin.client.advance(601)
    deadline = time.monotonic() + 10
    while cfn.describe_stacks(StackName="patient")["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert cfn.describe_stacks(StackName="patient")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason") for e in cfn.describe_stack_events(StackName="patient")["StackEvents"]]
    assert "WaitCondition timed out. Received 0 conditions when expecting 2" in reasons


def test_failed_nested_stack_rolls_the_parent_back(deploy, cfn, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="templates")
    broken = {"Resources": {"Bad": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5000}}}}
    s3.put_object(Bucket="templates", Key="broken.json", Body=json.dumps(broken).encode())
    parent = {"Resources": {
        "Before": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "before-child"}},
        "Child": {"Type": "AWS::CloudFormation::Stack", "DependsOn": "Before",
                  "Properties": {"TemplateURL": "https://templates.s3.amazonaws.com/broken.json"}},
    }}  # fmt: skip
    stack = deploy("parent2", parent, wait=None)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = next(e for e in cfn.describe_stack_events(StackName="parent2")["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED")
    assert failed["LogicalResourceId"] == "Child"
    assert "was not successfully created: The following resource(s) failed to create: [Bad]" in failed["ResourceStatusReason"]
    children = [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"].startswith("parent2-Child-")]
    assert [s["StackStatus"] for s in children] == ["DELETE_COMPLETE"]
    assert aws_client("sqs").list_queues(QueueNamePrefix="before-child").get("QueueUrls", []) == []
