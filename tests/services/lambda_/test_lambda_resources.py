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
def role(cfn):
    return cfn.create("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST}, logical_id="FnRole")


def _function(cfn, role, answer=1, **extra):
    return cfn.create("AWS::Lambda::Function", {
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


def test_function_from_inline_code_is_invoked_updated_and_deleted(cfn, role, aws_client):
    lam = aws_client("lambda")
    fn = _function(cfn, role, Tags=[{"Key": "team", "Value": "a"}])
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
    assert cfn.update(fn, dict(fn.properties)).physical_id == name
    assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == config["CodeSha256"]

    updated = cfn.update(fn, {**fn.properties, "Code": {"ZipFile": SOURCE % 2}, "MemorySize": 256})
    assert updated.physical_id == name
    config = lam.get_function(FunctionName=name)["Configuration"]
    assert config["MemorySize"] == 256
    assert _invoke(lam, name) == {"answer": 2, "event": {"k": 1}}

    without_env = {k: v for k, v in updated.properties.items() if k != "Environment"}
    updated = cfn.update(updated, without_env)
    assert lam.get_function_configuration(FunctionName=name).get("Environment", {}).get("Variables", {}) == {}

    with pytest.raises(UpdateNeedsReplacement):
        cfn.update(updated, {**updated.properties, "FunctionName": "other"})

    cfn.delete(updated)
    with pytest.raises(ClientError) as err:
        lam.get_function(FunctionName=name)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    cfn.delete(updated)


def test_inline_python_package_has_cfnresponse(cfn, role, aws_client):
    lam = aws_client("lambda")
    fn = cfn.create("AWS::Lambda::Function", {
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


def test_permission_version_alias_url_and_event_invoke_config(cfn, role, aws_client):
    lam = aws_client("lambda")
    fn = _function(cfn, role)
    name = fn.physical_id

    permission = cfn.create("AWS::Lambda::Permission", {
        "FunctionName": fn.attributes["Arn"], "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
    }, logical_id="Perm")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [permission.physical_id]

    version = cfn.create("AWS::Lambda::Version", {"FunctionName": name}, logical_id="Ver")
    assert version.attributes["Version"] == "1"
    assert version.physical_id == f"{fn.attributes['Arn']}:1"
    assert _invoke(lam, name, Qualifier="1")["answer"] == 1

    alias = cfn.create("AWS::Lambda::Alias", {
        "FunctionName": name, "FunctionVersion": version.attributes["Version"], "Name": "live",
    })
    assert alias.physical_id == f"{fn.attributes['Arn']}:live"
    alias = cfn.update(alias, {**alias.properties, "Description": "the live one"})
    assert lam.get_alias(FunctionName=name, Name="live")["Description"] == "the live one"

    url = cfn.create("AWS::Lambda::Url", {"TargetFunctionArn": fn.attributes["Arn"], "AuthType": "NONE"})
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == url.attributes["FunctionUrl"]
    url = cfn.update(url, {**url.properties, "AuthType": "AWS_IAM"})
    assert lam.get_function_url_config(FunctionName=name)["AuthType"] == "AWS_IAM"

    invoke_config = cfn.create("AWS::Lambda::EventInvokeConfig", {
        "FunctionName": name, "Qualifier": "$LATEST", "MaximumRetryAttempts": "1",
    })
    assert lam.get_function_event_invoke_config(FunctionName=name)["MaximumRetryAttempts"] == 1

    for resource in (invoke_config, url, alias, permission, version):
        cfn.delete(resource)
        cfn.delete(resource)  # already gone
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST"]
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    with pytest.raises(ClientError):
        lam.get_policy(FunctionName=name)
    with pytest.raises(ClientError):
        lam.get_function_url_config(FunctionName=name)


def test_event_source_mapping_from_a_queue(cfn, role, aws_client):
    sqs, lam = aws_client("sqs"), aws_client("lambda")
    fn = _function(cfn, role)
    url = sqs.create_queue(QueueName="source")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = cfn.create("AWS::Lambda::EventSourceMapping", {
        "FunctionName": fn.physical_id, "EventSourceArn": arn, "BatchSize": "5",
    })
    got = lam.get_event_source_mapping(UUID=mapping.physical_id)
    assert got["BatchSize"] == 5
    assert mapping.attributes["Id"] == mapping.physical_id
    mapping = cfn.update(mapping, {**mapping.properties, "BatchSize": 7, "Enabled": False})
    got = lam.get_event_source_mapping(UUID=mapping.physical_id)
    assert got["BatchSize"] == 7
    cfn.delete(mapping)
    assert lam.list_event_source_mappings(FunctionName=fn.physical_id)["EventSourceMappings"] == [] or all(
        m["State"] == "Deleting" for m in lam.list_event_source_mappings(FunctionName=fn.physical_id)["EventSourceMappings"]
    )


def test_layer_version_and_its_permission(cfn, aws_client):
    s3, lam = aws_client("s3"), aws_client("lambda")
    s3.create_bucket(Bucket="layers")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/helper.py", "X = 1\n")
    s3.put_object(Bucket="layers", Key="layer.zip", Body=buffer.getvalue())
    layer = cfn.create("AWS::Lambda::LayerVersion", {
        "Content": {"S3Bucket": "layers", "S3Key": "layer.zip"}, "CompatibleRuntimes": ["python3.12"],
    }, logical_id="Layer")
    assert layer.physical_id.endswith(":1")
    assert ":layer:test-stack-Layer-" in layer.physical_id
    permission = cfn.create("AWS::Lambda::LayerVersionPermission", {
        "LayerVersionArn": layer.physical_id, "Action": "lambda:GetLayerVersion", "Principal": "*",
    })
    layer_arn, _, number = layer.physical_id.rpartition(":")
    policy = json.loads(lam.get_layer_version_policy(LayerName=layer_arn, VersionNumber=int(number))["Policy"])
    assert len(policy["Statement"]) == 1
    cfn.delete(permission)
    cfn.delete(layer)
    with pytest.raises(ClientError):
        lam.get_layer_version_by_arn(Arn=layer.physical_id)
    cfn.delete(layer)


def test_code_signing_config(cfn, aws_client):
    lam = aws_client("lambda")
    profile = "arn:aws:signer:us-east-1:000000000000:/signing-profiles/test"
    config = cfn.create("AWS::Lambda::CodeSigningConfig", {
        "Description": "d", "AllowedPublishers": {"SigningProfileVersionArns": [profile]},
        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": "Enforce"},
    })
    got = lam.get_code_signing_config(CodeSigningConfigArn=config.physical_id)["CodeSigningConfig"]
    assert got["CodeSigningConfigId"] == config.attributes["CodeSigningConfigId"]
    assert got["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Enforce"}
    config = cfn.update(config, {**config.properties, "Description": "changed"})
    assert lam.get_code_signing_config(CodeSigningConfigArn=config.physical_id)["CodeSigningConfig"]["Description"] == "changed"
    cfn.delete(config)
    cfn.delete(config)
    assert lam.list_code_signing_configs()["CodeSigningConfigs"] == []
