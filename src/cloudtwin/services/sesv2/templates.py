"""SES v2 email templates and custom verification email templates, SES v1's in v2's shapes
(handlers mixed into the provider)."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.sesv2.models import SesV2Store, resource_arn
from cloudtwin.services.sesv2.v1 import SesV1, paging

Params = dict[str, Any]
#: v2's TemplateContent members -> v1's Template members.
_PARTS = (("Subject", "SubjectPart"), ("Text", "TextPart"), ("Html", "HtmlPart"))


def v1_template(params: Params) -> Params:
    content = params.get("TemplateContent") or {}
    template = {"TemplateName": params["TemplateName"]}
    template |= {v1: content[v2] for v2, v1 in _PARTS if content.get(v2) is not None}
    return {"Template": template}


class TemplateOperations(SesV1):
    async def create_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "CreateTemplate", v1_template(params))
        store: SesV2Store = ctx.store
        store.add_tags(resource_arn(ctx, "template", params["TemplateName"]), params.get("Tags"))
        return {}

    async def update_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateTemplate", v1_template(params))
        return {}

    async def get_email_template(self, ctx: RequestContext, params: Params) -> Params:
        template = (await self._v1(ctx, "GetTemplate", {"TemplateName": params["TemplateName"]}))["Template"]
        return {
            "TemplateName": template["TemplateName"],
            "TemplateContent": {v2: template[v1] for v2, v1 in _PARTS if v1 in template},
            "Tags": ctx.store.tags_of(resource_arn(ctx, "template", params["TemplateName"])),
        }

    async def delete_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "GetTemplate", {"TemplateName": params["TemplateName"]})
        await self._v1(ctx, "DeleteTemplate", {"TemplateName": params["TemplateName"]})
        ctx.store.tags.pop(resource_arn(ctx, "template", params["TemplateName"]), None)
        return {}

    async def list_email_templates(self, ctx: RequestContext, params: Params) -> Params:
        page = await self._v1(ctx, "ListTemplates", paging(params))
        out: Params = {"TemplatesMetadata": [{"TemplateName": t["Name"], "CreatedTimestamp": t["CreatedTimestamp"]} for t in page["TemplatesMetadata"]]}
        if page.get("NextToken"):
            out["NextToken"] = page["NextToken"]
        return out

    async def test_render_email_template(self, ctx: RequestContext, params: Params) -> Params:
        rendered = await self._v1(ctx, "TestRenderTemplate", {"TemplateName": params["TemplateName"], "TemplateData": params["TemplateData"]})
        return {"RenderedTemplate": rendered["RenderedTemplate"]}

    # -- custom verification email templates --------------------------------------------------

    async def create_custom_verification_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "CreateCustomVerificationEmailTemplate", {k: v for k, v in params.items() if k != "Tags"})
        ctx.store.add_tags(resource_arn(ctx, "custom-verification-email-template", params["TemplateName"]), params.get("Tags"))
        return {}

    async def update_custom_verification_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "UpdateCustomVerificationEmailTemplate", params)
        return {}

    async def get_custom_verification_email_template(self, ctx: RequestContext, params: Params) -> Params:
        found = await self._v1(ctx, "GetCustomVerificationEmailTemplate", {"TemplateName": params["TemplateName"]})
        tags = ctx.store.tags_of(resource_arn(ctx, "custom-verification-email-template", params["TemplateName"]))
        return {**{k: v for k, v in found.items() if k != "ResponseMetadata"}, "Tags": tags}

    async def delete_custom_verification_email_template(self, ctx: RequestContext, params: Params) -> Params:
        await self._v1(ctx, "GetCustomVerificationEmailTemplate", {"TemplateName": params["TemplateName"]})
        await self._v1(ctx, "DeleteCustomVerificationEmailTemplate", {"TemplateName": params["TemplateName"]})
        ctx.store.tags.pop(resource_arn(ctx, "custom-verification-email-template", params["TemplateName"]), None)
        return {}

    async def list_custom_verification_email_templates(self, ctx: RequestContext, params: Params) -> Params:
        values = {k: v for k, v in (("NextToken", params.get("NextToken")), ("MaxResults", params.get("PageSize"))) if v}
        page = await self._v1(ctx, "ListCustomVerificationEmailTemplates", values)
        return {k: page[k] for k in ("CustomVerificationEmailTemplates", "NextToken") if k in page}

    async def send_custom_verification_email(self, ctx: RequestContext, params: Params) -> Params:
        return {"MessageId": (await self._v1(ctx, "SendCustomVerificationEmail", params))["MessageId"]}
