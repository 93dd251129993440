"""Amazon API Gateway, REST APIs (v1): the control plane and the data plane behind
``http://<api-id>.execute-api.localhost:4566/<stage>/<path>`` (or, with no DNS,
``http://127.0.0.1:4566/restapis/<api-id>/<stage>/_user_request_/<path>``).

The operation handlers live in feature modules, one class of handlers each — REST APIs and
what hangs off them (restapis.py), methods and integrations (methods.py), deployments and
stages (stages.py), API keys and usage plans (keys.py), domain names and the rest
(domains.py), OpenAPI import and export (openapi.py). A request to a deployed API runs
through :mod:`cloudtwin.execute_api` (routing, authorizers, VTL, integrations), shared with
HTTP and WebSocket APIs (apigatewayv2).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.apigateway.common import Params, api_record, not_found
from cloudtwin.services.apigateway.domains import DomainOps
from cloudtwin.services.apigateway.keys import KeyOps
from cloudtwin.services.apigateway.methods import MethodOps
from cloudtwin.services.apigateway.models import ApiGatewayStore
from cloudtwin.services.apigateway.restapis import RestApiOps
from cloudtwin.services.apigateway.stages import StageOps
from cloudtwin.services.provider import ServiceProvider


class Provider(RestApiOps, MethodOps, StageOps, KeyOps, DomainOps, ServiceProvider):
    service_name = "apigateway"
    store_class = ApiGatewayStore

    def __init__(self, env) -> None:
        super().__init__(env)
        from cloudtwin.execute_api.authorizers import AuthorizerCache, JwksCache
        from cloudtwin.execute_api.journal import Journal

        self.authorizer_cache = AuthorizerCache(env.clock)
        self.jwks = JwksCache()
        self.journal = Journal()

    def introspection(self) -> dict:
        return {("GET", "requests"): lambda params: {"requests": self.journal.entries(params)}}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.authorizer_cache.flush()
        self.journal.clear()

    # -- export -----------------------------------------------------------------------------------

    def get_export(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.apigateway.openapi import export

        record = api_record(ctx, params["restApiId"])
        stage = record["stages"].get(params["stageName"])
        if stage is None:
            raise not_found("Invalid Stage identifier specified")
        return export(ctx, record, stage, params)

    # -- test invocations -------------------------------------------------------------------------

    async def test_invoke_method(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.execute_api.testinvoke import test_invoke
        from cloudtwin.services.apigateway.common import resource_api

        record = resource_api(ctx, params["restApiId"])
        return await test_invoke(self, ctx, record, params)

    # -- the data plane ---------------------------------------------------------------------------

    def find_api(self, api_id: str) -> tuple[Any, dict] | None:
        """(store, record) of a REST API by id, in whichever account and region holds it."""
        if self.stores is None:
            return None
        for _, store in self.stores.items():
            record = store.apis.get(api_id)
            if record is not None:
                return store, record
        return None

    async def serve(
        self, request: HttpRequest, api_id: str, path: str, request_id: str, loopback: Any = None
    ) -> HttpResponse | None:
        """A request to a deployed REST API; None when no REST API has this id."""
        found = self.find_api(api_id)
        if found is None:
            return None
        from cloudtwin.execute_api.rest import RestInvocation

        store, record = found
        return await RestInvocation(self, store, record, request, path, request_id, loopback).run()
