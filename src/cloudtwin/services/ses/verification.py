"""Custom verification email templates and SendCustomVerificationEmail: the address is
verified at once (as every identity is here) and the verification email is kept with the
sent messages (handlers mixed into the provider)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses.configuration_sets import get_configuration_set
from cloudtwin.services.ses.identities import add_identity, address_of, check_email, verified_identity
from cloudtwin.services.ses.models import SesStore
from cloudtwin.services.ses.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
_MEMBERS = ("TemplateName", "FromEmailAddress", "TemplateSubject", "TemplateContent", "SuccessRedirectionURL", "FailureRedirectionURL")


def _missing(name: str) -> ServiceError:
    return ServiceError("CustomVerificationEmailTemplateDoesNotExistException", f"Custom verification email template {name} does not exist.")


def _template(store: SesStore, name: str) -> Params:
    found = store.verification_templates.get(name)
    if found is None:
        raise _missing(name)
    return found


def _check_from(store: SesStore, address: str) -> None:
    if verified_identity(store, address_of(address)) is None:
        raise ServiceError("FromEmailAddressNotVerifiedException", f"Email address {address} is not verified.")


class VerificationOperations:
    def create_custom_verification_email_template(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        name = params["TemplateName"]
        if name in store.verification_templates:
            raise ServiceError(
                "CustomVerificationEmailTemplateAlreadyExistsException",
                f"Custom verification email template {name} already exists.",
            )
        _check_from(store, params["FromEmailAddress"])
        store.verification_templates[name] = {k: params[k] for k in _MEMBERS if k in params}
        return {}

    def update_custom_verification_email_template(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        template = dict(_template(store, params["TemplateName"]))
        if params.get("FromEmailAddress"):
            _check_from(store, params["FromEmailAddress"])
        template |= {k: params[k] for k in _MEMBERS if params.get(k) is not None}
        store.verification_templates[template["TemplateName"]] = template
        return {}

    def get_custom_verification_email_template(self, ctx: "RequestContext", params: Params) -> Params:
        return dict(_template(ctx.store, params["TemplateName"]))

    def delete_custom_verification_email_template(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.verification_templates.pop(params["TemplateName"], None)
        return {}

    def list_custom_verification_email_templates(self, ctx: "RequestContext", params: Params) -> Params:
        listed = [{k: v for k, v in t.items() if k != "TemplateContent"} for t in ctx.store.verification_templates.values()]
        chunk, token = page(listed, params.get("NextToken"), params.get("MaxResults"), default=50)
        return {"CustomVerificationEmailTemplates": chunk, **({"NextToken": token} if token else {})}

    async def send_custom_verification_email(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        template = _template(store, params["TemplateName"])
        config = get_configuration_set(store, params["ConfigurationSetName"]) if params.get("ConfigurationSetName") else None
        _check_from(store, template["FromEmailAddress"])
        check_email(params["EmailAddress"])
        add_identity(store, params["EmailAddress"], "EmailAddress", ctx.clock.now())
        send = {"Source": template["FromEmailAddress"], "Destination": {"ToAddresses": [params["EmailAddress"]]}}
        message_id = await self._compose_and_send(  # type: ignore[attr-defined]
            ctx, "SendCustomVerificationEmail", send, config, template["TemplateSubject"], None,
            template["TemplateContent"], {"Template": template["TemplateName"]},
        )  # fmt: skip
        return {"MessageId": message_id}
