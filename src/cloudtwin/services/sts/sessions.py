"""Issuing temporary credentials and checking what may obtain them.

``Sessions`` owns the policy evaluator STS uses for trust policies (the same language and
engine as IAM's, from :mod:`cloudtwin.services.iam.policy`) and registers every session
with the gateway, so requests signed with it act as the role / user / federated user, in
that principal's account, until it expires on the virtual clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam.policy import (
    EvaluationRequest,
    Evaluator,
    PolicyError,
    PrincipalIds,
    parse_policy,
)
from cloudtwin.services.sts.models import Session, StsStore
from cloudtwin.services.sts.tokens import session_credentials

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.gateway.identity import Identity
    from cloudtwin.services.registry import ServiceEnvironment

#: Sessions are forgotten this long after they expired.
KEEP_EXPIRED = 7 * 86400
#: Largest packed session policy, in characters (PackedPolicySize is a percentage of it).
PACKED_POLICY_LIMIT = 2048


@dataclass(frozen=True, slots=True)
class Role:
    """What STS needs to know of a role (read from IAM through the internal client)."""

    arn: str
    name: str
    id: str
    account_id: str
    trust_policy: str
    max_session: int
    #: The AccessDenied a refused caller gets (AWS's wording names caller and role).
    denied: ServiceError


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message)


def access_denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", message, 403)


class Sessions:
    def __init__(self, env: "ServiceEnvironment", stores: Any) -> None:
        self.env = env
        self.stores = stores
        self.evaluator = Evaluator()

    # -- roles ------------------------------------------------------------------------------

    def role(self, ctx: "RequestContext", role_arn: str, action: str) -> "Role":
        """The role an ARN names (through IAM), or AccessDenied as AWS answers for a role
        that does not exist."""
        parts = role_arn.split(":", 5)
        denied = access_denied(
            f"User: {ctx.caller_arn} is not authorized to perform: {action} on resource: {role_arn}"
        )
        if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
            raise validation_error(f"{role_arn} is invalid")
        account = parts[4]
        name = parts[5].rsplit("/", 1)[-1]
        try:
            role = self.env.internal.call(
                "iam", "GetRole", {"RoleName": name}, account_id=account, region=ctx.region
            )["Role"]
        except ServiceError:
            raise denied from None
        if role["Arn"].split(":", 5)[5] != parts[5]:
            raise denied
        return Role(
            arn=role["Arn"],
            name=role["RoleName"],
            id=role["RoleId"],
            account_id=account,
            trust_policy=unquote(role["AssumeRolePolicyDocument"]),
            max_session=role.get("MaxSessionDuration", 3600),
            denied=denied,
        )

    def trust_admits(
        self,
        role: "Role",
        action: str,
        principal: PrincipalIds,
        context: dict[str, list[str]],
    ) -> bool:
        try:
            doc = parse_policy(role.trust_policy, "trust")
        except PolicyError:
            return False
        request = EvaluationRequest(action, role.arn, context, principal)
        return self.evaluator.evaluate([("trust", doc)], request).allowed

    @staticmethod
    def caller_principal(identity: "Identity", partition: str) -> PrincipalIds:
        if identity.arn.endswith(".amazonaws.com") and ":" not in identity.arn:
            # A service acting for itself (Lambda taking a function's execution role).
            return PrincipalIds(service=identity.arn)
        arn = identity.arn.replace("{partition}", partition)
        ids = [arn, f"arn:{partition}:iam::{identity.account_id}:root", identity.account_id]
        if identity.source_arn and ":assumed-role/" in arn:  # a role's sessions are the role
            ids.append(identity.source_arn)
        return PrincipalIds(aws=tuple(ids))

    @staticmethod
    def caller_context(ctx: "RequestContext") -> dict[str, list[str]]:
        identity = ctx.identity
        arn = ctx.caller_arn
        principal_arn = identity.source_arn if ":assumed-role/" in arn and identity.source_arn else arn
        context = {
            "aws:principalarn": [principal_arn],
            "aws:principalaccount": [identity.account_id],
            "aws:userid": [identity.user_id],
            "aws:requestedregion": [ctx.region],
            "aws:currenttime": [
                datetime.fromtimestamp(ctx.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            ],
            "aws:epochtime": [str(int(ctx.clock.now()))],
        }
        if ":user/" in arn:
            context["aws:username"] = [arn.rsplit("/", 1)[-1]]
        for key, value in identity.session_tags:  # a session's tags are its principal tags
            context[f"aws:principaltag/{key.lower()}"] = [value]
        return context

    # -- session policies -------------------------------------------------------------------

    def session_policy(self, ctx: "RequestContext", params: dict[str, Any]) -> str | None:
        """The session policy (inline ``Policy`` plus ``PolicyArns``) as one document."""
        statements: list[Any] = []
        text = params.get("Policy")
        if text is not None:
            try:
                parse_policy(text, "identity")
            except PolicyError as error:
                raise ServiceError("MalformedPolicyDocument", str(error)) from None
            raw = json.loads(text)["Statement"]
            statements.extend(raw if isinstance(raw, list) else [raw])
        for item in params.get("PolicyArns") or ():
            arn = item.get("arn", "")
            account = arn.split(":")[4] if arn.count(":") >= 5 else ctx.account_id
            try:
                policy = self.env.internal.call(
                    "iam", "GetPolicy", {"PolicyArn": arn},
                    account_id=ctx.account_id if account == "aws" else account, region=ctx.region,
                )["Policy"]
                version = self.env.internal.call(
                    "iam", "GetPolicyVersion",
                    {"PolicyArn": arn, "VersionId": policy["DefaultVersionId"]},
                    account_id=ctx.account_id if account == "aws" else account, region=ctx.region,
                )["PolicyVersion"]
            except ServiceError:
                raise ServiceError("InvalidParameterValue", f"Policy {arn} does not exist or is not attachable.") from None  # noqa: E501
            raw = json.loads(unquote(version["Document"]))["Statement"]
            statements.extend(raw if isinstance(raw, list) else [raw])
        if text is None and not params.get("PolicyArns"):
            return None
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    @staticmethod
    def packed_size(params: dict[str, Any]) -> int | None:
        text = params.get("Policy")
        arns = params.get("PolicyArns") or ()
        if text is None and not arns:
            return None
        size = len(json.dumps(read_json(text), separators=(",", ":"))) if text else 0
        percent = (size * 100) // PACKED_POLICY_LIMIT + 6 * len(arns)
        if percent > 100:
            raise ServiceError(
                "PackedPolicyTooLarge",
                f"Packed size of the session policy and session tags exceeds the limit by {percent - 100}%.",  # noqa: E501
            )
        return percent

    # -- issuing ----------------------------------------------------------------------------

    def issue(
        self,
        ctx: "RequestContext",
        *,
        account_id: str,
        arn: str,
        user_id: str,
        duration: int,
        session_policy: str | None = None,
        source_arn: str | None = None,
        tags: tuple[tuple[str, str], ...] = (),
        transitive: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Make, store and register a session; returns the ``Credentials`` output member."""
        key, secret, token = session_credentials()
        now = ctx.clock.now()
        session = Session(
            key, secret, token, account_id, arn, user_id, now, now + duration,
            session_policy, source_arn, tags, transitive,
        )  # fmt: skip
        store: StsStore = self.stores.get(account_id, ctx.region)
        store.sessions[key] = session
        self.env.identities.register(session.identity())
        return {
            "AccessKeyId": key,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": datetime.fromtimestamp(session.expires_at, timezone.utc),
        }

    def caller_session(self, ctx: "RequestContext") -> Session | None:
        """The session whose credentials signed this request, if any."""
        identity = ctx.identity
        if identity.expires_at is None or not identity.access_key_id:
            return None
        store: StsStore = self.stores.get(identity.account_id, ctx.region)
        return store.sessions.get(identity.access_key_id)

    def restore(self) -> None:
        for _, store in self.stores.items():
            for session in store.sessions.values():
                self.env.identities.register(session.identity())

    def prune(self, now: float) -> dict[str, int]:
        """Tick processor: forget sessions long expired."""
        dropped = 0
        for _, store in self.stores.items():
            for key in [k for k, s in store.sessions.items() if s.expires_at + KEEP_EXPIRED <= now]:
                del store.sessions[key]
                self.env.identities.forget(key)
                dropped += 1
        return {"forgotten": dropped}
