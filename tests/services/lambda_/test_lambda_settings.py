"""Lambda's control plane around functions: tags on every taggable resource, event invoke
configs, aliases' routing, concurrency, permissions, layers in configurations, code signing,
URL config paging, publishing, with AWS's checks and wording."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import zipped

SOURCE = {"app.py": "def handler(event, context):\n    return event\n"}
ARN = "arn:aws:lambda:us-east-1:000000000000"


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response


def test_tags_on_functions_mappings_and_code_signing_configs(lam, deploy, aws_client):
    deploy("tagged", SOURCE)
    fn = f"{ARN}:function:tagged"
    revision = lam.get_function(FunctionName="tagged")["Configuration"]["RevisionId"]
    lam.tag_resource(Resource=fn, Tags={"a": "1"})
    assert lam.list_tags(Resource=fn)["Tags"] == {"a": "1"}
    assert lam.get_function(FunctionName="tagged")["Configuration"]["RevisionId"] != revision  # a revision
    assert error_of(lam.tag_resource, Resource=fn, Tags={})["Error"]["Message"] == (
        "An error occurred and the request cannot be processed."
    )
    too_many = error_of(lam.tag_resource, Resource=fn, Tags={f"k{i}": "v" for i in range(50)})
    assert too_many["Error"]["Message"] == "Number of tags exceeds resource tag limit."
    missing = error_of(lam.list_tags, Resource=f"{ARN}:event-source-mapping:{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert missing["Error"]["Message"].startswith("Event source mapping not found: ")
    provider = error_of(lam.list_tags, Resource=f"{ARN}:capacity-provider:cp")
    assert provider["Error"]["Message"] == f"Capacity provider not found: {ARN}:capacity-provider:cp"

    sqs = aws_client("sqs")
    queue = sqs.create_queue(QueueName="tag-src")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="tagged", Tags={"t": "x"})
    assert mapping["StateTransitionReason"] == "USER_INITIATED" and "LastProcessingResult" not in mapping
    assert lam.list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == {"t": "x"}
    lam.untag_resource(Resource=mapping["EventSourceMappingArn"], TagKeys=["t"])
    assert lam.list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == {}

    csc = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:000000000000:/signing-profiles/p"]},
        Tags={"c": "1"},
    )["CodeSigningConfig"]
    assert lam.list_tags(Resource=csc["CodeSigningConfigArn"])["Tags"] == {"c": "1"}
    assert "Tags" not in lam.get_code_signing_config(CodeSigningConfigArn=csc["CodeSigningConfigArn"])["CodeSigningConfig"]


def test_event_invoke_config_errors(lam, deploy):
    deploy("async-fn", SOURCE)
    deploy("other-fn", SOURCE)
    nothing = error_of(lam.put_function_event_invoke_config, FunctionName="ghost")
    assert nothing["Error"]["Message"] == "You must specify at least one of error handling or destination setting."
    gone = error_of(lam.put_function_event_invoke_config, FunctionName="ghost", MaximumRetryAttempts=1)
    assert gone["Error"]["Message"] == "The function doesn't exist."
    to_self = error_of(lam.put_function_event_invoke_config, FunctionName="async-fn",
                       DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:function:async-fn"}})  # fmt: skip
    assert to_self["Error"]["Message"] == "You can't specify the function as a destination for itself."
    unknown = error_of(lam.put_function_event_invoke_config, FunctionName="async-fn",
                       DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:function:ghost"}})  # fmt: skip
    assert unknown["Error"]["Message"] == f"The destination ARN {ARN}:function:ghost is invalid."
    iam_arn = "arn:aws:iam:us-east-1:000000000000:function:async-fn"
    wrong = error_of(lam.put_function_event_invoke_config, FunctionName="async-fn",
                     DestinationConfig={"OnSuccess": {"Destination": iam_arn}})  # fmt: skip
    assert wrong["Error"]["Message"] == (
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam_arn}), onFailure=null) is invalid."
    )
    put = lam.put_function_event_invoke_config(
        FunctionName="async-fn", DestinationConfig={"OnSuccess": {"Destination": f"{ARN}:function:other-fn"}}
    )
    assert put["DestinationConfig"] == {"OnSuccess": {"Destination": f"{ARN}:function:other-fn"}, "OnFailure": {}}
    absent = error_of(lam.get_function_event_invoke_config, FunctionName="ghost")
    assert absent["Error"]["Message"] == f"The function {ARN}:function:ghost:$LATEST doesn't have an EventInvokeConfig"
    assert error_of(lam.list_function_event_invoke_configs, FunctionName="ghost")["Error"]["Message"] == (
        "The function doesn't exist."
    )


def test_aliases_concurrency_and_permissions(lam, deploy):
    deploy("routed", SOURCE)
    lam.publish_version(FunctionName="routed")
    assert error_of(lam.create_alias, FunctionName="routed", Name="a", FunctionVersion="$LATEST",
                    RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})["Error"]["Message"] == (
        "$LATEST is not supported for an alias pointing to more than 1 version")  # fmt: skip
    too_many = error_of(lam.create_alias, FunctionName="routed", Name="a", FunctionVersion="1",
                        RoutingConfig={"AdditionalVersionWeights": {"1": 0.5, "2": 0.1}})  # fmt: skip
    assert too_many["Error"]["Message"] == "Number of items in AdditionalVersionWeights cannot be greater than 1"
    weight = error_of(lam.create_alias, FunctionName="routed", Name="a", FunctionVersion="1",
                      RoutingConfig={"AdditionalVersionWeights": {"2": 2.0}})  # fmt: skip
    assert weight["Error"]["Message"].endswith("Member must have value greater than or equal to 0.0, Member must not be null]")
    plain = lam.create_alias(FunctionName="routed", Name="plain", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in plain
    assert error_of(lam.update_alias, FunctionName="routed", Name="nope")["Error"]["Message"] == (
        f"Alias not found: {ARN}:function:routed:nope")  # fmt: skip

    latest = lam.get_function_configuration(FunctionName="routed", Qualifier="$LATEST")["FunctionArn"]
    assert latest == f"{ARN}:function:routed:$LATEST"
    assert error_of(lam.put_function_concurrency, FunctionName=latest, ReservedConcurrentExecutions=1)["Error"][
        "Message"].startswith("This operation is permitted on Lambda functions only.")  # fmt: skip
    ghost = error_of(lam.put_function_concurrency, FunctionName="ghost", ReservedConcurrentExecutions=1)
    assert ghost["Error"]["Message"] == f"Function not found: {ARN}:function:ghost:$LATEST"
    below = error_of(lam.put_function_concurrency, FunctionName="routed", ReservedConcurrentExecutions=950)
    assert "Type" not in below and "below its minimum value of [100]" in below["Error"]["Message"]

    latest_policy = error_of(lam.add_permission, FunctionName="routed", Qualifier="$LATEST", StatementId="s",
                             Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")  # fmt: skip
    assert latest_policy["Error"]["Message"] == "We currently do not support adding policies for $LATEST."
    principal = error_of(lam.add_permission, FunctionName="routed", StatementId="s", Action="lambda:InvokeFunction",
                         Principal="invalid.example.com")  # fmt: skip
    assert principal["Error"]["Message"] == "The provided principal was invalid. Please check the principal and try again."
    no_alias = error_of(lam.add_permission, FunctionName="routed:nope", StatementId="s", Action="lambda:InvokeFunction",
                        Principal="s3.amazonaws.com")  # fmt: skip
    assert no_alias["Error"]["Message"] == f"Cannot find alias arn: {ARN}:function:routed:nope"
    assert error_of(lam.get_policy, FunctionName="ghost")["Error"]["Message"] == "The resource you requested does not exist."
    assert error_of(lam.remove_permission, FunctionName="ghost", StatementId="s")["Error"]["Message"] == (
        f"No policy found for: {ARN}:function:ghost")  # fmt: skip


def test_publish_creates_a_version_only_after_a_change(lam, deploy):
    deploy("published", SOURCE)
    assert lam.publish_version(FunctionName="published")["Version"] == "1"
    assert lam.publish_version(FunctionName="published")["Version"] == "1"  # nothing changed
    lam.update_function_configuration(FunctionName="published", Description="second")
    lam.get_waiter("function_updated_v2").wait(FunctionName="published", WaiterConfig={"Delay": 1})
    second = lam.publish_version(FunctionName="published")
    assert (second["Version"], second["Description"]) == ("2", "second")


def test_layers_in_configurations_and_layer_policies(lam, deploy):
    layer = zipped({"python/util.py": "X = 1\n"})
    one = lam.publish_layer_version(LayerName="lib", Content={"ZipFile": layer}, CompatibleRuntimes=[])
    assert one["CompatibleRuntimes"] == []
    two = lam.publish_layer_version(LayerName="lib", Content={"ZipFile": layer})
    deploy("layered", SOURCE)
    same = error_of(lam.update_function_configuration, FunctionName="layered",
                    Layers=[one["LayerVersionArn"], two["LayerVersionArn"]])  # fmt: skip
    assert same["Error"]["Message"] == (
        "Two different versions of the same layer are not allowed to be referenced in the same function. "
        f"{one['LayerVersionArn']} and {two['LayerVersionArn']} are versions of the same layer."
    )
    elsewhere = one["LayerVersionArn"].replace("us-east-1", "eu-west-1")
    region = error_of(lam.update_function_configuration, FunctionName="layered", Layers=[elsewhere])
    assert region["Error"]["Message"] == (
        "Layers are not in the same region as the function. Layers are expected to be in region us-east-1."
    )
    added = lam.add_layer_version_permission(LayerName="lib", VersionNumber=1, StatementId="s1",
                                             Action="lambda:GetLayerVersion", Principal="*")  # fmt: skip
    stale = error_of(lam.add_layer_version_permission, LayerName="lib", VersionNumber=1, StatementId="s2",
                     Action="lambda:GetLayerVersion", Principal="*", RevisionId="0" * 36)  # fmt: skip
    assert stale["Error"]["Code"] == "PreconditionFailedException"
    lam.remove_layer_version_permission(LayerName="lib", VersionNumber=1, StatementId="s1", RevisionId=added["RevisionId"])
    missing = error_of(lam.get_layer_version_policy, LayerName="lib", VersionNumber=9)
    assert missing["Error"]["Message"] == f"Layer version {ARN}:layer:lib:9 does not exist."
    settings = lam.get_account_settings()["AccountUsage"]
    assert settings["TotalCodeSize"] >= 2 * len(layer)


def test_code_signing_and_url_configs(lam, deploy):
    deploy("signed", SOURCE)
    csc = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:000000000000:/signing-profiles/p"]}
    )["CodeSigningConfig"]["CodeSigningConfigArn"]
    assert "CodeSigningConfigArn" not in lam.get_function_code_signing_config(FunctionName="signed")
    lam.put_function_code_signing_config(FunctionName="signed", CodeSigningConfigArn=csc)
    assert lam.list_functions_by_code_signing_config(CodeSigningConfigArn=csc)["FunctionArns"] == [f"{ARN}:function:signed"]
    invalid = csc[:-1] + ("a" if csc[-1] != "a" else "b")
    missing = error_of(lam.put_function_code_signing_config, FunctionName="ghost", CodeSigningConfigArn=invalid)
    assert missing["Error"]["Code"] == "CodeSigningConfigNotFoundException"
    assert error_of(lam.get_code_signing_config, CodeSigningConfigArn=invalid)["Error"]["Message"] == (
        f"The Lambda code signing configuration {invalid} can not be found.")  # fmt: skip

    lam.publish_version(FunctionName="signed")
    lam.create_alias(FunctionName="signed", Name="live", FunctionVersion="1")
    created = lam.create_function_url_config(FunctionName="signed", AuthType="NONE")
    assert "InvokeMode" not in created
    lam.create_function_url_config(FunctionName="signed", Qualifier="live", AuthType="NONE")
    first = lam.list_function_url_configs(FunctionName="signed", MaxItems=1)
    assert len(first["FunctionUrlConfigs"]) == 1 and first["FunctionUrlConfigs"][0]["InvokeMode"] == "BUFFERED"
    rest = lam.list_function_url_configs(FunctionName="signed", Marker=first["NextMarker"])
    assert len(rest["FunctionUrlConfigs"]) == 1 and "NextMarker" not in rest
    assert error_of(lam.list_function_url_configs, FunctionName="ghost")["Error"]["Message"] == "Function does not exist"


def test_size_limits(lam, role):
    big = b"x" * (50 * 1024 * 1024)
    response = error_of(lam.create_function, FunctionName="big", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": big})  # fmt: skip
    assert response["Error"] == {"Code": "RequestEntityTooLargeException", "Message": "Zipped size must be smaller than 52428800 bytes"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    # a zip within its limit in a request past Lambda's (refused on its declared length)
    response = error_of(lam.create_function, FunctionName="big", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": b"x" * (40 * 1024 * 1024)}, Environment={"Variables": {"k": "v" * (20 * 1024 * 1024)}})  # fmt: skip
    assert response["Error"] == {"Code": "RequestEntityTooLargeException",
                                 "Message": "Request must be smaller than 70167211 bytes for the CreateFunction operation"}  # fmt: skip
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_layer_versions_shared_with_another_account(lam, aws_client):
    layer = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": zipped({"python/x.py": "X = 1\n"})})
    other = aws_client("lambda", aws_access_key_id="123456789012")
    arn = layer["LayerArn"]
    assert error_of(other.get_layer_version, LayerName=arn, VersionNumber=1)["Error"]["Code"] == "ResourceNotFoundException"
    lam.add_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="s", Action="lambda:GetLayerVersion",
                                     Principal="123456789012")  # fmt: skip
    assert other.get_layer_version(LayerName=arn, VersionNumber=1)["LayerVersionArn"] == layer["LayerVersionArn"]
    assert other.get_layer_version_by_arn(Arn=layer["LayerVersionArn"])["Version"] == 1


def test_code_update_with_publish_makes_a_version_still_being_created(lam, deploy):
    deploy("republished", SOURCE)
    lam.publish_version(FunctionName="republished")
    updated = lam.update_function_code(FunctionName="republished", ZipFile=zipped({"app.py": SOURCE["app.py"] + "# 2\n"}),
                                       Publish=True)  # fmt: skip
    assert (updated["Version"], updated["State"], updated["StateReasonCode"]) == ("2", "Pending", "Creating")
    first = lam.get_function(FunctionName="republished", Qualifier="2")["Configuration"]
    assert first["State"] == "Pending"
    assert lam.get_function(FunctionName="republished", Qualifier="2")["Configuration"]["State"] == "Active"

    lam.create_function_url_config(FunctionName="republished", AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    updated_url = lam.update_function_url_config(FunctionName="republished", AuthType="AWS_IAM")
    assert updated_url["InvokeMode"] == "RESPONSE_STREAM"  # not the default: shown
