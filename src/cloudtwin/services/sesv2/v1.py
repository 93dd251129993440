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
    "CustomVerificationEmailTemplateDoesNotExist": "NotFoundException",
    "CustomVerificationEmailTemplateAlreadyExists": "AlreadyExistsException",
    "TrackingOptionsDoesNotExistException": "NotFoundException",
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
    "CustomVerificationEmailTemplateDoesNotExistException": "CustomVerificationEmailTemplateDoesNotExist",
    "CustomVerificationEmailTemplateAlreadyExistsException": "CustomVerificationEmailTemplateAlreadyExists",
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


class SesV1:
    """Mixed into the provider: ``self._v1(ctx, "Operation", params)``."""

    env: Any

    async def _v1(self, ctx: "RequestContext", operation: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await call(self.env.internal, ctx, operation, params)


def paging(params: dict[str, Any]) -> dict[str, Any]:
    """v2's ``NextToken``/``PageSize`` as v1's ``NextToken``/``MaxItems``."""
    return {k: v for k, v in (("NextToken", params.get("NextToken")), ("MaxItems", params.get("PageSize"))) if v}
