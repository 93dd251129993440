"""Drift detection: resources compared with what the services hold now (changed properties
leaf by leaf, deleted resources, types that cannot be read), per resource and per stack."""

from __future__ import annotations

import json

from cfn_helpers import outputs

TEMPLATE = {
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30, "DelaySeconds": 0}},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "expected", "Description": "d"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "shown"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}},
        "Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
    },
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}, "Param": {"Value": {"Ref": "Param"}},
                "Topic": {"Value": {"Ref": "Topic"}}},
}  # fmt: skip


def test_resource_drift_shows_each_changed_property(deploy, cfn, aws_client):
    found = outputs(deploy("drift-one", TEMPLATE))
    in_sync = cfn.detect_stack_resource_drift(StackName="drift-one", LogicalResourceId="Queue")["StackResourceDrift"]
    assert (in_sync["StackResourceDriftStatus"], in_sync["PropertyDifferences"]) == ("IN_SYNC", [])
    assert json.loads(in_sync["ActualProperties"]) == {"VisibilityTimeout": 30, "DelaySeconds": 0}
    aws_client("sqs").set_queue_attributes(QueueUrl=found["QueueUrl"], Attributes={"VisibilityTimeout": "45"})
    drift = cfn.detect_stack_resource_drift(StackName="drift-one", LogicalResourceId="Queue")["StackResourceDrift"]
    assert drift["StackResourceDriftStatus"] == "MODIFIED"
    assert drift["PropertyDifferences"] == [
        {"PropertyPath": "/VisibilityTimeout", "ExpectedValue": "30", "ActualValue": "45", "DifferenceType": "NOT_EQUAL"}
    ]
    assert json.loads(drift["ExpectedProperties"])["VisibilityTimeout"] == 30
    detail = cfn.describe_stack_resource(StackName="drift-one", LogicalResourceId="Queue")["StackResourceDetail"]
    assert detail["DriftInformation"]["StackResourceDriftStatus"] == "MODIFIED"


def test_stack_drift_counts_modified_and_deleted_resources(deploy, cfn, aws_client):
    found = outputs(deploy("drift-all", TEMPLATE))
    detection = cfn.detect_stack_drift(StackName="drift-all")["StackDriftDetectionId"]
    status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert (status["StackDriftStatus"], status["DriftedStackResourceCount"]) == ("IN_SYNC", 0)

    aws_client("ssm").put_parameter(Name=found["Param"], Value="changed", Type="String", Overwrite=True)
    aws_client("sns").delete_topic(TopicArn=found["Topic"])
    detection = cfn.detect_stack_drift(StackName="drift-all")["StackDriftDetectionId"]
    status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert (status["DetectionStatus"], status["StackDriftStatus"], status["DriftedStackResourceCount"]) == (
        "DETECTION_COMPLETE", "DRIFTED", 2,
    )
    drifts = {d["LogicalResourceId"]: d for d in cfn.describe_stack_resource_drifts(StackName="drift-all")["StackResourceDrifts"]}
    assert {k: d["StackResourceDriftStatus"] for k, d in drifts.items()} == {
        "Queue": "IN_SYNC", "Param": "MODIFIED", "Topic": "DELETED", "Table": "IN_SYNC", "Wait": "NOT_CHECKED",
    }
    assert drifts["Param"]["PropertyDifferences"] == [
        {"PropertyPath": "/Value", "ExpectedValue": "expected", "ActualValue": "changed", "DifferenceType": "NOT_EQUAL"}
    ]
    only = cfn.describe_stack_resource_drifts(StackName="drift-all", StackResourceDriftStatusFilters=["DELETED"])
    assert [d["LogicalResourceId"] for d in only["StackResourceDrifts"]] == ["Topic"]
    stack = cfn.describe_stacks(StackName="drift-all")["Stacks"][0]
    assert stack["DriftInformation"]["StackDriftStatus"] == "DRIFTED"


def test_lambda_and_role_drift(deploy, cfn, aws_client):
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}}},
            "Function": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Description": "before", "Environment": {"Variables": {"MODE": "1"}},
                "Code": {"ZipFile": "def handler(event, context):\\n    return 1\\n"}}},
        },
        "Outputs": {"Name": {"Value": {"Ref": "Function"}}},
    }  # fmt: skip
    name = outputs(deploy("drift-fn", template, Capabilities=["CAPABILITY_IAM"]))["Name"]
    role = cfn.detect_stack_resource_drift(StackName="drift-fn", LogicalResourceId="Role")["StackResourceDrift"]
    assert role["StackResourceDriftStatus"] == "IN_SYNC"
    aws_client("lambda").update_function_configuration(
        FunctionName=name, Description="after", Environment={"Variables": {"MODE": "2"}}
    )
    drift = cfn.detect_stack_resource_drift(StackName="drift-fn", LogicalResourceId="Function")["StackResourceDrift"]
    assert drift["StackResourceDriftStatus"] == "MODIFIED"
    assert [(d["PropertyPath"], d["ExpectedValue"], d["ActualValue"]) for d in drift["PropertyDifferences"]] == [
        ("/Description", "before", "after"), ("/Environment/Variables/MODE", "1", "2"),
    ]
    assert "Code" not in json.loads(drift["ExpectedProperties"])  # write-only: never compared
