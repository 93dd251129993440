"""AWS Security Token Service.

Temporary credentials (``ASIA…`` keys with session tokens) are made by
:class:`~cloudtwin.services.sts.sessions.Sessions`, stored per account of the session and
registered with the gateway: a request signed with them acts as the assumed role (in the
role's account, even across accounts), the federated user, or the user, until they expire
on the virtual clock. Roles and identity providers are read from IAM through the internal
client; trust policies are evaluated by IAM's policy engine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime, timezone
from typing import Any

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam.policy import PrincipalIds
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.sts.models import StsStore
from cloudtwin.services.sts.sessions import Sessions, access_denied, validation_error
from cloudtwin.services.sts.tokens import jwt_claims, saml_assertion

Params = dict[str, Any]

#: Identity providers AWS knows without an IAM OIDC provider in the account.
_WELL_KNOWN_IDPS = frozenset(
    ("accounts.google.com", "graph.facebook.com", "www.amazon.com", "cognito-identity.amazonaws.com")
)
_ROLE_CHAINING_LIMIT = 3600
#: The event IAM listens to for RoleLastUsed (the name is the contract; see iam.provider).
ROLE_ASSUMED = "sts:RoleAssumed"


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def _session_tags(
    params: Params, inherited: Any = None
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(tags, transitive keys) of a new session: the tags passed (keys are case-insensitive,
    so one key may not come twice), the transitive keys among them, and the transitive tags
    of the calling session when it is a role chained from one that passed some."""
    tags: dict[str, tuple[str, str]] = {}
    for tag in params.get("Tags") or ():
        key = tag["Key"].lower()
        if key in tags:
            raise _invalid("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        tags[key] = (tag["Key"], tag["Value"])
    transitive = []
    for name in params.get("TransitiveTagKeys") or ():
        if name.lower() not in tags:
            raise _invalid("The specified transitive tag key must be included in the requested tags.")
        transitive.append(name.lower())
    if inherited is not None and inherited.transitive:
        passed_on = {k.lower(): (k, v) for k, v in inherited.tags if k.lower() in inherited.transitive}
        tags.update(passed_on)
        transitive.extend(k for k in passed_on if k not in transitive)
    return tuple(tags.values()), tuple(transitive)


def _is_session(arn: str) -> bool:
    return ":assumed-role/" in arn or ":federated-user/" in arn


class Provider(ServiceProvider):
    service_name = "sts"
    store_class = StsStore
    global_region = True

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.sessions = Sessions(env, self.stores)
        self.sessions.restore()
        env.processors.register("sts-sessions", self.sessions.prune)

    # -- who am I ---------------------------------------------------------------------------

    def get_caller_identity(self, ctx: RequestContext, params: Params) -> Params:
        identity = ctx.identity
        return {
            "UserId": identity.user_id,
            "Account": identity.account_id,
            "Arn": identity.arn_in(ctx.region),
        }

    def get_access_key_info(self, ctx: RequestContext, params: Params) -> Params:
        identity = self.env.identities.resolve(params["AccessKeyId"])
        return {"Account": identity.account_id}

    def decode_authorization_message(self, ctx: RequestContext, params: Params) -> Params:
        try:
            decoded = base64.b64decode(params["EncodedMessage"], validate=True).decode()
            read_json(decoded)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ServiceError(
                "InvalidAuthorizationMessageException",
                "The error message provided is not a valid encoded authorization message.",
            ) from None
        return {"DecodedMessage": decoded}

    # -- roles ------------------------------------------------------------------------------

    def _duration(self, params: Params, default: int, maximum: int, message: str) -> int:
        duration = params.get("DurationSeconds") or default
        if duration > maximum:
            raise validation_error(message)
        return duration

    def _assumed(
        self, ctx: RequestContext, role: Any, session_name: str, duration: int, params: Params,
        source: str | None = None,
    ) -> Params:  # fmt: skip
        arn = f"arn:{{partition}}:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"
        session_policy = self.sessions.session_policy(ctx, params)
        packed = self.sessions.packed_size(params)  # refuses before anything is issued
        tags, transitive = _session_tags(params, self.sessions.caller_session(ctx))
        credentials = self.sessions.issue(
            ctx,
            account_id=role.account_id,
            arn=arn,
            user_id=f"{role.id}:{session_name}",
            duration=duration,
            session_policy=session_policy,
            source_arn=role.arn,
            tags=tags,
            transitive=transitive,
        )
        # IAM keeps the role's RoleLastUsed from this (no import of IAM: an event).
        self.env.events.publish(
            Event(ROLE_ASSUMED, role.account_id, ctx.region,
                  {"role": role.name, "time": ctx.clock.now()})
        )  # fmt: skip
        out: Params = {
            "Credentials": credentials,
            "AssumedRoleUser": {
                "AssumedRoleId": f"{role.id}:{session_name}",
                "Arn": arn.replace("{partition}", ctx.partition),
            },
        }
        if packed is not None:
            out["PackedPolicySize"] = packed
        if source:
            out["SourceIdentity"] = source
        return out

    def assume_role(self, ctx: RequestContext, params: Params) -> Params:
        role = self.sessions.role(ctx, params["RoleArn"], "sts:AssumeRole")
        principal = self.sessions.caller_principal(ctx.identity, ctx.partition)
        context = self.sessions.caller_context(ctx)
        context["sts:rolesessionname"] = [params["RoleSessionName"]]
        if params.get("ExternalId") is not None:
            context["sts:externalid"] = [params["ExternalId"]]
        if params.get("SourceIdentity") is not None:
            context["sts:sourceidentity"] = [params["SourceIdentity"]]
        for tag in params.get("Tags") or ():
            context[f"aws:requesttag/{tag['Key'].lower()}"] = [tag["Value"]]
        if params.get("SerialNumber"):
            context["aws:multifactorauthpresent"] = ["true"]
        if not self.sessions.trust_admits(role, "sts:AssumeRole", principal, context):
            raise role.denied
        if params.get("Tags") and not self.sessions.trust_admits(
            role, "sts:TagSession", principal, context
        ):
            raise access_denied(
                f"User: {ctx.caller_arn} is not authorized to perform: sts:TagSession on "
                f"resource: {role.arn}"
            )
        if _is_session(ctx.caller_arn) and (params.get("DurationSeconds") or 0) > _ROLE_CHAINING_LIMIT:
            raise validation_error(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
        duration = self._duration(
            params, 3600, role.max_session,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )  # fmt: skip
        return self._assumed(
            ctx, role, params["RoleSessionName"], duration, params, params.get("SourceIdentity")
        )

    def assume_role_with_web_identity(self, ctx: RequestContext, params: Params) -> Params:
        claims = jwt_claims(params["WebIdentityToken"])
        issuer = str(claims["iss"])
        host = issuer.split("://", 1)[-1].rstrip("/")
        role_arn = params["RoleArn"]
        role = self.sessions.role(ctx, role_arn, "sts:AssumeRoleWithWebIdentity")
        raw_aud = claims.get("aud")
        if isinstance(raw_aud, list):
            audiences = [str(a) for a in raw_aud]
        else:
            audiences = [str(raw_aud)] if raw_aud is not None else []
        if host in _WELL_KNOWN_IDPS or params.get("ProviderId"):
            federated = params.get("ProviderId") or host
        else:
            federated = f"arn:{ctx.partition}:iam::{role.account_id}:oidc-provider/{host}"
            try:
                provider = self.env.internal.call(
                    "iam", "GetOpenIDConnectProvider", {"OpenIDConnectProviderArn": federated},
                    account_id=role.account_id, region=ctx.region,
                )  # fmt: skip
            except ServiceError:
                raise ServiceError(
                    "InvalidIdentityToken",
                    f"No OpenIDConnect provider found in your account for {issuer}",
                ) from None
            if provider.get("ClientIDList") and not set(audiences) & set(provider["ClientIDList"]):
                raise ServiceError("InvalidIdentityToken", "Incorrect token audience")
        exp = claims.get("exp")
        now = ctx.clock.now()
        if isinstance(exp, (int, float)) and exp <= now:
            raise ServiceError(
                "ExpiredTokenException",
                "Token expired: current date/time "
                f"{int(now)} must be before the expiration date/time {int(exp)}",
            )
        context = {
            f"{host}:sub": [str(claims.get("sub", ""))],
            f"{host}:aud": audiences,
            f"{host}:iss": [issuer],
            "sts:rolesessionname": [params["RoleSessionName"]],
        }
        if claims.get("amr"):
            amr = claims["amr"]
            context[f"{host}:amr"] = [amr] if isinstance(amr, str) else [str(a) for a in amr]
        context = {k.lower(): v for k, v in context.items()}
        if not self.sessions.trust_admits(
            role, "sts:AssumeRoleWithWebIdentity", PrincipalIds(federated=federated), context
        ):
            raise access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
        duration = self._duration(
            params, 3600, role.max_session,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )  # fmt: skip
        out = self._assumed(ctx, role, params["RoleSessionName"], duration, params)
        out["SubjectFromWebIdentityToken"] = str(claims.get("sub", ""))
        out["Provider"] = params.get("ProviderId") or host
        if audiences:
            out["Audience"] = audiences[0]
        return out

    def assume_role_with_saml(self, ctx: RequestContext, params: Params) -> Params:
        assertion = saml_assertion(params["SAMLAssertion"])
        role = self.sessions.role(ctx, params["RoleArn"], "sts:AssumeRoleWithSAML")
        principal_arn = params["PrincipalArn"]
        try:
            self.env.internal.call(
                "iam", "GetSAMLProvider", {"SAMLProviderArn": principal_arn},
                account_id=role.account_id, region=ctx.region,
            )  # fmt: skip
        except ServiceError:
            raise ServiceError(
                "InvalidIdentityToken", f"SAML provider {principal_arn} does not exist"
            ) from None
        if assertion.roles and not any(
            role.arn in entry and principal_arn in entry for entry in assertion.roles
        ):
            raise access_denied("Not authorized to perform sts:AssumeRoleWithSAML")
        if assertion.not_on_or_after:
            from cloudtwin.clock import to_epoch

            try:
                expiry = to_epoch(assertion.not_on_or_after.replace("Z", "+00:00"))
            except ValueError:
                expiry = None
            if expiry is not None and expiry <= ctx.clock.now():
                raise ServiceError("ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance")  # noqa: E501
        context = {
            "saml:sub": [assertion.subject],
            "saml:sub_type": [assertion.subject_type],
            "saml:aud": [assertion.audience],
            "saml:iss": [assertion.issuer],
        }
        if not self.sessions.trust_admits(
            role, "sts:AssumeRoleWithSAML", PrincipalIds(federated=principal_arn), context
        ):
            raise access_denied("Not authorized to perform sts:AssumeRoleWithSAML")
        duration = self._duration(
            params, 3600, role.max_session,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )  # fmt: skip
        session_name = assertion.session_name or assertion.subject
        out = self._assumed(ctx, role, session_name, duration, params)
        name = principal_arn.rsplit("/", 1)[-1]
        qualifier = hashlib.sha1(  # noqa: S324 - the NameQualifier AWS documents
            f"{assertion.issuer}{role.account_id}/{name}".encode()
        ).digest()
        out.update(
            Subject=assertion.subject,
            SubjectType=assertion.subject_type,
            Issuer=assertion.issuer,
            Audience=assertion.audience,
            NameQualifier=base64.b64encode(qualifier).decode(),
        )
        return out

    # -- users' sessions ----------------------------------------------------------------------

    def get_session_token(self, ctx: RequestContext, params: Params) -> Params:
        identity = ctx.identity
        if _is_session(ctx.caller_arn) or identity.expires_at is not None:
            raise access_denied("Cannot call GetSessionToken with session credentials")
        duration = params.get("DurationSeconds") or 43200
        if identity.arn.endswith(":root"):  # root's sessions are cut to one hour
            duration = min(duration, 3600)
        credentials = self.sessions.issue(
            ctx,
            account_id=identity.account_id,
            arn=identity.arn,
            user_id=identity.user_id,
            duration=duration,
            source_arn=ctx.caller_arn,
        )
        return {"Credentials": credentials}

    def get_federation_token(self, ctx: RequestContext, params: Params) -> Params:
        identity = ctx.identity
        if _is_session(ctx.caller_arn) or identity.expires_at is not None:
            raise access_denied("Cannot call GetFederationToken with session credentials")
        duration = params.get("DurationSeconds") or 43200
        if identity.arn.endswith(":root"):  # root's federation sessions are cut to one hour
            duration = min(duration, 3600)
        name = params["Name"]
        arn = f"arn:{{partition}}:sts::{identity.account_id}:federated-user/{name}"
        session_policy = self.sessions.session_policy(ctx, params)
        packed = self.sessions.packed_size(params)  # refuses before anything is issued
        credentials = self.sessions.issue(
            ctx,
            account_id=identity.account_id,
            arn=arn,
            user_id=f"{identity.account_id}:{name}",
            duration=duration,
            session_policy=session_policy,
            source_arn=ctx.caller_arn,
            tags=_session_tags(params)[0],
        )
        out: Params = {
            "Credentials": credentials,
            "FederatedUser": {
                "FederatedUserId": f"{identity.account_id}:{name}",
                "Arn": arn.replace("{partition}", ctx.partition),
            },
        }
        # AWS states the packed size even when nothing was passed (0).
        out["PackedPolicySize"] = packed or 0
        return out

    # -- control surface ----------------------------------------------------------------------

    def introspection(self) -> dict[tuple[str, str], Any]:
        return {("GET", "sessions"): self._introspect_sessions}

    def _introspect_sessions(self, params: dict[str, Any]) -> Any:
        """Every session issued: key, principal, account, expiry (secrets not shown)."""
        out = []
        for (account, _), store in self.stores.items():  # type: ignore[union-attr]
            for s in store.sessions.values():
                out.append({
                    "access_key_id": s.access_key_id,
                    "account": account,
                    "arn": s.arn.replace("{partition}", "aws"),
                    "expires_at": datetime.fromtimestamp(s.expires_at, timezone.utc).isoformat(),
                    "expired": s.expires_at <= self.env.clock.now(),
                })  # fmt: skip
        return {"sessions": out}

    def reset(self, account_id: str | None = None) -> None:
        for (account, _), store in self.stores.items():  # type: ignore[union-attr]
            if account_id is None or account == account_id:
                for key in store.sessions:
                    self.env.identities.forget(key)
        super().reset(account_id)
