"""Details of the handlers' answers AWS's recordings show: SNS's ArchivePolicy numbers passed as
text, SQS FIFO settings kept when their properties leave the template, unnamed API Gateway
models named after the stack, a template's Metadata alone changing nothing."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import WaiterError
from cfn_helpers import outputs

WAIT = {"Delay": 1, "MaxAttempts": 10}


def test_archive_policy_numbers_reach_sns_as_text(deploy, aws_client):
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
            "FifoTopic": True, "TopicName": "archived.fifo", "ArchivePolicy": {"MessageRetentionPeriod": 30}}}},
        "Outputs": {"Arn": {"Value": {"Ref": "Topic"}}},
    }  # fmt: skip
    arn = outputs(deploy("archive", template))["Arn"]
    attributes = aws_client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    assert json.loads(attributes["ArchivePolicy"]) == {"MessageRetentionPeriod": "30"}


def test_fifo_settings_stay_when_their_properties_go(deploy, cfn, aws_client):
    full = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": "kept.fifo", "FifoQueue": True, "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId", "DelaySeconds": 5}}}, "Outputs": {"Url": {"Value": {"Ref": "Q"}}}}
    url = outputs(deploy("fifo-kept", full))["Url"]
    bare = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "kept.fifo", "FifoQueue": True}}},
            "Outputs": {"Url": {"Value": {"Ref": "Q"}}}}  # fmt: skip
    cfn.update_stack(StackName="fifo-kept", TemplateBody=json.dumps(bare))
    cfn.get_waiter("stack_update_complete").wait(StackName="fifo-kept", WaiterConfig=WAIT)
    attributes = aws_client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["DeduplicationScope"], attributes["FifoThroughputLimit"], attributes["DelaySeconds"]) == (
        "messageGroup", "perMessageGroupId", "0",
    )


def test_unnamed_models_are_named_after_the_stack(deploy, aws_client):
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "models"}},
            "Model": {"Type": "AWS::ApiGateway::Model", "Properties": {"RestApiId": {"Ref": "Api"}, "Schema": {}}},
        },
        "Outputs": {"Api": {"Value": {"Ref": "Api"}}, "Model": {"Value": {"Ref": "Model"}}},
    }  # fmt: skip
    found = outputs(deploy("named-models", template))
    assert found["Model"].startswith("namedmodelsModel") and found["Model"].isalnum()
    names = [m["name"] for m in aws_client("apigateway").get_models(restApiId=found["Api"])["items"]]
    assert found["Model"] in names


def test_a_change_to_the_template_metadata_alone_is_no_change(deploy, cfn):
    template = {"Metadata": {"v": "1"}, "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    deploy("meta-only", template)
    template["Metadata"]["v"] = "2"
    cfn.create_change_set(StackName="meta-only", ChangeSetName="meta", TemplateBody=json.dumps(template))
    with pytest.raises(WaiterError):
        cfn.get_waiter("change_set_create_complete").wait(StackName="meta-only", ChangeSetName="meta", WaiterConfig=WAIT)
    assert cfn.describe_change_set(StackName="meta-only", ChangeSetName="meta")["Status"] == "FAILED"


def test_resource_detail_metadata_is_an_empty_document_when_none_is_declared(deploy, cfn):
    deploy("no-metadata", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    detail = cfn.describe_stack_resource(StackName="no-metadata", LogicalResourceId="Q")["StackResourceDetail"]
    assert detail["Metadata"] == "{}"


def test_a_role_without_description_shows_an_empty_one(deploy, aws_client):
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}}}},
                "Outputs": {"Name": {"Value": {"Ref": "Role"}}}}  # fmt: skip
    name = outputs(deploy("described-role", template, Capabilities=["CAPABILITY_IAM"]))["Name"]
    assert aws_client("iam").get_role(RoleName=name)["Role"]["Description"] == ""
