"""CloudFormation resource handlers of SES's types: ``AWS::SES::EmailIdentity`` (through SES
v2, as AWS's handler does), ``AWS::SES::Template``, ``AWS::SES::ConfigurationSet``,
``AWS::SES::ConfigurationSetEventDestination``, ``AWS::SES::ReceiptRuleSet``,
``AWS::SES::ReceiptRule`` and ``AWS::SES::ReceiptFilter``."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, shaped, tags, truthy


class EmailIdentityHandler(ResourceHandler):
    type_name = "AWS::SES::EmailIdentity"

    async def _outcome(self, request: ResourceRequest, name: str) -> Outcome:
        found = await request.call_async("sesv2", "GetEmailIdentity", {"EmailIdentity": name})
        attributes: dict[str, Any] = {}
        for i, token in enumerate((found.get("DkimAttributes") or {}).get("Tokens") or [], start=1):
            attributes[f"DkimDNSTokenName{i}"] = f"{token}._domainkey.{name}"
            attributes[f"DkimDNSTokenValue{i}"] = f"{token}.dkim.amazonses.com"
        return Outcome(name, attributes)

    async def _settings(self, request: ResourceRequest, name: str) -> None:
        props = request.properties
        feedback = props.get("FeedbackAttributes") or {}
        if "EmailForwardingEnabled" in feedback:
            await request.call_async("ses", "SetIdentityFeedbackForwardingEnabled",
                                     {"Identity": name, "ForwardingEnabled": truthy(feedback["EmailForwardingEnabled"])})  # fmt: skip
        mail_from = props.get("MailFromAttributes") or {}
        if mail_from.get("MailFromDomain"):
            behavior = "RejectMessage" if mail_from.get("BehaviorOnMxFailure") == "REJECT_MESSAGE" else "UseDefaultValue"
            await request.call_async("ses", "SetIdentityMailFromDomain",
                                     {"Identity": name, "MailFromDomain": mail_from["MailFromDomain"], "BehaviorOnMXFailure": behavior})  # fmt: skip
        dkim = props.get("DkimAttributes") or {}
        if "SigningEnabled" in dkim:
            await request.call_async("ses", "SetIdentityDkimEnabled", {"Identity": name, "DkimEnabled": truthy(dkim["SigningEnabled"])})

    async def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties["EmailIdentity"]
        params: dict[str, Any] = {"EmailIdentity": name}
        if found := tags(request):
            params["Tags"] = found
        await request.call_async("sesv2", "CreateEmailIdentity", params)
        await self._settings(request, name)
        return await self._outcome(request, name)

    async def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        await self._settings(request, name)
        return await self._outcome(request, name)

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteIdentity", {"Identity": request.physical_id})


class TemplateHandler(ResourceHandler):
    type_name = "AWS::SES::Template"

    def _template(self, request: ResourceRequest, name: str) -> dict[str, Any]:
        template = {k: v for k, v in (request.properties.get("Template") or {}).items() if v is not None}
        return {**template, "TemplateName": name}

    async def create(self, request: ResourceRequest) -> Outcome:
        name = (request.properties.get("Template") or {}).get("TemplateName") or request.physical_name(64)
        await request.call_async("ses", "CreateTemplate", {"Template": self._template(request, name)})
        return Outcome(name, {"Id": name})

    async def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        await request.call_async("ses", "UpdateTemplate", {"Template": self._template(request, name)})
        return Outcome(name, {"Id": name})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteTemplate", {"TemplateName": request.physical_id})


class ConfigurationSetHandler(ResourceHandler):
    type_name = "AWS::SES::ConfigurationSet"

    def _options(self, request: ResourceRequest) -> dict[str, Any]:
        names = ("TrackingOptions", "DeliveryOptions", "ReputationOptions", "SendingOptions")
        out = {k: request.properties[k] for k in names if request.properties.get(k) is not None}
        for member, key in (("ReputationOptions", "ReputationMetricsEnabled"), ("SendingOptions", "SendingEnabled")):
            if member in out and key in out[member]:
                out[member] = {**out[member], key: truthy(out[member][key])}
        return out

    async def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("Name") or request.physical_name(64)
        params: dict[str, Any] = {"ConfigurationSetName": name, **self._options(request)}
        if found := tags(request):
            params["Tags"] = found
        await request.call_async("sesv2", "CreateConfigurationSet", params)
        return Outcome(name, {})

    async def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        options = self._options(request)
        if changed(request, "SendingOptions"):
            enabled = (options.get("SendingOptions") or {}).get("SendingEnabled", True)
            await request.call_async("ses", "UpdateConfigurationSetSendingEnabled", {"ConfigurationSetName": name, "Enabled": enabled})
        if changed(request, "ReputationOptions"):
            enabled = (options.get("ReputationOptions") or {}).get("ReputationMetricsEnabled", False)
            await request.call_async("ses", "UpdateConfigurationSetReputationMetricsEnabled", {"ConfigurationSetName": name, "Enabled": enabled})
        if changed(request, "TrackingOptions", "DeliveryOptions"):
            raise UpdateNeedsReplacement()
        return Outcome(name, {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteConfigurationSet", {"ConfigurationSetName": request.physical_id})


class ConfigurationSetEventDestinationHandler(ResourceHandler):
    type_name = "AWS::SES::ConfigurationSetEventDestination"

    def _destination(self, request: ResourceRequest, name: str) -> dict[str, Any]:
        destination = dict(request.properties["EventDestination"])
        if "SnsDestination" in destination:  # the template's name of the API's SNSDestination
            destination["SNSDestination"] = destination.pop("SnsDestination")
        destination["Name"] = name
        destination["Enabled"] = truthy(destination.get("Enabled", False))
        return destination

    async def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties["EventDestination"].get("Name") or request.physical_name(64)
        await request.call_async("ses", "CreateConfigurationSetEventDestination", {
            "ConfigurationSetName": request.properties["ConfigurationSetName"],
            "EventDestination": self._destination(request, name)})  # fmt: skip
        return Outcome(name, {"Id": name})

    async def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        await request.call_async("ses", "UpdateConfigurationSetEventDestination", {
            "ConfigurationSetName": request.properties["ConfigurationSetName"],
            "EventDestination": self._destination(request, name)})  # fmt: skip
        return Outcome(name, {"Id": name})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteConfigurationSetEventDestination", {
                "ConfigurationSetName": request.properties["ConfigurationSetName"], "EventDestinationName": request.physical_id})  # fmt: skip


class ReceiptRuleSetHandler(ResourceHandler):
    type_name = "AWS::SES::ReceiptRuleSet"

    async def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties.get("RuleSetName") or request.physical_name(64)
        await request.call_async("ses", "CreateReceiptRuleSet", {"RuleSetName": name})
        return Outcome(name, {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteReceiptRuleSet", {"RuleSetName": request.physical_id})


class ReceiptRuleHandler(ResourceHandler):
    type_name = "AWS::SES::ReceiptRule"

    def _params(self, request: ResourceRequest, name: str, operation: str) -> dict[str, Any]:
        props = request.properties
        values: dict[str, Any] = {"RuleSetName": props["RuleSetName"], "Rule": {**props["Rule"], "Name": name}}
        if props.get("After") and operation == "CreateReceiptRule":
            values["After"] = props["After"]
        return shaped(request, "ses", operation, values)

    async def create(self, request: ResourceRequest) -> Outcome:
        name = request.properties["Rule"].get("Name") or request.physical_name(64)
        await request.call_async("ses", "CreateReceiptRule", self._params(request, name, "CreateReceiptRule"))
        return Outcome(name, {})

    async def update(self, request: ResourceRequest) -> Outcome:
        name = request.physical_id or ""
        await request.call_async("ses", "UpdateReceiptRule", self._params(request, name, "UpdateReceiptRule"))
        if changed(request, "After"):
            await request.call_async("ses", "SetReceiptRulePosition", {
                "RuleSetName": request.properties["RuleSetName"], "RuleName": name, "After": request.properties.get("After") or ""})  # fmt: skip
        return Outcome(name, {})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteReceiptRule", {
                "RuleSetName": request.properties["RuleSetName"], "RuleName": request.physical_id})  # fmt: skip


class ReceiptFilterHandler(ResourceHandler):
    type_name = "AWS::SES::ReceiptFilter"

    async def create(self, request: ResourceRequest) -> Outcome:
        receipt_filter = dict(request.properties["Filter"])
        receipt_filter["Name"] = receipt_filter.get("Name") or request.physical_name(64)
        await request.call_async("ses", "CreateReceiptFilter", shaped(request, "ses", "CreateReceiptFilter", {"Filter": receipt_filter}))
        return Outcome(receipt_filter["Name"], {"Id": receipt_filter["Name"]})

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("ses", "DeleteReceiptFilter", {"FilterName": request.physical_id})


HANDLERS = [
    EmailIdentityHandler, TemplateHandler, ConfigurationSetHandler, ConfigurationSetEventDestinationHandler,
    ReceiptRuleSetHandler, ReceiptRuleHandler, ReceiptFilterHandler,
]  # fmt: skip
