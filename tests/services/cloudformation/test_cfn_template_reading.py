"""How CloudFormation reads what it is given before it deploys: JSON its JSON parser refuses read
through its YAML parser, the template body quota, ``Fn::Select`` checked up front, parameter
types read from SSM (and AWS's words when SSM holds no such parameter), snippet includes that
keep their siblings, and macro parameters with the template's parameters resolved."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from cfn_helpers import outputs


def _error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]


def test_json_with_trailing_commas_is_read_as_yaml(deploy, aws_client):
    body = """{
      "Resources": {
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "v",},},
      },
      "Outputs": {"Name": {"Value": {"Ref": "Param"}},},
    }"""
    stack = deploy("trailing-commas", body)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    name = outputs(stack)["Name"]
    assert aws_client("ssm").get_parameter(Name=name)["Parameter"]["Value"] == "v"


def test_json_neither_parser_reads_is_a_json_error(cfn):
    error = _error(cfn.validate_template, TemplateBody='{"Resources": {"A": ')
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith("Template format error: JSON not well-formed. (line 1,")


def test_template_body_past_the_quota_is_refused(cfn):
    resources = {f"P{n}": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "x" * 60}}
                 for n in range(600)}  # fmt: skip
    body = json.dumps({"Resources": resources})
    assert len(body) > 51200
    error = _error(cfn.create_stack, StackName="too-big", TemplateBody=body)
    assert error["Code"] == "ValidationError"
    assert error["Message"].endswith(
        "at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200"
    )


@pytest.mark.parametrize("select", [["bad", ["a"]], [0, 2], [5, ["a"]]], ids=["index", "list", "range"])
def test_malformed_select_fails_the_change_set_call(cfn, select):
    template = {"Resources": {"P": {"Type": "AWS::SSM::Parameter",
                                    "Properties": {"Type": "String", "Value": {"Fn::Select": select}}}}}  # fmt: skip
    error = _error(
        cfn.create_change_set, StackName="bad-select", ChangeSetName="c", ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )  # fmt: skip
    assert error == {
        "Type": "Sender", "Code": "ValidationError",
        "Message": "Template error: Fn::Select requires a list argument with two elements: an integer index and a list",
    }  # fmt: skip


def test_select_of_a_split_resource_attribute_waits_for_the_resource(deploy):
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {
                "Fn::Select": [5, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}}},
        },
        "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["P", "Value"]}},
                    "QueueName": {"Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}},
    }  # fmt: skip
    found = outputs(deploy("split-select", template))
    assert found["Name"] == found["QueueName"]


def test_missing_ssm_parameter_of_a_parameter_type(cfn):
    template = {
        "Parameters": {"Input": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {"Ref": "Input"}}}},
    }
    error = _error(
        cfn.create_stack, StackName="missing-ssm", TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Input", "ParameterValue": "no-such-parameter"}],
    )  # fmt: skip
    assert error["Message"] == "Parameter Input should either have input value or default value"


def test_ssm_comma_delimited_list_parameter_is_a_list(deploy, aws_client):
    aws_client("ssm").put_parameter(Name="/cfn/list", Value="a,b,c", Type="StringList")
    template = {
        "Parameters": {"Items": {"Type": "AWS::SSM::Parameter::Value<CommaDelimitedList>"}},
        "Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "x"}}},
        "Outputs": {"Second": {"Value": {"Fn::Select": [1, {"Ref": "Items"}]}}},
    }
    stack = deploy("ssm-list", template, Parameters=[{"ParameterKey": "Items", "ParameterValue": "/cfn/list"}])
    assert outputs(stack)["Second"] == "b"


def test_property_level_include_keeps_its_siblings(deploy, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="cfn-snippets")
    s3.put_object(Bucket="cfn-snippets", Key="value.yaml", Body=b"Value: from-the-snippet\n")
    template = """
Resources:
  P:
    Type: AWS::SSM::Parameter
    Properties:
      Description: kept
      Type: String
      Fn::Transform:
        Name: AWS::Include
        Parameters: {Location: s3://cfn-snippets/value.yaml}
Outputs:
  Name: {Value: !Ref P}
"""
    name = outputs(deploy("include-siblings", template))["Name"]
    ssm = aws_client("ssm")
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "from-the-snippet"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert described[0]["Description"] == "kept"


def test_state_machine_definition_from_s3_with_substitutions(deploy, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="cfn-definitions")
    definition = {"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": "${Greeting}", "End": True}}}
    s3.put_object(Bucket="cfn-definitions", Key="machine.json", Body=json.dumps(definition).encode())
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}}},
            "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
                "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                "DefinitionS3Location": {"Bucket": "cfn-definitions", "Key": "machine.json"},
                "DefinitionSubstitutions": {"Greeting": "hello"}}},
        },
        "Outputs": {"Arn": {"Value": {"Ref": "Machine"}}},
    }  # fmt: skip
    arn = outputs(deploy("sfn-s3", template, Capabilities=["CAPABILITY_IAM"]))["Arn"]
    described = aws_client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"])["States"]["S"]["Result"] == "hello"
