"""Custom domain names and base path mappings, VPC links, client certificates, the
account's settings and tags — stored and answered as AWS does (cloudtwin serves no TLS)."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.apigateway import patch
from cloudtwin.services.apigateway.common import (
    Params, api_record, bad_request, conflict, new_id, not_found, page, public,
)


class DomainOps:
    env: Any

    # -- domain names -----------------------------------------------------------------------------

    def create_domain_name(self, ctx: RequestContext, params: Params) -> Params:
        name = params["domainName"]
        if name in ctx.store.domains:
            raise conflict("The domain name you provided already exists.")
        config = dict(params.get("endpointConfiguration") or {"types": ["EDGE"]})
        config.setdefault("ipAddressType", "ipv4")
        domain: Params = {
            "domainName": name, "domainNameStatus": "AVAILABLE", "endpointConfiguration": config,
            "securityPolicy": params.get("securityPolicy") or "TLS_1_2",
            "domainNameArn": f"arn:{ctx.partition}:apigateway:{ctx.region}::/domainnames/{name}",
            "_mappings": {},
        }  # fmt: skip
        if "REGIONAL" in config.get("types", []):
            domain["regionalDomainName"] = f"d-{new_id(10)}.execute-api.{ctx.region}.amazonaws.com"
            domain["regionalHostedZoneId"] = "Z1UJRXOUMOOFQ8"
        else:
            domain["distributionDomainName"] = f"d{new_id(13)}.cloudfront.net"
            domain["distributionHostedZoneId"] = "Z2FDTNDATAQYW2"
        for key in ("certificateName", "certificateArn", "regionalCertificateName", "regionalCertificateArn",
                    "tags", "mutualTlsAuthentication", "policy", "routingMode"):
            if params.get(key) is not None:
                domain[key] = params[key]
        if params.get("certificateArn") or params.get("certificateBody"):
            domain["certificateUploadDate"] = self.env.clock.now()
        ctx.store.domains[name] = domain
        return public(domain)

    def _domain(self, ctx: RequestContext, name: str) -> dict:
        domain = ctx.store.domains.get(name)
        if domain is None:
            raise not_found("Invalid domain name identifier specified")
        return domain

    def get_domain_name(self, ctx: RequestContext, params: Params) -> Params:
        return public(self._domain(ctx, params["domainName"]))

    def get_domain_names(self, ctx: RequestContext, params: Params) -> Params:
        return page([public(d) for d in ctx.store.domains.values()], params)

    def update_domain_name(self, ctx: RequestContext, params: Params) -> Params:
        domain = self._domain(ctx, params["domainName"])
        patch.apply(domain, params.get("patchOperations") or [])
        ctx.store.domains.save(params["domainName"])
        return public(domain)

    def delete_domain_name(self, ctx: RequestContext, params: Params) -> None:
        self._domain(ctx, params["domainName"])
        del ctx.store.domains[params["domainName"]]
        return None

    # -- base path mappings -----------------------------------------------------------------------

    def create_base_path_mapping(self, ctx: RequestContext, params: Params) -> Params:
        domain = self._domain(ctx, params["domainName"])
        api_record(ctx, params["restApiId"])
        base = params.get("basePath") or "(none)"
        if base in domain["_mappings"]:
            raise conflict("Base path already exists for this domain name")
        mapping = {"basePath": base, "restApiId": params["restApiId"]}
        if params.get("stage"):
            mapping["stage"] = params["stage"]
        domain["_mappings"][base] = mapping
        ctx.store.domains.save(params["domainName"])
        return mapping

    def _mapping(self, ctx: RequestContext, params: Params) -> tuple[dict, dict]:
        domain = self._domain(ctx, params["domainName"])
        mapping = domain["_mappings"].get(params.get("basePath") or "(none)")
        if mapping is None:
            raise not_found("Invalid base path mapping identifier specified")
        return domain, mapping

    def get_base_path_mapping(self, ctx: RequestContext, params: Params) -> Params:
        return self._mapping(ctx, params)[1]

    def get_base_path_mappings(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(self._domain(ctx, params["domainName"])["_mappings"].values()), params)

    def update_base_path_mapping(self, ctx: RequestContext, params: Params) -> Params:
        domain, mapping = self._mapping(ctx, params)
        old = mapping["basePath"]
        patch.apply(mapping, params.get("patchOperations") or [])
        if mapping["basePath"] != old:
            del domain["_mappings"][old]
            domain["_mappings"][mapping["basePath"] or "(none)"] = mapping
        ctx.store.domains.save(params["domainName"])
        return mapping

    def delete_base_path_mapping(self, ctx: RequestContext, params: Params) -> None:
        domain, mapping = self._mapping(ctx, params)
        del domain["_mappings"][mapping["basePath"]]
        ctx.store.domains.save(params["domainName"])
        return None

    # -- VPC links --------------------------------------------------------------------------------

    def create_vpc_link(self, ctx: RequestContext, params: Params) -> Params:
        link = {"id": new_id(6), "name": params["name"], "targetArns": params["targetArns"], "status": "AVAILABLE",
                "statusMessage": "Your vpc link is ready for use"}  # fmt: skip
        for key in ("description", "tags"):
            if params.get(key):
                link[key] = params[key]
        ctx.store.links[link["id"]] = link
        return link

    def _link(self, ctx: RequestContext, link_id: str) -> dict:
        link = ctx.store.links.get(link_id)
        if link is None:
            raise not_found("Invalid Vpc Link identifier specified")
        return link

    def get_vpc_link(self, ctx: RequestContext, params: Params) -> Params:
        return self._link(ctx, params["vpcLinkId"])

    def get_vpc_links(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(ctx.store.links.values()), params)

    def update_vpc_link(self, ctx: RequestContext, params: Params) -> Params:
        link = self._link(ctx, params["vpcLinkId"])
        patch.apply(link, params.get("patchOperations") or [])
        ctx.store.links.save(link["id"])
        return link

    def delete_vpc_link(self, ctx: RequestContext, params: Params) -> None:
        self._link(ctx, params["vpcLinkId"])
        del ctx.store.links[params["vpcLinkId"]]
        return None

    # -- client certificates ----------------------------------------------------------------------

    def generate_client_certificate(self, ctx: RequestContext, params: Params) -> Params:
        now = self.env.clock.now()
        cert = {"clientCertificateId": new_id(6), "createdDate": now, "expirationDate": now + 365 * 86400,
                "pemEncodedCertificate": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"}  # fmt: skip
        for key in ("description", "tags"):
            if params.get(key):
                cert[key] = params[key]
        ctx.store.certificates[cert["clientCertificateId"]] = cert
        return cert

    def _certificate(self, ctx: RequestContext, cert_id: str) -> dict:
        cert = ctx.store.certificates.get(cert_id)
        if cert is None:
            raise not_found("Invalid Client Certificate identifier specified")
        return cert

    def get_client_certificate(self, ctx: RequestContext, params: Params) -> Params:
        return self._certificate(ctx, params["clientCertificateId"])

    def get_client_certificates(self, ctx: RequestContext, params: Params) -> Params:
        return page(list(ctx.store.certificates.values()), params)

    def update_client_certificate(self, ctx: RequestContext, params: Params) -> Params:
        cert = self._certificate(ctx, params["clientCertificateId"])
        patch.apply(cert, params.get("patchOperations") or [])
        ctx.store.certificates.save(cert["clientCertificateId"])
        return cert

    def delete_client_certificate(self, ctx: RequestContext, params: Params) -> None:
        self._certificate(ctx, params["clientCertificateId"])
        del ctx.store.certificates[params["clientCertificateId"]]
        return None

    # -- account ----------------------------------------------------------------------------------

    def get_account(self, ctx: RequestContext, params: Params) -> Params:
        return ctx.store.settings.get("account") or {
            "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
            "features": ["UsagePlans"], "apiKeyVersion": "4",
        }  # fmt: skip

    def update_account(self, ctx: RequestContext, params: Params) -> Params:
        account = dict(self.get_account(ctx, params))
        for op in params.get("patchOperations") or []:
            if op.get("path") != "/cloudwatchRoleArn":
                raise bad_request(f"Invalid patch path {op.get('path')}")
            patch.apply(account, [op])
        ctx.store.settings["account"] = account
        return account

    # -- tags -------------------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, resource_arn: str) -> tuple[Any, Any, dict]:
        path = resource_arn.split("::", 1)[-1]
        parts = path.strip("/").split("/")
        store = ctx.store
        if parts[0] == "restapis" and len(parts) == 2:
            record = api_record(ctx, parts[1])
            return store.apis, parts[1], record["api"]
        if parts[0] == "restapis" and len(parts) == 4 and parts[2] == "stages":
            record = api_record(ctx, parts[1])
            stage = record["stages"].get(parts[3])
            if stage is None:
                raise not_found("Invalid Stage identifier specified")
            return store.apis, parts[1], stage
        tables = {"apikeys": store.keys, "usageplans": store.plans, "domainnames": store.domains,
                  "vpclinks": store.links, "clientcertificates": store.certificates}
        table = tables.get(parts[0])
        if table is None or len(parts) != 2 or parts[1] not in table:
            raise not_found("Invalid resource identifier specified")
        return table, parts[1], table[parts[1]]

    def tag_resource(self, ctx: RequestContext, params: Params) -> None:
        table, key, record = self._tagged(ctx, params["resourceArn"])
        record.setdefault("tags", {}).update(params["tags"])
        table.save(key)
        return None

    def untag_resource(self, ctx: RequestContext, params: Params) -> None:
        table, key, record = self._tagged(ctx, params["resourceArn"])
        for name in params["tagKeys"]:
            (record.get("tags") or {}).pop(name, None)
        table.save(key)
        return None

    def get_tags(self, ctx: RequestContext, params: Params) -> Params:
        _, _, record = self._tagged(ctx, params["resourceArn"])
        return {"tags": record.get("tags") or {}}
