"""Managed policies with versions, attachments, and inline policies of users, groups, roles."""

from __future__ import annotations

from typing import Any, Iterator

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.aws_managed import AwsPolicy, aws_policies, aws_policy_by_arn
from cloudtwin.services.iam.errors import (
    already_exists,
    delete_conflict,
    invalid_input,
    limit_exceeded,
    no_such_entity,
)
from cloudtwin.services.iam.models import (
    IamStore,
    ManagedPolicy,
    PolicyVersion,
    Principal,
    new_id,
)
from cloudtwin.services.iam.pagination import paginate

Params = dict[str, Any]

MAX_VERSIONS = 5
MAX_ATTACHED = 10
_KINDS = {"user": ("users", "UserName"), "group": ("groups", "GroupName"), "role": ("roles", "RoleName")}
_KIND_LABEL = {"user": "User", "group": "Group", "role": "Role"}


def entity(store: IamStore, kind: str, name: str) -> Principal:
    return {"user": E.user, "group": E.group, "role": E.role}[kind](store, name)


def _save(store: IamStore, kind: str, record: Principal) -> None:
    getattr(store, _KINDS[kind][0]).save(record.name.lower())


def principals(store: IamStore) -> Iterator[tuple[str, Principal]]:
    for kind, (table, _) in _KINDS.items():
        for record in getattr(store, table).values():
            yield kind, record


def attachment_count(store: IamStore, arn: str) -> int:
    return sum(1 for _, p in principals(store) if arn in p.attached)


def aws_policy_view(partition: str, policy: AwsPolicy, attachments: int) -> Params:
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn(partition),
        "Path": policy.path,
        "DefaultVersionId": policy.version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": E.when(policy.created),
        "UpdateDate": E.when(policy.updated),
    }


def policy_document(store: IamStore, arn: str) -> str | None:
    """The default version's document of a managed policy (customer or AWS), or None."""
    found = store.policies.get(arn)
    if found is not None:
        return found.versions[found.default_version].document
    aws = aws_policy_by_arn(arn)
    return aws.document if aws else None


class PolicyHandlers:
    """Managed and inline policies (mixed into the IAM provider)."""

    def _check_boundary(self, ctx: RequestContext, store: IamStore, arn: str) -> None:
        if policy_document(store, arn) is None:
            raise invalid_input(f"Scope ARN: {arn} does not exist or is not attachable.")

    # -- managed policies ----------------------------------------------------------------------

    def create_policy(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params["PolicyName"]
        path = E.check_path(params.get("Path"))
        arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:policy{path}{name}"
        if any(p.name.lower() == name.lower() for p in store.policies.values()):
            raise already_exists(f"A policy called {name} already exists. Duplicate names are not allowed.")  # noqa: E501
        E.check_policy(params["PolicyDocument"])
        tags = params.get("Tags") or []
        E.check_tags(tags)
        now = ctx.clock.now()
        policy = ManagedPolicy(
            name=name,
            id=new_id("ANPA"),
            arn=arn,
            path=path,
            created=now,
            updated=now,
            description=params.get("Description"),
            versions={"v1": PolicyVersion("v1", params["PolicyDocument"], now)},
            tags=list(tags),
        )
        store.policies[arn] = policy
        view = E.policy_view(policy, 0)
        view.pop("Description", None)
        return {"Policy": view}

    def get_policy(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        arn = E.check_arn(params["PolicyArn"])
        aws = aws_policy_by_arn(arn)
        if aws is not None:
            return {"Policy": aws_policy_view(ctx.partition, aws, attachment_count(store, arn))}
        policy = E.customer_policy(store, arn)
        view = E.policy_view(policy, attachment_count(store, arn))
        view.setdefault("Tags", [])  # GetPolicy answers an empty list when there are none
        return {"Policy": view}

    def delete_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = E.customer_policy(store, params["PolicyArn"])
        if attachment_count(store, policy.arn):
            raise delete_conflict("Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy."
            )
        del store.policies[policy.arn]

    def list_policies(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        scope = params.get("Scope") or "All"
        prefix = params.get("PathPrefix")
        only_attached = params.get("OnlyAttached", False)
        counts: dict[str, int] = {}
        for _, p in principals(store):
            for arn in p.attached:
                counts[arn] = counts.get(arn, 0) + 1
        rows: list[Params] = []
        if scope in ("All", "AWS"):
            for policy in aws_policies().values():
                view = aws_policy_view(ctx.partition, policy, 0)
                view["AttachmentCount"] = counts.get(view["Arn"], 0)
                rows.append(view)
        if scope in ("All", "Local"):
            for policy in store.policies.values():
                rows.append(E.policy_view(policy, counts.get(policy.arn, 0), with_tags=False))
        rows = [
            r for r in rows
            if (not prefix or r["Path"].startswith(prefix))
            and (not only_attached or r["AttachmentCount"])
        ]  # fmt: skip
        for r in rows:
            r.pop("Description", None)
        return paginate(rows, params, "Policies")

    def create_policy_version(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        policy = E.customer_policy(store, params["PolicyArn"])
        E.check_policy(params["PolicyDocument"])
        if len(policy.versions) >= MAX_VERSIONS:
            raise limit_exceeded(
                "A managed policy can have up to 5 versions. Before you create a new version, "
                "you must delete an existing version."
            )
        now = ctx.clock.now()
        vid = f"v{policy.next_version}"
        policy.next_version += 1
        policy.versions[vid] = PolicyVersion(vid, params["PolicyDocument"], now)
        if params.get("SetAsDefault"):
            policy.default_version = vid
        policy.updated = now
        store.policies.save(policy.arn)
        return {"PolicyVersion": self._version_view(policy, vid, with_document=False)}

    @staticmethod
    def _version_view(policy: ManagedPolicy, vid: str, *, with_document: bool = True) -> Params:
        version = policy.versions[vid]
        out: Params = {
            "VersionId": vid,
            "IsDefaultVersion": vid == policy.default_version,
            "CreateDate": E.when(version.created),
        }
        if with_document:
            out["Document"] = E.encoded(version.document)
        return out

    @staticmethod
    def _aws_version_view(policy: AwsPolicy, *, with_document: bool) -> Params:
        out: Params = {
            "VersionId": policy.version,
            "IsDefaultVersion": True,
            "CreateDate": E.when(policy.updated),
        }
        if with_document:
            out["Document"] = E.encoded(policy.document)
        return out

    def _version(self, store: IamStore, arn: str, vid: str) -> ManagedPolicy:
        policy = E.customer_policy(store, arn)
        if vid not in policy.versions:
            raise no_such_entity(f"Policy {arn} version {vid} does not exist or is not attachable.")
        return policy

    def get_policy_version(self, ctx: RequestContext, params: Params) -> Params:
        arn, vid = E.check_arn(params["PolicyArn"]), params["VersionId"]
        aws = aws_policy_by_arn(arn)
        if aws is not None:
            if vid != aws.version:
                raise no_such_entity(f"Policy {arn} version {vid} does not exist or is not attachable.")  # noqa: E501
            return {"PolicyVersion": self._aws_version_view(aws, with_document=True)}
        policy = self._version(ctx.store, arn, vid)
        return {"PolicyVersion": self._version_view(policy, vid)}

    def list_policy_versions(self, ctx: RequestContext, params: Params) -> Params:
        arn = E.check_arn(params["PolicyArn"])
        aws = aws_policy_by_arn(arn)
        if aws is not None:
            rows = [self._aws_version_view(aws, with_document=False)]
            return paginate(rows, params, "Versions")
        policy = E.customer_policy(ctx.store, arn)
        versions = sorted(policy.versions, key=lambda v: -int(v[1:]))
        return paginate(
            versions, params, "Versions",
            lambda v: self._version_view(policy, v, with_document=False),
        )  # fmt: skip

    def delete_policy_version(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = self._version(store, params["PolicyArn"], params["VersionId"])
        if params["VersionId"] == policy.default_version:
            raise delete_conflict("Cannot delete the default version of a policy.")
        del policy.versions[params["VersionId"]]
        store.policies.save(policy.arn)

    def set_default_policy_version(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = self._version(store, params["PolicyArn"], params["VersionId"])
        policy.default_version = params["VersionId"]
        policy.updated = ctx.clock.now()
        store.policies.save(policy.arn)

    def tag_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = E.customer_policy(store, params["PolicyArn"])
        policy.tags = E.merge_tags(policy.tags, params["Tags"])
        store.policies.save(policy.arn)

    def untag_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = E.customer_policy(store, params["PolicyArn"])
        policy.tags = E.drop_tags(policy.tags, params["TagKeys"])
        store.policies.save(policy.arn)

    def list_policy_tags(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(E.customer_policy(ctx.store, params["PolicyArn"]).tags, params, "Tags")

    def list_entities_for_policy(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        arn = E.check_arn(params["PolicyArn"])
        if policy_document(store, arn) is None:
            raise no_such_entity(f"Policy {arn} was not found.")
        wanted = params.get("EntityFilter")
        prefix = params.get("PathPrefix")
        out: Params = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
        for kind, p in principals(store):
            if arn not in p.attached or (prefix and not p.path.startswith(prefix)):
                continue
            label = _KIND_LABEL[kind]
            if wanted and wanted not in (label, "LocalManagedPolicy", "AWSManagedPolicy"):
                continue
            out[f"Policy{label}s"].append({f"{label}Name": p.name, f"{label}Id": p.id})
        out["IsTruncated"] = False
        return out

    # -- attachments ---------------------------------------------------------------------------

    def _attach(self, ctx: RequestContext, params: Params, kind: str) -> None:
        store: IamStore = ctx.store
        record = entity(store, kind, params[_KINDS[kind][1]])
        arn = E.check_arn(params["PolicyArn"])
        if policy_document(store, arn) is None:
            raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")
        if arn in record.attached:
            return
        if len(record.attached) >= MAX_ATTACHED:
            raise limit_exceeded(
                f"Cannot exceed quota for PoliciesPer{_KIND_LABEL[kind]}: {MAX_ATTACHED}"
            )
        record.attached.append(arn)
        _save(store, kind, record)

    def _detach(self, ctx: RequestContext, params: Params, kind: str) -> None:
        store: IamStore = ctx.store
        record = entity(store, kind, params[_KINDS[kind][1]])
        arn = E.check_arn(params["PolicyArn"])
        if arn not in record.attached:
            raise no_such_entity(f"Policy {arn} was not found.")
        record.attached.remove(arn)
        _save(store, kind, record)

    def _list_attached(self, ctx: RequestContext, params: Params, kind: str) -> Params:
        store: IamStore = ctx.store
        record = entity(store, kind, params[_KINDS[kind][1]])
        prefix = params.get("PathPrefix")
        rows = []
        for arn in record.attached:
            path = arn.split(":policy", 1)[-1].rsplit("/", 1)[0] + "/"
            if prefix and not path.startswith(prefix):
                continue
            rows.append({"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn})
        return paginate(rows, params, "AttachedPolicies")

    def attach_user_policy(self, ctx: RequestContext, params: Params) -> None:
        self._attach(ctx, params, "user")

    def attach_group_policy(self, ctx: RequestContext, params: Params) -> None:
        self._attach(ctx, params, "group")

    def attach_role_policy(self, ctx: RequestContext, params: Params) -> None:
        self._attach(ctx, params, "role")

    def detach_user_policy(self, ctx: RequestContext, params: Params) -> None:
        self._detach(ctx, params, "user")

    def detach_group_policy(self, ctx: RequestContext, params: Params) -> None:
        self._detach(ctx, params, "group")

    def detach_role_policy(self, ctx: RequestContext, params: Params) -> None:
        self._detach(ctx, params, "role")

    def list_attached_user_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_attached(ctx, params, "user")

    def list_attached_group_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_attached(ctx, params, "group")

    def list_attached_role_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_attached(ctx, params, "role")

    # -- inline policies -----------------------------------------------------------------------

    def _put_inline(self, ctx: RequestContext, params: Params, kind: str) -> None:
        store: IamStore = ctx.store
        record = entity(store, kind, params[_KINDS[kind][1]])
        E.check_policy(params["PolicyDocument"], inline=True)
        record.inline[params["PolicyName"]] = params["PolicyDocument"]
        _save(store, kind, record)

    def _inline(self, ctx: RequestContext, params: Params, kind: str) -> tuple[Principal, str]:
        record = entity(ctx.store, kind, params[_KINDS[kind][1]])
        name = params["PolicyName"]
        if name not in record.inline:
            raise no_such_entity(f"The {kind} policy with name {name} cannot be found.")
        return record, name

    def _get_inline(self, ctx: RequestContext, params: Params, kind: str) -> Params:
        record, name = self._inline(ctx, params, kind)
        return {
            _KINDS[kind][1]: record.name,
            "PolicyName": name,
            "PolicyDocument": E.encoded(record.inline[name]),
        }

    def _delete_inline(self, ctx: RequestContext, params: Params, kind: str) -> None:
        record, name = self._inline(ctx, params, kind)
        del record.inline[name]
        _save(ctx.store, kind, record)

    def _list_inline(self, ctx: RequestContext, params: Params, kind: str) -> Params:
        record = entity(ctx.store, kind, params[_KINDS[kind][1]])
        return paginate(list(record.inline), params, "PolicyNames")

    def put_user_policy(self, ctx: RequestContext, params: Params) -> None:
        self._put_inline(ctx, params, "user")

    def put_group_policy(self, ctx: RequestContext, params: Params) -> None:
        self._put_inline(ctx, params, "group")

    def put_role_policy(self, ctx: RequestContext, params: Params) -> None:
        self._put_inline(ctx, params, "role")

    def get_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self._get_inline(ctx, params, "user")

    def get_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self._get_inline(ctx, params, "group")

    def get_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self._get_inline(ctx, params, "role")

    def delete_user_policy(self, ctx: RequestContext, params: Params) -> None:
        self._delete_inline(ctx, params, "user")

    def delete_group_policy(self, ctx: RequestContext, params: Params) -> None:
        self._delete_inline(ctx, params, "group")

    def delete_role_policy(self, ctx: RequestContext, params: Params) -> None:
        self._delete_inline(ctx, params, "role")

    def list_user_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_inline(ctx, params, "user")

    def list_group_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_inline(ctx, params, "group")

    def list_role_policies(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_inline(ctx, params, "role")
