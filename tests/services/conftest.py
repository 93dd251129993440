"""Fixtures of the services' CloudFormation resource tests.

- ``handlers``: a service's resource handlers driven the way the engine drives them (on the
  server's event loop, through the server's internal client), so that the resource they
  make can be checked with a real boto3 client.
- ``stack``: ``stack(template, name="...", **create_stack_kwargs)`` deploys a template
  through CloudFormation's API, waits as users do and returns ``(stack, outputs)``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from cloudtwin.deployment import discovery, schemas
from cloudtwin.deployment.handler import ResourceRequest


_NOT_ANSWERED = {"WarmThroughputObject"}


@dataclass
class Deployed:
    type_name: str
    logical_id: str
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


class Deployer:
    def __init__(self, gateway: Any, stack_name: str = "test-stack") -> None:
        self.gateway = gateway
        self.handlers = discovery.handlers()
        self.stack_name = stack_name
        self.stack_id = (
            f"arn:aws:cloudformation:us-east-1:000000000000:stack/{stack_name}/{uuid.uuid4()}"
        )

    def _request(self, type_name: str, logical_id: str, properties: dict[str, Any], **extra: Any) -> ResourceRequest:
        env = self.gateway.services.env
        return ResourceRequest(
            logical_id=logical_id,
            resource_type=type_name,
            properties=properties,
            stack_name=self.stack_name,
            stack_id=self.stack_id,
            account_id=env.config.default_account,
            region="us-east-1",
            internal=env.internal,
            clock=env.clock,
            stack_tags=[
                {"Key": "aws:cloudformation:stack-name", "Value": self.stack_name},
                {"Key": "aws:cloudformation:stack-id", "Value": self.stack_id},
            ],
            **extra,
        )

    def _run(self, method: Any, request: ResourceRequest) -> Any:
        async def run() -> Any:
            result = method(request)
            return await result if inspect.isawaitable(result) else result

        loop = self.gateway.processors._loop
        return asyncio.run_coroutine_threadsafe(run(), loop).result(30)

    def create(self, type_name: str, properties: dict[str, Any], logical_id: str = "Resource") -> Deployed:
        handler = self.handlers[type_name]()
        outcome = self._run(handler.create, self._request(type_name, logical_id, properties))
        # every Fn::GetAtt attribute the type's schema names is answered (the nested ones of
        # optional configurations and warm throughput, which cloudtwin has not, excepted)
        wanted = {a for a in schemas.attribute_names(type_name) if "." not in a} - _NOT_ANSWERED
        assert wanted <= set(outcome.attributes), sorted(wanted - set(outcome.attributes))
        return Deployed(type_name, logical_id, properties, outcome.physical_id, outcome.attributes)

    def update(self, resource: Deployed, properties: dict[str, Any]) -> Deployed:
        handler = self.handlers[resource.type_name]()
        request = self._request(
            resource.type_name,
            resource.logical_id,
            properties,
            physical_id=resource.physical_id,
            previous_properties=resource.properties,
            attributes=resource.attributes,
        )
        outcome = self._run(handler.update, request)
        return Deployed(resource.type_name, resource.logical_id, properties, outcome.physical_id, outcome.attributes)

    def delete(self, resource: Deployed) -> None:
        handler = self.handlers[resource.type_name]()
        request = self._request(
            resource.type_name,
            resource.logical_id,
            resource.properties,
            physical_id=resource.physical_id,
            attributes=resource.attributes,
        )
        self._run(handler.delete, request)


@pytest.fixture
def handlers(cloudtwin, aws_client) -> Deployer:
    """Create/update/delete resources through their CloudFormation handlers."""
    if cloudtwin.gateway is None:
        pytest.skip("needs the in-process server")
    aws_client("sts").get_caller_identity()  # the server's loop is running
    return Deployer(cloudtwin.gateway)


@pytest.fixture
def stack(aws_client):
    cloudformation = aws_client("cloudformation")

    def deploy(template: Any, name: str = "stack", **kwargs: Any) -> tuple[dict[str, Any], dict[str, str]]:
        body = template if isinstance(template, str) else json.dumps(template)
        cloudformation.create_stack(StackName=name, TemplateBody=body, **kwargs)
        cloudformation.get_waiter("stack_create_complete").wait(
            StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        described = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        return described, {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    return deploy
