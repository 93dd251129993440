"""SES v2 email identities: creation (domains with Easy DKIM), description, listing,
deletion, their DKIM / feedback / MAIL FROM / configuration set attributes and sending
authorization policies (handlers mixed into the provider)."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sesv2.models import SesV2Store, resource_arn
from cloudtwin.services.sesv2.v1 import SesV1, paging

Params = dict[str, Any]
_BEHAVIOR = {"REJECT_MESSAGE": "RejectMessage", "USE_DEFAULT_VALUE": "UseDefaultValue"}


def identity_type(name: str) -> str:
    return "EMAIL_ADDRESS" if "@" in name else "DOMAIN"


def not_found(name: str) -> ServiceError:
    return ServiceError("NotFoundException", f"Email identity {name} does not exist.")


class IdentityOperations(SesV1):
    async def _exists(self, ctx: RequestContext, name: str) -> bool:
        found = await self._v1(ctx, "GetIdentityVerificationAttributes", {"Identities": [name]})
        return name in found.get("VerificationAttributes", {})

    async def _known(self, ctx: RequestContext, name: str) -> str:
        if not await self._exists(ctx, name):
            raise not_found(name)
        return name

    async def _dkim(self, ctx: RequestContext, name: str) -> Params:
        found = (await self._v1(ctx, "GetIdentityDkimAttributes", {"Identities": [name]}))["DkimAttributes"].get(name, {})
        out: Params = {
            "SigningEnabled": found.get("DkimEnabled", False),
            "Status": "SUCCESS" if found.get("DkimVerificationStatus") == "Success" else "NOT_STARTED",
            "SigningAttributesOrigin": "AWS_SES",
        }
        if found.get("DkimTokens"):
            out |= {"Tokens": found["DkimTokens"], "CurrentSigningKeyLength": "RSA_2048_BIT",
                    "NextSigningKeyLength": ctx.store.signing_key_lengths.get(name, "RSA_2048_BIT")}
        return out

    async def create_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = params["EmailIdentity"]
        if await self._exists(ctx, name):
            raise ServiceError("AlreadyExistsException", f"Email identity {name} already exist.")
        if "@" in name:
            await self._v1(ctx, "VerifyEmailIdentity", {"EmailAddress": name})
        else:
            await self._v1(ctx, "VerifyDomainIdentity", {"Domain": name})
            await self._v1(ctx, "VerifyDomainDkim", {"Domain": name})
        store: SesV2Store = ctx.store
        store.add_tags(resource_arn(ctx, "identity", name), params.get("Tags"))
        key_length = (params.get("DkimSigningAttributes") or {}).get("NextSigningKeyLength")
        if key_length:
            store.signing_key_lengths[name] = key_length
        if params.get("ConfigurationSetName"):
            store.identity_sets[name] = params["ConfigurationSetName"]
        return {"IdentityType": identity_type(name), "VerifiedForSendingStatus": True, "DkimAttributes": await self._dkim(ctx, name)}

    async def get_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        notifications = (await self._v1(ctx, "GetIdentityNotificationAttributes", {"Identities": [name]}))["NotificationAttributes"][name]
        mail_from = (await self._v1(ctx, "GetIdentityMailFromDomainAttributes", {"Identities": [name]}))["MailFromDomainAttributes"][name]
        behavior = "REJECT_MESSAGE" if mail_from.get("BehaviorOnMXFailure") == "RejectMessage" else "USE_DEFAULT_VALUE"
        store: SesV2Store = ctx.store
        out: Params = {
            "IdentityType": identity_type(name),
            "FeedbackForwardingStatus": notifications["ForwardingEnabled"],
            "VerifiedForSendingStatus": True,
            "DkimAttributes": await self._dkim(ctx, name),
            "MailFromAttributes": {
                "MailFromDomain": mail_from.get("MailFromDomain", ""),
                "MailFromDomainStatus": "SUCCESS" if mail_from.get("MailFromDomain") else "FAILED",
                "BehaviorOnMxFailure": behavior,
            },
            "Policies": await self._policies(ctx, name),
            "Tags": store.tags_of(resource_arn(ctx, "identity", name)),
            "VerificationStatus": "SUCCESS",
        }
        if name in store.identity_sets:
            out["ConfigurationSetName"] = store.identity_sets[name]
        return out

    async def list_email_identities(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListIdentities", paging(params))
        out: Params = {
            "EmailIdentities": [
                {"IdentityType": identity_type(name), "IdentityName": name, "SendingEnabled": True, "VerificationStatus": "SUCCESS"}
                for name in page["Identities"]
            ]
        }
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def delete_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        await self._v1(ctx, "DeleteIdentity", {"Identity": name})
        ctx.store.tags.pop(resource_arn(ctx, "identity", name), None)
        ctx.store.identity_sets.pop(name, None)
        ctx.store.signing_key_lengths.pop(name, None)
        return {}

    # -- attributes ---------------------------------------------------------------------------

    async def put_email_identity_dkim_attributes(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        await self._v1(ctx, "SetIdentityDkimEnabled", {"Identity": name, "DkimEnabled": bool(params.get("SigningEnabled", False))})
        return {}

    async def put_email_identity_feedback_attributes(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        await self._v1(ctx, "SetIdentityFeedbackForwardingEnabled",
                       {"Identity": name, "ForwardingEnabled": bool(params.get("EmailForwardingEnabled", False))})  # fmt: skip
        return {}

    async def put_email_identity_mail_from_attributes(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        values: Params = {"Identity": name, "BehaviorOnMXFailure": _BEHAVIOR.get(params.get("BehaviorOnMxFailure") or "", "UseDefaultValue")}
        if params.get("MailFromDomain"):
            values["MailFromDomain"] = params["MailFromDomain"]
        await self._v1(ctx, "SetIdentityMailFromDomain", values)
        return {}

    async def put_email_identity_configuration_set_attributes(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        if params.get("ConfigurationSetName"):
            await self._v1(ctx, "DescribeConfigurationSet", {"ConfigurationSetName": params["ConfigurationSetName"]})
            ctx.store.identity_sets[name] = params["ConfigurationSetName"]
        else:
            ctx.store.identity_sets.pop(name, None)
        return {}

    # -- policies -----------------------------------------------------------------------------

    async def _policies(self, ctx: RequestContext, name: str) -> Params:
        names = (await self._v1(ctx, "ListIdentityPolicies", {"Identity": name}))["PolicyNames"]
        return (await self._v1(ctx, "GetIdentityPolicies", {"Identity": name, "PolicyNames": names}))["Policies"] if names else {}

    async def create_email_identity_policy(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        if params["PolicyName"] in await self._policies(ctx, name):
            raise ServiceError("AlreadyExistsException", f"Policy {params['PolicyName']} already exists for identity {name}.")
        await self._v1(ctx, "PutIdentityPolicy", {"Identity": name, "PolicyName": params["PolicyName"], "Policy": params["Policy"]})
        return {}

    async def update_email_identity_policy(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        if params["PolicyName"] not in await self._policies(ctx, name):
            raise ServiceError("NotFoundException", f"Policy {params['PolicyName']} does not exist for identity {name}.")
        await self._v1(ctx, "PutIdentityPolicy", {"Identity": name, "PolicyName": params["PolicyName"], "Policy": params["Policy"]})
        return {}

    async def get_email_identity_policies(self, ctx: RequestContext, params: Params) -> Params:
        return {"Policies": await self._policies(ctx, await self._known(ctx, params["EmailIdentity"]))}

    async def delete_email_identity_policy(self, ctx: RequestContext, params: Params) -> Params:
        name = await self._known(ctx, params["EmailIdentity"])
        if params["PolicyName"] not in await self._policies(ctx, name):
            raise ServiceError("NotFoundException", f"Policy {params['PolicyName']} does not exist for identity {name}.")
        await self._v1(ctx, "DeleteIdentityPolicy", {"Identity": name, "PolicyName": params["PolicyName"]})
        return {}
