"""Who may do what: the policies that apply to a principal, evaluated for one request.

Used three ways: the gateway's optional enforcement (``CLOUDTWIN_ENFORCE_IAM=1``) asks
:meth:`Authorizer.check` for every call signed with IAM-issued credentials; STS asks
:meth:`Authorizer.trust_admits` whether a role's trust policy admits a caller; the
simulation operations evaluate with :meth:`Authorizer.evaluate` directly.

Parsed documents are cached by their text (documents are immutable values), so evaluating
a request parses nothing after the first time a policy is seen.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Sequence

from cloudtwin.services.iam.policy import (
    EvaluationRequest,
    Evaluator,
    PolicyDocument,
    PolicyError,
    PrincipalIds,
    evaluate,
    parse_policy,
)
from cloudtwin.services.iam.policy.document import PolicyKind
from cloudtwin.services.iam.policy.evaluator import ALLOWED, EXPLICIT_DENY, Decision
from cloudtwin.services.iam.policies import policy_document

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.identity import Identity
    from cloudtwin.services.iam.models import IamStore, Principal

Policies = list[tuple[str, PolicyDocument]]

_CACHE_LIMIT = 4096


def principal_ids(identity: "Identity", partition: str) -> PrincipalIds:
    """The names a policy's ``"AWS"`` principal may use for ``identity``."""
    arn = identity.arn.replace("{partition}", partition)
    ids = [arn, f"arn:{partition}:iam::{identity.account_id}:root", identity.account_id]
    if identity.source_arn and ":assumed-role/" in arn:  # a role's sessions are the role
        ids.append(identity.source_arn)
    return PrincipalIds(aws=tuple(ids))


def iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_context(identity: "Identity", partition: str, region: str, now: float,
                    tags: Sequence[dict[str, str]] = (),
                    iso: Callable[[int], str] = iso_second) -> dict[str, list[str]]:
    """The global condition keys AWS puts in every request context (``iso`` formats
    ``aws:CurrentTime``; the Authorizer passes a memoised one)."""
    arn = identity.arn.replace("{partition}", partition)
    second = int(now)
    context = {
        "aws:principalarn": [identity.source_arn if ":assumed-role/" in arn and identity.source_arn else arn],  # noqa: E501
        "aws:principalaccount": [identity.account_id],
        "aws:userid": [identity.user_id],
        "aws:currenttime": [iso(second)],
        "aws:epochtime": [str(second)],
        "aws:requestedregion": [region],
        "aws:securetransport": ["false"],
        "aws:principaltype": ["User" if ":user/" in arn else "AssumedRole" if ":assumed-role/" in arn else "FederatedUser" if ":federated-user/" in arn else "Account"],  # noqa: E501
    }
    if ":user/" in arn:
        context["aws:username"] = [arn.rsplit("/", 1)[-1]]
    if identity.expires_at is not None:
        context["aws:multifactorauthpresent"] = ["false"]
    for tag in tags:
        context[f"aws:principaltag/{tag['Key'].lower()}"] = [tag["Value"]]
    for key, value in identity.session_tags:  # session tags win over the principal's
        context[f"aws:principaltag/{key.lower()}"] = [value]
    return context


class Authorizer:
    def __init__(self) -> None:
        self.evaluator = Evaluator()
        self._docs: dict[tuple[str, str], PolicyDocument] = {}
        self._second: tuple[int, str] = (-1, "")

    def iso(self, second: int) -> str:
        """``aws:CurrentTime`` text, formatted once per virtual second."""
        if self._second[0] != second:
            self._second = (second, iso_second(second))
        return self._second[1]

    def document(self, text: str, kind: PolicyKind = "identity") -> PolicyDocument:
        key = (text, kind)
        doc = self._docs.get(key)
        if doc is None:
            doc = parse_policy(text, kind)
            if len(self._docs) >= _CACHE_LIMIT:
                self._docs.clear()
            self._docs[key] = doc
        return doc

    # -- the policies of a principal ----------------------------------------------------------

    def _add(self, store: "IamStore", record: "Principal", kind: str, out: Policies,
             types: dict[str, str] | None, texts: dict[str, str] | None) -> None:
        for name, text in record.inline.items():
            out.append((name, self.document(text)))
            if types is not None:
                types[name] = kind
            if texts is not None:
                texts[name] = text
        for arn in record.attached:
            text = policy_document(store, arn)
            if text is not None:
                out.append((arn, self.document(text)))
                if types is not None:
                    types[arn] = "aws-managed" if ":iam::aws:" in arn else "user-managed"
                if texts is not None:
                    texts[arn] = text

    def principal_policies(
        self, store: "IamStore", record: "Principal", kind: str,
        types: dict[str, str] | None = None, texts: dict[str, str] | None = None,
    ) -> Policies:
        """The identity-based policies of a user (with its groups'), group or role;
        ``types`` and ``texts`` (when given) receive each source's type and document text."""
        out: Policies = []
        self._add(store, record, kind, out, types, texts)
        if kind == "user":
            for group_name in record.groups:  # type: ignore[attr-defined]
                group = store.groups.get(group_name.lower())
                if group is not None:
                    self._add(store, group, "group", out, types, texts)
        return out

    def boundary(self, store: "IamStore", record: "Principal") -> Policies | None:
        if not record.boundary:
            return None
        text = policy_document(store, record.boundary)
        return [(record.boundary, self.document(text))] if text else []

    def principal_of(self, store: "IamStore", arn: str) -> tuple[str, "Principal"] | None:
        """The user or role behind an ARN (a role session's ARN names its role)."""
        resource = arn.split(":", 5)[-1]
        if resource.startswith("user/"):
            record = store.users.get(resource.rsplit("/", 1)[-1].lower())
            return ("user", record) if record is not None else None
        if resource.startswith("role/"):
            record = store.roles.get(resource.rsplit("/", 1)[-1].lower())
            return ("role", record) if record is not None else None
        if resource.startswith("assumed-role/"):
            record = store.roles.get(resource.split("/")[1].lower())
            return ("role", record) if record is not None else None
        return None

    # -- decisions ------------------------------------------------------------------------------

    def decide(
        self,
        store: "IamStore",
        identity: "Identity",
        action: str,
        resource: str,
        context: dict[str, list[str]],
        partition: str,
        source_admin: bool = False,
    ) -> tuple[Decision, str]:
        """The decision for one request, and which kind of policy decided a denial
        (``identity-based policy``, ``permissions boundary``, ``session policy``).
        ``source_admin``: the session was made by the account's root or default principal
        (gateway.identity), which no policy limits."""
        arn = identity.arn.replace("{partition}", partition)
        base = identity.source_arn if ":federated-user/" in arn and identity.source_arn else arn
        found = self.principal_of(store, base)
        request = EvaluationRequest(action, resource, context, principal_ids(identity, partition))
        if found is None:
            if (base.endswith(":root") or source_admin) and base != arn:
                # A root's (or the default principal's) federated user: only its session
                # policy limits it.
                session = self._session(identity, arn) or []
                return self.evaluator.evaluate(session, request), "session policy"
            return Decision("implicitDeny"), "identity-based policy"
        kind, record = found
        policies = self.principal_policies(store, record, kind)
        decision = self.evaluator.evaluate(policies, request)
        if decision.decision != ALLOWED:
            return decision, "identity-based policy"
        for label, limit in (("permissions boundary", self.boundary(store, record)),
                             ("session policy", self._session(identity, arn))):  # fmt: skip
            if limit is None:
                continue
            limited = self.evaluator.evaluate(limit, request)
            if limited.decision != ALLOWED:
                return limited, label
        return decision, ""

    def _session(self, identity: "Identity", arn: str) -> Policies | None:
        if identity.session_policy:
            try:
                return [("session", self.document(identity.session_policy))]
            except PolicyError:
                return []
        if ":federated-user/" in arn:
            return []  # a federation token without a policy grants nothing
        return None

    def trust_admits(
        self,
        trust_policy: str,
        action: str,
        principal: PrincipalIds,
        context: dict[str, list[str]],
        resource: str,
    ) -> bool:
        """Whether a role's trust policy allows ``action`` for ``principal``."""
        try:
            doc = self.document(trust_policy, "trust")
        except PolicyError:
            return False
        request = EvaluationRequest(action, resource, context, principal)
        return self.evaluator.evaluate([("trust", doc)], request).decision == ALLOWED

    def evaluate(
        self,
        policies: Policies,
        request: EvaluationRequest,
        *,
        boundary: Policies | None = None,
    ) -> Decision:
        return evaluate(self.evaluator, policies, request, boundary=boundary)


def denial_message(identity_arn: str, action: str, resource: str, decision: Decision, source: str) -> str:
    """AWS's AccessDenied wording."""
    on = f" on resource: {resource}" if resource and resource != "*" else ""
    head = f"User: {identity_arn} is not authorized to perform: {action}{on}"
    if decision.decision == EXPLICIT_DENY:
        return f"{head} with an explicit deny in an {source}" if source.startswith("identity") else f"{head} with an explicit deny in a {source}"  # noqa: E501
    article = "identity-based policy" if source.startswith("identity") else source
    return f"{head} because no {article} allows the {action} action"
