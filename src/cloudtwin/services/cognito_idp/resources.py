"""CloudFormation resource handlers of Cognito user pools' types (``AWS::Cognito::UserPool``,
``UserPoolClient``, ``UserPoolDomain``, ``UserPoolGroup``, ``UserPoolResourceServer``,
``UserPoolUser``, ``UserPoolUserToGroupAttachment``).

A template names a pool ``UserPoolName`` (the API's ``PoolName``) and its second factors
``EnabledMfas``, which go to ``SetUserPoolMfaConfig`` after the pool is made.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, is_missing, shaped, tag_map
from cloudtwin.protocol.errors import ServiceError

SERVICE = "cognito-idp"


def _changed(request: ResourceRequest, *names: str) -> bool:
    before = request.previous_properties or {}
    return any(before.get(n) != request.properties.get(n) for n in names)


class UserPoolHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPool"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("UserPoolName") or request.physical_name(128)
        params = shaped(request, SERVICE, "CreateUserPool", {**props, "PoolName": name})
        if tags := tag_map(request, "UserPoolTags"):
            params["UserPoolTags"] = tags
        pool = (await request.call_async(SERVICE, "CreateUserPool", params))["UserPool"]
        pool_id = pool["Id"]
        if props.get("EnabledMfas"):
            await self._mfas(request, pool_id)
        return await self._outcome(request, pool_id, pool.get("Arn"))

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "Schema", "AliasAttributes", "UsernameAttributes", "UsernameConfiguration"):
            raise UpdateNeedsReplacement()  # fixed once a pool exists
        pool_id = request.physical_id
        props = request.properties
        params = shaped(request, SERVICE, "UpdateUserPool", {
            **props, "UserPoolId": pool_id, "PoolName": props.get("UserPoolName"),
        })
        params["UserPoolTags"] = tag_map(request, "UserPoolTags")
        await request.call_async(SERVICE, "UpdateUserPool", params)
        if _changed(request, "EnabledMfas"):
            await self._mfas(request, pool_id)
        return await self._outcome(request, pool_id, None)

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async(SERVICE, "DeleteUserPool", {"UserPoolId": request.physical_id})

    @staticmethod
    async def _mfas(request: ResourceRequest, pool_id: str) -> None:
        enabled = set(request.properties.get("EnabledMfas") or [])
        params: dict[str, Any] = {
            "UserPoolId": pool_id,
            "SoftwareTokenMfaConfiguration": {"Enabled": "SOFTWARE_TOKEN_MFA" in enabled},
        }
        if "SMS_MFA" in enabled:
            params["SmsMfaConfiguration"] = {"SmsConfiguration": request.properties.get("SmsConfiguration") or {}}
        params["MfaConfiguration"] = request.properties.get("MfaConfiguration", "OFF")
        await request.call_async(SERVICE, "SetUserPoolMfaConfig", shaped(request, SERVICE, "SetUserPoolMfaConfig", params))

    @staticmethod
    async def _outcome(request: ResourceRequest, pool_id: str, arn: str | None) -> Outcome:
        if arn is None:
            arn = (await request.call_async(SERVICE, "DescribeUserPool", {"UserPoolId": pool_id}))["UserPool"]["Arn"]
        provider = f"cognito-idp.{request.region}.amazonaws.com/{pool_id}"
        return Outcome(pool_id, {
            "Arn": arn, "UserPoolId": pool_id, "ProviderName": provider, "ProviderURL": f"https://{provider}",
        })


class UserPoolClientHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolClient"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, SERVICE, "CreateUserPoolClient", {
            **props, "ClientName": props.get("ClientName") or request.logical_id,
        })
        client = (await request.call_async(SERVICE, "CreateUserPoolClient", params))["UserPoolClient"]
        return self._outcome(client)

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "UserPoolId", "GenerateSecret"):
            raise UpdateNeedsReplacement()
        props = request.properties
        params = shaped(request, SERVICE, "UpdateUserPoolClient", {
            **props, "ClientId": request.physical_id, "ClientName": props.get("ClientName") or request.logical_id,
        })
        return self._outcome((await request.call_async(SERVICE, "UpdateUserPoolClient", params))["UserPoolClient"])

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async(SERVICE, "DeleteUserPoolClient", {
                "UserPoolId": request.properties["UserPoolId"], "ClientId": request.physical_id,
            })

    @staticmethod
    def _outcome(client: dict[str, Any]) -> Outcome:
        attributes = {"ClientId": client["ClientId"], "Name": client["ClientName"]}
        if client.get("ClientSecret"):
            attributes["ClientSecret"] = client["ClientSecret"]
        return Outcome(client["ClientId"], attributes)


class UserPoolDomainHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolDomain"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        await request.call_async(SERVICE, "CreateUserPoolDomain", shaped(request, SERVICE, "CreateUserPoolDomain", props))
        return await self._outcome(request, props["Domain"])

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "UserPoolId", "Domain"):
            raise UpdateNeedsReplacement()
        await request.call_async(SERVICE, "UpdateUserPoolDomain", shaped(request, SERVICE, "UpdateUserPoolDomain", request.properties))
        return await self._outcome(request, request.physical_id)

    async def delete(self, request: ResourceRequest) -> None:
        try:
            await request.call_async(SERVICE, "DeleteUserPoolDomain", {
                "UserPoolId": request.properties["UserPoolId"], "Domain": request.physical_id,
            })
        except ServiceError as exc:
            # Cognito's word for a domain (or pool) already gone.
            if not is_missing(exc) and exc.code != "InvalidParameterException":
                raise

    @staticmethod
    async def _outcome(request: ResourceRequest, domain: str) -> Outcome:
        described = (await request.call_async(SERVICE, "DescribeUserPoolDomain", {"Domain": domain})).get("DomainDescription", {})
        return Outcome(domain, {"CloudFrontDistribution": described.get("CloudFrontDistribution", "")})


class UserPoolGroupHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolGroup"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("GroupName") or request.physical_name(128)
        await request.call_async(SERVICE, "CreateGroup", shaped(request, SERVICE, "CreateGroup", {**props, "GroupName": name}))
        return Outcome(name, {})

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "UserPoolId", "GroupName"):
            raise UpdateNeedsReplacement()
        await request.call_async(SERVICE, "UpdateGroup", shaped(request, SERVICE, "UpdateGroup", {
            **request.properties, "GroupName": request.physical_id,
        }))
        return Outcome(request.physical_id, {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async(SERVICE, "DeleteGroup", {
                "UserPoolId": request.properties["UserPoolId"], "GroupName": request.physical_id,
            })


class UserPoolResourceServerHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolResourceServer"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        await request.call_async(SERVICE, "CreateResourceServer", shaped(request, SERVICE, "CreateResourceServer", props))
        return Outcome(props["Identifier"], {})

    async def update(self, request: ResourceRequest) -> Outcome:
        if _changed(request, "UserPoolId", "Identifier"):
            raise UpdateNeedsReplacement()
        await request.call_async(SERVICE, "UpdateResourceServer", shaped(request, SERVICE, "UpdateResourceServer", request.properties))
        return Outcome(request.physical_id, {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async(SERVICE, "DeleteResourceServer", {
                "UserPoolId": request.properties["UserPoolId"], "Identifier": request.physical_id,
            })


class UserPoolUserHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolUser"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("Username") or request.physical_name(128)
        user = (await request.call_async(SERVICE, "AdminCreateUser", shaped(request, SERVICE, "AdminCreateUser", {
            **props, "Username": name,
        })))["User"]
        return Outcome(user["Username"], {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async(SERVICE, "AdminDeleteUser", {
                "UserPoolId": request.properties["UserPoolId"], "Username": request.physical_id,
            })


class UserPoolUserToGroupAttachmentHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolUserToGroupAttachment"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        await request.call_async(SERVICE, "AdminAddUserToGroup", {
            "UserPoolId": props["UserPoolId"], "Username": props["Username"], "GroupName": props["GroupName"],
        })
        return Outcome(f"{props['UserPoolId']}|{props['GroupName']}|{props['Username']}", {})

    async def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            await request.call_async(SERVICE, "AdminRemoveUserFromGroup", {
                "UserPoolId": props["UserPoolId"], "Username": props["Username"], "GroupName": props["GroupName"],
            })


HANDLERS = [
    UserPoolHandler,
    UserPoolClientHandler,
    UserPoolDomainHandler,
    UserPoolGroupHandler,
    UserPoolResourceServerHandler,
    UserPoolUserHandler,
    UserPoolUserToGroupAttachmentHandler,
]
