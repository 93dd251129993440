"""The property helpers every resource handler uses: template values typed by the model,
names matched across letter case, the stack's tags, idempotency tokens, already-gone deletes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cloudtwin.clock import Clock
from cloudtwin.config import Config
from cloudtwin.deployment.handler import ResourceRequest
from cloudtwin.deployment.properties import changed, gone_ok, is_missing, shaped, tag_map, tags, truthy
from cloudtwin.gateway.identity import IdentityRegistry
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.registry import ServiceEnvironment, ServiceRegistry
from cloudtwin.specs.catalog import ServiceCatalog


@pytest.fixture(scope="module")
def internal():
    config = Config()
    env = ServiceEnvironment(config, ServiceCatalog(), IdentityRegistry(config.default_account, config.default_identity))
    return ServiceRegistry(env).env.internal


def _request(internal, properties, previous=None, stack_tags=None, logical_id="Thing"):
    return ResourceRequest(
        logical_id=logical_id, resource_type="AWS::X::Y", properties=properties, stack_name="s",
        stack_id="arn:aws:cloudformation:us-east-1:000000000000:stack/s/1", account_id="000000000000",
        region="us-east-1", internal=internal, clock=Clock(), previous_properties=previous,
        stack_tags=stack_tags or [],
    )


def test_template_strings_become_the_types_the_model_wants(internal):
    request = _request(internal, {})
    params = shaped(request, "sqs", "CreateQueue", {"QueueName": 5, "Attributes": {"DelaySeconds": 1}, "Unknown": 1})
    assert params == {"QueueName": "5", "Attributes": {"DelaySeconds": "1"}}
    params = shaped(request, "dynamodb", "CreateTable", {
        "TableName": "t", "ProvisionedThroughput": {"ReadCapacityUnits": "5", "WriteCapacityUnits": 2.0},
        "DeletionProtectionEnabled": "true",
    })
    assert params["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2}
    assert params["DeletionProtectionEnabled"] is True


def test_pascal_case_names_meet_camel_case_members_and_tokens_are_filled(internal):
    request = _request(internal, {})
    params = shaped(request, "apigateway", "PutIntegration", {
        "RestApiId": "a", "ResourceId": "r", "HttpMethod": "GET", "Type": "MOCK",
        "RequestTemplates": {"application/json": "{}"}, "TimeoutInMillis": "1000",
    })
    assert params == {"restApiId": "a", "resourceId": "r", "httpMethod": "GET", "type": "MOCK",
                      "requestTemplates": {"application/json": "{}"}, "timeoutInMillis": 1000}
    api = shaped(request, "apigateway", "CreateRestApi", {"Name": "n", "Tags": [{"Key": "a", "Value": "b"}]})
    assert api == {"name": "n", "tags": {"a": "b"}}
    secret = shaped(request, "secretsmanager", "CreateSecret", {"Name": "n"})
    assert len(secret["ClientRequestToken"]) == 36


def test_timestamps_from_text_or_epoch(internal):
    request = _request(internal, {})
    params = shaped(request, "scheduler", "CreateSchedule", {"StartDate": "2030-01-02T03:04:05Z", "EndDate": 0})
    assert params["StartDate"] == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert params["EndDate"] == datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_stack_tags_in_aws_order_with_the_logical_id_then_the_templates(internal):
    stack_tags = [{"Key": "aws:cloudformation:stack-name", "Value": "s"},
                  {"Key": "aws:cloudformation:stack-id", "Value": "id"}]
    request = _request(internal, {"Tags": [{"Key": "team", "Value": 7}]}, stack_tags=stack_tags)
    assert [t["Key"] for t in tags(request)] == [
        "aws:cloudformation:stack-name", "aws:cloudformation:logical-id", "aws:cloudformation:stack-id", "team",
    ]
    assert tags(request, stack=False) == [{"Key": "team", "Value": "7"}]
    assert tag_map(_request(internal, {"Tags": {"a": "b"}}))["a"] == "b"
    assert tags(request, key="TagKey", value="TagValue")[-1] == {"TagKey": "team", "TagValue": "7"}


def test_changed_truthy_and_already_gone():
    assert truthy("True") and truthy(1) and not truthy("false")
    request = ResourceRequest("L", "T", {"A": 1, "B": 2}, "s", "id", "0", "r", None, None,  # type: ignore[arg-type]
                              previous_properties={"A": 1})
    assert changed(request, "B") and not changed(request, "A")
    with gone_ok():
        raise ServiceError("ResourceNotFoundException", "gone")
    assert is_missing(ServiceError("NoSuchEntity")) and is_missing(ServiceError("ParameterNotFound"))
    with pytest.raises(ServiceError):
        with gone_ok():
            raise ServiceError("AccessDenied", "no")
