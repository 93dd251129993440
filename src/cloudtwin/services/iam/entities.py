"""Looking entities up (with AWS's not-found errors) and rendering them as output shapes.

Shared by the feature modules; nothing here keeps state.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence
from urllib.parse import quote

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam.errors import (
    invalid_input,
    limit_exceeded,
    malformed_policy,
    no_such_entity,
    no_such_group,
    no_such_role,
    no_such_user,
)
from cloudtwin.services.iam.models import Group, IamStore, ManagedPolicy, Role, User
from cloudtwin.services.iam.policy import PolicyDocument, PolicyError, parse_policy
from cloudtwin.services.iam.policy.document import PolicyKind

MAX_TAGS = 50


def when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)


def encoded(document: str) -> str:
    """Policy documents leave IAM URL-encoded (clients decode them)."""
    return quote(document, safe="")


def check_policy(text: str, kind: PolicyKind = "identity", *, inline: bool = False) -> PolicyDocument:
    """``inline``: a role's, user's or group's own policy, which may leave out its Version."""
    try:
        return parse_policy(text, kind, written=True, inline=inline)
    except PolicyError as error:
        raise malformed_policy(str(error)) from None


def check_arn(arn: str) -> str:
    """AWS refuses what cannot be an ARN before looking anything up."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise ServiceError("ValidationError", "Invalid ARN:  Could not be parsed!")
    return arn


def check_path(path: str | None) -> str:
    path = path or "/"
    if not (path.startswith("/") and path.endswith("/")):
        raise ServiceError(
            "ValidationError",
            "The specified value for path is invalid. It must begin and end with / and "
            "contain only alphanumeric characters and/or / characters.",
        )
    return path


def user(store: IamStore, name: str) -> User:
    found = store.users.get(name.lower())
    if found is None:
        raise no_such_user(name)
    return found


def group(store: IamStore, name: str) -> Group:
    found = store.groups.get(name.lower())
    if found is None:
        raise no_such_group(name)
    return found


def role(store: IamStore, name: str) -> Role:
    found = store.roles.get(name.lower())
    if found is None:
        raise no_such_role(name)
    return found


def customer_policy(store: IamStore, arn: str) -> ManagedPolicy:
    found = store.policies.get(check_arn(arn))
    if found is None:
        raise no_such_entity(f"Policy {arn} was not found.")
    return found


# -- tags -----------------------------------------------------------------------------------


def check_tags(tags: Sequence[dict[str, str]]) -> None:
    keys = [t["Key"] for t in tags]
    if len({k.lower() for k in keys}) != len(keys):
        raise invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    if len(tags) > MAX_TAGS:
        raise limit_exceeded(f"The number of tags has reached the maximum limit.")


def merge_tags(current: list[dict[str, str]], new: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    check_tags(new)
    merged = {t["Key"]: t["Value"] for t in current}
    for tag in new:
        merged[tag["Key"]] = tag.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise limit_exceeded("The number of tags has reached the maximum limit.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def drop_tags(current: list[dict[str, str]], keys: Sequence[str]) -> list[dict[str, str]]:
    gone = set(keys)
    return [t for t in current if t["Key"] not in gone]


# -- rendering ------------------------------------------------------------------------------


def user_view(u: User, *, with_tags: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": u.path,
        "UserName": u.name,
        "UserId": u.id,
        "Arn": u.arn,
        "CreateDate": when(u.created),
    }
    if u.password_last_used is not None:
        out["PasswordLastUsed"] = when(u.password_last_used)
    if u.boundary:
        out["PermissionsBoundary"] = boundary_view(u.boundary)
    if with_tags and u.tags:
        out["Tags"] = list(u.tags)
    return out


def group_view(g: Group) -> dict[str, Any]:
    return {
        "Path": g.path,
        "GroupName": g.name,
        "GroupId": g.id,
        "Arn": g.arn,
        "CreateDate": when(g.created),
    }


def boundary_view(arn: str) -> dict[str, str]:
    # AWS answers "Policy" (the model's enum says PermissionsBoundaryPolicy)
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


#: How long IAM takes to report a role's use in ``RoleLastUsed`` (AWS: "recent activity usually
#: appears within 4 hours"); a role used more recently shows its earlier use, or none.
ROLE_LAST_USED_LAG = 4 * 3600


def role_view(r: Role, *, full: bool = True, now: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": r.path,
        "RoleName": r.name,
        "RoleId": r.id,
        "Arn": r.arn,
        "CreateDate": when(r.created),
        "AssumeRolePolicyDocument": encoded(r.trust_policy),
        "MaxSessionDuration": r.max_session,
    }
    if r.description is not None:
        out["Description"] = r.description
    if full:
        if r.boundary:
            out["PermissionsBoundary"] = boundary_view(r.boundary)
        if r.tags:
            out["Tags"] = list(r.tags)
        last: dict[str, Any] = {}
        if r.last_used is not None and (now is None or now - r.last_used >= ROLE_LAST_USED_LAG):
            last = {"LastUsedDate": when(r.last_used), "Region": r.last_used_region}
        out["RoleLastUsed"] = last
    return out


def policy_view(p: ManagedPolicy, attachments: int, *, with_tags: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "PolicyName": p.name,
        "PolicyId": p.id,
        "Arn": p.arn,
        "Path": p.path,
        "DefaultVersionId": p.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": when(p.created),
        "UpdateDate": when(p.updated),
    }
    if p.description is not None:
        out["Description"] = p.description
    if with_tags and p.tags:
        out["Tags"] = list(p.tags)
    return out
