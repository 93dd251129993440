"""Stacks end to end through boto3: create with SQS and SNS resources, outputs, the events AWS
writes, an update that replaces a queue because its name changed, a stack that fails halfway
and rolls back (or stays failed with DisableRollback), deletion with DeletionPolicy Retain,
termination protection, and persistence of what was deployed."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from cfn_helpers import outputs, statuses

QUEUE_AND_TOPIC = {
    "Parameters": {"Suffix": {"Type": "String", "Default": "one"}},
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": {"Fn::Sub": "${AWS::StackName}-${Suffix}"}, "VisibilityTimeout": 40}},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "Topic"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
            "RawMessageDelivery": True}},
        "Policy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "Queue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}},
    },
    "Outputs": {
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-arn"}}},
        "TopicArn": {"Value": {"Ref": "Topic"}, "Description": "the topic"},
    },
}  # fmt: skip


def test_create_deploys_real_resources_and_answers_outputs(deploy, cfn, aws_client):
    stack = deploy("app", QUEUE_AND_TOPIC)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = outputs(stack)
    sqs = aws_client("sqs")
    assert out["QueueUrl"] == sqs.get_queue_url(QueueName="app-one")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=out["QueueUrl"], AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "40"
    assert json.loads(attributes["Policy"])["Statement"][0]["Action"] == "sqs:SendMessage"
    assert out["QueueArn"] == attributes["QueueArn"]
    # the subscription delivers: a message published to the topic lands raw in the queue
    aws_client("sns").publish(TopicArn=out["TopicArn"], Message="hello")
    messages = sqs.receive_message(QueueUrl=out["QueueUrl"], WaitTimeSeconds=2)["Messages"]
    assert messages[0]["Body"] == "hello"
    # the generated topic name is <stack>-<logical id>-<suffix>
    assert out["TopicArn"].rsplit(":", 1)[1].startswith("app-Topic-")
    exports = cfn.list_exports()["Exports"]
    assert {"ExportingStackId": stack["StackId"], "Name": "app-arn", "Value": out["QueueArn"]} in exports


def test_events_are_newest_first_as_aws_writes_them(deploy, cfn):
    deploy("events", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    assert statuses(cfn, "events") == [
        ("events", "CREATE_IN_PROGRESS"), ("Q", "CREATE_IN_PROGRESS"), ("Q", "CREATE_IN_PROGRESS"),
        ("Q", "CREATE_COMPLETE"), ("events", "CREATE_COMPLETE"),
    ]  # fmt: skip
    newest = cfn.describe_stack_events(StackName="events")["StackEvents"]
    assert newest[-1]["ResourceStatusReason"] == "User Initiated"
    assert newest[2]["ResourceStatusReason"] == "Resource creation Initiated"
    detail = cfn.describe_stack_resource(StackName="events", LogicalResourceId="Q")["StackResourceDetail"]
    assert detail["ResourceStatus"] == "CREATE_COMPLETE" and detail["PhysicalResourceId"].endswith(
        detail["PhysicalResourceId"].rsplit("/", 1)[1]
    )
    assert detail["PhysicalResourceId"].rsplit("/", 1)[1].startswith("events-Q-")


def test_update_replaces_queue_whose_name_changed(deploy, cfn, aws_client):
    deploy("repl", QUEUE_AND_TOPIC)
    old_url = outputs(cfn.describe_stacks(StackName="repl")["Stacks"][0])["QueueUrl"]
    cfn.update_stack(StackName="repl", TemplateBody=json.dumps(QUEUE_AND_TOPIC),
                     Parameters=[{"ParameterKey": "Suffix", "ParameterValue": "two"}])  # fmt: skip
    cfn.get_waiter("stack_update_complete").wait(StackName="repl", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    stack = cfn.describe_stacks(StackName="repl")["Stacks"][0]
    new_url = outputs(stack)["QueueUrl"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE" and new_url.endswith("/repl-two")
    urls = aws_client("sqs").list_queues(QueueNamePrefix="repl-").get("QueueUrls", [])
    assert urls == [new_url] and old_url not in urls
    events = cfn.describe_stack_events(StackName="repl")["StackEvents"]
    reasons = [e.get("ResourceStatusReason") for e in events if e["LogicalResourceId"] == "Queue"]
    assert "Requested update requires the creation of a new physical resource; hence creating one." in reasons
    phases = [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == "repl"]
    assert phases[:3] == ["UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_IN_PROGRESS"]
    # the old queue was deleted in the clean-up phase, after the stack's resources were updated
    deleted = [e for e in events if e["LogicalResourceId"] == "Queue" and e["ResourceStatus"] == "DELETE_COMPLETE"]
    assert deleted and deleted[0]["PhysicalResourceId"] == old_url


def test_update_in_place_and_no_changes(deploy, cfn, aws_client):
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "inplace", "DelaySeconds": 1}}}}
    deploy("inplace", template)
    template["Resources"]["Q"]["Properties"]["DelaySeconds"] = 5
    cfn.update_stack(StackName="inplace", TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_update_complete").wait(StackName="inplace", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    url = aws_client("sqs").get_queue_url(QueueName="inplace")["QueueUrl"]
    assert aws_client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"] == {"DelaySeconds": "5"}
    with pytest.raises(ClientError) as error:
        cfn.update_stack(StackName="inplace", TemplateBody=json.dumps(template))
    assert error.value.response["Error"]["Message"] == "No updates are to be performed."


FAILING = {
    "Resources": {
        "Good": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "good-queue"}},
        "Bad": {"Type": "AWS::SQS::Queue", "DependsOn": "Good", "Properties": {"QueueName": "bad", "DelaySeconds": 5000}},
    }
}  # fmt: skip


def test_failure_halfway_rolls_back(deploy, cfn, aws_client):
    stack = deploy("fails", FAILING, wait=None)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "StackStatusReason" not in stack and "DeletionTime" in stack
    rollback = [e for e in cfn.describe_stack_events(StackName="fails")["StackEvents"] if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"]
    assert rollback[0]["ResourceStatusReason"] == "The following resource(s) failed to create: [Bad]. Rollback requested by user."
    assert statuses(cfn, "fails") == [
        ("fails", "CREATE_IN_PROGRESS"), ("Good", "CREATE_IN_PROGRESS"), ("Good", "CREATE_IN_PROGRESS"),
        ("Good", "CREATE_COMPLETE"), ("Bad", "CREATE_IN_PROGRESS"), ("Bad", "CREATE_FAILED"),
        ("fails", "ROLLBACK_IN_PROGRESS"), ("Good", "DELETE_IN_PROGRESS"), ("Good", "DELETE_COMPLETE"),
        ("Bad", "DELETE_COMPLETE"), ("fails", "ROLLBACK_COMPLETE"),
    ]  # fmt: skip
    failed = [e for e in cfn.describe_stack_events(StackName="fails")["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"]
    assert "DelaySeconds" in failed[0]["ResourceStatusReason"]
    assert aws_client("sqs").list_queues(QueueNamePrefix="good-queue").get("QueueUrls", []) == []
    with pytest.raises(ClientError) as error:
        cfn.update_stack(StackName="fails", TemplateBody=json.dumps(FAILING))
    assert "ROLLBACK_COMPLETE state and can not be updated" in error.value.response["Error"]["Message"]


def test_disable_rollback_keeps_what_was_created(deploy, cfn, aws_client):
    stack = deploy("kept", FAILING, wait=None, DisableRollback=True)
    stack = cfn.describe_stacks(StackName="kept")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_FAILED" and stack["DisableRollback"] is True
    assert aws_client("sqs").get_queue_url(QueueName="good-queue")["QueueUrl"]


def test_failed_update_rolls_back_to_previous_state(deploy, cfn, aws_client):
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "stable", "DelaySeconds": 1}}}}
    deploy("rollup", template)
    broken = json.loads(json.dumps(template))
    broken["Resources"]["Q"]["Properties"]["DelaySeconds"] = 3
    broken["Resources"]["New"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "added"}}
    broken["Resources"]["Broken"] = {"Type": "AWS::SQS::Queue", "DependsOn": ["Q", "New"],
                                     "Properties": {"VisibilityTimeout": -1}}  # fmt: skip
    cfn.update_stack(StackName="rollup", TemplateBody=json.dumps(broken))
    stack = cfn.describe_stacks(StackName="rollup")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName="stable")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]["DelaySeconds"] == "1"
    assert sqs.list_queues(QueueNamePrefix="added").get("QueueUrls", []) == []
    assert [r["LogicalResourceId"] for r in cfn.list_stack_resources(StackName="rollup")["StackResourceSummaries"]] == ["Q"]
    assert json.loads(json.dumps(cfn.get_template(StackName="rollup")["TemplateBody"])) == template


def test_delete_honours_deletion_policy_retain(deploy, cfn, aws_client):
    template = {"Resources": {
        "Kept": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "Properties": {"QueueName": "retained"}},
        "Gone": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "removed"}},
    }}  # fmt: skip
    stack = deploy("retain", template)
    cfn.delete_stack(StackName="retain")
    cfn.get_waiter("stack_delete_complete").wait(StackName="retain", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    sqs = aws_client("sqs")
    assert sqs.get_queue_url(QueueName="retained")["QueueUrl"]
    assert sqs.list_queues(QueueNamePrefix="removed").get("QueueUrls", []) == []
    assert ("Kept", "DELETE_SKIPPED") in statuses(cfn, stack["StackId"])
    with pytest.raises(ClientError) as error:
        cfn.describe_stacks(StackName="retain")
    assert error.value.response["Error"]["Message"] == "Stack with id retain does not exist"
    deleted = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]
    assert deleted["StackStatus"] == "DELETE_COMPLETE" and "DeletionTime" in deleted
    assert any(s["StackId"] == stack["StackId"] for s in cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"])


def test_termination_protection(deploy, cfn):
    deploy("guarded", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}, EnableTerminationProtection=True)
    with pytest.raises(ClientError) as error:
        cfn.delete_stack(StackName="guarded")
    assert error.value.response["Error"]["Message"] == (
        "Stack [guarded] cannot be deleted while TerminationProtection is enabled"
    )
    cfn.update_termination_protection(StackName="guarded", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="guarded")


def test_duplicate_stack_and_unknown_stack(deploy, cfn):
    deploy("dup", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    with pytest.raises(ClientError) as error:
        cfn.create_stack(StackName="dup", TemplateBody=json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}))
    assert error.value.response["Error"]["Code"] == "AlreadyExistsException"
    with pytest.raises(ClientError) as error:
        cfn.describe_stacks(StackName="nope")
    assert error.value.response["Error"] == {"Type": "Sender", "Code": "ValidationError", "Message": "Stack with id nope does not exist"}


def test_type_without_handler_fails_the_stack_naming_it(deploy, cfn):
    stack = deploy("vpc", {"Resources": {"Net": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}}}},
                   wait=None)  # fmt: skip
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName="vpc")["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"]
    assert "AWS::RDS::DBCluster" in failed[0]["ResourceStatusReason"]


def test_introspection_and_persistence(deploy, cloudtwin, tmp_path):
    import urllib.request

    deploy("seen", {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "seen-q"}}}})
    with urllib.request.urlopen(f"{cloudtwin.endpoint}/_cloudtwin/cloudformation/stacks") as response:
        stacks = json.load(response)["stacks"]
    seen = next(s for s in stacks if s["StackName"] == "seen")
    assert seen["Resources"][0]["ResourceStatus"] == "CREATE_COMPLETE"
    assert seen["Resources"][0]["PhysicalResourceId"].endswith("/seen-q")
    with urllib.request.urlopen(f"{cloudtwin.endpoint}/_cloudtwin/cloudformation/types") as response:
        types = json.load(response)["types"]
    assert {"AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::CloudFormation::Stack"} <= set(types)


def test_stack_survives_restart_with_data_dir(tmp_path):
    import boto3

    from cloudtwin.config import Config
    from cloudtwin.testing.server import ServerThread, free_port

    data = tmp_path / "data"
    template = json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "durable"}}}})
    for round_ in range(2):
        with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data))) as server:
            cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1",
                               aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
            if round_ == 0:
                cfn.create_stack(StackName="durable", TemplateBody=template)
                cfn.get_waiter("stack_create_complete").wait(StackName="durable", WaiterConfig={"Delay": 1})
            else:
                stack = cfn.describe_stacks(StackName="durable")["Stacks"][0]
                assert stack["StackStatus"] == "CREATE_COMPLETE"
                resource = cfn.describe_stack_resource(StackName="durable", LogicalResourceId="Q")
                assert resource["StackResourceDetail"]["PhysicalResourceId"].endswith("/durable")


def test_queue_inline_policy_and_removed_properties(deploy, cfn, aws_client):
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}
    template = {"Resources": {
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "inline", "KmsMasterKeyId": "alias/aws/sqs",
                                                         "KmsDataKeyReusePeriodSeconds": 600, "DelaySeconds": 4}},
        "P": {"Type": "AWS::SQS::QueueInlinePolicy", "Properties": {"Queue": {"Ref": "Q"}, "PolicyDocument": policy}},
    }}  # fmt: skip
    deploy("inline", template)
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName="inline")["QueueUrl"]
    assert json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]) == policy
    template["Resources"]["Q"]["Properties"] = {"QueueName": "inline"}
    del template["Resources"]["P"]
    cfn.update_stack(StackName="inline", TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_update_complete").wait(StackName="inline", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["DelaySeconds"] == "0" and "Policy" not in attributes and "KmsMasterKeyId" not in attributes


def test_a_queue_name_sqs_still_holds_is_waited_for_on_the_clock(cfn, deploy, cloudtwin):
    """SQS holds a deleted queue's name for 60 s; CloudFormation's queue handler waits it out
    (on the virtual clock) instead of failing the stack."""
    control = cloudtwin.control()
    control.freeze()
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "held-name-q"}}}}
    deploy("held-1", template)
    cfn.delete_stack(StackName="held-1")
    cfn.get_waiter("stack_delete_complete").wait(StackName="held-1", WaiterConfig={"Delay": 1, "MaxAttempts": 5})

    cfn.create_stack(StackName="held-2", TemplateBody=json.dumps(template))
    summaries = cfn.list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in summaries if s["StackName"] == "held-2"] == ["CREATE_IN_PROGRESS"]
    control.advance(61)
    cfn.get_waiter("stack_create_complete").wait(StackName="held-2", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    queue = cfn.describe_stack_resource(StackName="held-2", LogicalResourceId="Q")
    assert queue["StackResourceDetail"]["PhysicalResourceId"].endswith("/held-name-q")
