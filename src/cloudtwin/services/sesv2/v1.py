"""Calling the SES v1 operations that hold the resources (identities, templates,
configuration sets, sent mail) through the internal client, with their errors answered in
SES v2's terms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

#: SES v1 error codes -> SES v2's.
_CODES = {
    "TemplateDoesNotExist": "NotFoundException",
    "ConfigurationSetDoesNotExist": "NotFoundException",
    "EventDestinationDoesNotExist": "NotFoundException",
    "AlreadyExists": "AlreadyExistsException",
    "ConfigurationSetAlreadyExists": "AlreadyExistsException",
    "EventDestinationAlreadyExists": "AlreadyExistsException",
    "InvalidParameterValue": "BadRequestException",
    "InvalidTemplate": "BadRequestException",
    "InvalidConfigurationSet": "BadRequestException",
    "InvalidPolicy": "BadRequestException",
    "InvalidRenderingParameter": "BadRequestException",
    "MissingRenderingAttribute": "BadRequestException",
    "InvalidSNSDestination": "BadRequestException",
    "AccountSendingPausedException": "SendingPausedException",
    "ConfigurationSetSendingPausedException": "SendingPausedException",
    "MessageRejected": "MessageRejected",
}
_V1_SHAPES = {
    "TemplateDoesNotExistException": "TemplateDoesNotExist",
    "ConfigurationSetDoesNotExistException": "ConfigurationSetDoesNotExist",
    "EventDestinationDoesNotExistException": "EventDestinationDoesNotExist",
    "AlreadyExistsException": "AlreadyExists",
    "ConfigurationSetAlreadyExistsException": "ConfigurationSetAlreadyExists",
    "EventDestinationAlreadyExistsException": "EventDestinationAlreadyExists",
    "InvalidTemplateException": "InvalidTemplate",
    "InvalidConfigurationSetException": "InvalidConfigurationSet",
    "InvalidPolicyException": "InvalidPolicy",
    "InvalidRenderingParameterException": "InvalidRenderingParameter",
    "MissingRenderingAttributeException": "MissingRenderingAttribute",
    "InvalidSNSDestinationException": "InvalidSNSDestination",
}


def translated(error: ServiceError) -> ServiceError:
    code = _V1_SHAPES.get(error.code, error.code)
    return ServiceError(_CODES.get(code, "BadRequestException"), error.message)


async def call(internal: Any, ctx: "RequestContext", operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        return await internal.call_async(
            "ses", operation, params or {}, account_id=ctx.account_id, region=ctx.region, caller=ctx.identity
        )
    except ServiceError as error:
        raise translated(error) from None
