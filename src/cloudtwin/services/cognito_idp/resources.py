"""CloudFormation resource handlers of Cognito user pools' types (``AWS::Cognito::UserPool``,
``UserPoolClient``, ``UserPoolDomain``, ``UserPoolGroup``, ``UserPoolResourceServer``,
``UserPoolUser``, ``UserPoolUserToGroupAttachment``).

A template names a pool ``UserPoolName`` (the API's ``PoolName``) and its second factors
``EnabledMfas``, which go to ``SetUserPoolMfaConfig`` after the pool is made.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, is_missing, shaped, tag_map
from cloudtwin.protocol.errors import ServiceError

SERVICE = "cognito-idp"


class UserPoolHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPool"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("UserPoolName") or request.physical_name(128)
        params = shaped(request, SERVICE, "CreateUserPool", {**props, "PoolName": name})
        if tags := tag_map(request, "UserPoolTags"):
            params["UserPoolTags"] = tags
        pool = request.call(SERVICE, "CreateUserPool", params)["UserPool"]
        pool_id = pool["Id"]
        if props.get("EnabledMfas"):
            self._mfas(request, pool_id)
        return self._outcome(request, pool_id, pool.get("Arn"))

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Schema", "AliasAttributes", "UsernameAttributes", "UsernameConfiguration"):
            raise UpdateNeedsReplacement()  # fixed once a pool exists
        pool_id = request.physical_id
        props = request.properties
        params = shaped(request, SERVICE, "UpdateUserPool", {
            **props, "UserPoolId": pool_id, "PoolName": props.get("UserPoolName"),
        })
        params["UserPoolTags"] = tag_map(request, "UserPoolTags")
        request.call(SERVICE, "UpdateUserPool", params)
        if changed(request, "EnabledMfas"):
            self._mfas(request, pool_id)
        return self._outcome(request, pool_id, None)

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteUserPool", {"UserPoolId": request.physical_id})

    @staticmethod
    def _mfas(request: ResourceRequest, pool_id: str) -> None:
        enabled = set(request.properties.get("EnabledMfas") or [])
        params: dict[str, Any] = {
            "UserPoolId": pool_id,
            "SoftwareTokenMfaConfiguration": {"Enabled": "SOFTWARE_TOKEN_MFA" in enabled},
        }
        if "SMS_MFA" in enabled:
            params["SmsMfaConfiguration"] = {"SmsConfiguration": request.properties.get("SmsConfiguration") or {}}
        params["MfaConfiguration"] = request.properties.get("MfaConfiguration", "OFF")
        request.call(SERVICE, "SetUserPoolMfaConfig", shaped(request, SERVICE, "SetUserPoolMfaConfig", params))

    @staticmethod
    def _outcome(request: ResourceRequest, pool_id: str, arn: str | None) -> Outcome:
        if arn is None:
            arn = request.call(SERVICE, "DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]["Arn"]
        provider = f"cognito-idp.{request.region}.amazonaws.com/{pool_id}"
        return Outcome(pool_id, {
            "Arn": arn, "UserPoolId": pool_id, "ProviderName": provider, "ProviderURL": f"https://{provider}",
        })


class UserPoolClientHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolClient"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, SERVICE, "CreateUserPoolClient", {
            **props, "ClientName": props.get("ClientName") or request.physical_name(128),
        })
        client = request.call(SERVICE, "CreateUserPoolClient", params)["UserPoolClient"]
        return self._outcome(client)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserPoolId", "GenerateSecret"):
            raise UpdateNeedsReplacement()
        props = request.properties
        params = shaped(request, SERVICE, "UpdateUserPoolClient", {
            **props, "ClientId": request.physical_id,
            "ClientName": props.get("ClientName") or (request.attributes or {}).get("Name") or request.physical_name(128),
        })
        return self._outcome(request.call(SERVICE, "UpdateUserPoolClient", params)["UserPoolClient"])

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteUserPoolClient", {
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

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call(SERVICE, "CreateUserPoolDomain", shaped(request, SERVICE, "CreateUserPoolDomain", props))
        return self._outcome(request, props["Domain"])

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserPoolId", "Domain"):
            raise UpdateNeedsReplacement()
        request.call(SERVICE, "UpdateUserPoolDomain", shaped(request, SERVICE, "UpdateUserPoolDomain", request.properties))
        return self._outcome(request, request.physical_id)

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call(SERVICE, "DeleteUserPoolDomain", {
                "UserPoolId": request.properties["UserPoolId"], "Domain": request.physical_id,
            })
        except ServiceError as exc:
            # Cognito's word for a domain (or pool) already gone.
            if not is_missing(exc) and exc.code != "InvalidParameterException":
                raise

    @staticmethod
    def _outcome(request: ResourceRequest, domain: str) -> Outcome:
        described = request.call(SERVICE, "DescribeUserPoolDomain", {"Domain": domain}).get("DomainDescription", {})
        return Outcome(domain, {"CloudFrontDistribution": described.get("CloudFrontDistribution", "")})


class UserPoolGroupHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolGroup"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("GroupName") or request.physical_name(128)
        request.call(SERVICE, "CreateGroup", shaped(request, SERVICE, "CreateGroup", {**props, "GroupName": name}))
        return Outcome(name, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserPoolId", "GroupName"):
            raise UpdateNeedsReplacement()
        request.call(SERVICE, "UpdateGroup", shaped(request, SERVICE, "UpdateGroup", {
            **request.properties, "GroupName": request.physical_id,
        }))
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteGroup", {
                "UserPoolId": request.properties["UserPoolId"], "GroupName": request.physical_id,
            })


class UserPoolResourceServerHandler(ResourceHandler):
    type_name = "AWS::Cognito::UserPoolResourceServer"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call(SERVICE, "CreateResourceServer", shaped(request, SERVICE, "CreateResourceServer", props))
        return Outcome(props["Identifier"], {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserPoolId", "Identifier"):
            raise UpdateNeedsReplacement()
        request.call(SERVICE, "UpdateResourceServer", shaped(request, SERVICE, "UpdateResourceServer", request.properties))
        return Outcome(request.physical_id, {})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call(SERVICE, "DeleteResourceServer", {
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

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call(SERVICE, "AdminAddUserToGroup", {
            "UserPoolId": props["UserPoolId"], "Username": props["Username"], "GroupName": props["GroupName"],
        })
        return Outcome(f"{props['UserPoolId']}|{props['GroupName']}|{props['Username']}", {})

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            request.call(SERVICE, "AdminRemoveUserFromGroup", {
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
