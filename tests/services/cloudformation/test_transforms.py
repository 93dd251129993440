"""Transforms: macros (``AWS::CloudFormation::Macro`` backed by a real Lambda function) at
template and snippet level, a failing macro (the stack rolls back with AWS's reason), and the
SAM transform through AWS's translator (the change set shows the resources SAM expands to)."""

from __future__ import annotations

import io
import json
import zipfile

from cfn_helpers import outputs

MACRO = '''
def handler(event, context):
    fragment = event["fragment"]
    if event["params"].get("Fail"):
        return {"requestId": event["requestId"], "status": "failure", "errorMessage": "no thanks"}
    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return node.replace("@SUFFIX@", event["params"].get("Suffix", "global"))
        return node
    return {"requestId": event["requestId"], "status": "success", "fragment": walk(fragment)}
'''
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def _macro(aws_client, deploy) -> None:
    role = aws_client("iam").create_role(RoleName="macro", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", MACRO)
    aws_client("lambda").create_function(FunctionName="suffixer", Runtime="python3.12", Handler="index.handler",
                                         Role=role, Code={"ZipFile": buffer.getvalue()})  # fmt: skip
    aws_client("lambda").get_waiter("function_active_v2").wait(FunctionName="suffixer", WaiterConfig={"Delay": 1})
    stack = deploy("macros", {
        "Resources": {"Macro": {"Type": "AWS::CloudFormation::Macro", "Properties": {"Name": "Suffixer", "FunctionName": "suffixer"}}},
        "Outputs": {"Name": {"Value": {"Ref": "Macro"}}},
    })  # fmt: skip
    assert outputs(stack) == {"Name": "Suffixer"}


def test_macros_at_template_and_snippet_level(deploy, cfn, aws_client):
    _macro(aws_client, deploy)
    template = {
        "Transform": "Suffixer",
        "Resources": {
            "Global": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q-@SUFFIX@"}},
            "Snippet": {"Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": "s-@SUFFIX@", "Fn::Transform": {"Name": "Suffixer", "Parameters": {"Suffix": "snippet"}}}},
        },
    }  # fmt: skip
    deploy("transformed", template, Capabilities=["CAPABILITY_AUTO_EXPAND"])
    names = sorted(u.rsplit("/", 1)[1] for u in aws_client("sqs").list_queues()["QueueUrls"])
    assert names == ["q-global", "s-snippet"]  # snippets are expanded before the template's macros
    processed = cfn.get_template(StackName="transformed", TemplateStage="Processed")["TemplateBody"]
    assert processed["Resources"]["Snippet"]["Properties"] == {"QueueName": "s-snippet"}
    original = cfn.get_template(StackName="transformed")["TemplateBody"]
    assert original["Transform"] == "Suffixer"


def test_failing_macro_rolls_the_stack_back(deploy, cfn, aws_client):
    _macro(aws_client, deploy)
    template = {"Transform": {"Name": "Suffixer", "Parameters": {"Fail": "yes"}},
                "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}  # fmt: skip
    stack = deploy("refused", template, wait=None, Capabilities=["CAPABILITY_AUTO_EXPAND"])
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="refused")["StackEvents"]
    assert events[1]["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"
    assert events[1]["ResourceStatusReason"] == (
        "Transform 000000000000::Suffixer failed with: no thanks. Rollback requested by user."
    )


SAM = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Function": {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "InlineCode": "def handler(e, c): return 1",
            "Events": {"Api": {"Type": "Api", "Properties": {"Path": "/hello", "Method": "get"}}}}},
        "Table": {"Type": "AWS::Serverless::SimpleTable"},
    },
}  # fmt: skip


def test_sam_transform_expands_through_aws_translator(cfn):
    cfn.create_change_set(StackName="sam", ChangeSetName="sam-1", ChangeSetType="CREATE",
                          TemplateBody=json.dumps(SAM), Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])  # fmt: skip
    change_set = cfn.describe_change_set(StackName="sam", ChangeSetName="sam-1")
    assert change_set["Status"] == "CREATE_COMPLETE"
    types = {c["ResourceChange"]["ResourceType"] for c in change_set["Changes"]}
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::DynamoDB::Table", "AWS::ApiGateway::RestApi",
            "AWS::Lambda::Permission"} <= types  # fmt: skip
    processed = cfn.get_template(StackName="sam", ChangeSetName="sam-1", TemplateStage="Processed")["TemplateBody"]
    assert "Transform" not in processed and processed["Resources"]["Function"]["Type"] == "AWS::Lambda::Function"
    summary = cfn.get_template_summary(TemplateBody=json.dumps(SAM))
    assert summary["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]
