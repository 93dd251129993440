"""API Gateway's store (REST APIs, v1), as plain records.

A REST API is one record holding everything that belongs to it — resources with their
methods and integrations, models, request validators, authorizers, gateway responses,
documentation, deployments (each a frozen copy of the resources) and stages — so that a
change is one write. Account-wide resources (API keys, usage plans, domain names, VPC
links, client certificates, the account settings) have tables of their own.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.state.store import Store, Tables


class ApiGatewayStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: api id -> {"api": RestApi fields, "resources": {id: Resource}, "models": {name: Model},
        #:   "validators": {id: ...}, "authorizers": {id: ...}, "responses": {type: ...},
        #:   "parts": {id: ...}, "docVersions": {version: ...}, "deployments": {id: ...},
        #:   "stages": {name: ...}}
        self.apis: Any = tables.table("apis")
        #: key id -> ApiKey fields
        self.keys: Any = tables.table("keys")
        #: plan id -> UsagePlan fields plus "_keys": {key id: "API_KEY"} and "_usage"
        self.plans: Any = tables.table("plans")
        #: domain name -> DomainName fields plus "_mappings": {base path: BasePathMapping}
        self.domains: Any = tables.table("domains")
        #: vpc link id -> VpcLink; client certificate id -> ClientCertificate
        self.links: Any = tables.table("links")
        self.certificates: Any = tables.table("certificates")
        #: "account" -> Account settings
        self.settings: Any = tables.table("settings")
