"""API Gateway's own answers (gateway responses): ``{"message": ...}`` bodies with
``x-amzn-ErrorType``, customizable per API with ``PutGatewayResponse``."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.protocol.http import HttpResponse

#: response type -> (status, message, x-amzn-ErrorType)
DEFAULTS: dict[str, tuple[int, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny", "AccessDeniedException"),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "FORBIDDEN": (403, "Forbidden", "ForbiddenException"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "INVALID_SIGNATURE": (403, "The request signature we calculated does not match the signature you provided.", "InvalidSignatureException"),
    "EXPIRED_TOKEN": (403, "The security token included in the request is expired", "ExpiredTokenException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "BAD_REQUEST_PARAMETERS": (400, "Missing required request parameters", "BadRequestException"),
    "AUTHORIZER_FAILURE": (500, "Internal server error", "AuthorizerFailureException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error", "AuthorizerConfigurationException"),
    "INTEGRATION_FAILURE": (500, "Internal server error", "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error", "InternalServerErrorException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "NotFoundException"),
    "WAF_FILTERED": (403, "Forbidden", "WAFFilteredException"),
}


def gateway_response(kind: str, request_id: str, *, message: str | None = None,
                     custom: dict[str, Any] | None = None, context: dict | None = None,
                     stage_variables: dict | None = None) -> HttpResponse:
    """The answer for a gateway response type, with the API's customization if any
    (its own type, else ``DEFAULT_4XX`` / ``DEFAULT_5XX``)."""
    status, default_message, error_type = DEFAULTS.get(kind, DEFAULTS["INTEGRATION_FAILURE"])
    message = message or default_message
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error_type,
               "x-amzn-RequestId": request_id, "x-amz-apigw-id": request_id[:16]}  # fmt: skip
    body = json.dumps({"message": message}).encode()
    custom = custom or {}
    chosen = custom.get(kind) or custom.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
    if chosen:
        from cloudtwin.execute_api.vtl import Input, TemplateError, render

        if chosen.get("statusCode") and chosen.get("_statusSet", True):
            status = int(chosen["statusCode"])
        ctx = dict(context or {})
        ctx["error"] = {"message": message, "messageString": json.dumps(message), "responseType": kind}
        for name, value in (chosen.get("responseParameters") or {}).items():
            if name.startswith("gatewayresponse.header."):
                headers[name[len("gatewayresponse.header."):]] = _static(value, ctx, stage_variables)
        template = (chosen.get("responseTemplates") or {}).get("application/json")
        if template:
            try:
                body = render(template, input=Input(b""), context=ctx, stage_variables=stage_variables).encode()
            except TemplateError:
                pass
    return HttpResponse(status, headers, body)


def _static(value: str, context: dict, stage_variables: dict | None) -> str:
    if value.startswith("'") and value.endswith("'"):
        return value[1:-1]
    if value.startswith("context."):
        node: Any = context
        for part in value.split(".")[1:]:
            node = node.get(part) if isinstance(node, dict) else None
        return "" if node is None else str(node)
    if value.startswith("stageVariables."):
        return str((stage_variables or {}).get(value.split(".", 1)[1], ""))
    return value
