"""Identities: email addresses and domains (verified at once, as a local twin should), their
DKIM and MAIL FROM settings, notification topics and sending authorization policies
(handlers mixed into the provider)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses.errors import invalid_value
from cloudtwin.services.ses.models import Identity, SesStore
from cloudtwin.services.ses.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")
_DKIM_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def address_of(text: str) -> str:
    """The bare address of ``Name <user@example.com>`` (or of a bare address)."""
    return parseaddr(text)[1] or text


def verified_identity(store: SesStore, address: str) -> Identity | None:
    """The verified identity that lets ``address`` send: the address itself, else its
    domain (or a parent domain)."""
    found = store.identities.get(address)
    if found is not None:
        return found
    domain = address.rpartition("@")[2].lower()
    while domain:
        found = store.identities.get(domain)
        if found is not None and found.kind == "Domain":
            return found
        domain = domain.partition(".")[2]
    return None


def identity_arn(ctx: "RequestContext", name: str) -> str:
    return f"arn:{ctx.partition}:ses:{ctx.region}:{ctx.account_id}:identity/{name}"


def unknown_identity(name: str) -> ServiceError:
    return ServiceError("MessageRejected", f"Identity {name} is not verified or does not exist.")


def _dkim_tokens(domain: str) -> list[str]:
    """Three DKIM tokens, stable per domain (AWS's are 32 lowercase base32 characters)."""
    return [
        "".join(_DKIM_ALPHABET[b % 32] for b in hashlib.sha256(f"{domain}:{i}".encode()).digest())
        for i in range(3)
    ]


def add_identity(store: SesStore, name: str, kind: str, now: float) -> Identity:
    """The identity ``name``, created (and verified) if new."""
    existing = store.identities.get(name)
    if existing is not None:
        return existing
    identity = Identity(name=name, kind=kind, created=now)
    if kind == "Domain":
        identity.verification_token = base64.b64encode(secrets.token_bytes(32)).decode()
    store.identities[name] = identity
    return identity


def check_email(address: str) -> None:
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise invalid_value(f"Invalid email address <{address}>.")


class IdentityOperations:
    def _identity(self, ctx: "RequestContext", name: str) -> Identity:
        identity = ctx.store.identities.get(name)
        if identity is None:
            raise unknown_identity(name)
        return identity

    def verify_email_identity(self, ctx: "RequestContext", params: Params) -> Params:
        check_email(params["EmailAddress"])
        add_identity(ctx.store, params["EmailAddress"], "EmailAddress", ctx.clock.now())
        return {}

    def verify_email_address(self, ctx: "RequestContext", params: Params) -> Params:
        return self.verify_email_identity(ctx, params)

    def verify_domain_identity(self, ctx: "RequestContext", params: Params) -> Params:
        identity = add_identity(ctx.store, params["Domain"], "Domain", ctx.clock.now())
        return {"VerificationToken": identity.verification_token}

    def verify_domain_dkim(self, ctx: "RequestContext", params: Params) -> Params:
        store: SesStore = ctx.store
        identity = add_identity(store, params["Domain"], "Domain", ctx.clock.now())
        identity.dkim_enabled = True
        identity.dkim_tokens = _dkim_tokens(identity.name)
        store.identities.save(identity.name)
        return {"DkimTokens": list(identity.dkim_tokens)}

    def list_identities(self, ctx: "RequestContext", params: Params) -> Params:
        kind = params.get("IdentityType")
        names = [i.name for i in ctx.store.identities.values() if kind in (None, i.kind)]
        chunk, token = page(names, params.get("NextToken"), params.get("MaxItems"), default=1000)
        return {"Identities": chunk, **({"NextToken": token} if token else {})}

    def list_verified_email_addresses(self, ctx: "RequestContext", params: Params) -> Params:
        return {"VerifiedEmailAddresses": [i.name for i in ctx.store.identities.values() if i.kind == "EmailAddress"]}

    def delete_identity(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.identities.pop(params["Identity"], None)
        return {}

    def delete_verified_email_address(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.identities.pop(params["EmailAddress"], None)
        return {}

    def get_identity_verification_attributes(self, ctx: "RequestContext", params: Params) -> Params:
        out: Params = {}
        for name in params["Identities"]:
            identity = ctx.store.identities.get(name)
            if identity is None:
                continue
            out[name] = {"VerificationStatus": "Success"}
            if identity.verification_token:
                out[name]["VerificationToken"] = identity.verification_token
        return {"VerificationAttributes": out}

    def get_identity_dkim_attributes(self, ctx: "RequestContext", params: Params) -> Params:
        out: Params = {}
        for name in params["Identities"]:
            identity = ctx.store.identities.get(name)
            if identity is None:
                continue
            domain = identity if identity.kind == "Domain" else ctx.store.identities.get(name.rpartition("@")[2])
            tokens = domain.dkim_tokens if domain is not None else []
            enabled = bool(identity.dkim_enabled or (identity is not domain and domain is not None and domain.dkim_enabled))
            out[name] = {"DkimEnabled": enabled, "DkimVerificationStatus": "Success" if tokens else "NotStarted"}
            if identity.kind == "Domain" and tokens:
                out[name]["DkimTokens"] = list(tokens)
        return {"DkimAttributes": out}

    def set_identity_dkim_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        identity.dkim_enabled = params["DkimEnabled"]
        if identity.kind == "Domain" and identity.dkim_enabled and not identity.dkim_tokens:
            identity.dkim_tokens = _dkim_tokens(identity.name)
        ctx.store.identities.save(identity.name)
        return {}

    # -- notifications ------------------------------------------------------------------------

    @staticmethod
    def _notification_type(value: str) -> str:
        if value not in NOTIFICATION_TYPES:
            raise invalid_value(f"Invalid notification type: {value}. Valid values are: {', '.join(NOTIFICATION_TYPES)}.")
        return value

    def set_identity_notification_topic(self, ctx: "RequestContext", params: Params) -> Params:
        kind = self._notification_type(params["NotificationType"])
        identity = self._identity(ctx, params["Identity"])
        if params.get("SnsTopic"):
            identity.topics[kind] = params["SnsTopic"]
        else:
            identity.topics.pop(kind, None)
        ctx.store.identities.save(identity.name)
        return {}

    def set_identity_headers_in_notifications_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        kind = self._notification_type(params["NotificationType"])
        identity = self._identity(ctx, params["Identity"])
        enabled = set(identity.headers_in)
        (enabled.add if params["Enabled"] else enabled.discard)(kind)
        identity.headers_in = [t for t in NOTIFICATION_TYPES if t in enabled]
        ctx.store.identities.save(identity.name)
        return {}

    def set_identity_feedback_forwarding_enabled(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        if not params["ForwardingEnabled"] and not ("Bounce" in identity.topics and "Complaint" in identity.topics):
            raise invalid_value(
                "Feedback forwarding can only be disabled when bounce and complaint notification topics are set "
                f"for identity {identity.name}."
            )
        identity.feedback_forwarding = params["ForwardingEnabled"]
        ctx.store.identities.save(identity.name)
        return {}

    def get_identity_notification_attributes(self, ctx: "RequestContext", params: Params) -> Params:
        out: Params = {}
        for name in params["Identities"]:
            identity = ctx.store.identities.get(name)
            if identity is None:
                continue
            attributes: Params = {f"{kind}Topic": identity.topics[kind] for kind in NOTIFICATION_TYPES if kind in identity.topics}
            attributes["ForwardingEnabled"] = identity.feedback_forwarding
            for kind in NOTIFICATION_TYPES:
                attributes[f"HeadersIn{kind}NotificationsEnabled"] = kind in identity.headers_in
            out[name] = attributes
        return {"NotificationAttributes": out}

    # -- MAIL FROM ----------------------------------------------------------------------------

    def set_identity_mail_from_domain(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        domain = params.get("MailFromDomain") or ""
        if domain:
            parent = identity.name.rpartition("@")[2]
            if not domain.endswith("." + parent):
                raise invalid_value(f"Provided MAIL-FROM domain <{domain}> is not subdomain of the domain of the identity <{identity.name}>.")
        identity.mail_from_domain = domain
        identity.mail_from_behavior = params.get("BehaviorOnMXFailure") or "UseDefaultValue"
        ctx.store.identities.save(identity.name)
        return {}

    def get_identity_mail_from_domain_attributes(self, ctx: "RequestContext", params: Params) -> Params:
        out: Params = {}
        for name in params["Identities"]:
            identity = ctx.store.identities.get(name)
            if identity is None:
                continue
            attributes: Params = {"BehaviorOnMXFailure": identity.mail_from_behavior}
            if identity.mail_from_domain:
                attributes |= {"MailFromDomain": identity.mail_from_domain, "MailFromDomainStatus": "Success"}
            out[name] = attributes
        return {"MailFromDomainAttributes": out}

    # -- sending authorization policies -------------------------------------------------------

    def put_identity_policy(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        try:
            document = json.loads(params["Policy"])
        except ValueError:
            document = None
        if not isinstance(document, dict) or "Statement" not in document:
            raise ServiceError("InvalidPolicyException", "Policy is not valid JSON or lacks a Statement.")
        identity.policies[params["PolicyName"]] = params["Policy"]
        ctx.store.identities.save(identity.name)
        return {}

    def get_identity_policies(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        return {"Policies": {name: identity.policies[name] for name in params["PolicyNames"] if name in identity.policies}}

    def list_identity_policies(self, ctx: "RequestContext", params: Params) -> Params:
        return {"PolicyNames": list(self._identity(ctx, params["Identity"]).policies)}

    def delete_identity_policy(self, ctx: "RequestContext", params: Params) -> Params:
        identity = self._identity(ctx, params["Identity"])
        identity.policies.pop(params["PolicyName"], None)
        ctx.store.identities.save(identity.name)
        return {}
