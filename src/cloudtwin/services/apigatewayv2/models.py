"""API Gateway v2's store (HTTP and WebSocket APIs), as plain records.

An API is one record holding its routes (each with its route responses), integrations
(each with its integration responses), authorizers, models, stages and deployments (a
deployment freezes the routes, integrations and authorizers its stages serve).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class ApiGatewayV2Store(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: api id -> {"api": Api fields, "routes": {}, "integrations": {}, "authorizers": {},
        #:   "models": {}, "stages": {}, "deployments": {}}
        self.apis: Any = tables.table("apis")
        #: domain name -> DomainName fields plus "_mappings": {mapping id: ApiMapping}
        self.domains: Any = tables.table("domains")
        #: vpc link id -> VpcLink
        self.links: Any = tables.table("links")
