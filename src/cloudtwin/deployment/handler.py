"""What a resource handler is given and what it answers.

A handler creates, updates and deletes one resource type through the owning service's
own operation handlers (``request.call`` goes through the internal client, so a resource
meets the same validation and errors as an SDK call) and never touches a store.

    class QueueHandler(ResourceHandler):
        type_name = "AWS::SQS::Queue"

        def create(self, request):
            name = request.properties.get("QueueName") or request.physical_name(80)
            url = request.call("sqs", "CreateQueue", {"QueueName": name})["QueueUrl"]
            return Outcome(url, {"Arn": ..., "QueueName": name, "QueueUrl": url})

        def delete(self, request):
            request.call("sqs", "DeleteQueue", {"QueueUrl": request.physical_id})

Handler methods may be coroutines (use ``request.call_async`` in them) when they wait,
e.g. for a Lambda-backed custom resource.
"""

from __future__ import annotations

import random
import string
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock
    from cloudtwin.events.internal import InternalClient


@dataclass(slots=True)
class Outcome:
    """A created or updated resource: the physical id ``Ref`` returns (unless the handler's
    ``ref`` says otherwise) and the attributes ``Fn::GetAtt`` can read."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


class UpdateNeedsReplacement(Exception):
    """Raised by ``update`` when the change can only be made by creating a new resource
    (the engine then creates the replacement and deletes the old one at clean-up)."""


@dataclass(slots=True)
class ResourceRequest:
    """One operation on one resource of a stack."""

    logical_id: str
    resource_type: str
    #: Properties with every intrinsic function already resolved.
    properties: dict[str, Any]
    stack_name: str
    stack_id: str
    account_id: str
    region: str
    internal: "InternalClient"
    clock: "Clock"
    #: On update and delete: the resource's physical id and its last properties/attributes.
    physical_id: str | None = None
    previous_properties: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    #: ``Tags`` CloudFormation adds to every taggable resource (aws:cloudformation:*).
    stack_tags: list[dict[str, str]] = field(default_factory=list)
    #: The engine's running operation (CloudFormation's own types — nested stacks, wait
    #: conditions, custom resources — reach the stack through it); None outside a stack.
    deployment: Any = None
    #: Request headers the services see (the ``host`` the stack's API call was sent to, so
    #: that URLs a service derives from it — queue URLs — are the ones clients use).
    headers: dict[str, str] | None = None
    #: Whom the services see making the calls (the principal that called CloudFormation, as
    #: AWS acts with the caller's permissions); None: the account's root.
    caller: Any = None

    def call(self, service: str, operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.internal.call(
            service, operation, params, account_id=self.account_id, region=self.region, headers=self.headers,
            caller=self.caller,
        )

    async def call_async(
        self, service: str, operation: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await self.internal.call_async(
            service, operation, params, account_id=self.account_id, region=self.region, headers=self.headers,
            caller=self.caller,
        )

    def s3_object(self, location: dict[str, Any]) -> bytes:
        """The bytes of an object a template points at (``{Bucket, Key, Version}``, the shape of
        ``DefinitionS3Location``, ``BodyS3Location``…), read from cloudtwin's S3."""
        params: dict[str, Any] = {"Bucket": location.get("Bucket"), "Key": location.get("Key")}
        if location.get("Version"):
            params["VersionId"] = location["Version"]
        data = self.call("s3", "GetObject", params).get("Body", b"")
        return bytes(data) if isinstance(data, (bytes, bytearray)) else b"".join(data)

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """While inside, the stack waits on something outside it (a signal, the virtual
        clock): API calls about it answer at once instead of letting it settle first."""
        engine = getattr(self.deployment, "engine", None)
        if engine is None:
            yield
            return
        engine.waiting.add(self.stack_id)
        try:
            yield
        finally:
            engine.waiting.discard(self.stack_id)

    def physical_name(self, max_length: int = 255, *, lower: bool = False, separator: str = "-") -> str:
        """The name CloudFormation generates when a template names no resource:
        ``<stack name>-<logical id>-<12 random characters>``, the first two parts cut so
        that the whole fits ``max_length``."""
        alphabet = string.ascii_lowercase + string.digits if lower else string.ascii_uppercase + string.digits
        suffix = "".join(random.choices(alphabet, k=12))
        stack, logical = self.stack_name, self.logical_id
        room = max_length - len(suffix) - 2 * len(separator)
        if len(stack) + len(logical) > room:
            stack = stack[: max(room // 2, room - len(logical))]
            logical = logical[: room - len(stack)]
        name = separator.join((stack, logical, suffix))
        return name.lower() if lower else name


class ResourceHandler:
    """The create/update/delete of one CloudFormation resource type."""

    #: ``AWS::<Service>::<Resource>``
    type_name: ClassVar[str] = ""

    def create(self, request: ResourceRequest) -> Outcome:  # may be async
        raise NotImplementedError

    def update(self, request: ResourceRequest) -> Outcome:  # may be async
        """Apply changed properties in place. The default replaces the resource."""
        raise UpdateNeedsReplacement()

    def delete(self, request: ResourceRequest) -> None:  # may be async
        raise NotImplementedError

    #: Whether ``read`` is implemented (drift detection checks only the types that can be read).
    readable: ClassVar[bool] = False

    def read(self, request: ResourceRequest) -> dict[str, Any]:  # may be async
        """The live resource's properties in the template's terms (only those the service can
        answer), for drift detection; raises the service's not-found error when it is gone."""
        raise NotImplementedError


def as_attribute(value: Any) -> str:
    """A property value in the string form service attributes take (``true``, ``30``, JSON)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def json_strings(value: Any) -> Any:
    """A JSON-typed property as CloudFormation hands it to some services: every number and
    boolean inside it turned into text (``{"MessageRetentionPeriod": 30}`` reaches SNS as
    ``{"MessageRetentionPeriod": "30"}``)."""
    if isinstance(value, dict):
        return {k: json_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def tag_map(tags: list[dict[str, Any]] | None) -> dict[str, str]:
    """A template's ``[{"Key", "Value"}]`` tags as a dict."""
    return {t["Key"]: str(t.get("Value", "")) for t in tags or ()}
