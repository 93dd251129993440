"""CloudFormation resource handlers of Cognito user pools (discovered by
:mod:`cloudtwin.deployment.discovery`): each goes through the service's own operations."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.services.cognito_idp.pools import _CLIENT_SETTINGS, _POOL_SETTINGS

Params = dict[str, Any]
_POOL_PROPERTIES = (*_POOL_SETTINGS, "Policies", "Schema")


def _pick(properties: Params, names: tuple[str, ...]) -> Params:
    return {k: properties[k] for k in names if properties.get(k) is not None}


def _pool_attributes(request: ResourceRequest, pool_id: str) -> Params:
    arn = f"arn:aws:cognito-idp:{request.region}:{request.account_id}:userpool/{pool_id}"
    return {"Arn": arn, "UserPoolId": pool_id, "ProviderName": f"cognito-idp.{request.region}.amazonaws.com/{pool_id}",
            "ProviderURL": f"https://cognito-idp.{request.region}.amazonaws.com/{pool_id}"}  # fmt: skip


class UserPoolHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPool"

    def create(self, request: ResourceRequest) -> Outcome:
        params = _pick(request.properties, _POOL_PROPERTIES)
        params["PoolName"] = request.properties.get("UserPoolName") or request.physical_name(128)
        pool_id = request.call("cognito-idp", "CreateUserPool", params)["UserPool"]["Id"]
        return Outcome(pool_id, _pool_attributes(request, pool_id))

    def update(self, request: ResourceRequest) -> Outcome:
        params = _pick(request.properties, (*_POOL_SETTINGS, "Policies"))
        params.pop("UsernameAttributes", None)
        params.pop("AliasAttributes", None)
        params.pop("UsernameConfiguration", None)
        request.call("cognito-idp", "UpdateUserPool", {"UserPoolId": request.physical_id, **params})
        return Outcome(request.physical_id or "", _pool_attributes(request, request.physical_id or ""))

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-idp", "DeleteUserPool", {"UserPoolId": request.physical_id})


class UserPoolClientHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolClient"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = _pick(props, (*_CLIENT_SETTINGS, "GenerateSecret"))
        params.update(UserPoolId=props["UserPoolId"], ClientName=props.get("ClientName") or request.physical_name(128))
        client = request.call("cognito-idp", "CreateUserPoolClient", params)["UserPoolClient"]
        return Outcome(client["ClientId"], {"ClientId": client["ClientId"], "Name": client["ClientName"],
                                            "ClientSecret": client.get("ClientSecret", "")})  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        if props.get("UserPoolId") != (request.previous_properties or {}).get("UserPoolId"):
            from cloudtwin.deployment.handler import UpdateNeedsReplacement

            raise UpdateNeedsReplacement()
        params = _pick(props, _CLIENT_SETTINGS)
        params.update(UserPoolId=props["UserPoolId"], ClientId=request.physical_id)
        if props.get("ClientName"):
            params["ClientName"] = props["ClientName"]
        client = request.call("cognito-idp", "UpdateUserPoolClient", params)["UserPoolClient"]
        return Outcome(client["ClientId"], {"ClientId": client["ClientId"], "Name": client["ClientName"],
                                            "ClientSecret": client.get("ClientSecret", "")})  # fmt: skip

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-idp", "DeleteUserPoolClient",
                     {"UserPoolId": request.properties["UserPoolId"], "ClientId": request.physical_id})  # fmt: skip


class UserPoolGroupHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolGroup"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("GroupName") or request.physical_name(128)
        request.call("cognito-idp", "CreateGroup", {"GroupName": name, "UserPoolId": props["UserPoolId"],
                                                    **_pick(props, ("Description", "Precedence", "RoleArn"))})  # fmt: skip
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("cognito-idp", "UpdateGroup", {"GroupName": request.physical_id, "UserPoolId": props["UserPoolId"],
                                                    **_pick(props, ("Description", "Precedence", "RoleArn"))})  # fmt: skip
        return Outcome(request.physical_id or "", {})

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-idp", "DeleteGroup",
                     {"GroupName": request.physical_id, "UserPoolId": request.properties["UserPoolId"]})  # fmt: skip


class UserPoolDomainHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolDomain"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        out = request.call("cognito-idp", "CreateUserPoolDomain", {"Domain": props["Domain"], "UserPoolId": props["UserPoolId"],
                                                                   **_pick(props, ("CustomDomainConfig", "ManagedLoginVersion"))})  # fmt: skip
        distribution = out.get("CloudFrontDomain") or f"{props['Domain']}.auth.{request.region}.localhost"
        return Outcome(props["Domain"], {"CloudFrontDistribution": distribution})

    def delete(self, request: ResourceRequest) -> None:
        request.call("cognito-idp", "DeleteUserPoolDomain",
                     {"Domain": request.physical_id, "UserPoolId": request.properties["UserPoolId"]})  # fmt: skip


HANDLERS = (UserPoolHandler, UserPoolClientHandler, UserPoolGroupHandler, UserPoolDomainHandler)
