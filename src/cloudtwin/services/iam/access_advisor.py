"""Access advisor: which services an entity's policies grant, and when they were last used.

cloudtwin does not record service use per entity, so every granted service reads as never
accessed (no ``LastAuthenticated``) — what AWS reports for a fresh entity. Jobs complete
as soon as they are made.
"""

from __future__ import annotations

import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.errors import invalid_input, no_such_entity
from cloudtwin.services.iam.models import AccessReportJob, IamStore, Principal
from cloudtwin.services.iam.pagination import paginate
from cloudtwin.services.iam.policies import entity, policy_document
from cloudtwin.services.iam.policy import PolicyDocument, parse_policy

Params = dict[str, Any]


def _namespaces(doc: PolicyDocument) -> set[str]:
    found: set[str] = set()
    for st in doc.statements:
        if st.effect != "Allow":
            continue
        for action in st.actions or ():
            prefix = action.split(":", 1)[0].lower()
            if prefix != "*" and "*" not in prefix and "?" not in prefix:
                found.add(prefix)
    return found


def _grants(doc: PolicyDocument, namespace: str) -> bool:
    for st in doc.statements:
        if st.effect != "Allow":
            continue
        if st.not_actions is not None:
            return True
        for action in st.actions or ():
            prefix = action.split(":", 1)[0].lower()
            if action == "*" or prefix == namespace.lower():
                return True
    return False


class AccessAdvisorHandlers:
    """Service-last-accessed reports (mixed into the IAM provider)."""

    def _entity_of(self, store: IamStore, arn: str) -> tuple[str, Principal]:
        resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
        kind, _, rest = resource.partition("/")
        if kind not in ("user", "group", "role"):
            raise invalid_input(f"Invalid ARN: {arn}")
        return kind, entity(store, kind, rest.rsplit("/", 1)[-1])

    def _policy_sources(
        self, store: IamStore, kind: str, record: Principal
    ) -> list[tuple[Params, PolicyDocument]]:
        """(ListPoliciesGrantingServiceAccess entry, document) for every policy that applies."""
        out: list[tuple[Params, PolicyDocument]] = []
        owners: list[tuple[str, Principal]] = [(kind, record)]
        if kind == "user":
            owners += [("group", store.groups[g.lower()]) for g in record.groups  # type: ignore[attr-defined]
                       if g.lower() in store.groups]  # fmt: skip
        for owner_kind, owner in owners:
            for name, text in owner.inline.items():
                entry = {"PolicyName": name, "PolicyType": "INLINE",
                         "EntityType": owner_kind.upper(), "EntityName": owner.name}  # fmt: skip
                out.append((entry, parse_policy(text)))
            for arn in owner.attached:
                text = policy_document(store, arn)
                if text is not None:
                    entry = {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyType": "MANAGED",
                             "PolicyArn": arn}  # fmt: skip
                    out.append((entry, parse_policy(text)))
        return out

    def generate_service_last_accessed_details(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        arn = params["Arn"]
        if ":policy/" in arn:
            text = policy_document(store, arn)
            if text is None:
                raise no_such_entity(f"Policy {arn} was not found.")
            services = _namespaces(parse_policy(text))
        else:
            kind, record = self._entity_of(store, arn)
            services = set()
            for _, doc in self._policy_sources(store, kind, record):
                services |= _namespaces(doc)
        job = AccessReportJob(
            str(uuid.uuid4()), arn, params.get("Granularity") or "SERVICE_LEVEL",
            ctx.clock.now(), sorted(services),
        )  # fmt: skip
        store.access_jobs[job.job_id] = job
        return {"JobId": job.job_id}

    def _job(self, store: IamStore, job_id: str) -> AccessReportJob:
        job = store.access_jobs.get(job_id)
        if job is None:
            raise no_such_entity(f"No such job: {job_id}")
        return job

    def get_service_last_accessed_details(self, ctx: RequestContext, params: Params) -> Params:
        job = self._job(ctx.store, params["JobId"])
        out = paginate(
            job.services, params, "ServicesLastAccessed",
            lambda s: {"ServiceName": s, "ServiceNamespace": s, "TotalAuthenticatedEntities": 0},
        )  # fmt: skip
        out.update(
            JobStatus="COMPLETED",
            JobType=job.granularity,
            JobCreationDate=E.when(job.created),
            JobCompletionDate=E.when(job.created),
        )
        return out

    def get_service_last_accessed_details_with_entities(
        self, ctx: RequestContext, params: Params
    ) -> Params:
        job = self._job(ctx.store, params["JobId"])
        out = paginate([], params, "EntityDetailsList")
        out.update(
            JobStatus="COMPLETED",
            JobCreationDate=E.when(job.created),
            JobCompletionDate=E.when(job.created),
        )
        return out

    def list_policies_granting_service_access(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        kind, record = self._entity_of(store, params["Arn"])
        sources = self._policy_sources(store, kind, record)
        granting = [
            {
                "ServiceNamespace": namespace,
                "Policies": [entry for entry, doc in sources if _grants(doc, namespace)],
            }
            for namespace in params["ServiceNamespaces"]
        ]
        return {"PoliciesGrantingServiceAccess": granting, "IsTruncated": False}
