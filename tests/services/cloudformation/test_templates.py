"""The template engine: every intrinsic function on templates in AWS's documented forms (JSON
and YAML short-form tags), parameters and their constraints, conditions, mappings, pseudo
parameters, dynamic references, and AWS's errors for bad templates."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError
from cfn_helpers import outputs

YAML = """
AWSTemplateFormatVersion: 2010-09-09
Description: every intrinsic function
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
  Sizes:
    Type: CommaDelimitedList
    Default: "1,2,3"
  Count:
    Type: Number
    Default: 2
    MinValue: 1
Mappings:
  Settings:
    dev: {Retention: "60"}
    prod: {Retention: "3600"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals ["a", "a"]]
  Either: !Or [!Condition IsProd, !Condition Both]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref "AWS::StackName", !Ref Env, q]]
      MessageRetentionPeriod: !FindInMap [Settings, !Ref Env, Retention]
      DelaySeconds: !If [IsProd, 10, !Ref "AWS::NoValue"]
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
Outputs:
  Join: {Value: !Join [",", [a, b, c]]}
  Select: {Value: !Select [1, !Ref Sizes]}
  Split: {Value: !Select [2, !Split ["/", "a/b/c"]]}
  SubShort: {Value: !Sub "${AWS::Region}:${Queue.QueueName}:${Env}:${!Literal}"}
  SubLong: {Value: !Sub ["${Greeting}, ${Name}", {Greeting: Hello, Name: !Ref Env}]}
  GetAtt: {Value: !GetAtt Queue.Arn}
  GetAttList: {Value: !GetAtt [Queue, QueueName]}
  Base64: {Value: !Base64 "hello"}
  AZ: {Value: !Select [0, !GetAZs ""]}
  Cidr: {Value: !Join ["|", !Cidr ["10.0.0.0/16", 3, 8]]}
  Pseudo: {Value: !Sub "${AWS::AccountId}|${AWS::Partition}|${AWS::URLSuffix}"}
  StackId: {Value: !Ref "AWS::StackId"}
  Either: {Value: !If [Either, yes, no]}
  Count: {Value: !Ref Count}
  ProdOnly:
    Condition: IsProd
    Value: !Ref ProdOnly
"""


def test_every_intrinsic_in_yaml(deploy, cfn, aws_client):
    stack = deploy("fns", YAML)
    out = outputs(stack)
    assert out["Join"] == "a,b,c"
    assert out["Select"] == "2" and out["Split"] == "c"
    assert out["SubShort"] == "us-east-1:fns-dev-q:dev:${Literal}"
    assert out["SubLong"] == "Hello, dev"
    assert out["GetAtt"] == "arn:aws:sqs:us-east-1:000000000000:fns-dev-q" and out["GetAttList"] == "fns-dev-q"
    assert base64.b64decode(out["Base64"]) == b"hello"
    assert out["AZ"] == "us-east-1a"
    assert out["Cidr"] == "10.0.0.0/24|10.0.1.0/24|10.0.2.0/24"
    assert out["Pseudo"] == "000000000000|aws|amazonaws.com"
    assert out["StackId"] == stack["StackId"]
    assert out["Either"] == "yes" and out["Count"] == "2"
    assert "ProdOnly" not in out
    resources = [r["LogicalResourceId"] for r in cfn.list_stack_resources(StackName="fns")["StackResourceSummaries"]]
    assert resources == ["Queue"]
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName="fns-dev-q")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["MessageRetentionPeriod"] == "60" and attrs["DelaySeconds"] == "0"
    assert stack["Description"] == "every intrinsic function"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"Env": "dev", "Sizes": "1,2,3", "Count": "2"}


def test_conditions_flip_on_update(deploy, cfn):
    deploy("flip", YAML)
    cfn.update_stack(StackName="flip", TemplateBody=YAML, Parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}])
    cfn.get_waiter("stack_update_complete").wait(StackName="flip", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    out = outputs(cfn.describe_stacks(StackName="flip")["Stacks"][0])
    assert "ProdOnly" in out and out["SubShort"].startswith("us-east-1:flip-prod-q:prod")


def test_language_extensions_for_each_length_to_json_string(deploy, aws_client):
    template = {
        "Transform": "AWS::LanguageExtensions",
        "Parameters": {"Names": {"Type": "CommaDelimitedList", "Default": "a,b"}},
        "Resources": {
            "Fn::ForEach::Queues": ["Name", ["red", "blue"], {
                "Queue${Name}": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "each-${Name}"}}}}],
        },
        "Outputs": {
            "Length": {"Value": {"Fn::Length": {"Ref": "Names"}}},
            "Json": {"Value": {"Fn::ToJsonString": {"a": [1, {"Ref": "AWS::Region"}]}}},
            "Default": {"Value": {"Fn::FindInMap": ["Missing", "x", "y", {"DefaultValue": "fallback"}]}},
        },
    }  # fmt: skip
    out = outputs(deploy("each", template))
    assert out == {"Length": "2", "Json": '{"a":[1,"us-east-1"]}', "Default": "fallback"}
    urls = aws_client("sqs").list_queues(QueueNamePrefix="each-")["QueueUrls"]
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["each-blue", "each-red"]


def test_parameters_errors_and_no_echo(deploy, cfn):
    template = {
        "Parameters": {"Secret": {"Type": "String", "NoEcho": True}, "Size": {"Type": "Number", "MaxValue": 5}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
    }  # fmt: skip
    body = json.dumps(template)

    def error(**kwargs) -> str:
        with pytest.raises(ClientError) as caught:
            cfn.create_stack(StackName="params", TemplateBody=body, **kwargs)
        return caught.value.response["Error"]["Message"]

    assert error() == "Parameters: [Secret, Size] must have values"
    assert error(Parameters=[{"ParameterKey": "Other", "ParameterValue": "x"}]) == "Parameters: [Other] do not exist in the template"
    assert error(Parameters=[{"ParameterKey": "Secret", "ParameterValue": "s"}, {"ParameterKey": "Size", "ParameterValue": "9"}]) == (
        "Parameter 'Size' must be a number not greater than 5"
    )
    stack = deploy("params", template, Parameters=[
        {"ParameterKey": "Secret", "ParameterValue": "hunter2"}, {"ParameterKey": "Size", "ParameterValue": "3"}])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"Secret": "****", "Size": "3"}


def test_ssm_parameter_type_and_dynamic_references(deploy, aws_client):
    aws_client("ssm").put_parameter(Name="/app/queue", Value="from-ssm", Type="String")
    aws_client("secretsmanager").create_secret(Name="app/secret", SecretString=json.dumps({"suffix": "sm"}))
    template = {
        "Parameters": {"Name": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/queue"}},
        "Resources": {
            "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}}},
            "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dyn-{{resolve:ssm:/app/queue}}"}},
            "C": {"Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": "dyn-{{resolve:secretsmanager:app/secret:SecretString:suffix}}"}},
        },
        "Outputs": {"A": {"Value": {"Fn::GetAtt": ["A", "QueueName"]}}, "B": {"Value": {"Fn::GetAtt": ["B", "QueueName"]}},
                    "C": {"Value": {"Fn::GetAtt": ["C", "QueueName"]}}},
    }  # fmt: skip
    stack = deploy("refs", template)
    assert outputs(stack) == {"A": "from-ssm", "B": "dyn-from-ssm", "C": "dyn-sm"}
    assert stack["Parameters"] == [{"ParameterKey": "Name", "ParameterValue": "/app/queue", "ResolvedValue": "from-ssm"}]


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"Resources": {', "Template format error: JSON not well-formed. (line 1,  column 16)"),
        ("Resources:\n  Q: [unclosed", "Template format error: YAML not well-formed. (line 2, column 15)"),
        ('{"Foo": 1, "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}',
         "Template format error: Invalid template property or properties [Foo]"),
        ('{"Resources": {}}', "Template format error: At least one Resources member must be defined."),
        ('{"Resources": {"Q": {"Properties": {}}}}',
         "Template format error: [/Resources/Q] Every Resources object must contain a Type member."),
        ('{"Resources": {"Q": {"Type": "AWS::Nope::Thing"}}}', "Template format error: Unrecognized resource types: [AWS::Nope::Thing]"),
        ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Missing"}}}}}',
         "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"),
        ('{"Resources": {"A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"}, "B": {"Type": "AWS::SQS::Queue", "DependsOn": "A"}}}',
         "Circular dependency between resources: [A, B]"),
        ('{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Nope": "x"}}}}}',
         "Template format error: Encountered unsupported function: Fn::Nope Supported functions are: [Fn::Base64, Fn::GetAtt, "
         "Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, "
         "Condition, Fn::And, Fn::Or, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::ValueOf, Fn::ValueOfAll, "
         "Fn::RefAll, Fn::Sub, Fn::Cidr]"),
    ],
    ids=["json", "yaml", "section", "no-resources", "no-type", "unknown-type", "unresolved", "circular", "unknown-function"],
)
def test_bad_templates_get_aws_errors(cfn, body, message):
    with pytest.raises(ClientError) as error:
        cfn.create_stack(StackName="bad", TemplateBody=body)
    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert error.value.response["Error"]["Message"] == message
    if "Unrecognized resource types" in message:
        return  # ValidateTemplate checks the template's form, not which types exist
    with pytest.raises(ClientError) as error:
        cfn.validate_template(TemplateBody=body)
    assert error.value.response["Error"]["Message"] == message


def test_validate_template_and_summary(cfn):
    body = json.dumps({
        "Description": "d", "Parameters": {"P": {"Type": "String", "Default": "x", "Description": "p"}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}},
    })  # fmt: skip
    validated = cfn.validate_template(TemplateBody=body)
    assert validated["Parameters"] == [{"ParameterKey": "P", "DefaultValue": "x", "NoEcho": False, "Description": "p"}]
    assert validated["Capabilities"] == ["CAPABILITY_IAM"] and validated["Description"] == "d"
    summary = cfn.get_template_summary(TemplateBody=body)
    assert summary["ResourceTypes"] == ["AWS::SQS::Queue", "AWS::IAM::Role"]
    assert {"ResourceType": "AWS::SQS::Queue", "LogicalResourceIds": ["Q"], "ResourceIdentifiers": ["QueueUrl"]} in summary[
        "ResourceIdentifierSummaries"
    ]
    with pytest.raises(ClientError) as error:
        cfn.create_stack(StackName="caps", TemplateBody=body)
    assert error.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    assert error.value.response["Error"]["Message"] == "Requires capabilities : [CAPABILITY_IAM]"
