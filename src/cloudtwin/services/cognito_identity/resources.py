"""CloudFormation resource handlers of Cognito identity pools (discovered by
:mod:`cloudtwin.deployment.discovery`)."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest

_FIELDS = ("AllowUnauthenticatedIdentities", "AllowClassicFlow", "SupportedLoginProviders", "DeveloperProviderName",
           "OpenIdConnectProviderARNs", "CognitoIdentityProviders", "SamlProviderARNs")  # fmt: skip


def _params(request: ResourceRequest) -> dict[str, Any]:
    props = request.properties
    params = {k: props[k] for k in _FIELDS if props.get(k) is not None}
    params["AllowUnauthenticatedIdentities"] = bool(props.get("AllowUnauthenticatedIdentities", False))
    params["IdentityPoolName"] = props.get("IdentityPoolName") or request.physical_name(128, separator="_").replace("-", "_")
    return params


class IdentityPoolHandler(ResourceHandler):
    type_name = "AWS::Cognito::IdentityPool"

    def create(self, request: ResourceRequest) -> Outcome:
        out = request.call("cognito-identity", "CreateIdentityPool", _params(request))
        return Outcome(out["IdentityPoolId"], {"Id": out["IdentityPoolId"], "Name": out["IdentityPoolName"]})

    def update(self, request: ResourceRequest) -> Outcome:
        out = request.call("cognito-identity", "UpdateIdentityPool", {"IdentityPoolId": request.physical_id, **_params(request)})
        return Outcome(out["IdentityPoolId"], {"Id": out["IdentityPoolId"], "Name": out["IdentityPoolName"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-identity", "DeleteIdentityPool", {"IdentityPoolId": request.physical_id})


class IdentityPoolRoleAttachmentHandler(ResourceHandler):
    type_name = "AWS::Cognito::IdentityPoolRoleAttachment"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {"IdentityPoolId": props["IdentityPoolId"], "Roles": props.get("Roles") or {}}
        if props.get("RoleMappings"):
            params["RoleMappings"] = props["RoleMappings"]
        request.call("cognito-identity", "SetIdentityPoolRoles", params)
        return Outcome(f"{props['IdentityPoolId']}-roles", {})

    def update(self, request: ResourceRequest) -> Outcome:
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-identity", "SetIdentityPoolRoles",
                     {"IdentityPoolId": request.properties["IdentityPoolId"], "Roles": {}})  # fmt: skip


HANDLERS = (IdentityPoolHandler, IdentityPoolRoleAttachmentHandler)
