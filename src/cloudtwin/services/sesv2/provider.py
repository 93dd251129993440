"""Amazon SES API v2 (``sesv2``): email identities, sending, templates, configuration sets
and the account, on the same resources as SES v1 (``services/ses``): each handler calls the
v1 operations through the internal client (``v1.py``) and shapes the answer as v2 does.
Only what v2 adds (tags, an identity's default configuration set, the suppression list,
contact lists) is kept here.

Identities are :mod:`identities`; sending and the account :mod:`sending`; templates
:mod:`templates`; configuration sets and event destinations :mod:`configuration_sets`; the
suppression list :mod:`suppression`; contact lists :mod:`contacts`.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.sesv2.configuration_sets import ConfigurationSetOperations
from cloudtwin.services.sesv2.contacts import ContactOperations
from cloudtwin.services.sesv2.identities import IdentityOperations
from cloudtwin.services.sesv2.models import SesV2Store
from cloudtwin.services.sesv2.sending import SendingOperations
from cloudtwin.services.sesv2.suppression import SuppressionOperations
from cloudtwin.services.sesv2.templates import TemplateOperations

Params = dict[str, Any]


class Provider(
    IdentityOperations, SendingOperations, TemplateOperations, ConfigurationSetOperations, SuppressionOperations,
    ContactOperations, ServiceProvider,
):  # fmt: skip
    service_name = "sesv2"
    store_class = SesV2Store

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        ctx.store.add_tags(params["ResourceArn"], params["Tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["ResourceArn"]
        ctx.store.tags[arn] = [t for t in ctx.store.tags_of(arn) if t["Key"] not in params["TagKeys"]]
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"Tags": ctx.store.tags_of(params["ResourceArn"])}
