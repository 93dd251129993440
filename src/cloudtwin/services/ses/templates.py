"""Email templates: their life cycle, and rendering them with the template data
(Handlebars: :mod:`handlebars`; handlers mixed into the provider)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses import handlebars, mime
from cloudtwin.services.ses.errors import already_exists, invalid_value, template_missing
from cloudtwin.services.ses.models import SesStore, Template
from cloudtwin.services.ses.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def render(text: str | None, data: Any, template: str, *, strict: bool, escape: bool = False) -> str | None:
    """``text`` rendered with ``data`` (Handlebars, see :mod:`handlebars`). A name missing
    from the data renders empty, or (``strict``, as TestRenderTemplate does) raises
    MissingRenderingAttribute."""
    if text is None:
        return None

    def missing(name: str) -> None:
        if strict:
            raise ServiceError("MissingRenderingAttributeException", f"Attribute '{name}' is not present in the rendering data.")

    try:
        return handlebars.render(text, data, escape=escape, missing=missing)
    except handlebars.TemplateSyntaxError as error:
        raise ServiceError("InvalidTemplateException", f"Template {template} is invalid: {error}") from None


def template_data(text: str, template: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ServiceError("InvalidRenderingParameterException", f"Template data for template {template} is not valid JSON.") from None


def get_template(store: SesStore, name: str) -> Template:
    template = store.templates.get(name)
    if template is None:
        raise template_missing(name)
    return template


def describe(template: Template) -> Params:
    out: Params = {"TemplateName": template.name}
    for key, value in (("SubjectPart", template.subject), ("TextPart", template.text), ("HtmlPart", template.html)):
        if value is not None:
            out[key] = value
    return out


def _from_params(params: Params, now: float) -> Template:
    shape = params["Template"]
    name = shape["TemplateName"]
    if not _NAME.match(name):
        raise ServiceError("InvalidTemplateException", f"Invalid Template Name: {name}. Template names can only contain alphanumeric characters, underscores and dashes.")
    return Template(name=name, created=now, subject=shape.get("SubjectPart"), text=shape.get("TextPart"), html=shape.get("HtmlPart"))


class TemplateOperations:
    def create_template(self, ctx: "RequestContext", params: Params) -> Params:
        template = _from_params(params, ctx.clock.now())
        if template.name in ctx.store.templates:
            raise already_exists(f"Template {template.name} already exists.")
        ctx.store.templates[template.name] = template
        return {}

    def update_template(self, ctx: "RequestContext", params: Params) -> Params:
        existing = get_template(ctx.store, params["Template"]["TemplateName"])
        template = _from_params(params, existing.created)
        ctx.store.templates[template.name] = template
        return {}

    def get_template(self, ctx: "RequestContext", params: Params) -> Params:
        return {"Template": describe(get_template(ctx.store, params["TemplateName"]))}

    def delete_template(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.templates.pop(params["TemplateName"], None)
        return {}

    def list_templates(self, ctx: "RequestContext", params: Params) -> Params:
        templates = list(ctx.store.templates.values())
        chunk, token = page(templates, params.get("NextToken"), params.get("MaxItems"), default=10)
        out: Params = {
            "TemplatesMetadata": [
                {"Name": t.name, "CreatedTimestamp": datetime.fromtimestamp(t.created, timezone.utc)} for t in chunk
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def test_render_template(self, ctx: "RequestContext", params: Params) -> Params:
        template = get_template(ctx.store, params["TemplateName"])
        data = template_data(params["TemplateData"], template.name)
        if not isinstance(data, dict):
            raise invalid_value("Template data must be a JSON object.")
        subject = render(template.subject, data, template.name, strict=True) or ""
        text = render(template.text, data, template.name, strict=True)
        body = render(template.html, data, template.name, strict=True, escape=True)
        return {"RenderedTemplate": mime.compose(subject, text, body).as_string()}
