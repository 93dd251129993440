"""Evaluation: does a set of policies allow one request?

AWS's order, for identity-based policies of one account: any matching ``Deny`` wins
(explicit deny); otherwise any matching ``Allow`` allows; otherwise the request is
implicitly denied. A permissions boundary or session policy, when present, must allow too.
A resource-based policy (a role's trust policy, a bucket policy) also names principals,
matched against the caller's :class:`PrincipalIds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from cloudtwin.services.iam.policy.conditions import condition_holds
from cloudtwin.services.iam.policy.document import PolicyDocument, Statement
from cloudtwin.services.iam.policy.patterns import (
    PatternCache,
    context_lookup,
    has_variables,
    substitute,
)

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"


@dataclass(slots=True)
class PrincipalIds:
    """Who the caller is, as policy ``Principal`` elements may name it."""

    #: ARNs and account ids the ``AWS`` principal key may use for the caller: its own ARN,
    #: its account's root ARN and id, and (for role sessions) the role's ARN.
    aws: tuple[str, ...] = ()
    service: str | None = None
    federated: str | None = None

    def matches(self, principals: Mapping[str, Sequence[str]]) -> bool:
        for kind, ids in principals.items():
            if kind == "*":
                return True
            for pid in ids:
                if pid == "*" and kind == "AWS":
                    return True
                if kind == "AWS" and pid in self.aws:
                    return True
                if kind == "Service" and pid == self.service:
                    return True
                if kind == "Federated" and pid == self.federated:
                    return True
        return False


@dataclass(slots=True)
class EvaluationRequest:
    action: str
    resource: str = "*"
    #: Condition keys, lower-cased, to their values (single-valued keys: one item).
    context: dict[str, list[str]] = field(default_factory=dict)
    principal: PrincipalIds | None = None


@dataclass(slots=True)
class MatchedStatement:
    """Where an allow or deny came from (SimulatePrincipalPolicy's MatchedStatements)."""

    source_id: str
    statement_index: int
    effect: str


@dataclass(slots=True)
class Decision:
    decision: str
    matched: list[MatchedStatement] = field(default_factory=list)
    #: Condition keys the request lacked that a matching-so-far statement asked for.
    missing_context: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


class Evaluator:
    """Evaluates statements; owns the compiled-pattern cache."""

    def __init__(self) -> None:
        self.patterns = PatternCache()

    def _resolve(self, doc: PolicyDocument, text: str, request: EvaluationRequest) -> str | None:
        if doc.variables_enabled and has_variables(text):
            return substitute(text, context_lookup(request.context))
        return text

    def _action_matches(self, patterns: Iterable[str], action: str) -> bool:
        return any(self.patterns.match(p, action, ignore_case=True) for p in patterns)

    def _resource_matches(
        self, doc: PolicyDocument, patterns: Iterable[str], request: EvaluationRequest
    ) -> bool:
        for raw in patterns:
            pattern = self._resolve(doc, raw, request)
            if pattern is not None and self.patterns.match(pattern, request.resource):
                return True
        return False

    def statement_applies(
        self,
        doc: PolicyDocument,
        st: Statement,
        request: EvaluationRequest,
        missing: list[str] | None = None,
    ) -> bool:
        if st.action_pattern is not None:
            hit = st.action_pattern.fullmatch(request.action) is not None
        else:
            hit = self._action_matches(st.actions or st.not_actions or (), request.action)
        if hit != (st.actions is not None):
            return False
        listed = st.resources if st.resources is not None else st.not_resources
        if listed is not None:
            if st.resource_pattern is not None:
                hit = st.resource_pattern.fullmatch(request.resource) is not None
            else:
                hit = self._resource_matches(doc, listed, request)
            if hit != (st.resources is not None):
                return False
        if st.principals is not None:
            if request.principal is None or not request.principal.matches(st.principals):
                return False
        if st.not_principals is not None:
            if request.principal is not None and request.principal.matches(st.not_principals):
                return False
        holds = True
        for operator, key, expected in st.conditions:
            actual = request.context.get(key.lower())
            if actual is None and missing is not None and key not in missing:
                missing.append(key)
            if doc.variables_enabled and any(has_variables(e) for e in expected):
                lookup = context_lookup(request.context)
                expected = tuple(
                    v for v in (substitute(e, lookup) for e in expected) if v is not None
                )
            if not condition_holds(operator, expected, actual, self.patterns):
                if missing is None:
                    return False
                holds = False  # keep going: every missing key is reported
        return holds

    def evaluate(
        self,
        policies: Sequence[tuple[str, PolicyDocument]],
        request: EvaluationRequest,
    ) -> Decision:
        """Evaluate ``(source id, document)`` pairs together (one policy set)."""
        decision = Decision(IMPLICIT_DENY)
        allows: list[MatchedStatement] = []
        for source_id, doc in policies:
            for index, st in enumerate(doc.statements):
                if not self.statement_applies(doc, st, request, decision.missing_context):
                    continue
                matched = MatchedStatement(source_id, index, st.effect)
                if st.effect == "Deny":
                    decision.decision = EXPLICIT_DENY
                    decision.matched.append(matched)
                else:
                    allows.append(matched)
        if decision.decision == EXPLICIT_DENY:
            return decision
        if allows:
            decision.decision = ALLOWED
            decision.matched = allows
        return decision


def evaluate(
    evaluator: Evaluator,
    identity_policies: Sequence[tuple[str, PolicyDocument]],
    request: EvaluationRequest,
    *,
    boundary: Sequence[tuple[str, PolicyDocument]] | None = None,
    session: Sequence[tuple[str, PolicyDocument]] | None = None,
) -> Decision:
    """The identity-based decision, limited by a permissions boundary and session policies."""
    result = evaluator.evaluate(identity_policies, request)
    for limit in (boundary, session):
        if limit is None or result.decision == EXPLICIT_DENY:
            continue
        limited = evaluator.evaluate(limit, request)
        if limited.decision == EXPLICIT_DENY:
            return limited
        if limited.decision != ALLOWED and result.decision == ALLOWED:
            result = Decision(IMPLICIT_DENY, [], result.missing_context)
    return result
