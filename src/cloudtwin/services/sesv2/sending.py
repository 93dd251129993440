"""SES v2 sending: SendEmail (simple, raw or template content), SendBulkEmail, and the
account's quota and sending switch (handlers mixed into the provider)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sesv2.contacts import contact_list
from cloudtwin.services.sesv2.v1 import SesV1

Params = dict[str, Any]
#: v2's bulk entry status for the error a send raised.
_BULK_STATUS = {
    "MessageRejected": "MESSAGE_REJECTED",
    "NotFoundException": "TEMPLATE_NOT_FOUND",
    "SendingPausedException": "ACCOUNT_SENDING_PAUSED",
    "BadRequestException": "INVALID_PARAMETER",
}


class SendingOperations(SesV1):
    def _common(self, ctx: RequestContext, params: Params, tags: list[dict[str, str]] | None) -> Params:
        """The v1 parameters every send shares: configuration set (the sender identity's
        default when the request names none) and tags."""
        common: Params = {}
        configuration_set = params.get("ConfigurationSetName")
        source = params.get("FromEmailAddress")
        if not configuration_set and source:
            address = parseaddr(source)[1] or source
            configuration_set = ctx.store.identity_sets.get(address) or ctx.store.identity_sets.get(address.rpartition("@")[2])
        if configuration_set:
            common["ConfigurationSetName"] = configuration_set
        if tags:
            common["Tags"] = tags
        return common

    async def send_email(self, ctx: RequestContext, params: Params) -> Params:
        content = params["Content"]
        if params.get("ListManagementOptions"):
            contact_list(ctx.store, params["ListManagementOptions"]["ContactListName"])
        common = self._common(ctx, params, params.get("EmailTags"))
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
        return {"MessageId": await self._templated(ctx, common, template, template.get("TemplateData"))}

    async def _templated(self, ctx: RequestContext, common: Params, template: Params, data: str | None) -> str:
        name = template.get("TemplateName") or (template.get("TemplateArn") or "").rpartition("/")[2]
        if not name:
            raise ServiceError("BadRequestException", "Template name is required: inline template content is not supported.")
        sent = await self._v1(ctx, "SendTemplatedEmail", {**common, "Template": name, "TemplateData": data or "{}"})
        return sent["MessageId"]

    async def send_bulk_email(self, ctx: RequestContext, params: Params) -> Params:
        template = (params.get("DefaultContent") or {}).get("Template") or {}
        if not params.get("FromEmailAddress"):
            raise ServiceError("BadRequestException", "Missing required parameter: FromEmailAddress.")
        results = []
        for entry in params["BulkEmailEntries"]:
            tags = {t["Name"]: t for t in params.get("DefaultEmailTags") or []} | {t["Name"]: t for t in entry.get("ReplacementTags") or []}
            common = self._common(ctx, params, list(tags.values()))
            common |= {"Source": params["FromEmailAddress"], "Destination": {k: v for k, v in entry["Destination"].items() if v}}
            if params.get("ReplyToAddresses"):
                common["ReplyToAddresses"] = params["ReplyToAddresses"]
            replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get("ReplacementTemplateData")
            try:
                message_id = await self._templated(ctx, common, template, replacement or template.get("TemplateData"))
            except ServiceError as error:
                results.append({"Status": _BULK_STATUS.get(error.code, "FAILED"), "Error": error.message})
            else:
                results.append({"Status": "SUCCESS", "MessageId": message_id})
        return {"BulkEmailEntryResults": results}

    async def get_account(self, ctx: RequestContext, params: Params) -> Params:
        quota = await self._v1(ctx, "GetSendQuota")
        enabled = (await self._v1(ctx, "GetAccountSendingEnabled"))["Enabled"]
        return {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": False,
            "SendQuota": {k: quota[k] for k in ("Max24HourSend", "MaxSendRate", "SentLast24Hours")},
            "SendingEnabled": enabled,
            "SuppressionAttributes": {"SuppressedReasons": list(ctx.store.account.get("suppressed-reasons", []))},
        }

    async def put_account_sending_attributes(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateAccountSendingEnabled", {"Enabled": bool(params.get("SendingEnabled", False))})
        return {}
