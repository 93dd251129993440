"""SimulatePrincipalPolicy / SimulateCustomPolicy and the context-key listings, on the same
evaluator that enforcement uses."""

from __future__ import annotations

import re
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.authorization import Authorizer, Policies
from cloudtwin.services.iam.errors import invalid_input
from cloudtwin.services.iam.models import IamStore
from cloudtwin.services.iam.pagination import paginate
from cloudtwin.services.iam.policy import EvaluationRequest, PolicyDocument, PrincipalIds
from cloudtwin.services.iam.policy.evaluator import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    MatchedStatement,
)
from cloudtwin.services.iam.policy.positions import statement_spans

Params = dict[str, Any]

_VARIABLE = re.compile(r"\$\{([^}*?$][^},]*)")


def _context(entries: list[Params] | None) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    for entry in entries or ():
        key = entry.get("ContextKeyName")
        if key:
            context[key.lower()] = [str(v) for v in entry.get("ContextKeyValues") or ()]
    return context


def _context_keys(docs: list[PolicyDocument]) -> list[str]:
    seen: dict[str, str] = {}
    for doc in docs:
        for st in doc.statements:
            for _, key, _values in st.conditions:
                seen.setdefault(key.lower(), key)
            for resource in (st.resources or ()) + (st.not_resources or ()):
                for name in _VARIABLE.findall(resource):
                    seen.setdefault(name.strip().lower(), name.strip())
    return list(seen.values())


class _Sources:
    """Each policy source's SimulatePolicy type and document text."""

    def __init__(self) -> None:
        self.types: dict[str, str] = {}
        self.texts: dict[str, str] = {}

    def statement(self, m: MatchedStatement) -> Params:
        out: Params = {"SourcePolicyId": m.source_id,
                       "SourcePolicyType": self.types.get(m.source_id, "none")}  # fmt: skip
        spans = statement_spans(self.texts.get(m.source_id, ""))
        if m.statement_index < len(spans):
            (sl, sc), (el, ec) = spans[m.statement_index]
            out["StartPosition"] = {"Line": sl, "Column": sc}
            out["EndPosition"] = {"Line": el, "Column": ec}
        return out


#: AWS reports every identity-based policy as an "IAM Policy" (the model's PolicySourceType
#: enum names finer kinds, which AWS no longer answers).
_IDENTITY = "IAM Policy"


class SimulationHandlers:
    """Policy simulation (mixed into the IAM provider)."""

    authorizer: Authorizer

    def _inputs(self, texts: list[str] | None, prefix: str, sources: _Sources) -> Policies:
        out: Policies = []
        for i, text in enumerate(texts or (), 1):
            source = f"{prefix}.{i}"
            out.append((source, E.check_policy(text)))
            sources.types[source] = _IDENTITY
            sources.texts[source] = text
        return out

    def _principal_policies(
        self, ctx: RequestContext, arn: str, sources: _Sources
    ) -> tuple[Policies, Policies | None]:
        store: IamStore = ctx.store
        resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else ""
        kind, _, name = resource.partition("/")
        name = name.rsplit("/", 1)[-1]
        if kind == "user":
            record: Any = E.user(store, name)
        elif kind == "role":
            record = E.role(store, name)
        elif kind == "group":
            record = E.group(store, name)
        else:
            raise invalid_input(f"Invalid ARN: {arn}")
        policies = self.authorizer.principal_policies(
            store, record, kind, sources.types, sources.texts
        )
        for source in sources.types:
            sources.types[source] = _IDENTITY
        return policies, self.authorizer.boundary(store, record)

    def _simulate(
        self,
        ctx: RequestContext,
        params: Params,
        policies: Policies,
        boundary: Policies | None,
        sources: _Sources,
        caller: str | None,
    ) -> Params:
        context = _context(params.get("ContextEntries"))
        resources = params.get("ResourceArns") or ["*"]
        resource_policy = None
        if params.get("ResourcePolicy"):
            resource_policy = E.check_policy(params["ResourcePolicy"], "resource")
            sources.types["ResourcePolicy"] = "Resource Policy"
            sources.texts["ResourcePolicy"] = params["ResourcePolicy"]
        principal = PrincipalIds(aws=(caller,)) if caller else None
        results = []
        for action in params["ActionNames"]:
            per_resource = []
            for resource in resources:
                request = EvaluationRequest(action, resource, dict(context), principal)
                decision = self.authorizer.evaluate(policies, request, boundary=boundary)
                if resource_policy is not None and decision.decision != EXPLICIT_DENY:
                    by_resource = self.authorizer.evaluator.evaluate(
                        [("ResourcePolicy", resource_policy)], request
                    )
                    if by_resource.decision == EXPLICIT_DENY or (
                        by_resource.decision == ALLOWED and decision.decision == IMPLICIT_DENY
                    ):
                        decision = by_resource
                matched = [sources.statement(m) for m in decision.matched]
                per_resource.append((resource, decision, matched))
            first_resource, first, first_matched = per_resource[0]
            overall = first.decision
            for _, d, _m in per_resource[1:]:
                if d.decision == EXPLICIT_DENY or (d.decision != ALLOWED and overall == ALLOWED):
                    overall = d.decision
            result: Params = {
                "EvalActionName": action,
                "EvalResourceName": first_resource,
                "EvalDecision": overall,
                "EvalDecisionDetails": {},
                "MatchedStatements": first_matched,
                "MissingContextValues": list(first.missing_context),
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
            }
            if boundary is not None:
                result["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": overall == ALLOWED
                    or bool(first.matched and first.decision == ALLOWED)
                }
            if params.get("ResourceArns"):
                result["ResourceSpecificResults"] = [
                    {"EvalResourceName": r, "EvalResourceDecision": d.decision,
                     "MatchedStatements": m, "MissingContextValues": list(d.missing_context)}
                    for r, d, m in per_resource
                ]  # fmt: skip
            results.append(result)
        return paginate(results, params, "EvaluationResults")

    def simulate_principal_policy(self, ctx: RequestContext, params: Params) -> Params:
        sources = _Sources()
        policies, boundary = self._principal_policies(ctx, params["PolicySourceArn"], sources)
        policies += self._inputs(params.get("PolicyInputList"), "PolicyInputList", sources)
        extra = self._inputs(
            params.get("PermissionsBoundaryPolicyInputList"),
            "PermissionsBoundaryPolicyInputList",
            sources,
        )
        if extra:
            boundary = extra
        return self._simulate(
            ctx, params, policies, boundary, sources,
            params.get("CallerArn") or params["PolicySourceArn"],
        )  # fmt: skip

    def simulate_custom_policy(self, ctx: RequestContext, params: Params) -> Params:
        sources = _Sources()
        policies = self._inputs(params["PolicyInputList"], "PolicyInputList", sources)
        boundary = self._inputs(
            params.get("PermissionsBoundaryPolicyInputList"),
            "PermissionsBoundaryPolicyInputList",
            sources,
        ) or None
        return self._simulate(ctx, params, policies, boundary, sources, params.get("CallerArn"))

    def get_context_keys_for_custom_policy(self, ctx: RequestContext, params: Params) -> Params:
        docs = [E.check_policy(text) for text in params["PolicyInputList"]]
        return {"ContextKeyNames": _context_keys(docs)}

    def get_context_keys_for_principal_policy(self, ctx: RequestContext, params: Params) -> Params:
        policies, _ = self._principal_policies(ctx, params["PolicySourceArn"], _Sources())
        docs = [doc for _, doc in policies]
        docs += [E.check_policy(text) for text in params.get("PolicyInputList") or ()]
        return {"ContextKeyNames": _context_keys(docs)}

