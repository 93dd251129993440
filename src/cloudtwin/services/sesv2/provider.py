"""Amazon SES API v2 (``sesv2``): email identities, sending, templates, configuration sets
and the account, on the same resources as SES v1 (``services/ses``): each handler calls the
v1 operations through the internal client (``v1.py``) and shapes the answer as v2 does.
Only the tags v2 adds to resources are kept here."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.sesv2 import v1
from cloudtwin.services.sesv2.models import SesV2Store

Params = dict[str, Any]
_V1_TRACKING = ("CustomRedirectDomain", "HttpsPolicy")


def _arn(ctx: RequestContext, kind: str, name: str) -> str:
    return f"arn:{ctx.partition}:ses:{ctx.region}:{ctx.account_id}:{kind}/{name}"


def _not_found(message: str) -> ServiceError:
    return ServiceError("NotFoundException", message)


class Provider(ServiceProvider):
    service_name = "sesv2"
    store_class = SesV2Store

    async def _v1(self, ctx: RequestContext, operation: str, params: Params | None = None) -> Params:
        return await v1.call(self.env.internal, ctx, operation, params)

    def _tag(self, ctx: RequestContext, arn: str, tags: list[dict[str, str]] | None) -> None:
        store: SesV2Store = ctx.store
        if tags:
            merged = {t["Key"]: t for t in store.tags.get(arn, [])} | {t["Key"]: t for t in tags}
            store.tags[arn] = list(merged.values())

    # -- identities ---------------------------------------------------------------------------

    async def _exists(self, ctx: RequestContext, name: str) -> bool:
        found = await self._v1(ctx, "GetIdentityVerificationAttributes", {"Identities": [name]})
        return name in found.get("VerificationAttributes", {})

    async def _dkim(self, ctx: RequestContext, name: str) -> Params:
        found = (await self._v1(ctx, "GetIdentityDkimAttributes", {"Identities": [name]}))["DkimAttributes"].get(name, {})
        out: Params = {
            "SigningEnabled": found.get("DkimEnabled", False),
            "Status": "SUCCESS" if found.get("DkimVerificationStatus") == "Success" else "NOT_STARTED",
            "SigningAttributesOrigin": "AWS_SES",
        }
        if found.get("DkimTokens"):
            out |= {"Tokens": found["DkimTokens"], "CurrentSigningKeyLength": "RSA_2048_BIT", "NextSigningKeyLength": "RSA_2048_BIT"}
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
        self._tag(ctx, _arn(ctx, "identity", name), params.get("Tags"))
        return {
            "IdentityType": "EMAIL_ADDRESS" if "@" in name else "DOMAIN",
            "VerifiedForSendingStatus": True,
            "DkimAttributes": await self._dkim(ctx, name),
        }

    async def get_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = params["EmailIdentity"]
        if not await self._exists(ctx, name):
            raise _not_found(f"Email identity {name} does not exist.")
        notifications = (await self._v1(ctx, "GetIdentityNotificationAttributes", {"Identities": [name]}))["NotificationAttributes"][name]
        mail_from = (await self._v1(ctx, "GetIdentityMailFromDomainAttributes", {"Identities": [name]}))["MailFromDomainAttributes"][name]
        names = (await self._v1(ctx, "ListIdentityPolicies", {"Identity": name}))["PolicyNames"]
        policies = (await self._v1(ctx, "GetIdentityPolicies", {"Identity": name, "PolicyNames": names}))["Policies"] if names else {}
        behavior = "REJECT_MESSAGE" if mail_from.get("BehaviorOnMXFailure") == "RejectMessage" else "USE_DEFAULT_VALUE"
        return {
            "IdentityType": "EMAIL_ADDRESS" if "@" in name else "DOMAIN",
            "FeedbackForwardingStatus": notifications["ForwardingEnabled"],
            "VerifiedForSendingStatus": True,
            "DkimAttributes": await self._dkim(ctx, name),
            "MailFromAttributes": {
                "MailFromDomain": mail_from.get("MailFromDomain", ""),
                "MailFromDomainStatus": "SUCCESS" if mail_from.get("MailFromDomain") else "FAILED",
                "BehaviorOnMxFailure": behavior,
            },
            "Policies": policies,
            "Tags": list(ctx.store.tags.get(_arn(ctx, "identity", name), [])),
            "VerificationStatus": "SUCCESS",
        }

    async def list_email_identities(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListIdentities", {k: v for k, v in (("NextToken", params.get("NextToken")), ("MaxItems", params.get("PageSize"))) if v})
        out: Params = {
            "EmailIdentities": [
                {"IdentityType": "EMAIL_ADDRESS" if "@" in name else "DOMAIN", "IdentityName": name,
                 "SendingEnabled": True, "VerificationStatus": "SUCCESS"}  # fmt: skip
                for name in page["Identities"]
            ]
        }
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def delete_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = params["EmailIdentity"]
        if not await self._exists(ctx, name):
            raise _not_found(f"Email identity {name} does not exist.")
        await self._v1(ctx, "DeleteIdentity", {"Identity": name})
        ctx.store.tags.pop(_arn(ctx, "identity", name), None)
        return {}

    # -- sending ------------------------------------------------------------------------------

    async def send_email(self, ctx: RequestContext, params: Params) -> Params:
        content = params["Content"]
        common: Params = {}
        if params.get("ConfigurationSetName"):
            common["ConfigurationSetName"] = params["ConfigurationSetName"]
        if params.get("EmailTags"):
            common["Tags"] = params["EmailTags"]
        destination = {k: v for k, v in (params.get("Destination") or {}).items() if v}
        source = params.get("FromEmailAddress")
        if "Raw" in content:
            raw: Params = {"RawMessage": {"Data": content["Raw"]["Data"]}, **common}
            if source:
                raw["Source"] = source
            recipients = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destination.get(key, [])]
            if recipients:
                raw["Destinations"] = recipients
            return {"MessageId": (await self._v1(ctx, "SendRawEmail", raw))["MessageId"]}
        if not source:
            raise ServiceError("BadRequestException", "Missing required parameter: FromEmailAddress.")
        common |= {"Source": source, "Destination": destination}
        if params.get("ReplyToAddresses"):
            common["ReplyToAddresses"] = params["ReplyToAddresses"]
        if "Simple" in content:
            message = {k: v for k, v in content["Simple"].items() if k in ("Subject", "Body")}
            return {"MessageId": (await self._v1(ctx, "SendEmail", {**common, "Message": message}))["MessageId"]}
        template = content.get("Template") or {}
        if not template.get("TemplateName"):
            raise ServiceError("BadRequestException", "Template name is required: inline template content is not supported.")
        sent = await self._v1(ctx, "SendTemplatedEmail", {
            **common, "Template": template["TemplateName"], "TemplateData": template.get("TemplateData") or "{}"})  # fmt: skip
        return {"MessageId": sent["MessageId"]}

    async def get_account(self, ctx: RequestContext, params: Params) -> Params:
        quota = await self._v1(ctx, "GetSendQuota")
        enabled = (await self._v1(ctx, "GetAccountSendingEnabled"))["Enabled"]
        return {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": False,
            "SendQuota": {k: quota[k] for k in ("Max24HourSend", "MaxSendRate", "SentLast24Hours")},
            "SendingEnabled": enabled,
            "SuppressionAttributes": {"SuppressedReasons": []},
        }

    # -- templates ----------------------------------------------------------------------------

    @staticmethod
    def _v1_template(params: Params) -> Params:
        content = params.get("TemplateContent") or {}
        template = {"TemplateName": params["TemplateName"]}
        for v2, v1_name in (("Subject", "SubjectPart"), ("Text", "TextPart"), ("Html", "HtmlPart")):
            if content.get(v2) is not None:
                template[v1_name] = content[v2]
        return {"Template": template}

    async def create_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "CreateTemplate", self._v1_template(params))
        self._tag(ctx, _arn(ctx, "template", params["TemplateName"]), params.get("Tags"))
        return {}

    async def update_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateTemplate", self._v1_template(params))
        return {}

    async def get_email_template(self, ctx: RequestContext, params: Params) -> Params:
        template = (await self._v1(ctx, "GetTemplate", {"TemplateName": params["TemplateName"]}))["Template"]
        content = {v2: template[v1_name] for v2, v1_name in (("Subject", "SubjectPart"), ("Text", "TextPart"), ("Html", "HtmlPart")) if v1_name in template}
        return {"TemplateName": template["TemplateName"], "TemplateContent": content,
                "Tags": list(ctx.store.tags.get(_arn(ctx, "template", params["TemplateName"]), []))}  # fmt: skip

    async def delete_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "GetTemplate", {"TemplateName": params["TemplateName"]})
        await self._v1(ctx, "DeleteTemplate", {"TemplateName": params["TemplateName"]})
        ctx.store.tags.pop(_arn(ctx, "template", params["TemplateName"]), None)
        return {}

    async def list_email_templates(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListTemplates", {k: v for k, v in (("NextToken", params.get("NextToken")), ("MaxItems", params.get("PageSize"))) if v})
        out: Params = {"TemplatesMetadata": [{"TemplateName": t["Name"], "CreatedTimestamp": t["CreatedTimestamp"]} for t in page["TemplatesMetadata"]]}
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def test_render_email_template(self, ctx: RequestContext, params: Params) -> Params:
        rendered = await self._v1(ctx, "TestRenderTemplate", {"TemplateName": params["TemplateName"], "TemplateData": params["TemplateData"]})
        return {"RenderedTemplate": rendered["RenderedTemplate"]}

    # -- configuration sets -------------------------------------------------------------------

    async def create_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        await self._v1(ctx, "CreateConfigurationSet", {"ConfigurationSet": {"Name": name}})
        tracking = {k: v for k, v in (params.get("TrackingOptions") or {}).items() if k in _V1_TRACKING}
        if tracking:
            await self._v1(ctx, "CreateConfigurationSetTrackingOptions", {"ConfigurationSetName": name, "TrackingOptions": tracking})
        if params.get("DeliveryOptions"):
            delivery = {k: v for k, v in params["DeliveryOptions"].items() if k in ("TlsPolicy",)}
            await self._v1(ctx, "PutConfigurationSetDeliveryOptions", {"ConfigurationSetName": name, "DeliveryOptions": delivery})
        reputation = params.get("ReputationOptions") or {}
        if "ReputationMetricsEnabled" in reputation:
            await self._v1(ctx, "UpdateConfigurationSetReputationMetricsEnabled",
                           {"ConfigurationSetName": name, "Enabled": reputation["ReputationMetricsEnabled"]})  # fmt: skip
        sending = params.get("SendingOptions") or {}
        if "SendingEnabled" in sending:
            await self._v1(ctx, "UpdateConfigurationSetSendingEnabled", {"ConfigurationSetName": name, "Enabled": sending["SendingEnabled"]})
        self._tag(ctx, _arn(ctx, "configuration-set", name), params.get("Tags"))
        return {}

    async def get_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        found = await self._v1(ctx, "DescribeConfigurationSet", {
            "ConfigurationSetName": name, "ConfigurationSetAttributeNames": ["trackingOptions", "deliveryOptions", "reputationOptions"]})  # fmt: skip
        reputation = found.get("ReputationOptions") or {}
        out: Params = {
            "ConfigurationSetName": name,
            "ReputationOptions": {"ReputationMetricsEnabled": reputation.get("ReputationMetricsEnabled", False)},
            "SendingOptions": {"SendingEnabled": reputation.get("SendingEnabled", True)},
            "Tags": list(ctx.store.tags.get(_arn(ctx, "configuration-set", name), [])),
        }
        if found.get("TrackingOptions"):
            out["TrackingOptions"] = dict(found["TrackingOptions"])
        out["DeliveryOptions"] = {"TlsPolicy": (found.get("DeliveryOptions") or {}).get("TlsPolicy", "OPTIONAL")}
        return out

    async def list_configuration_sets(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListConfigurationSets", {k: v for k, v in (("NextToken", params.get("NextToken")), ("MaxItems", params.get("PageSize"))) if v})
        out: Params = {"ConfigurationSets": [c["Name"] for c in page["ConfigurationSets"]]}
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def delete_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "DeleteConfigurationSet", {"ConfigurationSetName": params["ConfigurationSetName"]})
        ctx.store.tags.pop(_arn(ctx, "configuration-set", params["ConfigurationSetName"]), None)
        return {}

    # -- tags ---------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self._tag(ctx, params["ResourceArn"], params["Tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["ResourceArn"]
        ctx.store.tags[arn] = [t for t in ctx.store.tags.get(arn, []) if t["Key"] not in params["TagKeys"]]
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": list(ctx.store.tags.get(params["ResourceArn"], []))}
