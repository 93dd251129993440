"""Identity providers (SAML, OpenID Connect) and server certificates."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlparse

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.errors import already_exists, invalid_input, limit_exceeded, no_such_entity
from cloudtwin.services.iam.models import (
    IamStore,
    OidcProvider,
    SamlProvider,
    ServerCertificate,
    new_id,
)
from cloudtwin.services.iam.pagination import paginate

Params = dict[str, Any]

_VALID_UNTIL = re.compile(r'validUntil="([^"]+)"')
_SAML_LIFETIME = 100 * 365 * 86400


def parse_certificate(body: str) -> Any:
    """The X.509 certificate in PEM ``body``; ``MalformedCertificate`` when it is not one."""
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        raise ServiceError("MalformedCertificate", "Certificate body is invalid.") from None


def _valid_until(metadata: str, created: float) -> float:
    from cloudtwin.clock import to_epoch

    found = _VALID_UNTIL.search(metadata)
    if found:
        try:
            return to_epoch(found.group(1).replace("Z", "+00:00"))
        except ValueError:
            pass
    return created + _SAML_LIFETIME


class FederationHandlers:
    """SAML and OIDC providers and server certificates (mixed into the IAM provider)."""

    # -- SAML ------------------------------------------------------------------------------------

    def _saml(self, store: IamStore, arn: str) -> SamlProvider:
        found = store.saml_providers.get(arn)
        if found is None:
            raise no_such_entity(f"Manifest not found for arn {arn}")
        return found

    def create_saml_provider(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:saml-provider/{params['Name']}"
        if arn in store.saml_providers:
            raise already_exists(f"SAMLProvider {params['Name']} already exists")
        metadata = params["SAMLMetadataDocument"]
        if "EntityDescriptor" not in metadata:
            raise invalid_input("Could not parse metadata")
        tags = params.get("Tags") or []
        E.check_tags(tags)
        now = ctx.clock.now()
        store.saml_providers[arn] = SamlProvider(
            arn, metadata, now, _valid_until(metadata, now), list(tags)
        )
        out: Params = {"SAMLProviderArn": arn}
        if tags:
            out["Tags"] = list(tags)
        return out

    def get_saml_provider(self, ctx: RequestContext, params: Params) -> Params:
        p = self._saml(ctx.store, params["SAMLProviderArn"])
        out: Params = {
            "SAMLProviderUUID": str(uuid.uuid5(uuid.NAMESPACE_URL, p.arn)),
            "SAMLMetadataDocument": p.metadata,
            "CreateDate": E.when(p.created),
            "ValidUntil": E.when(p.valid_until),
        }
        if p.tags:
            out["Tags"] = list(p.tags)
        return out

    def update_saml_provider(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        p = self._saml(store, params["SAMLProviderArn"])
        if params.get("SAMLMetadataDocument"):
            p.metadata = params["SAMLMetadataDocument"]
            p.valid_until = _valid_until(p.metadata, ctx.clock.now())
        store.saml_providers.save(p.arn)
        return {"SAMLProviderArn": p.arn}

    def delete_saml_provider(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        p = self._saml(store, params["SAMLProviderArn"])
        del store.saml_providers[p.arn]

    def list_saml_providers(self, ctx: RequestContext, params: Params) -> Params:
        return {
            "SAMLProviderList": [
                {"Arn": p.arn, "ValidUntil": E.when(p.valid_until), "CreateDate": E.when(p.created)}
                for p in ctx.store.saml_providers.values()
            ]
        }

    def tag_saml_provider(self, ctx: RequestContext, params: Params) -> None:
        p = self._saml(ctx.store, params["SAMLProviderArn"])
        p.tags = E.merge_tags(p.tags, params["Tags"])
        ctx.store.saml_providers.save(p.arn)

    def untag_saml_provider(self, ctx: RequestContext, params: Params) -> None:
        p = self._saml(ctx.store, params["SAMLProviderArn"])
        p.tags = E.drop_tags(p.tags, params["TagKeys"])
        ctx.store.saml_providers.save(p.arn)

    def list_saml_provider_tags(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(self._saml(ctx.store, params["SAMLProviderArn"]).tags, params, "Tags")

    # -- OpenID Connect --------------------------------------------------------------------------

    def _oidc(self, store: IamStore, arn: str) -> OidcProvider:
        found = store.oidc_providers.get(arn)
        if found is None:
            raise no_such_entity(f"OpenIDConnect Provider not found for arn {arn}")
        return found

    def create_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        url = params["Url"]
        parsed = urlparse(url)
        if parsed.scheme != "https" or not parsed.netloc:
            raise invalid_input("Invalid Open ID Connect Provider URL")
        host_path = (parsed.netloc + parsed.path).rstrip("/")
        arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:oidc-provider/{host_path}"
        if arn in store.oidc_providers:
            raise already_exists("Unknown")
        thumbprints = list(params.get("ThumbprintList") or [])
        if len(thumbprints) > 5:
            raise limit_exceeded("Thumbprint list must contain fewer than 5 entries.")
        tags = params.get("Tags") or []
        E.check_tags(tags)
        store.oidc_providers[arn] = OidcProvider(
            arn, url, list(params.get("ClientIDList") or []), thumbprints, ctx.clock.now(),
            list(tags),
        )  # fmt: skip
        out: Params = {"OpenIDConnectProviderArn": arn}
        if tags:
            out["Tags"] = list(tags)
        return out

    def get_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> Params:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        out: Params = {
            "Url": p.url.split("://", 1)[-1],
            "ClientIDList": list(p.client_ids),
            "ThumbprintList": list(p.thumbprints),
            "CreateDate": E.when(p.created),
        }
        if p.tags:
            out["Tags"] = list(p.tags)
        return out

    def delete_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        store.oidc_providers.pop(params["OpenIDConnectProviderArn"], None)

    def list_open_id_connect_providers(self, ctx: RequestContext, params: Params) -> Params:
        return {"OpenIDConnectProviderList": [{"Arn": a} for a in ctx.store.oidc_providers]}

    def add_client_id_to_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> None:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        if params["ClientID"] not in p.client_ids:
            p.client_ids.append(params["ClientID"])
            ctx.store.oidc_providers.save(p.arn)

    def remove_client_id_from_open_id_connect_provider(
        self, ctx: RequestContext, params: Params
    ) -> None:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        if params["ClientID"] in p.client_ids:
            p.client_ids.remove(params["ClientID"])
            ctx.store.oidc_providers.save(p.arn)

    def update_open_id_connect_provider_thumbprint(
        self, ctx: RequestContext, params: Params
    ) -> None:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        p.thumbprints = list(params["ThumbprintList"])
        ctx.store.oidc_providers.save(p.arn)

    def tag_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> None:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        p.tags = E.merge_tags(p.tags, params["Tags"])
        ctx.store.oidc_providers.save(p.arn)

    def untag_open_id_connect_provider(self, ctx: RequestContext, params: Params) -> None:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        p.tags = E.drop_tags(p.tags, params["TagKeys"])
        ctx.store.oidc_providers.save(p.arn)

    def list_open_id_connect_provider_tags(self, ctx: RequestContext, params: Params) -> Params:
        p = self._oidc(ctx.store, params["OpenIDConnectProviderArn"])
        return paginate(p.tags, params, "Tags")

    # -- server certificates -----------------------------------------------------------------------

    def _server_cert(self, store: IamStore, name: str) -> ServerCertificate:
        found = store.server_certificates.get(name)
        if found is None:
            raise no_such_entity(f"The Server Certificate with name {name} cannot be found.")
        return found

    @staticmethod
    def _cert_meta(c: ServerCertificate) -> Params:
        out: Params = {
            "Path": c.path,
            "ServerCertificateName": c.name,
            "ServerCertificateId": c.id,
            "Arn": c.arn,
            "UploadDate": E.when(c.uploaded),
        }
        if c.expiration is not None:
            out["Expiration"] = E.when(c.expiration)
        return out

    def upload_server_certificate(self, ctx: RequestContext, params: Params) -> Params:
        from cryptography.hazmat.primitives import serialization

        store: IamStore = ctx.store
        name = params["ServerCertificateName"]
        if name in store.server_certificates:
            raise already_exists(f"The Server Certificate with name {name} already exists.")
        cert = parse_certificate(params["CertificateBody"])
        try:
            key = serialization.load_pem_private_key(params["PrivateKey"].strip().encode(), None)
        except (ValueError, TypeError):
            raise ServiceError("MalformedCertificate", "Private key is invalid.") from None
        public = serialization.PublicFormat.SubjectPublicKeyInfo
        encoding = serialization.Encoding.DER
        if key.public_key().public_bytes(encoding, public) != cert.public_key().public_bytes(
            encoding, public
        ):
            raise ServiceError(
                "KeyPairMismatch", "Public key certificate and private key doesn't match."
            )
        path = E.check_path(params.get("Path"))
        tags = params.get("Tags") or []
        E.check_tags(tags)
        record = ServerCertificate(
            name=name,
            id=new_id("ASCA"),
            arn=f"arn:{ctx.partition}:iam::{ctx.account_id}:server-certificate{path}{name}",
            path=path,
            # IAM keeps the PEM text without surrounding whitespace (no final newline).
            body=params["CertificateBody"].strip(),
            chain=params["CertificateChain"].strip() if params.get("CertificateChain") else None,
            uploaded=ctx.clock.now(),
            expiration=cert.not_valid_after_utc.timestamp(),
            tags=list(tags),
        )
        store.server_certificates[name] = record
        out: Params = {"ServerCertificateMetadata": self._cert_meta(record)}
        if tags:
            out["Tags"] = list(tags)
        return out

    def get_server_certificate(self, ctx: RequestContext, params: Params) -> Params:
        c = self._server_cert(ctx.store, params["ServerCertificateName"])
        out: Params = {"ServerCertificateMetadata": self._cert_meta(c), "CertificateBody": c.body}
        if c.chain:
            out["CertificateChain"] = c.chain
        out["Tags"] = list(c.tags)  # IAM answers an empty list when there are none
        return {"ServerCertificate": out}

    def list_server_certificates(self, ctx: RequestContext, params: Params) -> Params:
        prefix = params.get("PathPrefix")
        certs = [
            c for c in ctx.store.server_certificates.values()
            if not prefix or c.path.startswith(prefix)
        ]  # fmt: skip
        return paginate(certs, params, "ServerCertificateMetadataList", self._cert_meta)

    def update_server_certificate(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        c = self._server_cert(store, params["ServerCertificateName"])
        new_name = params.get("NewServerCertificateName") or c.name
        if new_name != c.name and new_name in store.server_certificates:
            raise already_exists(f"The Server Certificate with name {new_name} already exists.")
        del store.server_certificates[c.name]
        c.name = new_name
        if params.get("NewPath"):
            c.path = E.check_path(params["NewPath"])
        c.arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:server-certificate{c.path}{c.name}"
        store.server_certificates[c.name] = c

    def delete_server_certificate(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        c = self._server_cert(store, params["ServerCertificateName"])
        del store.server_certificates[c.name]

    def tag_server_certificate(self, ctx: RequestContext, params: Params) -> None:
        c = self._server_cert(ctx.store, params["ServerCertificateName"])
        c.tags = E.merge_tags(c.tags, params["Tags"])
        ctx.store.server_certificates.save(c.name)

    def untag_server_certificate(self, ctx: RequestContext, params: Params) -> None:
        c = self._server_cert(ctx.store, params["ServerCertificateName"])
        c.tags = E.drop_tags(c.tags, params["TagKeys"])
        ctx.store.server_certificates.save(c.name)

    def list_server_certificate_tags(self, ctx: RequestContext, params: Params) -> Params:
        c = self._server_cert(ctx.store, params["ServerCertificateName"])
        return paginate(c.tags, params, "Tags")
