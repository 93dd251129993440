"""Lambda's CloudFormation resource handlers, checked through Lambda's API."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from cloudtwin.deployment.handler import UpdateNeedsReplacement

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
SOURCE = "def handler(event, context):\n    return {'answer': %d, 'event': event}\n"


@pytest.fixture
def role(handlers):
    return handlers.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST}, logical_id="FnRole")


def _function(handlers, role, answer=1, **extra):
    return handlers.create("AWS::Lambda::Function", {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": role.attributes["Arn"],
        "Code": {"ZipFile": SOURCE % answer},
        "Timeout": "10",
        "Environment": {"Variables": {"MODE": "test"}},
        **extra,
    }, logical_id="Fn")


def _invoke(lam, name, **kwargs):
    response = lam.invoke(FunctionName=name, Payload=b'{"k": 1}', **kwargs)
    return json.loads(response["Payload"].read())


def test_function_from_inline_code_is_invoked_updated_and_deleted(handlers, role, aws_client):
    lam = aws_client("lambda")
    fn = _function(handlers, role, Tags=[{"Key": "team", "Value": "a"}])
    name = fn.physical_id
    assert name.startswith("test-stack-Fn-") and len(name) <= 64
    config = lam.get_function(FunctionName=name)["Configuration"]
    assert config["FunctionArn"] == fn.attributes["Arn"]
    assert config["State"] == "Active"
    assert config["Timeout"] == 10
    assert config["Environment"] == {"Variables": {"MODE": "test"}}
    tags = lam.list_tags(Resource=fn.attributes["Arn"])["Tags"]
    assert tags["team"] == "a" and tags["aws:cloudformation:logical-id"] == "Fn"

    code = lam.get_function(FunctionName=name)["Code"]
    assert code["RepositoryType"] == "S3"
    assert _invoke(lam, name) == {"answer": 1, "event": {"k": 1}}

    # the same inline text gives the same package
    assert handlers.update(fn, dict(fn.properties)).physical_id == name
    assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == config["CodeSha256"]

    updated = handlers.update(fn, {**fn.properties, "Code": {"ZipFile": SOURCE % 2}, "MemorySize": 256})
    assert updated.physical_id == name
    config = lam.get_function(FunctionName=name)["Configuration"]
    assert config["MemorySize"] == 256
    assert _invoke(lam, name) == {"answer": 2, "event": {"k": 1}}

    without_env = {k: v for k, v in updated.properties.items() if k != "Environment"}
    updated = handlers.update(updated, without_env)
    assert lam.get_function_configuration(FunctionName=name).get("Environment", {}).get("Variables", {}) == {}

    with pytest.raises(UpdateNeedsReplacement):
        handlers.update(updated, {**updated.properties, "FunctionName": "other"})

    handlers.delete(updated)
    with pytest.raises(ClientError) as err:
        lam.get_function(FunctionName=name)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    handlers.delete(updated)


def test_inline_python_package_has_cfnresponse(handlers, role, aws_client):
    lam = aws_client("lambda")
    fn = handlers.create("AWS::Lambda::Function", {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": role.attributes["Arn"],
        "Code": {"ZipFile": "import cfnresponse\ndef handler(e, c):\n    return cfnresponse.SUCCESS\n"},
    })
    assert _invoke(lam, fn.physical_id) == "SUCCESS"


def test_inline_node_source_becomes_index_js():
    from cloudtwin.services.lambda_.inline_code import package

    archive = zipfile.ZipFile(io.BytesIO(package("exports.handler = async () => 1;", "nodejs20.x")))
    assert archive.read("index.js") == b"exports.handler = async () => 1;"
    assert "node_modules/cfn-response/index.js" in archive.namelist()
    assert package("x", "nodejs20.x") == package("x", "nodejs20.x")


def test_permission_version_alias_url_and_event_invoke_config(handlers, role, aws_client):
    lam = aws_client("lambda")
    fn = _function(handlers, role)
    name = fn.physical_id

    permission = handlers.create("AWS::Lambda::Permission", {
        "FunctionName": fn.attributes["Arn"], "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
    }, logical_id="Perm")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [permission.physical_id]

    version = handlers.create("AWS::Lambda::Version", {"FunctionName": name}, logical_id="Ver")
    assert version.attributes["Version"] == "1"
    assert version.physical_id == f"{fn.attributes['Arn']}:1"
    assert _invoke(lam, name, Qualifier="1")["answer"] == 1

    alias = handlers.create("AWS::Lambda::Alias", {
        "FunctionName": name, "FunctionVersion": version.attributes["Version"], "Name": "live",
    })
    assert alias.physical_id == f"{fn.attributes['Arn']}:live"
    alias = handlers.update(alias, {**alias.properties, "Description": "the live one"})
    assert lam.get_alias(FunctionName=name, Name="live")["Description"] == "the live one"

    url = handlers.create("AWS::Lambda::Url", {"TargetFunctionArn": fn.attributes["Arn"], "AuthType": "NONE"})
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == url.attributes["FunctionUrl"]
    url = handlers.update(url, {**url.properties, "AuthType": "AWS_IAM"})
    assert lam.get_function_url_config(FunctionName=name)["AuthType"] == "AWS_IAM"

    invoke_config = handlers.create("AWS::Lambda::EventInvokeConfig", {
        "FunctionName": name, "Qualifier": "$LATEST", "MaximumRetryAttempts": "1",
    })
    assert lam.get_function_event_invoke_config(FunctionName=name)["MaximumRetryAttempts"] == 1

    for resource in (invoke_config, url, alias, permission, version):
        handlers.delete(resource)
        handlers.delete(resource)  # already gone
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST"]
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    with pytest.raises(ClientError):
        lam.get_policy(FunctionName=name)
    with pytest.raises(ClientError):
        lam.get_function_url_config(FunctionName=name)


def test_event_source_mapping_from_a_queue(handlers, role, aws_client):
    sqs, lam = aws_client("sqs"), aws_client("lambda")
    fn = _function(handlers, role)
    url = sqs.create_queue(QueueName="source")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = handlers.create("AWS::Lambda::EventSourceMapping", {
        "FunctionName": fn.physical_id, "EventSourceArn": arn, "BatchSize": "5",
    })
    got = lam.get_event_source_mapping(UUID=mapping.physical_id)
    assert got["BatchSize"] == 5
    assert mapping.attributes["Id"] == mapping.physical_id
    mapping = handlers.update(mapping, {**mapping.properties, "BatchSize": 7, "Enabled": False})
    got = lam.get_event_source_mapping(UUID=mapping.physical_id)
    assert got["BatchSize"] == 7
    handlers.delete(mapping)
    assert lam.list_event_source_mappings(FunctionName=fn.physical_id)["EventSourceMappings"] == [] or all(
        m["State"] == "Deleting" for m in lam.list_event_source_mappings(FunctionName=fn.physical_id)["EventSourceMappings"]
    )


def test_layer_version_and_its_permission(handlers, aws_client):
    s3, lam = aws_client("s3"), aws_client("lambda")
    s3.create_bucket(Bucket="layers")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/helper.py", "X = 1\n")
    s3.put_object(Bucket="layers", Key="layer.zip", Body=buffer.getvalue())
    layer = handlers.create("AWS::Lambda::LayerVersion", {
        "Content": {"S3Bucket": "layers", "S3Key": "layer.zip"}, "CompatibleRuntimes": ["python3.12"],
    }, logical_id="Layer")
    assert layer.physical_id.endswith(":1")
    assert ":layer:test-stack-Layer-" in layer.physical_id
    permission = handlers.create("AWS::Lambda::LayerVersionPermission", {
        "LayerVersionArn": layer.physical_id, "Action": "lambda:GetLayerVersion", "Principal": "*",
    })
    layer_arn, _, number = layer.physical_id.rpartition(":")
    policy = json.loads(lam.get_layer_version_policy(LayerName=layer_arn, VersionNumber=int(number))["Policy"])
    assert len(policy["Statement"]) == 1
    handlers.delete(permission)
    handlers.delete(layer)
    with pytest.raises(ClientError):
        lam.get_layer_version_by_arn(Arn=layer.physical_id)
    handlers.delete(layer)


def test_code_signing_config(handlers, aws_client):
    lam = aws_client("lambda")
    profile = "arn:aws:signer:us-east-1:000000000000:/signing-profiles/test"
    config = handlers.create("AWS::Lambda::CodeSigningConfig", {
        "Description": "d", "AllowedPublishers": {"SigningProfileVersionArns": [profile]},
        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Enforce"},
    })
    got = lam.get_code_signing_config(CodeSigningConfigArn=config.physical_id)["CodeSigningConfig"]
    assert got["CodeSigningConfigId"] == config.attributes["CodeSigningConfigId"]
    assert got["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Enforce"}
    config = handlers.update(config, {**config.properties, "Description": "changed"})
    assert lam.get_code_signing_config(CodeSigningConfigArn=config.physical_id)["CodeSigningConfig"]["Description"] == "changed"
    handlers.delete(config)
    handlers.delete(config)
    assert lam.list_code_signing_configs()["CodeSigningConfigs"] == []


APP = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Queue:
    Type: AWS::SQS::Queue
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Ref Table
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return {"table": os.environ["TABLE"], "records": len(event.get("Records", []))}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Function
      EventSourceArn: !GetAtt Queue.Arn
      BatchSize: 5
  Version:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Function
  Alias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Function
      FunctionVersion: !GetAtt Version.Version
      Name: live
Outputs:
  FunctionName: {Value: !Ref Function}
  FunctionArn: {Value: !GetAtt Function.Arn}
  TableName: {Value: !Ref Table}
  TableArn: {Value: !GetAtt Table.Arn}
  MappingId: {Value: !Ref Mapping}
  VersionArn: {Value: !Ref Version}
  AliasArn: {Value: !Ref Alias}
"""


def test_stack_with_function_table_queue_mapping_version_alias(stack, aws_client):
    lam, ddb = aws_client("lambda"), aws_client("dynamodb")
    described, out = stack(APP, name="app", Capabilities=["CAPABILITY_IAM"])
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert out["FunctionName"].startswith("app-Function-")
    config = lam.get_function(FunctionName=out["FunctionName"])["Configuration"]
    assert config["FunctionArn"] == out["FunctionArn"] and config["State"] == "Active"
    assert ddb.describe_table(TableName=out["TableName"])["Table"]["TableArn"] == out["TableArn"]
    assert lam.get_event_source_mapping(UUID=out["MappingId"])["BatchSize"] == 5
    assert out["VersionArn"] == f"{out['FunctionArn']}:1"
    assert out["AliasArn"] == f"{out['FunctionArn']}:live"
    assert _invoke(lam, out["AliasArn"]) == {"table": out["TableName"], "records": 0}

    cloudformation = aws_client("cloudformation")
    cloudformation.delete_stack(StackName="app")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="app", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    assert lam.list_functions()["Functions"] == []
    assert ddb.list_tables()["TableNames"] == []
